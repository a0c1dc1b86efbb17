"""The `imgedge` command: serve, migrate, demo. Every subcommand reads the same settings."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence

from catalog import open_catalog
from catalog.repository import CatalogError
from config import Settings, SettingsError, describe, load_settings
from edge.cache import CacheTierError
from edge.errors import EdgeError

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
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"imgedge: bad setting: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("pyvips").setLevel(logging.WARNING)  # libvips chatters at INFO
    try:
        if args.command == "serve":
            return _serve(settings)
        if args.command == "migrate":
            return asyncio.run(_migrate(settings))
        if args.command == "demo":
            return asyncio.run(_demo(settings, args.products))
    except (CatalogError, CacheTierError, EdgeError, ValueError, OSError) as exc:
        print(f"imgedge {args.command}: {exc}", file=sys.stderr)
        return 1
    return 2


def _serve(settings: Settings) -> int:
    import uvicorn

    from edge.app import create_app

    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level,
        access_log=settings.access_log,
        lifespan="on",
    )
    return 0


async def _migrate(settings: Settings) -> int:
    catalog = await open_catalog(settings.database_url)
    try:
        applied = await catalog.migrate()
    finally:
        await catalog.close()
    print(f"applied {', '.join(applied)}" if applied else "catalog schema is up to date")
    return 0


async def _demo(settings: Settings, products: int) -> int:
    from edge.demo import describe as describe_demo
    from edge.demo import seed_demo
    from edge.services import open_services

    async with open_services(settings) as svc:
        result = await seed_demo(svc, products=products)
    base = f"http://{settings.host}:{settings.port}"
    for line in describe_demo(result, base, configured_token=bool(settings.admin_token)):
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
