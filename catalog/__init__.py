"""The catalog: data model, repository protocol and its backends."""

from __future__ import annotations

from catalog.connector import DEFAULT_TIMEOUT_S
from catalog.repository import CatalogRepository
from config.backends import opener


async def open_catalog(
    database_url: str, *, timeout_s: float = DEFAULT_TIMEOUT_S
) -> CatalogRepository:
    """Open the backend the URL names (`config.backends`, which validated the settings).

    `timeout_s` bounds every wait on the database (a connection, a statement, a lock):
    one that hangs is then `CatalogUnavailable`, not a request that never ends."""
    open_backend = opener("database", database_url)
    assert open_backend is not None
    catalog: CatalogRepository = await open_backend(database_url, timeout_s=timeout_s)
    return catalog


__all__ = ["CatalogRepository", "open_catalog"]
