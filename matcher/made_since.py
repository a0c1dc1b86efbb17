"""Which canonical products made after a search that search would have found.

A worker searches its next batch's candidates while it still decides the current one
(the search is the catalog's CPU, the scoring the worker's: they overlap). The current
batch's outcomes then make provisional canonical products the next batch's search could
not see yet; a product of the next batch must still find them (the second store's item
of a product new to the catalog links to the first store's). So each made product joins
a product's searched candidates where the search would have put it:

- it shares a probed word with the product's query (a word of the query that one of its
  words starts with, as the PostgreSQL word probe reads its index: `catalog.name_words`),
  or it is as alike by trigrams as the search's loosest rung admits (`LOOSEST`, 0.2);
- and it ranks among the `limit` best by trigram similarity (pg_trgm's, computed here):
  with `limit` found already, it takes the last one's place (the least alike: the search
  orders by similarity, ties to the older product) if it is more alike.

What can still differ from a search run after the products were made: a made product
that shares only a common word (one the probe skips) is taken as if the probe had read
it; a misspelt query word stood in for by a made product's word is not followed; on
SQLite, whose search ranks by bm25, the place taken is the last by bm25.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from catalog.models import CanonicalProduct
from catalog.name_words import name_words
from catalog.names import normalize_name

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
def _words(normalized_name: str) -> tuple[str, ...]:
    return tuple(name_words(normalized_name))


def similarity(a: frozenset[str], b: frozenset[str]) -> float:
    """pg_trgm's similarity(): shared trigrams over all trigrams of the two."""
    shared = len(a & b)
    return shared / (len(a) + len(b) - shared) if shared else 0.0


def searched_since(
    query: str,
    found: Sequence[CanonicalProduct],
    made: Sequence[CanonicalProduct],
    limit: int,
) -> list[CanonicalProduct]:
    """The candidates the search of `query` would have given (its `limit` best at most,
    best first) had the products of `made` existed when it found `found` (best first)."""
    known = {c.id for c in found}
    made = [m for m in made if m.id not in known]
    result = list(found)
    if not made:
        return result
    normalized = normalize_name(query)
    words = tuple(name_words(normalized))
    grams = trigrams(normalized)
    alike: dict[int, float] = {}

    def rank(c: CanonicalProduct) -> tuple[float, int]:  # the search's order, best highest
        if c.id not in alike:
            alike[c.id] = similarity(grams, trigrams(c.normalized_name))
        return alike[c.id], -c.id

    for m in made:
        shares = any(t.startswith(words) for t in _words(m.normalized_name))
        if not shares and rank(m)[0] < LOOSEST:
            continue
        if len(result) >= limit:  # the last is the least alike (only those are compared)
            if rank(m) < rank(result[-1]):
                continue
            result.pop()
        place = len(result)
        while place and rank(result[place - 1]) < rank(m):
            place -= 1
        result.insert(place, m)
    return result
