"""Which words of a name the PostgreSQL candidate search probes first (migration 0012).

The catalog keeps an inverted index of the words of canonical products' normalized names
(`canonical_name_tokens`). A search first looks up the products sharing the name's rarest
words and compares trigrams with those only: a rare word (a brand, a model code) narrows
millions of products to a few hundred, where the trigram index alone has to recheck every
row sharing enough of the name's (often very common) trigrams.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence


def name_words(normalized_name: str) -> list[str]:
    """The distinct words of a normalized name as the index holds them: split on spaces,
    one-character words left out (the SQL function `imgedge_name_tokens`)."""
    return list(dict.fromkeys(w for w in normalized_name.split(" ") if len(w) >= 2))


def probed_words(
    normalized_name: str,
    products: Mapping[str, int],
    catalog: float,
    budget: int,
    similar: Mapping[str, Sequence[str]] | None = None,
) -> list[tuple[str, float]]:
    """The words to probe, rarest first, with their weights (ln(1 + catalog / products),
    as idf): those the catalog knows, while the products they bring add up to `budget`
    at most. A word no product has (misspelt) stands for the known words `similar` gives
    for it. `products` counts each word's products (at least up to budget + 1). Empty
    when every known word alone brings more than `budget`: the name has no rare word."""
    similar = similar or {}
    # A misspelt word's stand-ins weigh alike (as one word of all their products), so
    # the rarest of them does not crowd out the one meant.
    counts: dict[str, tuple[int, int]] = {}  # word → (its products, its weight's)
    for word in name_words(normalized_name):
        stand_ins = similar.get(word, [word])
        group = sum(products.get(v, 0) for v in stand_ins)
        for v in stand_ins:
            counts.setdefault(v, (products.get(v, 0), group))
    chosen: list[tuple[str, float]] = []
    total = 0
    for word, (count, group) in sorted(counts.items(), key=lambda kv: (kv[1][0], kv[0])):
        if count == 0:
            continue  # a word no product has: misspelt, or new
        total += count
        if total > budget:
            break
        chosen.append((word, math.log1p(catalog / group)))
    return chosen


def misspelt(normalized_name: str, products: Mapping[str, int]) -> list[str]:
    """The words of a name no product has, long enough to look for similar ones."""
    return [w for w in name_words(normalized_name) if len(w) >= 4 and not products.get(w)]


def rarest_pair(
    normalized_name: str, products: Mapping[str, int], most: int
) -> tuple[str, str] | None:
    """The name's two rarest known words, or None when it has fewer than two or the
    rarest has more than `most` products."""
    known = sorted((products[w], w) for w in name_words(normalized_name) if products.get(w))
    if len(known) < 2 or known[0][0] > most:
        return None
    return known[0][1], known[1][1]
