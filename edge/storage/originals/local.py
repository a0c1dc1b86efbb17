"""Originals on the local filesystem: `<root>/<ab>/<cd>/<sha256>`, written atomically.

The path is built only from a validated hash, never from anything a caller names. The
put time is the file's mtime: a `put` of bytes already there touches it. Removal moves
the file to `<sha256>.removing` first (see `base`); `get` still finds it there, so a
reader never misses an original that a removal ends up putting back.

A render maps its original (`map_now`) rather than reading it: decoding straight from the
page cache spares a 2 MB copy into fresh memory, whose page faults cost more than the
copy itself (~0.3 ms of CPU per render of a 1.8 MB JPEG, issue 16). Originals are only
ever replaced by rename and removed by unlink, never rewritten in place, so a mapping
always sees whole, unchanging bytes.
"""

from __future__ import annotations

import contextlib
import mmap
import os
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import TypeVar

import anyio.to_thread

from edge.storage.atomic_files import TMP_SUFFIX, write_atomic
from edge.storage.originals.base import (
    OriginalBytes,
    OriginalNotFound,
    OriginalsError,
    StillUsed,
    Stored,
    check_hash,
    content_hash,
)

T = TypeVar("T")
ASIDE_SUFFIX = ".removing"
_BATCH = 500


class LocalOriginals:
    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, digest: str) -> Path:
        check_hash(digest)
        return self.root / digest[:2] / digest[2:4] / digest

    async def put(self, data: bytes) -> Stored:
        digest = content_hash(data)
        try:
            created, put_at = await anyio.to_thread.run_sync(_put, self._path(digest), data)
        except OSError as exc:
            raise OriginalsError(f"cannot store original: {exc}") from exc
        return Stored(digest, created, put_at)

    async def get(self, digest: str) -> bytes:
        return await anyio.to_thread.run_sync(self._read_now, digest)

    def _read_now(self, digest: str) -> bytes:
        return self._now(_read, digest)

    def map_now(self, digest: str) -> OriginalBytes:
        return self._now(_map, digest)

    def _now(self, read: Callable[[Path], T], digest: str) -> T:
        path = self._path(digest)
        try:
            return read(path)
        except FileNotFoundError:
            raise OriginalNotFound(digest) from None
        except OSError as exc:
            raise OriginalsError(f"cannot read original: {exc}") from exc

    async def exists(self, digest: str) -> bool:
        return await anyio.to_thread.run_sync(self._path(digest).exists)

    async def size(self, digest: str) -> int | None:
        try:
            return (await anyio.to_thread.run_sync(self._path(digest).stat)).st_size
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise OriginalsError(f"cannot look up original: {exc}") from exc

    async def ping(self) -> None:
        """The root is a directory this process may write into (a missing or unmounted
        volume, a file in its place, a read-only mount all fail), checked by stat and
        access(2) only."""
        if not await anyio.to_thread.run_sync(_writable_dir, self.root):
            raise OriginalsError(f"originals directory {self.root} is missing or not writable")

    async def delete(self, digest: str) -> None:
        path = self._path(digest)
        try:
            await anyio.to_thread.run_sync(path.unlink)
        except FileNotFoundError:
            pass
        except OSError as exc:
            raise OriginalsError(f"cannot delete original: {exc}") from exc

    async def remove_unreferenced(
        self, digest: str, still_used: StillUsed, *, put_before: float
    ) -> bool:
        path = self._path(digest)
        aside = _aside(path)
        try:
            if not await anyio.to_thread.run_sync(_move_aside_if_old, path, aside, put_before):
                return False
            # Moved: a put from now on writes a new copy. One just before the move shows in
            # the mtime; one whose row committed shows in the catalog.
            keep = True  # unless both answers say otherwise (no answer: catalog down)
            try:
                fresh = await anyio.to_thread.run_sync(_put_after, aside, put_before)
                keep = fresh or await still_used(digest)
            finally:
                if keep:
                    with anyio.CancelScope(shield=True):
                        await anyio.to_thread.run_sync(_put_back, aside, path)
            if keep:
                return False
            await anyio.to_thread.run_sync(_unlink_if_there, aside)
        except OSError as exc:
            raise OriginalsError(f"cannot remove original: {exc}") from exc
        return True

    async def put_before(self, cutoff: float) -> AsyncIterator[list[str]]:
        try:
            shards = await anyio.to_thread.run_sync(_shards, self.root)
            for shard in shards:
                found = await anyio.to_thread.run_sync(_old_in_shard, shard, cutoff)
                for start in range(0, len(found), _BATCH):
                    yield found[start : start + _BATCH]
        except OSError as exc:
            raise OriginalsError(f"cannot list originals: {exc}") from exc

    async def clean_leftovers(self, older_than: float) -> int:
        try:
            return await anyio.to_thread.run_sync(_clean_leftovers, self.root, older_than)
        except OSError as exc:
            raise OriginalsError(f"cannot clean originals: {exc}") from exc


def _writable_dir(path: Path) -> bool:
    try:
        return path.is_dir() and os.access(path, os.W_OK | os.X_OK)
    except OSError:
        return False


def _aside(path: Path) -> Path:
    return path.with_name(path.name + ASIDE_SUFFIX)


def _put(path: Path, data: bytes) -> tuple[bool, float]:
    """(created, put time left). Bytes already there get a fresh mtime: the touch is what
    tells a concurrent removal that someone is about to reference them."""
    try:
        return False, _stamp(path)
    except FileNotFoundError:  # new, lost, or moved aside by a removal: write a copy
        write_atomic(path, data)
        return True, _stamp(path)


def _stamp(path: Path) -> float:
    """Set the mtime to now, in whole microseconds, so that the float it returns compares
    exactly with the mtime read back (`_put_after`)."""
    us = time.time_ns() // 1000
    os.utime(path, ns=(us * 1000, us * 1000))
    return us / 1e6


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return _aside(path).read_bytes()  # a removal is deciding; it may put it back


def _map(path: Path) -> OriginalBytes:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        fd = os.open(_aside(path), os.O_RDONLY | os.O_CLOEXEC)  # as in `_read`
    try:
        if os.fstat(fd).st_size == 0:
            return b""  # mmap refuses an empty file; the render says it is unreadable
        return mmap.mmap(fd, 0, prot=mmap.PROT_READ)  # the mapping outlives the descriptor
    finally:
        os.close(fd)


def _put_after(path: Path, cutoff: float) -> bool:
    return path.stat().st_mtime_ns // 1000 > round(cutoff * 1e6)


def _move_aside_if_old(path: Path, aside: Path, cutoff: float) -> bool:
    try:
        if _put_after(path, cutoff):
            return False
        os.rename(path, aside)
    except FileNotFoundError:
        return False
    return True


def _put_back(aside: Path, path: Path) -> None:
    """Over a copy a concurrent put wrote meanwhile (the same bytes); gone already if
    another process's `clean_leftovers` put it back first."""
    with contextlib.suppress(FileNotFoundError):
        os.replace(aside, path)


def _unlink_if_there(path: Path) -> None:
    path.unlink(missing_ok=True)


def _shards(root: Path) -> list[Path]:
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir() if p.is_dir())


def _old_in_shard(shard: Path, cutoff: float) -> list[str]:
    found = []
    for sub in shard.iterdir():
        if not sub.is_dir():
            continue
        for entry in os.scandir(sub):
            name = entry.name
            if len(name) == 64 and entry.is_file() and not _put_after(Path(entry.path), cutoff):
                try:
                    found.append(check_hash(name))
                except ValueError:
                    continue
    return found


def _clean_leftovers(root: Path, older_than: float) -> int:
    handled = 0
    for shard in _shards(root):
        for sub in shard.iterdir():
            if not sub.is_dir():
                continue
            for entry in os.scandir(sub):
                path = Path(entry.path)
                if entry.name.endswith(ASIDE_SUFFIX):
                    # An interrupted removal: put it back; the sweep decides again.
                    _put_back(path, path.with_name(entry.name.removesuffix(ASIDE_SUFFIX)))
                    handled += 1
                elif entry.name.endswith(TMP_SUFFIX) and entry.stat().st_mtime <= older_than:
                    _unlink_if_there(path)
                    handled += 1
    return handled
