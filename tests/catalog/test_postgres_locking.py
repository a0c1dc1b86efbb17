"""PostgreSQL lock order: every path that links products locks the canonical rows first
(`FOR NO KEY UPDATE`, by id), so concurrent linkers queue instead of deadlocking.

Each test opens one catalog whose pool fits every concurrent transaction and checks that
all of them succeed on the first attempt: `conflict_retries` stays 0 (a bounded retry of
deadlocks exists, but must not be what makes these pass).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from catalog.models import MatchOutcome, MatchStatus, NewImage, QueueStatus, SyncItem
from catalog.postgres import PostgresCatalog
from catalog.sql import images

GTIN = "00012345678905"
CONCURRENCY = 20


@pytest.fixture
async def pg(postgres_url: str) -> AsyncIterator[PostgresCatalog]:
    catalog = await PostgresCatalog.open(postgres_url, max_size=CONCURRENCY + 2)
    try:
        yield catalog
    finally:
        await catalog.close()


async def test_twenty_stores_syncing_one_new_gtin_all_succeed_first_time(pg):
    stores = [await pg.create_store(f"S{n}") for n in range(CONCURRENCY)]
    results = await asyncio.gather(
        *(pg.sync_products(s.id, [SyncItem("a", None, GTIN, "Cola 12 oz")], {}) for s in stores),
        return_exceptions=True,
    )
    errors = [r for r in results if isinstance(r, BaseException)]
    assert errors == []
    assert pg.conflict_retries == 0
    canonical = await pg.get_canonical_product_by_gtin(GTIN)
    assert canonical is not None and canonical.product_count == CONCURRENCY
    assert {r[0].canonical_product_id for r in results if isinstance(r, list)} == {canonical.id}


async def test_workers_and_curators_linking_to_one_canonical_product_all_succeed(pg):
    target = await pg.create_canonical_product(gtin=None, name="Cola", brand=None)
    # Half the products come through the queue (one worker each), half by a curator
    # (linked directly, or confirmed from the review queue).
    stores = [await pg.create_store(f"S{n}") for n in range(CONCURRENCY)]
    synced = [
        (await pg.sync_products(s.id, [SyncItem("a", None, None, "Cola")], {}))[0] for s in stores
    ]
    items = [item for _ in range(CONCURRENCY // 2) for item in await pg.claim_matches(1, 60)]
    queued = {item.store_product_id for item in items}
    by_hand = [r.product_id for r in synced if r.product_id not in queued]
    confirmed = [await pg.get_match_item_for_product(pid) for pid in by_hand[:5]]
    results = await asyncio.gather(
        *(
            pg.finish_matches([MatchOutcome(item, QueueStatus.DONE, target.id, 90.0)])
            for item in items
        ),
        *(pg.link_store_product(pid, target.id, MatchStatus.LINKED, 100.0) for pid in by_hand[5:]),
        *(  # a curator confirming from the review queue
            pg.decide_match(item, canonical_id=target.id, product_status=MatchStatus.LINKED)
            for item in confirmed
            if item is not None
        ),
        return_exceptions=True,
    )
    assert [r for r in results if isinstance(r, BaseException)] == []
    assert pg.conflict_retries == 0
    linked = await pg.get_canonical_product(target.id)
    assert linked is not None and linked.product_count == CONCURRENCY


async def test_syncs_relinking_while_a_curator_merges_all_succeed(pg):
    """Merge takes `FOR UPDATE` (it deletes the source): syncs moving products onto the
    source meanwhile wait for it instead of deadlocking with it."""
    source = await pg.create_canonical_product(gtin=None, name="Cola", brand=None)
    target = await pg.create_canonical_product(gtin=None, name="Cola can", brand=None)
    stores = [await pg.create_store(f"S{n}") for n in range(CONCURRENCY)]
    products = [
        (await pg.sync_products(s.id, [SyncItem("a", None, None, "Cola")], {}))[0].product_id
        for s in stores
    ]
    results = await asyncio.gather(
        *(pg.link_store_product(p, source.id, MatchStatus.LINKED, 100.0) for p in products[:10]),
        pg.merge_canonical_products(source.id, target.id),
        *(pg.link_store_product(p, target.id, MatchStatus.LINKED, 100.0) for p in products[10:]),
        return_exceptions=True,
    )
    errors = [r for r in results if isinstance(r, BaseException)]
    # A link to the source that queued behind the merge finds it gone: a clear NotFound
    # (or conflict), never a deadlock.
    assert all(type(e).__name__ in {"NotFoundError", "ConflictError"} for e in errors), errors
    assert pg.conflict_retries == 0


async def test_an_image_deleted_while_a_curator_merges_its_product_succeeds_first_time(pg):
    """Deleting a canonical image locks its canonical row first, like a merge does: the
    merge waits for it instead of both waiting on each other (the image row, then the
    canonical row's image count, against the canonical row, then its images)."""
    source = await pg.create_canonical_product(gtin=None, name="a", brand=None)
    target = await pg.create_canonical_product(gtin=None, name="b", brand=None)
    image = await pg.add_image(
        NewImage("ab" * 32, 10, 10, False, 100, "image/jpeg", canonical_product_id=source.id)
    )
    merging: list[asyncio.Task[Any]] = []

    class MergeAfterDelete:
        def __init__(self, session: Any) -> None:
            self._s = session

        def __getattr__(self, name: str) -> Any:
            return getattr(self._s, name)

        async def run(self, query: str, /, **params: Any) -> None:
            await self._s.run(query, **params)
            if query == "delete_image":  # the merge starts, and blocks, right here
                merge = pg.merge_canonical_products(source.id, target.id)
                merging.append(asyncio.ensure_future(merge))
                await asyncio.sleep(0.3)

    async with pg.connector.transaction() as s:
        await images.delete(MergeAfterDelete(s), image.id)
    await asyncio.wait_for(merging[0], 10)
    assert pg.conflict_retries == 0
