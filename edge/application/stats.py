"""The dashboard's figures: the whole marketplace for the curator, its own for a store.

The original system promised that 70%+ of store products would share their images and
that storage would be 50%+ smaller than every store keeping its own copies; these are
the measurements (`catalog.models.CatalogStats` says what each counts). The catalog
computes them in a few aggregate statements; the marketplace's figures are kept for
`CACHE_S`, computed by one caller at a time, so a dashboard or scrape storm cannot
hammer the database (a failure is remembered as long: a catalog down is not asked again
by every scrape).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from catalog.errors import CatalogError, CatalogUnavailable
from catalog.models import CatalogStats, QueueFigures
from edge.application.actors import Actor

log = logging.getLogger(__name__)

SHARING_TARGET = 0.70  # the original system's "Deduplication: 70%+ products share images"
STORAGE_TARGET = 0.50  # and "Storage Savings: 50%+ vs per-store storage"
CACHE_S = 10.0


class StatsCatalog(Protocol):
    async def catalog_stats(self, store_id: int | None = None) -> CatalogStats: ...


@dataclass(frozen=True, slots=True)
class Figures:
    """The figures of one scope (a store's, or the marketplace's: `store_id` None), and
    when they were computed (ages are measured from then)."""

    stats: CatalogStats
    store_id: int | None
    computed_at: datetime

    def age_s(self, queue: QueueFigures) -> float | None:
        """How long the queue's oldest item has waited, in seconds (None: empty)."""
        if queue.oldest_at is None:
            return None
        return max(0.0, (self.computed_at - queue.oldest_at).total_seconds())


class Stats:
    def __init__(
        self,
        catalog: StatsCatalog,
        *,
        cache_s: float = CACHE_S,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._catalog = catalog
        self._cache_s = cache_s
        self._clock = clock
        self._now = now
        self._lock = asyncio.Lock()
        # (until when, the figures or why they could not be had)
        self._kept: tuple[float, Figures | str] | None = None
        self.computed = 0  # how many times the marketplace's figures were computed

    async def figures(self, actor: Actor) -> Figures:
        """The curator's: the marketplace's (cached); a store's: its own products' (the
        share that shares images with other stores, its matches, its queue items)."""
        if actor.store is None:
            return await self.marketplace()
        stats = await self._catalog.catalog_stats(actor.store.id)
        return Figures(stats, actor.store.id, self._now())

    async def marketplace(self) -> Figures:
        """The marketplace's figures, at most `cache_s` old. A catalog failure is
        remembered as long and raised as CatalogUnavailable (an answer of 503)."""
        async with self._lock:
            if self._kept is None or self._clock() >= self._kept[0]:
                self._kept = (self._clock() + self._cache_s, await self._compute())
            kept = self._kept[1]
        if isinstance(kept, str):  # a new error each time: no traceback piles up
            raise CatalogUnavailable(kept)
        return kept

    async def marketplace_or_none(self) -> Figures | None:
        """For /metrics: None (and a log line) while the catalog cannot answer."""
        try:
            return await self.marketplace()
        except CatalogError as exc:
            log.info("catalog figures left out of /metrics: %s", exc)
            return None

    async def _compute(self) -> Figures | str:
        self.computed += 1
        try:
            return Figures(await self._catalog.catalog_stats(None), None, self._now())
        except CatalogError as exc:
            return str(exc) or type(exc).__name__
