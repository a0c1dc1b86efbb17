"""The dashboard's figures: a store gets its own, the curator the marketplace's from a
short cache that one caller at a time fills, failures remembered as long; over a scripted
catalog and clocks the tests move."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from catalog.errors import CatalogError, CatalogUnavailable
from catalog.models import CatalogStats, QueueFigures, Store
from edge.application.actors import CURATOR, Actor
from edge.application.stats import Stats

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)


def _stats(products: int, oldest: datetime | None = None) -> CatalogStats:
    return CatalogStats(
        products=products, sharing=products // 2, custom_image=0, without_image=0,
        by_barcode=products, by_name=0, provisional=0, suggested=0, review=0, unmatched=0,
        rejected=0, per_store_bytes=100, stored_bytes=40,
        review_queue=QueueFigures(1 if oldest else 0, oldest),
        matcher_queue=QueueFigures(0, None),
    )  # fmt: skip


class ScriptedCatalog:
    def __init__(self) -> None:
        self.products = 10
        self.asked: list[int | None] = []
        self.down: CatalogError | None = None
        self.gate: asyncio.Event | None = None

    async def catalog_stats(self, store_id: int | None = None) -> CatalogStats:
        self.asked.append(store_id)
        if self.gate is not None:
            await self.gate.wait()
        if self.down is not None:
            raise self.down
        return _stats(self.products if store_id is None else 3, NOW - timedelta(minutes=5))


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def catalog() -> ScriptedCatalog:
    return ScriptedCatalog()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def stats(catalog: ScriptedCatalog, clock: Clock) -> Stats:
    return Stats(catalog, cache_s=10, clock=clock, now=lambda: NOW)


async def test_the_marketplace_figures_are_kept_for_the_cache_time(stats, catalog, clock):
    first = await stats.figures(CURATOR)
    assert (first.store_id, first.stats.products, first.computed_at) == (None, 10, NOW)
    assert first.age_s(first.stats.review_queue) == 300.0
    assert first.age_s(first.stats.matcher_queue) is None
    catalog.products = 11
    clock.t += 9.9
    assert (await stats.marketplace()).stats.products == 10
    clock.t += 0.1
    assert (await stats.figures(CURATOR)).stats.products == 11
    assert catalog.asked == [None, None] and stats.computed == 2


async def test_a_store_gets_its_own_figures_fresh(stats, catalog):
    store = Actor(Store(7, "Corner"))
    figures = await stats.figures(store)
    assert (figures.store_id, figures.stats.products) == (7, 3)
    await stats.figures(store)
    assert catalog.asked == [7, 7]  # not from the marketplace's cache


async def test_a_scrape_storm_computes_once(stats, catalog):
    catalog.gate = asyncio.Event()
    waiting = [asyncio.create_task(stats.marketplace()) for _ in range(20)]
    await asyncio.sleep(0)
    catalog.gate.set()
    answers = await asyncio.gather(*waiting)
    assert {a.stats.products for a in answers} == {10}
    assert catalog.asked == [None]


async def test_a_failure_is_remembered_for_the_cache_time(stats, catalog, clock):
    catalog.down = CatalogUnavailable("connection refused")
    with pytest.raises(CatalogUnavailable, match="connection refused"):
        await stats.marketplace()
    assert await stats.marketplace_or_none() is None
    assert catalog.asked == [None]  # the second caller was not sent to the database
    catalog.down = None
    clock.t += 10
    figures = await stats.marketplace_or_none()
    assert figures is not None and figures.stats.products == 10
