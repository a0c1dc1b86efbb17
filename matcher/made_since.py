"""Whether a search would have found a canonical product made after it ran.

A worker searches its next batch's candidates while it still decides the current one
(the search is the catalog's CPU, the scoring the worker's: they overlap). The current
batch's outcomes then make provisional canonical products the next batch's search could
not see yet; a product of the next batch must still find them (the second store's item
of a product new to the catalog links to the first store's). So a product is searched
again, once the batch before is recorded, when its search would have found one of them:

- the made product shares a probed word with the query (a word of the query that one of
  its words starts with, as the PostgreSQL word probe reads its index:
  `catalog.name_words`), or it is as alike by trigrams as the search's loosest rung
  admits (`LOOSEST`, 0.2);
- and it would rank among the `limit` best: fewer were found, or it is more alike by
  trigram similarity (pg_trgm's, computed here) than the last found (the least alike:
  the PostgreSQL search orders by similarity, ties to the older product).

A product is searched again too when a made product carries one of its model codes
(`carries_code`, as the catalog's code search reads them: its compact name holds one).

The search run again is the catalog's own, so the candidates are those of a search run
after the batch before. What this test can miss (and leave the earlier search's
candidates): a misspelt query word that a made product's word would now stand in for;
on SQLite, whose search ranks by bm25, a made product less alike by trigrams than its
last candidate yet ranked above it by bm25.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from catalog.models import CanonicalProduct
from catalog.name_words import name_words
from catalog.names import normalize_name, searched_codes

LOOSEST = 0.2  # the loosest similarity the search's ladder admits (catalog.postgres)
_WORD = re.compile(r"[^\W_]+")


@lru_cache(maxsize=4096)  # a batch's candidates and made products recur from item to item
def trigrams(name: str) -> frozenset[str]:
    """pg_trgm's trigram set of a name: each run of letters and digits, lower-cased,
    padded with two spaces before and one after."""
    grams: set[str] = set()
    for word in _WORD.findall(name.lower()):
        padded = f"  {word} "
        grams.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return frozenset(grams)


@lru_cache(maxsize=4096)
def _starts(normalized_name: str) -> frozenset[str]:
    """Every start of each of the name's words (the empty one too): a query word one of
    them starts with is among them."""
    return frozenset(w[:k] for w in name_words(normalized_name) for k in range(len(w) + 1))


def similarity(a: frozenset[str], b: frozenset[str]) -> float:
    """pg_trgm's similarity(): shared trigrams over all trigrams of the two."""
    shared = len(a & b)
    return shared / (len(a) + len(b) - shared) if shared else 0.0


def would_find(
    query: str,
    found: Sequence[CanonicalProduct],
    made: Sequence[CanonicalProduct],
    limit: int,
) -> bool:
    """Would the search of `query`, which found `found` (best first), have found one of
    `made` had it existed then?"""
    known = {c.id for c in found}
    made = [m for m in made if m.id not in known]
    if not made:
        return False
    normalized = normalize_name(query)
    words = tuple(name_words(normalized))
    grams = trigrams(normalized)
    last = None
    for m in made:
        alike = similarity(grams, trigrams(m.normalized_name))
        if alike < LOOSEST and _starts(m.normalized_name).isdisjoint(words):
            continue
        if len(found) < limit:
            return True
        if last is None:
            last = similarity(grams, trigrams(found[-1].normalized_name))
        if (alike, -m.id) > (last, -found[-1].id):
            return True
    return False


def carries_code(
    codes: Sequence[str], found: Sequence[CanonicalProduct], made: Sequence[CanonicalProduct]
) -> bool:
    """Would the code search of `codes` have found one of `made` not in `found`: does its
    compact name (normalized, without spaces) hold one of them? (A code the catalog would
    leave out as too common is not known here: such a product is searched again.)"""
    wanted = searched_codes(codes)
    known = {c.id for c in found}
    return any(
        code in m.normalized_name.replace(" ", "")
        for m in made
        if m.id not in known
        for code in wanted
    )
