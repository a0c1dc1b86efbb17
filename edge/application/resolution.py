"""Product → image resolution, cached in process with a TTL and explicit invalidation.

The /img hot path asks this cache, so a cache hit makes no database query. The catalog
announces every committed change that may alter a resolution (in process for SQLite,
across processes through PostgreSQL LISTEN/NOTIFY); `apply` drops what it names. The
TTL bounds staleness should a notification ever be lost.

When the catalog is not answering, a resolution past its TTL is still served for
`stale_s` more (marked `stale`, so /img gives it a short max-age): images in the variant
cache keep serving through a database restart. After a connection failure the catalog
is left alone for `retry_s`: stale resolutions are served without waiting on it and
uncached products fail at once (503); the first request after that asks again, so the
edge recovers by itself within `retry_s` of the database's return.

`?v=` names one image the product shows (its content version). A version it does not
show is a 404, so nobody can mint uncached URLs at will, except a version this process
saw the product show within `version_grace_s`: pages cached with the previous URLs keep
their images (the current primary, never `immutable`) while they expire.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from cachetools import LRUCache, TTLCache

from catalog.errors import CatalogError, CatalogUnavailable, ConflictError, NotFoundError
from catalog.models import Resolution, ResolutionChange, ResolvedImage
from edge.errors import NotFound

log = logging.getLogger("imgedge")
RETRY_S = 1.0


class ResolutionReader(Protocol):
    async def resolve(self, product_id: int) -> Resolution | None: ...

    async def resolve_many(self, product_ids: Sequence[int]) -> dict[int, Resolution]: ...


@dataclass(frozen=True, slots=True)
class Resolved:
    image: ResolvedImage
    stale: bool = False  # past its TTL, served because the catalog is not answering


@dataclass(frozen=True, slots=True)
class _Entry:
    resolution: Resolution
    fetched_at: float


class Resolver:
    def __init__(
        self,
        catalog: ResolutionReader,
        ttl_s: float,
        max_entries: int,
        *,
        stale_s: float = 0.0,
        version_grace_s: float = 0.0,
        retry_s: float = RETRY_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._catalog = catalog
        self._ttl_s = ttl_s
        self._stale_s = stale_s
        self._retry_s = retry_s
        self._clock = clock
        self._cache: LRUCache[int, _Entry] | None = (
            LRUCache(maxsize=max_entries) if ttl_s > 0 else None
        )
        # product id → versions it showed lately and shows no more
        self._previous: TTLCache[int, frozenset[str]] | None = (
            TTLCache(maxsize=max_entries, ttl=version_grace_s, timer=clock)
            if version_grace_s > 0
            else None
        )
        self._down_until = -math.inf  # the catalog failed to connect: leave it until then
        # Counts the changes applied. A read that a change overtook may hold what the
        # catalog showed before it: such a read answers its own request but is not cached.
        self._changes = 0
        self.queries = 0  # catalog lookups made, for tests and /metrics
        self.stale_served = 0  # answers from resolutions past their TTL
        self.hits = 0  # products answered from the cache within its TTL
        self.misses = 0  # products that had to be asked of the catalog (or were stale)

    async def resolve(self, product_id: int, version: str | None = None) -> ResolvedImage:
        """The image the product shows (the one `version` names); `NotFound` for an
        unknown product, a product without images, or a version it does not show."""
        return (await self.lookup(product_id, version)).image

    async def lookup(self, product_id: int, version: str | None = None) -> Resolved:
        """`resolve`, saying whether the resolution is stale (the catalog is down)."""
        resolution, stale = await self._resolution(product_id)
        if stale:
            self.stale_served += 1
        return Resolved(self._image(resolution, version), stale)

    def peek(self, product_id: int, version: str | None = None) -> ResolvedImage | None:
        """The image from a fresh cached resolution, without waiting on anything; None
        when `lookup` would have to ask the catalog, serve a stale resolution or fail."""
        entry = self._cache.get(product_id) if self._cache is not None else None
        if entry is None or self._clock() >= entry.fetched_at + self._ttl_s:
            return None
        try:
            return self._image(entry.resolution, version)
        except NotFound:
            return None

    async def _resolution(self, product_id: int) -> tuple[Resolution, bool]:
        now = self._clock()
        entry = self._cache.get(product_id) if self._cache is not None else None
        if entry is not None and now < entry.fetched_at + self._ttl_s:
            self.hits += 1
            return entry.resolution, False
        self.misses += 1
        usable = entry is not None and now < entry.fetched_at + self._ttl_s + self._stale_s
        if now < self._down_until:  # failed a moment ago: do not wait on it again
            if entry is not None and usable:
                return entry.resolution, True
            raise CatalogUnavailable("the catalog failed a moment ago")
        self.queries += 1
        changes = self._changes
        try:
            resolution = await self._catalog.resolve(product_id)
        except (NotFoundError, ConflictError):
            raise
        except CatalogError as exc:
            if isinstance(exc, CatalogUnavailable):
                self._down_until = self._clock() + self._retry_s
            if entry is not None and usable:
                log.warning("catalog not answering (%s): serving a stale resolution", exc)
                return entry.resolution, True
            raise
        self._down_until = -math.inf
        if changes == self._changes:
            self._store(product_id, resolution)
        if resolution is None:
            raise NotFound(f"no product {product_id}", code="product_not_found")
        return resolution, False

    async def resolve_many(self, product_ids: Sequence[int]) -> dict[int, ResolvedImage]:
        """The primary image of each product that shows one, by id: from the cache, and
        one catalog query for every product not in it (not one query per product).
        Unknown products and products without an image are left out. A catalog that is
        not answering is a `CatalogError`, unless every product asked of it has a stale
        resolution to fall back on."""
        now = self._clock()
        found: dict[int, Resolution] = {}
        wanted: list[int] = []
        usable: dict[int, Resolution] = {}  # stale fallbacks of the wanted ones
        for product_id in dict.fromkeys(product_ids):
            entry = self._cache.get(product_id) if self._cache is not None else None
            if entry is not None and now < entry.fetched_at + self._ttl_s:
                found[product_id] = entry.resolution
                continue
            wanted.append(product_id)
            if entry is not None and now < entry.fetched_at + self._ttl_s + self._stale_s:
                usable[product_id] = entry.resolution
        self.hits += len(found)
        self.misses += len(wanted)
        if wanted:
            found.update(await self._fetch_many(wanted, usable))
        return {pid: r.image for pid, r in found.items() if r.image is not None}

    async def _fetch_many(
        self, wanted: list[int], usable: dict[int, Resolution]
    ) -> dict[int, Resolution]:
        all_usable = len(usable) == len(wanted)
        if self._clock() < self._down_until:  # failed a moment ago: do not wait on it again
            if all_usable:
                self.stale_served += 1
                return usable
            raise CatalogUnavailable("the catalog failed a moment ago")
        self.queries += 1
        changes = self._changes
        try:
            fetched = await self._catalog.resolve_many(wanted)
        except (NotFoundError, ConflictError):
            raise
        except CatalogError as exc:
            if isinstance(exc, CatalogUnavailable):
                self._down_until = self._clock() + self._retry_s
            if all_usable:
                log.warning("catalog not answering (%s): serving stale resolutions", exc)
                self.stale_served += 1
                return usable
            raise
        self._down_until = -math.inf
        if changes == self._changes:
            for product_id in wanted:
                self._store(product_id, fetched.get(product_id))
        return fetched

    def _store(self, product_id: int, resolution: Resolution | None) -> None:
        """Cache what the catalog said of a product (None: it does not exist)."""
        if resolution is None:
            self._forget(product_id)
        elif self._cache is not None:
            self._forget(product_id, keeping=resolution)
            self._cache[product_id] = _Entry(resolution, self._clock())

    def _image(self, resolution: Resolution, version: str | None) -> ResolvedImage:
        product_id = resolution.product_id
        if version is None:
            image = resolution.image
        else:
            image = resolution.shown(version)
            if image is None and (resolution.truncated or self._showed(product_id, version)):
                # A previous version within its grace, or one past a huge gallery's end:
                # the primary, never immutable.
                image = resolution.image
            elif image is None:
                raise NotFound(
                    f"product {product_id} shows no image of version {version[:64]!r}",
                    code="version_not_found",
                )
        if image is None:
            raise NotFound(f"product {product_id} has no image", code="image_not_found")
        return image

    def _showed(self, product_id: int, version: str) -> bool:
        return self._previous is not None and version in self._previous.get(product_id, frozenset())

    def _forget(self, product_id: int, *, keeping: Resolution | None = None) -> None:
        """Drop the product's cached resolution, remembering the versions it showed that
        `keeping` (what it shows now, if known) does not, for `version_grace_s`."""
        entry = self._cache.pop(product_id, None) if self._cache is not None else None
        if entry is None or self._previous is None:
            return
        now = {i.version for i in keeping.gallery} if keeping is not None else set()
        shown = {i.version for i in entry.resolution.gallery} - now
        if shown:
            self._previous[product_id] = self._previous.get(product_id, frozenset()) | shown

    def apply(self, change: ResolutionChange) -> None:
        """Forget the resolutions a catalog change may have altered."""
        self._changes += 1
        if self._cache is None:
            return
        if change.product_id is not None:
            self._forget(change.product_id)
        elif change.canonical_product_id is not None:
            # Rare (a curator changed a canonical image): a scan beats a reverse index.
            stale = [
                pid
                for pid, entry in list(self._cache.items())
                if entry.resolution.canonical_product_id == change.canonical_product_id
            ]
            for pid in stale:
                self._forget(pid)
        else:
            # Changes were missed (the change feed reconnected): any resolution may be out
            # of date, so each is asked for again; but as the database was just away, each
            # stays a stale fallback should it fail again, and it is asked at once.
            self._down_until = -math.inf
            expired = self._clock() - self._ttl_s
            for pid, entry in list(self._cache.items()):
                self._cache[pid] = _Entry(entry.resolution, min(entry.fetched_at, expired))

    @property
    def changes_applied(self) -> int:
        """Catalog changes applied so far (each may have altered cached resolutions)."""
        return self._changes

    def invalidate(self, *product_ids: int) -> None:
        for product_id in product_ids:
            self.apply(ResolutionChange(product_id=product_id))
