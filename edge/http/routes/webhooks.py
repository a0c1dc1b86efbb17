"""Change notifications (the rules live in `edge.application.webhooks`):

- `GET /api/webhooks/deliveries[?store=<id>][&status=…][&before=<id>][&limit=N]`: sent
  or waiting, newest first, each with its event and its last attempt's outcome. A store
  sees its own only.
- `PUT /api/webhook {url}` (a store's key): the store's own endpoint, answered with its
  new secret, shown once; `GET` shows it (no secret), `DELETE` removes it."""

from __future__ import annotations

import msgspec
from starlette.requests import Request
from starlette.responses import Response

from catalog.models import Delivery, DeliveryStatus
from edge.application.webhooks import WebhookEvent
from edge.errors import BadRequest
from edge.http.auth import require_actor, require_store
from edge.http.bodies import (
    IssuedWebhook,
    StoreWebhookBody,
    WebhookDelivery,
    WebhookDeliveryPage,
    WebhookRegistration,
)
from edge.http.decoding import read_body
from edge.http.encoding import json_response
from edge.http.ids import parse_id, parse_int
from edge.http.routes import services

MAX_PAGE = 100
DEFAULT_PAGE = 50


def delivery_body(d: Delivery, *, curator: bool) -> WebhookDelivery:
    """A store is not told why the operator's receiver failed (its errors name the
    operator's hosts), only that it did, with its status."""
    return WebhookDelivery(
        id=d.id,
        event=msgspec.json.decode(d.body, type=WebhookEvent),
        status=d.status.value,
        endpoint="store" if d.store_endpoint else "operator",
        attempts=d.attempts,
        next_attempt_at=d.next_attempt_at if d.status is DeliveryStatus.PENDING else None,
        last_status_code=d.last_status_code,
        last_error=d.last_error
        if curator or d.store_endpoint or d.last_error is None
        else "the operator's receiver did not take it",
        created_at=d.created_at,
        delivered_at=d.delivered_at,
    )


async def list_deliveries(request: Request) -> Response:
    svc = services(request)
    actor = await require_actor(request, svc.settings, svc.catalog)
    q = request.query_params
    store = parse_id(q["store"], "store", code="invalid_field") if q.get("store") else None
    raw_status = q.get("status")
    try:
        status = DeliveryStatus(raw_status) if raw_status else None
    except ValueError:
        allowed = ", ".join(s.value for s in DeliveryStatus)
        raise BadRequest(f"status must be one of {allowed}", code="invalid_field") from None
    before = parse_int(q.get("before", "0"), "before")
    limit = parse_int(q.get("limit", str(DEFAULT_PAGE)), "limit")
    if not 0 < limit <= MAX_PAGE:
        raise BadRequest(f"limit must be from 1 to {MAX_PAGE}", code="invalid_field")
    found = await svc.deliveries.list(
        actor, store_id=store, status=status, before_id=before, limit=limit
    )
    page = WebhookDeliveryPage(
        [delivery_body(d, curator=actor.is_curator) for d in found],
        found[-1].id if len(found) == limit else None,
    )
    return json_response(page, headers={"cache-control": "private, no-store"})


async def put_webhook(request: Request) -> Response:
    svc = services(request)
    store = await require_store(request, svc.catalog)
    body = await read_body(request, WebhookRegistration)
    registered = await svc.store_endpoints.register(store, body.url)
    # The secret is shown this once: no cache anywhere may keep the answer.
    answer = IssuedWebhook(registered.url, registered.secret, registered.created_at)
    return json_response(answer, headers={"cache-control": "no-store"})


async def get_webhook(request: Request) -> Response:
    svc = services(request)
    found = await svc.store_endpoints.get(await require_store(request, svc.catalog))
    answer = StoreWebhookBody(found.url, found.created_at)
    return json_response(answer, headers={"cache-control": "private, no-store"})


async def delete_webhook(request: Request) -> Response:
    svc = services(request)
    await svc.store_endpoints.remove(await require_store(request, svc.catalog))
    return Response(status_code=204)
