"""The catalog a load test runs against: `imgedge demo --scale N` writes it as JSON
(`var/loadtest/catalog.json`: the admin token, each store's key, the store products and
which of them show an image), and every Locust process reads it once.

Product popularity is Zipf-like (rank r is asked with weight 1/r^s, s≈1), over a fixed
random order of the products, so there is a hot head (the first hundred products take a
large share of the traffic) and a long cold tail, and the head is not just the lowest ids.
"""

from __future__ import annotations

import bisect
import itertools
import json
import os
import random
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from edge.demo.scale import ScaleStore as Store

DEFAULT_PATH = "var/loadtest/catalog.json"
ZIPF_S = float(os.environ.get("IMGEDGE_LOAD_ZIPF_S", "1.0"))


class Zipf:
    """Draws items with probability ∝ 1/rank^s (rank 1: the first item)."""

    def __init__(self, items: list[int], s: float = ZIPF_S) -> None:
        if not items:
            raise ValueError("no items to draw from")
        self.items = items
        self._cumulative = list(itertools.accumulate(1 / (r**s) for r in range(1, len(items) + 1)))

    def draw(self, rng: random.Random) -> int:
        at = bisect.bisect_left(self._cumulative, rng.random() * self._cumulative[-1])
        return self.items[min(at, len(self.items) - 1)]

    def distinct(self, rng: random.Random, k: int) -> list[int]:
        """`k` different items (fewer if there are not that many), by popularity."""
        k = min(k, len(self.items))
        chosen: dict[int, None] = {}
        for _ in range(50 * k):
            chosen[self.draw(rng)] = None
            if len(chosen) == k:
                break
        return list(chosen)


@dataclass(frozen=True)
class LoadCatalog:
    admin_token: str | None
    stores: list[Store]
    products: list[int]
    store_of: dict[int, int]  # product id → index into stores
    shown: frozenset[int]  # products that show an image (the others: 404 on /img)
    canonical_ids: list[int]
    popular: Zipf  # every product, by popularity
    popular_shown: Zipf  # the products that show an image, by popularity

    def store_of_product(self, product_id: int) -> Store:
        return self.stores[self.store_of[product_id]]


def catalog_path(environment: Any = None) -> str:
    options = getattr(environment, "parsed_options", None)
    return str(
        getattr(options, "catalog", None) or os.environ.get("IMGEDGE_LOAD_CATALOG") or DEFAULT_PATH
    )


@cache
def load_catalog(path: str) -> LoadCatalog:
    try:
        data = json.loads(Path(path).read_text())
    except FileNotFoundError:
        raise SystemExit(
            f"{path}: no load-test catalog; run `imgedge demo --scale N` first"
        ) from None
    return parse_catalog(data)


def parse_catalog(data: dict[str, Any], seed: int = 15) -> LoadCatalog:
    products = [int(p[0]) for p in data["products"]]
    order = products[:]
    random.Random(seed).shuffle(order)  # popularity is not id order
    shown = frozenset(int(p[0]) for p in data["products"] if p[2])
    return LoadCatalog(
        admin_token=data.get("admin_token"),
        stores=[Store(s["id"], s["name"], s["key"]) for s in data["stores"]],
        products=products,
        store_of={int(p[0]): int(p[1]) for p in data["products"]},
        shown=shown,
        canonical_ids=list(data["canonical_ids"]),
        popular=Zipf(order),
        popular_shown=Zipf([p for p in order if p in shown]),
    )
