"""Variant cache tiers: memory (LRU) in front of disk (default) or Redis (shared)."""

from __future__ import annotations

from pathlib import Path

from config import CacheSettings
from config.backends import opener
from edge.storage.cache.base import CacheTierError, VariantKey, VariantTier
from edge.storage.cache.disk import DiskTier
from edge.storage.cache.memory import MemoryTier
from edge.storage.cache.tiered import TieredCache

MIB = 1024 * 1024


async def open_disk_tier(url: str, settings: CacheSettings) -> VariantTier:
    root = Path(url.removeprefix("file://"))
    return await DiskTier.open(root, settings.disk_mb * MIB, rescan_s=settings.disk_rescan_s)


async def open_redis_tier(url: str, settings: CacheSettings) -> VariantTier:
    # Imported here: redis costs every process importing this package (a matcher worker,
    # through the CLI) ~50 ms of CPU at start-up, and most never open a Redis tier.
    from edge.storage.cache.redis import RedisTier

    return RedisTier.from_url(
        url,
        prefix=settings.prefix,
        ttl_s=settings.ttl_s,
        max_item_bytes=settings.max_item_kb * 1024,
    )


async def open_cache(settings: CacheSettings) -> TieredCache:
    """Memory in front of the shared tier the cache URL names (`config.backends`)."""
    open_shared = opener("cache", settings.url)
    shared = None if open_shared is None else await open_shared(settings.url, settings)
    return TieredCache(MemoryTier(settings.memory_mb * MIB), shared, retry_after_s=settings.retry_s)


__all__ = [
    "CacheTierError",
    "DiskTier",
    "MemoryTier",
    "TieredCache",
    "VariantKey",
    "VariantTier",
    "open_cache",
]
