"""Redis variant tier: shared by every edge process, entries expire after a TTL.

Short socket timeouts keep a dead Redis from stalling requests; every redis-py error is
translated to `CacheTierError` here, and `TieredCache` then skips the tier for a while.
"""

from __future__ import annotations

import contextlib

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from edge.storage.cache.base import CacheTierError, VariantKey


class RedisTier:
    name = "redis"

    def __init__(
        self, client: aioredis.Redis, *, prefix: str, ttl_s: int, max_item_bytes: int
    ) -> None:
        self._client = client
        self._prefix = prefix
        self._ttl_s = ttl_s
        self.max_item_bytes = max_item_bytes

    @classmethod
    def from_url(
        cls, url: str, *, prefix: str, ttl_s: int, max_item_bytes: int, timeout_s: float = 0.25
    ) -> RedisTier:
        client = aioredis.Redis.from_url(
            url,
            socket_timeout=timeout_s,
            socket_connect_timeout=timeout_s,
            retry_on_timeout=False,
        )
        return cls(client, prefix=prefix, ttl_s=ttl_s, max_item_bytes=max_item_bytes)

    def _key(self, key: VariantKey) -> str:
        return f"{self._prefix}v:{key.token}"

    async def get(self, key: VariantKey) -> bytes | None:
        try:
            value: bytes | None = await self._client.get(self._key(key))
            return value
        except (RedisError, OSError) as exc:
            raise CacheTierError(f"redis get failed: {exc!r}") from exc

    async def put(self, key: VariantKey, data: bytes) -> None:
        if len(data) > self.max_item_bytes:
            return
        try:
            await self._client.set(self._key(key), data, ex=self._ttl_s)
        except (RedisError, OSError) as exc:
            raise CacheTierError(f"redis set failed: {exc!r}") from exc

    async def delete(self, key: VariantKey) -> None:
        try:
            await self._client.delete(self._key(key))
        except (RedisError, OSError) as exc:
            raise CacheTierError(f"redis delete failed: {exc!r}") from exc

    async def close(self) -> None:
        with contextlib.suppress(RedisError, OSError):
            await self._client.aclose()
