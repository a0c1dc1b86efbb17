"""The `imgedge` command: serve, migrate, demo, worker, originals migrate, stores. Every
subcommand reads the same settings."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import socket
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from catalog import open_catalog
from catalog.repository import CatalogError
from config import Settings, SettingsError, describe, load_settings
from edge.errors import BadRequest, EdgeError
from edge.logs import configure_logging
from edge.storage.cache import CacheTierError
from edge.storage.originals import OriginalsError, check_originals

if TYPE_CHECKING:
    import uvicorn
    from starlette.datastructures import State

log = logging.getLogger("imgedge")


def _parser() -> argparse.ArgumentParser:
    settings_help = "\n".join(f"  {name:<36} {meaning}" for name, _, meaning in describe())
    parser = argparse.ArgumentParser(
        prog="imgedge",
        description="Image-serving edge for multi-store marketplaces.",
        epilog="settings (environment, or the same keys in config/imgedge.toml):\n" + settings_help,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("serve", help="serve /img and the API (applies migrations first)")
    sub.add_parser("migrate", help="apply catalog schema migrations")
    demo = sub.add_parser("demo", help="seed a demo catalog with generated images")
    demo.add_argument("--products", type=int, default=60, help="canonical products to create")
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
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"imgedge: bad setting: {exc}", file=sys.stderr)
        return 2
    configure_logging(settings.server.log_level, settings.server.log_format)
    try:
        if args.command == "serve":
            return _serve(settings)
        if args.command == "migrate":
            return asyncio.run(_migrate(settings))
        if args.command == "demo":
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
            return asyncio.run(_stores(settings, args.stores_command, getattr(args, "name", "")))
    except (CatalogError, CacheTierError, OriginalsError, EdgeError, ValueError, OSError) as exc:
        print(f"imgedge {args.command}: {exc}", file=sys.stderr)
        return 1
    return 2


def _serve(settings: Settings) -> int:
    import uvicorn

    from edge.http.app import create_app
    from edge.http.metrics_listener import bind_metrics_socket
    from edge.http.transport import TransportLimits, ensure_file_limit, protocol_class

    asyncio.run(_check_originals(settings))  # here: one line, not uvicorn's traceback
    s = settings.server
    limits = TransportLimits.from_settings(s)
    ensure_file_limit(limits.max_connections)
    app = create_app(settings)
    config = uvicorn.Config(
        app,
        host=s.host,
        port=s.port,
        log_level=s.log_level,
        log_config=None,  # uvicorn's lines go through our handler (edge.logs)
        access_log=False,  # ours, one line per request with route, cache and timings
        lifespan="on",
        http=protocol_class(limits),  # httptools with head, timeout and connection limits
        timeout_keep_alive=s.http_keepalive_timeout_s,
    )
    server = uvicorn.Server(config)
    if s.metrics_port is None:
        server.run()
    else:
        metrics_socket = bind_metrics_socket(s.host, s.metrics_port)  # before the main port
        with asyncio.Runner(loop_factory=config.get_loop_factory()) as runner:
            runner.run(_serve_beside_metrics(server, metrics_socket, app.state))
    return 0 if server.started else 3  # uvicorn's exit code for a failed start-up


async def _serve_beside_metrics(
    server: uvicorn.Server, metrics_socket: socket.socket, state: State
) -> None:
    from edge.http.metrics import render_metrics
    from edge.http.metrics_listener import metrics_listener

    async with metrics_listener(metrics_socket, lambda: render_metrics(state)):
        await server.serve()


async def _check_originals(settings: Settings) -> None:
    from config.settings import env_name
    from edge.storage.originals import open_originals

    store = open_originals(settings.originals_url, timeout_s=settings.originals_timeout_s)
    await check_originals(store, env_name("originals_url"))


async def _migrate(settings: Settings) -> int:
    catalog = await open_catalog(settings.database_url, timeout_s=settings.database_timeout_s)
    try:
        applied = await catalog.migrate()
    finally:
        await catalog.close()
    print(f"applied {', '.join(applied)}" if applied else "catalog schema is up to date")
    return 0


async def _worker(settings: Settings, *, drain: bool) -> int:
    import signal

    from prometheus_client import generate_latest

    from edge.application.stats import Stats
    from edge.http.metrics import worker_registry
    from edge.http.metrics_listener import bind_metrics_socket, metrics_listener
    from matcher.worker import MatchWorker, WorkerOptions

    s = settings.server
    metrics_socket = None if s.metrics_port is None else bind_metrics_socket(s.host, s.metrics_port)
    catalog = await open_catalog(settings.database_url, timeout_s=settings.database_timeout_s)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)  # finish the item in hand, then stop
    try:
        await catalog.migrate()
        worker = MatchWorker(catalog, WorkerOptions.from_settings(settings))
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


async def _stores(settings: Settings, command: str, name: str) -> int:
    """`imgedge stores create|list|rotate|revoke`, through the curator's use cases."""
    from edge.application.actors import CURATOR
    from edge.application.stores import Stores
    from edge.http.text import printable_problem

    if command != "list" and (problem := printable_problem(name)) is not None:
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
        if command == "create":
            issued = await stores.create(CURATOR, name)
            print(f"created store {issued.store.name!r} (id {issued.store.id}); its API key, "
                  "shown once:")  # fmt: skip
            print(issued.key)
            return 0
        found = await catalog.get_store_by_name(name.strip())
        if found is None:
            print(f"imgedge stores {command}: no store named {name!r}", file=sys.stderr)
            return 1
        if command == "rotate":
            issued = await stores.rotate(CURATOR, found.id)
            print(f"new API key for {found.name!r} (the old one no longer works), shown once:")
            print(issued.key)
        else:
            await stores.revoke(CURATOR, found.id)
            print(f"revoked the API key of {found.name!r}: no key works until `rotate`")
        return 0
    except BadRequest as exc:
        print(f"imgedge stores {command}: {exc.message}", file=sys.stderr)
        return 2
    finally:
        await catalog.close()


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


if __name__ == "__main__":
    raise SystemExit(main())
