"""Redis killed, restarted empty, and hung, under real `imgedge serve` processes (a private
`redis-server` the test owns): variants in memory keep serving, misses are rendered
without waiting on Redis, no answer is ever another variant's bytes, and the Redis tier
comes back by itself within seconds."""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections import Counter, defaultdict
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import redis.asyncio as aioredis
import redis.exceptions

from config import Settings
from loadtests.private_edge import EdgeProcess, edge_env, running
from loadtests.private_redis import PrivateRedis

SIZES = ("thumbnail", "small", "medium")
PROBES = ("large", "original", "thumbnail@2x", "small@2x")
FORMATS = ("webp", "jpg", "png", "avif")


@pytest.fixture
def settings(tmp_path: Path, private_redis: PrivateRedis) -> Settings:
    return Settings().replace(
        database_url=f"sqlite:///{tmp_path}/catalog.db",
        cache_url=private_redis.url,
        originals_url=f"file://{tmp_path}/originals",
        render_workers=2,
    )


@pytest.fixture
async def edges(settings: Settings, build, tmp_path: Path) -> AsyncIterator[tuple]:
    """Two edge processes on one catalog and one Redis: `a` with a memory tier, `b` without
    one (every hit it serves comes from Redis); and two products."""
    products = [(await build.product()).id for _ in range(2)]
    common = {
        "database_url": settings.database_url,
        "cache_url": settings.cache.url,
        "originals_url": settings.originals_url,
        "cache_retry_s": "0.5",
        "render_workers": "2",
    }
    a = EdgeProcess(edge_env(**common), tmp_path / "a.log")
    b = EdgeProcess(edge_env(**common, memory_cache_mb="0"), tmp_path / "b.log")
    async with httpx.AsyncClient(timeout=10) as http, running([a, b], http):
        yield a, b, http, products


class Seen:
    """Every answer by URL: statuses, slowest, and the distinct bodies of the 200s."""

    def __init__(self) -> None:
        self.statuses: Counter[int] = Counter()
        self.bodies: dict[str, set[str]] = defaultdict(set)
        self.slowest = 0.0

    async def get(self, http: httpx.AsyncClient, url: str) -> httpx.Response:
        started = time.monotonic()
        r = await http.get(url)
        self.slowest = max(self.slowest, time.monotonic() - started)
        self.statuses[r.status_code] += 1
        if r.status_code == 200:
            self.bodies[url.split("/img/", 1)[1]].add(hashlib.sha256(r.content).hexdigest())
        return r

    def assert_one_body_per_variant(self) -> None:
        mixed = {url: len(bodies) for url, bodies in self.bodies.items() if len(bodies) > 1}
        assert not mixed, f"variants answered with different bytes: {mixed}"


async def _metrics(http: httpx.AsyncClient, edge: EdgeProcess) -> str:
    return (await http.get(f"{edge.url}/metrics")).text


def _renders(metrics: str) -> float:
    line = next(x for x in metrics.splitlines() if x.startswith("imgedge_renders_total "))
    return float(line.split()[1])


async def _shared_up(http: httpx.AsyncClient, edge: EdgeProcess) -> bool:
    return 'imgedge_shared_cache_up{tier="redis"} 1.0' in await _metrics(http, edge)


async def test_redis_killed_and_restarted_empty_never_fails_a_request(edges, private_redis):
    a, b, http, (hot, cold) = edges
    seen = Seen()
    for edge in (a, b):
        assert (await seen.get(http, f"{edge.url}/img/{hot}/small.webp")).status_code == 200

    stop = asyncio.Event()

    async def client(edge: EdgeProcess, n: int) -> None:
        i = n
        while not stop.is_set():
            i += 1
            await seen.get(http, f"{edge.url}/img/{hot}/small.webp")  # cached
            size, fmt = SIZES[i % len(SIZES)], FORMATS[(i // len(SIZES)) % len(FORMATS)]
            await seen.get(http, f"{edge.url}/img/{cold}/{size}.{fmt}")  # often a miss

    clients = [asyncio.create_task(client(e, n)) for e in (a, b) for n in range(2)]
    try:
        await asyncio.sleep(0.5)
        await asyncio.to_thread(private_redis.kill)
        await asyncio.sleep(1.5)
        # `a` may hold every variant its clients ask for in memory by now, never asking
        # Redis: a variant nobody asked for yet makes it notice.
        assert (await seen.get(http, f"{a.url}/img/{cold}/large.webp")).status_code == 200
        assert not await _shared_up(http, a)
        await asyncio.to_thread(private_redis.start)  # a new, empty server on the same port
        restarted = time.monotonic()
        probes = iter(f"/img/{hot}/{size}.{fmt}" for size in PROBES for fmt in FORMATS)
        # Memory hits never touch Redis: a miss (a variant not asked before) finds it back.
        while not (await _shared_up(http, a) and await _shared_up(http, b)):
            assert time.monotonic() - restarted < 5, "the Redis tier did not come back"
            await seen.get(http, a.url + next(probes))
            await asyncio.sleep(0.1)
        recovered_s = time.monotonic() - restarted
    finally:
        stop.set()
        await asyncio.gather(*clients)

    assert set(seen.statuses) == {200}, seen.statuses  # Redis is a cache: nothing fails
    assert seen.slowest < 3.0  # no request waits on a dead server (timeouts are 0.25 s)
    seen.assert_one_body_per_variant()
    assert recovered_s < 3.0  # IMGEDGE_CACHE_RETRY_S is 0.5
    # The new server is filled again: `b` (no memory tier) now serves `a`'s renders.
    client_ = aioredis.Redis.from_url(private_redis.url)
    try:
        assert await client_.keys("imgedge:v:*")
    finally:
        await client_.aclose()
    assert (await seen.get(http, f"{b.url}/img/{hot}/large.webp")).status_code == 200
    assert (await seen.get(http, f"{b.url}/img/{cold}/small.webp")).status_code == 200
    seen.assert_one_body_per_variant()


async def test_a_hung_redis_costs_a_timeout_then_is_skipped_and_no_reply_goes_astray(
    edges, private_redis
):
    a, b, http, (hot, cold) = edges
    seen = Seen()
    urls = [f"/img/{p}/{size}.{fmt}" for p in (hot, cold) for size in SIZES for fmt in FORMATS]
    for url in urls:  # all of them in Redis, through `a`
        assert (await seen.get(http, a.url + url)).status_code == 200

    await asyncio.to_thread(private_redis.freeze)
    try:
        # `b` has no memory tier: its first requests wait for the socket timeout and then
        # render; once the tier is marked down, requests skip it.
        answers = await asyncio.gather(*(seen.get(http, b.url + url) for url in urls[:8]))
        assert {r.status_code for r in answers} == {200}
        assert seen.slowest < 3.0
        assert not await _shared_up(http, b)
    finally:
        await asyncio.to_thread(private_redis.thaw)
    # Replies to the commands that timed out arrive now, on connections redis-py must
    # have dropped: a reused one would hand those bytes to the next GET.
    thawed = time.monotonic()
    for _ in range(3):
        for url in urls:
            assert (await seen.get(http, b.url + url)).status_code == 200
    while not await _shared_up(http, b):
        assert time.monotonic() - thawed < 5, "the Redis tier did not come back"
        await seen.get(http, f"{b.url}/img/{cold}/large.webp")  # b has no memory tier
        await asyncio.sleep(0.1)
    seen.assert_one_body_per_variant()
    assert set(seen.statuses) == {200}, seen.statuses


async def test_a_full_redis_refusing_writes_still_serves_what_it_holds(edges, private_redis):
    """Redis at `maxmemory` with the default `noeviction` policy answers every write with
    an OOM error and every read as usual: what it holds must keep being served from it,
    not rendered again because a write failed."""
    a, b, http, (hot, cold) = edges
    held = [f"/img/{hot}/{size}.webp" for size in SIZES]
    for url in held:  # in Redis, through `a`
        assert (await http.get(a.url + url)).status_code == 200
    client = aioredis.Redis.from_url(private_redis.url)
    try:
        # `a` writes a variant to Redis just after answering: wait for all three writes
        # before Redis fills up, or the last one may be the write it refuses.
        deadline = time.monotonic() + 10
        while len([k async for k in client.scan_iter(match="*v:*")]) < len(held):
            assert time.monotonic() < deadline, "the variants never reached Redis"
            await asyncio.sleep(0.05)
        used = int((await client.info("memory"))["used_memory"])
        await client.config_set("maxmemory", used + 64 * 1024)
        await client.config_set("maxmemory-policy", "noeviction")
        with pytest.raises(redis.exceptions.RedisError, match="maxmemory"):
            await client.set("imgedge-test:junk", b"\0" * 256 * 1024)
    finally:
        await client.aclose()

    renders = _renders(await _metrics(http, b))
    for size in SIZES:  # misses on `b`: rendered, served, their writes refused
        r = await http.get(f"{b.url}/img/{cold}/{size}.jpg")
        assert r.status_code == 200
    assert _renders(await _metrics(http, b)) == renders + len(SIZES)
    for url in held:  # `b` has no memory tier: these come from Redis, without a render
        assert (await http.get(b.url + url)).status_code == 200
    assert _renders(await _metrics(http, b)) == renders + len(SIZES)
