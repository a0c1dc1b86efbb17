"""TieredCache's resting rule: reads and writes of the shared tier rest apart."""

from __future__ import annotations

import asyncio

from edge.imaging.formats import Format
from edge.storage.cache import CacheTierError, MemoryTier, TieredCache, VariantKey

HELD = VariantKey("ab" * 32, 400, Format.WEBP, "1.test")
NEW = VariantKey("cd" * 32, 400, Format.WEBP, "1.test")


class RefusesWrites:
    """A shared tier that reads but refuses writes (Redis at maxmemory, a full disk)."""

    name = "fake"

    def __init__(self) -> None:
        self.items = {HELD: b"held"}
        self.refusing = True
        self.writes_tried = 0

    async def get(self, key: VariantKey) -> bytes | None:
        return self.items.get(key)

    async def put(self, key: VariantKey, data: bytes) -> None:
        self.writes_tried += 1
        if self.refusing:
            raise CacheTierError("full")
        self.items[key] = data

    async def delete(self, key: VariantKey) -> None:
        self.items.pop(key, None)

    async def close(self) -> None:
        return None


async def test_a_tier_refusing_writes_still_serves_what_it_holds() -> None:
    now = [0.0]
    shared = RefusesWrites()
    cache = TieredCache(MemoryTier(0), shared, retry_after_s=5, clock=lambda: now[0])
    await cache.put(NEW, b"new")
    assert not cache.shared_up and cache.stats["shared_error"] == 1
    assert await cache.get(HELD) == b"held"  # reads go on
    await cache.put(NEW, b"new")  # writes rest: not tried
    assert shared.writes_tried == 1
    shared.refusing = False
    now[0] = 6.0
    await cache.put(NEW, b"new")  # tried again after the rest, and back
    assert cache.shared_up and shared.items[NEW] == b"new"


class SlowWrites(RefusesWrites):
    """A shared tier whose writes finish only when the test lets them."""

    def __init__(self) -> None:
        super().__init__()
        self.refusing = False
        self.release = asyncio.Event()

    async def put(self, key: VariantKey, data: bytes) -> None:
        await self.release.wait()
        await super().put(key, data)


async def test_put_behind_answers_before_the_shared_write_and_bounds_pending_writes() -> None:
    shared = SlowWrites()
    cache = TieredCache(MemoryTier(1 << 20), shared, max_pending_writes=2)
    keys = [VariantKey(f"{n:02x}" * 32, 400, Format.WEBP, "1.test") for n in range(3)]
    for key in keys:
        cache.put_behind(key, b"bytes")  # returns at once: no await
    assert all(cache.memory.get_now(key) == b"bytes" for key in keys)  # served from memory now
    assert (cache.pending_writes, cache.stats["shared_write_skipped"]) == (2, 1)
    assert keys[0] not in shared.items  # not written yet
    shared.release.set()
    await cache.settled()
    assert [key in shared.items for key in keys] == [True, True, False]
    assert cache.pending_writes == 0


async def test_close_waits_for_the_writes_behind() -> None:
    shared = SlowWrites()
    cache = TieredCache(MemoryTier(1 << 20), shared)
    cache.put_behind(NEW, b"new")
    closing = asyncio.create_task(cache.close())
    await asyncio.sleep(0)
    assert not closing.done()
    shared.release.set()
    await closing
    assert shared.items[NEW] == b"new"
