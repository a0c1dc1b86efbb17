"""`POST /api/sync/products`: store keys, per-item validation, GTIN links, the queue."""

from __future__ import annotations

import subprocess
import sys

import pytest

from catalog.models import MatchStatus
from edge.demo.photos import PhotoSpec
from edge.http.auth import hash_token, new_store_key

UPC = "036000291452"  # a real UPC-A
EAN = "4006381333931"


@pytest.fixture
async def store_key(services) -> str:
    key = new_store_key()
    await services.catalog.create_store("Corner", api_key_hash=hash_token(key))
    return key


def _auth(key: str) -> dict[str, str]:
    return {"authorization": f"Bearer {key}"}


async def test_sync_answers_every_item(client, services, store_key):
    body = {
        "products": [
            {"external_id": "a1", "upc": UPC, "name": "Cola 12 oz", "brand": "Acme"},
            {"external_id": 1002, "upc": 36000291452, "name": "COLA 12OZ"},  # JSON number
            {"external_id": "a3", "name": "House granola"},
            {"external_id": "a4", "upc": "036000291453", "name": "Bad check digit"},
            {"external_id": "a5", "upc": UPC},  # no name: a bad item
            "not an object",
            {"external_id": "a1", "name": "duplicate"},
        ]
    }
    r = await client.post("/api/sync/products", json=body, headers=_auth(store_key))
    assert r.status_code == 200, r.text
    data = r.json()
    results = data["results"]
    assert [x["index"] for x in results] == list(range(7))
    a1, a2, a3, a4, a5, bad, dup = results
    assert a1["match_status"] == "linked" and a1["created_canonical"] is True
    assert a2["canonical_product_id"] == a1["canonical_product_id"]
    assert a2["external_id"] == "1002"
    assert a3["match_status"] == "queued" and a3["canonical_product_id"] is None
    assert a4["match_status"] == "queued"
    assert a4["warnings"][0]["field"] == "upc"
    assert a5["error"]["field"] == "name"
    assert bad["error"]["code"] == "invalid_item"
    assert dup["error"]["field"] == "external_id"
    assert data["summary"] == {
        "received": 7, "stored": 4, "linked": 2, "queued": 2, "errors": 3,
    }  # fmt: skip
    stored = await services.catalog.get_store_product(a4["product_id"])
    assert (stored.upc, stored.gtin) == ("036000291453", None)
    assert services.sync.gtin_map["00036000291452"] == a1["canonical_product_id"]


async def test_known_gtin_shows_canonical_image_on_first_request(
    client, services, build, store_key
):
    canonical = await services.catalog.create_canonical_product(
        gtin="0" + EAN, name="Brightfield Rolled Oats 1 kg", brand="Brightfield"
    )
    await build.image({"canonical_product_id": canonical.id}, PhotoSpec(500, 400, (1, 2, 3), "box"))
    r = await client.post(
        "/api/sync/products",
        json={"products": [{"external_id": "new", "upc": EAN, "name": "OATS 1KG"}]},
        headers=_auth(store_key),
    )
    answer = r.json()["results"][0]
    assert answer["canonical_product_id"] == canonical.id
    assert answer["created_canonical"] is False
    img = await client.get(f"/img/{answer['product_id']}/small.jpg")
    assert img.status_code == 200
    product = await services.catalog.get_store_product(answer["product_id"])
    assert product.match_status is MatchStatus.LINKED


@pytest.mark.parametrize(
    ("headers", "status"),
    [({}, 401), ({"authorization": "Bearer imgedge_sk_wrong"}, 401)],
)
async def test_sync_needs_a_store_key_and_changes_nothing(client, services, headers, status):
    body = {"products": [{"external_id": "z", "name": "n"}]}
    r = await client.post("/api/sync/products", json=body, headers=headers)
    assert r.status_code == status
    assert await services.catalog.get_store_by_name("Corner") is None


async def test_admin_token_is_not_a_store_key(client, services, store_key):
    object.__setattr__(services, "settings", services.settings.replace(admin_token="admin-t"))
    body = {"products": [{"external_id": "z", "name": "n"}]}
    r = await client.post("/api/sync/products", json=body, headers=_auth("admin-t"))
    assert r.status_code == 401


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"products": []}, "invalid_batch"),
        ({"items": []}, "invalid_batch"),
        (
            {"products": [{"external_id": str(i), "name": "n"} for i in range(1001)]},
            "invalid_batch",
        ),
    ],
)
async def test_bad_batches(client, store_key, body, code):
    r = await client.post("/api/sync/products", json=body, headers=_auth(store_key))
    assert (r.status_code, r.json()["error"]["code"]) == (400, code)


async def test_stores_of_one_store_stay_apart(client, services, store_key):
    other_key = new_store_key()
    await services.catalog.create_store("Other", api_key_hash=hash_token(other_key))
    body = {"products": [{"external_id": "same", "name": "n"}]}
    mine = (await client.post("/api/sync/products", json=body, headers=_auth(store_key))).json()
    theirs = (await client.post("/api/sync/products", json=body, headers=_auth(other_key))).json()
    assert mine["results"][0]["product_id"] != theirs["results"][0]["product_id"]
    assert mine["store"] == "Corner" and theirs["store"] == "Other"


def test_stores_create_prints_the_key_alone_on_the_last_line(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "IMGEDGE_DATABASE_URL": f"sqlite:///{tmp_path}/c.db"}
    run = subprocess.run(
        [sys.executable, "-m", "edge.cli", "stores", "create", "Metro"],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    key = run.stdout.strip().splitlines()[-1]
    assert key.startswith("imgedge_sk_") and " " not in key and len(key) > 40
    again = subprocess.run(
        [sys.executable, "-m", "edge.cli", "stores", "create", "Metro"],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert again.returncode == 1 and "exists" in again.stderr


async def test_in_store_codes_are_kept_with_a_warning_and_never_link(client, services, store_key):
    weighed = "212345000014"  # UPC-A number system 2: a weighed item, priced in store
    body = {"products": [{"external_id": "ham", "upc": weighed, "name": "Deli ham 250 g"}]}
    r = await client.post("/api/sync/products", json=body, headers=_auth(store_key))
    [answer] = r.json()["results"]
    assert answer["match_status"] == "queued" and answer["canonical_product_id"] is None
    assert answer["warnings"][0]["code"] == "restricted_circulation"
    stored = await services.catalog.get_store_product(answer["product_id"])
    assert (stored.upc, stored.gtin) == (weighed, "00" + weighed)


async def test_feed_attributes_are_kept_and_bad_ones_only_warn(
    client, services, store_key, curator
):
    body = {
        "products": [
            {
                "external_id": "tv", "name": "Samsung 52 inch LCD HDTV", "model": "LN52U810B",
                "mpn": 1459963, "category": "TV > LCD", "size": 52, "unit": "in",
                "price": "1299.00", "currency": "usd",
            },
            {
                "external_id": "odd", "name": "Mystery box", "price": "cheap",
                "currency": "pounds", "category": {"nested": True},
            },
        ]
    }  # fmt: skip
    r = await client.post("/api/sync/products", json=body, headers=_auth(store_key))
    tv, odd = r.json()["results"]
    assert "warnings" not in tv
    assert sorted(w["field"] for w in odd["warnings"]) == ["category", "currency", "price"]
    assert {w["code"] for w in odd["warnings"]} == {"invalid_attribute"}
    got = (await client.get(f"/api/products/{tv['product_id']}", headers=curator)).json()
    assert (got["model"], got["mpn"], got["category"], got["size"]) == (
        "LN52U810B",
        "1459963",
        "TV > LCD",
        "52 in",
    )
    assert (got["price"], got["currency"]) == (1299.0, "USD")
    kept = (await client.get(f"/api/products/{odd['product_id']}", headers=curator)).json()
    assert kept["name"] == "Mystery box" and kept["price"] is None
