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
  at most what they write between scans.
- A full filesystem (ENOSPC, whoever filled it): the write evicts the least recently used
  files (at least the new variant's size, at least 1/64 of the bound) and is tried once
  more; only then does it fail (and the tiered cache skips the tier).
"""

from __future__ import annotations

import contextlib
import errno
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

    def _path(self, key: VariantKey) -> Path:
        return self.root / key.content_hash[:2] / key.token

    async def get(self, key: VariantKey) -> bytes | None:
        try:
            data = await anyio.to_thread.run_sync(_read, self._path(key))
        except OSError as exc:
            raise CacheTierError(f"disk cache read failed: {exc}") from exc
        token = key.token
        if data is None:
            if token in self._index:  # removed behind our back
                self._bytes -= self._index.pop(token)
            return None
        if token in self._index:
            self._index.move_to_end(token)
        else:  # written by another process sharing the directory
            self._index[token] = len(data)
            self._bytes += len(data)
        return data

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
        token = key.token
        self._bytes += len(data) - self._index.pop(token, 0)
        self._index[token] = len(data)
        self._written += len(data)
        if self._written > self.max_bytes // 8 or self._clock() - self._scanned_at >= self.rescan_s:
            await self.rescan()
        await self._evict()

    async def delete(self, key: VariantKey) -> None:
        self._bytes -= self._index.pop(key.token, 0)
        await self._unlink(self._path(key))

    async def close(self) -> None:
        return None

    @property
    def current_bytes(self) -> int:
        return self._bytes

    async def rescan(self) -> None:
        """Rebuild the index from the directory: every process's files, by mtime."""
        try:
            index = await anyio.to_thread.run_sync(_scan, self.root)
        except OSError as exc:
            raise CacheTierError(f"disk cache scan failed: {exc}") from exc
        self._index, self._bytes = index, sum(index.values())
        self._written, self._scanned_at = 0, self._clock()
        await self._evict()

    async def _make_room(self, size: int) -> bool:
        """Evict at least `size` bytes (and 1/64 of the bound) of the least recently used
        files, the directory's real ones; False when there is nothing to evict."""
        await self.rescan()
        goal = max(size, self.max_bytes // 64)
        victims: list[Path] = []
        freed = 0
        while freed < goal and self._index:
            token, item = self._index.popitem(last=False)
            self._bytes -= item
            freed += item
            victims.append(self.root / token[:2] / token)
        for path in victims:
            await self._unlink(path)
        return bool(victims)

    async def _evict(self) -> None:
        victims: list[Path] = []
        while self._bytes > self.max_bytes and self._index:
            token, size = self._index.popitem(last=False)
            self._bytes -= size
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


def _read(path: Path) -> bytes | None:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    # Touch it: the LRU order is rebuilt from mtimes at start-up, so reads must count.
    with contextlib.suppress(OSError):
        os.utime(path)
    return data
