"""Barcode (UPC/EAN/GTIN) normalization: pure functions, no guessing.

Every accepted code is returned as one GTIN-14 string (left-padded with zeros).
The check digit must already be right; it is never computed for the caller.
"""

from __future__ import annotations

import re

_SEPARATORS = re.compile(r"[\s\-]")
_VALID_LENGTHS = (8, 12, 13, 14)


class InvalidBarcode(ValueError):
    """The value is not a usable GTIN; the message says why."""


def check_digit_ok(digits: str) -> bool:
    """GS1 mod-10: weights 3,1,3,… from the right, excluding the check digit."""
    body, check = digits[:-1], int(digits[-1])
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10 == check


def normalize_gtin(raw: str) -> str:
    """Return the GTIN-14 form of `raw` (UPC-A, EAN-8, EAN-13 or GTIN-14) or raise."""
    cleaned = _SEPARATORS.sub("", raw or "")
    if not cleaned:
        raise InvalidBarcode("empty barcode")
    if not cleaned.isdigit() or not cleaned.isascii():
        raise InvalidBarcode(f"barcode {raw!r} has characters other than digits")
    if len(cleaned) not in _VALID_LENGTHS:
        raise InvalidBarcode(f"barcode {raw!r} has {len(cleaned)} digits; expected 8, 12, 13 or 14")
    if not check_digit_ok(cleaned):
        raise InvalidBarcode(f"barcode {raw!r} has a wrong check digit")
    if set(cleaned) == {"0"}:
        raise InvalidBarcode("barcode is all zeros")
    return cleaned.zfill(14)


def try_normalize_gtin(raw: str | None) -> str | None:
    """The normalized GTIN, or None when `raw` is missing or invalid."""
    if raw is None:
        return None
    try:
        return normalize_gtin(raw)
    except InvalidBarcode:
        return None
