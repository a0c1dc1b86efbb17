"""Change notifications: a signed JSON event to the configured URL whenever the image a
store product shows changes, so a CDN purge or a storefront cache can react.

The hook is the one every resolution change already goes through: a catalog write that
may change what a product shows announces a `ResolutionChange`; with webhooks on, the
catalog also records that change in the same transaction (`WebhookOutbox`), so a change
is never committed without its record, nor recorded without its commit. Then, in the
edge process:

1. `dispatch` claims recorded changes, finds the products they concern (a canonical
   product's change concerns every product linked to it), resolves each and compares
   the shown version with the one last announced: a product whose image changed (or
   which now shows none) gets one event (`product.image_changed`), stored as a pending
   delivery with its exact body; the changes are consumed in the same transaction.
   A product never announced before gets an event only when it shows an image.
2. `deliver` claims due deliveries and POSTs each (signed, `edge.application.signing`)
   through the SSRF gates of remote images. A 2xx delivers it; anything else is tried
   again after `backoff_s * 2**(attempt-1)` (at most `backoff_max_s`), until
   `max_attempts`, then it ends as failed. A URL refused by policy (a non-public
   address) fails at once: trying again would not help.

Claims are leased (a crashed process's work comes back when the lease ends) and taken
with SKIP LOCKED on PostgreSQL, so several edge processes share the work; delivery is
at least once (a receiver should dedupe by the event `id`). Time is the `clock`'s.
"""

from __future__ import annotations

import logging
import secrets
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Annotated, Literal, Protocol

import anyio
import msgspec

from catalog.errors import CatalogError
from catalog.models import (
    Delivery,
    DeliveryStatus,
    NewDelivery,
    Resolution,
    ResolutionChange,
    Store,
    StoreWebhook,
    WatchedProduct,
)
from catalog.repository import CatalogRepository, WebhookOutbox
from edge.application.actors import Actor
from edge.application.signing import SIGNATURE_HEADER, sign
from edge.errors import BadRequest, NotFound
from edge.imaging.sizes import SIZES
from edge.imaging.urls import img_url
from edge.remote.errors import RemoteFetchError
from edge.remote.post import check_post_url

if TYPE_CHECKING:
    from config import Settings

log = logging.getLogger("imgedge")

EVENT_TYPE: Literal["product.image_changed"] = "product.image_changed"
# Refusals by policy: the URL itself is wrong, so retrying cannot help.
_POLICY_CODES = frozenset({"bad_url", "host_not_allowed", "address_not_public"})
# (url, body, headers) → the answer's HTTP status; RemoteFetchError when there is none.
PRUNE_EVERY = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class _Refused:
    """A delivery that must not be sent, and why (its error)."""

    error: str


_GONE = _Refused("endpoint_gone: the URL is no longer configured")
Send = Callable[[str, bytes, Mapping[str, str]], Awaitable[int]]
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


class Outbox(WebhookOutbox, Protocol):
    """What webhooks need of the catalog: its outbox, and resolving products."""

    async def resolve_many(self, product_ids: Sequence[int]) -> dict[int, Resolution]: ...


@dataclass(frozen=True, slots=True)
class WebhookPolicy:
    url: str | None  # the operator's receiver (None: stores' own only)
    secret: str | None  # signs the operator's deliveries
    stores: bool = False  # stores may register their own endpoint
    store_hosts: frozenset[str] = frozenset()  # the hosts they may name (empty: any)
    max_attempts: int = 8
    backoff_s: float = 10.0
    backoff_max_s: float = 3600.0
    poll_s: float = 2.0
    keep: timedelta = timedelta(days=30)  # finished deliveries are kept this long
    lease_s: float = 60.0  # a claim's lease: longer than one attempt's deadline
    batch: int = 50  # changes per claim
    sends: int = 10  # deliveries per claim, sent at once

    @classmethod
    def from_settings(cls, settings: Settings) -> WebhookPolicy | None:
        """None while webhooks are off (no URL, no store endpoints)."""
        w = settings.webhooks
        if not w.enabled:
            return None
        return cls(
            url=w.url,
            secret=w.secret,
            stores=w.stores,
            store_hosts=w.store_host_set,
            max_attempts=w.max_attempts,
            backoff_s=w.backoff_s,
            backoff_max_s=w.backoff_max_s,
            poll_s=w.poll_s,
            keep=timedelta(days=w.keep_days),
            lease_s=w.timeout_s + 30.0,
        )

    def backoff(self, attempts: int) -> timedelta:
        """The wait after the `attempts`-th failed try."""
        exponent = min(attempts - 1, 60)  # 2**60 s is past any cap
        return timedelta(seconds=min(self.backoff_s * 2**exponent, self.backoff_max_s))


class WebhookEvent(msgspec.Struct, forbid_unknown_fields=True):
    """The body of every event (`product.image_changed`), as sent and signed."""

    id: Annotated[str, msgspec.Meta(description="Unique per event: dedupe retries by it")]
    type: Literal["product.image_changed"]
    time: Annotated[str, msgspec.Meta(description="When the change was seen (UTC, ISO 8601)")]
    store_id: int
    store_product_ids: Annotated[
        list[int], msgspec.Meta(description="The store products whose shown image changed")
    ]
    external_id: Annotated[str, msgspec.Meta(description="The store's own id of the product")]
    version: Annotated[str | None, msgspec.Meta(description="null: it shows no image now")]
    urls: Annotated[
        dict[str, str] | None,
        msgspec.Meta(description="The new versioned /img URL per size; null: no image"),
    ]


def event_body(
    product: WatchedProduct, version: str | None, base_url: str, now: datetime, event_id: str
) -> str:
    """The event's JSON text: what is stored, signed and sent, byte for byte."""
    urls = None
    if version is not None:
        urls = {size: img_url(base_url, product.id, size, version) for size in SIZES}
    event = WebhookEvent(
        id=event_id,
        type=EVENT_TYPE,
        time=now.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        store_id=product.store_id,
        store_product_ids=[product.id],
        external_id=product.external_id,
        version=version,
        urls=urls,
    )
    return msgspec.json.encode(event).decode()


def _changed(product: WatchedProduct, version: str | None) -> bool:
    if product.announced:
        return product.announced_version != version
    return version is not None  # never announced: only an image is news


class Webhooks:
    def __init__(
        self,
        catalog: Outbox,
        policy: WebhookPolicy,
        send: Send,
        base_url: str = "",
        *,
        clock: Clock = utc_now,
        new_id: Callable[[], str] = lambda: f"evt_{uuid.uuid4().hex}",
    ) -> None:
        self._catalog = catalog
        self._policy = policy
        self._send = send
        self._base_url = base_url
        self._clock = clock
        self._new_id = new_id
        self._wake = anyio.Event()
        self._pruned_at: datetime | None = None

    def wake(self, change: ResolutionChange | None = None) -> None:
        """A catalog listener: a change may have been recorded, look now."""
        self._wake.set()

    async def dispatch(self) -> int:
        """Turn one batch of recorded changes into deliveries; how many changes it took
        (0: none was waiting, or another process is dispatching)."""
        now = self._clock()
        until = now + timedelta(seconds=self._policy.lease_s)
        claimed = await self._catalog.claim_webhook_changes(
            self._policy.batch, now=now, until=until
        )
        if not claimed:
            return 0
        product_ids = [c.change.product_id for c in claimed if c.change.product_id is not None]
        canonical_ids = [
            c.change.canonical_product_id
            for c in claimed
            if c.change.canonical_product_id is not None
        ]
        watched = await self._catalog.webhook_products(product_ids, canonical_ids)
        resolved = await self._catalog.resolve_many([w.id for w in watched])
        shown: dict[int, str | None] = {}
        changed: list[tuple[WatchedProduct, str | None]] = []
        for product in watched:
            resolution = resolved.get(product.id)
            image = resolution.image if resolution is not None else None
            version = image.version if image is not None else None
            shown[product.id] = version
            if _changed(product, version):
                changed.append((product, version))
        await self._catalog.enqueue_webhooks(
            [c.id for c in claimed], await self._events(changed, now), shown, now=self._clock()
        )
        return len(claimed)

    async def _events(
        self, changed: Sequence[tuple[WatchedProduct, str | None]], now: datetime
    ) -> list[NewDelivery]:
        """One delivery per changed product and receiver: the operator's URL, and the
        store's own endpoint if it has one."""
        endpoints: Mapping[int, StoreWebhook] = {}
        if self._policy.stores and changed:
            endpoints = await self._catalog.store_webhooks(sorted({p.store_id for p, _ in changed}))
        deliveries: list[NewDelivery] = []
        for product, version in changed:
            targets = [(self._policy.url, False)]
            if (endpoint := endpoints.get(product.store_id)) is not None:
                targets.append((endpoint.url, True))
            for url, own in targets:
                if url is None:
                    continue
                event_id = self._new_id()  # one per receiver: each dedupes its own
                body = event_body(product, version, self._base_url, now, event_id)
                deliveries.append(
                    NewDelivery(event_id, EVENT_TYPE, product.store_id, product.id, url, body, own)
                )
        return deliveries

    async def deliver(self) -> int:
        """Attempt one batch of due deliveries; how many were attempted."""
        now = self._clock()
        until = now + timedelta(seconds=self._policy.lease_s)
        claimed = await self._catalog.claim_webhook_deliveries(
            self._policy.sends, now=now, until=until
        )
        stores = {d.store_id for d in claimed if d.store_endpoint}
        endpoints = await self._catalog.store_webhooks(list(stores)) if stores else {}
        # At once, each under its own deadline: the lease (deadline + 30 s) covers them all.
        async with anyio.create_task_group() as tasks:
            for delivery in claimed:
                tasks.start_soon(self._attempt, delivery, self._key(delivery, endpoints))
        return len(claimed)

    def _key(self, delivery: Delivery, endpoints: Mapping[int, StoreWebhook]) -> str | _Refused:
        """The key signing this delivery; `Refused` when its endpoint is gone or changed
        (removed, or another URL with another secret now) or its host is no longer
        allowed."""
        if not delivery.store_endpoint:
            if delivery.url != self._policy.url or self._policy.secret is None:
                return _GONE
            return self._policy.secret
        endpoint = endpoints.get(delivery.store_id)
        if endpoint is None or endpoint.url != delivery.url:
            return _GONE
        try:
            check_post_url(delivery.url, self._policy.store_hosts)
        except RemoteFetchError as exc:
            return _Refused(f"{exc.code}: {exc.message}")
        return endpoint.secret

    async def _attempt(self, delivery: Delivery, secret: str | _Refused) -> None:
        if isinstance(secret, _Refused):
            await self._catalog.finish_webhook_delivery(
                delivery, DeliveryStatus.FAILED, next_attempt_at=self._clock(), error=secret.error
            )
            return
        body = delivery.body.encode()
        headers = {
            SIGNATURE_HEADER: sign(secret, body, self._clock().timestamp()),
            "Imgedge-Event-Id": delivery.event_id,
            "Imgedge-Event-Type": delivery.event_type,
        }
        code: int | None = None
        error: str | None = None
        final = False
        try:
            code = await self._send(delivery.url, body, headers)
            if not 200 <= code < 300:
                error = f"the receiver answered HTTP {code}"
        except RemoteFetchError as exc:
            error = f"{exc.code}: {exc.message}"
            final = exc.code in _POLICY_CODES
        now = self._clock()
        if error is None:
            status, delivered_at = DeliveryStatus.DELIVERED, now
        elif final or delivery.attempts >= self._policy.max_attempts:
            status, delivered_at = DeliveryStatus.FAILED, None
            log.warning("webhook %s given up: %s", delivery.event_id, error)
        else:
            status, delivered_at = DeliveryStatus.PENDING, None
            now += self._policy.backoff(delivery.attempts)
        await self._catalog.finish_webhook_delivery(
            delivery,
            status,
            next_attempt_at=now,
            status_code=code,
            error=error,
            delivered_at=delivered_at,
        )

    async def prune(self) -> None:
        """Forget finished deliveries past `keep`, at most once an hour."""
        now = self._clock()
        if self._pruned_at is None or now - self._pruned_at >= PRUNE_EVERY:
            await self._catalog.prune_webhook_deliveries(now - self._policy.keep)
            self._pruned_at = now

    async def drain(self) -> None:
        """Dispatch and deliver until nothing is left that is due now."""
        while await self.dispatch() + await self.deliver():
            pass

    async def run(self) -> None:
        """Forever: drain, then wait for a change or `poll_s`. NOTIFY and the in-process
        listener are hints; polling guarantees progress (a retry coming due, another
        process's record)."""
        while True:
            self._wake = anyio.Event()
            try:
                await self.drain()
                await self.prune()
            except CatalogError as exc:
                log.warning("webhooks: catalog not answering (%s); trying again", exc)
            except Exception:  # a background task: never take the edge process down
                log.exception("webhooks: dispatch or delivery failed; trying again")
            with anyio.move_on_after(self._policy.poll_s):
                await self._wake.wait()


class Deliveries:
    """Reading the deliveries (whether or not webhooks are on now)."""

    def __init__(self, catalog: Outbox) -> None:
        self._catalog = catalog

    async def list(
        self,
        actor: Actor,
        *,
        store_id: int | None = None,
        status: DeliveryStatus | None = None,
        before_id: int = 0,
        limit: int = 50,
    ) -> list[Delivery]:
        """The curator's view of every delivery (or one store's); a store sees its own."""
        return await self._catalog.list_webhook_deliveries(
            store_id=actor.visible_store(store_id),
            status=status,
            before_id=before_id,
            limit=limit,
        )


class StoreEndpoints:
    """A store's own webhook endpoint (`IMGEDGE_STORE_WEBHOOKS`): registered with a URL,
    answered with a new secret (shown once: it signs that store's events)."""

    def __init__(
        self, catalog: CatalogRepository, enabled: bool, hosts: frozenset[str] = frozenset()
    ) -> None:
        self._catalog = catalog
        self._enabled = enabled
        self._hosts = hosts  # the hosts a URL may name (empty: any)

    def _check_enabled(self) -> None:
        if not self._enabled:
            raise NotFound("stores' own webhooks are off here", code="store_webhooks_off")

    async def register(self, store: Store, url: str) -> StoreWebhook:
        self._check_enabled()
        try:
            checked = str(check_post_url(url, self._hosts))
        except RemoteFetchError as exc:
            raise BadRequest(f"url: {exc.message}", code="invalid_url") from None
        secret = f"whsec_{secrets.token_urlsafe(32)}"
        return await self._catalog.set_store_webhook(store.id, checked, secret)

    async def get(self, store: Store) -> StoreWebhook:
        self._check_enabled()
        found = (await self._catalog.store_webhooks([store.id])).get(store.id)
        if found is None:
            raise NotFound("this store has no webhook", code="webhook_not_found")
        return found

    async def remove(self, store: Store) -> None:
        self._check_enabled()
        if not await self._catalog.delete_store_webhook(store.id):
            raise NotFound("this store has no webhook", code="webhook_not_found")
