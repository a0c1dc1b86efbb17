"""The resolution cache, and the app's real lifespan (start-up opens everything)."""

from __future__ import annotations

import httpx
import pytest

from catalog.models import MatchStatus, ResolutionChange
from edge.application.resolution import Resolver
from edge.demo.photos import PhotoSpec
from edge.errors import NotFound
from edge.http.app import create_app


async def test_resolution_is_cached_until_invalidated(services, build):
    product = await build.product()
    resolver = Resolver(services.catalog, ttl_s=60, max_entries=10)
    first = await resolver.resolve(product.id)
    await resolver.resolve(product.id)
    assert resolver.queries == 1
    await services.catalog.link_store_product(product.id, None, MatchStatus.REVIEW)
    assert await resolver.resolve(product.id) == first  # cached: still the old answer
    resolver.invalidate(product.id)
    with pytest.raises(NotFound) as info:
        await resolver.resolve(product.id)
    assert info.value.code == "image_not_found"
    assert resolver.queries == 2


async def test_resolution_expires_after_ttl(services, build):
    product = await build.product()
    now = [100.0]
    resolver = Resolver(services.catalog, ttl_s=30, max_entries=10, clock=lambda: now[0])
    await resolver.resolve(product.id)
    now[0] += 29.9
    await resolver.resolve(product.id)
    assert resolver.queries == 1  # still fresh
    now[0] += 0.2
    await resolver.resolve(product.id)
    assert resolver.queries == 2


async def test_lifespan_opens_services_and_health_answers(settings):
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://edge.test") as http,
    ):
        assert (await http.get("/healthz")).json() == {"status": "ok"}
        assert (await http.get("/readyz")).json() == {"status": "ready"}
        r = await http.get("/img/1/small")
        assert r.status_code == 404
        assert r.json()["error"]["code"] == "product_not_found"
        assert (await http.post("/img/1/small")).status_code == 405


async def test_catalog_changes_invalidate_the_right_resolutions(services, build):
    """The app's resolver listens to the catalog: a change is seen without any TTL wait."""
    resolver = services.resolver
    a = await build.product()
    b = await build.product()
    first_a = await resolver.resolve(a.id)
    await resolver.resolve(b.id)
    queries = resolver.queries

    # A new primary on a's canonical product: a is re-resolved, b (another canonical) not.
    new = await build.image(
        {"canonical_product_id": a.canonical_product_id},
        PhotoSpec(300, 300, (0, 0, 0), "can"),
        is_primary=True,
    )
    assert (await resolver.resolve(a.id)).image_id == new.id != first_a.image_id
    await resolver.resolve(b.id)
    assert resolver.queries == queries + 1

    resolver.apply(ResolutionChange())  # catch-all: everything is re-resolved
    await resolver.resolve(a.id)
    await resolver.resolve(b.id)
    assert resolver.queries == queries + 3


async def test_metrics_report_cache_renders_and_resolutions(client, build):
    product = await build.product()
    await client.get(f"/img/{product.id}/small.webp")
    await client.get(f"/img/{product.id}/small.webp")
    text = (await client.get("/metrics")).text
    assert "imgedge_renders_total 1.0" in text
    assert 'imgedge_variant_cache_events_total{event="memory_miss"} 1.0' in text
    assert 'imgedge_variant_cache_events_total{event="memory_hit"} 1.0' in text
    assert "imgedge_resolution_queries_total 1.0" in text
    assert 'imgedge_shared_cache_up{tier="disk"} 1.0' in text


async def test_issued_versions_serve_a_previous_one_for_a_while_and_minted_ones_never(
    client, build, services, curator
):
    product = await build.product()
    issued = (await client.get(f"/api/products/{product.id}", headers=curator)).json()
    old_url = issued["image"]["urls"]["small"]
    assert (await client.get(old_url)).headers["cache-control"].endswith("immutable")
    # The image replaced: the API hands out a new version; the old URL, still in pages
    # and CDNs, keeps answering (the new primary, short-lived) instead of breaking.
    owner = {"canonical_product_id": product.canonical_product_id}
    await build.image(owner, PhotoSpec(640, 480, (10, 90, 10), "box"), is_primary=True)
    await services.catalog.delete_image(issued["image"]["id"])
    again = (await client.get(f"/api/products/{product.id}", headers=curator)).json()
    new_url = again["image"]["urls"]["small"]
    assert new_url != old_url
    assert (await client.get(new_url)).headers["cache-control"].endswith("immutable")
    previous = await client.get(old_url)
    assert previous.status_code == 200
    assert "immutable" not in previous.headers["cache-control"]
    minted = await client.get(f"/img/{product.id}/small?v=deadbeefdeadbeef")
    assert minted.status_code == 404
    assert minted.json()["error"]["code"] == "version_not_found"
