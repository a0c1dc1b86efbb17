"""The named-query files (barcode normalization is tested in test_gtin.py)."""

from __future__ import annotations

import pytest

from catalog.queries import load_queries, migration_files, parse_queries


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
