"""The embedded catalog backend: SQLite through aiosqlite (one connection, one thread).

Transactions are serialised by a lock so concurrent coroutines never interleave them on
the shared connection. sqlite3 errors are translated to catalog errors here.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite

from catalog.errors import CatalogError, ConflictError
from catalog.models import ResolutionChange
from catalog.queries import load_queries, migration_files
from catalog.sql_catalog import ChangeListener, Row, SQLCatalog

DIALECT = "sqlite"


def sqlite_path(database_url: str) -> str:
    """`sqlite:///var/x.db` → `var/x.db` (relative); `sqlite:////abs/x.db` → `/abs/x.db`."""
    path = database_url.removeprefix("sqlite:///")
    if not path:
        raise ValueError("sqlite URL has no path")
    return path


@asynccontextmanager
async def _translated() -> AsyncIterator[None]:
    try:
        yield
    except sqlite3.IntegrityError as exc:
        raise ConflictError(str(exc)) from exc
    except sqlite3.Error as exc:
        raise CatalogError(f"SQLite: {exc}") from exc


class _Session:
    def __init__(self, conn: aiosqlite.Connection, queries: dict[str, str]) -> None:
        self._conn = conn
        self._q = queries
        self.pending: list[ResolutionChange] = []  # announced in the open transaction

    async def one(self, name: str, *args: Any) -> Row | None:
        async with self._conn.execute(self._q[name], args) as cur:
            return await cur.fetchone()

    async def all(self, name: str, *args: Any) -> list[Row]:
        async with self._conn.execute(self._q[name], args) as cur:
            return list(await cur.fetchall())

    async def run(self, name: str, *args: Any) -> None:
        await self._conn.execute(self._q[name], args)

    async def notify(self, change: ResolutionChange) -> None:
        self.pending.append(change)

    async def notify_many(self, changes: Sequence[ResolutionChange]) -> None:
        self.pending.extend(changes)

    async def notify_work(self) -> None:
        return None  # workers on SQLite poll


class SQLiteCatalog(SQLCatalog):
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn
        self._session = _Session(conn, load_queries(DIALECT))
        self._lock = asyncio.Lock()
        self._listeners = []

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
        self._listeners.clear()
        await self._conn.close()

    async def listen(self, on_change: ChangeListener) -> None:
        """In process only: an SQLite catalog belongs to one edge process."""
        self._listeners.append(on_change)

    def _search_argument(self, normalized_name: str) -> str | None:
        # The trigram tokenizer matches substrings of 3+ characters; quote each token so
        # FTS5 syntax characters in names are taken literally.
        tokens = [t for t in normalized_name.split() if len(t) >= 3]
        return " OR ".join(f'"{t}"' for t in dict.fromkeys(tokens)) or None

    async def wait_for_work(self, timeout_s: float) -> None:
        """SQLite has no notifications: workers poll, at a short interval."""
        await asyncio.sleep(timeout_s)

    async def ping(self) -> None:
        async with _translated():
            await self._conn.execute("SELECT 1")

    @asynccontextmanager
    async def _read(self) -> AsyncIterator[_Session]:
        async with _translated():
            yield self._session

    @asynccontextmanager
    async def _tx(self) -> AsyncIterator[_Session]:
        async with self._lock, _translated():
            await self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._session
                await self._conn.execute("COMMIT")
            except BaseException:
                self._session.pending.clear()
                if self._conn.in_transaction:
                    await self._conn.execute("ROLLBACK")
                raise
            changes, self._session.pending = self._session.pending, []
        for change in changes:
            self._dispatch(change)

    async def migrate(self) -> list[str]:
        applied_now: list[str] = []
        async with self._tx():
            await self._conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                " version TEXT PRIMARY KEY,"
                " applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')))"
            )
            async with self._conn.execute("SELECT version FROM schema_migrations") as cur:
                done = {row[0] for row in await cur.fetchall()}
            for version, sql in migration_files(DIALECT):
                if version in done:
                    continue
                # executescript would COMMIT our transaction; run statement by statement.
                for statement in split_statements(sql):
                    await self._conn.execute(statement)
                await self._conn.execute(
                    "INSERT INTO schema_migrations (version) VALUES (?)", (version,)
                )
                applied_now.append(version)
        return applied_now


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
