"""The named-query files (barcode normalization is tested in test_gtin.py)."""

from __future__ import annotations

from importlib import resources

import pytest

from catalog.queries import load_queries, migration_files, parse_queries, translate

DIALECTS = ("sqlite", "postgresql")
OWN_PREFIX = {"sqlite": "sqlite_", "postgresql": "pg_"}  # a dialect's own helpers


def test_parse_queries_splits_named_blocks_and_refuses_duplicates():
    text = "-- name: a\nSELECT 1;\n\n-- name: b\n-- a comment\nSELECT 2;\n"
    assert parse_queries(text) == {"a": "SELECT 1;", "b": "-- a comment\nSELECT 2;"}
    with pytest.raises(ValueError):
        parse_queries("-- name: a\nSELECT 1;\n-- name: a\nSELECT 2;\n")


def test_named_parameters_become_numbered_placeholders_once_per_name():
    sql = (
        "-- :not_a_param in a comment\n"
        "SELECT ':nor_in_a_string', \"col:umn\", :items::jsonb\n"
        "WHERE id = :id OR parent = :id AND t > '12:30'"
    )
    pg = translate("q", sql, "postgresql")
    assert pg.params == ("items", "id")
    assert pg.sql.endswith("$1::jsonb\nWHERE id = $2 OR parent = $2 AND t > '12:30'")
    assert "-- :not_a_param" in pg.sql and "':nor_in_a_string'" in pg.sql
    lite = translate("q", "SELECT :b, :a, :b", "sqlite")
    assert (lite.sql, lite.params) == ("SELECT ?1, ?2, ?1", ("b", "a"))
    assert lite.args({"a": 1, "b": 2}) == (2, 1)
    for wrong in ({"a": 1}, {"a": 1, "b": 2, "c": 3}):
        with pytest.raises(TypeError):
            lite.args(wrong)


def test_every_dialect_has_the_same_queries_with_the_same_parameters():
    """Shared names must exist in every dialect, taking the same named parameters."""
    shared = {
        dialect: {
            name: set(q.params)
            for name, q in load_queries(dialect).items()
            if not name.startswith(OWN_PREFIX[dialect])
        }
        for dialect in DIALECTS
    }
    assert shared["sqlite"].keys() == shared["postgresql"].keys()
    assert shared["sqlite"] == shared["postgresql"]


@pytest.mark.parametrize("dialect", DIALECTS)
def test_no_query_is_left_with_a_numbered_placeholder_of_its_own(dialect):
    """Placeholders come from names only, so each number is one known parameter."""
    raw = parse_queries(resources.files("catalog").joinpath("sql", f"{dialect}.sql").read_text())
    for name, sql in raw.items():
        assert "$1" not in sql and "?1" not in sql, name


def test_sqlite_queries_and_migrations_load():
    queries = load_queries("sqlite")
    assert {"resolve_product", "insert_image", "upsert_store_product"} <= set(queries)
    versions = [v for v, _ in migration_files("sqlite")]
    assert versions == sorted(versions) and versions[0] == "0001_initial"


# Statements that change a PostgreSQL session beyond its transaction: a pooled connection
# is released without `RESET ALL`, `UNLISTEN *`, `CLOSE ALL` or unlocking
# (`catalog.postgres._session_kept`), so no named query may leave any of these behind.
_SESSION_STATE = (
    r"set_config\s*\([^;]*?,\s*false\s*\)",  # a setting for the session
    r"^\s*(?:SET\s+(?!LOCAL\b)|RESET\b)",  # a statement of its own (not UPDATE … SET)
    r"pg_(?:try_)?advisory_lock(?:_shared)?\s*\(",  # held past the transaction
    r"\bLISTEN\b",
    r"\bDECLARE\b",
    r"^\s*PREPARE\b",
)


def test_no_postgresql_query_leaves_session_state_on_a_pooled_connection():
    import re

    raw = parse_queries(resources.files("catalog").joinpath("sql", "postgresql.sql").read_text())
    for name, sql in raw.items():
        code = "\n".join(line.split("--", 1)[0] for line in sql.splitlines())
        for statement in code.split(";"):
            for pattern in _SESSION_STATE:
                assert not re.search(pattern, statement, re.IGNORECASE), (name, pattern)
    # The patterns see what they are there for.
    for leaky in (
        "SELECT set_config('jit', 'off', false);",
        "SET work_mem = '1GB';",
        "SELECT pg_advisory_lock(1);",
        "LISTEN x;",
    ):
        assert any(re.search(p, leaky, re.IGNORECASE) for p in _SESSION_STATE)
    assert not any(re.search(p, "UPDATE t\nSET a = 1", re.IGNORECASE) for p in _SESSION_STATE)
