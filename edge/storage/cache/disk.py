"""Disk variant tier: one file per variant, atomic writes, bounded size, LRU eviction.

Files live at `<root>/<first two hash digits>/<key token>`; names come only from
validated `VariantKey`s. A write goes to a temporary file in the same directory, is
fsynced, then renamed into place, so a crash leaves at most a `.tmp` file, which is never
served and is removed at the next start. The LRU index is rebuilt from file mtimes at
start-up (reads refresh the mtime), so the cache and its LRU order survive restarts.
"""

from __future__ import annotations

import contextlib
import os
from collections import OrderedDict
from pathlib import Path

import anyio.to_thread

from edge.storage.atomic_files import TMP_SUFFIX, unlink_quietly, write_atomic
from edge.storage.cache.base import CacheTierError, VariantKey


class DiskTier:
    name = "disk"

    def __init__(self, root: Path, max_bytes: int, index: OrderedDict[str, int]) -> None:
        self.root = root
        self.max_bytes = max_bytes
        self._index = index  # token → size, least recently used first
        self._bytes = sum(index.values())

    @classmethod
    async def open(cls, root: Path, max_bytes: int) -> DiskTier:
        try:
            index = await anyio.to_thread.run_sync(_scan, root)
        except OSError as exc:
            raise CacheTierError(f"cannot open disk cache at {root}: {exc}") from exc
        tier = cls(root, max_bytes, index)
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
        try:
            await anyio.to_thread.run_sync(write_atomic, self._path(key), data)
        except OSError as exc:
            raise CacheTierError(f"disk cache write failed: {exc}") from exc
        token = key.token
        self._bytes += len(data) - self._index.pop(token, 0)
        self._index[token] = len(data)
        await self._evict()

    async def delete(self, key: VariantKey) -> None:
        self._bytes -= self._index.pop(key.token, 0)
        await self._unlink(self._path(key))

    async def close(self) -> None:
        return None

    @property
    def current_bytes(self) -> int:
        return self._bytes

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
    for shard in root.iterdir():
        if not shard.is_dir():
            continue
        for entry in os.scandir(shard):
            if entry.name.endswith(TMP_SUFFIX):
                unlink_quietly(Path(entry.path))  # left by a crash mid-write
                continue
            stat = entry.stat()
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
