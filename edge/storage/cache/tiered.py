"""The variant cache as callers see it: memory in front of an optional shared tier.

A failing shared tier (disk or Redis) never fails a request: the error is logged once,
counted, and the tier is skipped for `retry_after_s`; the next call after that tries it
again, so the tier comes back by itself when its server does.

Reads and writes rest apart: a tier that refuses writes but still reads (Redis at
`maxmemory` under `noeviction`, a disk full of someone else's files, a read-only mount)
keeps serving what it holds; a failed read rests both.

A fresh render is stored with `put_behind`: in memory at once, in the shared tier by a
background write (write-behind) that starts a moment later (`WRITE_BEHIND_AFTER_S`), so
the answer neither waits for the disk's fsync or Redis' round trip nor shares the event
loop with the write's start. At most `max_pending_writes` such writes run at once; past that a
write is skipped (counted): the variant is still in memory, and at worst rendered again.
The disk tier's writes stay atomic (temporary file, fsync, rename): a crash may lose an
entry whose write had not finished, never leave a half-written one.

A caller on its way to a worker thread anyway (a miss about to render) may read a tier
whose reads block (the disk) in that thread, sparing a hop of its own:
`reader_in_thread` gives it the read, `settle_read` then does on the event loop what
`get_behind_memory` does after one (counts, rests a failing tier, promotes a hit).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from typing import TypeVar

from edge.storage.cache.base import CacheTierError, ReadsInThread, VariantKey, VariantTier
from edge.storage.cache.memory import MemoryTier

log = logging.getLogger(__name__)
T = TypeVar("T")
READ, WRITE = "read", "write"
MAX_PENDING_WRITES = 64
WRITE_BEHIND_AFTER_S = 0.002  # a fresh variant's shared-tier write waits this long


class TieredCache:
    name = "tiered"

    def __init__(
        self,
        memory: MemoryTier,
        shared: VariantTier | None,
        *,
        retry_after_s: float = 1.0,
        max_pending_writes: int = MAX_PENDING_WRITES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.memory = memory
        self.shared = shared
        # Checked once (a runtime-checkable Protocol's isinstance costs 10-30 µs on 3.11).
        self._reads_in_thread: ReadsInThread | None = (
            shared if isinstance(shared, ReadsInThread) else None
        )
        self.stats: Counter[str] = Counter()
        self._retry_after_s = retry_after_s
        self._clock = clock
        self._down_until = {READ: 0.0, WRITE: 0.0}
        self._up = {READ: shared is not None, WRITE: shared is not None}
        self._max_pending_writes = max_pending_writes
        self._writes: set[asyncio.Task[object]] = set()  # write-behind in progress

    @property
    def shared_up(self) -> bool:
        """The shared tier reads and writes (False while either rests after a failure)."""
        return self._up[READ] and self._up[WRITE]

    def get_from_memory(self, key: VariantKey) -> bytes | None:
        data = self.memory.get_now(key)
        self.stats["memory_hit" if data is not None else "memory_miss"] += 1
        return data

    def memory_hit(self, key: VariantKey) -> bytes | None:
        """The variant if the memory tier holds it; only a hit is counted (a miss is
        counted by whoever then asks `get_from_memory`)."""
        data = self.memory.get_now(key)
        if data is not None:
            self.stats["memory_hit"] += 1
        return data

    def _may_ask(self, lane: str) -> bool:
        """The shared tier exists and this lane is not resting after a failure."""
        up = self._up[lane] or self._clock() >= self._down_until[lane]
        return self.shared is not None and up

    async def _on_shared(
        self, lane: str, call: Callable[[], Awaitable[T]]
    ) -> tuple[bool, T | None]:
        """(answered, result): run one call (a READ or a WRITE) on the shared tier unless
        that lane is resting."""
        shared = self.shared
        if shared is None:
            return False, None
        if not self._may_ask(lane):
            self.stats["shared_skipped"] += 1
            return False, None
        try:
            result = await call()
        except CacheTierError as exc:
            self._failed(shared, lane, exc)
            return False, None
        self._answered(shared, lane)
        return True, result

    def _failed(self, shared: VariantTier, lane: str, exc: CacheTierError) -> None:
        self.stats["shared_error"] += 1
        if self._up[lane]:
            log.warning(
                "%s cache tier %ss failing, skipping them for %g s: %s",
                shared.name, lane, self._retry_after_s, exc,
            )  # fmt: skip
        # A tier that cannot read is down: its writes rest too (a dead server costs one
        # timeout, not two). One that cannot write may still read.
        for resting in (READ, WRITE) if lane == READ else (WRITE,):
            self._up[resting] = False
            self._down_until[resting] = self._clock() + self._retry_after_s

    def _answered(self, shared: VariantTier, lane: str) -> None:
        if not self._up[lane]:
            log.warning("%s cache tier %ss are back", shared.name, lane)
            self._up[lane] = True

    async def get(self, key: VariantKey) -> bytes | None:
        data = self.get_from_memory(key)
        if data is not None:
            return data
        return await self.get_behind_memory(key)

    async def get_behind_memory(self, key: VariantKey) -> bytes | None:
        """Ask the shared tier (the caller already missed memory); promote a hit."""
        if self.shared is None:
            return None
        shared = self.shared
        answered, data = await self._on_shared(READ, lambda: shared.get(key))
        if answered:
            self._read(key, data)
        return data

    def _read(self, key: VariantKey, data: bytes | None) -> None:
        """The shared tier answered a read: counted, a hit promoted to memory."""
        self.stats["shared_hit" if data is not None else "shared_miss"] += 1
        if data is not None:
            self.memory.put_now(key, data)

    def reader_in_thread(self) -> Callable[[VariantKey], SharedRead] | None:
        """For a caller on its way to a worker thread anyway (a render): the shared tier's
        read, to be made in that thread, when the tier's reads block (disk) and are not
        resting; else None (ask `get_behind_memory`). What it read goes to `settle_read`,
        back on the event loop."""
        tier = self._reads_in_thread
        if tier is None or not self._may_ask(READ):
            return None
        return partial(_read_in_thread, tier)

    def settle_read(self, key: VariantKey, read: SharedRead) -> bytes | None:
        """A read made by `reader_in_thread`, as `get_behind_memory` would have made it:
        counted, a failing tier rested, a hit promoted to memory; the bytes of a hit."""
        shared, tier = self.shared, self._reads_in_thread
        if shared is None or tier is None:
            raise TypeError("settle_read: the shared tier does not read in threads")
        if read.error is not None:
            self._failed(shared, READ, read.error)
            return None
        self._answered(shared, READ)
        tier.was_read(key, read.data)
        self._read(key, read.data)
        return read.data

    async def put(self, key: VariantKey, data: bytes) -> None:
        await self.memory.put(key, data)
        if self.shared is not None:
            shared = self.shared
            await self._on_shared(WRITE, lambda: shared.put(key, data))

    def put_behind(self, key: VariantKey, data: bytes) -> None:
        """Into memory now; into the shared tier in the background (see the docstring)."""
        self.memory.put_now(key, data)
        if self.shared is None:
            return
        if len(self._writes) >= self._max_pending_writes:
            self.stats["shared_write_skipped"] += 1
            return
        task = asyncio.ensure_future(self._write_behind(self.shared, key, data))
        self._writes.add(task)
        task.add_done_callback(self._writes.discard)

    async def _write_behind(self, shared: VariantTier, key: VariantKey, data: bytes) -> None:
        # Started after the answer: the few loop steps that send it come first. Started at
        # once, the write's own first step (the disk's hop to a thread) ran on the event
        # loop before the answer left: ~0.2 ms of a cold request's time (issue 16).
        await asyncio.sleep(WRITE_BEHIND_AFTER_S)
        await self._on_shared(WRITE, lambda: shared.put(key, data))

    @property
    def pending_writes(self) -> int:
        return len(self._writes)

    async def settled(self) -> None:
        """Once every write-behind started so far has ended (tests, shutdown)."""
        while self._writes:
            await asyncio.wait(list(self._writes))

    async def delete(self, key: VariantKey) -> None:
        await self.memory.delete(key)
        if self.shared is not None:
            shared = self.shared
            await self._on_shared(WRITE, lambda: shared.delete(key))

    async def close(self) -> None:
        await self.settled()  # each write is bounded by its tier's own timeout
        await self.memory.close()
        if self.shared is not None:
            await self.shared.close()


@dataclass(frozen=True, slots=True)
class SharedRead:
    """What a read of the shared tier made in a worker thread found, and how long it took."""

    data: bytes | None
    error: CacheTierError | None
    seconds: float


def _read_in_thread(tier: ReadsInThread, key: VariantKey) -> SharedRead:
    started = time.perf_counter()
    try:
        data = tier.read_now(key)
    except CacheTierError as exc:
        return SharedRead(None, exc, time.perf_counter() - started)
    return SharedRead(data, None, time.perf_counter() - started)
