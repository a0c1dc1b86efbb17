"""The embedded catalog backend: SQLite through aiosqlite (one connection, one thread).

Writes are serialised by a lock so concurrent coroutines never interleave transactions
on the shared connection. sqlite3 errors are translated to catalog errors here.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite

from catalog.models import (
    CanonicalProduct,
    ImageSource,
    MatchStatus,
    NewImage,
    ProductImage,
    Resolution,
    ResolvedImage,
    Store,
    StoreProduct,
)
from catalog.queries import load_queries, migration_files
from catalog.repository import CatalogError, ConflictError, NotFoundError
from matcher.normalize import normalize_name

DIALECT = "sqlite"


def sqlite_path(database_url: str) -> str:
    """`sqlite:///var/x.db` → `var/x.db` (relative); `sqlite:////abs/x.db` → `/abs/x.db`."""
    path = database_url.removeprefix("sqlite:///")
    if not path:
        raise ValueError("sqlite URL has no path")
    return path


def _canonical(row: Iterable[Any]) -> CanonicalProduct:
    return CanonicalProduct(*row)


def _image(row: sqlite3.Row) -> ProductImage:
    values = list(row)
    values[4] = bool(values[4])  # has_alpha
    values[9] = bool(values[9])  # is_primary
    return ProductImage(*values)


def _store_product(row: sqlite3.Row) -> StoreProduct:
    values = list(row)
    values[10] = bool(values[10])
    values[11] = MatchStatus(values[11])
    return StoreProduct(*values)


class SQLiteCatalog:
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn
        self._q = load_queries(DIALECT)
        self._lock = asyncio.Lock()

    @classmethod
    async def open(cls, database_url: str) -> SQLiteCatalog:
        path = sqlite_path(database_url)
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        try:
            conn = await aiosqlite.connect(path, isolation_level=None)
            await conn.execute("PRAGMA journal_mode = WAL")
            await conn.execute("PRAGMA foreign_keys = ON")
            await conn.execute("PRAGMA busy_timeout = 5000")
            await conn.execute("PRAGMA synchronous = NORMAL")
        except sqlite3.Error as exc:
            raise CatalogError(f"cannot open SQLite catalog at {path}: {exc}") from exc
        return cls(conn)

    async def close(self) -> None:
        await self._conn.close()

    async def ping(self) -> None:
        async with self._translate():
            await self._conn.execute("SELECT 1")

    @asynccontextmanager
    async def _translate(self) -> AsyncIterator[None]:
        try:
            yield
        except sqlite3.IntegrityError as exc:
            raise ConflictError(str(exc)) from exc
        except sqlite3.Error as exc:
            raise CatalogError(f"SQLite: {exc}") from exc

    @asynccontextmanager
    async def _tx(self) -> AsyncIterator[aiosqlite.Connection]:
        async with self._lock, self._translate():
            await self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                await self._conn.execute("ROLLBACK")
                raise
            await self._conn.execute("COMMIT")

    async def _one(self, name: str, *args: Any) -> sqlite3.Row | None:
        async with self._translate(), self._conn.execute(self._q[name], args) as cur:
            return await cur.fetchone()

    async def _all(self, name: str, *args: Any) -> list[sqlite3.Row]:
        async with self._translate(), self._conn.execute(self._q[name], args) as cur:
            return list(await cur.fetchall())

    # Migrations

    async def migrate(self) -> list[str]:
        applied_now: list[str] = []
        async with self._tx() as conn:
            await conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                " version TEXT PRIMARY KEY,"
                " applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')))"
            )
            async with conn.execute("SELECT version FROM schema_migrations") as cur:
                done = {row[0] for row in await cur.fetchall()}
            for version, sql in migration_files(DIALECT):
                if version in done:
                    continue
                # executescript would COMMIT our transaction; run statement by statement.
                for statement in _statements(sql):
                    await conn.execute(statement)
                await conn.execute("INSERT INTO schema_migrations (version) VALUES (?)", (version,))
                applied_now.append(version)
        return applied_now

    # Stores

    async def create_store(self, name: str, api_key_hash: str | None = None) -> Store:
        async with (
            self._tx() as conn,
            conn.execute(self._q["create_store"], (name, api_key_hash)) as cur,
        ):
            row = await cur.fetchone()
        assert row is not None
        return Store(*row)

    async def get_store_by_name(self, name: str) -> Store | None:
        row = await self._one("get_store_by_name", name)
        return Store(*row) if row else None

    # Canonical products

    async def create_canonical_product(
        self, *, gtin: str | None, name: str, brand: str | None
    ) -> CanonicalProduct:
        args = (gtin, name, normalize_name(name), brand)
        async with (
            self._tx() as conn,
            conn.execute(self._q["create_canonical_product"], args) as cur,
        ):
            row = await cur.fetchone()
        assert row is not None
        return _canonical(row)

    async def get_canonical_product(self, canonical_id: int) -> CanonicalProduct | None:
        row = await self._one("get_canonical_product", canonical_id)
        return _canonical(row) if row else None

    async def get_canonical_product_by_gtin(self, gtin: str) -> CanonicalProduct | None:
        row = await self._one("get_canonical_product_by_gtin", gtin)
        return _canonical(row) if row else None

    # Store products

    async def upsert_store_product(
        self,
        *,
        store_id: int,
        external_id: str,
        upc: str | None,
        gtin: str | None,
        name: str,
        brand: str | None = None,
        image_url: str | None = None,
    ) -> StoreProduct:
        args = (store_id, external_id, upc, gtin, name, brand, image_url)
        async with self._tx() as conn:
            async with conn.execute(self._q["upsert_store_product"], args) as cur:
                row = await cur.fetchone()
            assert row is not None
            async with conn.execute(self._q["get_store_product"], (row[0],)) as cur:
                product = await cur.fetchone()
        assert product is not None
        return _store_product(product)

    async def get_store_product(self, product_id: int) -> StoreProduct | None:
        row = await self._one("get_store_product", product_id)
        return _store_product(row) if row else None

    async def list_store_product_ids(self, store_id: int, limit: int) -> list[int]:
        return [row[0] for row in await self._all("list_store_product_ids", store_id, limit)]

    async def link_store_product(
        self,
        product_id: int,
        canonical_id: int | None,
        status: MatchStatus,
        confidence: float | None = None,
    ) -> None:
        async with self._tx() as conn:
            async with conn.execute(self._q["get_store_product"], (product_id,)) as cur:
                row = await cur.fetchone()
            if row is None:
                raise NotFoundError(f"store product {product_id} does not exist")
            previous = row[9]
            await conn.execute(
                self._q["link_store_product"], (product_id, canonical_id, str(status), confidence)
            )
            for cid in {previous, canonical_id} - {None}:
                await conn.execute(self._q["refresh_product_count"], (cid,))

    async def set_use_custom_image(self, product_id: int, use_custom_image: bool) -> None:
        async with (
            self._tx() as conn,
            conn.execute(
                self._q["set_use_custom_image"], (product_id, int(use_custom_image))
            ) as cur,
        ):
            if await cur.fetchone() is None:
                raise NotFoundError(f"store product {product_id} does not exist")

    # Images

    async def add_image(self, image: NewImage) -> ProductImage:
        custom = image.store_product_id is not None
        owner = image.store_product_id if custom else image.canonical_product_id
        prefix = "custom" if custom else "canonical"
        async with self._tx() as conn:
            async with conn.execute(self._q[f"next_{prefix}_sort_order"], (owner,)) as cur:
                next_order, existing = await cur.fetchone()  # type: ignore[misc]
            primary = image.is_primary or existing == 0
            if primary:
                await conn.execute(self._q[f"clear_{prefix}_primary"], (owner,))
            args = (
                image.content_hash,
                image.width,
                image.height,
                int(image.has_alpha),
                image.byte_size,
                image.media_type,
                image.canonical_product_id,
                image.store_product_id,
                int(primary),
                next_order if image.sort_order is None else image.sort_order,
            )
            async with conn.execute(self._q["insert_image"], args) as cur:
                row = await cur.fetchone()
            if image.canonical_product_id is not None:
                await conn.execute(self._q["refresh_image_count"], (image.canonical_product_id,))
        assert row is not None
        return _image(row)

    async def list_canonical_images(self, canonical_id: int) -> list[ProductImage]:
        return [_image(r) for r in await self._all("list_canonical_images", canonical_id)]

    async def list_custom_images(self, product_id: int) -> list[ProductImage]:
        return [_image(r) for r in await self._all("list_custom_images", product_id)]

    async def resolve(self, product_id: int) -> Resolution | None:
        row = await self._one("resolve_product", product_id)
        if row is None:
            return None
        if row[1] is None:
            return Resolution(product_id=row[0], image=None)
        image = ResolvedImage(
            image_id=row[1],
            content_hash=row[2],
            width=row[3],
            height=row[4],
            has_alpha=bool(row[5]),
            source=ImageSource.CUSTOM if row[6] else ImageSource.CANONICAL,
        )
        return Resolution(product_id=row[0], image=image)

    # Meta

    async def get_meta(self, key: str) -> str | None:
        row = await self._one("get_meta", key)
        return row[0] if row else None

    async def set_meta(self, key: str, value: str) -> None:
        async with self._tx() as conn:
            await conn.execute(self._q["set_meta"], (key, value))


def _statements(script: str) -> list[str]:
    """Split a migration into statements (complete_statement knows about quotes)."""
    statements, current = [], ""
    for line in script.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            if current.strip():
                statements.append(current.strip())
            current = ""
    if current.strip() and not all(
        ln.strip().startswith("--") or not ln.strip() for ln in current.splitlines()
    ):
        raise ValueError(f"unterminated statement in migration: {current[:60]!r}")
    return statements
