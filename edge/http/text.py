"""Text a client sends, checked once at the boundary before any backend sees it.

Broken text is refused everywhere: a lone UTF-16 surrogate (what JavaScript leaves when it
cuts a string inside an emoji, sent as a `"\\ud800"` escape; invalid UTF-8 bytes decode to
the same, see `edge.http.decoding`) or a NUL. Neither can be stored faithfully: SQLite
keeps a row no one can read back, PostgreSQL refuses the statement. Names refuse the
other C0 controls as well (`printable_problem`); free-standing tokens only need whole text.
"""

from __future__ import annotations

import re
from typing import Any

import msgspec

_BROKEN = re.compile("[\x00\ud800-\udfff]")
_CONTROL = re.compile("[\x00-\x1f\ud800-\udfff]")


def text_problem(value: str) -> str | None:
    """Why `value` cannot be stored as sent (None: it can)."""
    found = _BROKEN.search(value)
    if found is None:
        return None
    if found.group() == "\x00":
        return "contains a NUL character"
    return "is not valid Unicode (a lone UTF-16 surrogate, or bytes that are not UTF-8)"


def printable_problem(value: str) -> str | None:
    """Why `value` cannot be a name: broken, or holding a control character."""
    if (broken := text_problem(value)) is not None:
        return broken
    if _CONTROL.search(value) is not None:
        return "contains control characters"
    return None


def shown(value: str) -> str:
    """`value` safe to echo in an answer: broken characters as `\\udXXX` escapes."""
    return value.encode("utf-8", "backslashreplace").decode("utf-8")


def broken_text(value: Any, path: str = "") -> tuple[str, str] | None:
    """The first string anywhere in a decoded body (structs, mappings, lists, keys) that
    is broken, as (its field path, e.g. `products[3].name`, or `` for the body; why)."""
    if isinstance(value, str):
        problem = text_problem(value)
        return None if problem is None else (path, problem)
    if isinstance(value, msgspec.Struct):
        items: Any = ((name, getattr(value, name)) for name in value.__struct_fields__)
    elif isinstance(value, dict):
        items = value.items()
    elif isinstance(value, (list, tuple)):
        return next(
            (found for i, v in enumerate(value) if (found := broken_text(v, f"{path}[{i}]"))),
            None,
        )
    else:
        return None
    for key, item in items:
        at = f"{path}.{shown(str(key))}" if path else shown(str(key))
        if isinstance(key, str) and (problem := text_problem(key)) is not None:
            return (path, f"has a key that {problem}")
        if (found := broken_text(item, at)) is not None:
            return found
    return None
