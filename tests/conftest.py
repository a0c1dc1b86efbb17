"""Shared fixtures: settings on a temporary directory, opened services, an HTTP client."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from catalog.models import MatchStatus, StoreProduct
from config import Settings
from edge.app import create_app
from edge.demo_images import PhotoSpec, photo
from edge.ingest import ingest_original
from edge.render import Limits
from edge.services import Services, open_services


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        database_url=f"sqlite:///{tmp_path}/catalog.db",
        cache_url=f"file://{tmp_path}/cache",
        originals_url=f"file://{tmp_path}/originals",
        memory_cache_mb=32,
        disk_cache_mb=64,
        render_workers=2,
    )


@pytest.fixture
async def services(settings: Settings) -> AsyncIterator[Services]:
    async with open_services(settings) as svc:
        yield svc


@pytest.fixture
async def client(settings: Settings, services: Services) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, services=services)
    app.state.services = services
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://edge.test") as http:
        yield http


DEFAULT_PHOTO = PhotoSpec(1000, 800, (180, 40, 40), "box")


class CatalogBuilder:
    """Small helper to put products and images into a test catalog."""

    def __init__(self, svc: Services) -> None:
        self.svc = svc
        self._n = 0

    async def image(self, owner: dict[str, int], spec: PhotoSpec, **kw):
        limits = Limits.from_settings(self.svc.settings)
        new = await ingest_original(self.svc.originals, photo(spec), limits, **owner, **kw)
        return await self.svc.catalog.add_image(new)

    async def product(
        self, spec: PhotoSpec | None = DEFAULT_PHOTO, store: str = "S1"
    ) -> StoreProduct:
        """A store product linked to a new canonical product with one image (unless None)."""
        self._n += 1
        catalog = self.svc.catalog
        found = await catalog.get_store_by_name(store)
        owner = found or await catalog.create_store(store)
        canonical = await catalog.create_canonical_product(
            gtin=None, name=f"Product {self._n}", brand=None
        )
        product = await catalog.upsert_store_product(
            store_id=owner.id, external_id=f"x{self._n}", upc=None, gtin=None, name="p"
        )
        await catalog.link_store_product(product.id, canonical.id, MatchStatus.LINKED, 100.0)
        if spec is not None:
            await self.image({"canonical_product_id": canonical.id}, spec)
        got = await catalog.get_store_product(product.id)
        assert got is not None
        return got


@pytest.fixture
def build(services: Services) -> CatalogBuilder:
    return CatalogBuilder(services)
