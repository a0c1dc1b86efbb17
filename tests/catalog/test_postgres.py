"""PostgreSQL specifics: concurrent migrations, and the LISTEN/NOTIFY change feed."""

from __future__ import annotations

import asyncio

import asyncpg

from catalog.models import ResolutionChange, SyncItem
from catalog.postgres import PostgresCatalog
from catalog.queries import load_queries, migration_files


async def test_concurrent_migrators_apply_each_migration_once(empty_postgres_url):
    catalogs = [await PostgresCatalog.open(empty_postgres_url) for _ in range(3)]
    try:
        results = await asyncio.gather(*(c.migrate() for c in catalogs))
    finally:
        for c in catalogs:
            await c.close()
    versions = [v for v, _ in migration_files("postgresql")]
    assert sorted(results, key=len) == [[], [], versions]

    conn = await asyncpg.connect(empty_postgres_url)
    try:
        recorded = [r["version"] for r in await conn.fetch("SELECT version FROM schema_migrations")]
        indexes = {
            r["indexname"]
            for r in await conn.fetch("SELECT indexname FROM pg_indexes WHERE schemaname='public'")
        }
    finally:
        await conn.close()
    assert recorded == versions
    assert {
        "canonical_products_gtin",
        "canonical_products_name_trgm",
        "canonical_products_name_fts",
        "product_images_canonical",
        "match_queue_claimable",
    } <= indexes


def test_every_dialect_names_the_same_queries():
    """Shared names must exist in every dialect; a dialect's own helpers carry its prefix."""
    postgresql = {n for n in load_queries("postgresql") if not n.startswith("pg_")}
    sqlite = {n for n in load_queries("sqlite") if not n.startswith("sqlite_")}
    assert postgresql == sqlite


async def test_a_change_through_one_catalog_reaches_another_within_a_second(postgres_url):
    writer = await PostgresCatalog.open(postgres_url)
    reader = await PostgresCatalog.open(postgres_url)
    heard: list[ResolutionChange] = []
    heard_at = asyncio.Event()

    def on_change(change: ResolutionChange) -> None:
        heard.append(change)
        heard_at.set()

    try:
        await reader.listen(on_change)
        store = await writer.create_store("S")
        product = await writer.upsert_store_product(
            store_id=store.id, external_id="1", upc=None, gtin=None, name="n"
        )
        await writer.set_use_custom_image(product.id, True)
        await asyncio.wait_for(heard_at.wait(), timeout=1.0)
        assert heard == [ResolutionChange(product_id=product.id)]
    finally:
        await writer.close()
        await reader.close()


async def test_change_feed_reconnects_and_drops_everything(postgres_url):
    catalog = await PostgresCatalog.open(postgres_url)
    heard: list[ResolutionChange] = []
    try:
        await catalog.listen(heard.append)
        admin = await asyncpg.connect(postgres_url)
        try:  # kill the listening connection from the server side
            await admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND query LIKE 'LISTEN%'"
            )
        finally:
            await admin.close()
        for _ in range(100):
            if ResolutionChange() in heard:
                break
            await asyncio.sleep(0.05)
        assert ResolutionChange() in heard
    finally:
        await catalog.close()


async def test_other_processes_hear_nothing_of_rolled_back_or_dry_run_writes(postgres_url):
    writer = await PostgresCatalog.open(postgres_url)
    reader = await PostgresCatalog.open(postgres_url)
    heard: list[ResolutionChange] = []
    try:
        await reader.listen(heard.append)
        store = await writer.create_store("S")
        dry = await writer.sync_products(
            store.id, [SyncItem("a", None, "00012345678905", "Cola")], known={}, dry_run=True
        )
        async with writer.connector.transaction(rollback=True) as s:
            s.notify(ResolutionChange(product_id=424242))
        # NOTIFYs reach a listener in commit order: once this one is heard, an earlier
        # one would have been too.
        async with writer.connector.transaction() as s:
            s.notify(ResolutionChange(canonical_product_id=1))
        for _ in range(100):
            if ResolutionChange(canonical_product_id=1) in heard:
                break
            await asyncio.sleep(0.02)
        assert heard == [ResolutionChange(canonical_product_id=1)]
        assert dry[0].canonical_product_id is not None
    finally:
        await writer.close()
        await reader.close()
