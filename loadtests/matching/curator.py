"""A simulated curator: answers the review queue from the truth, through the review
application (`Review.confirm`, what `PUT /api/images/match` and the console call), so
the decisions are recorded and remembered as a person's would be.

`split` cuts the marketplace's stream in two (the first stores, then the rest): the
curator works between the two, and the second part is matched with what the curator
taught the catalog (`matcher.memory`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from edge.application.actors import Actor
from edge.application.review import NewCanonical
from edge.services import Services

from .marketplace import Marketplace

CURATOR = Actor(None)
TOP, OTHER, PROVISIONAL, NEW = ANSWERS = (
    "confirmed: the top candidate",
    "confirmed: another candidate or product",
    "confirmed: its provisional product (new)",
    "confirmed: a new canonical product",
)


def split(market: Marketplace) -> tuple[Marketplace, Marketplace]:
    """The first half of the stores (rounded up), and the rest."""
    half = (len(market.stores) + 1) // 2

    def part(stores: list) -> Marketplace:
        items = {s.name: market.items[s.name] for s in stores}
        return Marketplace(market.products, market.families, stores, items)

    return part(market.stores[:half]), part(market.stores[half:])


@dataclass
class Curator:
    """Answers up to `budget` review items, oldest first: confirms each product to its
    true canonical product (found by the truth), else keeps the provisional product the
    matcher made for it (it is new), else creates a new canonical product from its name."""

    svc: Services
    truth_of: dict[int, int]  # canonical id → true key (kept up to date)
    truth_of_product: dict[int, int]  # store product id → true key

    async def answer(self, budget: int) -> Counter[str]:
        done: Counter[str] = Counter()
        review = self.svc.review
        waiting = await self.svc.catalog.review_items(limit=max(budget, 1))
        canonical_of: dict[int, int] = {}
        for canonical_id, key in sorted(self.truth_of.items()):
            canonical_of.setdefault(key, canonical_id)  # the first made: seeded or by GTIN
        for entry in waiting[:budget]:
            item, product = entry.item, entry.product
            truth = self.truth_of_product[product.id]
            target = canonical_of.get(truth)
            best = item.candidates[0][0] if item.candidates else None
            if target is not None:
                await review.confirm(CURATOR, item.id, canonical_id=target)
                done[TOP if target == best else OTHER] += 1
            elif (
                product.canonical_product_id is not None
                and self.truth_of.get(product.canonical_product_id) == truth
            ):
                await review.confirm(CURATOR, item.id, canonical_id=product.canonical_product_id)
                canonical_of[truth] = product.canonical_product_id
                done[PROVISIONAL] += 1
            else:
                made = await review.confirm(
                    CURATOR, item.id, new=NewCanonical(product.name, product.brand, None)
                )
                assert made.canonical_product_id is not None
                self.truth_of[made.canonical_product_id] = truth
                canonical_of[truth] = made.canonical_product_id
                done[NEW] += 1
        return done
