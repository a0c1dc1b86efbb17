"""Rules every console route keeps, checked over all of them (`console_routes()`), so a
new route cannot forget them: a change needs the session's CSRF token, a page needs a
session, and a store reaches nothing of another store's."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from starlette.routing import Route

from catalog.models import ImageOwner
from config import Settings
from edge.console.routes import console_routes
from edge.demo.photos import PhotoSpec, photo
from edge.http.app import create_app
from edge.services import Services
from tests.conftest import CURATOR_TOKEN
from tests.edge.console.test_session import form_token, sign_in

_PARAM = re.compile(r"\{(\w+)\}")
RED = PhotoSpec(300, 200, (200, 30, 30), "box")
BLUE = PhotoSpec(200, 300, (30, 30, 200), "bottle")
UPLOADS = {"/console/products/{product}/images"}


def _routes(method: str) -> list[Route]:
    found = [r for r in console_routes() if isinstance(r, Route) and method in (r.methods or ())]
    assert found, f"no console {method} routes"
    return found


@pytest.fixture
async def world(settings: Settings, services: Services, build, review_queue) -> dict[str, Any]:
    """Store A ("Mine") with a linked product holding a canonical and a custom image and a
    waiting queue item; store B ("Theirs") with a key; a client per sign-in."""
    catalog = services.catalog
    mine = review_queue["stores"]["Mine"]
    product = await build.product(RED, store="Mine")
    assert product.canonical_product_id is not None
    custom = await build.image({"store_product_id": product.id}, BLUE)
    [canonical] = await catalog.list_images(
        ImageOwner(canonical_product_id=product.canonical_product_id)
    )
    [item] = await catalog.review_items(store_id=mine.id, after_id=0, limit=10)
    app = create_app(settings, services=services)
    app.state.services = services  # no lifespan runs under ASGITransport
    return {
        "app": app,
        "product": product,
        "images": (custom.id, canonical.id),
        "item": item.item.id,
        "store": mine.id,
        "keys": review_queue["keys"],
    }


def _client(world: dict[str, Any]) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=world["app"]), base_url="http://t")


def _paths(route: Route, world: dict[str, Any]) -> list[str]:
    """The route's path with A's ids (each of A's images for an image route)."""
    ids: dict[str, list[int]] = {
        "product": [world["product"].id],
        "image": list(world["images"]),
        "item": [world["item"]],
        "store": [world["store"]],
    }
    names = _PARAM.findall(route.path)
    paths = [route.path]
    for name in names:
        paths = [p.replace("{" + name + "}", str(v)) for p in paths for v in ids[name]]
    return paths


async def _state(services: Services, world: dict[str, Any]) -> tuple[object, ...]:
    """What any console change could touch: A's product (its link and switch), both image
    sets, every store (names and keys), the queue item."""
    catalog = services.catalog
    product = world["product"]
    stores = [(s.id, s.name, s.has_key) for s in await catalog.list_stores()]
    return (
        await catalog.get_store_product(product.id),
        await catalog.list_images(ImageOwner(store_product_id=product.id)),
        await catalog.list_images(ImageOwner(canonical_product_id=product.canonical_product_id)),
        stores,
        await catalog.get_match_item(world["item"]),
        await catalog.get_store_by_api_key_hash("x"),
    )


def _form(world: dict[str, Any]) -> dict[str, str]:
    """Valid fields for every console form, so only the rule under test can refuse."""
    custom, _ = world["images"]
    return {
        "direction": "down",
        "source": "custom",
        "image_id": str(custom),
        "use": "custom",
        "owner": "custom",
        "name": "A new name",
        "canonical_product_id": str(world["product"].canonical_product_id),
        "token": CURATOR_TOKEN,
    }


def _files(route: Route) -> dict[str, tuple[str, bytes, str]] | None:
    """A file for the upload route (the only form that takes one; the others refuse it)."""
    return {"file": ("new.jpg", photo(RED), "image/jpeg")} if route.path in UPLOADS else None


async def test_every_change_without_the_csrf_token_is_refused(services: Services, world):
    async with _client(world) as http:
        assert (await sign_in(http, CURATOR_TOKEN)).status_code == 303
        before = await _state(services, world)
        for route in _routes("POST"):
            for path in _paths(route, world):
                answer = await http.post(path, data=_form(world), files=_files(route))
                assert answer.status_code == 403, (path, answer.status_code, answer.text[:300])
                assert "form has expired" in answer.text, path  # the CSRF check refused it
                assert "set-cookie" not in answer.headers, path
                assert await _state(services, world) == before, path
        assert (await http.get("/console")).status_code == 200  # still signed in


async def test_every_page_but_sign_in_needs_a_session(world):
    async with _client(world) as http:
        for route in _routes("GET"):
            for path in _paths(route, world):
                answer = await http.get(path)
                if path == "/console/sign-in":
                    assert answer.status_code == 200
                    continue
                assert answer.status_code == 303, path
                assert answer.headers["location"].startswith("/console/sign-in?next="), path


async def test_another_store_reaches_nothing_of_store_a(services: Services, world):
    """Store B, with its own CSRF token, on every route naming A's product, image, item or
    store: refused, and nothing of A's changes."""
    async with _client(world) as http:
        assert (await sign_in(http, world["keys"]["Theirs"])).status_code == 303
        token = form_token((await http.get("/console/products")).text)
        before = await _state(services, world)
        for route in [r for r in console_routes() if isinstance(r, Route) and "{" in r.path]:
            for method in sorted((route.methods or set()) - {"HEAD"}):
                for path in _paths(route, world):
                    if method == "GET":
                        answer = await http.get(path)
                    else:
                        data = {**_form(world), "csrf_token": token}
                        answer = await http.post(path, data=data, files=_files(route))
                    assert answer.status_code in (403, 404), (method, path, answer.status_code)
                    assert await _state(services, world) == before, (method, path)


async def test_forms_are_bounded_before_they_are_parsed(world):
    """Sign-in takes forms from anyone: a huge body or a file is refused unread, not kept
    in memory or spooled to disk until the form token is checked."""
    async with _client(world) as http:
        page = await http.get("/console/sign-in")
        fields = {"csrf_token": form_token(page.text), "token": CURATOR_TOKEN}
        big = {**fields, **{f"f{n}": "x" * 200_000 for n in range(3)}}
        answer = await http.post("/console/sign-in", data=big)
        assert answer.status_code == 413 and "form over" in answer.text
        file = {"file": ("a.bin", b"\0" * 1000, "application/octet-stream")}
        answer = await http.post("/console/sign-in", data=fields, files=file)
        assert answer.status_code == 400 and "the form was refused" in answer.text
        assert (await http.post("/console/sign-in", data=fields)).status_code == 303


async def test_a_reorder_of_many_images_fits_a_form(world):
    """The largest form a page sends (every image id of a set, as multipart from
    product.js) stays under the bound: refused for its ids, not its size."""
    async with _client(world) as http:
        assert (await sign_in(http, CURATOR_TOKEN)).status_code == 303
        token = form_token((await http.get("/console/products")).text)
        path = f"/console/products/{world['product'].id}/order"
        fields = [("csrf_token", token), ("source", "custom")]
        fields += [("image_id", str(n)) for n in range(10**6, 10**6 + 1000)]
        parts = [
            f'--b\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n' for k, v in fields
        ]
        body = ("".join(parts) + "--b--\r\n").encode()
        headers = {"content-type": "multipart/form-data; boundary=b"}  # as a FormData body
        answer = await http.post(path, content=body, headers=headers)
        assert answer.status_code == 400 and "imageIds must name each" in answer.text


async def test_another_store_cannot_list_store_a_or_the_stores(world):
    """The listings' store filter and the curator's pages: refused to store B."""
    async with _client(world) as http:
        assert (await sign_in(http, world["keys"]["Theirs"])).status_code == 303
        a = world["store"]
        for path in (
            f"/console/products?store={a}",
            f"/console/review?store={a}",
            "/console/stores",
        ):
            answer = await http.get(path)
            assert answer.status_code == 403, path
            assert "Mine" not in answer.text, path  # store A's name
        token = form_token((await http.get("/console/products")).text)
        answer = await http.post("/console/stores", data={"csrf_token": token, "name": "New"})
        assert answer.status_code == 403
