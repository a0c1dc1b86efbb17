"""Variants on demand: cache lookup, then one render per missing variant.

Concurrent requests for the same missing variant share one in-flight render task
(single flight). A miss asks the shared tier first, then, admitted by its estimated
cost (`edge/imaging/admission.py`), reads the original and renders: light and heavy
renders queue in separate lanes, the queues are bounded and a render not admitted in time
is a 503 with Retry-After. With the disk tier and local originals, a miss admitted at
once makes a single hop to a thread: the render's thread reads the disk tier, then (on a
miss) the original, then renders. One that must queue asks the shared tier before it
queues, so a hit never waits for room to render.
A render whose every waiter has gone while it was still queued is dropped; once
admitted it finishes (a libvips thread cannot be stopped) and its variant is cached.
A render's own failure is remembered for a short time (`edge/imaging/failures.py`).
Each render's duration goes to `render_seconds` (by format and size) once, whoever waits
for it; a caller passing a `Served` learns where its bytes came from and what it waited.

A fresh variant is answered as soon as it is in memory: its shared-tier write (the
disk's fsync, Redis' round trip) happens behind the answer (`TieredCache.put_behind`).

Renders nobody waits for (`edge/imaging/background.py`) run at the lowest priority:
- `get_or_fallback` (the `fallback` AVIF policy): an AVIF not cached yet is answered
  with the best other format that is (or, else, JPEG rendered now: the quickest to
  encode) and the AVIF is encoded in the background for the next request, unless its
  render failed and the failure is still remembered;
- `warm`: the configured variants of a newly added image (IMGEDGE_WARM_VARIANTS).
A shopper who asks for a variant whose background render is still queued takes it over
in the foreground; one already running is shared.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import partial

from catalog.models import ProductImage, ResolvedImage
from config.presets import Cover
from edge.errors import NotFound
from edge.imaging.admission import Admission
from edge.imaging.background import BackgroundRenders
from edge.imaging.cost import MIB, RenderCost, avif_box, avif_width, estimate
from edge.imaging.failures import FailureMemory
from edge.imaging.formats import Format
from edge.imaging.options import EncodeOptions, Limits, RenderPolicy
from edge.imaging.render import render, variant_pipeline
from edge.imaging.served import Served
from edge.imaging.sizes import RenderBox, SizeRequest
from edge.imaging.threads import RenderThreads
from edge.instruments import HistogramFamily
from edge.storage.cache import TieredCache, VariantKey
from edge.storage.cache.tiered import SharedRead
from edge.storage.originals import (
    OriginalBytes,
    OriginalNotFound,
    OriginalsStore,
    ReadsInThread,
)

log = logging.getLogger(__name__)

RenderFn = Callable[[OriginalBytes, int, Format, EncodeOptions, Limits, float, Cover | None], bytes]
# Render threads' CPU priority (nice): below the event loop's, heavy below light.
LIGHT_NICE = 5
HEAVY_NICE = 15
BACKGROUND_NICE = 19  # the lowest: any foreground render runs first


@dataclass(slots=True)
class _Flight:
    """One missing variant being filled, and how many requests wait for it."""

    task: asyncio.Task[bytes] = field(init=False)
    waiters: int = 0
    admitted: bool = False  # past admission: it runs to the end even if nobody waits
    size: str = ""  # the size label its first request asked with, for render_seconds
    tier: str = "render"  # where its bytes came from: the shared tier's name, or render
    cache_s: float = 0.0  # spent asking the shared tier
    background: bool = False  # asked for by nobody (admitted last, lowest CPU priority)


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
        warm: Sequence[tuple[SizeRequest, Format]] = (),
        after_render: Callable[[], None] = lambda: None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.cache = cache
        self._originals = originals
        # Checked once: a runtime-checkable Protocol's isinstance costs 10-30 µs on Python
        # 3.11, and each miss asked it twice here (twice more in TieredCache) before its
        # answer.
        self._reads_in_thread: ReadsInThread | None = (
            originals if isinstance(originals, ReadsInThread) else None
        )
        self._options = options
        self._limits = limits
        self._policy = policy
        self._render = render_fn
        self._after_render = after_render  # in the render thread (edge/heap.py's ceiling)
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
        # One background render at a time (BackgroundRenders runs them in turn).
        self._background_threads = RenderThreads(1, nice=BACKGROUND_NICE, name="render-bg")
        self.background = BackgroundRenders(
            self._fill_behind, max_queued=policy.background_queue_size
        )
        self._warm = tuple(warm)
        self.fallbacks = 0  # answers that stood in for a missing AVIF, for /metrics
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
        self.background.close()
        for flight in self._inflight.values():
            if flight.background:
                flight.task.cancel()
        for threads in (*self._threads.values(), self._background_threads):
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
            _hit(served, "memory", started)
            return data
        self.failures.check(key)
        flight = self._inflight.get(key)
        if flight is not None and flight.background and not flight.admitted:
            # Queued behind every foreground render, and now someone waits: take it over.
            flight.task.cancel()
            self._forget(key, flight.task)
            flight = None
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

    async def get_or_fallback(
        self,
        key: VariantKey,
        image: ResolvedImage,
        fallbacks: Sequence[VariantKey],
        served: Served | None = None,
    ) -> tuple[VariantKey, bytes]:
        """(the variant served, its bytes): `key`'s if it is cached, else the first of
        `fallbacks` cached in memory, else the JPEG one's (the first one's for a
        transparent source), from the shared tier or rendered; `key` is then rendered in
        the background."""
        started = time.perf_counter()
        tier = "memory"
        data = self.cache.get_from_memory(key)
        if data is None and key not in self._inflight:  # a render in flight is not stored yet
            data = await self.cache.get_behind_memory(key)
            tier = self.cache.shared.name if self.cache.shared is not None else tier
        if data is not None:
            _hit(served, tier, started)
            return key, data
        self.fallbacks += 1
        if not self.failures.remembers(key):  # one that failed is not tried (nor counted) again
            self.background.schedule(key, image)
        for alternative in fallbacks:
            data = self.cache.get_from_memory(alternative)
            if data is not None:
                _hit(served, "memory", started)
                return alternative, data
        # None cached: make the quickest. JPEG encodes several times faster than WebP at
        # effort 4, which is slower than AVIF at effort 2 (loadtests/bench_avif_policy.py);
        # but JPEG would lose a transparent source's alpha.
        quickest = fallbacks[0]
        if not image.has_alpha:
            quickest = next((k for k in fallbacks if k.fmt is Format.JPEG), quickest)
        return quickest, await self.get(quickest, image, served)

    def warm(self, images: Iterable[ProductImage | ResolvedImage]) -> None:
        """Render the configured variants of these images in the background."""
        for each in images:
            image = ResolvedImage(
                each.id if isinstance(each, ProductImage) else each.image_id,
                each.content_hash,
                each.width,
                each.height,
                each.has_alpha,
                each.source,
            )
            for size, fmt in self._warm:
                key = self.key(image, size.box(image.width, image.height), fmt)
                if self.cache.memory.get_now(key) is None:
                    self.background.schedule(key, image)

    async def _fill_behind(self, key: VariantKey, image: ResolvedImage) -> None:
        """A background render of `key`, or the one in flight for it (shared)."""
        if self.cache.memory.get_now(key) is not None:
            return
        self.failures.check(key)
        flight = self._inflight.get(key)
        if flight is None:
            flight = self._start(key, image, background=True)
        await asyncio.wait([flight.task])  # never cancels it, nor raises its cancellation
        if not flight.task.cancelled():  # cancelled: a shopper took it over
            flight.task.result()

    def _start(
        self, key: VariantKey, image: ResolvedImage, size: str = "", *, background: bool = False
    ) -> _Flight:
        cost = estimate(
            image.width,
            image.height,
            key.width,
            key.fmt,
            heavy_source_pixels=self._policy.heavy_source_pixels,
            cover_height=key.cover.height if key.cover is not None else None,
        )
        flight = _Flight(size=size or "other", background=background)
        flight.task = asyncio.ensure_future(self._fill(key, cost, flight))
        flight.task.add_done_callback(lambda t: self._finished(key, t))
        self._inflight[key] = flight
        return flight

    def _forget(self, key: VariantKey, task: asyncio.Task[bytes]) -> None:
        flight = self._inflight.get(key)
        if flight is not None and flight.task is task:
            del self._inflight[key]

    def _look_load_and_render(
        self,
        look: Callable[[VariantKey], SharedRead] | None,
        load: Callable[[], OriginalBytes],
        key: VariantKey,
        deadline: float,
    ) -> tuple[SharedRead | None, bytes | Exception]:
        """In a render thread: the shared tier's copy if `look` finds one, else the
        original's bytes, then the variant's. A render's exception is returned, to be
        raised on the event loop once what `look` found is settled there."""
        looked = look(key) if look is not None else None
        if looked is not None and looked.data is not None:
            return looked, looked.data
        try:
            data = self._render(
                load(), key.width, key.fmt, self._options, self._limits, deadline, key.cover
            )
        except Exception as exc:
            return looked, exc
        finally:
            self._after_render()
        return looked, data

    def _finished(self, key: VariantKey, task: asyncio.Task[bytes]) -> None:
        self._forget(key, task)
        if not task.cancelled():
            error = task.exception()  # retrieved so an unawaited failure is not reported twice
            if error is not None:
                self.failures.remember(key, error)

    async def _fill(self, key: VariantKey, cost: RenderCost, flight: _Flight) -> bytes:
        # With local originals and the disk tier, a miss that has room to render at once
        # makes a single hop to a thread: the render's thread looks on disk first.
        # Otherwise the shared tier is asked before admission (a hit never waits for room
        # to render), then the original is read and rendered.
        if self._reads_in_thread is not None:
            look = self.cache.reader_in_thread()
            if look is not None:
                with self.admission.admitted_at_once(cost, background=flight.background) as now:
                    if now:
                        return await self._render_admitted(key, cost, flight, look)
        asked = time.perf_counter()
        data = await self.cache.get_behind_memory(key)
        flight.cache_s = time.perf_counter() - asked
        if data is not None:
            flight.tier = self._shared_name
            return data
        async with self.admission.admitted(cost, background=flight.background):
            return await self._render_admitted(key, cost, flight, None)

    @property
    def _shared_name(self) -> str:
        return self.cache.shared.name if self.cache.shared is not None else "render"

    async def _render_admitted(
        self,
        key: VariantKey,
        cost: RenderCost,
        flight: _Flight,
        look: Callable[[VariantKey], SharedRead] | None,
    ) -> bytes:
        """Admitted: (look in the shared tier with `look`, then) read the original and
        render, in one hop to a render thread."""
        flight.admitted = True
        threads = self._background_threads if flight.background else self._threads[cost.heavy]
        try:
            load: Callable[[], OriginalBytes]
            if self._reads_in_thread is not None:  # read and render in one hop
                load = partial(self._reads_in_thread.map_now, key.content_hash)
            else:
                load = partial(_given, await self._originals.get(key.content_hash))
            self.renders += 1  # taken back if `look` finds the variant
            started = time.perf_counter()
            deadline = time.monotonic() + self._policy.timeout_s
            looked, outcome = await threads.run(
                self._look_load_and_render, look, load, key, deadline
            )
            del load  # the original's bytes are part of the admitted cost: free them now
            looked_s = 0.0
            if looked is not None:
                flight.cache_s = looked_s = looked.seconds
                hit = self.cache.settle_read(key, looked)
                if hit is not None:
                    self.renders -= 1
                    flight.tier = self._shared_name
                    return hit
            if isinstance(outcome, Exception):
                raise outcome
        except OriginalNotFound:
            log.error("original %s is referenced by the catalog but missing", key.content_hash)
            raise NotFound("the original image is missing", code="original_missing") from None
        took = time.perf_counter() - started - looked_s
        self.render_seconds.child(key.fmt.value, flight.size).observe(took)
        log.debug("rendered %s in %.1f ms", key.token, took * 1e3)
        self.cache.put_behind(key, outcome)  # the answer does not wait for the shared tier
        return outcome


def _hit(served: Served | None, tier: str, started: float) -> None:
    """Note on the request's record that a cache tier answered."""
    if served is not None:
        served.tier = tier
        served.cache_s = time.perf_counter() - started


def _given(data: OriginalBytes) -> OriginalBytes:
    return data
