"""The `imgedge` command: serve, migrate, demo, worker, originals migrate, stores, check.
Every subcommand reads the same settings, warns about `IMGEDGE_*` variables that name no
setting, and probes what it needs before it starts (`edge.startup`): a wrong URL or a
server that is down is one line naming the setting, and a non-zero exit."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from catalog import open_catalog
from catalog.models import KeyEvent
from catalog.repository import CatalogError
from config import Settings, SettingsError, describe, load_settings
from config.settings import unknown_env
from edge.errors import BadRequest, EdgeError
from edge.heap import freeze_start_up
from edge.logs import configure_logging
from edge.startup import CACHE, CATALOG, ORIGINALS, StartupError, check_all, require
from edge.storage.cache import CacheTierError
from edge.storage.originals import OriginalsError, check_originals

if TYPE_CHECKING:
    from edge.demo.scale import ScaleCatalog

log = logging.getLogger("imgedge")


def _parser() -> argparse.ArgumentParser:
    settings_help = "\n".join(f"  {name:<36} {meaning}" for name, _, meaning in describe())
    parser = argparse.ArgumentParser(
        prog="imgedge",
        description="Image-serving edge for multi-store marketplaces.",
        epilog="settings (environment, or the same keys in config/imgedge.toml):\n" + settings_help,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"imgedge {_version()}")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser(
        "check",
        help="probe every configured dependency (catalog and its migrations, cache, "
        "originals with a put/get/delete), one line each; exit 1 if any fails",
    )
    serve = sub.add_parser("serve", help="serve /img and the API (applies migrations first)")
    serve.add_argument(
        "--workers",
        type=int,
        default=None,
        help="processes sharing the port, each with its own memory tier (default "
        "IMGEDGE_WORKERS, 1)",
    )
    sub.add_parser("migrate", help="apply catalog schema migrations")
    demo = sub.add_parser("demo", help="seed a demo catalog with generated images")
    demo.add_argument("--products", type=int, default=60, help="canonical products to create")
    demo.add_argument(
        "--scale",
        type=int,
        default=None,
        metavar="N",
        help="instead: a load-test marketplace of N store products across N/200 stores "
        "(edge/demo/scale.py); writes the admin token, store keys and product ids to --out",
    )
    demo.add_argument(
        "--originals",
        type=int,
        default=None,
        help="with --scale: distinct generated originals to reuse (default N/500, 6..200)",
    )
    demo.add_argument(
        "--out",
        default="var/loadtest/catalog.json",
        help="with --scale: where to write the catalog's secrets and ids (JSON)",
    )
    worker = sub.add_parser("worker", help="run a matcher worker on the match queue")
    worker.add_argument(
        "--drain",
        action="store_true",
        help="work until no item is pending or leased (another worker's live lease is "
        "waited for, an expired one reclaimed), then exit",
    )
    migrate_canonical = sub.add_parser(
        "migrate-canonical", help="link existing products without a canonical product"
    )
    migrate_canonical.add_argument(
        "--dry-run", action="store_true", help="change nothing; say what would happen"
    )
    migrate_canonical.add_argument(
        "--limit", type=int, default=None, help="examine at most N products"
    )
    originals = sub.add_parser("originals", help="manage the originals store")
    originals_sub = originals.add_subparsers(dest="originals_command", required=True)
    migrate_originals = originals_sub.add_parser(
        "migrate",
        help="copy every original from one store to another, checking each hash; "
        "resumable (what the target has is skipped); exit 1 if any failed",
    )
    migrate_originals.add_argument(
        "--from", dest="source", required=True, help="file://dir or s3://bucket/prefix"
    )
    migrate_originals.add_argument(
        "--to", dest="target", required=True, help="file://dir or s3://bucket/prefix"
    )
    migrate_originals.add_argument(
        "--concurrency", type=int, default=8, help="originals copied at once (default 8)"
    )
    stores = sub.add_parser("stores", help="manage stores")
    stores_sub = stores.add_subparsers(dest="stores_command", required=True)
    create = stores_sub.add_parser(
        "create", help="create a store; prints its API key alone on the last line"
    )
    create.add_argument("name", help="the store's name (unique)")
    stores_sub.add_parser("list", help="every store: id, products, last sync, key or revoked")
    rotate = stores_sub.add_parser(
        "rotate", help="a new API key for a store (the old one stops working at once); "
        "prints it alone on the last line"
    )  # fmt: skip
    rotate.add_argument("name", help="the store's name")
    revoke = stores_sub.add_parser("revoke", help="revoke a store's API key (products stay)")
    revoke.add_argument("name", help="the store's name")
    events = stores_sub.add_parser(
        "events", help="the key audit trail, newest first: created, rotated, revoked, by whom"
    )
    events.add_argument("name", nargs="?", default=None, help="one store's (default: all)")
    return parser


def _version() -> str:
    """The installed distribution's version (pyproject.toml's, once installed)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("imgedge")
    except PackageNotFoundError:
        return "unknown (not installed)"


# What each command needs to be up before it starts (`edge.startup.require`).
_NEEDS: dict[str, tuple[str, ...]] = {
    "serve": (CATALOG, CACHE, ORIGINALS),
    "demo": (CATALOG, CACHE, ORIGINALS),
    "migrate": (CATALOG,),
    "worker": (CATALOG,),
    "migrate-canonical": (CATALOG,),
    "stores": (CATALOG,),
    "originals": (),  # its stores are --from and --to, checked by the command
}


def main(argv: Sequence[str] | None = None) -> int:
    return run(_parser().parse_args(argv))


def run(args: argparse.Namespace) -> int:
    """The parsed command, run; its exit code."""
    for warning in unknown_env():
        print(f"imgedge: warning: {warning}", file=sys.stderr)
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"imgedge: bad setting: {exc}", file=sys.stderr)
        return 2
    configure_logging(settings.server.log_level, settings.server.log_format)
    if args.command == "check":
        return asyncio.run(_check(settings))
    if args.command == "serve":
        from edge.serving import tune_malloc

        tune_malloc(settings)  # before the checks' threads allocate
    try:
        asyncio.run(require(settings, *_NEEDS[args.command]))
    except StartupError as exc:
        print(f"imgedge: {exc}", file=sys.stderr)
        return 1
    try:
        if args.command == "serve":
            if args.workers is not None:
                settings = settings.replace(workers=args.workers)
            return _serve(settings)
        if args.command == "migrate":
            return asyncio.run(_migrate(settings))
        if args.command == "demo":
            if args.scale is not None:
                return _demo_scale(settings, args.scale, args.originals, args.out)
            return asyncio.run(_demo(settings, args.products))
        if args.command == "worker":
            return asyncio.run(_worker(settings, drain=args.drain))
        if args.command == "migrate-canonical":
            if args.limit is not None and args.limit < 1:
                print("imgedge migrate-canonical: --limit must be at least 1", file=sys.stderr)
                return 2
            return asyncio.run(_migrate_canonical(settings, args.dry_run, args.limit))
        if args.command == "originals":
            return asyncio.run(
                _migrate_originals(settings, args.source, args.target, args.concurrency)
            )
        if args.command == "stores":
            return asyncio.run(_stores(settings, args.stores_command, getattr(args, "name", None)))
    except (CatalogError, CacheTierError, OriginalsError, EdgeError, ValueError, OSError) as exc:
        print(f"imgedge {args.command}: {exc}", file=sys.stderr)
        return 1
    return 2


def _serve(settings: Settings) -> int:
    from edge.serving import serve

    if settings.server.workers > 1:
        asyncio.run(_migrate(settings, quiet=True))  # once, before the workers start
    return serve(settings)


async def _check(settings: Settings) -> int:
    """`imgedge check`: one line per configured dependency; 0 only when all pass."""
    probes = await check_all(settings)
    for probe in probes:
        print(probe.line())
    return 0 if all(p.ok for p in probes) else 1


async def _migrate(settings: Settings, *, quiet: bool = False) -> int:
    catalog = await open_catalog(settings.database_url, timeout_s=settings.database_timeout_s)
    try:
        applied = await catalog.migrate()
    finally:
        await catalog.close()
    if not quiet:
        print(f"applied {', '.join(applied)}" if applied else "catalog schema is up to date")
    return 0


async def _worker(settings: Settings, *, drain: bool) -> int:
    import signal

    from matcher.worker import MatchWorker, WorkerOptions

    s = settings.server
    metrics_socket = None
    if s.metrics_port is not None:  # the HTTP stack is imported only to serve it (start-up CPU)
        from prometheus_client import generate_latest

        from edge.application.stats import Stats
        from edge.http.metrics import worker_registry
        from edge.http.metrics_listener import bind_metrics_socket, metrics_listener

        metrics_socket = bind_metrics_socket(s.host, s.metrics_port)
    catalog = await open_catalog(settings.database_url, timeout_s=settings.database_timeout_s)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)  # finish the item in hand, then stop
    catalog.record_changes(settings.webhooks.enabled)  # its links change what products show
    try:
        await catalog.migrate()
        worker = MatchWorker(catalog, WorkerOptions.from_settings(settings))
        freeze_start_up()
        async with contextlib.AsyncExitStack() as listening:
            if metrics_socket is not None:
                figures = Stats(catalog)

                async def render() -> bytes:
                    queues = await figures.marketplace_or_none()
                    return generate_latest(worker_registry(worker.stats, queues))

                await listening.enter_async_context(metrics_listener(metrics_socket, render))
            stats = await worker.run(drain=drain, stop=stop)
    finally:
        await catalog.close()
    done = ", ".join(f"{k} {v}" for k, v in sorted(stats.items())) or "nothing to do"
    print(f"matcher worker stopped: {done}")
    return 0


async def _migrate_canonical(settings: Settings, dry_run: bool, limit: int | None) -> int:
    from tqdm import tqdm

    from matcher.migrate_canonical import migrate_canonical

    catalog = await open_catalog(settings.database_url, timeout_s=settings.database_timeout_s)
    catalog.record_changes(settings.webhooks.enabled)  # its links change what products show
    try:
        await catalog.migrate()
        total = await catalog.count_unlinked_products()
        if limit is not None:
            total = min(total, limit)
        with tqdm(total=total, unit="product", file=sys.stderr, disable=None) as bar:
            summary = await migrate_canonical(
                catalog, dry_run=dry_run, limit=limit, progress=bar.update
            )
    finally:
        await catalog.close()
    if dry_run:
        print("dry run: nothing was changed")
    for line in summary.lines():
        print(line)
    return 0


async def _migrate_originals(settings: Settings, source: str, target: str, at_once: int) -> int:
    from tqdm import tqdm

    from config.backends import check_url
    from edge.storage.originals import open_originals
    from edge.storage.originals.migrate import list_all, migrate_originals

    for flag, url in (("--from", source), ("--to", target)):
        check_url("originals", url, flag, ValueError)
    if source.rstrip("/") == target.rstrip("/"):
        raise ValueError("--from and --to name the same store")
    if at_once < 1:
        raise ValueError("--concurrency must be at least 1")
    timeout_s = settings.originals_timeout_s
    origin = open_originals(source, timeout_s=timeout_s)
    destination = open_originals(target, timeout_s=timeout_s)
    await check_originals(origin, "--from")
    await check_originals(destination, "--to")
    digests = await list_all(origin)
    with tqdm(total=len(digests), unit="original", file=sys.stderr, disable=None) as bar:
        report = await migrate_originals(
            origin, destination, digests, progress=bar.update, concurrency=at_once
        )
    for line in report.lines():
        print(line, file=sys.stdout if report.ok else sys.stderr)
    return 0 if report.ok else 1


async def _stores(settings: Settings, command: str, name: str | None) -> int:
    """`imgedge stores create|list|rotate|revoke|events`, through the curator's use cases."""
    from edge.application.actors import CURATOR
    from edge.application.stores import BY_CLI, Stores
    from edge.http.text import printable_problem

    if name is not None and (problem := printable_problem(name)) is not None:
        print(f"imgedge stores {command}: the name {problem}", file=sys.stderr)
        return 2
    catalog = await open_catalog(settings.database_url, timeout_s=settings.database_timeout_s)
    stores = Stores(catalog)
    try:
        await catalog.migrate()
        if command == "list":
            for s in await stores.list_stores(CURATOR):
                synced = s.last_sync_at.isoformat(timespec="seconds") if s.last_sync_at else "never"
                key = "key" if s.has_key else "revoked"
                print(f"{s.id}\t{s.name}\t{s.product_count} products\tsynced {synced}\t{key}")
            return 0
        if command == "events" and name is None:
            _print_key_events(await stores.key_events(CURATOR))
            return 0
        assert name is not None  # argparse: every other command takes a name
        if command == "create":
            issued = await stores.create(CURATOR, name, by=BY_CLI)
            print(f"created store {issued.store.name!r} (id {issued.store.id}); its API key, "
                  "shown once:")  # fmt: skip
            print(issued.key)
            return 0
        found = await catalog.get_store_by_name(name.strip())
        if found is None:
            print(f"imgedge stores {command}: no store named {name!r}", file=sys.stderr)
            return 1
        if command == "events":
            _print_key_events(await stores.key_events(CURATOR, found.id))
        elif command == "rotate":
            issued = await stores.rotate(CURATOR, found.id, by=BY_CLI)
            print(f"new API key for {found.name!r} (the old one no longer works), shown once:")
            print(issued.key)
        else:
            await stores.revoke(CURATOR, found.id, by=BY_CLI)
            print(f"revoked the API key of {found.name!r}: no key works until `rotate`")
        return 0
    except BadRequest as exc:
        print(f"imgedge stores {command}: {exc.message}", file=sys.stderr)
        return 2
    finally:
        await catalog.close()


def _print_key_events(events: Sequence[KeyEvent]) -> None:
    for e in events:
        at = e.at.isoformat(timespec="seconds")
        print(f"{at}\t{e.store_id}\t{e.store_name}\t{e.action.value}\tby {e.actor}")
    if not events:
        print("no key events")


async def _demo(settings: Settings, products: int) -> int:
    from edge.demo.seed import describe as describe_demo
    from edge.demo.seed import seed_demo
    from edge.services import open_services

    async with open_services(settings) as svc:
        result = await seed_demo(svc, products=products)
    base = settings.server.url_base or f"http://{settings.server.host}:{settings.server.port}"
    for line in describe_demo(result, base, configured_token=bool(settings.server.admin_token)):
        print(line)
    return 0


def _demo_scale(settings: Settings, products: int, originals: int | None, out: str) -> int:
    import json
    import os
    import time

    from edge.demo.scale import seed_scale
    from edge.services import open_services

    async def seed() -> ScaleCatalog:
        async with open_services(settings) as svc:
            return await seed_scale(svc, products, originals=originals)

    started = time.monotonic()
    result = asyncio.run(seed())
    base = settings.server.url_base or f"http://{settings.server.host}:{settings.server.port}"
    os.makedirs(os.path.dirname(out) or ".", exist_ok=True)
    # It holds the admin token and every store's key: readable by its owner only.
    with open(os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as file:
        json.dump(result.as_json(base), file)
    shown = sum(1 for _, _, s in result.products if s)
    verb = "seeded" if result.created else "already present (store keys rotated)"
    print(
        f"scale catalog {verb}: {len(result.products)} store products ({shown} with an "
        f"image) in {len(result.stores)} stores, {len(result.canonical_ids)} canonical "
        f"products with images, {time.monotonic() - started:.1f} s"
    )
    print(f"admin token and store keys written to {out}")
    return 0


# The commands that fill the matcher's caches, leaving them to the operating system.
_MATCHING = frozenset({"worker", "migrate-canonical"})


def entry() -> None:
    """The `imgedge` command (and `python -m edge.cli`): `main`, then exit with its code.

    The command's work is done and said by then, so the process may leave without
    finalizing the interpreter, and does where finalizing costs or breaks something:
    - after S3 work, obstore's Rust runtime may still hand a finished future's result to
      Python while the interpreter finalizes, which aborts the process (SIGABRT, a known
      pyo3-async-runtimes race; 1 to 3 in 60 short `originals migrate` runs here);
    - after the matching commands (`_MATCHING`), freeing the matcher's caches (the names
      read, the word comparisons: hundreds of thousands of objects) took 0.6-0.7 s of a
      17 s `worker --drain` of 5,000 items."""
    args = _parser().parse_args()
    code = run(args)
    if "obstore" in sys.modules or args.command in _MATCHING:
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    raise SystemExit(code)


if __name__ == "__main__":
    entry()
