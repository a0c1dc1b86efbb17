"""The hostile bench's phases: ordinary cold misses and cache hits, quiet and then while
clients loop on the heaviest allowed renders; the server's RSS sampled throughout."""

from __future__ import annotations

import asyncio
import itertools
import json
import math
import shutil
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from .servers import free_port, imgedge_env, run_python, server

SEED_SCRIPT = Path(__file__).with_name("hostile_seed.py")
ORDINARY_SIZES = ("small", "medium", "large", "thumbnail")
ORDINARY_FORMATS = ("webp", "jpg")
HEAVY_PATHS = ("original.webp", "original.avif", "original.jpg", "large@2x.webp", "large@2x.avif")
HIT_INTERVAL_S = 0.02  # the hit client's pace: enough samples, little CPU
COLD_PAUSE_S = 0.1
RAMP_S = 4.0  # hostile clients start this long before the measurements


@dataclass(frozen=True, slots=True)
class Options:
    code: Path  # the checkout whose edge the server runs
    products: int
    hostile: int  # clients looping on heavy renders
    phase_s: float  # how long each phase measures
    budget_mb: int


@dataclass(slots=True)
class Phase:
    cold_ms: list[float] = field(default_factory=list)
    cold_status: Counter[int] = field(default_factory=Counter)
    hit_ms: list[float] = field(default_factory=list)
    hostile_status: Counter[int | str] = field(default_factory=Counter)
    peak_rss_mb: float = 0.0


def percentile(values: list[float], q: float) -> float:
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q / 100 * len(ordered)) - 1))]


def rss_mb(pid: int, field_name: str = "VmRSS") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field_name + ":"):
            return int(line.split()[1]) / 1024
    return math.nan


async def timed_get(client: httpx.AsyncClient, url: str) -> tuple[int, float]:
    started = time.perf_counter()
    response = await client.get(url)
    return response.status_code, (time.perf_counter() - started) * 1e3


async def cold_misses(base: str, urls: list[str], phase: Phase, seconds: float) -> None:
    """Cold misses one after another, `COLD_PAUSE_S` apart, for `seconds`."""
    async with httpx.AsyncClient(base_url=base, timeout=120) as client:
        stop_at = time.monotonic() + seconds
        for url in urls:
            if time.monotonic() > stop_at:
                break
            status, ms = await timed_get(client, url)
            phase.cold_status[status] += 1
            if status == 200:
                phase.cold_ms.append(ms)
            await asyncio.sleep(COLD_PAUSE_S)


async def cache_hits(base: str, url: str, phase: Phase, done: asyncio.Event) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=120) as client:
        while not done.is_set():
            status, ms = await timed_get(client, url)
            if status == 200:
                phase.hit_ms.append(ms)
            await asyncio.sleep(HIT_INTERVAL_S)


async def hostile_client(base: str, urls: list[str], phase: Phase, done: asyncio.Event) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        for url in itertools.cycle(urls):
            if done.is_set():
                return
            try:
                response = await client.get(url)
                phase.hostile_status[response.status_code] += 1
            except httpx.HTTPError as exc:
                phase.hostile_status[type(exc).__name__] += 1


async def sample_rss(pid: int, phase: Phase, done: asyncio.Event) -> None:
    while not done.is_set():
        phase.peak_rss_mb = max(phase.peak_rss_mb, rss_mb(pid))
        await asyncio.sleep(0.1)


async def run_phase(
    base: str, pid: int, cold: list[str], hit: str, hostile: list[list[str]], seconds: float
) -> Phase:
    phase = Phase()
    done = asyncio.Event()
    background = [asyncio.create_task(sample_rss(pid, phase, done))]
    background += [asyncio.create_task(hostile_client(base, u, phase, done)) for u in hostile]
    if hostile:
        await asyncio.sleep(RAMP_S)  # let the heavy renders take their slots first
    background.append(asyncio.create_task(cache_hits(base, hit, phase, done)))
    await cold_misses(base, cold, phase, seconds)
    done.set()
    # Hostile clients may sit in a long render: do not wait for them.
    for task in background:
        task.cancel()
    await asyncio.gather(*background, return_exceptions=True)
    return phase


def seed(env: dict[str, str], tmp: Path, products: int) -> dict[str, list[int]]:
    out = run_python("seeding", [str(SEED_SCRIPT), str(products)], env, tmp)
    ids: dict[str, list[int]] = json.loads(out.strip().splitlines()[-1])
    return ids


def cold_urls(products: list[int]) -> list[str]:
    return [
        f"/img/{p}/{size}.{fmt}"
        for size in ORDINARY_SIZES
        for fmt in ORDINARY_FORMATS
        for p in products
    ]


def run(options: Options) -> tuple[Phase, Phase, float]:
    tmp = Path(tempfile.mkdtemp(prefix="imgedge-hostile-"))
    try:
        port = free_port()
        env = imgedge_env(tmp, port)
        env["PYTHONPATH"] = str(options.code)
        env["IMGEDGE_RENDER_MEMORY_BUDGET_MB"] = str(options.budget_mb)  # ignored by old code
        t0 = time.monotonic()
        ids = seed(env, tmp, options.products)
        ordinary, heavy = ids["ordinary"], ids["heavy"]
        print(f"seeded {len(ordinary)} ordinary images, {len(heavy)} heavy ones in "
              f"{time.monotonic() - t0:.0f} s")  # fmt: skip
        half = len(ordinary) // 2
        hit_product = ordinary[-1]
        quiet_urls, hostile_urls = cold_urls(ordinary[1:half]), cold_urls(ordinary[half:-1])
        heavy_urls = [f"/img/{p}/{path}" for path in HEAVY_PATHS for p in heavy]
        argv = [sys.executable, "-m", "edge.cli", "serve"]
        with server("imgedge", argv, env, tmp, port) as pid:
            base = f"http://127.0.0.1:{port}"
            hit = f"/img/{hit_product}/small.webp"
            for _ in range(3):
                httpx.get(base + hit, timeout=60)
            httpx.get(f"{base}/img/{ordinary[0]}/medium.jpg", timeout=60)  # one render: warm up
            idle_mb = rss_mb(pid)
            quiet = asyncio.run(run_phase(base, pid, quiet_urls, hit, [],
                                          options.phase_s))  # fmt: skip
            rotated = [heavy_urls[i:] + heavy_urls[:i] for i in range(options.hostile)]
            loud = asyncio.run(run_phase(base, pid, hostile_urls, hit, rotated,
                                         options.phase_s))  # fmt: skip
            loud.peak_rss_mb = max(loud.peak_rss_mb, rss_mb(pid, "VmHWM"))
        return quiet, loud, idle_mb
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def report(options: Options, quiet: Phase, loud: Phase, idle_mb: float) -> None:
    def ms(v: float) -> str:
        return "n/a" if math.isnan(v) else f"{v:.0f}"

    rows = [
        ("cold miss p50 ms", percentile(quiet.cold_ms, 50), percentile(loud.cold_ms, 50), None),
        ("cold miss p95 ms", percentile(quiet.cold_ms, 95), percentile(loud.cold_ms, 95), 3.0),
        ("cache hit p50 ms", percentile(quiet.hit_ms, 50), percentile(loud.hit_ms, 50), None),
        ("cache hit p99 ms", percentile(quiet.hit_ms, 99), percentile(loud.hit_ms, 99), 1.5),
    ]
    print(f"\n  {'':<18}{'quiet':>9}{'hostile':>10}{'ratio':>8}  target")
    for name, a, b, target in rows:
        ratio = b / a if a and not math.isnan(a) and not math.isnan(b) else math.nan
        verdict = ""
        if target is not None:
            verdict = f"≤ {target:g}×  " + ("ok" if ratio <= target else "MISSED")
        print(f"  {name:<18}{ms(a):>9}{ms(b):>10}{ratio:>7.2f}×  {verdict}")
    limit = options.budget_mb + idle_mb
    verdict = "ok" if loud.peak_rss_mb <= limit else "MISSED"
    print(f"  {'peak RSS MiB':<18}{quiet.peak_rss_mb:>9.0f}{loud.peak_rss_mb:>10.0f}"
          f"{'':>8}  ≤ budget {options.budget_mb} + idle {idle_mb:.0f}  {verdict}")  # fmt: skip
    print(f"\n  cold misses measured: quiet {len(quiet.cold_ms)} {dict(quiet.cold_status)}, "
          f"hostile {len(loud.cold_ms)} {dict(loud.cold_status)}")  # fmt: skip
    print(f"  cache hits measured: quiet {len(quiet.hit_ms)}, hostile {len(loud.hit_ms)}")
    print(f"  hostile answers by status: {dict(loud.hostile_status)}")
