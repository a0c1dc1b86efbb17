"""The console's Products and Product pages through the app (ASGI, no browser): what each
actor sees, and every change (store vs curator, 403, CSRF)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest

from catalog.models import ImageOwner, MatchStatus
from config import Settings
from edge.demo.photos import PhotoSpec, photo
from edge.http.app import create_app
from edge.services import Services
from tests.conftest import CURATOR_TOKEN
from tests.edge.console.test_session import form_token, sign_in

RED = PhotoSpec(300, 200, (200, 30, 30), "box")
BLUE = PhotoSpec(200, 300, (30, 30, 200), "bottle")
GREEN = PhotoSpec(250, 250, (30, 160, 30), "box")
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"></svg>'
_VERSION = re.compile(r'id="storefront-image" class="preview" src="/img/\d+/small\?v=(\w+)"')


@pytest.fixture
async def signed_in(settings: Settings, services: Services, curator, build):
    """A function giving a new client signed in with a token (each its own cookies)."""
    app = create_app(settings, services=services)
    app.state.services = services  # no lifespan runs under ASGITransport
    opened: list[httpx.AsyncClient] = []

    async def client_for(token: str) -> httpx.AsyncClient:
        http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")
        opened.append(http)
        assert (await sign_in(http, token)).status_code == 303
        return http

    yield client_for
    for http in opened:
        await http.aclose()


@pytest.fixture
async def shop(build) -> AsyncIterator[tuple[str, object, object]]:
    """A store with a key, its product (canonical image RED) and another store's product."""
    key = await build.store_key("Shop")
    mine = await build.product(RED, store="Shop")
    theirs = await build.product(None, store="Other")
    yield key, mine, theirs


def _shown_version(page: str) -> str | None:
    found = _VERSION.search(page)
    return found.group(1) if found else None


async def test_products_page_lists_with_storefront_thumbnails(signed_in, shop):
    key, mine, theirs = shop
    curator = await signed_in(CURATOR_TOKEN)
    listed = await curator.get("/console/products")
    assert listed.status_code == 200
    assert f'href="/console/products/{mine.id}"' in listed.text
    assert f'href="/console/products/{theirs.id}"' in listed.text
    thumb = re.search(rf'src="(/img/{mine.id}/thumbnail\?v=\w+)"', listed.text)
    assert thumb is not None
    assert (await curator.get(thumb.group(1))).status_code == 200
    assert "No image" in listed.text  # theirs shows nothing
    bare = await curator.get("/console/products?image=none&q=&status=")
    assert f"/console/products/{mine.id}" not in bare.text
    assert f"/console/products/{theirs.id}" in bare.text
    bad = await curator.get("/console/products?status=maybe")
    assert bad.status_code == 400 and "status must be one of" in bad.text

    store = await signed_in(key)
    own = await store.get("/console/products")
    assert f"/console/products/{mine.id}" in own.text
    assert f"/console/products/{theirs.id}" not in own.text
    assert 'name="store"' not in own.text  # no store filter for a store
    other = await store.get(f"/console/products?store={theirs.store_id}")
    assert other.status_code == 403


async def test_products_page_pages_with_the_filters_kept(signed_in, services):
    catalog = services.catalog
    store = await catalog.create_store("Many")
    for n in range(51):
        made = await catalog.upsert_store_product(
            store_id=store.id, external_id=str(n), upc=None, gtin=None, name=f"Tea {n}"
        )
        await catalog.link_store_product(made.id, None, MatchStatus.REVIEW)
    curator = await signed_in(CURATOR_TOKEN)
    first = await curator.get("/console/products?q=tea&status=review")
    assert "51 products, page 1 of 2" in first.text
    assert 'href="/console/products?q=tea&amp;status=review&amp;page=2"' in first.text
    second = await curator.get("/console/products?q=tea&status=review&page=2")
    assert second.text.count('href="/console/products/') == 1
    assert 'rel="prev"' in second.text and 'rel="next"' not in second.text


async def test_a_store_opens_only_its_own_product_and_not_canonical_controls(
    signed_in, shop, services
):
    key, mine, theirs = shop
    store = await signed_in(key)
    page = await store.get(f"/console/products/{mine.id}")
    assert page.status_code == 200
    assert _shown_version(page.text) is not None
    assert "/primary" not in page.text  # its only images are the canonical product's
    assert 'name="owner" value="custom"' in page.text and 'id="owner"' not in page.text
    refused = await store.get(f"/console/products/{theirs.id}")
    assert refused.status_code == 403 and "another store" in refused.text

    curator = await signed_in(CURATOR_TOKEN)
    seen = await curator.get(f"/console/products/{theirs.id}")
    assert seen.status_code == 200 and 'id="owner"' in seen.text


async def _canonical_images(services, product):
    owner = ImageOwner(canonical_product_id=product.canonical_product_id)
    return await services.catalog.list_images(owner)


async def test_the_curator_sets_primary_moves_reorders_and_deletes(
    signed_in, shop, services, build
):
    _, mine, _ = shop
    await build.image({"canonical_product_id": mine.canonical_product_id}, BLUE)
    await build.image({"canonical_product_id": mine.canonical_product_id}, GREEN)
    red, blue, green = await _canonical_images(services, mine)
    curator = await signed_in(CURATOR_TOKEN)
    url = f"/console/products/{mine.id}"
    page = await curator.get(url)
    token = form_token(page.text)
    assert _shown_version(page.text) == red.version

    done = await curator.post(f"{url}/images/{blue.id}/primary", data={"csrf_token": token})
    assert (done.status_code, done.headers["location"]) == (303, url)
    assert _shown_version((await curator.get(url)).text) == blue.version
    # Storefront URLs follow: the unversioned /img shows blue now.
    assert f"/img/{mine.id}/small?v={blue.version}" in (await curator.get(url)).text

    # Moving: the primary stays first, with no Up/Down of its own; red (last) goes up.
    shown = (await curator.get(url)).text
    buttons = re.findall(r'aria-label="((?:Up|Down), image \d of 3)"', shown)
    assert buttons == ["Down, image 2 of 3", "Up, image 3 of 3"]
    moved = await curator.post(
        f"{url}/images/{red.id}/move", data={"csrf_token": token, "direction": "up"}
    )
    assert moved.status_code == 303
    assert [i.id for i in await _canonical_images(services, mine)] == [blue.id, red.id, green.id]
    # A whole order, as dragging sends it.
    order = {"csrf_token": token, "source": "canonical", "image_id": [blue.id, green.id, red.id]}
    assert (await curator.post(f"{url}/order", data=order)).status_code == 303
    assert [i.id for i in await _canonical_images(services, mine)] == [blue.id, green.id, red.id]
    wrong = {**order, "image_id": [blue.id]}
    assert (await curator.post(f"{url}/order", data=wrong)).status_code == 400

    confirm = await curator.get(f"{url}/images/{green.id}/delete")
    assert confirm.status_code == 200 and "Delete this image?" in confirm.text
    gone = await curator.post(f"{url}/images/{green.id}/delete", data={"csrf_token": token})
    assert gone.status_code == 303
    assert [i.id for i in await _canonical_images(services, mine)] == [blue.id, red.id]


async def test_a_store_cannot_change_canonical_images_and_csrf_is_required(
    signed_in, shop, services
):
    key, mine, _ = shop
    [red] = await _canonical_images(services, mine)
    store = await signed_in(key)
    url = f"/console/products/{mine.id}"
    token = form_token((await store.get(url)).text)
    refused = await store.post(f"{url}/images/{red.id}/delete", data={"csrf_token": token})
    assert refused.status_code == 403 and "curator" in refused.text
    assert (await store.get(f"{url}/images/{red.id}/delete")).status_code == 403
    order = {"csrf_token": token, "source": "canonical", "image_id": [red.id]}
    assert (await store.post(f"{url}/order", data=order)).status_code == 403
    assert await _canonical_images(services, mine) == [red]

    curator = await signed_in(CURATOR_TOKEN)
    for action, data in [
        (f"{url}/images/{red.id}/primary", {}),
        (f"{url}/images/{red.id}/delete", {}),
        (f"{url}/images/{red.id}/move", {"direction": "down"}),
        (f"{url}/override", {"use": "canonical"}),
        (f"{url}/images/{red.id}/delete", {"csrf_token": "forged"}),
    ]:
        answer = await curator.post(action, data=data)
        assert answer.status_code == 403, action
    assert await _canonical_images(services, mine) == [red]


async def test_uploads_answer_json_per_file_and_turn_the_override_on(signed_in, shop, services):
    key, mine, _ = shop
    store = await signed_in(key)
    url = f"/console/products/{mine.id}"
    token = form_token((await store.get(url)).text)
    headers = {"accept": "application/json", "x-csrf-token": token}

    def one(name: str, data: bytes) -> dict[str, object]:
        return {"files": {"file": (name, data)}, "data": {"owner": "custom"}}

    good = await store.post(f"{url}/images", headers=headers, **one("b.jpg", photo(BLUE)))
    assert good.status_code == 201, good.text
    [uploaded] = good.json()["images"]
    assert uploaded["store_product_id"] == mine.id
    bad = await store.post(f"{url}/images", headers=headers, **one("fake.jpg", SVG))
    assert bad.status_code == 415
    assert bad.json()["error"]["code"] == "unsupported_type"
    canonical = {"files": {"file": ("c.jpg", photo(GREEN))}, "data": {"owner": "canonical"}}
    refused = await store.post(f"{url}/images", headers=headers, **canonical)
    assert (refused.status_code, refused.json()["error"]["code"]) == (403, "curator_only")
    no_csrf = await store.post(
        f"{url}/images", headers={"accept": "application/json"}, **one("b.jpg", photo(BLUE))
    )
    assert (no_csrf.status_code, no_csrf.json()["error"]["code"]) == (403, "csrf")

    page = (await store.get(url)).text
    assert _shown_version(page) == uploaded["version"]  # the store's upload is shown
    # Without a script: a plain form post, back to the page.
    plain = await store.post(
        f"{url}/images",
        files={"file": ("g.jpg", photo(GREEN))},
        data={"owner": "custom", "csrf_token": token},
    )
    assert (plain.status_code, plain.headers["location"]) == (303, url)
    assert len(await services.catalog.list_images(ImageOwner(store_product_id=mine.id))) == 2


async def test_the_override_switches_both_ways_and_shows_a_refused_url(signed_in, shop, services):
    key, mine, _ = shop
    [red] = await _canonical_images(services, mine)
    store = await signed_in(key)
    url = f"/console/products/{mine.id}"
    token = form_token((await store.get(url)).text)

    nothing = await store.post(f"{url}/override", data={"csrf_token": token, "use": "custom"})
    assert nothing.status_code == 409 and "has no custom image" in nothing.text
    await services.images.upload(ImageOwner(store_product_id=mine.id), [photo(BLUE)])
    ours = await store.post(f"{url}/override", data={"csrf_token": token, "use": "custom"})
    assert ours.status_code == 303
    assert _shown_version((await store.get(url)).text) != red.version
    back = await store.post(f"{url}/override", data={"csrf_token": token, "use": "canonical"})
    assert back.status_code == 303
    assert _shown_version((await store.get(url)).text) == red.version

    refused = await store.post(
        f"{url}/override",
        data={"csrf_token": token, "use": "url", "image_url": "http://127.0.0.1/a.jpg"},
    )
    assert refused.status_code == 422
    assert 'id="fetch-error"' in refused.text and "host_not_allowed" in refused.text
    assert _shown_version(refused.text) == red.version  # still the canonical image
