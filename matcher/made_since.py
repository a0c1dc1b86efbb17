"""Which canonical products made after a search that search would have found.

A worker searches its next batch's candidates while it still decides the current one
(the search is the catalog's CPU, the scoring the worker's: they overlap). The current
batch's outcomes then make provisional canonical products the next batch's search could
not see yet; a product of the next batch must still find them (the second store's item
of a product new to the catalog links to the first store's). So each made product joins
a product's searched candidates when the search would have put it there:

- it shares a probed word with the product's query (a word of the query that one of its
  words starts with, as the PostgreSQL word probe reads its index: `catalog.name_words`),
  or it is as alike by trigrams as the search's loosest rung admits (`LOOSEST`, 0.2);
- and it ranks among the `limit` best by trigram similarity (pg_trgm's, computed here):
  the search found fewer than `limit`, or it is more alike than the least alike of them.

What can still differ from a search run after the products were made: a made product
that shares a common word (one the probe skips) and beats the least alike candidate is
scored beside the others, where the search would have passed it over; it never displaces
one. A misspelt query word stood in for by a made product's word is not followed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from catalog.models import CanonicalProduct
from catalog.name_words import name_words
from catalog.names import normalize_name

LOOSEST = 0.2  # the loosest similarity the search's ladder admits (catalog.postgres)
_WORD = re.compile(r"[^\W_]+")


def trigrams(name: str) -> frozenset[str]:
    """pg_trgm's trigram set of a name: each run of letters and digits, lower-cased,
    padded with two spaces before and one after."""
    grams: set[str] = set()
    for word in _WORD.findall(name.lower()):
        padded = f"  {word} "
        grams.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return frozenset(grams)


def similarity(a: frozenset[str], b: frozenset[str]) -> float:
    """pg_trgm's similarity(): shared trigrams over all trigrams of the two."""
    shared = len(a & b)
    return shared / (len(a) + len(b) - shared) if shared else 0.0


def seen_since(
    query: str,
    found: Sequence[CanonicalProduct],
    made: Sequence[CanonicalProduct],
    limit: int,
) -> list[CanonicalProduct]:
    """The products of `made` the search of `query` would have given beside `found`
    (its `limit` best at most), had they existed when it ran."""
    known = {c.id for c in found}
    made = [m for m in made if m.id not in known]
    if not made:
        return []
    normalized = normalize_name(query)
    words = name_words(normalized)
    grams = trigrams(normalized)
    seen: list[CanonicalProduct] = []
    floor: float | None = None
    for m in made:
        alike = similarity(grams, trigrams(m.normalized_name))
        shares = any(t.startswith(w) for t in name_words(m.normalized_name) for w in words)
        if not shares and alike < LOOSEST:
            continue
        if len(found) >= limit:
            if floor is None:
                floor = min(similarity(grams, trigrams(c.normalized_name)) for c in found)
            if alike <= floor:  # a tie goes to the older product, as the search orders
                continue
        seen.append(m)
    return seen
