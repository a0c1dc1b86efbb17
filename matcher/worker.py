"""The matcher worker: drains the catalog's match queue in batches.

For each claimed item it asks the `MatchService` (the same one the review API asks) and
records the outcome: auto-link, suggestion or manual review. Several workers may run at
once (claims are disjoint, leases fenced); an item whose worker died returns after its
lease; an item that keeps failing ends as `failed` with its error. `drain=True` returns
once nothing is claimable.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from catalog import CatalogRepository
from catalog.models import QueueItem, QueueStatus
from catalog.repository import CatalogError
from config import Settings
from matcher.decision import DecisionKind
from matcher.reasons import SAME_STORE
from matcher.scoring import Thresholds
from matcher.service import MatchService, thresholds_from_settings

log = logging.getLogger(__name__)
_STATUS: dict[DecisionKind, QueueStatus] = {
    "link": QueueStatus.DONE,
    "suggest": QueueStatus.SUGGESTED,
    "review": QueueStatus.REVIEW,
}


@dataclass(frozen=True, slots=True)
class WorkerOptions:
    thresholds: Thresholds
    batch: int = 50
    lease_s: float = 60.0
    max_attempts: int = 3
    poll_s: float = 0.5

    @classmethod
    def from_settings(cls, s: Settings) -> WorkerOptions:
        return cls(
            thresholds_from_settings(s),
            batch=s.worker.batch,
            lease_s=s.worker.lease_s,
            max_attempts=s.worker.max_attempts,
            poll_s=s.worker.poll_s,
        )


class MatchWorker:
    def __init__(
        self,
        catalog: CatalogRepository,
        options: WorkerOptions,
        *,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        """`clock` replaces the database's clock for leases (tests move time with it)."""
        self._catalog = catalog
        self._options = options
        self._service = MatchService(catalog, options.thresholds)
        self._clock = clock
        self.stats: Counter[str] = Counter()
        self.idle = asyncio.Event()  # set while waiting for work, for health and tests

    def _now(self) -> datetime | None:
        return self._clock() if self._clock is not None else None

    async def run(self, *, drain: bool = False, stop: asyncio.Event | None = None) -> Counter[str]:
        stop = stop or asyncio.Event()
        # Listen before the first claim: work queued between an empty claim and the first
        # wait must still wake us (the wake-up itself is a hint; polling guarantees it).
        await self._catalog.wait_for_work(0)
        while not stop.is_set():
            try:
                items = await self._catalog.claim_matches(
                    self._options.batch, self._options.lease_s, now=self._now()
                )
                if not items:
                    if drain and await self._catalog.claimable_count(now=self._now()) == 0:
                        break
                    await self._idle(stop)
                    continue
                for item in items:
                    await self._process(item)
            except CatalogError as exc:  # the catalog is away: wait, then carry on
                log.warning("matcher: catalog unavailable (%s); retrying", exc)
                self.stats["catalog_errors"] += 1
                await asyncio.sleep(min(5.0, self._options.poll_s * 4))
        return self.stats

    async def _idle(self, stop: asyncio.Event) -> None:
        """Until new work is announced, the poll interval passes, or we are told to stop."""
        waits = {
            asyncio.ensure_future(self._catalog.wait_for_work(self._options.poll_s)),
            asyncio.ensure_future(stop.wait()),
        }
        self.idle.set()
        try:
            _, pending = await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        finally:
            self.idle.clear()
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)

    async def _process(self, item: QueueItem) -> None:
        try:
            await self._match(item)
        except CatalogError:
            raise
        except Exception as exc:  # a bad item must not stop the worker
            log.exception("matcher: item %s failed", item.id)
            status = await self._catalog.fail_match(
                item, f"{type(exc).__name__}: {exc}", self._options.max_attempts
            )
            self.stats["failed" if status is QueueStatus.FAILED else "retried"] += 1

    async def _match(self, item: QueueItem) -> None:
        catalog = self._catalog
        product = await catalog.get_store_product(item.store_product_id)
        if product is None or product.canonical_product_id is not None:
            # Gone, or linked meanwhile (a later sync brought a GTIN): nothing to decide.
            await catalog.finish_match(item, QueueStatus.DONE)
            self.stats["skipped"] += 1
            return
        decision = await self._service.decide(product)
        if decision.reason == SAME_STORE:
            self.stats["same_store"] += 1
        done = await catalog.finish_match(
            item,
            _STATUS[decision.kind],
            canonical_id=decision.canonical_id,
            confidence=decision.confidence,
            candidates=decision.candidates,
        )
        self.stats[decision.kind if done else "lease_lost"] += 1
