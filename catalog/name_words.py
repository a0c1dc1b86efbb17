"""Which words of a name the PostgreSQL candidate search probes first (migration 0012).

The catalog keeps an inverted index of the words of canonical products' normalized names
(`canonical_name_tokens`). A search first looks up the products sharing the name's rarest
words and compares trigrams with those only: a rare word (a brand, a model code) narrows
millions of products to a few hundred, where the trigram index alone has to recheck every
row sharing enough of the name's (often very common) trigrams.
"""

from __future__ import annotations

import math
from collections.abc import Mapping


def name_words(normalized_name: str) -> list[str]:
    """The distinct words of a normalized name as the index holds them: split on spaces,
    one-character words left out (the SQL function `imgedge_name_tokens`)."""
    return list(dict.fromkeys(w for w in normalized_name.split(" ") if len(w) >= 2))


def probed_words(
    normalized_name: str, products: Mapping[str, int], catalog: float, budget: int
) -> list[tuple[str, float]]:
    """The words to probe, rarest first, with their weights (ln(1 + catalog / products),
    as idf): those the catalog knows, while the products they bring add up to `budget`
    at most. `products` counts each word's products (at least up to budget + 1). None
    when every known word alone brings more than `budget`: the name has no rare word."""
    known = sorted(((products.get(w, 0), w) for w in name_words(normalized_name)), key=lambda t: t)
    chosen: list[tuple[str, float]] = []
    total = 0
    for count, word in known:
        if count == 0:
            continue  # a word no product has: misspelt, or new
        total += count
        if total > budget:
            break
        chosen.append((word, math.log1p(catalog / count)))
    return chosen
