"""PostgreSQL migrations: ordered, recorded, safe twice and from concurrent migrators."""

from __future__ import annotations

import asyncio

import asyncpg

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
    assert set(load_queries("postgresql")) == set(load_queries("sqlite"))
