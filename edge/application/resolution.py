"""Product → image resolution, cached in process with a TTL and explicit invalidation.

The /img hot path asks this cache, so a cache hit makes no database query. The catalog
announces every committed change that may alter a resolution (in process for SQLite,
across processes through PostgreSQL LISTEN/NOTIFY); `apply` drops what it names. The
TTL bounds staleness should a notification ever be lost.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol

from cachetools import TTLCache

from catalog.models import Resolution, ResolutionChange, ResolvedImage
from edge.errors import NotFound


class ResolutionReader(Protocol):
    async def resolve(self, product_id: int) -> Resolution | None: ...


class Resolver:
    def __init__(
        self,
        catalog: ResolutionReader,
        ttl_s: float,
        max_entries: int,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._catalog = catalog
        self._cache: TTLCache[int, Resolution] | None = (
            TTLCache(maxsize=max_entries, ttl=ttl_s, timer=clock) if ttl_s > 0 else None
        )
        self.queries = 0  # catalog lookups made, for tests and /metrics

    async def resolve(self, product_id: int, version: str | None = None) -> ResolvedImage:
        """The image the product shows (the one `version` names, if it shows that one, else
        its primary); `NotFound` for an unknown product or a product without images."""
        resolution = self._cache.get(product_id) if self._cache is not None else None
        if resolution is None:
            self.queries += 1
            resolution = await self._catalog.resolve(product_id)
            if resolution is None:
                raise NotFound(f"no product {product_id}", code="product_not_found")
            if self._cache is not None:
                self._cache[product_id] = resolution
        image = resolution.image_for(version)
        if image is None:
            raise NotFound(f"product {product_id} has no image", code="image_not_found")
        return image

    def apply(self, change: ResolutionChange) -> None:
        """Forget the resolutions a catalog change may have altered."""
        if self._cache is None:
            return
        if change.product_id is not None:
            self._cache.pop(change.product_id, None)
        elif change.canonical_product_id is not None:
            # Rare (a curator changed a canonical image): a scan beats a reverse index.
            stale = [
                pid
                for pid, res in list(self._cache.items())
                if res.canonical_product_id == change.canonical_product_id
            ]
            for pid in stale:
                self._cache.pop(pid, None)
        else:
            self._cache.clear()

    def invalidate(self, *product_ids: int) -> None:
        for product_id in product_ids:
            self.apply(ResolutionChange(product_id=product_id))
