"""Which words of a name the PostgreSQL candidate search probes first (migrations 0012, 0013).

The catalog keeps an inverted index of the words of canonical products' normalized names
(`canonical_name_tokens`). A search first looks up the products sharing the name's rarest
words and compares trigrams with those only: a rare word (a brand, a model code) narrows
millions of products to a few hundred, where the trigram index alone has to recheck every
row sharing enough of the name's (often very common) trigrams. A name of common words
only is narrowed by its words together instead: the products having all of them, found
through a GIN index of each name's word pairs (migration 0013, `word_chain`).
"""

from __future__ import annotations

import math
from collections.abc import Container, Mapping, Sequence
from itertools import pairwise


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


def misspelt(normalized_name: str, products: Mapping[str, int], shortest: int = 4) -> list[str]:
    """The words of a name no product has (nor a word starting with it), of `shortest`
    characters or more: long enough to look for similar ones."""
    return [w for w in name_words(normalized_name) if len(w) >= shortest and not products.get(w)]


EDIT_CHARACTERS = "abcdefghijklmnopqrstuvwxyz0123456789"


def one_edit_forms(word: str) -> list[str]:
    """The words one typo away from `word`, its first character kept (a typo seldom hits
    it): a character inserted (the store dropped it: `lnor` for `lonor`, `bead` for
    `bread`), replaced or deleted, or two neighbours swapped. Some 70 per character. None
    for a word with a digit: a code one character from another is another product's
    (`ce505x`, `ce505xd`), not a typo."""
    if not word.isalpha():
        return []
    head, tail = word[:1], word[1:]
    forms: dict[str, None] = {}  # ordered and distinct
    for i in range(len(tail) + 1):
        before, after = head + tail[:i], tail[i:]  # around the character at i
        for c in EDIT_CHARACTERS:
            forms[before + c + after] = None  # inserted
            if after and c != after[0]:
                forms[before + c + after[1:]] = None  # replaced
        if i < len(tail):
            forms[head + tail[:i] + tail[i + 1 :]] = None  # deleted
        if i + 1 < len(tail):
            forms[head + tail[:i] + tail[i + 1] + tail[i] + tail[i + 2 :]] = None  # swapped
    forms.pop(word, None)
    return [f for f in forms if len(f) >= 2]


def open_word(
    normalized_name: str, products: Mapping[str, int], known: Container[str], longer: Container[str]
) -> str | None:
    """The name's word that longer known words start with (a store's word cut short, or a
    brand whose name starts other brands'), or None: a known one first (a common word
    cut short is seldom one), then the rarest."""
    opened = [w for w in name_words(normalized_name) if w in longer and products.get(w)]
    return min(opened, key=lambda w: (w not in known, products[w], w), default=None)


def word_chain(
    normalized_name: str,
    known: Container[str],
    products: Mapping[str, int],
    budget: int,
    forms: tuple[str, Sequence[str]] | None = None,
) -> tuple[list[str], list[str]]:
    """The word pairs (migration 0013's `imgedge_name_pairs`) a product having the name's
    words most likely has: all of the first list and one of the second. Its known words
    each with the next, in the name's order (a word cut short or misspelt in between is
    left out); and, with `forms` (one of its words and the known words it may stand for:
    the words an `open_word` starts, or those like a misspelt word), any of those with
    the known word nearest to it. Without forms, the first pair stands in the second
    list. Both empty when the name has no forms and fewer than two known words, or two
    that are both common (more than `budget` products each): the posting lists of such
    a pair are the longest, and what it finds too many to narrow a big catalog."""
    words = name_words(normalized_name)
    fixed = [w for w in words if w in known and (forms is None or w != forms[0])]
    required = [_pair(a, b) for a, b in pairwise(fixed)]
    if forms is not None and fixed:
        at = words.index(forms[0])
        anchor = min(fixed, key=lambda w: (abs(words.index(w) - at), -words.index(w)))
        options = [_pair(form, anchor) for form in forms[1] if form not in fixed]
        if options:
            return required, options
    if len(fixed) < 2 or (len(fixed) == 2 and min(products.get(w, 0) for w in fixed) > budget):
        return [], []
    return required, required[:1]


def _pair(a: str, b: str) -> str:
    return f"{a} {b}" if a < b else f"{b} {a}"
