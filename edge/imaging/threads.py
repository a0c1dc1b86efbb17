"""Render threads that yield the CPU to the event loop.

Renders run in a pool of their own whose threads lower their own scheduling priority
(Linux `nice` is per thread) when they start: when the CPUs are busy, the event loop,
which answers cache hits and parses requests, runs first, and heavy renders yield to
light ones. libvips' own worker threads inherit the priority of the thread that
starts them. The priority of a thread can only be lowered without privileges, so
each pool keeps its threads at one value for their whole life.

A render cannot be interrupted from outside: `run` returns when the thread is done
even if the awaiting task is cancelled meanwhile (the cancellation is re-raised after),
so whoever holds resources for the render holds them until it really ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")


def _lower_priority(nice: int) -> None:
    if nice > 0 and hasattr(os, "setpriority"):
        try:
            os.setpriority(os.PRIO_PROCESS, 0, nice)  # 0: the calling thread, on Linux
        except OSError as exc:  # a sandbox may refuse it: the renders still run
            log.debug("render thread priority unchanged: %s", exc)


class RenderThreads:
    def __init__(self, count: int, *, nice: int, name: str) -> None:
        self._pool = ThreadPoolExecutor(
            count, thread_name_prefix=name, initializer=_lower_priority, initargs=(nice,)
        )

    async def run(self, fn: Callable[..., T], *args: object) -> T:
        future = asyncio.get_running_loop().run_in_executor(self._pool, fn, *args)
        try:
            return await asyncio.shield(future)
        except asyncio.CancelledError:
            while not future.done():  # the thread goes on: wait until it really ends
                with contextlib.suppress(asyncio.CancelledError):
                    await asyncio.wait([future])
            if not future.cancelled():
                future.exception()  # retrieved: the cancelled caller does not want it
            raise

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
