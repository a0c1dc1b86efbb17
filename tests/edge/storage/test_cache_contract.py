"""One contract suite for every `VariantTier`: memory, disk, Redis, memory in front of disk.

Each implementation is an async factory `(request, bound) -> TierCase`; a new tier is one
more entry in `FACTORIES`. `bound` is the tier's size bound in bytes; a tier
that cannot be bounded per test reports `capacity=None` and the eviction case skips it.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from edge.imaging.formats import Format
from edge.storage.cache import DiskTier, MemoryTier, TieredCache, VariantKey, VariantTier
from edge.storage.cache.redis import RedisTier

ITEM = 100  # bytes per value in the eviction cases
BOUND = 4 * ITEM  # every tier holds four items


@dataclass
class TierCase:
    tier: VariantTier
    max_item: int  # the largest value the tier stores
    capacity: int | None  # bytes the tier may hold in all, None if not bounded per test


TierFactory = Callable[[pytest.FixtureRequest, int], Awaitable[TierCase]]


def _tmp(request: pytest.FixtureRequest) -> Path:
    return request.getfixturevalue("tmp_path")


async def _memory(request: pytest.FixtureRequest, bound: int) -> TierCase:
    return TierCase(MemoryTier(bound), max_item=bound, capacity=bound)


async def _disk(request: pytest.FixtureRequest, bound: int) -> TierCase:
    tier = await DiskTier.open(_tmp(request) / "disk", bound)
    return TierCase(tier, max_item=bound, capacity=bound)


async def _redis(request: pytest.FixtureRequest, bound: int) -> TierCase:
    # Redis bounds memory server-wide (maxmemory + an LRU policy), not per test.
    url, prefix = request.getfixturevalue("redis_prefix")
    tier = RedisTier.from_url(url, prefix=prefix, ttl_s=60, max_item_bytes=bound)
    return TierCase(tier, max_item=bound, capacity=None)


async def _tiered(request: pytest.FixtureRequest, bound: int) -> TierCase:
    disk = await DiskTier.open(_tmp(request) / "disk", bound)
    # Memory and disk each hold `bound`; a key may live in both, so the whole holds 2×.
    return TierCase(TieredCache(MemoryTier(bound), disk), max_item=bound, capacity=2 * bound)


FACTORIES: dict[str, TierFactory] = {
    "memory": _memory,
    "disk": _disk,
    "redis": _redis,
    "tiered-memory-disk": _tiered,
}


@pytest.fixture(params=list(FACTORIES))
async def case(request: pytest.FixtureRequest) -> AsyncIterator[TierCase]:
    made = await FACTORIES[request.param](request, BOUND)
    try:
        yield made
    finally:
        await made.tier.close()


def key(
    n: int = 0, *, width: int = 400, fmt: Format = Format.WEBP, pipeline: str = "1"
) -> VariantKey:
    return VariantKey(hashlib.sha256(str(n).encode()).hexdigest(), width, fmt, pipeline)


def value(n: int, size: int = ITEM) -> bytes:
    return (f"v{n}:".encode() * size)[:size]


async def test_get_missing_is_none(case: TierCase) -> None:
    assert await case.tier.get(key(1)) is None


async def test_put_then_get_returns_same_bytes(case: TierCase) -> None:
    await case.tier.put(key(1), b"\x00\xffimage bytes")
    assert await case.tier.get(key(1)) == b"\x00\xffimage bytes"


async def test_overwrite_replaces(case: TierCase) -> None:
    await case.tier.put(key(1), b"first")
    await case.tier.put(key(1), b"second, longer")
    assert await case.tier.get(key(1)) == b"second, longer"


async def test_delete_removes(case: TierCase) -> None:
    await case.tier.put(key(1), b"bytes")
    await case.tier.put(key(2), b"other")
    await case.tier.delete(key(1))
    assert await case.tier.get(key(1)) is None
    assert await case.tier.get(key(2)) == b"other"


async def test_delete_missing_is_fine(case: TierCase) -> None:
    await case.tier.delete(key(1))
    assert await case.tier.get(key(1)) is None


async def test_distinct_keys_do_not_collide(case: TierCase) -> None:
    keys = [
        key(1),
        key(2),  # another content hash
        key(1, width=800),
        key(1, fmt=Format.AVIF),
        key(1, fmt=Format.JPEG),
        key(1, pipeline="2"),
        key(1, pipeline="1.webp"),  # the pipeline may not pass for the format
    ]
    for i, k in enumerate(keys):
        await case.tier.put(k, f"value {i}".encode())
    for i, k in enumerate(keys):
        assert await case.tier.get(k) == f"value {i}".encode(), k


async def test_value_larger_than_bound_is_not_stored(case: TierCase) -> None:
    await case.tier.put(key(3), b"small")
    await case.tier.put(key(1), b"x" * (case.max_item + 1))  # must not raise
    assert await case.tier.get(key(1)) is None
    assert await case.tier.get(key(3)) == b"small"  # and it pushed nothing out
    await case.tier.put(key(2), b"y" * case.max_item)  # exactly the bound still fits
    assert await case.tier.get(key(2)) == b"y" * case.max_item


async def test_bound_respected_with_lru_eviction(case: TierCase) -> None:
    if case.capacity is None:
        pytest.skip("tier is not bounded per test")
    hot = key(0)
    await case.tier.put(hot, value(0))
    for n in range(1, 13):
        await case.tier.put(key(n), value(n))
        assert await case.tier.get(hot) == value(0), f"hot key lost after put {n}"
    # Key 1 was never read and is now the oldest: it is gone, the hot key is not.
    assert await case.tier.get(key(1)) is None
    assert await case.tier.get(hot) == value(0)
    held = [n for n in range(13) if await case.tier.get(key(n)) is not None]
    assert len(held) * ITEM <= case.capacity, held
    assert 12 in held  # the newest entry was kept


def test_variant_key_accepts_a_well_formed_key() -> None:
    k = VariantKey("0123456789abcdef" * 4, 1, Format.PNG, "1.2")
    assert k.token == f"{'0123456789abcdef' * 4}-w1-p1.2.png"


@pytest.mark.parametrize(
    "content_hash",
    [
        "",
        "a" * 63,
        "a" * 65,
        "A" * 64,
        "g" * 64,
        "../" + "a" * 61,
        "a" * 64 + "\n",
        "a" * 64 + "/x",
    ],
)
def test_variant_key_refuses_bad_hashes(content_hash: str) -> None:
    with pytest.raises(ValueError):
        VariantKey(content_hash, 400, Format.WEBP, "1")


@pytest.mark.parametrize("pipeline", ["", "../x", "a/b", "..\\x", "1\n", "V1", "a" * 33])
def test_variant_key_refuses_bad_pipelines(pipeline: str) -> None:
    with pytest.raises(ValueError):
        VariantKey("a" * 64, 400, Format.WEBP, pipeline)


@pytest.mark.parametrize("width", [0, -1, -400, 1_000_000])
def test_variant_key_refuses_bad_widths(width: int) -> None:
    with pytest.raises(ValueError):
        VariantKey("a" * 64, width, Format.WEBP, "1")
