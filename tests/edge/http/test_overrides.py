"""A store's override from a URL (`use_custom_image` with `image_url` or its synced
`image_url`): fetched through the guarded fetcher from a real local HTTP server, stored like
an upload; a refused or failed fetch keeps the canonical image and records why."""

from __future__ import annotations

import dataclasses
import ipaddress
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from config import Settings
from edge.application.images import Images
from edge.demo.photos import PhotoSpec, photo
from edge.http.app import create_app
from edge.imaging.options import Limits
from edge.remote.fetch import FetchPolicy, fetch_image
from edge.services import Services

Fetch = Callable[[str], Awaitable[bytes]]

JPEG = photo(PhotoSpec(640, 480, (0, 120, 60), "bottle"))


class Origin:
    """A real HTTP server on 127.0.0.1 playing a store's image host; counts requests."""

    def __init__(self) -> None:
        self.hits: list[str] = []
        origin = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                origin.hits.append(self.path)
                if self.path.startswith("/redirect"):
                    self.send_response(302)
                    self.send_header("location", self.path.removeprefix("/redirect?to="))
                    self.end_headers()
                    return
                body = JPEG if self.path.endswith(".jpg") else b"<html>not an image</html>"
                self.send_response(200)
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]


@pytest.fixture
def origin() -> Iterator[Origin]:
    o = Origin()
    thread = threading.Thread(target=o.server.serve_forever, daemon=True)
    thread.start()
    yield o
    o.server.shutdown()
    o.server.server_close()


LOOPBACK = ipaddress.ip_address("127.0.0.1")


async def _resolver(host: str, port: int):
    """Test DNS: the store's hosts point at the local origin; its CDN at a private address."""
    table = {"shop.example": "127.0.0.1", "cdn.shop.example": "10.0.0.7"}
    return [ipaddress.ip_address(table.get(host, "127.0.0.1"))]


def _with_fetcher(services: Services, settings: Settings, fetch: Fetch) -> Services:
    """The services with another remote fetcher (and the settings it was made for)."""
    images = Images(services.catalog, services.keeper, Limits.from_settings(settings), fetch)
    return dataclasses.replace(services, settings=settings, images=images)


@pytest.fixture
async def world(services, build, curator, origin) -> AsyncIterator[dict]:
    """Store A's product linked to a canonical image, and a client whose fetcher treats the
    local origin (127.0.0.1) as the one public address; everything else is checked as usual."""
    settings = services.settings.replace(remote_image_hosts="shop.example,cdn.shop.example")
    policy = FetchPolicy(
        allowed_hosts=settings.remote.host_set,
        max_bytes=1024 * 1024,
        timeout_s=2.0,
        max_redirects=2,
    )
    fetch = partial(
        fetch_image,
        policy=policy,
        resolver=_resolver,
        address_allowed=lambda ip: ip == LOOPBACK,
    )
    svc = _with_fetcher(services, settings, fetch)
    key = await build.store_key("A")
    product = await build.product(store="A")
    app = create_app(settings, services=svc)
    app.state.services = svc
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://edge.test") as http:
        yield {
            "http": http,
            "svc": svc,
            "product": product,
            "store": {"authorization": f"Bearer {key}"},
            "url": f"/api/products/{product.id}/images",
            "origin": f"http://shop.example:{origin.port}",
        }


async def _use(w: dict, image_url: str | None = None) -> httpx.Response:
    body = {"action": "use_custom_image"}
    if image_url is not None:
        body["image_url"] = image_url
    return await w["http"].patch(w["url"], json=body, headers=w["store"])


async def _state(w: dict) -> dict:
    return (await w["http"].get(w["url"], headers=w["store"])).json()


async def test_a_fetched_url_becomes_the_products_own_image(world, origin):
    canonical = await _state(world)
    r = await _use(world, f"{world['origin']}/photos/own.jpg")
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["source"], body["use_custom_image"], body["image_fetch_error"]) == (
        "custom",
        True,
        None,
    )
    image = body["images"][0]
    assert (image["width"], image["height"], image["media_type"]) == (640, 480, "image/jpeg")
    assert origin.hits == ["/photos/own.jpg"]
    served = await world["http"].get(f"/img/{world['product'].id}/small.jpg")
    assert image["version"] in served.headers["etag"]
    assert canonical["images"][0]["version"] not in served.headers["etag"]


async def test_the_synced_image_url_is_used_when_none_is_given(world, origin):
    svc, product = world["svc"], world["product"]
    await svc.catalog.upsert_store_product(
        store_id=product.store_id,
        external_id=product.external_id,
        upc=None,
        gtin=None,
        name=product.name,
        image_url=f"{world['origin']}/sync/item.jpg",
    )
    r = await _use(world)
    assert (r.status_code, r.json()["source"]) == (200, "custom"), r.text
    assert origin.hits == ["/sync/item.jpg"]


@pytest.mark.parametrize(
    ("url", "status", "code", "reaches_origin"),
    [
        ("http://127.0.0.1:{port}/x.jpg", 422, "image_url_host_not_allowed", False),
        ("http://169.254.169.254/latest/meta-data/", 422, "image_url_host_not_allowed", False),
        ("http://shop.example@evil.test:{port}/x.jpg", 422, "image_url_bad_url", False),
        ("http://shop.example.evil.test:{port}/x.jpg", 422, "image_url_host_not_allowed", False),
        ("http://cdn.shop.example:{port}/x.jpg", 422, "image_url_address_not_public", False),
        # The allowed host redirects to a private address, then to a host off the list.
        (
            "{origin}/redirect?to=http://cdn.shop.example:{port}/x.jpg",
            422,
            "image_url_address_not_public",
            True,
        ),
        (
            "{origin}/redirect?to=http://127.0.0.1:{port}/x.jpg",
            422,
            "image_url_host_not_allowed",
            True,
        ),
        ("{origin}/page.html", 415, "unsupported_type", True),
        ("http://shop.example:1/x.jpg", 502, "image_url_connect_failed", False),
    ],
)
async def test_refused_or_failed_fetches_keep_the_canonical_image(
    world, origin, url, status, code, reaches_origin
):
    before = await _state(world)
    r = await _use(world, url.format(port=origin.port, origin=world["origin"]))
    assert (r.status_code, r.json()["error"]["code"]) == (status, code), r.text
    after = await _state(world)
    assert after["images"] == before["images"]
    assert (after["source"], after["use_custom_image"]) == ("canonical", False)
    assert after["image_fetch_error"].split(":")[0] in code
    assert bool(origin.hits) == reaches_origin
    # Only the first hop ever reaches the origin; the refused redirect target never does.
    assert "/x.jpg" not in origin.hits
    # A later success clears the recorded reason.
    r = await _use(world, f"{world['origin']}/ok.jpg")
    assert r.status_code == 200 and r.json()["image_fetch_error"] is None


async def test_the_default_fetcher_refuses_loopback_even_for_an_allowed_host(
    services, build, curator, origin
):
    """No test hooks: `localhost` on the allowlist still resolves to 127.0.0.1, refused
    before any connection."""
    settings = services.settings.replace(remote_image_hosts="localhost")
    fetch = partial(fetch_image, policy=FetchPolicy.from_settings(settings))
    svc = _with_fetcher(services, settings, fetch)
    product = await build.product()
    app = create_app(settings, services=svc)
    app.state.services = svc
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://edge.test"
    ) as http:
        r = await http.patch(
            f"/api/products/{product.id}/images",
            json={
                "action": "use_custom_image",
                "image_url": f"http://localhost:{origin.port}/x.jpg",
            },
            headers=curator,
        )
    assert (r.status_code, r.json()["error"]["code"]) == (422, "image_url_address_not_public")
    assert origin.hits == []
    stored = await services.catalog.get_store_product(product.id)
    assert stored.image_fetch_error.startswith("address_not_public")
    assert stored.use_custom_image is False
