"""`imgedge demo --scale N`: a marketplace for the load tests, on each backend."""

from __future__ import annotations

from collections import Counter

import pytest

from catalog.models import ImageOwner, ImageSource
from config import Settings
from edge.demo.scale import STORE_NAME, product_name, seed_scale, store_count
from edge.http.auth import hash_token
from edge.services import open_services


async def _check_marketplace(settings: Settings) -> None:
    async with open_services(settings) as svc:
        seeded = await seed_scale(svc, 600, originals=3)
        catalog = svc.catalog
        assert seeded.created and seeded.admin_token and seeded.originals == 3
        assert len(seeded.stores) == store_count(600) == 3
        assert len(seeded.products) == 600
        for store in seeded.stores:  # each key is the store's
            assert (await catalog.get_store_by_api_key_hash(hash_token(store.key))).id == store.id

        resolutions = await catalog.resolve_many([pid for pid, _, _ in seeded.products])
        shown = {pid for pid, r in resolutions.items() if r.image is not None}
        assert shown == {pid for pid, _, s in seeded.products if s}
        # Some products show no image (404), most do; some a store's own image.
        assert 0.75 < len(shown) / 600 < 0.97
        sources = Counter(r.image.source for r in resolutions.values() if r.image is not None)
        assert 10 <= sources[ImageSource.CUSTOM] <= 60
        # Sharing: most canonical products are sold by several stores.
        sellers = Counter(r.canonical_product_id for r in resolutions.values())
        shared = [c for c, n in sellers.items() if c is not None and n >= 2]
        assert len(shared) > 0.5 * len([c for c in sellers if c is not None])
        # A bounded pool: few distinct originals behind many images, one with alpha.
        hashes = {r.image.content_hash for r in resolutions.values() if r.image is not None}
        assert len(hashes) <= 3
        first = seeded.canonical_ids[0]
        assert await catalog.list_images(ImageOwner(canonical_product_id=first))

        again = await seed_scale(svc, 600, originals=3)  # adds nothing, new keys
        assert not again.created
        assert again.products == seeded.products
        assert again.canonical_ids == seeded.canonical_ids
        assert [s.id for s in again.stores] == [s.id for s in seeded.stores]
        assert again.stores[0].key != seeded.stores[0].key
        assert await catalog.get_store_by_api_key_hash(hash_token(seeded.stores[0].key)) is None
        assert await catalog.get_store_by_name(STORE_NAME.format(3)) is None


async def test_scale_catalog_on_sqlite_and_files(settings: Settings) -> None:
    await _check_marketplace(settings)


async def test_scale_catalog_on_postgresql_and_redis(
    settings: Settings, postgres_url: str, redis_prefix: tuple[str, str]
) -> None:
    redis_url, prefix = redis_prefix
    await _check_marketplace(
        settings.replace(database_url=postgres_url, cache_url=redis_url, cache_prefix=prefix)
    )


def test_product_names_are_distinct() -> None:
    names = [product_name(i)[0] for i in range(5000)]
    assert len(set(names)) == 5000


@pytest.mark.parametrize("products", [5, 0])
async def test_scale_needs_a_few_products(settings: Settings, products: int) -> None:
    async with open_services(settings) as svc:
        with pytest.raises(ValueError, match="at least 10"):
            await seed_scale(svc, products)
