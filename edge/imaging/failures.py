"""Failure memory: a render that failed (deadline, undecodable, over a limit) is
remembered per variant for a short time, so asking again costs a dictionary lookup: the
same error answer, no read of the original, no render, no log line.

Only a render's own failures are remembered; a busy queue, a missing original or a
store outage are the moment's, and the next request tries again.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from cachetools import TTLCache

from edge.errors import EdgeError, RenderTimeout, SourceRejected
from edge.storage.cache import VariantKey

REMEMBERED: tuple[type[EdgeError], ...] = (RenderTimeout, SourceRejected)
# What is kept of a failure: its class, message and code. Never the exception itself: its
# traceback's frames hold the original's bytes and the render's libvips images.
_Failure = tuple[type[EdgeError], str, str]


class FailureMemory:
    def __init__(
        self, ttl_s: float, size: int, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._enabled = ttl_s > 0
        self._failures: TTLCache[VariantKey, _Failure] = TTLCache(
            maxsize=size, ttl=max(ttl_s, 1e-9), timer=clock
        )
        self.remembered = 0  # failures stored / answered from memory, for /metrics
        self.repeated = 0

    def __len__(self) -> int:
        return len(self._failures)

    def remember(self, key: VariantKey, error: BaseException) -> None:
        if self._enabled and isinstance(error, REMEMBERED):
            self._failures[key] = (type(error), error.message, error.code)
            self.remembered += 1

    def remembers(self, key: VariantKey) -> bool:
        """Whether a failure of `key` is remembered (not counted as answered)."""
        return key in self._failures

    def check(self, key: VariantKey) -> None:
        """Raise a copy of the failure remembered for `key`, if any."""
        failure = self._failures.get(key)
        if failure is None:
            return
        self.repeated += 1
        cls, message, code = failure
        again = cls(message, code=code)
        again.log = False  # logged when it happened
        raise again
