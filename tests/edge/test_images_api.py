"""`PATCH /api/products/<id>/images`: curator-only primary changes, seen by /img at once."""

from __future__ import annotations

import pytest

from edge.auth import ADMIN_TOKEN_META, hash_token
from edge.demo_images import PhotoSpec

TOKEN = "curator-token-for-tests"


@pytest.fixture
async def two_images(services, build):
    await services.catalog.set_meta(ADMIN_TOKEN_META, hash_token(TOKEN))
    product = await build.product(PhotoSpec(600, 600, (200, 0, 0), "box"))
    second = await build.image(
        {"canonical_product_id": product.canonical_product_id},
        PhotoSpec(600, 600, (0, 0, 200), "can"),
    )
    return product, second


def _auth(token: str = TOKEN) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


@pytest.mark.parametrize(
    ("headers", "code"),
    [
        ({}, "token_missing"),
        ({"authorization": "Basic Zm9vOmJhcg=="}, "token_missing"),
        ({"authorization": "Bearer "}, "token_missing"),
        ({"authorization": "Bearer wrong-token"}, "token_invalid"),
    ],
)
async def test_without_the_curator_token_nothing_changes(client, two_images, headers, code):
    product, second = two_images
    before = (await client.get(f"/api/products/{product.id}")).json()["image"]["id"]
    r = await client.patch(
        f"/api/products/{product.id}/images",
        json={"action": "set_primary", "imageId": second.id},
        headers=headers,
    )
    assert r.status_code == 401
    assert r.json()["error"]["code"] == code
    assert r.headers["www-authenticate"].startswith("Bearer")
    assert (await client.get(f"/api/products/{product.id}")).json()["image"]["id"] == before


async def test_set_primary_changes_what_img_serves(client, two_images):
    product, second = two_images
    old = await client.get(f"/img/{product.id}/small.jpg")
    r = await client.patch(
        f"/api/products/{product.id}/images",
        json={"action": "set_primary", "imageId": second.id},
        headers=_auth(),
    )
    assert r.status_code == 200, r.text
    assert r.json()["image"]["id"] == second.id
    assert r.headers["cache-control"] == "no-store"
    new = await client.get(f"/img/{product.id}/small.jpg")
    assert new.headers["etag"] != old.headers["etag"]
    assert second.content_hash[:16] in new.headers["etag"]


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"action": "explode", "imageId": 1}, 400, "invalid_action"),
        ({"action": "set_primary"}, 400, "invalid_field"),
        ({"action": "set_primary", "imageId": "1"}, 400, "invalid_field"),
        ({"action": "set_primary", "imageId": True}, 400, "invalid_field"),
        ([1, 2], 400, "invalid_json"),
    ],
)
async def test_bad_bodies(client, two_images, body, status, code):
    product, _ = two_images
    r = await client.patch(f"/api/products/{product.id}/images", json=body, headers=_auth())
    assert (r.status_code, r.json()["error"]["code"]) == (status, code)


async def test_invalid_json_and_foreign_images_are_refused(client, two_images, build):
    product, _ = two_images
    url = f"/api/products/{product.id}/images"
    r = await client.patch(url, content=b"{not json", headers=_auth())
    assert r.json()["error"]["code"] == "invalid_json"
    other = await build.product()
    foreign = (await client.get(f"/api/products/{other.id}")).json()["image"]["id"]
    r = await client.patch(url, json={"action": "set_primary", "imageId": foreign}, headers=_auth())
    assert (r.status_code, r.json()["error"]["code"]) == (404, "image_not_found")
    r = await client.patch(
        "/api/products/999999/images", json={"action": "set_primary", "imageId": 1}, headers=_auth()
    )
    assert (r.status_code, r.json()["error"]["code"]) == (404, "product_not_found")


async def test_configured_admin_token_replaces_the_stored_one(client, services, two_images):
    product, second = two_images
    object.__setattr__(services, "settings", services.settings.replace(admin_token="env-token"))
    body = {"action": "set_primary", "imageId": second.id}
    url = f"/api/products/{product.id}/images"
    assert (await client.patch(url, json=body, headers=_auth())).status_code == 401
    assert (await client.patch(url, json=body, headers=_auth("env-token"))).status_code == 200
