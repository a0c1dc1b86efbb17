"""Variant cache tiers: memory (LRU) in front of disk (default) or, later, Redis."""

from __future__ import annotations

from pathlib import Path

from config import Settings
from edge.cache.base import CacheTierError, VariantKey, VariantTier
from edge.cache.disk import DiskTier
from edge.cache.memory import MemoryTier
from edge.cache.tiered import TieredCache

MIB = 1024 * 1024


async def open_cache(settings: Settings) -> TieredCache:
    memory = MemoryTier(settings.memory_cache_mb * MIB)
    shared: VariantTier | None = None
    url = settings.cache_url
    if url.startswith("file://"):
        shared = await DiskTier.open(
            Path(url.removeprefix("file://")), settings.disk_cache_mb * MIB
        )
    elif url != "none":
        raise ValueError(f"unsupported cache URL {url!r} (Redis arrives with issue 3)")
    return TieredCache(memory, shared)


__all__ = [
    "CacheTierError",
    "DiskTier",
    "MemoryTier",
    "TieredCache",
    "VariantKey",
    "VariantTier",
    "open_cache",
]
