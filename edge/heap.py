"""How the edge process's C heap (glibc malloc) holds what renders free.

Measured in an edge under `loadtests/bench_soak.py` (issue 16, mallinfo2 and smaps every
10 s): past start-up nearly all RSS is glibc's arenas, and most of that is memory the
renders freed and malloc kept (150-340 MiB), not memory in use (50-150 MiB: the
memory tier, the Python heap, both flat, and the renders in flight: libvips' frames and
the encoders', up to ~100 MiB at once). libvips' own tracked memory stays under 40 MiB.
glibc's defaults make that RSS swing (±10-14%): its mmap threshold grows to 32 MiB, so
frames come from the arenas, it gives back the top of a heap whenever that passes its
trim threshold, and it unmaps a thread arena's heap (64 MiB) as soon as it is all
free, whatever the threshold; each is faulted in again at the next large render.
Measured both ways (2 arenas):

- frames given back at once (a fixed 256 KiB mmap threshold): RSS follows the renders
  in flight, 40% lower but swinging ±21%, and the arenas still creep (+9 MiB/min);
- frames kept (`keep_freed_memory`): RSS rises in the first minutes to what the renders
  needed at their busiest, fragmentation included, and stays there (±2-7%), but for
  30-40 MiB drops when the thread arena's heap is unmapped. With one arena (the main
  one, whose heap only the trim threshold shrinks) those drops go too.

The edge keeps them in one arena, and `HeapCeiling` gives the kept heap back (`malloc_trim`) if RSS
ever passes its start-up RSS + memory tier + render budget. Each knob leaves glibc alone
where its own environment variables are set, or where there is no glibc.

Until stop 26 `imgedge serve` set the arena limit after its start-up checks, which run in
threads: each kept an arena of its own (three to five in all: glibc's `malloc_stats` in a
soak's edge, the arena test), and the soak's RSS (then 290-390 MiB) swung whenever a
render's memory landed in one of them and its heap was unmapped again. Set first
(`/metrics` reports `imgedge_malloc_arenas`), the soak settles at ~255 MiB within ±1-2%,
with renders reading or mapping their originals alike.
"""

from __future__ import annotations

import ctypes
import gc
import os
from collections.abc import Callable
from functools import cache

# glibc's mallopt parameters, and its largest M_MMAP_THRESHOLD on 64-bit
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
M_ARENA_MAX = -8
MMAP_THRESHOLD_MAX = 32 * 1024 * 1024
_INT_MAX = 2**31 - 1
_GLIBC_THRESHOLD_ENV = ("MALLOC_TRIM_THRESHOLD_", "MALLOC_MMAP_THRESHOLD_")


@cache
def _libc() -> ctypes.CDLL | None:
    try:
        return ctypes.CDLL("libc.so.6")
    except OSError:
        return None


def limit_malloc_arenas(arenas: int) -> bool:
    """glibc's `mallopt(M_ARENA_MAX, arenas)`, before any thread but the main one has
    allocated: a thread that allocates first gets an arena of its own, kept for the life
    of the process (the start-up checks' threads made two to four more, issue 16).

    By default glibc gives threads up to 8 arenas per core; each render thread's arena
    keeps the memory libvips freed in it (fragmented, rarely returned), so RSS climbs
    with the variety of renders long after the memory tier is full. One shared arena
    holds it at what the renders need (see the module's docstring). 0, a
    `MALLOC_ARENA_MAX` in the environment (glibc's own knob) or no glibc: left alone."""
    libc = _libc()
    if arenas == 0 or "MALLOC_ARENA_MAX" in os.environ or libc is None:
        return False
    return bool(libc.mallopt(M_ARENA_MAX, arenas))


def keep_freed_memory(keep_bytes: int) -> bool:
    """Frames up to 32 MiB come from the arenas and stay there once freed, up to
    `keep_bytes` at the top of a heap (fixed thresholds: glibc's dynamic ones off).
    glibc's own threshold variables or tunables in the environment: left alone."""
    libc = _libc()
    if libc is None or _thresholds_set_in_environment():
        return False
    return bool(
        libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_MAX)
        and libc.mallopt(M_TRIM_THRESHOLD, min(keep_bytes, _INT_MAX))
    )


def _thresholds_set_in_environment() -> bool:
    env = os.environ
    return "glibc.malloc" in env.get("GLIBC_TUNABLES", "") or any(
        name in env for name in _GLIBC_THRESHOLD_ENV
    )


def resident_bytes() -> int:
    """This process's RSS (Linux), or 0 where /proc is not there. Read after every render
    (`HeapCeiling`): the file stays open, so a read is one `pread` (~3 µs) rather than an
    open, a read and a close (~35 µs, ~175 µs measured in a render thread just after the
    render)."""
    try:
        return int(os.pread(_statm(os.getpid()), 128, 0).split()[1]) * _page_size()
    except OSError:
        return 0


@cache
def _statm(pid: int) -> int:
    """The descriptor of /proc/self/statm opened by process `pid` (a forked child, whose
    pid differs, opens its own: /proc/self was resolved at open)."""
    return os.open("/proc/self/statm", os.O_RDONLY | os.O_CLOEXEC)


@cache
def _page_size() -> int:
    return os.sysconf("SC_PAGE_SIZE")


def malloc_arenas() -> int | None:
    """How many arenas glibc's malloc has (`malloc_info`), or None without glibc."""
    libc = _libc()
    if libc is None:
        return None
    buffer, size = ctypes.c_char_p(), ctypes.c_size_t()
    libc.open_memstream.restype = ctypes.c_void_p
    stream = libc.open_memstream(ctypes.byref(buffer), ctypes.byref(size))
    if not stream:
        return None
    try:
        libc.malloc_info(0, ctypes.c_void_p(stream))
    finally:
        libc.fclose(ctypes.c_void_p(stream))
    try:
        return (buffer.value or b"").count(b"<heap nr=")
    finally:
        libc.free(buffer)


def malloc_trim() -> None:
    """Give every free page of every arena back to the OS (glibc; elsewhere nothing)."""
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)


class HeapCeiling:
    """Returns the kept heap to the OS when RSS passes `limit` bytes. Checked after each
    render, in its thread (a read of /proc; the trim, when due, costs ~0.1 ms per MiB
    given back)."""

    def __init__(
        self,
        limit: int,
        *,
        rss: Callable[[], int] = resident_bytes,
        trim: Callable[[], None] = malloc_trim,
    ) -> None:
        self.limit = limit
        self._rss = rss
        self._trim = trim
        self.trims = 0  # for tests and /metrics

    @classmethod
    def above_now(cls, allowed: int) -> HeapCeiling:
        """The ceiling at the current RSS (the fixed baseline) + `allowed` bytes."""
        return cls(resident_bytes() + allowed)

    def check(self) -> None:
        if self._rss() > self.limit:
            self._trim()
            self.trims += 1


# A process's start-up leaves hundreds of thousands of objects that live as long as it
# does: modules, the app, the matcher's caches of read names. With the default thresholds
# (a young collection every 700 allocations, an old one every 10 of those) the collector
# keeps walking them: a tenth of a matcher worker's scoring CPU (5,000 titles); in the
# edge, on the event loop, a full collection of ~15 ms every ~120 cold misses and ~7
# middle ones of ~1 ms (quiet machine; several times that under load). Fewer, larger
# young collections, and what start-up made frozen out of every collection.
GC_THRESHOLDS = (50_000, 20, 10)


def freeze_start_up() -> None:
    """Collect once, then freeze what is left out of later collections (`gc.freeze`)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
