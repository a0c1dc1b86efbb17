"""The catalog: data model, repository protocol and its backends."""

from __future__ import annotations

from catalog.repository import CatalogRepository
from config.backends import opener


async def open_catalog(database_url: str) -> CatalogRepository:
    """Open the backend the URL names (`config.backends`, which validated the settings)."""
    open_backend = opener("database", database_url)
    assert open_backend is not None
    catalog: CatalogRepository = await open_backend(database_url)
    return catalog


__all__ = ["CatalogRepository", "open_catalog"]
