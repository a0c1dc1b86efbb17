"""`GET /api/products`: a paged product search; a store sees only its own products."""

from __future__ import annotations

import pytest

from catalog.models import MatchStatus
from edge.application.products import PAGE_SIZE
from edge.demo.photos import PhotoSpec

pytestmark = pytest.mark.parametrize("settings", ["sqlite", "postgresql"], indirect=True)

RED = PhotoSpec(300, 200, (200, 30, 30), "box")


async def test_the_curator_finds_every_stores_products_a_store_only_its_own(
    client, services, build, curator
):
    key = await build.store_key("Corner")
    mine = await build.product(RED, store="Corner")
    theirs = await build.product(None, store="Other")
    corner = {"authorization": f"Bearer {key}"}

    everything = (await client.get("/api/products", headers=curator)).json()
    assert [p["id"] for p in everything["products"]] == [mine.id, theirs.id]
    assert (everything["total"], everything["page"], everything["next_page"]) == (2, 1, None)

    own = await client.get("/api/products", headers=corner)
    assert own.status_code == 200, own.text
    assert own.headers["cache-control"].startswith("private")
    [row] = own.json()["products"]
    assert row["id"] == mine.id and row["store"] == {"id": mine.store_id, "name": "Corner"}
    assert row["match_status"] == "linked"
    # Its thumbnail is the storefront's: the versioned URL serves the image it shows.
    version = row["image"]["version"]
    assert row["image"]["urls"]["thumbnail"] == f"/img/{mine.id}/thumbnail?v={version}"
    thumb = await client.get(row["image"]["urls"]["thumbnail"])
    assert thumb.status_code == 200 and "immutable" in thumb.headers["cache-control"]

    asked_own = await client.get(f"/api/products?store={mine.store_id}", headers=corner)
    assert [p["id"] for p in asked_own.json()["products"]] == [mine.id]
    refused = await client.get(f"/api/products?store={theirs.store_id}", headers=corner)
    assert (refused.status_code, refused.json()["error"]["code"]) == (403, "not_your_store")
    # The curator's image filter: the other store's product shows nothing.
    bare = await client.get("/api/products?image=none", headers=curator)
    assert [(p["id"], p["image"]) for p in bare.json()["products"]] == [(theirs.id, None)]
    assert (await client.get("/api/products")).status_code == 401


async def test_filters_and_pages(client, services, build, curator):
    catalog = services.catalog
    store = await catalog.create_store("S")
    made = [
        await catalog.upsert_store_product(
            store_id=store.id, external_id=f"e{n}", upc=None, gtin=None, name=f"Green Tea {n}"
        )
        for n in range(PAGE_SIZE + 3)
    ]
    await catalog.link_store_product(made[1].id, None, MatchStatus.REVIEW)
    first = (await client.get("/api/products?q=GREEN+tea", headers=curator)).json()
    assert (first["total"], first["per_page"], first["next_page"]) == (PAGE_SIZE + 3, 50, 2)
    assert [p["id"] for p in first["products"]] == [p.id for p in made[:PAGE_SIZE]]
    second = (await client.get("/api/products?q=green+tea&page=2", headers=curator)).json()
    assert [p["id"] for p in second["products"]] == [p.id for p in made[PAGE_SIZE:]]
    assert second["next_page"] is None
    past = (await client.get("/api/products?q=green&page=9", headers=curator)).json()
    assert (past["products"], past["total"]) == ([], PAGE_SIZE + 3)

    review = (await client.get("/api/products?status=review&q=tea", headers=curator)).json()
    assert [p["id"] for p in review["products"]] == [made[1].id]
    unlinked = await client.get(
        f"/api/products?status=unlinked&store={store.id}&image=none&q=Tea 1", headers=curator
    )
    names = [p["name"] for p in unlinked.json()["products"]]
    assert names == ["Green Tea 1", *(f"Green Tea {n}" for n in range(10, 20))]
    custom = await client.get("/api/products?image=custom&status=&q=", headers=curator)
    assert custom.json()["products"] == []


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("status=maybe", "invalid_field"),
        ("image=some", "invalid_field"),
        ("page=0", "invalid_field"),
        ("page=-1", "invalid_field"),
        ("page=10001", "invalid_field"),
        ("page=１", "invalid_field"),
        ("store=0", "invalid_field"),
        ("store=x", "invalid_field"),
        ("q=" + "a" * 201, "invalid_field"),
        ("q=a%01b", "invalid_text"),
    ],
)
async def test_bad_queries_are_400s_naming_the_field(client, curator, query, code):
    r = await client.get(f"/api/products?{query}", headers=curator)
    assert (r.status_code, r.json()["error"]["code"]) == (400, code), r.text
