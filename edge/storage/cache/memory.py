"""In-process variant tier: a bytes-bounded LRU (cachetools)."""

from __future__ import annotations

from cachetools import LRUCache

from edge.storage.cache.base import VariantKey


class MemoryTier:
    name = "memory"

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._lru: LRUCache[VariantKey, bytes] = LRUCache(maxsize=max_bytes, getsizeof=len)

    def get_now(self, key: VariantKey) -> bytes | None:
        """Synchronous lookup: the hot path needs no await for a memory hit."""
        return self._lru.get(key)

    async def get(self, key: VariantKey) -> bytes | None:
        return self._lru.get(key)

    async def put(self, key: VariantKey, data: bytes) -> None:
        self.put_now(key, data)

    def put_now(self, key: VariantKey, data: bytes) -> None:
        if len(data) <= self.max_bytes:  # cachetools raises on items larger than the cache
            self._lru[key] = data

    async def delete(self, key: VariantKey) -> None:
        self._lru.pop(key, None)

    async def close(self) -> None:
        self._lru.clear()

    @property
    def current_bytes(self) -> int:
        return int(self._lru.currsize)
