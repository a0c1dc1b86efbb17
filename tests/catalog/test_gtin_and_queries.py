"""Barcode normalization basics and the named-query files."""

from __future__ import annotations

import pytest

from catalog.gtin import InvalidBarcode, normalize_gtin, try_normalize_gtin
from catalog.queries import load_queries, migration_files, parse_queries


@pytest.mark.parametrize(
    ("raw", "gtin"),
    [
        ("012345678905", "00012345678905"),  # UPC-A
        ("0 12345-67890 5", "00012345678905"),
        ("4006381333931", "04006381333931"),  # EAN-13
        ("96385074", "00000096385074"),  # EAN-8
        ("10012345678902", "10012345678902"),  # GTIN-14
    ],
)
def test_valid_codes_normalize_to_gtin14(raw, gtin):
    assert normalize_gtin(raw) == gtin


@pytest.mark.parametrize(
    "raw", ["", "   ", "012345678906", "12345", "01234567890a", "00000000000000", "٠١٢٣٤٥٦٧٨٩٠٥"]
)
def test_invalid_codes_are_refused_with_a_reason(raw):
    with pytest.raises(InvalidBarcode) as info:
        normalize_gtin(raw)
    assert str(info.value)
    assert try_normalize_gtin(raw) is None


def test_parse_queries_splits_named_blocks_and_refuses_duplicates():
    text = "-- name: a\nSELECT 1;\n\n-- name: b\n-- a comment\nSELECT 2;\n"
    assert parse_queries(text) == {"a": "SELECT 1;", "b": "-- a comment\nSELECT 2;"}
    with pytest.raises(ValueError):
        parse_queries("-- name: a\nSELECT 1;\n-- name: a\nSELECT 2;\n")


def test_sqlite_queries_and_migrations_load():
    queries = load_queries("sqlite")
    assert {"resolve_product", "insert_image", "upsert_store_product"} <= set(queries)
    versions = [v for v, _ in migration_files("sqlite")]
    assert versions == sorted(versions) and versions[0] == "0001_initial"
