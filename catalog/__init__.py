"""The catalog: data model, repository protocol and its backends."""

from __future__ import annotations

from catalog.repository import CatalogRepository


async def open_catalog(database_url: str) -> CatalogRepository:
    """Open the backend the URL names (the URL was validated with the settings)."""
    if database_url.startswith("sqlite:///"):
        from catalog.sqlite import SQLiteCatalog

        return await SQLiteCatalog.open(database_url)
    if database_url.startswith("postgresql://"):
        from catalog.postgres import PostgresCatalog

        return await PostgresCatalog.open(database_url)
    raise ValueError(f"unsupported catalog URL {database_url!r}")


__all__ = ["CatalogRepository", "open_catalog"]
