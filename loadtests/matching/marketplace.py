"""The marketplace: every store's products, each with the true product it stands for."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .barcodes import store_barcode
from .families import build_truth
from .pos_names import store_brand, store_name
from .products import TrueProduct
from .stores import STORES, StoreStyle


@dataclass(frozen=True)
class StoreItem:
    store: str
    external_id: str
    name: str
    brand: str | None
    upc: str | int | None
    barcode_kind: str  # valid:<form>, bad:<kind>, restricted:<kind>, missing
    truth: int  # the true product's key
    # Further attributes a retailer's feed carries (model, mpn, category, size, unit,
    # price, currency): sent with the item, used by the sync where it knows them.
    extra: dict[str, Any] = field(default_factory=dict)

    def payload(self) -> dict[str, Any]:
        item: dict[str, Any] = {"external_id": self.external_id, "name": self.name}
        if self.brand is not None:
            item["brand"] = self.brand
        if self.upc is not None:
            item["upc"] = self.upc
        return item | self.extra


def store_items(products: Sequence[TrueProduct], style: StoreStyle, seed: int) -> list[StoreItem]:
    rng = random.Random(f"{seed}:{style.name}")
    items = []
    for p in products:
        if p.group not in style.groups or rng.random() >= style.sells:
            continue
        upc, kind = store_barcode(p, style, rng)
        external_id = f"{style.prefix}{len(items) + 1:06d}"
        name = store_name(p, style, rng)
        items.append(
            StoreItem(style.name, external_id, name, store_brand(p, style, rng), upc, kind, p.key)
        )
    return items


@dataclass
class Marketplace:
    products: list[TrueProduct]
    families: int
    stores: list[StoreStyle]
    items: dict[str, list[StoreItem]]  # store name → its products

    @property
    def n_items(self) -> int:
        return sum(len(v) for v in self.items.values())


def build_marketplace(seed: int, n_products: int, n_stores: int, new_share: float) -> Marketplace:
    rng = random.Random(seed)
    products, families = build_truth(rng, n_products, new_share)
    stores = list(STORES[:n_stores])
    items = {s.name: store_items(products, s, seed) for s in stores}
    return Marketplace(products, families, stores, items)
