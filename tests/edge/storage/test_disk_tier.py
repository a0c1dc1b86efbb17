"""Disk tier specifics: restarts, crash leftovers, failing writes, file names on disk.

The behaviour every tier shares is in `test_cache_contract.py`.
"""

from __future__ import annotations

import asyncio
import errno
import hashlib
import os
import threading
import time
from pathlib import Path

import pytest

import edge.storage.cache.disk
from edge.imaging.formats import Format
from edge.storage import atomic_files
from edge.storage.cache import CacheTierError, DiskTier, MemoryTier, TieredCache, VariantKey

ITEM = 100
WAIT_S = 10.0  # a safety net for a broken test, never reached when it passes


def key(n: int, *, width: int = 400, fmt: Format = Format.WEBP) -> VariantKey:
    return VariantKey(hashlib.sha256(str(n).encode()).hexdigest(), width, fmt, "1")


def value(n: int) -> bytes:
    return (f"v{n}:".encode() * ITEM)[:ITEM]


def files_under(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if not p.is_dir()}


def shard_names(root: Path) -> set[str]:
    return {p.name for p in root.iterdir()}


def bytes_on_disk(root: Path) -> int:
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file())


def rel(k: VariantKey) -> str:
    return f"{k.content_hash[:2]}/{k.token}"


def set_mtimes(root: Path, oldest_first: list[VariantKey]) -> None:
    """Give the files distinct mtimes, one minute apart, in this order."""
    base = 1_700_000_000
    for i, k in enumerate(oldest_first):
        os.utime(root / rel(k), (base + 60 * i, base + 60 * i))


async def test_restart_keeps_entries(tmp_path: Path) -> None:
    tier = await DiskTier.open(tmp_path, 10 * ITEM)
    for n in range(3):
        await tier.put(key(n), value(n))
    await tier.close()

    reopened = await DiskTier.open(tmp_path, 10 * ITEM)
    assert reopened.current_bytes == 3 * ITEM
    for n in range(3):
        assert await reopened.get(key(n)) == value(n)


async def test_restart_rebuilds_lru_order_from_mtimes(tmp_path: Path) -> None:
    keys = sorted((key(n) for n in range(3)), key=lambda k: k.token)
    tier = await DiskTier.open(tmp_path, 3 * ITEM)
    for k in keys:  # put order == name order
        await tier.put(k, b"x" * ITEM)
    set_mtimes(tmp_path, oldest_first=keys[::-1])  # mtime order is the reverse of both

    reopened = await DiskTier.open(tmp_path, 3 * ITEM)
    await reopened.put(key(10), b"y" * ITEM)  # over the bound by one item: evict the oldest
    assert await reopened.get(keys[2]) is None
    assert not (tmp_path / rel(keys[2])).exists()
    assert await reopened.get(keys[0]) == b"x" * ITEM
    assert await reopened.get(keys[1]) == b"x" * ITEM
    assert await reopened.get(key(10)) == b"y" * ITEM


async def test_open_evicts_oldest_when_bound_shrank(tmp_path: Path) -> None:
    keys = [key(n) for n in range(4)]
    tier = await DiskTier.open(tmp_path, 4 * ITEM)
    for k in keys:
        await tier.put(k, b"x" * ITEM)
    order = [keys[2], keys[0], keys[3], keys[1]]
    set_mtimes(tmp_path, oldest_first=order)

    smaller = await DiskTier.open(tmp_path, 2 * ITEM)
    assert smaller.current_bytes == 2 * ITEM
    assert files_under(tmp_path) == {rel(order[2]), rel(order[3])}
    assert await smaller.get(order[0]) is None
    assert await smaller.get(order[3]) == b"x" * ITEM


async def test_crash_leftover_tmp_is_never_served_and_removed_on_open(tmp_path: Path) -> None:
    k = key(1)
    tier = await DiskTier.open(tmp_path, 10 * ITEM)
    shard = tmp_path / k.content_hash[:2]
    shard.mkdir()
    leftovers = [shard / f".{k.token}.tmp", shard / f"{k.token}.tmp", shard / ".abc123.tmp"]
    crashed = time.time() - 3600
    for path in leftovers:
        path.write_bytes(b"half a wri")
        os.utime(path, (crashed, crashed))
    in_progress = shard / ".another-process-writing.tmp"
    in_progress.write_bytes(b"half a wri")
    assert await tier.get(k) is None

    reopened = await DiskTier.open(tmp_path, 10 * ITEM)
    assert not any(path.exists() for path in leftovers)
    assert in_progress.exists()  # young: perhaps another process's write; never counted
    assert reopened.current_bytes == 0
    assert await reopened.get(k) is None


async def test_files_are_named_only_from_the_key_token(tmp_path: Path) -> None:
    keys = [key(1), key(2), key(1, width=800), key(1, fmt=Format.AVIF), key(3, fmt=Format.PNG)]
    tier = await DiskTier.open(tmp_path, 100 * ITEM)
    for k in keys:
        await tier.put(k, b"bytes")
    await tier.put(keys[0], b"overwritten")
    await tier.delete(keys[4])

    assert files_under(tmp_path) == {rel(k) for k in keys[:4]}
    shards = shard_names(tmp_path)
    assert shards == {k.content_hash[:2] for k in keys}
    assert all(len(s) == 2 and set(s) <= set("0123456789abcdef") for s in shards)


async def test_bytes_on_disk_stay_within_bound(tmp_path: Path) -> None:
    tier = await DiskTier.open(tmp_path, 5 * ITEM)
    for n in range(20):
        await tier.put(key(n), value(n))
    on_disk = bytes_on_disk(tmp_path)
    assert on_disk <= 5 * ITEM
    assert on_disk == tier.current_bytes
    assert files_under(tmp_path) == {rel(key(n)) for n in range(15, 20)}


def _no_space(path: Path, data: bytes) -> None:
    raise OSError(errno.ENOSPC, "No space left on device")


async def test_write_failure_raises_cache_tier_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tier = await DiskTier.open(tmp_path, 10 * ITEM)  # full, and nothing of ours to evict
    monkeypatch.setattr(edge.storage.cache.disk, "write_atomic", _no_space)
    with pytest.raises(CacheTierError):
        await tier.put(key(1), value(1))
    assert tier.current_bytes == 0
    assert await tier.get(key(1)) is None


async def test_real_write_failure_raises_cache_tier_error(tmp_path: Path) -> None:
    k = key(1)
    tier = await DiskTier.open(tmp_path, 10 * ITEM)
    (tmp_path / k.content_hash[:2]).write_bytes(b"a file where the shard directory goes")
    with pytest.raises(CacheTierError):
        await tier.put(k, value(1))


async def test_read_failure_raises_cache_tier_error(tmp_path: Path) -> None:
    k = key(1)
    tier = await DiskTier.open(tmp_path, 10 * ITEM)
    (tmp_path / rel(k)).mkdir(parents=True)  # a directory where the file goes
    with pytest.raises(CacheTierError):
        await tier.get(k)


async def test_tiered_cache_skips_a_failing_disk_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = TieredCache(MemoryTier(10 * ITEM), await DiskTier.open(tmp_path, 10 * ITEM))
    monkeypatch.setattr(edge.storage.cache.disk, "write_atomic", _no_space)
    await cache.put(key(1), value(1))  # no exception reaches the caller
    assert await cache.get(key(1)) == value(1)  # memory still serves
    assert cache.stats["shared_error"] == 1
    assert files_under(tmp_path) == set()


async def test_tiered_cache_skips_a_failing_disk_read(tmp_path: Path) -> None:
    k = key(1)
    cache = TieredCache(MemoryTier(10 * ITEM), await DiskTier.open(tmp_path, 10 * ITEM))
    (tmp_path / rel(k)).mkdir(parents=True)
    assert await cache.get(k) is None
    assert cache.stats["shared_error"] == 1


def _unlink_denied(path: Path) -> None:
    raise PermissionError(errno.EACCES, "Permission denied", str(path))


@pytest.mark.parametrize("operation", ["delete", "evict"])
async def test_unlink_failure_raises_cache_tier_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, operation: str
) -> None:
    tier = await DiskTier.open(tmp_path, 2 * ITEM)
    await tier.put(key(1), value(1))
    await tier.put(key(2), value(2))
    monkeypatch.setattr(edge.storage.cache.disk, "unlink_quietly", _unlink_denied)
    with pytest.raises(CacheTierError):
        if operation == "delete":
            await tier.delete(key(1))
        else:
            await tier.put(key(3), value(3))  # over the bound: evicts key 1


async def test_tiered_cache_skips_a_failing_disk_delete(tmp_path: Path) -> None:
    k = key(1)
    cache = TieredCache(MemoryTier(10 * ITEM), await DiskTier.open(tmp_path, 10 * ITEM))
    await cache.put(k, value(1))
    (tmp_path / rel(k)).unlink()
    (tmp_path / rel(k) / "blocker").mkdir(parents=True)  # unlink of a directory fails
    await cache.delete(k)  # no exception reaches the caller
    assert cache.memory.get_now(k) is None
    assert cache.stats["shared_error"] == 1


async def test_reads_count_for_lru_across_restarts(tmp_path: Path) -> None:
    tier = await DiskTier.open(tmp_path, 3 * ITEM)
    for n in (1, 2, 3):
        await tier.put(key(n), value(n))
    old = time.time() - 1000
    for n in (1, 2, 3):  # all written long ago, 1 the oldest
        os.utime(tmp_path / rel(key(n)), (old + n, old + n))
    assert await tier.get(key(1)) == value(1)  # read now: 1 is the most recent
    reopened = await DiskTier.open(tmp_path, 3 * ITEM)
    await reopened.put(key(4), value(4))  # over the bound: the least recently used goes
    assert await reopened.get(key(1)) == value(1)
    assert await reopened.get(key(2)) is None


class SmallDisk:
    """A filesystem of `capacity` bytes under `root`: a write that would overfill it
    fails with ENOSPC, as a real full disk does (before the rename, so nothing changes)."""

    def __init__(self, root: Path, capacity: int) -> None:
        self.root, self.capacity, self.refused = root, capacity, 0

    def write(self, path: Path, data: bytes) -> None:
        if bytes_on_disk(self.root) + len(data) > self.capacity:
            self.refused += 1
            raise OSError(errno.ENOSPC, "No space left on device")
        atomic_files.write_atomic(path, data)


async def test_a_full_filesystem_evicts_and_the_write_succeeds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The bound (100 items) is above what the filesystem holds (10): every write still
    lands, by evicting the least recently used files, so later misses are hits."""
    disk = SmallDisk(tmp_path, 10 * ITEM)
    monkeypatch.setattr(edge.storage.cache.disk, "write_atomic", disk.write)
    tier = await DiskTier.open(tmp_path, 100 * ITEM)
    for n in range(30):
        await tier.put(key(n), value(n))
        assert await tier.get(key(n)) == value(n)
    assert disk.refused > 0
    assert bytes_on_disk(tmp_path) <= 10 * ITEM
    assert tier.current_bytes == bytes_on_disk(tmp_path)


async def test_one_injected_enospc_is_retried_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tier = await DiskTier.open(tmp_path, 100 * ITEM)
    for n in range(3):
        await tier.put(key(n), value(n))
    failures = iter([OSError(errno.ENOSPC, "No space left on device")])

    def fails_once(path: Path, data: bytes) -> None:
        for exc in failures:
            raise exc
        atomic_files.write_atomic(path, data)

    monkeypatch.setattr(edge.storage.cache.disk, "write_atomic", fails_once)
    await tier.put(key(9), value(9))
    assert await tier.get(key(9)) == value(9)
    assert await tier.get(key(0)) is None  # the least recently used made room


async def test_processes_sharing_a_directory_keep_its_bound_together(tmp_path: Path) -> None:
    """Two tiers on one directory (two edge processes): each rescans the real directory
    after writing an eighth of the bound, so together they stay within the bound plus
    what each writes between scans."""
    bound = 40 * ITEM
    a = await DiskTier.open(tmp_path, bound, rescan_s=3600)
    b = await DiskTier.open(tmp_path, bound, rescan_s=3600)
    for n in range(200):
        await (a if n % 2 else b).put(key(n), value(n))
        assert bytes_on_disk(tmp_path) <= bound + 2 * (bound // 8 + ITEM)
    await a.rescan()
    assert bytes_on_disk(tmp_path) <= bound
    assert await a.get(key(199)) == value(199)  # the most recent survive, whoever wrote them


async def test_a_rescan_is_also_due_after_rescan_s(tmp_path: Path) -> None:
    now = [0.0]
    a = await DiskTier.open(tmp_path, 1000 * ITEM, rescan_s=60, clock=lambda: now[0])
    other = await DiskTier.open(tmp_path, 1000 * ITEM)
    for n in range(5):
        await other.put(key(n), value(n))
    await a.put(key(10), value(10))
    assert a.current_bytes == ITEM  # has not looked yet
    now[0] = 61
    await a.put(key(11), value(11))
    await a.settled()  # the rescan runs beside the write, not inside it
    assert a.current_bytes == 7 * ITEM == bytes_on_disk(tmp_path)


async def test_a_rescan_runs_off_the_write_that_makes_it_due_and_keeps_the_bound(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A shared directory is listed in the background: the write that made the rescan
    due answers at once; what happens meanwhile is not lost; the bound holds after."""
    bound = 20 * ITEM
    a = await DiskTier.open(tmp_path, bound, rescan_s=3600)
    other = await DiskTier.open(tmp_path, bound, rescan_s=3600)
    for n in range(100, 115):  # another process's files, unknown to `a`
        await other.put(key(n), value(n))
    listing, release = threading.Event(), threading.Event()
    real_scan = edge.storage.cache.disk._scan

    def slow_scan(root: Path):
        found = real_scan(root)
        listing.set()
        assert release.wait(WAIT_S)
        return found

    monkeypatch.setattr(edge.storage.cache.disk, "_scan", slow_scan)
    for n in range(bound // 8 // ITEM + 1):  # past an eighth of the bound: a rescan is due
        await asyncio.wait_for(a.put(key(n), value(n)), WAIT_S)
    assert await asyncio.to_thread(listing.wait, WAIT_S)  # the scan is under way...
    await asyncio.wait_for(a.put(key(50), value(50)), WAIT_S)  # ...and writes go on
    assert await a.get(key(0)) == value(0)
    release.set()
    await asyncio.wait_for(a.settled(), WAIT_S)
    assert bytes_on_disk(tmp_path) <= bound
    assert a.current_bytes == bytes_on_disk(tmp_path)
    assert await a.get(key(50)) == value(50)  # written during the scan, still known
    await a.close()
