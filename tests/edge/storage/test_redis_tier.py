"""Redis tier specifics: TTL and item cap as settings; a dead server is a tier error, fast."""

from __future__ import annotations

import socket
import time

import pytest
import redis.asyncio as aioredis

from edge.imaging.formats import Format
from edge.storage.cache import CacheTierError, MemoryTier, TieredCache, VariantKey
from edge.storage.cache.redis import RedisTier

KEY = VariantKey("ab" * 32, 400, Format.AVIF, "1.test")


async def test_ttl_and_item_cap_apply(redis_prefix):
    url, prefix = redis_prefix
    tier = RedisTier.from_url(url, prefix=prefix, ttl_s=120, max_item_bytes=1000)
    client = aioredis.Redis.from_url(url)
    try:
        await tier.put(KEY, b"x" * 1000)
        assert 0 < await client.ttl(f"{prefix}v:{KEY.token}") <= 120
        big = VariantKey("cd" * 32, 400, Format.AVIF, "1.test")
        await tier.put(big, b"x" * 1001)
        assert await tier.get(big) is None
    finally:
        await client.aclose()
        await tier.close()


def _dead_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again: nothing listens there


async def test_dead_redis_raises_tier_error_quickly():
    tier = RedisTier.from_url(
        f"redis://127.0.0.1:{_dead_port()}/0", prefix="x:", ttl_s=60, max_item_bytes=10
    )
    started = time.monotonic()
    with pytest.raises(CacheTierError):
        await tier.get(KEY)
    assert time.monotonic() - started < 2
    await tier.close()


async def test_tiered_cache_rests_a_dead_tier_then_retries():
    now = [0.0]
    tier = RedisTier.from_url(
        f"redis://127.0.0.1:{_dead_port()}/0", prefix="x:", ttl_s=60, max_item_bytes=10
    )
    cache = TieredCache(MemoryTier(1000), tier, retry_after_s=5, clock=lambda: now[0])
    assert await cache.get(KEY) is None  # the shared get fails: reads and writes rest
    assert not cache.shared_up and cache.stats["shared_error"] == 1
    await cache.put(KEY, b"bytes")  # resting: memory only
    assert await cache.get(KEY) == b"bytes"
    other = VariantKey("ef" * 32, 400, Format.AVIF, "1.test")
    assert await cache.get(other) is None  # resting: not even tried
    assert cache.stats["shared_skipped"] == 2 and cache.stats["shared_error"] == 1
    now[0] = 6.0
    assert await cache.get(other) is None  # tried again after the rest
    assert cache.stats["shared_error"] == 2
    await cache.close()
