"""Throwaway PostgreSQL databases for the benchmarks (created fresh, dropped after)."""

from __future__ import annotations

import asyncpg


async def _admin(admin_url: str, *statements: str) -> None:
    conn = await asyncpg.connect(admin_url)
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


async def recreate_database(admin_url: str, database: str) -> str:
    """Drop `database` if it exists, create it empty; return its URL."""
    await _admin(
        admin_url,
        f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)',
        f'CREATE DATABASE "{database}"',
    )
    return admin_url.rsplit("/", 1)[0] + "/" + database


async def drop_database(admin_url: str, database: str) -> None:
    await _admin(admin_url, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
