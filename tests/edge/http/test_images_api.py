"""`GET|PATCH|DELETE /api/products/<id>/images`: who may change what, and what /img then
serves. Store A owns the product; store B is a stranger; canonical images are curators'."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, replace

import httpx
import pytest

from catalog.errors import CatalogUnavailable
from catalog.models import ImageOwner, NewImage, StoreProduct
from edge.application.images import Images
from edge.demo.photos import PhotoSpec, photo
from edge.http.app import create_app
from edge.imaging.options import Limits


@dataclass
class World:
    product: StoreProduct  # store A's, linked to a canonical product with two images
    canonical_ids: list[int]
    curator: dict[str, str]
    store_a: dict[str, str]
    store_b: dict[str, str]

    @property
    def url(self) -> str:
        return f"/api/products/{self.product.id}/images"


def bearer(key: str) -> dict[str, str]:
    return {"authorization": f"Bearer {key}"}


@pytest.fixture
async def world(services, build, curator) -> World:
    key_a = await build.store_key("A")
    key_b = await build.store_key("B")
    product = await build.product(PhotoSpec(600, 600, (200, 0, 0), "box"), store="A")
    second = await build.image(
        {"canonical_product_id": product.canonical_product_id},
        PhotoSpec(600, 600, (0, 0, 200), "can"),
    )
    first = await services.catalog.list_images(
        ImageOwner(canonical_product_id=product.canonical_product_id)
    )
    return World(product, [first[0].id, second.id], curator, bearer(key_a), bearer(key_b))


async def _shown(client, w: World) -> dict:
    r = await client.get(w.url, headers=w.curator)
    assert r.status_code == 200, r.text
    return r.json()


# Reading


async def test_get_lists_the_shown_images_in_order_with_versioned_urls(client, world):
    r = await client.get(world.url, headers=world.store_a)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["source"] == "canonical"
    assert [i["id"] for i in body["images"]] == world.canonical_ids
    assert [i["is_primary"] for i in body["images"]] == [True, False]
    for image in body["images"]:
        assert image["urls"]["small"] == f"/img/{world.product.id}/small?v={image['version']}"
        assert image["placeholder"].startswith("data:image/webp;base64,")
    assert r.headers["cache-control"] == "no-store"


# Who may do what: every endpoint refuses a missing or wrong token and a stranger store,
# and nothing changes.

ENDPOINTS = [
    ("GET", "/api/products/{id}", None),
    ("GET", "/api/products/{id}/images", None),
    ("PATCH", "/api/products/{id}/images", {"action": "set_primary", "imageId": "{second}"}),
    ("PATCH", "/api/products/{id}/images", {"action": "reorder", "imageIds": "{reversed}"}),
    ("PATCH", "/api/products/{id}/images", {"action": "use_canonical_image"}),
    ("DELETE", "/api/products/{id}/images?imageId={second}", None),
]


def _request(method: str, path: str, body, w: World):
    second = w.canonical_ids[1]
    url = path.format(id=w.product.id, second=second)
    if isinstance(body, dict):
        body = {
            k: {"{second}": second, "{reversed}": w.canonical_ids[::-1]}.get(v, v)
            for k, v in body.items()
        }
    return method, url, body


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS)
@pytest.mark.parametrize(
    ("who", "status", "code"),
    [
        ("nobody", 401, "token_missing"),
        ("wrong", 401, "token_invalid"),
        ("store_b", 403, "not_your_product"),
    ],
)
async def test_strangers_are_refused_and_nothing_changes(
    client, world, method, path, body, who, status, code
):
    method, url, body = _request(method, path, body, world)
    headers = {
        "nobody": {},
        "wrong": bearer("imgedge_sk_not-a-real-key"),
        "store_b": world.store_b,
    }[who]
    before = await _shown(client, world)
    r = await client.request(method, url, json=body, headers=headers)
    assert (r.status_code, r.json()["error"]["code"]) == (status, code)
    if status == 401:
        assert r.headers["www-authenticate"].startswith("Bearer")
    assert await _shown(client, world) == before


@pytest.mark.parametrize(
    "body",
    [
        {"action": "set_primary", "imageId": "{second}"},
        {"action": "reorder", "imageIds": "{reversed}"},
    ],
)
async def test_a_store_may_not_change_canonical_images(client, world, body):
    _, url, body = _request("PATCH", "/api/products/{id}/images", body, world)
    before = await _shown(client, world)
    r = await client.patch(url, json=body, headers=world.store_a)
    assert (r.status_code, r.json()["error"]["code"]) == (403, "curator_only")
    r = await client.delete(f"{url}?imageId={world.canonical_ids[0]}", headers=world.store_a)
    assert (r.status_code, r.json()["error"]["code"]) == (403, "curator_only")
    assert await _shown(client, world) == before


# Changes


async def test_set_primary_changes_what_img_serves(client, world):
    old = await client.get(f"/img/{world.product.id}/small.jpg")
    second = world.canonical_ids[1]
    r = await client.patch(
        world.url, json={"action": "set_primary", "imageId": second}, headers=world.curator
    )
    assert r.status_code == 200, r.text
    assert r.json()["images"][0]["id"] == second
    new = await client.get(f"/img/{world.product.id}/small.jpg")
    assert new.headers["etag"] != old.headers["etag"]
    assert r.json()["images"][0]["version"] in new.headers["etag"]


async def test_reorder_takes_the_full_list_only(client, world, build, services):
    first, second = world.canonical_ids
    third = await build.image(
        {"canonical_product_id": world.product.canonical_product_id},
        PhotoSpec(300, 300, (0, 200, 0), "can"),
    )
    other = await build.product()  # its canonical image is foreign to this product
    foreign = (await services.catalog.resolve(other.id)).image.image_id
    for bad in (
        [first, second],  # one missing
        [first, second, third.id, third.id],  # one twice
        [first, second, third.id, foreign],  # one foreign
        [first, second, third.id, 999_999],  # one that does not exist
    ):
        r = await client.patch(
            world.url, json={"action": "reorder", "imageIds": bad}, headers=world.curator
        )
        assert (r.status_code, r.json()["error"]["code"]) == (400, "invalid_order"), bad
    r = await client.patch(
        world.url,
        json={"action": "reorder", "imageIds": [third.id, second, first]},
        headers=world.curator,
    )
    assert r.status_code == 200, r.text
    # The primary stays first; the others follow the new order.
    assert [i["id"] for i in r.json()["images"]] == [first, third.id, second]


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"action": "explode", "imageId": 1}, "invalid_action"),
        ({"action": "set_primary"}, "invalid_field"),
        ({"action": "set_primary", "imageId": "1"}, "invalid_field"),
        ({"action": "set_primary", "imageId": True}, "invalid_field"),
        ({"action": "reorder", "imageIds": "1,2"}, "invalid_field"),
        ({"action": "reorder", "imageIds": []}, "invalid_field"),
        ({"action": "reorder", "imageIds": [1], "source": "elsewhere"}, "invalid_field"),
        ({"action": "use_custom_image", "image_url": 5}, "invalid_field"),
        ([1, 2], "invalid_json"),
    ],
)
async def test_bad_bodies(client, world, body, code):
    r = await client.patch(world.url, json=body, headers=world.curator)
    assert (r.status_code, r.json()["error"]["code"]) == (400, code)


async def test_foreign_images_and_unknown_products(client, world, build):
    other = await build.product()
    foreign = (await client.get(f"/api/products/{other.id}/images", headers=world.curator)).json()
    r = await client.patch(
        world.url,
        json={"action": "set_primary", "imageId": foreign["images"][0]["id"]},
        headers=world.curator,
    )
    assert (r.status_code, r.json()["error"]["code"]) == (404, "image_not_found")
    r = await client.delete(
        f"{world.url}?imageId={foreign['images'][0]['id']}", headers=world.curator
    )
    assert (r.status_code, r.json()["error"]["code"]) == (404, "image_not_found")
    r = await client.get("/api/products/999999/images", headers=world.curator)
    assert (r.status_code, r.json()["error"]["code"]) == (404, "product_not_found")
    for bad in ("", "abc", "0", "-1"):
        r = await client.delete(f"{world.url}?imageId={bad}", headers=world.curator)
        assert (r.status_code, r.json()["error"]["code"]) == (400, "invalid_field")


async def test_delete_promotes_the_next_and_removes_unreferenced_originals(
    client, world, services, build
):
    first, second = world.canonical_ids
    first_image = await services.catalog.get_image(first)
    # Another product's canonical image with the same bytes as `second`.
    second_image = await services.catalog.get_image(second)
    other = await build.product(None)
    await services.catalog.add_image(
        NewImage(
            content_hash=second_image.content_hash,
            width=600,
            height=600,
            has_alpha=False,
            byte_size=second_image.byte_size,
            media_type="image/jpeg",
            canonical_product_id=other.canonical_product_id,
        )
    )
    before = await client.get(f"/img/{world.product.id}/small.jpg")
    # Uploaded long ago (a fresh original waits out the grace period for the sweep).
    for image in (first_image, second_image):
        d = image.content_hash
        hour_ago = time.time() - 2 * 3600
        os.utime(services.originals.root / d[:2] / d[2:4] / d, (hour_ago, hour_ago))

    r = await client.delete(f"{world.url}?imageId={first}", headers=world.curator)
    assert r.status_code == 200, r.text
    assert [(i["id"], i["is_primary"]) for i in r.json()["images"]] == [(second, True)]
    assert not await services.originals.exists(first_image.content_hash)
    after = await client.get(f"/img/{world.product.id}/small.jpg")
    assert after.status_code == 200 and after.headers["etag"] != before.headers["etag"]

    r = await client.delete(f"{world.url}?imageId={second}", headers=world.curator)
    assert r.json()["images"] == []
    # Still used by the other product: the bytes stay.
    assert await services.originals.exists(second_image.content_hash)
    assert (await client.get(f"/img/{world.product.id}/small.jpg")).status_code == 404
    assert (await client.get(f"/img/{other.id}/small.jpg")).status_code == 200


async def test_configured_admin_token_replaces_the_stored_one(client, services, world):
    object.__setattr__(services, "settings", services.settings.replace(admin_token="env-token"))
    body = {"action": "set_primary", "imageId": world.canonical_ids[1]}
    assert (await client.patch(world.url, json=body, headers=world.curator)).status_code == 401
    r = await client.patch(world.url, json=body, headers=bearer("env-token"))
    assert r.status_code == 200


# Store overrides


async def _upload_custom(client, w: World, spec: PhotoSpec, headers=None) -> dict:
    r = await client.post(
        "/api/images/upload",
        data={"productId": str(w.product.id)},
        files={"file": ("own.jpg", photo(spec), "image/jpeg")},
        headers=headers or w.store_a,
    )
    assert r.status_code == 201, r.text
    return r.json()["images"][0]


async def test_a_store_overrides_and_clears_with_its_own_image(client, world):
    canonical_etag = (await client.get(f"/img/{world.product.id}/small.jpg")).headers["etag"]
    custom = await _upload_custom(client, world, PhotoSpec(500, 400, (0, 150, 0), "bottle"))
    body = (await client.get(world.url, headers=world.store_a)).json()
    assert (body["source"], body["use_custom_image"]) == ("custom", True)
    assert [i["id"] for i in body["images"]] == [custom["id"]]
    served = await client.get(f"/img/{world.product.id}/small.jpg")
    assert custom["version"] in served.headers["etag"]

    # A store manages its own custom images: set_primary, reorder, delete.
    extra = await _upload_custom(client, world, PhotoSpec(300, 300, (9, 9, 9), "can"))
    r = await client.patch(
        world.url, json={"action": "set_primary", "imageId": extra["id"]}, headers=world.store_a
    )
    assert r.json()["images"][0]["id"] == extra["id"], r.text
    r = await client.patch(
        world.url,
        json={"action": "reorder", "imageIds": [custom["id"], extra["id"]]},
        headers=world.store_a,
    )
    assert r.status_code == 200, r.text

    r = await client.patch(world.url, json={"action": "use_canonical_image"}, headers=world.store_a)
    assert (r.json()["source"], r.json()["use_custom_image"]) == ("canonical", False)
    assert (await client.get(f"/img/{world.product.id}/small.jpg")).headers["etag"] == (
        canonical_etag
    )
    # Back on: the custom images are still there.
    r = await client.patch(world.url, json={"action": "use_custom_image"}, headers=world.store_a)
    assert (r.status_code, r.json()["source"]) == (200, "custom")


async def test_override_without_any_image_is_a_conflict(client, world):
    r = await client.patch(world.url, json={"action": "use_custom_image"}, headers=world.store_a)
    assert (r.status_code, r.json()["error"]["code"]) == (409, "no_custom_image")
    assert (await _shown(client, world))["use_custom_image"] is False


async def test_every_listed_url_serves_its_own_image_immutably(client, world):
    images = (await _shown(client, world))["images"]
    etags = set()
    for image in images:
        r = await client.get(image["urls"]["small"])
        assert r.status_code == 200
        assert image["version"] in r.headers["etag"]
        assert r.headers["cache-control"] == "public, max-age=31536000, immutable"
        etags.add(r.headers["etag"])
    assert len(etags) == len(images) == 2
    minted = await client.get(f"/img/{world.product.id}/small?v=0123456789abcdef")
    assert minted.status_code == 404  # a version the product never showed
    assert minted.json()["error"]["code"] == "version_not_found"


# A change that committed is answered as a success, even when the read-back fails.


class _FailsAfterWrite:
    """The catalog, but once a change has committed it stops answering reads (the
    database dropped between the write and the read-back)."""

    WRITES = frozenset(
        {"set_primary_image", "reorder_images", "set_use_custom_image", "add_images"}
    )
    # Failing once a change committed: the reads, and a later write of a detail.
    READS = frozenset({"get_store_product", "resolve", "list_images", "set_image_fetch_error"})

    def __init__(self, real) -> None:
        self._real, self._written = real, False

    def __getattr__(self, name: str):
        method = getattr(self._real, name)
        if name not in self.WRITES | self.READS | {"delete_image"}:
            return method

        async def call(*args, **kwargs):
            if name in self.READS and self._written:
                raise CatalogUnavailable("connection lost")
            result = await method(*args, **kwargs)
            self._written = self._written or name not in self.READS
            return result

        return call


@pytest.fixture
async def read_back_fails(settings, services):
    catalog = _FailsAfterWrite(services.catalog)

    async def fetch(url: str) -> bytes:  # any URL: a photo
        return photo(PhotoSpec(320, 240, (0, 160, 0), "can"))

    images = Images(catalog, services.keeper, Limits.from_settings(settings), fetch)
    app = create_app(settings, services=replace(services, images=images))
    app.state.services = replace(services, images=images)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://edge.test") as http:
        yield http


@pytest.mark.parametrize(
    ("method", "body", "known"),
    [
        ("PATCH", {"action": "set_primary", "imageId": "{second}"}, ["{second}"]),
        ("PATCH", {"action": "reorder", "imageIds": "{reversed}"}, ["{first}", "{second}"]),
        ("PATCH", {"action": "use_canonical_image"}, []),
        ("DELETE", None, []),
    ],
)
async def test_a_committed_change_is_a_success_even_if_the_read_back_fails(
    read_back_fails, client, world, method, body, known
):
    first, second = world.canonical_ids
    values = {"{first}": first, "{second}": second, "{reversed}": [second, first]}

    def fill(value):
        if isinstance(value, list):
            return [fill(v) for v in value]
        return values.get(value, value) if isinstance(value, str) else value

    url = world.url + (f"?imageId={second}" if method == "DELETE" else "")
    payload = None if body is None else {k: fill(v) for k, v in body.items()}
    r = await read_back_fails.request(method, url, json=payload, headers=world.curator)
    assert r.status_code == 200, r.text
    answer = r.json()
    assert answer["complete"] is False
    assert [i["id"] for i in answer["images"]] == fill(known)
    after = await _shown(client, world)  # stored, as the answer said
    assert after["complete"] is True
    expected = {
        "set_primary": [second, first],
        "reorder": [first, second],  # the primary stays first
        "use_canonical_image": [first, second],
        None: [first],
    }[body and body["action"]]
    assert [i["id"] for i in after["images"]] == expected


async def test_an_image_url_attached_is_a_success_even_if_the_catalog_then_fails(
    read_back_fails, client, world
):
    body = {"action": "use_custom_image", "image_url": "https://shop.example/p.jpg"}
    r = await read_back_fails.patch(world.url, json=body, headers=world.store_a)
    assert r.status_code == 200, r.text
    answer = r.json()
    assert (answer["complete"], answer["use_custom_image"], answer["source"]) == (
        False,
        True,
        "custom",
    )
    after = await _shown(client, world)  # the image and the override, both stored
    assert (after["source"], after["use_custom_image"]) == ("custom", True)
    assert [i["id"] for i in after["images"]] == [answer["images"][0]["id"]]
