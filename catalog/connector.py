"""What `SQLCatalog` needs from a database: a connector per dialect.

A connector runs the dialect's named queries (`sql/<dialect>.sql`) with named parameters
and returns rows as mappings (`row["id"]`); it owns connections, transactions, change
delivery and migrations, and translates its driver's errors to `catalog.errors` so none
leaves it. The repository logic above it is written once, for every dialect.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any, Protocol

from catalog.models import ResolutionChange

log = logging.getLogger(__name__)

Row = Mapping[str, Any]
# The longest wait on the database (a connection, a statement, a lock) unless the
# `database_timeout_s` setting says otherwise.
DEFAULT_TIMEOUT_S = 5.0
ChangeListener = Callable[[ResolutionChange], None]


class Reader(Protocol):
    """Named queries on one connection; keyword arguments are the query's parameters."""

    async def one(self, query: str, /, **params: Any) -> Row | None: ...

    async def all(self, query: str, /, **params: Any) -> list[Row]: ...


class Session(Reader, Protocol):
    """A transaction's connection: it writes, and announces what it changed."""

    changes: list[ResolutionChange]  # announced so far, delivered if it commits

    async def run(self, query: str, /, **params: Any) -> None: ...

    def notify(self, change: ResolutionChange) -> None:
        """Announce `change` to listeners once the transaction commits (never if not)."""
        ...

    def notify_work(self) -> None:
        """Wake idle match-queue workers once the transaction commits, where supported."""
        ...


class Connector(Protocol):
    dialect: str

    def transaction(self, *, rollback: bool = False) -> AbstractAsyncContextManager[Session]:
        """A transaction, committed when the block ends (rolled back if it raises).

        With `rollback`, it is rolled back even when the block succeeds (a dry run):
        nothing it wrote stays and nothing it announced is delivered.
        """
        ...

    def read(self) -> AbstractAsyncContextManager[Reader]:
        """Reads outside any transaction: they see committed data only."""
        ...

    async def listen(self, on_change: ChangeListener) -> None:
        """Call `on_change` for committed changes: this process's own, right after each
        commit, and (where the database can announce them) other processes' too."""
        ...

    async def search_names(self, normalized_name: str, limit: int) -> list[Row]:
        """Canonical product rows plus a `score`, for a name already normalized; the
        search is where the dialects differ most (FTS5 trigram vs pg_trgm)."""
        ...

    async def search_names_many(
        self, normalized_names: Sequence[str], limit: int
    ) -> list[list[Row]]:
        """`search_names` for each name, in order, with the same answers (a batch)."""
        ...

    async def search_codes_many(
        self, queries: Sequence[tuple[str, Sequence[str]]], limit: int, scan: int
    ) -> list[list[Row]]:
        """Per (normalized name, compacted codes): canonical product rows plus a `score`,
        those whose compact name carries one of the codes (each code carried by `scan`
        products at most), best `limit` first."""
        ...

    async def fold_name_words(self) -> int:
        """The name search's housekeeping, outside any search: PostgreSQL folds up to
        20,000 pending word-count deltas into the counts (migration 0018) and returns how
        many; SQLite's FTS5 index needs none (0)."""
        ...

    async def wait_for_work(self, timeout_s: float) -> None: ...

    async def migrate(self) -> list[str]: ...

    async def ping(self) -> None: ...

    async def close(self) -> None: ...


class Listeners:
    """The change listeners of one connector, called in order; one failing listener must
    not starve the others."""

    def __init__(self) -> None:
        self._listeners: list[ChangeListener] = []

    def add(self, on_change: ChangeListener) -> None:
        self._listeners.append(on_change)

    def clear(self) -> None:
        self._listeners.clear()

    def __call__(self, changes: Iterable[ResolutionChange]) -> None:
        for change in changes:
            for listener in list(self._listeners):
                try:
                    listener(change)
                except Exception:
                    log.exception("resolution change listener failed")
