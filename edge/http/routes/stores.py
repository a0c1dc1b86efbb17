"""Stores and their API keys, for the curator (the rules live in `edge.application.stores`):

- `GET /api/stores`: every store, with its product count, last sync and whether a key works.
- `POST /api/stores {name}`: a new store and its key (201), shown this once.
- `POST /api/stores/<id>/key`: a new key (rotate); the old one stops working at once.
- `DELETE /api/stores/<id>/key`: no key works any more (revoke, 204); products stay.
- `GET /api/stores/<id>/key-events`: the store's key audit trail, newest first."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from catalog.models import StoreSummary
from edge.application.stores import BY_API, IssuedKey
from edge.errors import BadRequest
from edge.http.auth import require_actor
from edge.http.bodies import (
    IssuedStoreKey,
    KeyEventBody,
    KeyEventList,
    NewStore,
    StoreBody,
    StoreList,
    StoreRef,
)
from edge.http.decoding import read_body
from edge.http.encoding import json_response
from edge.http.routes import parse_product_id, services
from edge.http.text import printable_problem


def store_body(s: StoreSummary) -> StoreBody:
    return StoreBody(s.id, s.name, s.product_count, s.has_key, s.created_at, s.last_sync_at)


def _issued(issued: IssuedKey, status_code: int = 200) -> Response:
    store = StoreRef(issued.store.id, issued.store.name)
    # The key is a secret: no cache anywhere may keep the answer.
    return json_response(
        IssuedStoreKey(store, issued.key), status_code, headers={"cache-control": "no-store"}
    )


async def list_stores(request: Request) -> Response:
    svc = services(request)
    actor = await require_actor(request, svc.settings, svc.catalog)
    found = await svc.stores.list_stores(actor)
    return json_response(StoreList([store_body(s) for s in found]))


async def create_store(request: Request) -> Response:
    svc = services(request)
    actor = await require_actor(request, svc.settings, svc.catalog)
    actor.check_curator("creates stores")  # before the body is judged
    body = await read_body(request, NewStore)
    if (problem := printable_problem(body.name)) is not None:
        raise BadRequest(f"name {problem}", code="invalid_field")
    return _issued(await svc.stores.create(actor, body.name, by=BY_API), 201)


async def rotate_store_key(request: Request) -> Response:
    svc = services(request)
    store_id = parse_product_id(request.path_params["store"], "store")
    actor = await require_actor(request, svc.settings, svc.catalog)
    return _issued(await svc.stores.rotate(actor, store_id, by=BY_API))


async def revoke_store_key(request: Request) -> Response:
    svc = services(request)
    store_id = parse_product_id(request.path_params["store"], "store")
    actor = await require_actor(request, svc.settings, svc.catalog)
    await svc.stores.revoke(actor, store_id, by=BY_API)
    return Response(status_code=204)


async def list_key_events(request: Request) -> Response:
    svc = services(request)
    store_id = parse_product_id(request.path_params["store"], "store")
    actor = await require_actor(request, svc.settings, svc.catalog)
    events = await svc.stores.key_events(actor, store_id)
    return json_response(
        KeyEventList([KeyEventBody(e.action.value, e.actor, e.at) for e in events])
    )
