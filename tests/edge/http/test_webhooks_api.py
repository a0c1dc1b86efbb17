"""End to end: a store uploads a new primary through the API, the receiver gets the signed
event with the new versioned URLs, and `GET /api/webhooks/deliveries` shows it (a store
its own only). On both catalog backends."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import AsyncIterator

import httpx
import pytest

from config import Settings
from edge.application.signing import SIGNATURE_HEADER, verify
from edge.application.webhooks import WebhookPolicy, Webhooks
from edge.demo.photos import PhotoSpec, photo
from edge.http.app import create_app
from edge.imaging.sizes import SIZES
from edge.services import Services
from tests.edge.application.receiver import SECRET, Receiver, hooked_settings, loopback_sender

pytestmark = pytest.mark.parametrize("settings", ["sqlite", "postgresql"], indirect=True)


@pytest.fixture
def settings(settings: Settings, receiver: Receiver) -> Settings:
    return hooked_settings(settings, receiver, store_webhooks=True)


@pytest.fixture
async def hooked(services: Services) -> AsyncIterator[tuple[httpx.AsyncClient, Webhooks]]:
    """A client on services whose webhook sender lets the loopback receiver through (the
    production gate refuses it); the test drains the webhooks instead of a background task."""
    policy = WebhookPolicy.from_settings(services.settings)
    assert policy is not None
    hooks = Webhooks(services.catalog, policy, loopback_sender(), services.settings.server.url_base)
    svc = dataclasses.replace(services, webhooks=hooks)
    app = create_app(services.settings, services=svc)
    app.state.services = svc
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://edge.test") as http:
        yield http, hooks


async def test_an_uploaded_primary_reaches_the_receiver(hooked, build, curator, receiver):
    http, hooks = hooked
    key = await build.store_key("A")
    other = await build.store_key("B")
    product = await build.product(store="A")
    await hooks.drain()  # its canonical image, announced
    receiver.received.clear()
    store = {"authorization": f"Bearer {key}"}
    jpeg = photo(PhotoSpec(640, 480, (20, 160, 90), "box"))
    r = await http.post(
        "/api/images/upload",
        data={"productId": str(product.id), "isPrimary": "true"},
        files=[("file", ("new.jpg", jpeg, "image/jpeg"))],
        headers=store,
    )
    assert r.status_code == 201, r.text
    version = r.json()["images"][0]["version"]
    await hooks.drain()
    [got] = receiver.received
    assert verify(SECRET, got.headers[SIGNATURE_HEADER], got.body, now=time.time())
    event = got.event
    assert (event["type"], event["store_product_ids"], event["version"]) == (
        "product.image_changed",
        [product.id],
        version,
    )
    assert event["urls"] == {s: f"/img/{product.id}/{s}?v={version}" for s in SIZES}
    shown = await http.get(event["urls"]["small"])  # the announced URL serves the new image
    assert shown.status_code == 200 and "immutable" in shown.headers["cache-control"]

    r = await http.get("/api/webhooks/deliveries", headers=store)
    assert r.status_code == 200 and r.headers["cache-control"] == "private, no-store"
    newest, announced_before = r.json()["deliveries"]
    assert (newest["status"], newest["attempts"], newest["last_status_code"]) == (
        "delivered",
        1,
        200,
    )
    assert newest["event"] == event and newest["next_attempt_at"] is None
    assert announced_before["event"]["store_product_ids"] == [product.id]
    # Another store sees none of A's, and may not ask for them; the curator sees all.
    theirs = {"authorization": f"Bearer {other}"}
    r = await http.get("/api/webhooks/deliveries", headers=theirs)
    assert r.status_code == 200 and r.json() == {"deliveries": [], "next_before": None}
    r = await http.get(f"/api/webhooks/deliveries?store={product.store_id}", headers=theirs)
    assert (r.status_code, r.json()["error"]["code"]) == (403, "not_your_store")
    r = await http.get("/api/webhooks/deliveries?limit=1&status=delivered", headers=curator)
    page = r.json()
    assert [d["id"] for d in page["deliveries"]] == [newest["id"]]
    assert page["next_before"] == newest["id"]
    r = await http.get(f"/api/webhooks/deliveries?before={newest['id']}", headers=curator)
    assert [d["id"] for d in r.json()["deliveries"]] == [announced_before["id"]]
    for bad in ("status=sent", "limit=0", "limit=101", "before=-1"):
        r = await http.get(f"/api/webhooks/deliveries?{bad}", headers=curator)
        assert (r.status_code, r.json()["error"]["code"]) == (400, "invalid_field"), bad


async def test_a_store_registers_reads_and_removes_its_own_webhook(
    hooked, build, curator, receiver
):
    http, hooks = hooked
    store = {"authorization": f"Bearer {await build.store_key('A')}"}
    own = receiver.url.replace("/hooks/imgedge", "/mine")
    r = await http.put("/api/webhook", json={"url": own}, headers=store)
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
    issued = r.json()
    assert issued["url"] == own and issued["secret"].startswith("whsec_")
    r = await http.get("/api/webhook", headers=store)
    assert r.json() == {"url": own, "created_at": issued["created_at"]}  # never the secret
    r = await http.put("/api/webhook", json={"url": own}, headers=curator)
    assert (r.status_code, r.json()["error"]["code"]) == (401, "token_invalid")
    r = await http.put("/api/webhook", json={"url": "ftp://a.example/"}, headers=store)
    assert (r.status_code, r.json()["error"]["code"]) == (400, "invalid_url")
    r = await http.put("/api/webhook", json={}, headers=store)
    assert (r.status_code, r.json()["error"]["code"]) == (400, "invalid_field")

    product = await build.product(store="A")
    await hooks.drain()
    [mine] = [x for x in receiver.received if x.path == "/mine"]
    assert mine.event["store_product_ids"] == [product.id]
    assert verify(issued["secret"], mine.headers[SIGNATURE_HEADER], mine.body, now=time.time())
    r = await http.get("/api/webhooks/deliveries", headers=store)
    assert sorted(d["endpoint"] for d in r.json()["deliveries"]) == ["operator", "store"]

    assert (await http.delete("/api/webhook", headers=store)).status_code == 204
    for method in ("GET", "DELETE"):
        r = await http.request(method, "/api/webhook", headers=store)
        assert (r.status_code, r.json()["error"]["code"]) == (404, "webhook_not_found")
