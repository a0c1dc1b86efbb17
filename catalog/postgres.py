"""The production catalog backend: PostgreSQL through an asyncpg connection pool.

asyncpg prepares each named query once per connection and reuses it (its statement
cache), so hot queries such as `resolve_product` run as prepared statements. Migrations
are plain `.sql` files applied in order under an advisory lock, so two processes may run
`imgedge migrate` at once. asyncpg errors are translated to catalog errors here.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg

from catalog.queries import load_queries, migration_files
from catalog.repository import CatalogError, ConflictError
from catalog.sql_catalog import Row, SQLCatalog

DIALECT = "postgresql"
# pg_advisory_xact_lock key for migrations: any constant unique to imgedge.
MIGRATION_LOCK = 0x1_3A6E_D6E0


@asynccontextmanager
async def _translated() -> AsyncIterator[None]:
    try:
        yield
    except asyncpg.IntegrityConstraintViolationError as exc:
        raise ConflictError(str(exc)) from exc
    except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError, TimeoutError) as exc:
        raise CatalogError(f"PostgreSQL: {exc}") from exc


class _Session:
    def __init__(self, conn: asyncpg.Connection, queries: dict[str, str]) -> None:
        self._conn = conn
        self._q = queries

    async def one(self, name: str, *args: Any) -> Row | None:
        return await self._conn.fetchrow(self._q[name], *args)

    async def all(self, name: str, *args: Any) -> list[Row]:
        return list(await self._conn.fetch(self._q[name], *args))

    async def run(self, name: str, *args: Any) -> None:
        await self._conn.execute(self._q[name], *args)


class PostgresCatalog(SQLCatalog):
    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool
        self._queries = load_queries(DIALECT)

    @classmethod
    async def open(
        cls, database_url: str, *, min_size: int = 1, max_size: int = 10
    ) -> PostgresCatalog:
        try:
            pool = await asyncpg.create_pool(
                database_url, min_size=min_size, max_size=max_size, timeout=10
            )
        except (asyncpg.PostgresError, OSError, TimeoutError) as exc:
            raise CatalogError(f"cannot open PostgreSQL catalog: {exc}") from exc
        return cls(pool)

    async def close(self) -> None:
        await self.pool.close()

    async def ping(self) -> None:
        async with _translated():
            await self.pool.fetchval("SELECT 1")

    @asynccontextmanager
    async def _read(self) -> AsyncIterator[_Session]:
        async with _translated(), self.pool.acquire() as conn:
            yield _Session(conn, self._queries)

    @asynccontextmanager
    async def _tx(self) -> AsyncIterator[_Session]:
        async with _translated(), self.pool.acquire() as conn, conn.transaction():
            yield _Session(conn, self._queries)

    async def migrate(self) -> list[str]:
        applied_now: list[str] = []
        async with _translated(), self.pool.acquire() as conn, conn.transaction():
            # Serialise concurrent migrators; the lock ends with the transaction.
            await conn.execute("SELECT pg_advisory_xact_lock($1)", MIGRATION_LOCK)
            await conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                " version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
            )
            done = {r["version"] for r in await conn.fetch("SELECT version FROM schema_migrations")}
            for version, sql in migration_files(DIALECT):
                if version in done:
                    continue
                await conn.execute(sql)
                await conn.execute("INSERT INTO schema_migrations (version) VALUES ($1)", version)
                applied_now.append(version)
        return applied_now
