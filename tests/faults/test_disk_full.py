"""The disk cache's filesystem full, for real (a 2 MiB tmpfs, ENOSPC), under a real
`imgedge serve` with no memory tier (every hit it serves comes from disk):
- filled by the cache itself (its bound is larger than the filesystem): it evicts its
  least recently used files and keeps writing, never skipping the tier;
- filled by someone else: what is on disk keeps serving, misses are rendered and served
  (the tier is skipped), nothing half-written is left, and once space returns the tier
  comes back by itself within seconds."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from config import Settings
from edge.demo.photos import PhotoSpec
from loadtests.private_edge import EdgeProcess, edge_env, running
from loadtests.private_fs import fill

UP = 'imgedge_shared_cache_up{tier="disk"} 1.0'
DOWN = 'imgedge_shared_cache_up{tier="disk"} 0.0'


@pytest.fixture
def settings(tmp_path: Path, tiny_filesystem: Path) -> Settings:
    return Settings().replace(
        database_url=f"sqlite:///{tmp_path}/catalog.db",
        cache_url=f"file://{tiny_filesystem}/cache",
        originals_url=f"file://{tmp_path}/originals",
        render_workers=2,
    )


@pytest.fixture
async def edge(settings: Settings, tmp_path: Path) -> AsyncIterator[tuple]:
    process = EdgeProcess(
        edge_env(
            database_url=settings.database_url,
            cache_url=settings.cache.url,
            originals_url=settings.originals_url,
            memory_cache_mb="0",  # every hit is a disk hit
            disk_cache_mb="64",  # more than the filesystem holds
            cache_retry_s="0.5",
            render_workers="2",
        ),
        tmp_path / "edge.log",
    )
    async with httpx.AsyncClient(timeout=20) as http, running([process], http):
        yield process, http


def _files(root: Path) -> dict[str, int]:
    return {p.name: p.stat().st_size for p in root.rglob("*") if p.is_file()}


async def _metrics(http: httpx.AsyncClient, edge: EdgeProcess) -> str:
    return (await http.get(f"{edge.url}/metrics")).text


async def _written(http: httpx.AsyncClient, edge: EdgeProcess) -> str:
    """/metrics once the writes behind the answers have ended (they run after them)."""
    for _ in range(100):
        metrics = await _metrics(http, edge)
        if "imgedge_shared_cache_pending_writes 0.0" in metrics:
            return metrics
        await asyncio.sleep(0.02)
    raise AssertionError("the disk writes behind the answers never ended")


def _renders(metrics: str) -> float:
    line = next(x for x in metrics.splitlines() if x.startswith("imgedge_renders_total "))
    return float(line.split()[1])


async def test_a_cache_that_fills_its_filesystem_evicts_and_keeps_writing(edge, build, settings):
    process, http = edge
    cache = Path(settings.cache.url.removeprefix("file://"))
    products = [(await build.product()).id for _ in range(8)]
    urls = [
        f"/img/{p}/{size}.{fmt}"
        for p in products
        for size in ("thumbnail", "small", "medium", "large")
        for fmt in ("jpg", "webp")
    ]
    written = 0
    for url in urls:
        r = await http.get(process.url + url)
        assert r.status_code == 200, r.text
        written += len(r.content)
    assert written > 3 * 1024 * 1024  # well past the 2 MiB filesystem
    metrics = await _written(http, process)
    assert UP in metrics  # ENOSPC was met by eviction, never by skipping the tier
    files = _files(cache)
    assert not [name for name in files if name.endswith(".tmp")]
    assert sum(files.values()) <= 2 * 1024 * 1024 and len(files) < len(urls)  # evicted
    # The newest variants are on disk and served from it, without a render.
    renders = _renders(metrics)
    assert (await http.get(process.url + urls[-1])).status_code == 200
    assert _renders(await _metrics(http, process)) == renders


async def test_a_filesystem_filled_by_someone_else_serves_and_recovers(edge, build, settings):
    process, http = edge
    cache = Path(settings.cache.url.removeprefix("file://"))
    product = (await build.product(PhotoSpec(1000, 800, (30, 90, 160), "can"))).id
    on_disk = f"{process.url}/img/{product}/thumbnail.webp"
    warm = await http.get(on_disk)
    assert warm.status_code == 200
    await _written(http, process)
    filler = await asyncio.to_thread(fill, cache.parent)

    renders = _renders(await _metrics(http, process))
    again = await http.get(on_disk)  # reading a full filesystem works
    assert again.status_code == 200 and again.content == warm.content
    assert _renders(await _metrics(http, process)) == renders

    started = time.monotonic()
    for size in ("large", "medium"):  # bigger than anything the cache could evict
        r = await http.get(f"{process.url}/img/{product}/{size}.jpg")
        assert r.status_code == 200
    assert time.monotonic() - started < 5
    assert DOWN in await _written(http, process)  # skipped, not fatal
    assert not [name for name in _files(cache) if name.endswith(".tmp")]  # nothing half-written

    filler.unlink()
    freed = time.monotonic()
    for fmt in ("webp", "jpg", "png", "avif"):  # misses, until one is written to disk again
        await asyncio.sleep(0.3)
        assert (await http.get(f"{process.url}/img/{product}/small.{fmt}")).status_code == 200
        if UP in await _written(http, process):
            break
    assert UP in await _metrics(http, process)
    assert time.monotonic() - freed < 3
    assert any("-w400-" in name for name in _files(cache))  # written to disk again
