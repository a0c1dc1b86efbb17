"""The `imgedge` command: serve, migrate, demo, worker, originals migrate, stores. Every
subcommand reads the same settings."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence

from catalog import open_catalog
from catalog.repository import CatalogError
from config import Settings, SettingsError, describe, load_settings
from edge.errors import BadRequest, EdgeError
from edge.storage.cache import CacheTierError
from edge.storage.originals import OriginalsError, check_originals

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
    logging.basicConfig(
        level=settings.server.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("pyvips").setLevel(logging.WARNING)  # libvips chatters at INFO
    try:
        if args.command == "serve":
            if args.workers is not None:
                settings = settings.replace(workers=args.workers)
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
    from edge.serving import serve

    asyncio.run(_check_originals(settings))  # here: one line, not uvicorn's traceback
    if settings.server.workers > 1:
        asyncio.run(_migrate(settings, quiet=True))  # once, before the workers start
    return serve(settings)


async def _check_originals(settings: Settings) -> None:
    from config.settings import env_name
    from edge.storage.originals import open_originals

    store = open_originals(settings.originals_url, timeout_s=settings.originals_timeout_s)
    await check_originals(store, env_name("originals_url"))


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

    catalog = await open_catalog(settings.database_url, timeout_s=settings.database_timeout_s)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)  # finish the item in hand, then stop
    try:
        await catalog.migrate()
        stats = await MatchWorker(catalog, WorkerOptions.from_settings(settings)).run(
            drain=drain, stop=stop
        )
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
