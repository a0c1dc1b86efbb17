"""`imgedge demo`: a believable catalog, seeded once, whose URLs serve images."""

from __future__ import annotations

import pyvips

from catalog.models import ImageOwner, ImageSource
from edge.demo.seed import STORES, describe, seed_demo
from edge.http.auth import ADMIN_TOKEN_META, hash_token


async def test_demo_seeds_shared_catalog_and_is_idempotent(services, client):
    result = await seed_demo(services, products=9)
    assert result.created and result.admin_token
    catalog = services.catalog
    assert await catalog.get_meta(ADMIN_TOKEN_META) == hash_token(result.admin_token)

    stores = [await catalog.get_store_by_name(name) for name in STORES]
    assert all(stores)
    # Store products share canonical products: more store products than canonicals.
    linked = {}
    for store in stores:
        for pid in await catalog.list_store_product_ids(store.id, 1000):
            product = await catalog.get_store_product(pid)
            if product.canonical_product_id is not None and product.gtin is not None:
                linked.setdefault(product.canonical_product_id, []).append(pid)
    assert len(linked) <= 9
    assert max(len(v) for v in linked.values()) >= 2

    sources = set()
    for pid in result.product_ids:
        resolution = await catalog.resolve(pid)
        sources.add(resolution.image.source)
    assert ImageSource.CUSTOM in sources and ImageSource.CANONICAL in sources

    # The special images: one with alpha, one stored rotated with an EXIF tag.
    canonical_images = [
        image
        for cid in range(1, 10)
        for image in await catalog.list_images(ImageOwner(canonical_product_id=cid))
    ]
    assert any(image.has_alpha for image in canonical_images)
    rotated = [i for i in canonical_images if (i.width, i.height) == (1500, 1000)]
    assert rotated
    raw = await services.originals.get(rotated[0].content_hash)
    header = pyvips.Image.new_from_buffer(raw, "")
    assert header.get("orientation") == 6 and (header.width, header.height) == (1000, 1500)

    # A few uncertain matches wait for a person, in every store; seeding again adds none.
    waiting = await catalog.review_items()
    assert len(waiting) >= 4
    assert {w.product.store_name for w in waiting} == set(STORES)
    assert all(w.product.gtin is None for w in waiting)

    again = await seed_demo(services, products=9)
    assert not again.created
    assert await catalog.count_review_items() == len(waiting)
    assert again.product_ids[:5] == result.product_ids[:5]

    lines = describe(result, "http://127.0.0.1:8080", configured_token=False)
    urls = [line.strip().removeprefix("http://127.0.0.1:8080") for line in lines if "/img/" in line]
    assert len(urls) == 5
    for url in urls:
        r = await client.get(url, headers={"accept": "image/webp,*/*"})
        assert r.status_code == 200, url
        assert r.headers["content-type"].startswith("image/")


async def test_configured_admin_token_is_not_replaced(services):
    configured = services.settings.replace(admin_token="s3cret-token-value")
    object.__setattr__(services, "settings", configured)
    result = await seed_demo(services, products=3)
    assert result.admin_token is None
    assert await services.catalog.get_meta(ADMIN_TOKEN_META) is None


async def test_a_store_syncing_a_demo_barcode_joins_the_demo_canonical(services, client, build):
    await seed_demo(services, products=6)
    key = await build.store_key("Newcomer")
    demo_product = await services.catalog.get_store_product(1)
    canonical = await services.catalog.get_canonical_product(demo_product.canonical_product_id)
    assert canonical.gtin is not None and len(canonical.gtin) == 14
    r = await client.post(
        "/api/sync/products",
        json={"products": [{"external_id": "n-1", "upc": demo_product.upc, "name": "x"}]},
        headers={"authorization": f"Bearer {key}"},
    )
    result = r.json()["results"][0]
    assert (result["canonical_product_id"], result["created_canonical"]) == (canonical.id, False)
