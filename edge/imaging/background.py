"""Renders nobody waits for: the AVIF behind a fallback answer, variants warmed for a new
image.

They run one at a time, in the order they were asked for, each through the variant
cache's single flight (a shopper asking for the same variant meanwhile shares or takes
over the render, never repeats it) and through admission's idle queue, which is served
only while no foreground miss waits (`edge/imaging/admission.py`); their render thread
runs at the lowest CPU priority. The queue is bounded: a variant asked for when it is
full is dropped (counted), and rendered on demand like any other miss. A variant already
queued is not queued twice. A failure is logged and remembered like a foreground one.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable

from catalog.models import ResolvedImage
from edge.errors import EdgeError
from edge.storage.cache import VariantKey

log = logging.getLogger(__name__)

Fill = Callable[[VariantKey, ResolvedImage], Awaitable[object]]


class BackgroundRenders:
    def __init__(self, fill: Fill, *, max_queued: int) -> None:
        self._fill = fill
        self._max_queued = max_queued
        self._queued: OrderedDict[VariantKey, ResolvedImage] = OrderedDict()
        self._current: VariantKey | None = None
        self._runner: asyncio.Task[None] | None = None
        self._idle = asyncio.Event()
        self._idle.set()
        self._closed = False
        # counters, for tests and /metrics
        self.scheduled = 0
        self.dropped = 0
        self.failed = 0

    @property
    def queued(self) -> int:
        return len(self._queued)

    def schedule(self, key: VariantKey, image: ResolvedImage) -> bool:
        """Queue `key` unless it is queued or running already; False when the queue is
        full (the variant is dropped)."""
        if key == self._current or key in self._queued:
            return True
        if self._closed or len(self._queued) >= self._max_queued:
            self.dropped += 1
            return False
        self._queued[key] = image
        self.scheduled += 1
        self._idle.clear()
        if self._runner is None or self._runner.done():
            self._runner = asyncio.ensure_future(self._run())
        return True

    async def _run(self) -> None:
        try:
            while self._queued:
                key, image = self._queued.popitem(last=False)
                self._current = key
                try:
                    await self._fill(key, image)
                except EdgeError as exc:
                    self.failed += 1
                    log.info("background render of %s failed: %s", key.token, exc.message)
                except Exception:
                    self.failed += 1
                    log.exception("background render of %s failed", key.token)
                finally:
                    self._current = None
        finally:
            self._idle.set()

    async def settled(self) -> None:
        """Once the queue is empty and nothing runs (tests and benchmarks)."""
        await self._idle.wait()

    def close(self) -> None:
        """Forget what is queued and take no more (a render in its thread still ends)."""
        self._closed = True
        self._queued.clear()
        if self._runner is not None:
            self._runner.cancel()
