"""The marketplace generators, by name: each builds a `Marketplace` whose truth is known."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from catalog.names import normalize_name

from .gen_grocery import build_grocery
from .gen_titles import build_titles
from .marketplace import Marketplace, StoreItem, build_marketplace
from .products import TrueProduct

Generator = Callable[[int, int, int, float], Marketplace]


def distinct(build: Generator) -> Generator:
    """The generator, with true products that have one brand and one name folded into
    one: nobody could tell them apart, so the truth must not either. A name that starts
    with its brand is the same name without it ("Oldmoor Farms Creamery Salted Butter,
    250 g" and "Creamery Salted Butter, 250 g", both by Oldmoor Farms)."""

    def built(seed: int, n_products: int, n_stores: int, new_share: float) -> Marketplace:
        market = build(seed, n_products, n_stores, new_share)
        first: dict[tuple[str, str], TrueProduct] = {}
        alias: dict[int, int] = {}
        for p in market.products:
            brand = normalize_name(p.brand or "")
            name = normalize_name(p.name)
            identity = (brand, name.removeprefix(f"{brand} ") if brand else name)
            kept = first.setdefault(identity, p)
            if kept is not p:
                alias[p.key] = kept.key
                if p.in_catalog and not kept.in_catalog:
                    first[identity] = replace(kept, in_catalog=True)
        market.products = list(first.values())
        market.items = {store: _once(items, alias) for store, items in market.items.items()}
        return market

    return built


def _once(items: list[StoreItem], alias: dict[int, int]) -> list[StoreItem]:
    """The store's items with their folded truth, each true product sold once: a store
    that drew two of the folded products sells that product under one SKU, as stores do
    (the generators draw each product at most once per store; folding must not make the
    store list one product twice, which the matcher's same-store rule rightly doubts:
    grocery seed 21, 3,000 products, had 980 such second SKUs)."""
    sold: set[int] = set()
    out = []
    for item in items:
        truth = alias.get(item.truth, item.truth)
        if truth not in sold:
            sold.add(truth)
            out.append(replace(item, truth=truth))
    return out


GENERATORS: dict[str, Generator] = {
    "pos": distinct(build_marketplace),  # POS names, grocery/household/electronics (families.py)
    "grocery": distinct(build_grocery),  # retailers' titles: supermarket, deli, pharmacy, fashion
    "titles": distinct(
        build_titles
    ),  # retailers' titles: electronics, office, media (Abt-Buy-like)
}
