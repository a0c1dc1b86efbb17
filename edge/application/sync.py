"""A store's sync push: its products upserted, GTINs linked at once, the rest queued.

An in-process GTIN → canonical id map (bounded LRU) in front of the catalog spares the
catalog a lookup per known barcode; the catalog stays the truth (one canonical per GTIN).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import MutableMapping, Sequence

from cachetools import LRUCache

from catalog import CatalogRepository
from catalog.models import ResolutionChange, Store, SyncItem, SyncOutcome, SyncResult


class Sync:
    def __init__(self, catalog: CatalogRepository, map_size: int) -> None:
        self._catalog = catalog
        self._gtin_map: LRUCache[str, int] = LRUCache(maxsize=map_size)
        # canonical id → its GTIN in the map (a canonical product has at most one), so a
        # change to one canonical product forgets its entry without scanning the map.
        self._gtin_of: LRUCache[int, str] = LRUCache(maxsize=map_size)
        # Items pushed, by outcome (linked, queued, kept; the route adds `invalid`).
        self.outcomes: Counter[str] = Counter()

    @property
    def gtin_map(self) -> MutableMapping[str, int]:
        return self._gtin_map

    def apply(self, change: ResolutionChange) -> None:
        """Forget the GTIN of a canonical product that changed (merged away, say); all of
        them after a catch-all change. A catalog listener, like the resolver."""
        if change.product_id is not None:
            return
        if change.canonical_product_id is None:
            self._gtin_map.clear()
            self._gtin_of.clear()
            return
        gtin = self._gtin_of.pop(change.canonical_product_id, None)
        if gtin is not None and self._gtin_map.get(gtin) == change.canonical_product_id:
            del self._gtin_map[gtin]

    async def push(self, store: Store, items: Sequence[SyncItem]) -> list[SyncResult]:
        """Store the store's valid items in one transaction; results follow `items`."""
        gtin_map = self._gtin_map
        known = {i.gtin: cid for i in items if i.gtin and (cid := gtin_map.get(i.gtin)) is not None}
        results = await self._catalog.sync_products(store.id, items, known)
        for result, item in zip(results, items, strict=True):
            self.outcomes[result.outcome.value] += 1
            cid = result.canonical_product_id
            if item.gtin is not None and cid is not None and result.outcome is SyncOutcome.LINKED:
                gtin_map[item.gtin] = cid
                self._gtin_of[cid] = item.gtin
        return results
