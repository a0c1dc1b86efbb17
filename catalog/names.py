"""The normalized product name the catalog stores (`normalized_name`) and searches on.

It only folds case and accents and turns punctuation into spaces; it must stay that simple
because stored rows depend on it (the scorer's richer form builds on `fold`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

_NON_WORD = re.compile(r"[^\w]+")
_SPACES = re.compile(r"\s+")


def fold(text: str) -> str:
    """Accents dropped (NFKD, combining marks removed), then case-folded."""
    if text.isascii():  # nothing to decompose: most names, and the scorer's hot path
        return text.lower()
    folded = unicodedata.normalize("NFKD", text)
    return "".join(c for c in folded if not unicodedata.combining(c)).casefold()


def normalize_name(name: str) -> str:
    """Lower case, accents folded, punctuation to spaces, whitespace collapsed."""
    return _SPACES.sub(" ", _NON_WORD.sub(" ", fold(name))).strip()


# Model codes shorter than this (compacted) are not searched: a trigram index cannot
# narrow them (a three-letter code is one trigram, shared by thousands of names).
SHORTEST_CODE = 4
_NOT_CODE = re.compile(r"[\W_]+")


def compact_code(code: str) -> str:
    """A model code as the code search compares it with a compact name (a normalized name
    without its spaces): folded, letters and digits only (`KX-FG2451` → `kxfg2451`)."""
    return _NOT_CODE.sub("", fold(code))


def searched_codes(codes: Sequence[str]) -> list[str]:
    """The distinct compacted codes the code search looks for, in order (`compact_code`,
    SHORTEST_CODE characters or more)."""
    compacted = (compact_code(c) for c in codes)
    return list(dict.fromkeys(c for c in compacted if len(c) >= SHORTEST_CODE))
