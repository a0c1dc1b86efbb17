"""Variant cache tiers: memory (LRU) in front of disk (default) or Redis (shared)."""

from __future__ import annotations

from pathlib import Path

from config import Settings
from edge.storage.cache.base import CacheTierError, VariantKey, VariantTier
from edge.storage.cache.disk import DiskTier
from edge.storage.cache.memory import MemoryTier
from edge.storage.cache.redis import RedisTier
from edge.storage.cache.tiered import TieredCache

MIB = 1024 * 1024


async def open_cache(settings: Settings) -> TieredCache:
    memory = MemoryTier(settings.memory_cache_mb * MIB)
    shared: VariantTier | None = None
    url = settings.cache_url
    if url.startswith("file://"):
        shared = await DiskTier.open(
            Path(url.removeprefix("file://")), settings.disk_cache_mb * MIB
        )
    elif url.startswith("redis://"):
        shared = RedisTier.from_url(
            url,
            prefix=settings.cache_prefix,
            ttl_s=settings.cache_ttl_s,
            max_item_bytes=settings.cache_max_item_kb * 1024,
        )
    elif url != "none":
        raise ValueError(f"unsupported cache URL {url!r}")
    return TieredCache(memory, shared, retry_after_s=settings.cache_retry_s)


__all__ = [
    "CacheTierError",
    "DiskTier",
    "MemoryTier",
    "RedisTier",
    "TieredCache",
    "VariantKey",
    "VariantTier",
    "open_cache",
]
