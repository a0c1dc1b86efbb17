"""Named SQL queries, one file per dialect with the same names (see `sql/*.sql`)."""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

_NAME = re.compile(r"^--\s*name:\s*(\w+)\s*$", re.MULTILINE)


def parse_queries(text: str) -> dict[str, str]:
    """Split a file of `-- name: x` blocks into {name: sql}."""
    parts = _NAME.split(text)
    queries: dict[str, str] = {}
    for name, body in zip(parts[1::2], parts[2::2], strict=True):
        if name in queries:
            raise ValueError(f"query {name!r} is defined twice")
        queries[name] = body.strip()
    return queries


@cache
def load_queries(dialect: str) -> dict[str, str]:
    text = resources.files("catalog").joinpath("sql", f"{dialect}.sql").read_text()
    return parse_queries(text)


def migration_files(dialect: str) -> list[tuple[str, str]]:
    """(version, sql) of every migration for `dialect`, in order."""
    folder = resources.files("catalog").joinpath("migrations", dialect)
    files = sorted(f for f in folder.iterdir() if f.name.endswith(".sql"))
    return [(f.name.removesuffix(".sql"), f.read_text()) for f in files]
