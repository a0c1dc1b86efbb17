"""Faults under load: what clients see while a dependency or an edge process fails.

    PYTHONPATH=. .venv/bin/python loadtests/bench_faults.py                 # every fault
    PYTHONPATH=. .venv/bin/python loadtests/bench_faults.py --stops 15 120  # + a 2 min stop
    PYTHONPATH=. .venv/bin/python loadtests/bench_faults.py --faults redis edge disk
    PYTHONPATH=. .venv/bin/python loadtests/bench_faults.py --code ../old    # before

Everything runs on private servers it starts (never the machine's shared ones): a
PostgreSQL (`private_pg.py`) seeded with the demo catalog, a `redis-server`
(`private_redis.py`) and, for the disk fault, a 2 MiB tmpfs (root only; without it that
fault is reported as skipped). Per fault, clients loop for a second of normal service,
through the fault, and `--after` seconds past the dependency's return:

- `pg restart`, `pg stop N s` — the edge in this process (so the `uncached` kind can
  forget a product's resolution first; its variant stays cached). Kinds: `cached`
  (variant and resolution served before), `uncached`, `sync` (a 5-product batch).
- `redis kill` — two `imgedge serve` processes sharing the private Redis; Redis is killed
  (SIGKILL), down `--down` seconds, then started again, empty. Kinds: `cached` (variant
  in the edges' memory), `uncached` (a variant never asked for: a render), `sync`,
  through a client that round-robins the two edges and retries the other one (a sync
  batch is idempotent, so one cut by a dying edge is sent again).
- `edge kill` — the same two processes and client; one edge is killed (SIGKILL), down
  `--down` seconds, then started again.
- `disk full` — one `imgedge serve` with a disk tier on the tmpfs and no memory tier
  (every hit is a disk hit); another program fills the filesystem for `--down` seconds.

Columns: requests, answers by status (`conn`: the client could not get any answer),
p50/p99 latency, and `recovery s`: from the dependency's return until that kind's first
success. `back s` (below the table) is the time until the edge reports the dependency
usable again: the shared tier up on every edge, or the restarted edge answering. Numbers,
not a test (those are `tests/faults/`).

`--code DIR` runs another checkout's `imgedge serve` (e.g. an older commit's, for a
before/after table) for the Redis, edge and disk faults; the seeding stays this tree's,
and the settings it passes all exist at d382264 (older code ignores unknown `IMGEDGE_*`
variables). The PostgreSQL faults' edge runs inside the bench process (to forget a
resolution between requests), so for them this script runs again, first, in a subprocess
whose `PYTHONPATH` puts that checkout before this one (its `edge`, `catalog`, `config`;
this tree's `loadtests` helpers), and prints that run's table before the others.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import logging
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

import edge as imported_edge
from config import Settings
from edge.application.resolution import Resolver
from edge.demo.seed import STORES, seed_demo
from edge.http.app import create_app
from edge.http.auth import hash_token, new_store_key
from edge.services import Services, open_services
from loadtests.private_edge import ROOT, EdgeProcess, FailoverClient, edge_env, running
from loadtests.private_fs import TmpfsUnavailable, fill, mount_tmpfs, unmount
from loadtests.private_pg import PrivatePostgres
from loadtests.private_redis import PrivateRedis

KINDS = ("cached", "uncached", "sync")
CONN = 0  # no answer at all (refused, reset)
FAULTS = ("pg", "redis", "edge", "disk")


@dataclass
class Window:
    statuses: Counter[int] = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)
    first_ok_after_return: float | None = None


class Recorder:
    def __init__(self) -> None:
        self.fault = ""
        self.returned_at: float | None = None  # the dependency's return, this fault
        self.windows: dict[tuple[str, str], Window] = defaultdict(Window)
        self.back_s: dict[str, float | None] = {}
        self.order: list[str] = []
        self.failovers = 0  # requests the edge-kill client retried on the other edge
        self.skipped: list[str] = []

    def begin(self, fault: str) -> None:
        self.fault, self.returned_at = fault, None
        self.order.append(fault)

    def record(self, kind: str, status: int, seconds: float) -> None:
        if not self.fault:
            return
        window = self.windows[(self.fault, kind)]
        window.statuses[status] += 1
        window.latencies.append(seconds)
        if (
            CONN < status < 400
            and self.returned_at is not None
            and window.first_ok_after_return is None
        ):
            window.first_ok_after_return = time.monotonic() - self.returned_at


Request = Callable[[int], Awaitable[int]]  # n → status


async def _loop(kind: str, request: Request, recorder: Recorder, stop: asyncio.Event) -> None:
    for n in itertools.count():
        if stop.is_set():
            return
        started = time.monotonic()
        try:
            status = await request(n)
        except httpx.TransportError:
            status = CONN
        recorder.record(kind, status, time.monotonic() - started)
        await asyncio.sleep(0.02)


async def _under_load(
    recorder: Recorder,
    fault: str,
    requests: dict[str, Request],
    clients: int,
    inject: Callable[[], Awaitable[None]],
    after_s: float,
    back: Callable[[], Awaitable[bool]] | None = None,
) -> None:
    """Clients loop on each kind; a second of normal service, then `inject()` (which
    returns when the dependency is back: `recorder.returned_at` is set here), then until
    `back()` says the edges use it again (`recorder.back_s`), then `after_s` more."""
    stop = asyncio.Event()
    recorder.begin(fault)
    loops = [
        asyncio.create_task(_loop(kind, request, recorder, stop))
        for kind, request in requests.items()
        for _ in range(clients)
    ]
    try:
        await asyncio.sleep(1.0)
        await inject()
        recorder.returned_at = time.monotonic()
        if back is not None:
            recorder.back_s[fault] = await _until(back)
        await asyncio.sleep(after_s)
    finally:
        stop.set()
        await asyncio.gather(*loops)
        recorder.fault = ""


async def _until(check: Callable[[], Awaitable[bool]], timeout_s: float = 60.0) -> float | None:
    started = time.monotonic()
    while time.monotonic() - started < timeout_s:
        if await check():
            return time.monotonic() - started
        await asyncio.sleep(0.05)
    return None


# PostgreSQL: the edge in process


def _sync_request(http: httpx.AsyncClient | FailoverClient, key: str, tag: str) -> Request:
    async def sync(n: int) -> int:
        products = [
            {"external_id": f"{tag}-{n}-{k}", "upc": None, "name": f"Bench item {n} {k}"}
            for k in range(5)
        ]
        r = await http.request(
            "POST",
            "/api/sync/products",
            json={"products": products},
            headers={"authorization": f"Bearer {key}"},
        )
        return r.status_code

    return sync


def _get_request(
    http: httpx.AsyncClient | FailoverClient,
    urls: list[str],
    before: Callable[[str], None] | None = None,
) -> Request:
    async def get(n: int) -> int:
        url = urls[n % len(urls)]
        if before is not None:
            before(url)
        return (await http.get(url)).status_code

    return get


def _forget(resolver: Resolver) -> Callable[[str], None]:
    def forget(url: str) -> None:  # its variant is cached, its resolution is not
        resolver.invalidate(int(url.split("/")[2]))

    return forget


async def _pg_faults(
    svc: Services,
    settings: Settings,
    server: PrivatePostgres,
    shown: list[int],
    key: str,
    recorder: Recorder,
    args: argparse.Namespace,
) -> None:
    app = create_app(settings, services=svc)
    app.state.services = svc  # as the lifespan would
    # An exception the app lets out is a 500, as uvicorn would answer (older code has some).
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://edge.bench") as http:
        cached = [f"/img/{pid}/small.webp" for pid in shown[:10]]
        uncached = [f"/img/{pid}/small.webp" for pid in shown[10:20]]
        for url in cached + uncached:  # every variant cached; `uncached` forgets resolutions
            assert (await http.get(url)).status_code == 200
        requests = {
            "cached": _get_request(http, cached),
            "uncached": _get_request(http, uncached, before=_forget(svc.resolver)),
            "sync": _sync_request(http, key, "pg"),
        }
        for seconds in [0.0, *args.stops]:

            async def stop_and_start(seconds: float = seconds) -> None:
                await asyncio.to_thread(server.stop, "fast")
                await asyncio.sleep(seconds)
                await asyncio.to_thread(server.start)

            name = "pg restart" if seconds == 0 else f"pg stop {seconds:g} s"
            await _under_load(recorder, name, requests, args.clients, stop_and_start, args.after)


# Redis, an edge process, the disk: real `imgedge serve` processes


def _edges(
    count: int, log_dir: Path, http: httpx.AsyncClient, code: Path, **settings: str
) -> AbstractAsyncContextManager[list[EdgeProcess]]:
    env = edge_env(code, **settings)
    return running([EdgeProcess(env, log_dir / f"edge{i}.log") for i in range(count)], http)


def _fresh_variants(shown: list[int]) -> list[str]:
    """Variants nobody asked for yet, a different product each time."""
    sizes = ("thumbnail", "small", "medium", "large", "thumbnail@2x", "small@2x")
    return [
        f"/img/{pid}/{size}.{fmt}"
        for size in sizes
        for fmt in ("webp", "jpg", "png")
        for pid in shown
    ][::-1]


def _tier_up(http: httpx.AsyncClient, edges: list[EdgeProcess], tier: str) -> Callable:
    async def up() -> bool:
        for edge in edges:
            metrics = (await http.get(f"{edge.url}/metrics")).text
            if f'imgedge_shared_cache_up{{tier="{tier}"}} 1.0' not in metrics:
                return False
        return True

    return up


async def _process_faults(
    common: dict[str, str],
    key: str,
    redis: PrivateRedis,
    shown: list[int],
    recorder: Recorder,
    args: argparse.Namespace,
    log_dir: Path,
) -> None:
    fresh = _fresh_variants(shown)

    def uncached(client: httpx.AsyncClient | FailoverClient) -> Request:
        async def get(n: int) -> int:
            return (await client.get(fresh.pop() if fresh else fresh_fallback)).status_code

        return get

    fresh_fallback = f"/img/{shown[0]}/small.webp"
    async with httpx.AsyncClient(timeout=30) as http:
        if {"redis", "edge"} & set(args.faults):
            async with _edges(
                2, log_dir, http, args.code, **common, cache_url=redis.url, cache_retry_s="0.5"
            ) as (a, b):
                client = FailoverClient(http, [a, b])
                cached = [f"/img/{pid}/small.webp" for pid in shown[:10]]
                for url in cached:  # in both edges' memory
                    for edge in (a, b):
                        assert (await http.get(edge.url + url)).status_code == 200
                requests = {
                    "cached": _get_request(client, cached),
                    "uncached": uncached(client),
                    "sync": _sync_request(client, key, "edges"),
                }

                if "redis" in args.faults:

                    async def redis_kill() -> None:
                        await asyncio.to_thread(redis.kill)
                        await asyncio.sleep(args.down)
                        await asyncio.to_thread(redis.start)

                    # Memory hits never touch Redis; misses (the `uncached` kind) find it.
                    up = _tier_up(http, [a, b], "redis")
                    await _under_load(
                        recorder, "redis kill", requests, args.clients, redis_kill, args.after, up
                    )

                if "edge" in args.faults:

                    async def edge_kill() -> None:
                        a.kill()
                        await asyncio.sleep(args.down)
                        a.start()

                    async def answers() -> bool:
                        try:
                            return (await http.get(f"{a.url}/healthz")).status_code == 200
                        except httpx.TransportError:
                            return False

                    await _under_load(
                        recorder, "edge kill", requests, args.clients, edge_kill, args.after,
                        answers,
                    )  # fmt: skip
                    recorder.failovers = client.failovers

        if "disk" in args.faults:
            await _disk_fault(common, shown, recorder, args, log_dir, http, uncached)


async def _disk_fault(
    common: dict[str, str],
    shown: list[int],
    recorder: Recorder,
    args: argparse.Namespace,
    log_dir: Path,
    http: httpx.AsyncClient,
    uncached: Callable[[httpx.AsyncClient | FailoverClient], Request],
) -> None:
    try:
        mountpoint = await asyncio.to_thread(mount_tmpfs, "2m")
    except TmpfsUnavailable as exc:
        recorder.skipped.append(f"disk full: skipped ({exc})")
        return
    try:
        async with _edges(
            1,
            log_dir,
            http,
            args.code,
            **common,
            cache_url=f"file://{mountpoint}/cache",
            memory_cache_mb="0",
            disk_cache_mb="64",
            cache_retry_s="0.5",
        ) as (d,):
            direct = httpx.AsyncClient(base_url=d.url, timeout=30)
            cached = [f"/img/{pid}/thumbnail.webp" for pid in shown[:10]]
            for url in cached:  # on disk
                assert (await direct.get(url)).status_code == 200
            requests = {"cached": _get_request(direct, cached), "uncached": uncached(direct)}

            async def disk_full() -> None:
                filler = await asyncio.to_thread(fill, mountpoint)
                await asyncio.sleep(args.down)
                filler.unlink()

            up = _tier_up(http, [d], "disk")
            await _under_load(
                recorder, "disk full", requests, args.clients, disk_full, args.after, up
            )
            await direct.aclose()
    finally:
        await asyncio.to_thread(unmount, mountpoint)


# The whole run


async def run(args: argparse.Namespace) -> Recorder:
    root = Path(tempfile.mkdtemp(prefix="imgedge-bench-pg-"))
    data = Path(tempfile.mkdtemp(prefix="imgedge-bench-data-"))
    server = PrivatePostgres(root)
    redis = PrivateRedis()
    recorder = Recorder()
    server.init()
    server.start()
    redis.start()
    try:
        settings = Settings().replace(
            database_url=server.url,
            cache_url=f"file://{data}/cache",
            originals_url=f"file://{data}/originals",
        )
        async with open_services(settings) as svc:
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
            if "pg" in args.faults:
                await _pg_faults(svc, settings, server, shown, key, recorder, args)
        common = {"database_url": server.url, "originals_url": f"file://{data}/originals"}
        await _process_faults(common, key, redis, shown, recorder, args, data)
    finally:
        redis.stop()
        if server.is_running():
            server.stop("immediate")
        shutil.rmtree(root, ignore_errors=True)
        shutil.rmtree(data, ignore_errors=True)
    return recorder


def _pct(values: list[float], q: float) -> float:
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def report(recorder: Recorder, args: argparse.Namespace) -> None:
    print(f"Faults, edge code {args.code}, {args.clients} client(s) per kind, "
          f"down {args.down:g} s (statuses: count)")  # fmt: skip
    print(f"{'fault':<12} {'kind':<9} {'requests':>8}  {'statuses':<30} {'p50 ms':>8} "
          f"{'p99 ms':>8} {'recovery s':>10}")  # fmt: skip
    for fault in recorder.order:
        for kind in KINDS:
            w = recorder.windows.get((fault, kind))
            if w is None:
                continue
            statuses = ", ".join(
                f"{'conn' if s == CONN else s}: {c}" for s, c in sorted(w.statuses.items())
            )
            recovery = "-" if w.first_ok_after_return is None else f"{w.first_ok_after_return:.2f}"
            print(
                f"{fault:<12} {kind:<9} {sum(w.statuses.values()):>8}  {statuses:<30} "
                f"{_pct(w.latencies, 50) * 1000:>8.1f} {_pct(w.latencies, 99) * 1000:>8.1f} "
                f"{recovery:>10}"
            )
    for fault, seconds in recorder.back_s.items():
        print(f"{fault}: back s {'never' if seconds is None else f'{seconds:.2f}'}")
    if "edge" in args.faults:
        print(f"edge kill: {recorder.failovers} request(s) retried on the other edge")
    for line in recorder.skipped:
        print(line)


def main() -> None:
    logging.basicConfig(level=logging.CRITICAL)  # the outage's warnings would drown the table
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--faults", nargs="*", choices=FAULTS, default=list(FAULTS), help="which faults"
    )
    parser.add_argument(
        "--stops", type=float, nargs="*", default=[15], help="PostgreSQL stop lengths, s"
    )
    parser.add_argument("--down", type=float, default=5.0, help="Redis/edge/disk down, s")
    parser.add_argument("--clients", type=int, default=2, help="clients per request kind")
    parser.add_argument("--products", type=int, default=40, help="demo canonical products")
    parser.add_argument("--after", type=float, default=5.0, help="seconds measured after return")
    parser.add_argument(
        "--code", type=Path, default=ROOT, help="checkout the edge processes run (this one)"
    )
    args = parser.parse_args()
    args.code = args.code.resolve()
    if "pg" in args.faults and args.code != Path(imported_edge.__file__).resolve().parents[1]:
        _pg_faults_elsewhere(args)
        args.faults = [f for f in args.faults if f != "pg"]
    if args.faults:
        report(asyncio.run(run(args)), args)


def _pg_faults_elsewhere(args: argparse.Namespace) -> None:
    """The PostgreSQL faults with `args.code` imported: this script again, in a subprocess."""
    argv = [sys.executable, str(Path(__file__).resolve()), "--faults", "pg"]
    argv += ["--code", str(args.code)]
    for flag in ("down", "clients", "products", "after"):
        argv += [f"--{flag}", str(getattr(args, flag))]
    argv += ["--stops", *map(str, args.stops)]
    env = {**os.environ, "PYTHONPATH": f"{args.code}{os.pathsep}{ROOT}"}
    code = subprocess.run(argv, env=env, cwd=args.code, check=False).returncode
    if code != 0:
        print(f"pg faults with {args.code}: the run failed (exit {code})")


if __name__ == "__main__":
    main()
