"""PostgreSQL faults under load: what clients see while the catalog restarts or stops.

    PYTHONPATH=. .venv/bin/python loadtests/bench_pg_faults.py            # restart, 15 s, 120 s
    PYTHONPATH=. .venv/bin/python loadtests/bench_pg_faults.py --stops 15

It starts a private PostgreSQL (`private_pg.py`: never the machine's shared server), seeds
the demo catalog into it and runs the edge in process. Clients loop on three kinds of
request while, per fault, the server is restarted (`pg_ctl restart`-like: fast stop and
start) or stopped for N seconds and started again:
- `cached`: `/img` of products whose variant and resolution the edge has served before;
- `uncached`: `/img` of products whose variant the edge holds but whose resolution it
  has just forgotten (as for a product not asked for a while);
- `sync`: a store's sync batch (5 products).
Per fault and kind it reports requests, answers by status, p50/p99 latency and the
recovery time: from the server's start until that kind's first success. Numbers only,
not a test; the resolution TTL is the edge's default (30 s), so only stops longer than
that reach stale resolutions.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import shutil
import statistics
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from private_pg import PrivatePostgres

from config import Settings
from edge.application.resolution import Resolver
from edge.demo.seed import STORES, seed_demo
from edge.http.app import create_app
from edge.http.auth import hash_token, new_store_key
from edge.services import Services, open_services

KINDS = ("cached", "uncached", "sync")


@dataclass
class Window:
    statuses: Counter[int] = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)
    first_ok_after_start: float | None = None


class Recorder:
    def __init__(self) -> None:
        self.fault = ""
        self.started_at: float | None = None  # the server's start, this fault
        self.windows: dict[tuple[str, str], Window] = defaultdict(Window)

    def record(self, kind: str, status: int, seconds: float) -> None:
        if not self.fault:
            return
        window = self.windows[(self.fault, kind)]
        window.statuses[status] += 1
        window.latencies.append(seconds)
        if status < 400 and self.started_at is not None and window.first_ok_after_start is None:
            window.first_ok_after_start = time.monotonic() - self.started_at


async def _client_loop(
    http: httpx.AsyncClient,
    kind: str,
    urls: list[str],
    recorder: Recorder,
    stop: asyncio.Event,
    key: str,
    resolver: Resolver,
) -> None:
    n = 0
    while not stop.is_set():
        n += 1
        started = time.monotonic()
        if kind == "sync":
            products = [
                {"external_id": f"bench-{n}-{k}", "upc": None, "name": f"Bench item {n} {k}"}
                for k in range(5)
            ]
            r = await http.post(
                "/api/sync/products",
                json={"products": products},
                headers={"authorization": f"Bearer {key}"},
            )
        else:
            url = urls[n % len(urls)]
            if kind == "uncached":  # its variant is cached, its resolution is not
                resolver.invalidate(int(url.split("/")[2]))
            r = await http.get(url)
        recorder.record(kind, r.status_code, time.monotonic() - started)
        await asyncio.sleep(0.02)


def _pct(values: list[float], q: float) -> float:
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


async def run(args: argparse.Namespace) -> None:
    root = Path(tempfile.mkdtemp(prefix="imgedge-bench-pg-"))
    data = Path(tempfile.mkdtemp(prefix="imgedge-bench-data-"))
    server = PrivatePostgres(root)
    server.init()
    server.start()
    try:
        settings = Settings().replace(
            database_url=server.url,
            cache_url=f"file://{data}/cache",
            originals_url=f"file://{data}/originals",
        )
        async with open_services(settings) as svc:
            await _bench(svc, settings, server, args)
    finally:
        if server.is_running():
            server.stop("immediate")
        shutil.rmtree(root, ignore_errors=True)
        shutil.rmtree(data, ignore_errors=True)


async def _bench(
    svc: Services, settings: Settings, server: PrivatePostgres, args: argparse.Namespace
) -> None:
    await seed_demo(svc, products=args.products)
    key = new_store_key()
    await svc.catalog.create_store("Bench store", hash_token(key))
    ids = []
    for name in STORES:
        found = await svc.catalog.get_store_by_name(name)
        if found is not None:
            ids += await svc.catalog.list_store_product_ids(found.id, 10_000)
    shown = [pid for pid in ids if (r := await svc.catalog.resolve(pid)) and r.image]
    assert len(shown) > 20, "the demo seeded too few products with images"
    app = create_app(settings, services=svc)
    app.state.services = svc  # as the lifespan would
    transport = httpx.ASGITransport(app=app)
    recorder = Recorder()
    async with httpx.AsyncClient(transport=transport, base_url="http://edge.bench") as http:
        cached = [f"/img/{pid}/small.webp" for pid in shown[:10]]
        for url in cached:
            assert (await http.get(url)).status_code == 200
        uncached = [f"/img/{pid}/small.webp" for pid in shown[10:20]]
        for url in uncached:  # the variants are cached: only their resolutions will not be
            assert (await http.get(url)).status_code == 200
        faults = [("restart", 0.0)] + [(f"stop {s:g} s", float(s)) for s in args.stops]
        for name, seconds in faults:
            stop = asyncio.Event()
            clients = [
                asyncio.create_task(
                    _client_loop(http, kind, urls, recorder, stop, key, svc.resolver)
                )
                for kind, urls in (("cached", cached), ("uncached", uncached), ("sync", []))
                for _ in range(args.clients)
            ]
            recorder.fault, recorder.started_at = name, None
            await asyncio.sleep(1.0)  # a second of normal service first
            await asyncio.to_thread(server.stop, "fast")
            await asyncio.sleep(seconds)
            await asyncio.to_thread(server.start)
            recorder.started_at = time.monotonic()
            await asyncio.sleep(args.after)
            stop.set()
            await asyncio.gather(*clients)
            recorder.fault = ""
    print(f"PostgreSQL faults, {args.clients} client(s) per kind (statuses: count)")
    print(f"{'fault':<12} {'kind':<9} {'requests':>8}  {'statuses':<28} {'p50 ms':>8} "
          f"{'p99 ms':>8} {'recovery s':>10}")  # fmt: skip
    for name, _ in faults:
        for kind in KINDS:
            w = recorder.windows[(name, kind)]
            statuses = ", ".join(f"{s}: {c}" for s, c in sorted(w.statuses.items()))
            recovery = (
                "never" if w.first_ok_after_start is None else f"{w.first_ok_after_start:.2f}"
            )
            print(
                f"{name:<12} {kind:<9} {sum(w.statuses.values()):>8}  {statuses:<28} "
                f"{_pct(w.latencies, 50) * 1000:>8.1f} {_pct(w.latencies, 99) * 1000:>8.1f} "
                f"{recovery:>10}"
            )


def main() -> None:
    logging.basicConfig(level=logging.CRITICAL)  # the outage's warnings would drown the table
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--stops", type=float, nargs="*", default=[15, 120], help="stop lengths, seconds"
    )
    parser.add_argument("--clients", type=int, default=2, help="clients per request kind")
    parser.add_argument("--products", type=int, default=40, help="demo canonical products")
    parser.add_argument("--after", type=float, default=5.0, help="seconds measured after start")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
