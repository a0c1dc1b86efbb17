"""Shop prices with the noise real feeds have, for the generators that send a price.

Between shops a product's price differs by the shop's own margin (the generator's
draw); on top of that (`noisy`): a promotion now and then (8%: half price to 20% off),
and pack confusion (3% of multipacks priced per unit, 1.5% of single items priced as the
case of 6 or 12). Drawn from a random stream of its own, so the names and everything
else a generator draws stay as they were.
"""

from __future__ import annotations

import random

PROMOTION = 0.08
PACK_PER_UNIT = 0.03
SINGLE_AS_CASE = 0.015


def noisy(price: float, pack: int, rng: random.Random) -> float:
    r = rng.random()
    if r < PROMOTION:
        price *= rng.uniform(0.5, 0.8)
    elif r < PROMOTION + (PACK_PER_UNIT if pack > 1 else SINGLE_AS_CASE):
        price = price / pack if pack > 1 else price * rng.choice((6, 12))
    return round(max(price, 0.01), 2)
