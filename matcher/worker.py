"""The matcher worker: drains the catalog's match queue in batches.

For each claimed batch it asks the `MatchService` (the same one the review API asks)
and records the outcomes: auto-link, suggestion or manual review. A batch is handled
together: its products in one read, its decisions from one search and one link question
(`MatchService.decide_many`), its outcomes in one transaction, where each item's lease
is still fenced on its own (an item lost to another worker records nothing; the others
do). Several workers may run at once (claims are disjoint, leases fenced); an item whose
worker died returns after its lease; an item that keeps failing ends as `failed` with
its error. `drain=True` returns once no item is pending or leased (a lease still live
is waited for, or reclaimed once it runs out).

The next batch is claimed and its candidates searched while the current one is scored
and recorded (the search is the catalog's CPU, the scoring the worker's: one worker
keeps both busy). The provisional canonical products the current batch makes are handed
to the next batch's decisions, which search again the products whose search would have
found them (`matcher.made_since`, counted in `searched_again`); everything else a
decision reads (products, prices, curators' decisions, store links) is read after the
current batch is recorded, as before.

One bad item must not cost the others: when a batch step (the read, the decisions, the
recording) fails and the catalog still answers a ping, the step is repeated item by item
and only the items that fail alone fail (a row that cannot be read back, a value a
backend refuses). Only a catalog that does not answer (`CatalogError` from the ping)
pauses the worker, with every claimed item left to its lease.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from catalog import CatalogRepository
from catalog.models import CanonicalProduct, MatchOutcome, QueueItem, QueueStatus, StoreProduct
from catalog.repository import CatalogError
from config import Settings
from matcher.decision import DecisionKind
from matcher.reasons import SAME_STORE
from matcher.scoring import Thresholds
from matcher.service import MatchDecision, MatchService, Searched, thresholds_from_settings

log = logging.getLogger(__name__)
X = TypeVar("X")
R = TypeVar("R")
MAX_REASON = 2000
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


@dataclass(frozen=True, slots=True)
class Claimed:
    """A claimed batch and its products' candidates, searched before its turn."""

    items: list[QueueItem]
    searched: Searched


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
        self._waiting_for_leases = False

    def _now(self) -> datetime | None:
        return self._clock() if self._clock is not None else None

    async def run(self, *, drain: bool = False, stop: asyncio.Event | None = None) -> Counter[str]:
        stop = stop or asyncio.Event()
        # Listen before the first claim: work queued between an empty claim and the first
        # wait must still wake us (the wake-up itself is a hint; polling guarantees it).
        await self._catalog.wait_for_work(0)
        ahead: asyncio.Task[Claimed] | None = None  # the next batch, claimed and searched
        made: list[CanonicalProduct] | None = []  # by the batch before it; None: unknown
        try:
            while ahead is not None or not stop.is_set():
                try:
                    if ahead is not None:  # searched while the batch before was decided
                        batch, ahead, handed = await ahead, None, made
                    else:  # searched after every batch before was recorded
                        batch, handed = await self._claim(), []
                    if not batch.items:
                        if drain and await self._drained():
                            break
                        await self._idle(stop)
                        continue
                    if not stop.is_set():  # a stopping worker claims no more
                        ahead = asyncio.create_task(self._claim())
                    made = await self._process(
                        batch.items,
                        searched=batch.searched if handed is not None else None,
                        made=handed or (),
                        ahead=ahead is not None,
                    )
                except CatalogError as exc:  # the catalog is away: wait, then carry on
                    log.warning("matcher: catalog unavailable (%s); retrying", exc)
                    self.stats["catalog_errors"] += 1
                    made = None  # a batch searched ahead is searched again
                    await asyncio.sleep(min(5.0, self._options.poll_s * 4))
        finally:
            if ahead is not None:  # cancelled: its items come back after their lease
                ahead.cancel()
                await asyncio.gather(ahead, return_exceptions=True)
        return self.stats

    async def _claim(self) -> Claimed:
        """A batch, and its products' candidates (searched now; decided later)."""
        items = await self._catalog.claim_matches(
            self._options.batch, self._options.lease_s, now=self._now()
        )
        if not items:
            return Claimed([], {})
        # The search's housekeeping, in a transaction of its own beside the search, not
        # before it: the searches (and a curator's, through the API) only read, and read
        # the changes a fold takes in as exactly before it as after it.
        housekeeping = asyncio.ensure_future(self._catalog.fold_name_words())
        try:
            found = await self._catalog.get_store_products([i.store_product_id for i in items])
            searched = await self._service.search_many(list(found.values()))
            await housekeeping
            return Claimed(items, searched)
        except Exception as exc:  # decided without it: its turn reads and searches again
            housekeeping.cancel()
            await asyncio.gather(housekeeping, return_exceptions=True)
            if isinstance(exc, CatalogError):
                await self._catalog.ping()  # an outage pauses the worker, as in its turn
            log.warning("matcher: searching ahead failed (%s); searched in its turn", reason(exc))
            return Claimed(items, {})

    async def _drained(self) -> bool:
        """Nothing left to do, not even items leased by other workers: a live lease is
        waited for (its worker finishes it, or it runs out and this worker reclaims it),
        so a drain that returns leaves no item behind."""
        left = await self._catalog.outstanding_count()
        if left and not self._waiting_for_leases:
            log.info("matcher: draining; waiting for %d item(s) leased elsewhere", left)
        self._waiting_for_leases = left > 0
        return left == 0

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

    async def _process(
        self,
        items: list[QueueItem],
        *,
        searched: Searched | None = None,
        made: Sequence[CanonicalProduct] = (),
        ahead: bool = False,
        again: bool = True,
    ) -> list[CanonicalProduct] | None:
        """Decide and record the items (their candidates `searched` ahead, with the
        products `made` since, when given). One whose link target went away between its
        decision and its record (a curator merged or deleted that canonical product) is
        decided again, once (`again`); if its new target goes too, it waits for its next
        attempt with that reason. With a batch searched `ahead`, the provisional canonical
        products this one made, for that batch (None if they cannot be read)."""
        catalog = self._catalog
        products, failed = await self._read(items)
        unread = {item.id for item, _ in failed}
        outcomes: list[tuple[MatchOutcome, str]] = []  # with the stat it counts as
        todo: list[tuple[QueueItem, StoreProduct]] = []
        for item in items:
            if item.id in unread:
                continue
            product = products.get(item.store_product_id)
            if product is None or product.canonical_product_id is not None:
                # Gone, or linked meanwhile (a later sync brought a GTIN): nothing to decide.
                outcomes.append((MatchOutcome(item, QueueStatus.DONE), "skipped"))
            else:
                todo.append((item, product))
        decisions = await self._decide([p for _, p in todo], searched, made)
        if self._service.searched_again:
            self.stats["searched_again"] = self._service.searched_again
        for (item, _), decision in zip(todo, decisions, strict=True):
            if isinstance(decision, Exception):
                failed.append((item, decision))
                continue
            if decision.reason == SAME_STORE:
                self.stats["same_store"] += 1
            outcome = MatchOutcome(
                item,
                _STATUS[decision.kind],
                canonical_id=decision.canonical_id,
                confidence=decision.confidence,
                candidates=decision.candidates,
                # Nothing close: a new product, as far as the catalog knows. It becomes a
                # provisional canonical product the next store can match (a curator
                # confirms or merges it from the review queue).
                provisional=decision.kind == "review",
            )
            outcomes.append((outcome, decision.kind))
        recorded = await self._alone_on_failure(
            [outcome for outcome, _ in outcomes], catalog.finish_matches
        )
        redo: list[QueueItem] = []
        made_again: list[CanonicalProduct] | None = []
        for (outcome, stat), done in zip(outcomes, recorded, strict=True):
            if isinstance(done, Exception):
                if (gone := await self._gone_target(outcome)) is None:
                    failed.append((outcome.item, done))
                elif again:
                    redo.append(outcome.item)
                else:
                    failed.append((outcome.item, TargetGone(gone)))
            else:
                self.stats[stat if done or stat == "skipped" else "lease_lost"] += 1
        if redo:  # still leased to us: nothing of theirs was recorded
            log.info("matcher: %d item(s) lost their link target meanwhile; again", len(redo))
            self.stats["redecided"] += len(redo)
            made_again = await self._process(redo, again=False, ahead=ahead)
        for item, exc in failed:  # a bad item must not stop the worker
            log.error("matcher: item %s failed", item.id, exc_info=exc)
            status = await catalog.fail_match(item, reason(exc), self._options.max_attempts)
            self.stats["failed" if status is QueueStatus.FAILED else "retried"] += 1
        if not ahead:
            return []
        new = await self._made(
            [o for (o, _), done in zip(outcomes, recorded, strict=True) if done is True]
        )
        return None if new is None or made_again is None else new + made_again

    async def _made(self, recorded: Sequence[MatchOutcome]) -> list[CanonicalProduct] | None:
        """The provisional canonical products the recorded outcomes made (None if the
        catalog cannot say: then the batch searched ahead is searched again)."""
        product_ids = [o.item.store_product_id for o in recorded if o.provisional]
        if not product_ids:
            return []
        try:
            linked = await self._catalog.get_store_products(product_ids)
            ids = {i for p in linked.values() if (i := p.canonical_product_id) is not None}
            made = await self._catalog.get_canonical_products(sorted(ids))
        except CatalogError as exc:
            log.warning("matcher: made products unread (%s); next batch searched again", exc)
            return None
        return [made[i] for i in sorted(ids) if i in made]

    async def _gone_target(self, outcome: MatchOutcome) -> int | None:
        """The canonical product the outcome links to, if it no longer exists."""
        target = outcome.canonical_id
        if outcome.status is not QueueStatus.DONE or target is None:
            return None
        return target if await self._catalog.get_canonical_product(target) is None else None

    async def _read(
        self, items: list[QueueItem]
    ) -> tuple[dict[int, StoreProduct], list[tuple[QueueItem, Exception]]]:
        """The items' products, and the items whose product cannot be read."""

        async def read(some: Sequence[QueueItem]) -> list[StoreProduct | None]:
            found = await self._catalog.get_store_products([i.store_product_id for i in some])
            return [found.get(i.store_product_id) for i in some]

        products: dict[int, StoreProduct] = {}
        failed: list[tuple[QueueItem, Exception]] = []
        for item, product in zip(items, await self._alone_on_failure(items, read), strict=True):
            if isinstance(product, Exception):
                failed.append((item, product))
            elif product is not None:
                products[product.id] = product
        return products, failed

    async def _decide(
        self,
        products: list[StoreProduct],
        searched: Searched | None,
        made: Sequence[CanonicalProduct],
    ) -> list[MatchDecision | Exception]:
        """The batch's decisions; a product that breaks the shared part (not its own
        scoring, which `decide_many` isolates) costs the batch its speed, not the others
        their decisions: then they are decided one by one."""

        async def decide(some: Sequence[StoreProduct]) -> list[MatchDecision | Exception]:
            return await self._service.decide_many(some, searched=searched, made=made)

        return await self._alone_on_failure(products, decide)

    async def _alone_on_failure(
        self, batch: Sequence[X], step: Callable[[Sequence[X]], Awaitable[Sequence[R]]]
    ) -> list[R | Exception]:
        """`step` over the batch at once; if that fails while the catalog answers, over
        each element alone, an element's error standing for its result. An outage (the
        ping fails) is raised: the worker pauses."""
        if not batch:
            return []
        try:
            return list(await step(batch))
        except Exception as exc:
            await self._catalog.ping()
            log.warning("matcher: a batch step failed (%s); item by item", reason(exc))
        results: list[R | Exception] = []
        for element in batch:
            try:
                [result] = await step([element])
            except Exception as exc:
                await self._catalog.ping()
                results.append(exc)
            else:
                results.append(result)
        return results


class TargetGone(Exception):
    """The canonical product an item was decided to link to was merged or deleted before
    the link was recorded."""

    def __init__(self, canonical_id: int) -> None:
        super().__init__(
            f"canonical product {canonical_id} was merged or deleted while this item was "
            "decided; it is decided again on its next attempt"
        )


def reason(exc: Exception) -> str:
    """An error as the item's stored reason: text any backend takes (a row's broken text
    may be quoted in the error), bounded."""
    text = f"{type(exc).__name__}: {exc}"[:MAX_REASON]
    return text.encode("utf-8", "backslashreplace").decode("utf-8").replace("\x00", "\\x00")
