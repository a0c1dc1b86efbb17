"""`GET /api/stats` and the same figures as gauges on `/metrics`: the curator sees the
marketplace, a store its own products, and a scrape storm asks the catalog once."""

from __future__ import annotations

import asyncio

import pytest

from catalog.models import ImageOwner, MatchStatus
from edge.demo.photos import PhotoSpec

pytestmark = pytest.mark.parametrize("settings", ["sqlite", "postgresql"], indirect=True)


@pytest.fixture
async def marketplace(services, build) -> dict[str, object]:
    """Cola (one image) sold by S1 and S2; S1 also sells Tea, not matched yet."""
    catalog = services.catalog
    keys = {name: await build.store_key(name) for name in ("S1", "S2")}
    cola = await catalog.create_canonical_product(gtin=None, name="Cola", brand=None)
    await build.image({"canonical_product_id": cola.id}, PhotoSpec(300, 200, (200, 0, 0), "box"))
    [image] = await catalog.list_images(ImageOwner(canonical_product_id=cola.id))
    for store, external_id, name in (("S1", "c", "Cola"), ("S2", "c", "Cola"), ("S1", "t", "Tea")):
        owner = await catalog.get_store_by_name(store)
        product = await catalog.upsert_store_product(
            store_id=owner.id, external_id=external_id, upc=None, gtin=None, name=name
        )
        if name == "Cola":
            await catalog.link_store_product(product.id, cola.id, MatchStatus.LINKED, 92.0)
    return {"keys": keys, "bytes": image.byte_size}


async def test_the_curator_sees_the_marketplace(client, curator, marketplace):
    r = await client.get("/api/stats", headers=curator)
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
    figures = r.json()
    assert figures["store"] is None and figures["products"] == 3
    assert figures["image_sharing"] == {"products": 2, "share": pytest.approx(2 / 3), "target": 0.7}
    size = marketplace["bytes"]
    assert figures["storage"] == {
        "stored_bytes": size, "per_store_bytes": 2 * size, "saved": 0.5, "target": 0.5,
    }  # fmt: skip
    assert figures["images"] == {"canonical": 2, "custom": 0, "none": 1}
    assert figures["matching"]["by_name"] == 2 and figures["matching"]["unmatched"] == 1
    assert figures["review_queue"] == {"depth": 0, "oldest_at": None, "oldest_age_s": None}


async def test_a_store_sees_its_own_products(client, marketplace, services):
    key = marketplace["keys"]["S1"]
    body = {"products": [{"external_id": "n", "name": "New thing"}]}  # joins the queue
    assert (
        await client.post(
            "/api/sync/products", json=body, headers={"authorization": f"Bearer {key}"}
        )
    ).status_code == 200
    r = await client.get("/api/stats", headers={"authorization": f"Bearer {key}"})
    figures = r.json()
    s1 = await services.catalog.get_store_by_name("S1")
    assert figures["store"] == {"id": s1.id, "name": "S1"}
    assert (figures["products"], figures["image_sharing"]["products"]) == (3, 1)
    assert figures["storage"] is None
    assert figures["images"]["none"] == 2
    queue = figures["matcher_queue"]
    assert queue["depth"] == 1 and queue["oldest_age_s"] >= 0 and queue["oldest_at"]


async def test_stats_need_a_token(client):
    r = await client.get("/api/stats")
    assert (r.status_code, r.json()["error"]["code"]) == (401, "token_missing")


def _gauge(text: str, name: str) -> float:
    [line] = [line for line in text.splitlines() if line.startswith(name + " ")]
    return float(line.split()[-1])


async def test_metrics_report_the_figures_from_a_short_cache(client, services, marketplace):
    scrapes = await asyncio.gather(*(client.get("/metrics") for _ in range(10)))
    assert services.stats.computed == 1  # ten scrapes, one computation
    text = scrapes[0].text
    assert _gauge(text, "imgedge_image_sharing_ratio") == pytest.approx(2 / 3)
    assert _gauge(text, "imgedge_storage_saved_ratio") == 0.5
    assert _gauge(text, "imgedge_originals_bytes") == marketplace["bytes"]
    assert _gauge(text, 'imgedge_store_products_by_image{image="none"}') == 1
    assert _gauge(text, 'imgedge_store_products_by_match{match="unmatched"}') == 1
    assert _gauge(text, 'imgedge_match_queue_depth{queue="review"}') == 0
    assert "imgedge_renders_total" in text  # the edge's own metrics are still there
