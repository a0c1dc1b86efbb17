"""A store's sync push: its products upserted, GTINs linked at once, the rest queued.

An in-process GTIN → canonical id map (bounded LRU) in front of the catalog spares the
catalog a lookup per known barcode; the catalog stays the truth (one canonical per GTIN).
"""

from __future__ import annotations

from collections.abc import MutableMapping, Sequence

from catalog import CatalogRepository
from catalog.models import ResolutionChange, Store, SyncItem, SyncResult


class Sync:
    def __init__(self, catalog: CatalogRepository, gtin_map: MutableMapping[str, int]) -> None:
        self._catalog = catalog
        self._gtin_map = gtin_map

    @property
    def gtin_map(self) -> MutableMapping[str, int]:
        return self._gtin_map

    def apply(self, change: ResolutionChange) -> None:
        """Forget GTINs of a canonical product that changed (merged away, say); all of
        them after a catch-all change. A catalog listener, like the resolver."""
        if change.product_id is not None:
            return
        if change.canonical_product_id is None:
            self._gtin_map.clear()
            return
        stale = [g for g, cid in list(self._gtin_map.items()) if cid == change.canonical_product_id]
        for gtin in stale:
            self._gtin_map.pop(gtin, None)

    async def push(self, store: Store, items: Sequence[SyncItem]) -> list[SyncResult]:
        """Store the store's valid items in one transaction; results follow `items`."""
        gtin_map = self._gtin_map
        known = {i.gtin: cid for i in items if i.gtin and (cid := gtin_map.get(i.gtin)) is not None}
        results = await self._catalog.sync_products(store.id, items, known)
        for result, item in zip(results, items, strict=True):
            if item.gtin is not None and result.canonical_product_id is not None:
                gtin_map[item.gtin] = result.canonical_product_id
        return results
