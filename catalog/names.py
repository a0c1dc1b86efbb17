"""The normalized product name the catalog stores (`normalized_name`) and searches on.

It only folds case and accents and turns punctuation into spaces; it must stay that simple
because stored rows depend on it (the scorer's richer form builds on `fold`).
"""

from __future__ import annotations

import re
import unicodedata

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
