"""One of two `imgedge serve` processes killed (SIGKILL) under load, behind a client that
retries the other: no client sees an error, the dead process refuses at once (nothing
hangs), the survivor serves what either process put in the shared disk cache, and the
restarted process serves again by itself, leaving no debris that breaks it."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from config import Settings
from loadtests.private_edge import EdgeProcess, FailoverClient, edge_env, running

SIZES = ("thumbnail", "small", "medium", "large")
FORMATS = ("webp", "jpg", "avif")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings().replace(
        database_url=f"sqlite:///{tmp_path}/catalog.db",
        cache_url=f"file://{tmp_path}/cache",  # one directory, shared by both processes
        originals_url=f"file://{tmp_path}/originals",
        render_workers=2,
    )


@pytest.fixture
async def edges(settings: Settings, build, tmp_path: Path) -> AsyncIterator[tuple]:
    products = [(await build.product()).id for _ in range(2)]
    env = edge_env(
        database_url=settings.database_url,
        cache_url=settings.cache.url,
        originals_url=settings.originals_url,
        render_workers="2",
    )
    a, b = (EdgeProcess(env, tmp_path / f"{name}.log") for name in "ab")
    async with httpx.AsyncClient(timeout=10) as http, running([a, b], http):
        yield a, b, http, products


async def test_a_killed_edge_costs_clients_nothing_and_comes_back(edges, build, services):
    a, b, http, (hot, cold) = edges
    client = FailoverClient(http, [a, b])
    key = await build.store_key("Corner")
    batches: list[tuple[int, list[str]]] = []
    for _ in range(2):
        assert (await client.get(f"/img/{hot}/small.webp")).status_code == 200
    statuses: Counter[int] = Counter()
    stop = asyncio.Event()

    async def loop(n: int) -> None:
        i = n
        while not stop.is_set():
            i += 1
            statuses[(await client.get(f"/img/{hot}/small.webp")).status_code] += 1
            size, fmt = SIZES[i % len(SIZES)], FORMATS[(i // len(SIZES)) % len(FORMATS)]
            statuses[(await client.get(f"/img/{cold}/{size}.{fmt}")).status_code] += 1

    async def sync(n: int) -> None:
        i = 0
        while not stop.is_set():
            i += 1
            ids = [f"{n}-{i}-{k}" for k in range(5)]
            r = await client.request(
                "POST",
                "/api/sync/products",
                json={"products": [{"external_id": x, "name": f"Cola {x}"} for x in ids]},
                headers={"authorization": f"Bearer {key}"},
            )
            batches.append((r.status_code, ids))

    loops = [asyncio.create_task(loop(n)) for n in range(4)]
    loops += [asyncio.create_task(sync(n)) for n in range(2)]
    try:
        await asyncio.sleep(0.5)
        a.kill()  # renders and answers in flight are cut
        started = time.monotonic()
        with pytest.raises(httpx.ConnectError):
            await http.get(f"{a.url}/healthz")
        assert time.monotonic() - started < 1.0  # refused at once: retrying is cheap
        await asyncio.sleep(1.0)
        # The survivor serves from the shared disk cache what the dead one rendered.
        assert (await http.get(f"{b.url}/img/{cold}/thumbnail.webp")).status_code == 200

        a.start()  # same port, same cache directory (with whatever the kill left in it)
        restarted = time.monotonic()
        await a.wait_ready(http)
        assert time.monotonic() - restarted < 10
        answered = await http.get(f"{a.url}/img/{hot}/small.webp")
        assert answered.status_code == 200
        await asyncio.sleep(0.5)  # clients use both again
    finally:
        stop.set()
        await asyncio.gather(*loops)
    assert set(statuses) == {200}, statuses
    assert client.failovers > 0  # the kill was seen, and absorbed by retrying `b`
    # Sync batches: every one answered 200 (one cut by the kill was sent again to `b`,
    # which is safe: the sync is idempotent) and is stored whole.
    assert {status for status, _ in batches} == {200}
    store = await services.catalog.get_store_by_name("Corner")
    ids = await services.catalog.list_store_product_ids(store.id, 100_000)
    stored = [p.external_id for p in (await services.catalog.get_store_products(ids)).values()]
    assert len(stored) == len(set(stored))  # re-sent batches made no duplicates
    assert {x for _, batch in batches for x in batch} == set(stored)
