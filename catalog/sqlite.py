"""The embedded catalog connector: SQLite through aiosqlite.

Two connections to one WAL database. Transactions run on the writer, one at a time (a
lock, so concurrent coroutines never interleave statements of two transactions on it).
Reads run on a read-only connection of their own: WAL lets it see the last committed
state while a transaction is open on the writer, so a read never sees rows a transaction
may still roll back, and never waits for one. (`:memory:` cannot be opened twice: there,
reads take the lock and use the writer between transactions.)

sqlite3 errors are translated to catalog errors here.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiosqlite

from catalog.connector import DEFAULT_TIMEOUT_S, ChangeListener, Listeners, Row
from catalog.errors import CatalogError, ConflictError
from catalog.models import ResolutionChange
from catalog.queries import Query, load_queries, migration_files
from catalog.sql_catalog import SQLCatalog

DIALECT = "sqlite"
MEMORY = ":memory:"


def sqlite_path(database_url: str) -> str:
    """`sqlite:///var/x.db` → `var/x.db` (relative); `sqlite:////abs/x.db` → `/abs/x.db`."""
    path = database_url.removeprefix("sqlite:///")
    if not path:
        raise ValueError("sqlite URL has no path")
    return path


def read_only_uri(path: str) -> str:
    """A URI opening the file read-only (`mode=ro`): it never writes, nor creates it."""
    return f"{Path(path).resolve().as_uri()}?mode=ro"


@asynccontextmanager
async def _translated() -> AsyncIterator[None]:
    try:
        yield
    except sqlite3.IntegrityError as exc:
        raise ConflictError(str(exc)) from exc
    except sqlite3.Error as exc:
        raise CatalogError(f"SQLite: {exc}") from exc


def _sqlite_args(values: tuple[Any, ...]) -> tuple[Any, ...]:
    """Times as SQLite compares them: the UTC text form the schema stores."""
    return tuple(
        v.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
        if isinstance(v, datetime)
        else v
        for v in values
    )


class _Session:
    """Named queries on one connection; in a transaction, what it announces."""

    def __init__(self, conn: aiosqlite.Connection, queries: dict[str, Query]) -> None:
        self._conn = conn
        self._q = queries
        self.changes: list[ResolutionChange] = []

    async def one(self, query: str, /, **params: Any) -> Row | None:
        found = await self.all(query, **params)
        return found[0] if found else None

    async def all(self, query: str, /, **params: Any) -> list[Row]:
        q = self._q[query]
        # The cursor is closed even when a row fails to decode (text that is not UTF-8):
        # a statement left open would hold this connection's read snapshot for good.
        async with self._conn.execute(q.sql, _sqlite_args(q.args(params))) as cursor:
            found = await cursor.fetchall()
        return [dict(row) for row in found]

    async def run(self, query: str, /, **params: Any) -> None:
        q = self._q[query]
        async with self._conn.execute(q.sql, _sqlite_args(q.args(params))):
            pass

    def notify(self, change: ResolutionChange) -> None:
        self.changes.append(change)

    def notify_work(self) -> None:
        return None  # workers on SQLite poll


async def _connect(target: str, timeout_s: float, *, uri: bool = False) -> aiosqlite.Connection:
    pending = aiosqlite.connect(target, isolation_level=None, uri=uri)
    try:
        conn = await pending
    except sqlite3.Error:
        # A failed connect stops aiosqlite's thread by queueing a call back into this
        # loop; let it land before the error leaves (and a CLI closes the loop), or the
        # thread dies printing "Event loop is closed" after our one-line message.
        await asyncio.to_thread(pending._thread.join, timeout_s)
        raise
    conn.row_factory = aiosqlite.Row  # rows by column name
    await conn.execute(f"PRAGMA busy_timeout = {max(1, round(timeout_s * 1000))}")
    return conn


class SQLiteConnector:
    dialect = DIALECT

    def __init__(self, writer: aiosqlite.Connection, reader: aiosqlite.Connection | None) -> None:
        self._writer = writer
        self._reader = reader  # None: reads share the writer (an in-memory database)
        self._lock = asyncio.Lock()
        self._queries = load_queries(DIALECT)
        self._listeners = Listeners()

    @classmethod
    async def open(cls, path: str, *, timeout_s: float = DEFAULT_TIMEOUT_S) -> SQLiteConnector:
        if path != MEMORY:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        writer: aiosqlite.Connection | None = None
        try:
            writer = await _connect(path, timeout_s)
            # WAL first: the reader opened next relies on it to read beside a writer.
            await writer.execute("PRAGMA journal_mode = WAL")
            await writer.execute("PRAGMA foreign_keys = ON")
            await writer.execute("PRAGMA synchronous = NORMAL")
            reader = None
            if path != MEMORY:
                reader = await _connect(read_only_uri(path), timeout_s, uri=True)
        except sqlite3.Error as exc:
            if writer is not None:
                await writer.close()
            raise CatalogError(f"cannot open SQLite catalog at {path}: {exc}") from exc
        return cls(writer, reader)

    async def close(self) -> None:
        self._listeners.clear()
        if self._reader is not None:
            await self._reader.close()
        await self._writer.close()

    async def listen(self, on_change: ChangeListener) -> None:
        """In process only: an SQLite catalog belongs to one edge process."""
        self._listeners.add(on_change)

    async def wait_for_work(self, timeout_s: float) -> None:
        """SQLite has no notifications: workers poll, at a short interval."""
        await asyncio.sleep(timeout_s)

    async def ping(self) -> None:
        async with _translated(), self.read() as r:
            await r.one("ping")

    @asynccontextmanager
    async def read(self) -> AsyncIterator[_Session]:
        if self._reader is None:
            async with self._lock, _translated():
                yield _Session(self._writer, self._queries)
        else:
            async with _translated():
                yield _Session(self._reader, self._queries)

    @asynccontextmanager
    async def transaction(self, *, rollback: bool = False) -> AsyncIterator[_Session]:
        session = _Session(self._writer, self._queries)
        async with self._lock, _translated():
            await self._writer.execute("BEGIN IMMEDIATE")
            try:
                yield session
                await self._writer.execute("ROLLBACK" if rollback else "COMMIT")
            except BaseException:
                if self._writer.in_transaction:
                    await self._writer.execute("ROLLBACK")
                raise
        if not rollback:
            self._listeners(session.changes)

    async def search_names(self, normalized_name: str, limit: int) -> list[Row]:
        # The trigram tokenizer matches substrings of 3+ characters; quote each token so
        # FTS5 syntax characters in names are taken literally.
        tokens = [t for t in normalized_name.split() if len(t) >= 3]
        expression = " OR ".join(f'"{t}"' for t in dict.fromkeys(tokens))
        if not expression:
            return []
        async with self.read() as r:
            return await r.all("search_canonical_candidates", query=expression, limit=limit)

    async def search_names_many(
        self, normalized_names: Sequence[str], limit: int
    ) -> list[list[Row]]:
        # FTS5 ranks one MATCH expression per query: one search per name (each is quick).
        return [await self.search_names(name, limit) for name in normalized_names]

    async def fold_name_words(self) -> int:
        return 0  # FTS5 keeps its own index current

    async def search_codes_many(
        self, queries: Sequence[tuple[str, Sequence[str]]], limit: int, scan: int
    ) -> list[list[Row]]:
        # Per name: each code counted (capped), those carried by `scan` products or fewer
        # searched together as one FTS5 expression of quoted substrings. Codes are letters
        # and digits only (catalog.names.compact_code): quoting them is enough.
        found: list[list[Row]] = []
        identifying: dict[str, bool] = {}  # each code counted once, however many names say it
        async with self.read() as r:
            for _, codes in queries:
                kept = []
                for code in codes:
                    if code not in identifying:
                        row = await r.one(
                            "sqlite_count_code_products", code=f'"{code}"', cap=scan + 1
                        )
                        identifying[code] = row is not None and 0 < row["products"] <= scan
                    if identifying[code]:
                        kept.append(f'"{code}"')
                found.append(
                    await r.all(
                        "sqlite_search_canonical_candidates_by_codes",
                        query=" OR ".join(kept),
                        limit=limit,
                    )
                    if kept
                    else []
                )
        return found

    async def migrate(self) -> list[str]:
        applied_now: list[str] = []
        async with self.transaction():
            # Migrations are DDL, not named queries: run on the writer directly.
            await self._writer.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                " version TEXT PRIMARY KEY,"
                " applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')))"
            )
            done = {
                row["version"]
                for row in await self._writer.execute_fetchall(
                    "SELECT version FROM schema_migrations"
                )
            }
            for version, sql in migration_files(DIALECT):
                if version in done:
                    continue
                # executescript would COMMIT our transaction; run statement by statement.
                for statement in split_statements(sql):
                    await self._writer.execute(statement)
                await self._writer.execute(
                    "INSERT INTO schema_migrations (version) VALUES (?)", (version,)
                )
                applied_now.append(version)
        return applied_now


class SQLiteCatalog(SQLCatalog):
    """`SQLCatalog` over a `SQLiteConnector`: it adds only how to open one from a URL."""

    @classmethod
    async def open(
        cls, database_url: str, *, timeout_s: float = DEFAULT_TIMEOUT_S
    ) -> SQLiteCatalog:
        """`timeout_s`: how long a write waits for another process's lock (busy_timeout)."""
        return cls(await SQLiteConnector.open(sqlite_path(database_url), timeout_s=timeout_s))


def split_statements(script: str) -> list[str]:
    """Split a migration into statements (complete_statement knows about quotes)."""
    statements, current = [], ""
    for line in script.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            statements.append(current.strip())
            current = ""
    leftover = [ln for ln in current.splitlines() if ln.strip() and not ln.strip().startswith("--")]
    if leftover:
        raise ValueError(f"unterminated statement in migration: {leftover[0][:60]!r}")
    return statements
