"""The matcher worker against each catalog backend: outcomes, concurrency, failures."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

import matcher.service as service_module
from catalog.models import MatchStatus, QueueStatus, SyncItem
from catalog.repository import CatalogError
from catalog.sqlite import SQLiteCatalog
from matcher.scoring import Thresholds
from matcher.worker import MatchWorker, WorkerOptions

FAST = WorkerOptions(Thresholds(), batch=4, lease_s=30, max_attempts=2, poll_s=0.05)

CATALOG = [
    ("Acme Cola 12 oz", "Acme"),
    ("Brightfield Rolled Oats 1 kg", "Brightfield"),
    ("Northwind Green Tea 20 bags", "Northwind"),
    ("Sony Bravia KDL-40V4100 40 inch TV", "Sony"),
]


async def _seed(catalog, names: list[str]) -> tuple[dict[str, int], list[int]]:
    canonical = {}
    for name, brand in CATALOG:
        made = await catalog.create_canonical_product(gtin=None, name=name, brand=brand)
        canonical[name] = made.id
    store = await catalog.create_store("Worker store")
    results = await catalog.sync_products(
        store.id, [SyncItem(f"e{i}", None, None, n) for i, n in enumerate(names)], known={}
    )
    return canonical, [r.product_id for r in results]


class _Ordered:
    """The real catalog, noting the order of the worker's housekeeping and searches."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.calls: list[str] = []

    def __getattr__(self, name: str):
        return getattr(self.inner, name)

    async def fold_name_words(self) -> int:
        self.calls.append("fold")
        folded = await self.inner.fold_name_words()
        await asyncio.sleep(0.05)  # a slow fold (a backlog of name changes)
        self.calls.append("folded")
        return folded

    async def search_canonical_candidates_many(self, names, limit=10):
        self.calls.append("search")
        return await self.inner.search_canonical_candidates_many(names, limit)


async def test_the_worker_folds_the_name_words_beside_each_batch_search(catalog):
    await _seed(catalog, [f"Acme Cola {n} oz" for n in range(9)])  # three batches of 4
    ordered = _Ordered(catalog)
    await MatchWorker(ordered, FAST).run(drain=True)
    calls = ordered.calls  # (a product searched again later is searched without one)
    assert calls[0] == "fold" and calls.count("fold") == calls.count("folded") == 3  # per batch
    # ... and the batch's search does not wait for it: it starts before the fold ends.
    assert all(calls[i + 1] == "search" for i, c in enumerate(calls) if c == "fold")


async def test_drain_links_suggests_and_reviews(catalog):
    canonical, ids = await _seed(
        catalog,
        [
            "ACME COLA 12OZ",  # same product, POS spelling → link
            "Rolled Oats Brightfield 1kg",  # word order, no brand field → link
            "Sony Bravia KDL-40V5100 40 inch TV",  # another model code → never a link
            "Garden hose 30 m",  # nothing like it → review
        ],
    )
    stats = await MatchWorker(catalog, FAST).run(drain=True)
    assert sum(stats.values()) == 4

    cola = await catalog.get_store_product(ids[0])
    assert (cola.canonical_product_id, cola.match_status) == (
        canonical["Acme Cola 12 oz"],
        MatchStatus.LINKED,
    )
    assert cola.match_confidence >= 85
    oats = await catalog.get_store_product(ids[1])
    assert oats.canonical_product_id == canonical["Brightfield Rolled Oats 1 kg"]
    tv = await catalog.get_store_product(ids[2])
    assert tv.canonical_product_id not in canonical.values()  # never the other model
    tv_item = await catalog.get_match_item_for_product(ids[2])
    assert tv_item.candidates[0][0] == canonical["Sony Bravia KDL-40V4100 40 inch TV"]
    assert tv_item.candidates[0][1] < 85
    # Nothing like the hose: it becomes a provisional canonical product of its own, and
    # stays in the review queue for a curator.
    hose = await catalog.get_store_product(ids[3])
    assert hose.match_status is MatchStatus.LINKED and hose.match_confidence is None
    made = await catalog.get_canonical_product(hose.canonical_product_id)
    assert (made.name, made.provisional, made.gtin, made.product_count) == (
        "Garden hose 30 m",
        True,
        None,
        1,
    )
    hose_item = await catalog.get_match_item_for_product(ids[3])
    assert hose_item.status is QueueStatus.REVIEW
    assert await catalog.claimable_count() == 0


async def test_a_new_product_of_one_store_serves_the_next_store(catalog):
    """Name-only products nobody had become provisional canonical products, and the next
    store's product links to one; in one batch, one name makes one of them."""
    first, other, third = [await catalog.create_store(n) for n in ("First", "Other", "Third")]
    await catalog.sync_products(
        first.id,
        [SyncItem("a", None, None, "Garden hose 30 m"), SyncItem("b", None, None, "Rake")],
        known={},
    )
    await MatchWorker(catalog, FAST).run(drain=True)
    [late] = await catalog.sync_products(
        other.id, [SyncItem("x", None, None, "GARDEN HOSE 30M")], known={}
    )
    await MatchWorker(catalog, FAST).run(drain=True)
    linked = await catalog.get_store_product(late.product_id)
    shared = await catalog.get_canonical_product(linked.canonical_product_id)
    assert (shared.name, shared.provisional, shared.product_count) == ("Garden hose 30 m", True, 2)
    assert linked.match_status is MatchStatus.LINKED and linked.match_confidence >= 85

    chairs = [
        (await catalog.sync_products(s.id, [SyncItem("c", None, None, "Patio chair")], known={}))[0]
        for s in (first, third)
    ]
    await MatchWorker(catalog, FAST).run(drain=True)  # both in one batch
    a, b = [await catalog.get_store_product(r.product_id) for r in chairs]
    assert a.canonical_product_id == b.canonical_product_id is not None

    # A curator links the rake elsewhere: its provisional product, now unused, is gone.
    rake = await catalog.get_store_product(
        (await catalog.sync_products(first.id, [SyncItem("b", None, None, "Rake")], known={}))[
            0
        ].product_id
    )
    made = rake.canonical_product_id
    tools = await catalog.create_canonical_product(gtin=None, name="Garden Rake", brand=None)
    item = await catalog.get_match_item_for_product(rake.id)
    await catalog.decide_match(item, canonical_id=tools.id, product_status=MatchStatus.LINKED)
    assert (await catalog.get_store_product(rake.id)).canonical_product_id == tools.id
    assert await catalog.get_canonical_product(made) is None


async def test_concurrent_workers_process_each_item_once(catalog):
    names = [f"Acme Cola 12 oz pack {i}" for i in range(12)]
    await _seed(catalog, names)
    finished: list[int] = []
    real_finish = catalog.finish_matches

    async def counting_finish(outcomes):
        finished.extend(o.item.id for o in outcomes)
        await asyncio.sleep(0)  # let the other worker run in between
        return await real_finish(outcomes)

    catalog.finish_matches = counting_finish
    await asyncio.gather(*(MatchWorker(catalog, FAST).run(drain=True) for _ in range(3)))
    assert len(finished) == len(set(finished)) == 12
    counts = await catalog.queue_counts()
    assert sum(counts.values()) == 12 and "pending" not in counts and "processing" not in counts


async def test_failing_item_is_retried_then_failed_and_others_go_on(catalog, monkeypatch):
    _, ids = await _seed(catalog, ["Poison item", "ACME COLA 12OZ"])
    real = service_module.score_candidates

    def explode_on_poison(name, *args, **kwargs):
        if name == "Poison item":
            raise RuntimeError("scorer exploded")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(service_module, "score_candidates", explode_on_poison)
    stats = await MatchWorker(catalog, FAST).run(drain=True)
    assert stats["failed"] == 1 and stats["retried"] == 1
    failed = await catalog.get_match_item_for_product(ids[0])
    assert failed.status is QueueStatus.FAILED
    assert "scorer exploded" in failed.last_error
    assert (await catalog.get_store_product(ids[1])).match_status is MatchStatus.LINKED


async def test_drain_waits_for_a_dead_workers_lease_then_reclaims_its_item(catalog):
    await _seed(catalog, ["ACME COLA 12OZ"])
    [held] = await catalog.claim_matches(1, lease_s=60)  # then this "worker" dies
    now = [datetime.now(UTC)]
    worker = MatchWorker(catalog, FAST, clock=lambda: now[0])
    draining = asyncio.create_task(worker.run(drain=True))
    await asyncio.wait_for(worker.idle.wait(), timeout=5)
    await asyncio.sleep(0.2)  # several polls while the lease is live
    assert not draining.done()  # it does not leave the item behind
    now[0] += timedelta(seconds=61)  # the lease runs out
    stats = await asyncio.wait_for(draining, timeout=5)
    assert stats["link"] == 1
    item = await catalog.get_match_item(held.id)
    assert (item.status, item.attempts) == (QueueStatus.DONE, 2)
    assert await catalog.outstanding_count() == 0


async def test_drain_waits_for_a_live_workers_item_to_finish(catalog):
    await _seed(catalog, ["ACME COLA 12OZ"])
    [held] = await catalog.claim_matches(1, lease_s=60)  # another worker, busy with it
    worker = MatchWorker(catalog, FAST)
    draining = asyncio.create_task(worker.run(drain=True))
    await asyncio.wait_for(worker.idle.wait(), timeout=5)
    assert not draining.done()
    await catalog.finish_match(held, QueueStatus.REVIEW)  # the other worker finishes
    stats = await asyncio.wait_for(draining, timeout=5)
    assert sum(stats.values()) == 0  # nothing was this worker's to do


async def test_product_linked_meanwhile_is_skipped(catalog):
    canonical, ids = await _seed(catalog, ["Mystery box"])
    await catalog.link_store_product(
        ids[0], canonical["Acme Cola 12 oz"], MatchStatus.LINKED, 100.0
    )
    stats = await MatchWorker(catalog, FAST).run(drain=True)
    assert stats["skipped"] == 1
    product = await catalog.get_store_product(ids[0])
    assert product.canonical_product_id == canonical["Acme Cola 12 oz"]


async def test_idle_postgres_worker_wakes_on_new_work(postgres_url):
    from catalog.postgres import PostgresCatalog

    catalog = await PostgresCatalog.open(postgres_url)
    await catalog.create_canonical_product(gtin=None, name="Acme Cola 12 oz", brand="Acme")
    store = await catalog.create_store("Waker")
    slow_poll = WorkerOptions(Thresholds(), batch=4, lease_s=30, poll_s=30)
    stop = asyncio.Event()
    worker = MatchWorker(catalog, slow_poll)
    task = asyncio.create_task(worker.run(stop=stop))
    try:
        await asyncio.wait_for(worker.idle.wait(), timeout=5)  # idle, waiting for work
        started = time.monotonic()
        await catalog.sync_products(
            store.id, [SyncItem("w1", None, None, "ACME COLA 12OZ")], known={}
        )
        while worker.stats["link"] == 0:
            assert time.monotonic() - started < 3, "the idle worker was not woken"
            await asyncio.sleep(0.02)
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=5)
        await catalog.close()


def test_worker_drain_command_exits_when_the_queue_is_empty(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "IMGEDGE_DATABASE_URL": f"sqlite:///{tmp_path}/w.db"}
    run = subprocess.run(
        [sys.executable, "-m", "edge.cli", "worker", "--drain"],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert "matcher worker stopped" in run.stdout


async def test_a_second_sku_of_the_same_store_is_only_suggested(catalog):
    """A store sells a product once; a look-alike second SKU (a POS name cut short) waits
    for a person instead of sharing the first one's images."""
    canonical, ids = await _seed(catalog, ["ACME COLA 12OZ", "ACME COLA 12 OZ"])
    other_store = await catalog.create_store("Other")
    [elsewhere] = await catalog.sync_products(
        other_store.id, [SyncItem("o1", None, None, "Acme Cola 12oz")], known={}
    )
    stats = await MatchWorker(catalog, FAST).run(drain=True)
    first = await catalog.get_store_product(ids[0])
    second = await catalog.get_store_product(ids[1])
    assert first.canonical_product_id == canonical["Acme Cola 12 oz"]
    assert (second.canonical_product_id, second.match_status) == (None, MatchStatus.SUGGESTED)
    assert second.match_confidence < 85
    item = await catalog.get_match_item_for_product(ids[1])
    assert item.candidates[0][0] == canonical["Acme Cola 12 oz"]
    # Another store's product of the same kind links as usual.
    linked = await catalog.get_store_product(elsewhere.product_id)
    assert linked.canonical_product_id == canonical["Acme Cola 12 oz"]
    assert stats["same_store"] == 1


async def test_a_batch_with_a_lost_lease_records_the_others_and_not_that_one(catalog):
    canonical, ids = await _seed(
        catalog, ["ACME COLA 12OZ", "Rolled Oats Brightfield 1kg", "Garden hose 30 m"]
    )
    real_claim = catalog.claim_matches

    async def claim_then_lose_the_first(limit, lease_s, *, now=None):
        claimed = await real_claim(limit, lease_s, now=now)
        if claimed:  # the lease runs out meanwhile; another worker takes the first item
            later = datetime.now(UTC) + timedelta(seconds=lease_s + 1)
            await real_claim(1, lease_s, now=later)
        return claimed

    catalog.claim_matches = claim_then_lose_the_first
    worker, stop = MatchWorker(catalog, FAST), asyncio.Event()
    draining = asyncio.create_task(worker.run(drain=True, stop=stop))
    # The drain waits for the other worker's lease; once it does, its batch is recorded.
    await asyncio.wait_for(worker.idle.wait(), timeout=5)
    stop.set()
    stats = await asyncio.wait_for(draining, timeout=5)
    assert (stats["lease_lost"], stats["link"], stats["review"]) == (1, 1, 1)

    lost = await catalog.get_match_item_for_product(ids[0])
    assert (lost.status, lost.attempts, lost.candidates) == (QueueStatus.PROCESSING, 2, ())
    cola = await catalog.get_store_product(ids[0])
    assert (cola.canonical_product_id, cola.match_status) == (None, MatchStatus.UNMATCHED)
    assert (await catalog.get_canonical_product(canonical["Acme Cola 12 oz"])).product_count == 0
    oats = await catalog.get_store_product(ids[1])
    assert oats.canonical_product_id == canonical["Brightfield Rolled Oats 1 kg"]
    hose = await catalog.get_store_product(ids[2])  # recorded: its provisional product
    assert hose.match_status is MatchStatus.LINKED
    assert (await catalog.get_canonical_product(hose.canonical_product_id)).provisional


async def _corrupt(catalog, request, product_id: int, *, undecodable: bool = False) -> None:
    """Make a stored product unreadable behind the catalog's back: a match status the
    model does not know (both backends), or a name that is not UTF-8 (SQLite keeps what
    it is given; PostgreSQL refuses it, as the boundary now does)."""
    if isinstance(catalog, SQLiteCatalog):
        path = request.getfixturevalue("tmp_path") / "contract.db"
        column = "name = CAST(X'FF' AS TEXT)" if undecodable else "match_status = 'bogus'"
        with contextlib.closing(sqlite3.connect(path)) as conn, conn:
            conn.execute("PRAGMA ignore_check_constraints = ON")
            conn.execute(f"UPDATE store_products SET {column} WHERE id = ?", (product_id,))
        return
    assert not undecodable
    conn = await asyncpg.connect(request.getfixturevalue("postgres_url"))
    try:
        await conn.execute(
            "ALTER TABLE store_products DROP CONSTRAINT IF EXISTS store_products_match_status_check"
        )
        await conn.execute(
            "UPDATE store_products SET match_status = 'bogus' WHERE id = $1", product_id
        )
    finally:
        await conn.close()


async def test_an_unreadable_item_fails_alone_and_the_batch_goes_on(catalog, request):
    names = ["ACME COLA 12OZ", "Broken row", "Rolled Oats Brightfield 1kg", "Not UTF-8"]
    canonical, ids = await _seed(catalog, names)
    await _corrupt(catalog, request, ids[1])
    sqlite = isinstance(catalog, SQLiteCatalog)
    if sqlite:  # the row: a name SQLite took and cannot give back
        await _corrupt(catalog, request, ids[3], undecodable=True)
    stats = await MatchWorker(catalog, FAST).run(drain=True)
    assert stats["catalog_errors"] == 0  # not an outage
    assert stats["failed"] == (2 if sqlite else 1)
    broken = await catalog.get_match_item_for_product(ids[1])
    assert broken.status is QueueStatus.FAILED and "bogus" in broken.last_error
    if sqlite:
        undecodable = await catalog.get_match_item_for_product(ids[3])
        assert undecodable.status is QueueStatus.FAILED and "decode" in undecodable.last_error
    cola = await catalog.get_store_product(ids[0])
    oats = await catalog.get_store_product(ids[2])
    assert cola.canonical_product_id == canonical["Acme Cola 12 oz"]
    assert oats.canonical_product_id == canonical["Brightfield Rolled Oats 1 kg"]
    counts = await catalog.queue_counts()
    assert "pending" not in counts and "processing" not in counts


class _Outage:
    """The catalog, but down: reads and pings fail."""

    def __init__(self, real) -> None:
        self._real = real

    def __getattr__(self, name: str):
        return getattr(self._real, name)

    async def get_store_products(self, product_ids):
        raise CatalogError("connection refused")

    async def ping(self) -> None:
        raise CatalogError("connection refused")


async def test_only_an_outage_pauses_the_worker_and_fails_nothing(catalog):
    _, ids = await _seed(catalog, ["ACME COLA 12OZ", "Garden hose 30 m"])
    worker, stop = MatchWorker(_Outage(catalog), FAST), asyncio.Event()
    draining = asyncio.create_task(worker.run(drain=True, stop=stop))
    # Back from the outage, the drain waits for the leases it left (see the drain tests).
    await asyncio.wait_for(worker.idle.wait(), timeout=5)
    stop.set()
    stats = await asyncio.wait_for(draining, timeout=5)
    assert stats["catalog_errors"] == 1 and stats["failed"] == stats["retried"] == 0
    for product_id in ids:  # left to their lease, no attempt spent on a failure
        item = await catalog.get_match_item_for_product(product_id)
        assert item.status is QueueStatus.PROCESSING and item.last_error is None


class _RefusesOne:
    """The catalog, but one product's search or recording fails (as a row a backend
    cannot take would), in a batch and alone; the catalog itself answers."""

    def __init__(self, real, step: str, product_id: int) -> None:
        self._real, self._step, self._product_id = real, step, product_id

    def __getattr__(self, name: str):
        return getattr(self._real, name)

    async def search_canonical_candidates_many(self, queries, limit):
        if self._step == "search" and any("poison" in repr(q).lower() for q in queries):
            raise CatalogError("SQLite: Could not decode to UTF-8 column 'name'")
        return await self._real.search_canonical_candidates_many(queries, limit)

    async def finish_matches(self, outcomes):
        if self._step == "record" and any(
            o.item.store_product_id == self._product_id for o in outcomes
        ):
            raise CatalogError("PostgreSQL: invalid byte sequence for encoding UTF8: 0x00")
        return await self._real.finish_matches(outcomes)


@pytest.mark.parametrize("step", ["search", "record"])
async def test_a_step_that_fails_for_one_item_fails_that_item_only(catalog, step):
    names = ["ACME COLA 12OZ", "Poison item", "Rolled Oats Brightfield 1kg"]
    canonical, ids = await _seed(catalog, names)
    worker = MatchWorker(_RefusesOne(catalog, step, ids[1]), FAST)
    stats = await worker.run(drain=True)
    assert stats["catalog_errors"] == 0 and stats["failed"] == 1
    poisoned = await catalog.get_match_item_for_product(ids[1])
    assert poisoned.status is QueueStatus.FAILED and "CatalogError" in poisoned.last_error
    cola = await catalog.get_store_product(ids[0])
    assert cola.canonical_product_id == canonical["Acme Cola 12 oz"]
    oats = await catalog.get_store_product(ids[2])
    assert oats.canonical_product_id == canonical["Brightfield Rolled Oats 1 kg"]


class _MergedMeanwhile:
    """The catalog, where a curator merges the canonical product the worker has just
    decided to link to into another entry for the same product, between the worker's
    decision and its record (once)."""

    def __init__(self, real, source: int, *, every_time: bool = False) -> None:
        self._real, self._source, self._every_time = real, source, every_time
        self.kept: int | None = None

    def __getattr__(self, name: str):
        return getattr(self._real, name)

    async def finish_matches(self, outcomes):
        if self.kept is not None and self._every_time:
            self._source = self.kept
            self.kept = None
        if self.kept is None and any(o.canonical_id == self._source for o in outcomes):
            gone = await self._real.get_canonical_product(self._source)
            twin = await self._real.create_canonical_product(
                gtin=None, name=gone.name, brand=gone.brand
            )
            await self._real.merge_canonical_products(self._source, twin.id)
            self.kept = twin.id
        return await self._real.finish_matches(outcomes)


async def test_a_link_target_merged_away_meanwhile_is_decided_again(catalog):
    canonical, ids = await _seed(catalog, ["ACME COLA 12OZ", "Rolled Oats Brightfield 1kg"])
    merging = _MergedMeanwhile(catalog, canonical["Acme Cola 12 oz"])
    # max_attempts=1: a blind failure would end the item as failed at once.
    options = WorkerOptions(Thresholds(), batch=4, lease_s=30, max_attempts=1, poll_s=0.05)
    stats = await asyncio.wait_for(MatchWorker(merging, options).run(drain=True), timeout=30)
    assert merging.kept is not None
    assert stats["failed"] == stats["retried"] == 0 and stats["redecided"] == 1
    product = await catalog.get_store_product(ids[0])
    assert (product.canonical_product_id, product.match_status) == (
        merging.kept,
        MatchStatus.LINKED,
    )
    item = await catalog.get_match_item_for_product(ids[0])
    assert item.status is QueueStatus.DONE and item.last_error is None
    oats = await catalog.get_store_product(ids[1])
    assert oats.canonical_product_id == canonical["Brightfield Rolled Oats 1 kg"]


async def test_a_link_target_that_keeps_going_away_waits_for_a_retry_with_its_reason(catalog):
    canonical, ids = await _seed(catalog, ["ACME COLA 12OZ"])
    merging = _MergedMeanwhile(catalog, canonical["Acme Cola 12 oz"], every_time=True)
    options = WorkerOptions(Thresholds(), batch=4, lease_s=30, max_attempts=1, poll_s=0.05)
    stats = await asyncio.wait_for(MatchWorker(merging, options).run(drain=True), timeout=30)
    assert stats["redecided"] == 1 and stats["failed"] == 1
    item = await catalog.get_match_item_for_product(ids[0])
    assert item.status is QueueStatus.FAILED
    assert "was merged or deleted while this item was decided" in item.last_error


class _RecordedAfterTheNextSearch:
    """The catalog, with a batch recorded only after the next batch's search returned: the
    worker's search ahead cannot see what the batch before makes."""

    def __init__(self, catalog) -> None:
        self._catalog = catalog
        self.searches = 0
        self._second = asyncio.Event()

    def __getattr__(self, name: str):
        return getattr(self._catalog, name)

    async def search_canonical_candidates_many(self, names, limit=10):
        try:
            return await self._catalog.search_canonical_candidates_many(names, limit)
        finally:
            self.searches += 1
            if self.searches >= 2:
                self._second.set()

    async def finish_matches(self, outcomes):
        await asyncio.wait_for(self._second.wait(), 10)
        return await self._catalog.finish_matches(outcomes)


async def test_a_batch_searched_ahead_still_links_to_a_product_the_batch_before_made(catalog):
    """Batch N+1 is searched while batch N is decided: the provisional product N makes is
    not in that search, yet N+1's item of the same product links to it (searched again)."""
    first, other = [await catalog.create_store(n) for n in ("First", "Other")]
    [new] = await catalog.sync_products(
        first.id, [SyncItem("a", None, None, "Garden hose 30 m")], known={}
    )
    [late] = await catalog.sync_products(
        other.id, [SyncItem("x", None, None, "GARDEN HOSE 30M")], known={}
    )
    slow = _RecordedAfterTheNextSearch(catalog)
    one_by_one = WorkerOptions(Thresholds(), batch=1, lease_s=30, max_attempts=2, poll_s=0.05)
    stats = await MatchWorker(slow, one_by_one).run(drain=True)
    # the second batch searched before the first's record, and again after it
    assert slow.searches == 3 and stats["searched_again"] == 1
    made = (await catalog.get_store_product(new.product_id)).canonical_product_id
    linked = await catalog.get_store_product(late.product_id)
    assert linked.canonical_product_id == made is not None
    assert linked.match_status is MatchStatus.LINKED and linked.match_confidence >= 85
    assert (await catalog.get_canonical_product(made)).product_count == 2


class _SearchHeldUntilScored:
    """The catalog, with its name search held until a product has been scored."""

    def __init__(self, catalog) -> None:
        self._catalog = catalog
        self.scored = asyncio.Event()

    def __getattr__(self, name: str):
        return getattr(self._catalog, name)

    async def search_canonical_candidates_many(self, names, limit=10):
        await asyncio.wait_for(self.scored.wait(), 10)
        return await self._catalog.search_canonical_candidates_many(names, limit)


async def test_the_rest_of_a_batch_is_scored_while_some_of_it_is_searched_again(catalog):
    """A batch searched ahead: the products a product made since would be found by are
    searched again while the others are scored (a search held until then still ends),
    and they are scored with what that search found."""
    store = await catalog.create_store("Shop")
    for name in ("Garden hose 30 m", "Rolled oats 1 kg"):
        await catalog.create_canonical_product(gtin=None, name=name, brand=None)
    synced = await catalog.sync_products(
        store.id,
        [SyncItem("a", None, None, "Garden hose 30m"), SyncItem("b", None, None, "Rolled oats")],
        known={},
    )
    found = await catalog.get_store_products([s.product_id for s in synced])
    products = [found[s.product_id] for s in synced]
    searched = await service_module.MatchService(catalog, Thresholds()).search_many(products)
    made = await catalog.create_canonical_product(
        gtin=None, name="Garden hose 30 m green", brand=None
    )
    held = _SearchHeldUntilScored(catalog)
    service = service_module.MatchService(held, Thresholds())
    order: list[str] = []
    score = service._score

    def scoring(product, *args):
        order.append(product.name)
        held.scored.set()
        return score(product, *args)

    service._score = scoring
    hose, oats = await asyncio.wait_for(
        service.decide_many(products, searched=searched, made=[made]), 20
    )
    assert order == ["Rolled oats", "Garden hose 30m"] and service.searched_again == 1
    assert made.id in {c for c, _ in hose.candidates}
    assert made.id not in {c for c, _ in oats.candidates}


async def test_a_stopped_worker_records_the_batch_it_searched_ahead(catalog):
    """Stopping while a batch is searched ahead: that batch is still decided and recorded
    (its items do not wait for their lease), and nothing more is claimed."""
    await _seed(catalog, [f"Acme Cola 12 oz pack {i}" for i in range(6)])
    stop = asyncio.Event()
    worker = MatchWorker(catalog, WorkerOptions(Thresholds(), batch=2, lease_s=30, poll_s=0.05))
    claims = 0
    claim = catalog.claim_matches

    async def counted(*args, **kwargs):
        nonlocal claims
        claims += 1
        if claims == 2:  # the batch claimed ahead: stop now
            stop.set()
        return await claim(*args, **kwargs)

    catalog.claim_matches = counted
    try:
        stats = await worker.run(stop=stop)
    finally:
        del catalog.claim_matches
    assert claims == 2
    assert sum(stats[k] for k in ("link", "suggest", "review")) == 4
    counts = await catalog.queue_counts()
    assert counts.get("processing", 0) == 0 and counts.get("pending") == 2


async def test_a_code_written_otherwise_is_found_though_the_name_search_misses_it(
    catalog, monkeypatch
):
    """`bvmcsz35` in a store's name, `BVMC-SZ35` in the catalog's: the name search ranks
    a product line of closer names first (here past its page of three), the code search
    brings the product; a prefix code's product is found too, scored lower, not linked."""
    monkeypatch.setattr(service_module, "CANDIDATES", 3)
    decoys = [f"Ink cartridge black pack {word}" for word in ("one", "two", "three", "four")]
    for name in decoys:
        await catalog.create_canonical_product(gtin=None, name=name, brand=None)
    true = await catalog.create_canonical_product(
        gtin=None, name="Canon BVMC-SZ35 Photo Cartridge", brand="Canon"
    )
    longer = await catalog.create_canonical_product(
        gtin=None, name="Canon BVMC-SZ35XL", brand="Canon"
    )
    store = await catalog.create_store("Coded")
    [coded, other] = await catalog.sync_products(
        store.id,
        [
            SyncItem("a", None, None, "bvmcsz35 ink cartridge black pack"),
            SyncItem("b", None, None, "Ink cartridge black pack KXFG99"),
        ],
        known={},
    )
    await MatchWorker(catalog, FAST).run(drain=True)
    item = await catalog.get_match_item_for_product(coded.product_id)
    assert {true.id, longer.id} <= {c for c, _ in item.candidates}
    scores = dict(item.candidates)
    assert scores[true.id] > scores[longer.id], item.candidates
    linked = await catalog.get_store_product(coded.product_id)
    assert linked.canonical_product_id != longer.id
    unknown = await catalog.get_match_item_for_product(other.product_id)
    assert true.id not in {c for c, _ in unknown.candidates}
