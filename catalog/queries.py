"""Named SQL queries, one file per dialect with the same names (see `sql/*.sql`).

The files use named parameters (`:store_id`); each query is translated once, at load
time, to the dialect's numbered placeholders (`?1` for SQLite, `$1` for asyncpg, which
takes nothing else), and remembers which name goes to which number.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

_NAME = re.compile(r"^--\s*name:\s*(\w+)\s*$", re.MULTILINE)
# String literals, quoted identifiers, comments and `::` casts are kept as they are;
# only a bare `:name` elsewhere is a parameter.
_TOKEN = re.compile(r"""'(?:[^']|'')*'|"(?:[^"]|"")*"|--[^\n]*|::|:([A-Za-z_]\w*)""")
_PLACEHOLDER = {"sqlite": "?{}", "postgresql": "${}"}


@dataclass(frozen=True, slots=True)
class Query:
    name: str
    sql: str  # with the dialect's numbered placeholders
    params: tuple[str, ...]  # parameter names, in placeholder order

    def args(self, values: Mapping[str, Any]) -> tuple[Any, ...]:
        """The positional arguments for `values`, which must name each parameter once."""
        if values.keys() != set(self.params):
            missing = sorted(set(self.params) - values.keys())
            extra = sorted(values.keys() - set(self.params))
            raise TypeError(f"query {self.name}: missing {missing}, unexpected {extra}")
        return tuple(values[p] for p in self.params)


def parse_queries(text: str) -> dict[str, str]:
    """Split a file of `-- name: x` blocks into {name: sql}."""
    parts = _NAME.split(text)
    queries: dict[str, str] = {}
    for name, body in zip(parts[1::2], parts[2::2], strict=True):
        if name in queries:
            raise ValueError(f"query {name!r} is defined twice")
        queries[name] = body.strip()
    return queries


def translate(name: str, sql: str, dialect: str) -> Query:
    """`:param` → the dialect's numbered placeholder (a repeated name keeps its number)."""
    placeholder = _PLACEHOLDER[dialect]
    params: list[str] = []

    def number(match: re.Match[str]) -> str:
        param = match.group(1)
        if param is None:
            return match.group(0)
        if param not in params:
            params.append(param)
        return placeholder.format(params.index(param) + 1)

    return Query(name, _TOKEN.sub(number, sql), tuple(params))


@cache
def load_queries(dialect: str) -> dict[str, Query]:
    text = resources.files("catalog").joinpath("sql", f"{dialect}.sql").read_text()
    return {name: translate(name, sql, dialect) for name, sql in parse_queries(text).items()}


def migration_files(dialect: str) -> list[tuple[str, str]]:
    """(version, sql) of every migration for `dialect`, in order."""
    folder = resources.files("catalog").joinpath("migrations", dialect)
    files = sorted((f for f in folder.iterdir() if f.name.endswith(".sql")), key=lambda f: f.name)
    return [(f.name.removesuffix(".sql"), f.read_text()) for f in files]
