"""Name normalization shared by the catalog (stored `normalized_name`) and the scorer."""

from __future__ import annotations

import re
import unicodedata

_NON_WORD = re.compile(r"[^\w]+")
_SPACES = re.compile(r"\s+")


def normalize_name(name: str) -> str:
    """Lower case, accents folded, punctuation to spaces, whitespace collapsed."""
    folded = unicodedata.normalize("NFKD", name)
    folded = "".join(c for c in folded if not unicodedata.combining(c)).casefold()
    return _SPACES.sub(" ", _NON_WORD.sub(" ", folded)).strip()
