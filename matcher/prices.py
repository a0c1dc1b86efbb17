"""Price evidence (pure): a store's price against the prices of the store products
already linked to a candidate, in the same currency.

A product is sold at different prices by different shops (margins, promotions), so a
price says little when it is near, and something when it is far: a ratio beyond
`FAR` to the nearest end of the candidate's range is evidence of another product (a
pack, a size, a third-party supply), unless a shop mistook a pack for a unit. Prices in
different currencies are not compared (no exchange rates here).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from catalog.models import PriceRange

FAR = 3.0  # a ratio at least this large: evidence against
NEAR = 1.3  # at most this: (weak) evidence for


@dataclass(frozen=True, slots=True)
class Price:
    """A store product's price as its feed gave it."""

    amount: float
    currency: str


def price_ratio(price: Price | None, references: Sequence[PriceRange]) -> float | None:
    """How far `price` is from the candidate's range in its currency: 1 inside it, else
    the ratio to its nearer end (≥ 1); None when there is nothing to compare."""
    if price is None or price.amount <= 0:
        return None
    for ref in references:
        if ref.currency == price.currency and ref.low > 0:
            if ref.low <= price.amount <= ref.high:
                return 1.0
            return max(price.amount / ref.high, ref.low / price.amount)
    return None


def price_gap(ratio: float | None) -> float:
    """The ratio on 0–1: 0 at 1 (or unknown), 1 at `FAR` and beyond (log scale)."""
    if ratio is None:
        return 0.0
    return min(math.log(ratio) / math.log(FAR), 1.0)
