"""Variants on demand: cache lookup, then one render per missing variant.

Renders run in worker threads bounded by a capacity limiter, off the event loop.
Concurrent requests for the same missing variant share one in-flight render task
(single flight); a failed render is not cached and is retried by the next request.
"""

from __future__ import annotations

import asyncio
import logging
import time

import anyio
import anyio.to_thread

from catalog.models import ResolvedImage
from edge.errors import NotFound
from edge.imaging.formats import Format
from edge.imaging.options import EncodeOptions, Limits
from edge.imaging.render import render, variant_pipeline
from edge.storage.cache import TieredCache, VariantKey
from edge.storage.originals import OriginalNotFound, OriginalsStore

log = logging.getLogger(__name__)


class Variants:
    def __init__(
        self,
        cache: TieredCache,
        originals: OriginalsStore,
        options: EncodeOptions,
        limits: Limits,
        *,
        workers: int,
        timeout_s: float,
    ) -> None:
        self.cache = cache
        self._originals = originals
        self._options = options
        self._limits = limits
        self._limiter = anyio.CapacityLimiter(workers)
        self._timeout_s = timeout_s
        self.pipeline = variant_pipeline(options)
        self._inflight: dict[VariantKey, asyncio.Task[bytes]] = {}
        self.renders = 0  # renders started, for tests and /metrics

    def key(self, image: ResolvedImage, width: int, fmt: Format) -> VariantKey:
        return VariantKey(image.content_hash, width, fmt, self.pipeline)

    async def get(self, key: VariantKey) -> bytes:
        data = self.cache.get_from_memory(key)
        if data is not None:
            return data
        task = self._inflight.get(key)
        if task is None:
            task = asyncio.ensure_future(self._fill(key))
            self._inflight[key] = task
            task.add_done_callback(lambda t: self._finished(key, t))
        # shield: a client that goes away does not cancel the render others wait for.
        return await asyncio.shield(task)

    def _finished(self, key: VariantKey, task: asyncio.Task[bytes]) -> None:
        self._inflight.pop(key, None)
        if not task.cancelled():
            task.exception()  # retrieved here so an unawaited failure is not reported twice

    async def _fill(self, key: VariantKey) -> bytes:
        data = await self.cache.get_behind_memory(key)
        if data is not None:
            return data
        try:
            source = await self._originals.get(key.content_hash)
        except OriginalNotFound:
            log.error("original %s is referenced by the catalog but missing", key.content_hash)
            raise NotFound("the original image is missing", code="original_missing") from None
        self.renders += 1
        deadline = time.monotonic() + self._timeout_s
        started = time.perf_counter()
        data = await anyio.to_thread.run_sync(
            render,
            source,
            key.width,
            key.fmt,
            self._options,
            self._limits,
            deadline,
            limiter=self._limiter,
        )
        log.debug("rendered %s in %.1f ms", key.token, (time.perf_counter() - started) * 1e3)
        await self.cache.put(key, data)
        return data
