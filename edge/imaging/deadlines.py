"""Renders stopped at their deadline by one watchdog thread.

libvips does the work of a render in its own threads, and checks an image's kill flag
between batches of tiles; setting the flag from any thread makes the encode fail at its
next check (about a millisecond). The watchdog sets it when a render's deadline passes.

It replaces a Python callback on libvips' `eval` signal that read the clock ~30 times per
render: each call needed the GIL, so a render waited on whatever the event loop was
doing, and cost 0.2-0.5 ms of CPU more (issue 16). Nothing runs during an encode now
unless it is late.
"""

from __future__ import annotations

import heapq
import itertools
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol


class Killable(Protocol):
    """What the watchdog stops: a libvips image (`pyvips.Image`), whose kill flag makes
    its evaluation fail. Only `edge/imaging/render.py` imports libvips."""

    def set_kill(self, kill: bool) -> None: ...


class Watchdog:
    def __init__(self) -> None:
        self._woken = threading.Condition()
        self._due: list[tuple[float, int]] = []  # (monotonic time, watch id), soonest first
        self._watched: dict[int, Killable] = {}
        self._ids = itertools.count()
        self._pid = 0  # the process its thread runs in (a forked worker starts its own)
        self.kills = 0  # renders stopped, for tests

    @contextmanager
    def kills_at(self, image: Killable, when: float) -> Iterator[None]:
        """Within the block, `image` is killed once `time.monotonic()` passes `when`."""
        watch = next(self._ids)
        with self._woken:
            self._start_if_needed()
            self._watched[watch] = image
            heapq.heappush(self._due, (when, watch))
            if self._due[0][1] == watch:
                self._woken.notify()
        try:
            yield
        finally:
            with self._woken:
                self._watched.pop(watch, None)  # its heap entry is dropped when due

    def _start_if_needed(self) -> None:
        if self._pid != os.getpid():
            self._pid = os.getpid()
            threading.Thread(target=self._run, name="render-watchdog", daemon=True).start()

    def _run(self) -> None:
        with self._woken:
            while True:
                if not self._due:
                    self._woken.wait()
                    continue
                when, watch = self._due[0]
                late = time.monotonic() - when
                if late < 0 and watch in self._watched:
                    self._woken.wait(-late)
                    continue
                heapq.heappop(self._due)
                image = self._watched.pop(watch, None)
                if image is not None:
                    image.set_kill(True)
                    self.kills += 1


WATCHDOG = Watchdog()
