"""Input that loses nothing, on both catalog backends: broken text (a lone surrogate, a
NUL, bytes that are not UTF-8) never reaches a catalog; in a sync it is that item's error
and the batch's other items are stored; ids are ASCII digits in range, else a 400 before
anything is written; deep nesting is a 400."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from catalog.models import ImageOwner
from config import Settings
from edge.demo.photos import PhotoSpec, photo

SURROGATE = b'"Cola \\ud800 12 oz"'  # JSON's escape, as JavaScript cuts an emoji in two


# Each catalog backend (tests/edge/http/conftest.py reads the parameter).
pytestmark = pytest.mark.parametrize("settings", ["sqlite", "postgresql"], indirect=True)


@pytest.fixture
async def store(build) -> dict[str, str]:
    return {"authorization": f"Bearer {await build.store_key('Corner')}"}


def _item(external_id: str, name: bytes = b'"Fine 12 oz"', **more: bytes) -> bytes:
    fields = {"external_id": json.dumps(external_id).encode(), "name": name, **more}
    return b"{" + b",".join(json.dumps(k).encode() + b":" + v for k, v in fields.items()) + b"}"


async def test_a_bad_item_is_its_own_error_and_the_rest_are_stored(client, services, store):
    items = [
        _item("surrogate", SURROGATE),
        _item("ok-1"),
        _item("nul", b'"Cola\\u0000"'),
        _item("control", b'"Cola\\u0007 12"'),
        _item("bytes", b'"Cola \xff\xfe 12"'),  # not UTF-8
        _item("brand", brand=b'"Ac\\udfffme"'),
        _item("upc", upc=b'"0360002\\u00001452"'),
        _item("attribute", category=b'["\\ud83d"]'),  # lenient fields too
        _item("pair", b'"Cola \\ud83d\\ude00 12 oz"'),  # a whole pair is an emoji: fine
        _item("url", image_url=b'"http://["'),  # urlsplit raises on it
    ]
    body = b'{"products":[' + b",".join(items) + b"]}"
    r = await client.post(
        "/api/sync/products", content=body, headers={**store, "content-type": "application/json"}
    )
    assert r.status_code == 200, r.text
    data = r.json()
    errors = {i: x["error"] for i, x in enumerate(data["results"]) if "error" in x}
    assert {i: e["field"] for i, e in errors.items()} == {
        0: "name",
        2: "name",
        3: "name",
        4: "name",
        5: "brand",
        6: "upc",
        7: "category[0]",
        9: "image_url",
    }
    assert all(e["code"] == "invalid_item" for e in errors.values())
    assert "not valid Unicode" in errors[0]["message"] and "NUL" in errors[2]["message"]
    assert data["summary"]["stored"] == 2 and data["summary"]["errors"] == 8
    fine = await services.catalog.get_store_product(data["results"][1]["product_id"])
    emoji = await services.catalog.get_store_product(data["results"][8]["product_id"])
    assert fine is not None and fine.name == "Fine 12 oz"
    assert emoji is not None and emoji.name == "Cola \U0001f600 12 oz"


async def test_the_reported_batch_of_one_bad_item_among_a_thousand(client, services, store):
    items = [_item(f"p{i}", SURROGATE if i == 500 else b'"Soda 12 oz"') for i in range(1000)]
    body = b'{"products":[' + b",".join(items) + b"]}"
    r = await client.post(
        "/api/sync/products", content=body, headers={**store, "content-type": "application/json"}
    )
    assert r.status_code == 200, r.text
    assert r.json()["summary"]["stored"] == 999
    assert r.json()["results"][500]["error"]["field"] == "name"


async def test_a_broken_key_beside_the_products_is_ignored(client, store):
    body = b'{"x\\ud800": 1, "products": [' + _item("a") + b"," + _item("b", SURROGATE) + b"]}"
    r = await client.post(
        "/api/sync/products", content=body, headers={**store, "content-type": "application/json"}
    )
    assert r.status_code == 200, r.text
    assert r.json()["summary"] == {"received": 2, "stored": 1, "errors": 1, "queued": 1}


@pytest.mark.parametrize(
    ("method", "url", "body", "field"),
    [
        ("PUT", "/api/images/match", {"queueItemId": 1, "action": "confirm",
            "newProductData": {"name": "Cola \ud800"}}, "newProductData.name"),
        ("PUT", "/api/images/match", {"queueItemId": 1, "action": "confirm",
            "newProductData": {"name": "Cola", "brand": "A\x00"}}, "newProductData.brand"),
        ("PATCH", "/api/products/{product}/images",
            {"action": "use_custom_image", "image_url": "http://a.test/\x00"}, "image_url"),
        ("POST", "/api/images/match", {"productId": 1, "note\udc80": 1}, ""),
    ],
)  # fmt: skip
async def test_broken_text_in_a_body_is_a_400_naming_the_field(
    client, build, curator, method, url, body, field
):
    product = await build.product(None)
    raw = json.dumps(body).encode()  # json escapes the lone surrogates as "\udXXX"
    r = await client.request(
        method,
        url.format(product=product.id),
        content=raw,
        headers={**curator, "content-type": "application/json"},
    )
    assert r.status_code == 400, r.text
    error = r.json()["error"]
    assert error["code"] == "invalid_text"
    assert error["message"].startswith(field or "body")


async def test_control_characters_in_a_new_canonical_name_are_refused(client, curator):
    body = {"queueItemId": 1, "action": "confirm", "newProductData": {"name": "Co\tla"}}
    r = await client.put("/api/images/match", json=body, headers=curator)
    assert (r.status_code, r.json()["error"]["code"]) == (400, "invalid_field")


@pytest.fixture
async def imaged(build, services) -> dict[str, int]:
    product = await build.product(PhotoSpec(120, 90, (10, 20, 30), "box"))
    assert product.canonical_product_id is not None
    [image] = await services.catalog.list_images(
        ImageOwner(canonical_product_id=product.canonical_product_id)
    )
    return {"product": product.id, "canonical": product.canonical_product_id, "image": image.id}


def _full_width(number: int) -> str:
    return "".join(chr(0xFF10 + int(d)) for d in str(number))


async def test_full_width_digits_never_name_an_image(client, services, curator, imaged):
    url = f"/api/products/{imaged['product']}/images"
    r = await client.delete(url, params={"imageId": _full_width(imaged["image"])}, headers=curator)
    assert (r.status_code, r.json()["error"]["code"]) == (400, "invalid_field")
    assert await services.catalog.get_image(imaged["image"]) is not None


@pytest.mark.parametrize(
    "url",
    [
        "/api/products/²",
        "/api/products/１",
        "/api/products/9223372036854775808",
        "/api/products/{product}/images?imageId=²",
        "/api/products/{product}/images?imageId=9223372036854775808",
        "/api/products/{product}/images?imageId=+1",
        "/api/canonical-products?after=²",
        "/api/canonical-products?limit=²",
        "/api/canonical-products?after=9223372036854775808",
        "/api/canonical-products/²/merge",
        "/img/²/small",
        "/api/products/٣/picture",
    ],
)
async def test_ids_are_ascii_digits_in_range(client, curator, imaged, url):
    method = "POST" if url.endswith("merge") else "DELETE" if "imageId" in url else "GET"
    r = await client.request(
        method, url.format(product=imaged["product"]), headers=curator, json={"into": 1}
    )
    assert r.status_code == 400, r.text
    assert r.json()["error"]["code"].startswith("invalid_")


def _originals(settings: Settings) -> set[Path]:
    root = Path(settings.originals_url.removeprefix("file://"))
    return {p for p in root.rglob("*") if p.is_file()}


@pytest.mark.parametrize(
    "fields",
    [
        {"sortOrder": "2147483648"},
        {"sortOrder": "1000000001"},
        {"sortOrder": "-1"},
        {"sortOrder": "1e3"},
        {"productId": "８２"},
        {"productId": "9223372036854775808"},
        {"isPrimary": "tr\x00ue"},
    ],
)
async def test_bad_upload_fields_are_a_400_before_anything_is_written(
    client, settings, curator, imaged, fields
):
    before = _originals(settings)
    owner = {} if "productId" in fields else {"canonicalProductId": str(imaged["canonical"])}
    jpeg = photo(PhotoSpec(64, 48, (200, 50, 50), "box"))
    r = await client.post(
        "/api/images/upload",
        data={**owner, **fields},
        files=[("file", ("a.jpg", jpeg, "image/jpeg"))],
        headers=curator,
    )
    assert r.status_code == 400, r.text
    assert _originals(settings) == before


DEEP = b"[" * 200_000 + b"]" * 200_000


@pytest.mark.parametrize(
    ("url", "body"),
    [
        ("/api/images/match", b'{"productId":' + DEEP + b"}"),
        ("/api/images/match", b'{"x":' + DEEP + b',"productId":1}'),
        ("/api/sync/products", b'{"products":[' + DEEP + b"]}"),
        ("/api/sync/products", b'{"products":["\\ud800",' + DEEP + b"]}"),
    ],
)
async def test_deep_nesting_is_a_400(client, curator, store, url, body):
    headers = {**(store if "sync" in url else curator), "content-type": "application/json"}
    r = await client.post(url, content=body, headers=headers)
    assert r.status_code == 400, r.text
    assert r.json()["error"]["code"] in ("invalid_json", "invalid_field")


async def test_the_backend_is_the_one_named(services, request):
    backend = request.node.callspec.params["settings"]
    assert services.settings.database_url.startswith(
        "postgresql://" if backend == "postgresql" else "sqlite:"
    )


@pytest.mark.parametrize("body", [b'{"products": "\\ud800"}', b'"\\ud800"'])
async def test_a_sync_body_of_broken_text_where_a_list_belongs_is_a_400(client, build, body):
    store = {"authorization": f"Bearer {await build.store_key('S9')}"}
    r = await client.post(
        "/api/sync/products", content=body, headers={**store, "content-type": "application/json"}
    )
    assert (r.status_code, r.json()["error"]["code"]) == (400, "invalid_text")
