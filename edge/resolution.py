"""Product → image resolution, cached in process with a TTL and explicit invalidation.

The /img hot path asks this cache, so a cache hit makes no database query. Whatever
changes a product's resolution (override, primary, link) calls `invalidate`.
"""

from __future__ import annotations

from cachetools import TTLCache

from catalog import CatalogRepository
from catalog.models import ResolvedImage
from catalog.repository import CatalogError
from edge.errors import NotFound, Unavailable


class Resolver:
    def __init__(self, catalog: CatalogRepository, ttl_s: float, max_entries: int) -> None:
        self._catalog = catalog
        self._ttl = ttl_s
        self._cache: TTLCache[int, ResolvedImage] | None = (
            TTLCache(maxsize=max_entries, ttl=ttl_s) if ttl_s > 0 else None
        )
        self.queries = 0  # catalog lookups made, for tests and /metrics

    def cached(self, product_id: int) -> ResolvedImage | None:
        return self._cache.get(product_id) if self._cache is not None else None

    async def resolve(self, product_id: int) -> ResolvedImage:
        """The image the product shows; `NotFound` for an unknown product or no image."""
        hit = self.cached(product_id)
        if hit is not None:
            return hit
        self.queries += 1
        try:
            resolution = await self._catalog.resolve(product_id)
        except CatalogError as exc:
            raise Unavailable("the catalog is not answering") from exc
        if resolution is None:
            raise NotFound(f"no product {product_id}", code="product_not_found")
        if resolution.image is None:
            raise NotFound(f"product {product_id} has no image", code="image_not_found")
        if self._cache is not None:
            self._cache[product_id] = resolution.image
        return resolution.image

    def invalidate(self, *product_ids: int) -> None:
        if self._cache is not None:
            for product_id in product_ids:
                self._cache.pop(product_id, None)

    def invalidate_all(self) -> None:
        if self._cache is not None:
            self._cache.clear()
