"""The variant cache as callers see it: memory in front of an optional shared tier.

A failing shared tier is skipped with a warning; a request never fails because of it.
"""

from __future__ import annotations

import logging
from collections import Counter

from edge.cache.base import CacheTierError, VariantKey, VariantTier
from edge.cache.memory import MemoryTier

log = logging.getLogger(__name__)


class TieredCache:
    name = "tiered"

    def __init__(self, memory: MemoryTier, shared: VariantTier | None) -> None:
        self.memory = memory
        self.shared = shared
        self.stats: Counter[str] = Counter()

    def get_from_memory(self, key: VariantKey) -> bytes | None:
        data = self.memory.get_now(key)
        self.stats["memory_hit" if data is not None else "memory_miss"] += 1
        return data

    async def get(self, key: VariantKey) -> bytes | None:
        data = self.get_from_memory(key)
        if data is not None or self.shared is None:
            return data
        try:
            data = await self.shared.get(key)
        except CacheTierError as exc:
            self.stats["shared_error"] += 1
            log.warning("%s cache tier skipped: %s", self.shared.name, exc)
            return None
        self.stats["shared_hit" if data is not None else "shared_miss"] += 1
        if data is not None:
            await self.memory.put(key, data)
        return data

    async def put(self, key: VariantKey, data: bytes) -> None:
        await self.memory.put(key, data)
        if self.shared is None:
            return
        try:
            await self.shared.put(key, data)
        except CacheTierError as exc:
            self.stats["shared_error"] += 1
            log.warning("%s cache tier skipped: %s", self.shared.name, exc)

    async def delete(self, key: VariantKey) -> None:
        await self.memory.delete(key)
        if self.shared is not None:
            try:
                await self.shared.delete(key)
            except CacheTierError as exc:
                log.warning("%s cache tier skipped: %s", self.shared.name, exc)

    async def close(self) -> None:
        await self.memory.close()
        if self.shared is not None:
            await self.shared.close()
