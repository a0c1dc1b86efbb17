"""Variants on demand: cache lookup, then one render per missing variant.

Concurrent requests for the same missing variant share one in-flight render task
(single flight). Before the original is read, the render is admitted by its estimated
cost (`edge/imaging/admission.py`): light and heavy renders queue in separate lanes,
the queues are bounded and a render not admitted in time is a 503 with Retry-After.
A render whose every waiter has gone while it was still queued is dropped; once
admitted it finishes (a libvips thread cannot be stopped) and its variant is cached.
A render's own failure is remembered for a short time (`edge/imaging/failures.py`).
Each render's duration goes to `render_seconds` (by format and size) once, whoever waits
for it; a caller passing a `Served` learns where its bytes came from and what it waited.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from catalog.models import ResolvedImage
from config.presets import Cover
from edge.errors import NotFound
from edge.imaging.admission import Admission
from edge.imaging.cost import MIB, RenderCost, avif_box, avif_width, estimate
from edge.imaging.failures import FailureMemory
from edge.imaging.formats import Format
from edge.imaging.options import EncodeOptions, Limits, RenderPolicy
from edge.imaging.render import render, variant_pipeline
from edge.imaging.served import Served
from edge.imaging.sizes import RenderBox
from edge.imaging.threads import RenderThreads
from edge.instruments import HistogramFamily
from edge.storage.cache import TieredCache, VariantKey
from edge.storage.originals import OriginalNotFound, OriginalsStore

log = logging.getLogger(__name__)

RenderFn = Callable[[bytes, int, Format, EncodeOptions, Limits, float, Cover | None], bytes]
# Render threads' CPU priority (nice): below the event loop's, heavy below light.
LIGHT_NICE = 5
HEAVY_NICE = 15


@dataclass(slots=True)
class _Flight:
    """One missing variant being filled, and how many requests wait for it."""

    task: asyncio.Task[bytes] = field(init=False)
    waiters: int = 0
    admitted: bool = False  # past admission: it runs to the end even if nobody waits
    size: str = ""  # the size label its first request asked with, for render_seconds
    tier: str = "render"  # where its bytes came from: the shared tier's name, or render
    cache_s: float = 0.0  # spent asking the shared tier


class Variants:
    def __init__(
        self,
        cache: TieredCache,
        originals: OriginalsStore,
        options: EncodeOptions,
        limits: Limits,
        policy: RenderPolicy,
        *,
        render_fn: RenderFn = render,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.cache = cache
        self._originals = originals
        self._options = options
        self._limits = limits
        self._policy = policy
        self._render = render_fn
        self.admission = Admission(
            policy.memory_budget_bytes,
            light_slots=policy.workers,
            heavy_slots=policy.heavy_workers,
            max_queue=policy.queue_size,
            wait_s=policy.queue_wait_s,
        )
        # Admission bounds the renders; each lane's threads only need to be enough for it.
        self._threads = {
            False: RenderThreads(policy.workers, nice=LIGHT_NICE, name="render-light"),
            True: RenderThreads(policy.heavy_workers, nice=HEAVY_NICE, name="render-heavy"),
        }
        self.failures = FailureMemory(policy.failure_ttl_s, policy.failure_cache_size, clock=clock)
        self.pipeline = variant_pipeline(options)
        self._inflight: dict[VariantKey, _Flight] = {}
        self.renders = 0  # renders started, for tests and /metrics
        self.dropped = 0  # queued renders dropped because every waiter left
        self.render_seconds = HistogramFamily(
            "imgedge_render_duration_seconds",
            "Time a render took in its thread (decode, resize, encode; the wait for "
            "admission and the original's read excluded), by format and size",
            ("format", "size"),
        )
        self._warn_if_the_largest_source_cannot_render()

    def _warn_if_the_largest_source_cannot_render(self) -> None:
        side = math.isqrt(self._limits.max_pixels)
        worst = estimate(side, side, side, Format.PNG, heavy_source_pixels=0)
        if worst.bytes > self.admission.heavy.limit:
            log.warning(
                "`original` of a %d-pixel source needs about %d MiB, over the %d MiB the "
                "heavy render lane may hold: such renders will be refused "
                "(raise IMGEDGE_RENDER_MEMORY_BUDGET_MB or lower IMGEDGE_MAX_SOURCE_PIXELS)",
                self._limits.max_pixels,
                worst.bytes // MIB,
                self.admission.heavy.limit // MIB,
            )

    def close(self) -> None:
        for threads in self._threads.values():
            threads.close()

    def key(self, image: ResolvedImage, box: RenderBox, fmt: Format) -> VariantKey:
        width, cover = box.width, box.cover
        if fmt is Format.AVIF:
            cap = self._policy.avif_max_pixels
            if cover is None:
                width = avif_width(image.width, image.height, width, cap)
            else:
                width, height = avif_box(width, cover.height, cap)
                cover = Cover(height, cover.crop)
        return VariantKey(image.content_hash, width, fmt, self.pipeline, cover)

    async def get(
        self, key: VariantKey, image: ResolvedImage, served: Served | None = None
    ) -> bytes:
        started = time.perf_counter()
        data = self.cache.get_from_memory(key)
        if data is not None:
            if served is not None:
                served.tier = "memory"
                served.cache_s = time.perf_counter() - started
            return data
        self.failures.check(key)
        flight = self._inflight.get(key)
        if flight is None:
            flight = self._start(key, image, served.size if served is not None else "")
        flight.waiters += 1
        try:
            # shield: a client that goes away does not cancel the render others wait for.
            data = await asyncio.shield(flight.task)
            if served is not None:
                waited = time.perf_counter() - started
                served.tier = flight.tier
                served.cache_s = min(waited, flight.cache_s)
                served.render_s = waited - served.cache_s if flight.tier == "render" else 0.0
            return data
        finally:
            flight.waiters -= 1
            if flight.waiters == 0 and not flight.admitted and not flight.task.done():
                # Still queued and nobody wants it: drop it (a later request starts afresh).
                flight.task.cancel()
                self._forget(key, flight.task)
                self.dropped += 1

    def _start(self, key: VariantKey, image: ResolvedImage, size: str) -> _Flight:
        cost = estimate(
            image.width,
            image.height,
            key.width,
            key.fmt,
            heavy_source_pixels=self._policy.heavy_source_pixels,
            cover_height=key.cover.height if key.cover is not None else None,
        )
        flight = _Flight(size=size or "other")
        flight.task = asyncio.ensure_future(self._fill(key, cost, flight))
        flight.task.add_done_callback(lambda t: self._finished(key, t))
        self._inflight[key] = flight
        return flight

    def _forget(self, key: VariantKey, task: asyncio.Task[bytes]) -> None:
        flight = self._inflight.get(key)
        if flight is not None and flight.task is task:
            del self._inflight[key]

    def _finished(self, key: VariantKey, task: asyncio.Task[bytes]) -> None:
        self._forget(key, task)
        if not task.cancelled():
            error = task.exception()  # retrieved so an unawaited failure is not reported twice
            if error is not None:
                self.failures.remember(key, error)

    async def _fill(self, key: VariantKey, cost: RenderCost, flight: _Flight) -> bytes:
        asked = time.perf_counter()
        data = await self.cache.get_behind_memory(key)
        flight.cache_s = time.perf_counter() - asked
        if data is not None:
            flight.tier = self.cache.shared.name if self.cache.shared is not None else "render"
            return data
        async with self.admission.admitted(cost):
            flight.admitted = True
            try:
                source = await self._originals.get(key.content_hash)
            except OriginalNotFound:
                log.error("original %s is referenced by the catalog but missing", key.content_hash)
                raise NotFound("the original image is missing", code="original_missing") from None
            self.renders += 1
            deadline = time.monotonic() + self._policy.timeout_s
            started = time.perf_counter()
            data = await self._threads[cost.heavy].run(
                self._render,
                source,
                key.width,
                key.fmt,
                self._options,
                self._limits,
                deadline,
                key.cover,
            )
            del source  # the original's bytes are part of the admitted cost: free them now
        took = time.perf_counter() - started
        self.render_seconds.child(key.fmt.value, flight.size).observe(took)
        log.debug("rendered %s in %.1f ms", key.token, took * 1e3)
        await self.cache.put(key, data)
        return data
