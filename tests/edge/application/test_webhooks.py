"""Change notifications against a real receiver on 127.0.0.1: what is announced, signed,
retried with backoff (a fake clock), given up, and refused by the SSRF gates."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import anyio
import pytest

from catalog.models import DeliveryStatus, ImageOwner, MatchStatus
from config import Settings
from edge.application.signing import SIGNATURE_HEADER, verify
from edge.application.webhooks import WebhookPolicy, Webhooks
from edge.demo.photos import PhotoSpec
from edge.errors import BadRequest, NotFound
from edge.imaging.sizes import SIZES
from edge.remote.addresses import address_is_public
from edge.services import Services
from tests.edge.application.receiver import SECRET, Receiver, hooked_settings, loopback_sender
from tests.edge.remote.local_web import dns

T0 = datetime(2030, 1, 1, tzinfo=UTC)


class FakeClock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def settings(settings: Settings, receiver: Receiver) -> Settings:
    return hooked_settings(
        settings,
        receiver,
        webhook_backoff_s=10.0,
        webhook_max_attempts=4,
        webhook_poll_s=30.0,  # the run loop test relies on the wake-up, not the poll
        public_base_url="https://cdn.example.com",
    )


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def _hooks(svc: Services, clock: FakeClock, url: str | None = None, **send: object) -> Webhooks:
    policy = WebhookPolicy.from_settings(svc.settings)
    assert policy is not None
    if url is not None:
        policy = dataclasses.replace(policy, url=url)
    post = loopback_sender(**send)
    return Webhooks(svc.catalog, policy, post, svc.settings.server.url_base, clock=clock)


@pytest.fixture
def hooks(services: Services, clock: FakeClock) -> Webhooks:
    return _hooks(services, clock)


async def _deliveries(svc: Services):
    return await svc.catalog.list_webhook_deliveries()


async def test_a_changed_image_is_announced_once_signed(services, build, hooks, receiver, clock):
    product = await build.product()
    assert await hooks.dispatch() == 2  # the link and the canonical image: one product
    assert await hooks.deliver() == 1
    [got] = receiver.received
    resolution = await services.catalog.resolve(product.id)
    version = resolution.image.version
    assert got.path == "/hooks/imgedge"
    assert got.headers["Content-Type"] == "application/json"
    assert got.event == {
        "id": got.headers["Imgedge-Event-Id"],
        "type": "product.image_changed",
        "time": "2030-01-01T00:00:00.000Z",
        "store_id": product.store_id,
        "store_product_ids": [product.id],
        "external_id": product.external_id,
        "version": version,
        "urls": {s: f"https://cdn.example.com/img/{product.id}/{s}?v={version}" for s in SIZES},
    }
    signature = got.headers[SIGNATURE_HEADER]
    now = clock().timestamp()
    assert signature.startswith(f"t={int(now)},v1=")
    assert verify(SECRET, signature, got.body, now=now)
    assert not verify(SECRET, signature, got.body.replace(b"medium", b"MEDIUM"), now=now)
    assert not verify("another-secret-entirely", signature, got.body, now=now)
    assert not verify(SECRET, signature, got.body, now=now + 301)  # a replay, later
    [d] = await _deliveries(services)
    assert (d.status, d.attempts, d.last_status_code, d.delivered_at) == (
        DeliveryStatus.DELIVERED,
        1,
        200,
        T0,
    )
    # Recorded changes that leave the shown image as it was announce nothing.
    await services.catalog.set_use_custom_image(product.id, False)  # it was off: the same
    assert await hooks.dispatch() == 1  # taken, and nothing to announce
    assert await hooks.dispatch() == 0  # the changes were consumed
    assert len(await _deliveries(services)) == 1
    assert len(receiver.received) == 1


async def test_a_failed_delivery_is_retried_after_its_backoff(
    services, build, hooks, receiver, clock
):
    receiver.statuses = [500]
    await build.product()
    await hooks.dispatch()
    assert await hooks.deliver() == 1
    [d] = await _deliveries(services)
    assert (d.status, d.attempts, d.last_status_code) == (DeliveryStatus.PENDING, 1, 500)
    assert d.last_error == "the receiver answered HTTP 500"
    assert d.next_attempt_at == T0 + timedelta(seconds=10)
    clock.advance(9.9)
    assert await hooks.deliver() == 0  # not due yet
    clock.advance(0.1)
    assert await hooks.deliver() == 1
    [d] = await _deliveries(services)
    assert (d.status, d.attempts, d.last_status_code) == (DeliveryStatus.DELIVERED, 2, 200)
    assert d.delivered_at == T0 + timedelta(seconds=10)
    first, second = receiver.received
    assert first.body == second.body  # the same event, signed anew for each attempt
    assert first.headers[SIGNATURE_HEADER] != second.headers[SIGNATURE_HEADER]
    assert verify(SECRET, second.headers[SIGNATURE_HEADER], second.body, now=clock().timestamp())


async def test_backoff_doubles_then_the_delivery_is_given_up(
    services, build, hooks, receiver, clock
):
    receiver.statuses = [503] * 10
    await build.product()
    await hooks.dispatch()
    waits = []
    for _ in range(4):  # webhook_max_attempts
        assert await hooks.deliver() == 1
        [d] = await _deliveries(services)
        if d.status is DeliveryStatus.PENDING:
            waits.append((d.next_attempt_at - clock()).total_seconds())
            clock.now = d.next_attempt_at
    assert waits == [10.0, 20.0, 40.0]
    assert (d.status, d.attempts, d.last_status_code) == (DeliveryStatus.FAILED, 4, 503)
    clock.advance(10**6)
    assert await hooks.deliver() == 0
    assert len(receiver.received) == 4
    policy = WebhookPolicy("https://h.example/", SECRET, backoff_s=10, backoff_max_s=300)
    assert [policy.backoff(n).total_seconds() for n in (1, 5, 6, 500)] == [10, 160, 300, 300]


@pytest.mark.parametrize(
    ("url", "sender"),
    [
        # The production gate: loopback is not public, even for the operator's URL.
        ("{receiver}", {"address_allowed": address_is_public}),
        ("http://10.1.2.3:8080/hook", {}),
        ("http://hooks.example/hook", {"resolver": dns(hooks_example="192.168.1.5")}),
    ],
)
async def test_a_non_public_receiver_is_refused_and_given_up_at_once(
    services, build, receiver, clock, url, sender
):
    hooks = _hooks(services, clock, url.format(receiver=receiver.url), **sender)
    await build.product()
    await hooks.dispatch()
    assert await hooks.deliver() == 1
    [d] = await _deliveries(services)
    assert d.status is DeliveryStatus.FAILED and d.attempts == 1
    assert d.last_error.startswith("address_not_public:") and d.last_status_code is None
    assert receiver.received == []


async def test_canonical_changes_reach_every_linked_product_and_no_image_is_null(
    services, build, hooks, receiver
):
    catalog = services.catalog
    a = await build.product(store="A")
    other = await catalog.create_store("B")
    b = await catalog.upsert_store_product(
        store_id=other.id, external_id="b1", upc=None, gtin=None, name="p"
    )
    await catalog.link_store_product(b.id, a.canonical_product_id, MatchStatus.LINKED, 100.0)
    await hooks.drain()
    assert sorted(r.event["store_product_ids"][0] for r in receiver.received) == [a.id, b.id]
    receiver.received.clear()
    owner = {"canonical_product_id": a.canonical_product_id}
    new = await build.image(owner, PhotoSpec(300, 200, (1, 2, 3), "box"), is_primary=True)
    await hooks.drain()
    assert sorted((r.event["store_id"], r.event["version"]) for r in receiver.received) == [
        (a.store_id, new.version),
        (other.id, new.version),
    ]
    receiver.received.clear()
    for image in await catalog.list_images(ImageOwner(**owner)):
        await catalog.delete_image(image.id)
    await hooks.drain()
    assert sorted((r.event["external_id"], r.event["urls"]) for r in receiver.received) == [
        ("b1", None),
        (a.external_id, None),
    ]


async def test_the_background_task_wakes_on_a_change(services, hooks, build, receiver):
    await services.catalog.listen(hooks.wake)
    async with anyio.create_task_group() as tasks:
        tasks.start_soon(hooks.run)
        await anyio.sleep(0.05)  # it has drained (nothing) and waits: poll_s is 30 s
        product = await build.product()
        with anyio.fail_after(10):
            while not receiver.received:  # noqa: ASYNC110 (filled by the receiver's thread)
                await anyio.sleep(0.02)
        tasks.cancel_scope.cancel()
    assert receiver.received[0].event["store_product_ids"] == [product.id]


async def test_finished_deliveries_are_pruned_after_keep_days(services, build, hooks, clock):
    await build.product()
    await hooks.drain()
    await hooks.prune()  # the first prune: nothing is old yet
    assert len(await _deliveries(services)) == 1
    clock.advance(30 * 86400 - 1)
    await hooks.prune()
    assert len(await _deliveries(services)) == 1
    clock.advance(1)
    await hooks.prune()  # past keep_days, but pruned a second ago: once an hour at most
    assert len(await _deliveries(services)) == 1
    clock.advance(3600)
    await hooks.prune()
    assert await _deliveries(services) == []


async def test_a_store_endpoint_gets_its_products_events_signed_with_its_own_secret(
    services, build, receiver, clock
):
    svc = dataclasses.replace(services, settings=services.settings.replace(store_webhooks=True))
    hooks = _hooks(svc, clock)
    a = await build.store_key("A")
    store = await svc.catalog.get_store_by_name("A")
    own_url = receiver.url.replace("/hooks/imgedge", "/store-a")
    endpoint = await svc.store_endpoints.register(store, own_url)
    assert endpoint.secret.startswith("whsec_") and endpoint.secret != SECRET and a
    product = await build.product(store="A")
    await build.product(store="B")  # another store's: the operator's URL only
    await hooks.drain()
    by_path = sorted((r.path, r.event["store_product_ids"][0]) for r in receiver.received)
    assert by_path[-1] == ("/store-a", product.id) and len(by_path) == 3
    [mine] = [r for r in receiver.received if r.path == "/store-a"]
    now = clock().timestamp()
    assert verify(endpoint.secret, mine.headers[SIGNATURE_HEADER], mine.body, now=now)
    assert not verify(SECRET, mine.headers[SIGNATURE_HEADER], mine.body, now=now)
    kinds = sorted(d.store_endpoint for d in await _deliveries(svc))
    assert kinds == [False, False, True]

    # Removed while a delivery waits: it fails, unsent (nobody holds a key to sign it).
    receiver.received.clear()
    receiver.statuses = [500, 500]
    owner = {"canonical_product_id": product.canonical_product_id}
    await build.image(owner, PhotoSpec(200, 100, (4, 5, 6), "box"), is_primary=True)
    await hooks.drain()
    await svc.store_endpoints.remove(store)
    clock.advance(10)
    await hooks.drain()
    newest_own = next(d for d in await _deliveries(svc) if d.store_endpoint)
    assert (newest_own.status, newest_own.attempts, newest_own.last_error) == (
        DeliveryStatus.FAILED,
        2,
        "endpoint_gone: the URL is no longer configured",
    )
    newest_operator = next(d for d in await _deliveries(svc) if not d.store_endpoint)
    assert (newest_operator.status, newest_operator.attempts) == (DeliveryStatus.DELIVERED, 2)
    assert [r.path for r in receiver.received].count("/store-a") == 1  # the first try only
    with pytest.raises(NotFound):
        await svc.store_endpoints.get(store)


async def test_store_endpoints_are_refused_while_off_and_need_a_web_url(services, build):
    await build.store_key("A")
    store = await services.catalog.get_store_by_name("A")
    with pytest.raises(NotFound, match="off"):
        await services.store_endpoints.register(store, "https://a.example/hook")
    on = dataclasses.replace(services, settings=services.settings.replace(store_webhooks=True))
    for url in ("ftp://a.example/", "https://u:p@a.example/", "not a url", "https:///x"):
        with pytest.raises(BadRequest):
            await on.store_endpoints.register(store, url)
    listed = on.settings.replace(store_webhook_hosts="hooks.a.example")
    only = dataclasses.replace(on, settings=listed)
    with pytest.raises(BadRequest, match="not allowed"):
        await only.store_endpoints.register(store, "https://elsewhere.example/hook")
    registered = await only.store_endpoints.register(store, "https://HOOKS.a.example/h")
    assert registered.url == "https://hooks.a.example/h"


async def test_a_store_url_no_longer_allowed_fails_unsent(services, build, receiver, clock):
    on = services.settings.replace(store_webhooks=True, store_webhook_hosts="127.0.0.1")
    svc = dataclasses.replace(services, settings=on)
    await build.store_key("A")
    store = await svc.catalog.get_store_by_name("A")
    await svc.store_endpoints.register(store, receiver.url.replace("/hooks/imgedge", "/a"))
    listed_now = on.replace(store_webhook_hosts="hooks.a.example")  # the list changed since
    hooks = _hooks(dataclasses.replace(svc, settings=listed_now), clock)
    await build.product(store="A")
    await hooks.drain()
    [own] = [d for d in await _deliveries(svc) if d.store_endpoint]
    assert (own.status, own.last_error) == (
        DeliveryStatus.FAILED,
        "host_not_allowed: host 127.0.0.1 is not allowed",
    )
    assert [r.path for r in receiver.received] == ["/hooks/imgedge"]
