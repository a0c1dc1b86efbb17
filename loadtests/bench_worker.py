"""Matcher worker throughput: real `imgedge worker --drain` processes on a seeded queue.

    .venv/bin/python loadtests/bench_worker.py                          # both backends
    .venv/bin/python loadtests/bench_worker.py --backend postgresql --workers 1 2 4
    .venv/bin/python loadtests/bench_worker.py --catalog 50000 --items 5000 --generator pos

Per backend it seeds once (a template): a canonical catalog of the generator's products
(--catalog true products, the catalog's share of them: ~90%) and --items store products
of its stores, all without a barcode, so every one waits in the match queue for a name
match. Then, per worker count, a fresh copy of the template (PostgreSQL: `CREATE DATABASE
… TEMPLATE`; SQLite: a copy of the file) is drained by that many `imgedge worker --drain`
processes started together, and it prints:

- matches/s over the whole run (process start to the last exit: start-up included) and
  over the steady window (first to last recorded outcome, from the queue's timestamps);
- CPU seconds per item of the worker processes (their rusage) and, on PostgreSQL, of the
  server backends that served them (sampled from /proc while they live: the benchmark
  must run on the database's machine, as root or as the `postgres` user).

The machine may be shared: wall-clock rates move with the load, CPU per item much less;
quote both. A machine's speed also drifts from one half hour to the next (up to 30% in CPU
per item here, same code): to compare two versions, run them interleaved in one command.
`--against DIR` drains each copy once with this checkout's code and once with DIR's (a
`git worktree` of the other version; the same catalog migrations), in turn, `--rounds N`
times, and prints each one's median and the ratio of the medians:

    git worktree add /tmp/before main~3
    .venv/bin/python loadtests/bench_worker.py --backend postgresql --workers 1 \
        --rounds 3 --against /tmp/before

`--compiled` runs this checkout's code with its matcher compiled, as the Docker image
runs it (a copy built by loadtests/compiled_copy.py in a temporary directory; mypy and
a C compiler needed); `--compiled --against .` compares it with the same code pure.

The PostgreSQL databases (`--database`, `--database`_template) live on `--admin-url`'s
server and are dropped afterwards unless --keep; --reuse drains a kept template again
without seeding it anew.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
from compiled_copy import compiled_copy
from matching.generators import GENERATORS
from matching.marketplace import Marketplace, StoreItem
from scratch_db import drop_database, recreate_database

from catalog import open_catalog
from catalog.errors import ConflictError
from catalog.models import SyncItem

ROOT = Path(__file__).resolve().parent.parent
ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
TICK = os.sysconf("SC_CLK_TCK")
SYNC_BATCH = 500
SEED_CONCURRENCY = 8


@dataclass
class Run:
    backend: str
    code: str  # "this" checkout, or "against" (`--against`)
    workers: int
    items: int
    decided: int
    wall_s: float
    steady_rate: float | None
    worker_cpu_s: float
    server_cpu_s: float | None


# --------------------------------------------------------------------------- seeding


def queued_items(market: Marketplace, n: int) -> Iterator[tuple[str, StoreItem]]:
    """`n` store items, taken from the stores in turn (each store's own naming habits)."""
    pools = {store: iter(items) for store, items in market.items.items()}
    given = 0
    while pools and given < n:
        for store, pool in list(pools.items()):
            item = next(pool, None)
            if item is None:
                del pools[store]
                continue
            yield store, item
            given += 1
            if given == n:
                return


def sync_item(item: StoreItem) -> SyncItem:
    """The item as a sync hands it over, without its barcode: a name match."""
    extra = {k: v for k, v in item.extra.items() if k in SyncItem.__dataclass_fields__}
    return SyncItem(item.external_id, None, None, item.name, brand=item.brand, **extra)


async def seed(url: str, market: Marketplace, n_items: int) -> int:
    catalog = await open_catalog(url)
    try:
        await catalog.migrate()
        limit = asyncio.Semaphore(SEED_CONCURRENCY)

        async def canonical(name: str, brand: str | None, gtin: str | None) -> None:
            async with limit:
                with contextlib.suppress(ConflictError):  # a GTIN shared: one is enough
                    await catalog.create_canonical_product(gtin=gtin, name=name, brand=brand)

        await asyncio.gather(
            *(
                canonical(p.name, p.brand or None, p.gtin or None)
                for p in market.products
                if p.in_catalog
            )
        )
        by_store: dict[str, list[SyncItem]] = {}
        for store, item in queued_items(market, n_items):
            by_store.setdefault(store, []).append(sync_item(item))
        queued = 0
        for store, items in by_store.items():
            store_id = (await catalog.create_store(store)).id
            for i in range(0, len(items), SYNC_BATCH):
                results = await catalog.sync_products(store_id, items[i : i + SYNC_BATCH], {})
                queued += sum(r.outcome == "queued" for r in results)
        return queued
    finally:
        await catalog.close()


async def settle(url: str) -> None:
    """VACUUM ANALYZE the seeded template, as autovacuum leaves a live catalog: a copy
    drained right after a bulk load would otherwise be planned by the statistics of
    empty tables (the word index was analyzed by its migration, before any product) and
    read the heap beside its index-only scans (no visibility map yet): twice the server
    CPU per item, a state no catalog stays in for more than a minute or two."""
    conn = await asyncpg.connect(url)
    try:
        await conn.execute("VACUUM ANALYZE")
    finally:
        await conn.close()


# --------------------------------------------------------------------------- measuring


def proc_cpu_s(pid: int) -> float | None:
    """utime + stime of a live process, in seconds (None once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / TICK


async def sample_backends(admin_url: str, database: str, seen: dict[int, float]) -> None:
    """Until cancelled: the CPU time of each server backend connected to `database`, its
    last reading kept after it ends (a worker's pool holds its connections to the end)."""
    conn = await asyncpg.connect(admin_url)
    try:
        while True:
            pids = await conn.fetch("SELECT pid FROM pg_stat_activity WHERE datname = $1", database)
            for row in pids:
                if (cpu := proc_cpu_s(row["pid"])) is not None:
                    seen[row["pid"]] = cpu
            await asyncio.sleep(0.1)
    finally:
        await conn.close()


def children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def code_env(root: Path) -> dict[str, str]:
    """The environment of a process running the code in `root` (no config file)."""
    env = os.environ | {"PYTHONPATH": f"{root}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    env.pop("IMGEDGE_CONFIG", None)
    return env


def matcher_module(root: Path) -> str:
    """The file `matcher.features` loads from for the code in `root`, as a drain's worker
    processes run it (an extension module when that code is compiled)."""
    done = subprocess.run(
        [sys.executable, "-c", "import matcher.features as f; print(f.__file__)"],
        env=code_env(root), cwd=root, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return done.stdout.strip()


async def drain_with(url: str, workers: int, root: Path = ROOT) -> tuple[float, float]:
    """Wall seconds and worker CPU seconds of `workers` processes of the code in `root`
    draining the queue."""
    env = code_env(root) | {"IMGEDGE_DATABASE_URL": url}
    cpu_before = children_cpu_s()
    started = time.perf_counter()
    procs = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "edge.cli",
            "worker",
            "--drain",
            env=env,
            cwd=root,
            stdout=asyncio.subprocess.DEVNULL,
        )
        for _ in range(workers)
    ]
    codes = await asyncio.gather(*(p.wait() for p in procs))
    wall = time.perf_counter() - started
    if any(codes):
        raise RuntimeError(f"a worker exited with {codes}")
    return wall, children_cpu_s() - cpu_before


TRIM_PG = """
DELETE FROM match_queue WHERE id NOT IN (SELECT id FROM match_queue ORDER BY id LIMIT $1)
"""
STEADY_PG = """
SELECT count(*) FILTER (WHERE updated_at > first) AS after_first,
       extract(epoch FROM max(updated_at) - first) AS window_s,
       count(*) FILTER (WHERE status <> 'pending' AND status <> 'processing') AS decided
FROM match_queue, (SELECT min(updated_at) AS first FROM match_queue) f
GROUP BY first
"""
STEADY_SQLITE = """
SELECT count(*) FILTER (WHERE updated_at > first) AS after_first,
       (julianday(max(updated_at)) - julianday(first)) * 86400.0 AS window_s,
       count(*) FILTER (WHERE status NOT IN ('pending', 'processing')) AS decided
FROM match_queue, (SELECT min(updated_at) AS first FROM match_queue)
GROUP BY first
"""


def steady(after_first: int, window_s: float | None) -> float | None:
    return after_first / window_s if window_s else None


async def run_postgresql(args: argparse.Namespace, market: Marketplace) -> list[Run]:
    template = f"{args.database}_template"
    url = args.admin_url.rsplit("/", 1)[0] + "/" + template
    runs: list[Run] = []
    try:
        started = time.perf_counter()
        if args.reuse:
            queued = args.items
        else:
            await recreate_database(args.admin_url, template)
            queued = await seed(url, market, args.items)
            await settle(url)
        print(f"[postgresql] {queued:,} queued items in {time.perf_counter() - started:.0f} s")
        for workers, code, root in drains(args):
            admin = await asyncpg.connect(args.admin_url)
            try:
                await admin.execute(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')
                await admin.execute(f'CREATE DATABASE "{args.database}" TEMPLATE "{template}"')
            finally:
                await admin.close()
            run_url = args.admin_url.rsplit("/", 1)[0] + "/" + args.database
            if args.reuse:  # the first --items of the template's queue
                conn = await asyncpg.connect(run_url)
                try:
                    await conn.execute(TRIM_PG, args.items)
                finally:
                    await conn.close()
            seen: dict[int, float] = {}
            sampler = asyncio.create_task(sample_backends(args.admin_url, args.database, seen))
            try:
                wall, worker_cpu = await drain_with(run_url, workers, root)
            finally:
                sampler.cancel()
                await asyncio.gather(sampler, return_exceptions=True)
            conn = await asyncpg.connect(run_url)
            try:
                row = await conn.fetchrow(STEADY_PG)
            finally:
                await conn.close()
            assert row is not None
            runs.append(
                Run(
                    "postgresql", code, workers, queued, int(row["decided"]), wall,
                    steady(row["after_first"], float(row["window_s"] or 0)),
                    worker_cpu, sum(seen.values()),
                )
            )  # fmt: skip
            report(runs[-1])
    finally:
        if not args.keep:
            await drop_database(args.admin_url, args.database)
            await drop_database(args.admin_url, template)
    return runs


async def run_sqlite(args: argparse.Namespace, market: Marketplace) -> list[Run]:
    runs: list[Run] = []
    with tempfile.TemporaryDirectory(prefix="imgedge-bench-worker-") as tmp:
        template = Path(tmp) / "template.db"
        started = time.perf_counter()
        queued = await seed(f"sqlite:///{template}", market, args.items)
        print(f"[sqlite] seeded {queued:,} queued items in {time.perf_counter() - started:.0f} s")
        for n, (workers, code, root) in enumerate(drains(args)):
            path = Path(tmp) / f"run{n}.db"
            shutil.copyfile(template, path)  # closed: its WAL is checkpointed into it
            wall, worker_cpu = await drain_with(f"sqlite:///{path}", workers, root)
            with sqlite3.connect(path) as db:
                after_first, window_s, decided = db.execute(STEADY_SQLITE).fetchone()
            runs.append(
                Run("sqlite", code, workers, queued, decided, wall,
                    steady(after_first, window_s), worker_cpu, None)
            )  # fmt: skip
            report(runs[-1])
    return runs


def drains(args: argparse.Namespace) -> Iterator[tuple[int, str, Path]]:
    """Each drain to run: per worker count, --rounds times, this checkout's code and then
    --against's (interleaved, so that both meet the machine's drift alike)."""
    codes = [("this", args.this)] + ([("against", args.against)] if args.against else [])
    for workers in args.workers:
        for _ in range(args.rounds):
            for code, root in codes:
                yield workers, code, root


def summary(runs: list[Run]) -> None:
    """Per backend and worker count, with more than one drain: each code's median
    matches/s (whole run, steady) and CPU per item, and this code's against --against's."""
    groups: dict[tuple[str, int], dict[str, list[Run]]] = {}
    for r in runs:
        groups.setdefault((r.backend, r.workers), {}).setdefault(r.code, []).append(r)
    if len(runs) == len(groups):  # one drain each: the rows above say it all
        return
    print("\nmedians (matches/s whole run, steady; worker CPU per item):")
    for (backend, workers), by_code in groups.items():
        medians = {}
        for code, some in by_code.items():
            rate = statistics.median(r.decided / r.wall_s for r in some)
            steadies = [r.steady_rate for r in some if r.steady_rate]
            calm = f"{statistics.median(steadies):,.0f}/s" if steadies else "-"
            cpu = statistics.median(r.worker_cpu_s / r.items * 1000 for r in some)
            medians[code] = rate
            print(
                f"  {backend:<10} {workers} worker(s), {code:<7} ({len(some)} drains): "
                f"{rate:,.0f}/s, steady {calm}, {cpu:.2f} ms"
            )
        if len(medians) == 2:
            ratio = medians["this"] / medians["against"]
            print(f"  {backend:<10} {workers} worker(s): this / against {ratio:.3f}")


def report(r: Run) -> None:
    rate = f"{r.steady_rate:,.0f}/s" if r.steady_rate else "-"
    server = f"{r.server_cpu_s / r.items * 1000:.2f} ms" if r.server_cpu_s is not None else "-"
    label = r.backend if r.code == "this" else f"{r.backend}*"
    print(
        f"{label:<11} {r.workers:>6} {r.decided:>5}/{r.items:<5} "
        f"{r.decided / r.wall_s:>9,.0f}/s {rate:>10} "
        f"{r.worker_cpu_s / r.items * 1000:>9.2f} ms {server:>10} {r.wall_s:>7.1f} s",
        flush=True,
    )


HEADER = (
    f"{'backend':<11} {'workers':>6} {'decided':>11} {'matches/s':>11} {'steady':>10} "
    f"{'worker CPU/item':>12} {'PG CPU/item':>10} {'wall':>9}"
)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--catalog", type=int, default=30_000, help="true products generated")
    parser.add_argument("--items", type=int, default=5_000, help="store products to match")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--generator", choices=tuple(GENERATORS), default="titles")
    parser.add_argument("--stores", type=int, default=6)
    parser.add_argument("--seed", type=int, default=21)
    parser.add_argument("--admin-url", default=ADMIN_URL, help="PostgreSQL admin database")
    parser.add_argument("--database", default="imgedge_bench_worker")
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL databases")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="PostgreSQL: drain copies of the template an earlier --keep run left (same "
        "options, at least --items queued), without seeding it again",
    )
    parser.add_argument(
        "--rounds", type=int, default=1, help="drains per worker count (and per code)"
    )
    parser.add_argument(
        "--against",
        type=Path,
        help="another checkout of imgedge (e.g. a git worktree): each drain is also run "
        "with its code, interleaved with this one's; its rows are marked *",
    )
    parser.add_argument(
        "--compiled",
        action="store_true",
        help="this checkout's code with its matcher compiled (as the Docker image runs it)",
    )
    args = parser.parse_args()
    args.this = ROOT  # or its compiled copy (`main`)
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    if args.against is not None:
        args.against = args.against.resolve()
        if not (args.against / "edge" / "cli.py").is_file():
            parser.error(f"--against {args.against}: not an imgedge checkout (no edge/cli.py)")
    return args


async def main() -> None:
    args = parse_args()
    market = GENERATORS[args.generator](args.seed, args.catalog, args.stores, 0.1)
    in_catalog = sum(p.in_catalog for p in market.products)
    print(
        f"{args.generator}: {in_catalog:,} canonical products, {args.items:,} store products "
        f"without barcodes; workers {args.workers} (seed {args.seed}); batch "
        f"{os.environ.get('IMGEDGE_WORKER_BATCH', 'default')}; load {os.getloadavg()[0]:.1f}"
    )
    runs: list[Run] = []
    with tempfile.TemporaryDirectory(prefix="imgedge-compiled-") as tmp:
        if args.compiled:
            args.this = compiled_copy(Path(tmp) / "imgedge")
            module = matcher_module(args.this)
            if module.endswith(".py"):
                sys.exit(f"--compiled: the copy's workers would run {module}, not compiled")
            print(f"this code compiled: {module}")
        for name in ("sqlite", "postgresql") if args.backend == "both" else (args.backend,):
            print(HEADER, flush=True)
            runner = run_sqlite if name == "sqlite" else run_postgresql
            runs += await runner(args, market)
    summary(runs)


if __name__ == "__main__":
    asyncio.run(main())
