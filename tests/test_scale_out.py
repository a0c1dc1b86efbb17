"""Real processes: two `imgedge serve` sharing one PostgreSQL catalog and one Redis.

- a change made through one edge is served by the other within a second (LISTEN/NOTIFY);
- both keep serving while Redis is down, and the Redis tier comes back by itself.
The test runs its own `redis-server` (`loadtests/private_redis.py`) so it can stop
it safely.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import redis.asyncio as aioredis

from catalog.models import MatchStatus
from catalog.postgres import PostgresCatalog
from edge.demo.photos import PhotoSpec, photo
from edge.imaging.ingest import ingest_original
from edge.imaging.options import Limits
from edge.storage.originals import LocalOriginals
from loadtests.private_edge import EdgeProcess, edge_env, running

TOKEN = "scale-out-curator-token"


async def _seed(database_url: str, originals_root: Path) -> tuple[int, int]:
    """A product whose canonical product has two images; returns (product, second image)."""
    catalog = await PostgresCatalog.open(database_url)
    originals = LocalOriginals(originals_root)
    limits = Limits(max_pixels=10**8, max_bytes=10**8)
    try:
        store = await catalog.create_store("Scale Store")
        canonical = await catalog.create_canonical_product(gtin=None, name="Thing", brand=None)
        product = await catalog.upsert_store_product(
            store_id=store.id, external_id="1", upc=None, gtin=None, name="Thing"
        )
        await catalog.link_store_product(product.id, canonical.id, MatchStatus.LINKED, 100.0)
        images = []
        for colour in ((220, 0, 0), (0, 0, 220)):
            new = await ingest_original(
                originals, photo(PhotoSpec(900, 900, colour, "box")), limits,
                canonical_product_id=canonical.id,
            )  # fmt: skip
            images.append(await catalog.add_image(new))
        return product.id, images[1].id
    finally:
        await catalog.close()


@pytest.fixture
async def edges(postgres_url, private_redis, tmp_path) -> AsyncIterator[tuple]:
    product_id, second_image = await _seed(postgres_url, tmp_path / "originals")
    env = edge_env(
        database_url=postgres_url,
        cache_url=private_redis.url,
        originals_url=f"file://{tmp_path / 'originals'}",
        admin_token=TOKEN,
        resolution_ttl_s="600",  # only invalidation can explain a fast change
        cache_retry_s="0.5",
    )
    started = [EdgeProcess(env, tmp_path / f"edge{i}.log") for i in range(2)]
    async with httpx.AsyncClient(timeout=10) as http, running(started, http):
        yield started, http, product_id, second_image


async def test_change_through_one_edge_is_served_by_the_other_within_a_second(edges):
    (a, b), http, product, second_image = edges
    url = f"/img/{product}/small.jpg"
    before = {e.url: (await http.get(e.url + url)).headers["etag"] for e in (a, b)}
    assert len(set(before.values())) == 1

    r = await http.patch(
        f"{a.url}/api/products/{product}/images",
        json={"action": "set_primary", "imageId": second_image},
        headers={"authorization": f"Bearer {TOKEN}"},
    )
    assert r.status_code == 200, r.text
    changed_at = time.monotonic()
    assert (await http.get(a.url + url)).headers["etag"] != before[a.url]
    while True:
        etag = (await http.get(b.url + url)).headers["etag"]
        if etag != before[b.url]:
            break
        assert time.monotonic() - changed_at < 1.0, "edge B still serves the old image after 1 s"
        await asyncio.sleep(0.02)
    assert time.monotonic() - changed_at < 1.0


async def test_edges_keep_serving_through_a_redis_outage(edges, private_redis):
    (a, b), http, product, _ = edges
    for edge in (a, b):
        assert (await http.get(f"{edge.url}/img/{product}/thumbnail.webp")).status_code == 200

    private_redis.stop()
    for size in ("thumbnail.webp", "medium.webp", "large.jpg"):  # hits and fresh renders
        for edge in (a, b):
            r = await http.get(f"{edge.url}/img/{product}/{size}")
            assert r.status_code == 200, (edge.url, size, r.text)
    metrics = (await http.get(f"{a.url}/metrics")).text
    assert 'imgedge_shared_cache_up{tier="redis"} 0.0' in metrics

    private_redis.start()
    await asyncio.sleep(0.7)  # past IMGEDGE_CACHE_RETRY_S
    client = aioredis.Redis(port=private_redis.port)
    try:
        for _ in range(50):  # the tier comes back by itself on a later request
            await http.get(f"{a.url}/img/{product}/small.avif")
            if await client.keys("imgedge:v:*"):
                break
            await asyncio.sleep(0.1)
        assert await client.keys("imgedge:v:*"), "the Redis tier never came back"
    finally:
        await client.aclose()
    metrics = (await http.get(f"{a.url}/metrics")).text
    assert 'imgedge_shared_cache_up{tier="redis"} 1.0' in metrics
