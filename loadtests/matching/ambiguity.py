"""How much the names allow: the true pairs no matcher could tell from another product.

A store name that dropped the line and the brand, or was cut at 30 characters, can say
no more than another product's name does. Two measures, over the queued store products
whose true product exists (the recall's denominator):

* identical: the store's name (normalized as the catalog stores it: case, accents,
  punctuation) and brand are those of a store product of another true product, or the
  name is another product's catalog name. Nobody could tell them apart.
* explained as well: another true product explains the store's name at least as well as
  the true one by every piece of evidence the matcher reads (`matcher.learned.evidence`):
  it conflicts with nothing (size, pack, code, variant, brand), every feature that
  speaks for a pair (shared size, code, brand, words covered) is as strong for it, and
  every one that speaks against (words, codes, sizes, packs, variants on one side only)
  no stronger. Nothing in the name
  points to the true product rather than to it (a brand and a line name both dropped,
  say): picking the true one is a coin toss at best. It reads names as the matcher does,
  so what the matcher cannot read (apparel sizes such as `32X30`) counts as unreadable.

* one code: the store's name carries a model code its true product's catalog name
  carries, and another true product's catalog name carries that code too, or that code
  without its last letter (a colour's, as shops write it: STM32500B) (two colours
  of a TV under one code, "Black" and "Piano Black", which stores write "Black"; two
  flash drives of different families drawn with one code). The code, the strongest
  evidence a name has, points to both.

None of them changes the generators; they say what ceiling the generated names allow.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from catalog.names import normalize_name
from matcher.features import PairFeatures, conflicted, read_side
from matcher.learned import evidence
from matcher.reasons import BRAND_CONFLICT
from matcher.scoring import Candidate

from .marketplace import StoreItem
from .products import TrueProduct

MIN_SHARED = 2  # words a product must share with a store name to be compared with it


def _key(name: str, brand: str | None) -> tuple[str, str]:
    return normalize_name(name), normalize_name(brand or "")


class Ambiguity:
    def __init__(self, products: Iterable[TrueProduct], items: Iterable[StoreItem]) -> None:
        self.products = {p.key: p for p in products}
        self._named: dict[tuple[str, str], set[int]] = defaultdict(set)
        self._catalog_names: dict[str, set[int]] = defaultdict(set)
        self._by_word: dict[str, set[int]] = defaultdict(set)
        for item in items:
            self._named[_key(item.name, item.brand)].add(item.truth)
        self._codes: dict[int, frozenset[str]] = {}
        self._by_code: dict[str, set[int]] = defaultdict(set)
        for p in self.products.values():
            self._catalog_names[normalize_name(p.name)].add(p.key)
            self._codes[p.key] = read_side(p.name, ()).codes
            for code in self._codes[p.key]:
                self._by_code[code].add(p.key)
            for word in set(normalize_name(f"{p.brand} {p.name}").split()):
                self._by_word[word].add(p.key)

    def identical(self, item: StoreItem) -> bool:
        key = _key(item.name, item.brand)
        others = (self._named[key] | self._catalog_names[key[0]]) - {item.truth}
        return bool(others)

    def one_code(self, item: StoreItem) -> bool:
        """The store's name shares a model code with its true product's catalog name, and
        another true product's catalog name carries that code too."""
        shared = read_side(item.name, ()).codes & self._codes[item.truth]
        # ... or that code less its last letter, a colour's (STM32500B "Black" / STM32500):
        # as the matcher reads a shop's model with its colour letter.
        shared |= {c[:-1] for c in shared if c[-1].isalpha() and c[-2:-1].isdigit()}
        others = {k for code in shared if len(code) >= 4 for k in self._by_code[code]}
        for key in others - {item.truth}:
            # Another product with the code that nothing else in the name tells apart (a
            # third-party supply names the original's code, a twin pack the single's).
            theirs, their_brand = self._evidence(item, self.products[key])
            if not (
                their_brand == BRAND_CONFLICT
                or conflicted(theirs)
                or theirs.pack_store_only
                or theirs.pack_cand_only
            ):
                return True
        return False

    def explained_as_well(self, item: StoreItem) -> bool:
        truth = self.products[item.truth]
        mine, _ = self._evidence(item, truth)
        shared: dict[int, int] = defaultdict(int)
        words = set(normalize_name(f"{item.brand or ''} {item.name}").split())
        for word in words:
            for key in self._by_word.get(word, ()):
                shared[key] += 1
        least = min(MIN_SHARED, len(words))
        for key, count in shared.items():
            if key == item.truth or count < least:
                continue
            theirs, their_brand = self._evidence(item, self.products[key])
            if their_brand != BRAND_CONFLICT and _as_well(theirs, mine):
                return True
        return False

    @staticmethod
    def _evidence(item: StoreItem, p: TrueProduct) -> tuple[PairFeatures, str | None]:
        return evidence(item.name, item.brand, Candidate(p.key, p.name, p.brand or None))


# What speaks for a pair, and what against it without blocking it (`PairFeatures`).
FOR = ("size_match", "code_shared", "brand_match", "cover_min", "cover_max")
AGAINST = (
    "extra_store_words", "extra_cand_words", "code_one_side", "code_extra", "code_colour",
    "brand_one_side", "size_one_side", "pack_store_only", "pack_cand_only", "bonus_one_side",
    "variant_one_side", "words_swapped", "noise_words",
)  # fmt: skip


def _as_well(theirs: PairFeatures, mine: PairFeatures) -> bool:
    """Does `theirs` explain the name at least as well as `mine` by every measure: no
    conflict, nothing for the pair weaker, nothing against it stronger?"""
    return (
        not conflicted(theirs)
        and all(getattr(theirs, f) >= getattr(mine, f) for f in FOR)
        and all(getattr(theirs, f) <= getattr(mine, f) for f in AGAINST)
    )
