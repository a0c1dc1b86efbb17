"""Disk variant tier: one file per variant, atomic writes, bounded size, LRU eviction.

Files live at `<root>/<first two hash digits>/<key token>`; names come only from
validated `VariantKey`s. A write goes to a temporary file in the same directory, is
fsynced, then renamed into place, so a crash leaves at most a `.tmp` file, which is never
served and is removed by a later scan once it is older than any write takes. The LRU
index is rebuilt from file mtimes (reads refresh the mtime), so the cache and its LRU
order survive restarts.

Bounds hold in two situations the index alone cannot see:
- Several processes sharing the directory: each one rescans the directory (its real
  size, every process's files, in mtime order) after writing an eighth of the bound or
  every `rescan_s` seconds, and evicts down to the bound then. Together they exceed it by
  at most what they write between scans (and during one). The rescan a write makes due
  runs in the background, off that request's answer: a large directory takes a while to
  list. What the index sees meanwhile (writes, reads, evictions) is replayed onto the
  scan's result, and each write still evicts down to the bound by the index at once.
- A full filesystem (ENOSPC, whoever filled it): the write evicts the least recently used
  files (at least the new variant's size, at least 1/64 of the bound) and is tried once
  more; only then does it fail (and the tiered cache skips the tier).
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import os
import time
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path

import anyio.to_thread

from edge.storage.atomic_files import TMP_SUFFIX, unlink_quietly, write_atomic
from edge.storage.cache.base import CacheTierError, VariantKey

# A `.tmp` file younger than this may be another process's write in progress.
TMP_MAX_AGE_S = 600.0

log = logging.getLogger(__name__)


class DiskTier:
    name = "disk"

    def __init__(
        self,
        root: Path,
        max_bytes: int,
        index: OrderedDict[str, int],
        *,
        rescan_s: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.root = root
        self.max_bytes = max_bytes
        self.rescan_s = rescan_s
        self._clock = clock
        self._index = index  # token → size, least recently used first
        self._bytes = sum(index.values())
        self._written = 0  # bytes written since the last scan
        self._scanned_at = clock()
        self._scan_lock = asyncio.Lock()
        self._background: asyncio.Task[None] | None = None  # a rescan a write made due
        # While a scan lists the directory: what the index saw meanwhile, in order, to be
        # replayed onto the scan's result ((token, size) in use, (token, None) gone).
        self._seen_during_scan: list[tuple[str, int | None]] | None = None

    @classmethod
    async def open(
        cls,
        root: Path,
        max_bytes: int,
        *,
        rescan_s: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> DiskTier:
        try:
            index = await anyio.to_thread.run_sync(_scan, root)
        except OSError as exc:
            raise CacheTierError(f"cannot open disk cache at {root}: {exc}") from exc
        tier = cls(root, max_bytes, index, rescan_s=rescan_s, clock=clock)
        await tier._evict()
        return tier

    def _file(self, key: VariantKey) -> str:
        """The variant's file, as a plain string (what `read_now` opens, in a render's
        thread on a cold miss: `pathlib` costs several times the `open` there)."""
        return f"{self.root}/{key.content_hash[:2]}/{key.token}"

    def _path(self, key: VariantKey) -> Path:
        return Path(self._file(key))

    async def get(self, key: VariantKey) -> bytes | None:
        data = await anyio.to_thread.run_sync(self.read_now, key)
        self.was_read(key, data)
        return data

    def read_now(self, key: VariantKey) -> bytes | None:
        """The variant's bytes, blocking (in a worker thread); then `was_read`, on the loop."""
        try:
            return _read(self._file(key))
        except OSError as exc:
            raise CacheTierError(f"disk cache read failed: {exc}") from exc

    def was_read(self, key: VariantKey, data: bytes | None) -> None:
        """The index's side of a read: a miss forgets the file, a hit refreshes its place."""
        token = key.token
        if data is None:
            if token in self._index:  # removed behind our back
                self._forget(token)
            return
        if token in self._index:
            self._index.move_to_end(token)
            self._note(token, len(data))
        else:  # written by another process sharing the directory
            self._remember(token, len(data))

    async def put(self, key: VariantKey, data: bytes) -> None:
        if len(data) > self.max_bytes:
            return
        path = self._path(key)
        try:
            await anyio.to_thread.run_sync(write_atomic, path, data)
        except OSError as exc:
            if exc.errno != errno.ENOSPC or not await self._make_room(len(data)):
                raise CacheTierError(f"disk cache write failed: {exc}") from exc
            try:
                await anyio.to_thread.run_sync(write_atomic, path, data)
            except OSError as again:
                raise CacheTierError(f"disk cache write failed: {again}") from again
        self._remember(key.token, len(data))
        self._written += len(data)
        if self._written > self.max_bytes // 8 or self._clock() - self._scanned_at >= self.rescan_s:
            self._rescan_in_background()
        await self._evict()

    async def delete(self, key: VariantKey) -> None:
        self._forget(key.token)
        await self._unlink(self._path(key))

    async def close(self) -> None:
        if self._background is not None:
            self._background.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._background

    @property
    def current_bytes(self) -> int:
        return self._bytes

    async def rescan(self) -> None:
        """Rebuild the index from the directory: every process's files, by mtime."""
        async with self._scan_lock:
            self._written, self._scanned_at = 0, self._clock()
            self._seen_during_scan = []
            try:
                index = await anyio.to_thread.run_sync(_scan, self.root)
                for token, size in self._seen_during_scan:
                    index.pop(token, None)
                    if size is not None:
                        index[token] = size
            except OSError as exc:
                raise CacheTierError(f"disk cache scan failed: {exc}") from exc
            finally:
                self._seen_during_scan = None
            self._index, self._bytes = index, sum(index.values())
            await self._evict()

    async def settled(self) -> None:
        """Once the background rescan in progress, if any, has finished."""
        if self._background is not None:
            await asyncio.shield(self._background)

    def _rescan_in_background(self) -> None:
        if self._background is not None and not self._background.done():
            return  # one at a time; the one running sees this write too
        self._written, self._scanned_at = 0, self._clock()  # not due again meanwhile
        self._background = asyncio.create_task(self._rescan_quietly())

    async def _rescan_quietly(self) -> None:
        try:
            await self.rescan()
        except CacheTierError as exc:  # nobody awaits it: the next one tries again
            log.warning("%s", exc)

    def _remember(self, token: str, size: int) -> None:
        self._bytes += size - self._index.pop(token, 0)
        self._index[token] = size
        self._note(token, size)

    def _forget(self, token: str) -> int:
        size = self._index.pop(token, 0)
        self._bytes -= size
        self._note(token, None)
        return size

    def _note(self, token: str, size: int | None) -> None:
        if self._seen_during_scan is not None:
            self._seen_during_scan.append((token, size))

    async def _make_room(self, size: int) -> bool:
        """Evict at least `size` bytes (and 1/64 of the bound) of the least recently used
        files, the directory's real ones; False when there is nothing to evict."""
        await self.rescan()
        goal = max(size, self.max_bytes // 64)
        victims: list[Path] = []
        freed = 0
        while freed < goal and self._index:
            token = next(iter(self._index))
            freed += self._forget(token)
            victims.append(self.root / token[:2] / token)
        for path in victims:
            await self._unlink(path)
        return bool(victims)

    async def _evict(self) -> None:
        victims: list[Path] = []
        while self._bytes > self.max_bytes and self._index:
            token = next(iter(self._index))
            self._forget(token)
            victims.append(self.root / token[:2] / token)
        for path in victims:
            await self._unlink(path)

    async def _unlink(self, path: Path) -> None:
        try:
            await anyio.to_thread.run_sync(unlink_quietly, path)
        except OSError as exc:
            raise CacheTierError(f"disk cache delete failed: {exc}") from exc


def _scan(root: Path) -> OrderedDict[str, int]:
    root.mkdir(parents=True, exist_ok=True)
    found: list[tuple[float, str, int]] = []
    stale_tmp = time.time() - TMP_MAX_AGE_S
    for shard in root.iterdir():
        if not shard.is_dir():
            continue
        for entry in os.scandir(shard):
            try:
                stat = entry.stat()
            except FileNotFoundError:  # evicted by another process meanwhile
                continue
            if entry.name.endswith(TMP_SUFFIX):
                if stat.st_mtime < stale_tmp:
                    unlink_quietly(Path(entry.path))  # left by a crash mid-write
                continue
            found.append((stat.st_mtime, entry.name, stat.st_size))
    found.sort()
    return OrderedDict((name, size) for _, name, size in found)


def _read(path: str) -> bytes | None:
    """The file's bytes, None if there is none. With `os` calls on a string: a miss (no
    file) costs ~4 µs against ~11 for `Path.read_bytes` (warm; several times both just
    after a render, when this runs)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        return None
    with open(fd, "rb", closefd=True) as f:
        data = f.read()
        # Touch it: the LRU order is rebuilt from mtimes at start-up, so reads must count.
        with contextlib.suppress(OSError):
            os.utime(fd)
    return data
