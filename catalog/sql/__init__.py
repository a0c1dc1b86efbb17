"""The repository logic of `SQLCatalog` that spans several statements, by concern.

Each function runs inside a transaction it is given (a connector `Session`), by query
name; the SQL text is next to it, in `<dialect>.sql`, one file per dialect.
"""

from __future__ import annotations

import json


def json_param(value: object) -> str:
    """A JSON array parameter for the set-based statements (compact: it is sent, not read)."""
    return json.dumps(value, separators=(",", ":"))


def like_escaped(text: str) -> str:
    """`text` matched literally inside a LIKE pattern whose escape character is `\\`."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
