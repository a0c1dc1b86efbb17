"""`GET /api/pictures`: a page of products' pictures in one call, and the slot, `sizes`
and public base URL it shares with `/api/products/<id>/picture`."""

from __future__ import annotations

import asyncio
import dataclasses

import httpx
import pytest

from edge.application.resolution import Resolver
from edge.demo.photos import PhotoSpec
from edge.http.app import create_app
from edge.imaging.picture import SLOTS
from tests.edge.http.test_picture_route import parse

pytestmark = pytest.mark.parametrize("settings", ["sqlite", "postgresql"], indirect=True)

WIDE = PhotoSpec(1000, 800, (90, 30, 30), "box")
CUTOUT = PhotoSpec(600, 600, (30, 90, 30), "bottle", transparent=True)


def widths(srcset: str) -> list[int]:
    return [int(c.rsplit(" ", 1)[1].removesuffix("w")) for c in srcset.split(", ")]


async def test_pictures_keep_the_order_asked_and_list_the_missing(client, build, services):
    wide = await build.product(WIDE)
    bare = await build.product(None)
    cutout = await build.product(CUTOUT)
    asked = f"{cutout.id},999999,{wide.id},{bare.id},{cutout.id}"
    r = await client.get(f"/api/pictures?products={asked}&slot=card")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["slot"] == "card"
    assert body["sizes"] == SLOTS["card"].default_sizes
    assert [p["productId"] for p in body["pictures"]] == [cutout.id, wide.id]
    assert body["missing"] == [999999, bare.id]
    cut, box = body["pictures"]
    assert (box["width"], box["height"], box["alt"]) == (1000, 800, wide.name)
    assert box["version"] == (await services.resolver.resolve(wide.id)).version
    assert box["placeholder"].startswith("data:image/webp;base64,")
    assert [s["type"] for s in box["sources"]] == ["image/avif", "image/webp"]
    assert ".jpg?v=" in box["src"] and ".jpg?v=" in box["srcset"]
    # Transparency: PNG fallback and no placeholder (it would show through).
    assert ".png?v=" in cut["src"] and cut["placeholder"] is None
    # Every URL serves, immutable, in the type its source names.
    for source in [*box["sources"], {"type": "image/jpeg", "srcset": box["srcset"]}]:
        for candidate in source["srcset"].split(", "):
            got = await client.get(candidate.split(" ")[0])
            assert got.status_code == 200
            assert got.headers["content-type"] == source["type"]
            assert got.headers["cache-control"] == "public, max-age=31536000, immutable"


@pytest.mark.parametrize(
    ("slot", "expected"),
    [
        ("thumbnail", [150, 400]),
        ("card", [400, 800]),
        ("hero", [800, 1000]),  # large and original are both the original's 1000 px
        ("product", [150, 400, 800, 1000]),
    ],
)
async def test_the_slot_decides_the_candidates(client, build, slot, expected):
    product = await build.product(WIDE)
    body = (await client.get(f"/api/pictures?products={product.id}&slot={slot}")).json()
    picture = body["pictures"][0]
    assert widths(picture["srcset"]) == expected
    assert all(widths(s["srcset"]) == expected for s in picture["sources"])
    html = (await client.get(f"/api/products/{product.id}/picture?slot={slot}")).text
    img = parse(html)[-1][1]
    assert img["srcset"] == picture["srcset"]  # one srcset logic for JSON and markup
    assert img["sizes"] == SLOTS[slot].default_sizes == body["sizes"]
    assert img["src"] == picture["src"]


async def test_sizes_given_are_used_by_both_forms(client, build):
    product = await build.product(WIDE)
    sizes = "(max-width: 600px) calc(50vw - 16px), 150px"
    r = await client.get("/api/pictures", params={"products": product.id, "sizes": sizes})
    assert r.json()["sizes"] == sizes
    r = await client.get(f"/api/products/{product.id}/picture", params={"sizes": sizes})
    assert {a["sizes"] for _, a in parse(r.text)[1:]} == {sizes}


async def test_an_unchanged_page_is_304_and_a_changed_image_changes_the_etag(
    client, build, services
):
    product = await build.product(WIDE)
    url = f"/api/pictures?products={product.id}&slot=thumbnail"
    first = await client.get(url)
    etag = first.headers["etag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    assert first.headers["cache-control"].startswith("public, max-age=")
    assert "stale-while-revalidate=" in first.headers["cache-control"]
    again = await client.get(url, headers={"if-none-match": etag})
    assert (again.status_code, again.content) == (304, b"")
    assert again.headers["etag"] == etag
    # A store's page on another host reads both answers in the browser (no credentials).
    assert first.headers["access-control-allow-origin"] == "*"
    assert again.headers["access-control-allow-origin"] == "*"
    html = await client.get(f"/api/products/{product.id}/picture")
    assert html.headers["access-control-allow-origin"] == "*"
    assert (
        await client.get(html.url, headers={"if-none-match": html.headers["etag"]})
    ).status_code == 304

    await build.image(
        {"canonical_product_id": product.canonical_product_id},
        PhotoSpec(900, 900, (1, 2, 3), "box"),
        is_primary=True,
    )
    services.resolver.invalidate(product.id)
    changed = await client.get(url, headers={"if-none-match": etag})
    assert changed.status_code == 200
    assert changed.headers["etag"] != etag
    assert changed.json()["pictures"][0]["width"] == 900


async def changes_settled(resolver: Resolver, quiet_s: float = 0.25) -> None:
    """Until no catalog change has reached the resolver for `quiet_s` (10 s at most). On
    PostgreSQL the builds' changes reach the app's resolver through LISTEN, and under
    load some arrive late: one that lands during a fetch keeps its result out of the
    cache (rightly: the result may predate the change), and the next page asks again."""
    loop = asyncio.get_running_loop()
    seen, since, deadline = resolver.changes_applied, loop.time(), loop.time() + 10
    while loop.time() - since < quiet_s and loop.time() < deadline:
        await asyncio.sleep(0.02)
        if resolver.changes_applied != seen:
            seen, since = resolver.changes_applied, loop.time()


async def test_a_page_costs_one_resolution_query_then_none(client, build, services):
    products = [await build.product(WIDE) for _ in range(5)]
    ids = ",".join(str(p.id) for p in products)
    await changes_settled(services.resolver)
    services.resolver.invalidate(*(p.id for p in products))
    before = services.resolver.queries
    r = await client.get(f"/api/pictures?products={ids}")
    assert len(r.json()["pictures"]) == 5
    assert services.resolver.queries == before + 1  # one statement for the whole page
    await client.get(f"/api/pictures?products={ids}&slot=hero")
    assert services.resolver.queries == before + 1  # cached


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("", "invalid_products"),
        ("products=", "invalid_products"),
        ("products=1,x", "invalid_products"),
        ("products=1,,2", "invalid_products"),
        ("products=0", "invalid_products"),
        ("products=%EF%BC%98", "invalid_products"),  # a full-width digit
        ("products=" + ",".join(str(i) for i in range(1, 102)), "too_many_products"),
        ("products=1&slot=banner", "invalid_slot"),
        ("products=1&sizes=", "invalid_sizes"),
        ("products=1&sizes=%22%3E%3Cscript%3E", "invalid_sizes"),
        ("products=1&sizes=100vw;x", "invalid_sizes"),
        ("products=1&sizes=" + "1" * 501, "invalid_sizes"),
    ],
)
async def test_bad_queries_are_clear_400s(client, query, code):
    r = await client.get(f"/api/pictures?{query}")
    assert (r.status_code, r.json()["error"]["code"]) == (400, code)


async def test_repeated_ids_count_once(client, build):
    product = await build.product(WIDE)
    many = ",".join([str(product.id)] * 150)  # 150 entries, one id
    r = await client.get(f"/api/pictures?products={many}")
    assert [p["productId"] for p in r.json()["pictures"]] == [product.id]


async def test_bad_slot_and_sizes_on_the_markup_route(client, build):
    product = await build.product(WIDE)
    r = await client.get(f"/api/products/{product.id}/picture?slot=x")
    assert (r.status_code, r.json()["error"]["code"]) == (400, "invalid_slot")
    r = await client.get(f"/api/products/{product.id}/picture?sizes=%3C")
    assert (r.status_code, r.json()["error"]["code"]) == (400, "invalid_sizes")


async def test_every_handed_out_url_starts_with_the_public_base_url(
    settings, services, build, curator
):
    cdn = settings.replace(public_base_url="https://cdn.example.com/shop/")
    assert cdn.server.public_base_url == "https://cdn.example.com/shop"
    app = create_app(cdn, services=dataclasses.replace(services, settings=cdn))
    app.state.services = dataclasses.replace(services, settings=cdn)  # as the client fixture
    product = await build.product(WIDE)
    prefix = "https://cdn.example.com/shop/img/"
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://edge.test") as http:
        body = (await http.get(f"/api/pictures?products={product.id}")).json()
        picture = body["pictures"][0]
        urls = [picture["src"], *(c.split(" ")[0] for c in picture["srcset"].split(", "))]
        for source in picture["sources"]:
            urls += [c.split(" ")[0] for c in source["srcset"].split(", ")]
        r = await http.get(f"/api/products/{product.id}/picture")
        for _, attrs in parse(r.text)[1:]:
            urls += [c.split(" ")[0] for c in (attrs["srcset"] or "").split(", ")]
        assert (
            "img-src 'self' https://cdn.example.com data:" in r.headers["content-security-policy"]
        )
        shown = (await http.get(f"/api/products/{product.id}", headers=curator)).json()
        urls += list(shown["image"]["urls"].values())
        listed = (await http.get(f"/api/products/{product.id}/images", headers=curator)).json()
        urls += list(listed["images"][0]["urls"].values())
    assert len(urls) > 20
    assert all(url.startswith(prefix) for url in urls), [
        u for u in urls if not u.startswith(prefix)
    ]
