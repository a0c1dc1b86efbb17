"""Integers a client writes as text (ids in paths, queries and form fields), parsed one
way everywhere: ASCII digits only. Python's `int()` also takes `²`-like and full-width
digits (`int("８２") == 82`), signs, spaces and underscores; none of them is an id here."""

from __future__ import annotations

import re

from edge.errors import BadRequest
from edge.http.bodies import MAX_ID
from edge.http.text import shown

_DIGITS = re.compile(r"(?:0|[1-9][0-9]{0,17})\Z")  # MAX_ID: at most 18 digits


def parse_int(raw: str, field: str, *, code: str = "invalid_field") -> int:
    """A non-negative integer of at most 18 ASCII digits (no sign, space or leading 0)."""
    if _DIGITS.match(raw) is None:
        raise BadRequest(
            f"{field} must be a number of 1 to 18 ASCII digits, not {shown(raw[:40])!r}",
            code=code,
        )
    return int(raw)


def parse_id(raw: str, field: str, *, code: str = "invalid_field") -> int:
    """An id: a positive integer of at most 18 ASCII digits (below 2**63 on any backend)."""
    value = parse_int(raw, field, code=code)
    if not 0 < value <= MAX_ID:
        raise BadRequest(f"{field} must be an id from 1 to {MAX_ID}", code=code)
    return value
