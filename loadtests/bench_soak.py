"""Memory under a long mixed load: one edge process's RSS, sampled every 10 s.

`imgedge demo --products 60` seeds a throw-away catalog (~120 store products, images up
to 2400×1600); one `imgedge serve` runs with a 32 MiB memory tier and a small disk tier
(so misses keep rendering). An asyncio + httpx client keeps `--concurrency` requests in
flight: `--hit-share` of them on a small hot set (memory hits), the rest on random
product × size (thumbnail … large, @2x) × format (avif, webp, jpg, png), most of which
must be rendered. RSS is read from /proc/<pid>/status every `--sample-s`, with its
anonymous part (the heaps) and its file-backed part (libraries, mapped files) apart.

Prints the curve, the answers and renders per second with the edge's CPU per render
(from its /metrics and /proc), the RSS at each whole minute, the slope over the run
after the first minute (MiB/min), how far the samples of the second half stray from
their mean (target ±10%), and the peak against the memory tier cap + render budget.

    .venv/bin/python loadtests/bench_soak.py                      # 10 minutes
    .venv/bin/python loadtests/bench_soak.py --minutes 3 --env IMGEDGE_MALLOC_KEEP_FREED=false
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

import httpx
from rendering.servers import free_port, imgedge_env, process_cpu_seconds, run_python, server
from server_metrics import parse

SIZES = ("thumbnail", "small", "medium", "large", "small@2x", "medium@2x")
FORMATS = ("avif", "webp", "jpg", "png")
MIB = 1024 * 1024


def rss_mib(pid: int, field: str = "VmRSS") -> float:
    """`field` of /proc/<pid>/status in MiB: VmRSS, RssAnon (the heaps), RssFile (mapped
    files: the libraries, originals mapped while they render)."""
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(rf"{field}:\s+(\d+) kB", status).group(1)) / 1024  # type: ignore[union-attr]


def product_ids(out: str, port: int) -> list[int]:
    """Every store product of the demo that shows an image (ids 1..N, a few without)."""
    ids = []
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as http:
        for pid in range(1, 400):
            r = http.get(f"/img/{pid}/thumbnail.jpg")
            if r.status_code == 200:
                ids.append(pid)
            elif r.json()["error"]["code"] == "product_not_found" and pid > 150:
                break
    return ids


async def load(url: str, ids: list[int], args: argparse.Namespace, stop: asyncio.Event,
               counts: dict[str, int]) -> None:  # fmt: skip
    rng = random.Random(7)
    hot = [f"/img/{i}/small.webp" for i in ids[:8]]

    async def one_client(http: httpx.AsyncClient) -> None:
        while not stop.is_set():
            if rng.random() < args.hit_share:
                path = rng.choice(hot)
            else:
                path = f"/img/{rng.choice(ids)}/{rng.choice(SIZES)}.{rng.choice(FORMATS)}"
            try:
                r = await http.get(path)
                counts[str(r.status_code)] = counts.get(str(r.status_code), 0) + 1
            except httpx.HTTPError:
                counts["error"] = counts.get("error", 0) + 1

    async with httpx.AsyncClient(base_url=url, timeout=60) as http:
        await asyncio.gather(*(one_client(http) for _ in range(args.concurrency)))


def renders_cpu_trims(url: str, pid: int) -> tuple[float, float, float]:
    """(renders started, CPU seconds, heap trims) of the edge so far."""
    scrape = parse(httpx.get(f"{url}/metrics", timeout=30).text)
    return (
        scrape.total("imgedge_renders_total") or 0.0,
        process_cpu_seconds(pid) or 0.0,
        scrape.total("imgedge_heap_trims") or 0.0,
    )


async def soak(
    url: str, pid: int, ids: list[int], args: argparse.Namespace
) -> list[tuple[float, float]]:
    stop = asyncio.Event()
    counts: dict[str, int] = {}
    renders_before, cpu_before, trims_before = await asyncio.to_thread(renders_cpu_trims, url, pid)
    task = asyncio.create_task(load(url, ids, args, stop, counts))
    samples = [(0.0, rss_mib(pid))]
    started = time.monotonic()
    print(f"{'t s':>6}{'RSS MiB':>9}{'anon':>7}{'file':>7}  answers")
    print(f"{0:>6.0f}{samples[0][1]:>9.1f}")
    while (elapsed := time.monotonic() - started) < args.minutes * 60:
        await asyncio.sleep(min(args.sample_s, args.minutes * 60 - elapsed))
        sample = (time.monotonic() - started, rss_mib(pid))
        samples.append(sample)
        done = ", ".join(f"{k}: {v}" for k, v in sorted(counts.items()))
        anon, mapped = rss_mib(pid, "RssAnon"), rss_mib(pid, "RssFile")
        print(f"{sample[0]:>6.0f}{sample[1]:>9.1f}{anon:>7.0f}{mapped:>7.0f}  {done}", flush=True)
    stop.set()
    await task
    renders_after, cpu_after, trims_after = await asyncio.to_thread(renders_cpu_trims, url, pid)
    took = time.monotonic() - started
    answers = sum(counts.values())
    renders, cpu = renders_after - renders_before, cpu_after - cpu_before
    print(f"\n{answers} answers ({answers / took:.1f}/s), {renders:.0f} renders "
          f"({renders / took:.2f}/s); edge CPU {cpu:.0f} s: {cpu / max(renders, 1) * 1e3:.0f} ms "
          f"per render (hits included), {trims_after - trims_before:.0f} heap trims, "
          f"load average {os.getloadavg()[0]:.1f}")  # fmt: skip
    return samples


def per_minute(samples: list[tuple[float, float]]) -> str:
    """The sample nearest each whole minute, in MiB."""
    near = []
    for minute in range(round(samples[-1][0] / 60) + 1):
        near.append(min(samples, key=lambda s: abs(s[0] - 60 * minute))[1])
    return ", ".join(f"{r:.0f}" for r in near)


def slope_mib_per_min(samples: list[tuple[float, float]]) -> float:
    n = len(samples)
    if n < 2:
        return 0.0
    mt = sum(t for t, _ in samples) / n
    mr = sum(r for _, r in samples) / n
    var = sum((t - mt) ** 2 for t, _ in samples)
    return sum((t - mt) * (r - mr) for t, r in samples) / var * 60 if var else 0.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="duration (10)")
    parser.add_argument("--sample-s", type=float, default=10.0, help="RSS sampling period (10)")
    parser.add_argument("--concurrency", type=int, default=4, help="requests in flight (4)")
    parser.add_argument("--hit-share", type=float, default=0.7, help="share of hot hits (0.7)")
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE",
                        help="extra environment of the edge (repeatable)")  # fmt: skip
    args = parser.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="imgedge-soak-"))
    try:
        port = free_port()
        env = imgedge_env(tmp, port)
        env.update(
            IMGEDGE_MEMORY_CACHE_MB="32", IMGEDGE_DISK_CACHE_MB="64", IMGEDGE_ACCESS_LOG="false"
        )
        env.update(dict(item.split("=", 1) for item in args.env))
        run_python("imgedge demo", ["-m", "edge.cli", "demo", "--products", "60"], env, tmp)
        budget = int(env.get("IMGEDGE_RENDER_MEMORY_BUDGET_MB", "1024"))
        with server("imgedge", [sys.executable, "-m", "edge.cli", "serve"], env, tmp, port) as pid:
            ids = product_ids("", port)
            print(f"soak: {args.minutes:g} min, {args.concurrency} in flight, "
                  f"{args.hit_share:.0%} hot hits, {len(ids)} products; memory tier 32 MiB, "
                  f"render budget {budget} MiB; extra env {args.env or 'none'}; "
                  f"load average {os.getloadavg()[0]:.1f}")  # fmt: skip
            samples = asyncio.run(soak(f"http://127.0.0.1:{port}", pid, ids, args))
        after_warmup = [s for s in samples if s[0] >= 60] or samples
        half = samples[len(samples) // 2 :]
        mean = sum(r for _, r in half) / len(half)
        spread = max(abs(r - mean) for _, r in half) / mean
        peak = max(r for _, r in samples)
        print(f"RSS per minute, MiB: {per_minute(samples)}")
        print(f"slope after the first minute: {slope_mib_per_min(after_warmup):+.2f} MiB/min")
        print(f"second half: mean {mean:.0f} MiB, within ±{spread:.0%} (target ±10%), "
              f"slope {slope_mib_per_min(half):+.2f} MiB/min")  # fmt: skip
        print(f"peak {peak:.0f} MiB; start {samples[0][1]:.0f} MiB; memory tier + render "
              f"budget = {32 + budget} MiB")  # fmt: skip
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
