"""`POST /api/canonical-products/<id>/merge`: the curator folds one entry into another."""

from __future__ import annotations

from catalog.models import MatchOutcome, MatchStatus, QueueStatus, SyncItem
from edge.demo.photos import PhotoSpec
from edge.http.auth import hash_token, new_store_key


async def test_the_curator_merges_a_provisional_product_into_the_real_one(
    client, services, build, curator
):
    catalog = services.catalog
    real = await catalog.create_canonical_product(gtin=None, name="Garden Hose 30 m", brand=None)
    await build.image({"canonical_product_id": real.id}, PhotoSpec(300, 200, (0, 90, 0), "box"))
    store = await catalog.create_store("S")
    [product] = await catalog.sync_products(
        store.id, [SyncItem("h", None, None, "hose 30m green")], known={}
    )
    provisional = await catalog.create_canonical_product(
        gtin=None, name="hose 30m green", brand=None
    )
    await catalog.link_store_product(product.product_id, provisional.id, MatchStatus.LINKED)
    assert (await client.get(f"/img/{product.product_id}/small.jpg")).status_code == 404

    r = await client.post(
        f"/api/canonical-products/{provisional.id}/merge", json={"into": real.id}, headers=curator
    )
    assert r.status_code == 200, r.text
    assert r.json() == {
        "id": real.id, "gtin": None, "name": "Garden Hose 30 m", "brand": None,
        "image_count": 1, "product_count": 1, "provisional": False, "store_named": False,
    }  # fmt: skip
    # The store's product shows the real product's image at once (no stale resolution).
    img = await client.get(f"/img/{product.product_id}/small.jpg")
    assert img.status_code == 200 and img.headers["content-type"] == "image/jpeg"


async def test_merging_is_the_curators_and_refuses_bad_requests(client, services, curator):
    catalog = services.catalog
    one = await catalog.create_canonical_product(gtin="00036000291452", name="Cola", brand=None)
    two = await catalog.create_canonical_product(gtin="04006381333931", name="Cola", brand=None)
    key = new_store_key()
    await catalog.create_store("Shop", api_key_hash=hash_token(key))
    url = f"/api/canonical-products/{one.id}/merge"
    store = {"authorization": f"Bearer {key}"}
    answers = [
        (await client.post(url, json={"into": two.id}, headers=store), 403, "curator_only"),
        (await client.post(url, json={"into": two.id}), 401, "token_missing"),
        (await client.post(url, json={"into": two.id}, headers=curator), 409, "cannot_merge"),
        (await client.post(url, json={"into": 10**9}, headers=curator), 404, "canonical_not_found"),
        (await client.post(url, json={"into": "x"}, headers=curator), 400, "invalid_field"),
        (
            await client.post("/api/canonical-products/0/merge", json={"into": 1}, headers=curator),
            400,
            "invalid_canonical_product_id",
        ),
    ]
    for r, status, code in answers:
        assert (r.status_code, r.json()["error"]["code"]) == (status, code)
    assert await catalog.get_canonical_product(one.id) is not None


async def test_the_curator_pages_through_provisional_products(client, services, curator):
    catalog = services.catalog
    real = await catalog.create_canonical_product(gtin=None, name="Real", brand=None)
    store = await catalog.create_store("S")
    await catalog.sync_products(
        store.id, [SyncItem(f"n{i}", None, None, f"New thing {i}") for i in range(3)], known={}
    )
    items = await catalog.claim_matches(10, lease_s=60)
    await catalog.finish_matches(
        [MatchOutcome(i, QueueStatus.REVIEW, provisional=True) for i in items]
    )
    r = await client.get("/api/canonical-products?provisional=true&limit=2", headers=curator)
    page = r.json()
    assert [c["name"] for c in page["canonical_products"]] == ["New thing 0", "New thing 1"]
    assert all(c["provisional"] for c in page["canonical_products"])
    after = page["next_after"]
    rest = (
        await client.get(f"/api/canonical-products?provisional=true&after={after}", headers=curator)
    ).json()
    assert [c["name"] for c in rest["canonical_products"]] == ["New thing 2"]
    assert rest["next_after"] is None
    confirmed = (
        await client.get("/api/canonical-products?provisional=false", headers=curator)
    ).json()
    assert [c["id"] for c in confirmed["canonical_products"]] == [real.id]
    for query in ("provisional=maybe", "limit=0", "after=-1"):
        bad = await client.get(f"/api/canonical-products?{query}", headers=curator)
        assert (bad.status_code, bad.json()["error"]["code"]) == (400, "invalid_field")


async def test_after_a_merge_the_barcode_links_to_the_product_that_stayed(
    client, services, curator
):
    """The sync's in-process GTIN map must not keep the merged-away product."""
    key = new_store_key()
    await services.catalog.create_store("Shop", api_key_hash=hash_token(key))
    store = {"authorization": f"Bearer {key}"}
    push = {"products": [{"external_id": "a", "upc": "036000291452", "name": "Cola"}]}
    first = (await client.post("/api/sync/products", json=push, headers=store)).json()
    made = first["results"][0]["canonical_product_id"]
    assert services.sync.gtin_map["00036000291452"] == made
    real = await services.catalog.create_canonical_product(gtin=None, name="Cola", brand=None)
    r = await client.post(
        f"/api/canonical-products/{made}/merge", json={"into": real.id}, headers=curator
    )
    assert r.status_code == 200
    push["products"][0]["external_id"] = "b"
    again = (await client.post("/api/sync/products", json=push, headers=store)).json()
    assert again["results"][0]["canonical_product_id"] == real.id


async def test_the_curator_renames_a_canonical_product(client, services, curator):
    catalog = services.catalog
    made = await catalog.create_canonical_product(gtin=None, name="Cola \ufffd 12 oz", brand="X")
    url = f"/api/canonical-products/{made.id}"
    r = await client.patch(url, json={"name": " Cola 12 oz "}, headers=curator)
    assert r.status_code == 200, r.text
    assert (r.json()["name"], r.json()["brand"]) == ("Cola 12 oz", "X")  # brand kept
    r = await client.patch(url, json={"brand": None}, headers=curator)
    assert (r.json()["name"], r.json()["brand"]) == ("Cola 12 oz", None)
    assert (await catalog.get_canonical_product(made.id)).name == "Cola 12 oz"
    key = new_store_key()
    await catalog.create_store("Shop", api_key_hash=hash_token(key))
    answers = [
        (await client.patch(url, json={"name": "x"}, headers={"authorization": f"Bearer {key}"}),
         403, "curator_only"),
        (await client.patch(url, json={"name": "x"}), 401, "token_missing"),
        (await client.patch(url, json={"name": ""}, headers=curator), 400, "invalid_field"),
        (await client.patch(url, json={"name": "   "}, headers=curator), 400, "invalid_field"),
        (await client.patch(url, json={"name": 7}, headers=curator), 400, "invalid_field"),
        (await client.patch("/api/canonical-products/999999", json={"name": "x"}, headers=curator),
         404, "canonical_not_found"),
    ]  # fmt: skip
    for r, status, code in answers:
        assert (r.status_code, r.json()["error"]["code"]) == (status, code), r.text


async def test_a_product_the_sync_named_is_listed_until_the_curator_vouches_for_its_name(
    client, services, curator
):
    """A sync's new GTIN makes a canonical product named after the store's title
    (`store_named`); the curator lists those and a PATCH, even with no field, clears it."""
    key = new_store_key()
    await services.catalog.create_store("Shop", api_key_hash=hash_token(key))
    curated = await services.catalog.create_canonical_product(gtin=None, name="Tea", brand=None)
    push = {"products": [{"external_id": "a", "upc": "036000291452", "name": "COLA 12OZ"}]}
    synced = await client.post(
        "/api/sync/products", json=push, headers={"authorization": f"Bearer {key}"}
    )
    made = synced.json()["results"][0]["canonical_product_id"]
    listed = await client.get("/api/canonical-products?store_named=true", headers=curator)
    assert [(c["id"], c["store_named"]) for c in listed.json()["canonical_products"]] == [
        (made, True)
    ]
    others = await client.get("/api/canonical-products?store_named=false", headers=curator)
    assert [c["id"] for c in others.json()["canonical_products"]] == [curated.id]
    r = await client.patch(f"/api/canonical-products/{made}", json={}, headers=curator)
    assert r.status_code == 200 and r.json()["store_named"] is False
    assert r.json()["name"] == "COLA 12OZ"  # vouched for as it is
    listed = await client.get("/api/canonical-products?store_named=true", headers=curator)
    assert listed.json()["canonical_products"] == []
    bad = await client.get("/api/canonical-products?store_named=yes", headers=curator)
    assert (bad.status_code, bad.json()["error"]["code"]) == (400, "invalid_field")


async def test_the_curator_deletes_a_canonical_product_nothing_links_to(
    client, services, build, curator
):
    catalog = services.catalog
    store = await catalog.create_store("S")
    linked = await catalog.create_canonical_product(gtin=None, name="Hose", brand=None)
    for n in range(2):
        [p] = await catalog.sync_products(store.id, [SyncItem(f"h{n}", None, None, "hose")], {})
        await catalog.link_store_product(p.product_id, linked.id, MatchStatus.LINKED)
    mistake = await catalog.create_canonical_product(gtin=None, name="Hsoe", brand=None)
    image = await build.image(
        {"canonical_product_id": mistake.id}, PhotoSpec(200, 200, (1, 2, 3), "box")
    )

    r = await client.delete(f"/api/canonical-products/{linked.id}", headers=curator)
    assert (r.status_code, r.json()["error"]["code"]) == (409, "canonical_in_use")
    assert "2 store product(s)" in r.json()["error"]["message"]
    assert await catalog.get_canonical_product(linked.id) is not None

    r = await client.delete(f"/api/canonical-products/{mistake.id}")
    assert r.status_code == 401
    r = await client.delete(f"/api/canonical-products/{mistake.id}", headers=curator)
    assert r.status_code == 204, r.text
    assert await catalog.get_canonical_product(mistake.id) is None
    assert await catalog.get_image(image.id) is None
    r = await client.delete(f"/api/canonical-products/{mistake.id}", headers=curator)
    assert (r.status_code, r.json()["error"]["code"]) == (404, "canonical_not_found")
