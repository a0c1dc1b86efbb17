"""Canonical products for the curator (the rules live in `edge.application.review`):

- `GET /api/canonical-products[?provisional=true|false][&store_named=true|false]
  [&after=<id>][&limit=N]`: by id, a page at a time (e.g. the provisional products the
  matcher made, or those a sync named after a store's title).
- `POST /api/canonical-products/<id>/merge {into}`: fold one into another.
- `PATCH /api/canonical-products/<id> {name?, brand?}`: repair its name or brand (or,
  with neither, vouch for them): the name is a curator's from then on (not `store_named`).
- `DELETE /api/canonical-products/<id>`: delete one no store product links to (409
  `canonical_in_use`, with the count, while some do), with its images."""

from __future__ import annotations

from msgspec import UnsetType
from starlette.requests import Request
from starlette.responses import Response

from catalog.models import CanonicalProduct
from edge.application.review import KEEP
from edge.errors import BadRequest
from edge.http.auth import require_actor
from edge.http.bodies import (
    CanonicalProductBody,
    CanonicalProductPage,
    CanonicalProductPatch,
    MergeRequest,
)
from edge.http.decoding import read_body
from edge.http.encoding import json_response
from edge.http.ids import parse_int
from edge.http.routes import parse_product_id, services

MAX_PAGE = 500


def _body(c: CanonicalProduct) -> CanonicalProductBody:
    return CanonicalProductBody(
        id=c.id,
        gtin=c.gtin,
        name=c.name,
        brand=c.brand,
        image_count=c.image_count,
        product_count=c.product_count,
        provisional=c.provisional,
        store_named=c.store_named,
    )


def _query(request: Request) -> tuple[bool | None, bool | None, int, int]:
    q = request.query_params
    after = parse_int(q.get("after", "0"), "after")
    limit = parse_int(q.get("limit", "100"), "limit")
    if not 0 < limit <= MAX_PAGE:
        raise BadRequest(f"limit must be from 1 to {MAX_PAGE}", code="invalid_field")
    return (
        _flag(q.get("provisional", ""), "provisional"),
        _flag(q.get("store_named", ""), "store_named"),
        after,
        limit,
    )


def _flag(value: str, name: str) -> bool | None:
    flags = {"": None, "true": True, "false": False}
    if value not in flags:
        raise BadRequest(f"{name} must be true or false", code="invalid_field")
    return flags[value]


async def list_canonical(request: Request) -> Response:
    svc = services(request)
    actor = await require_actor(request, svc.settings, svc.catalog)
    provisional, store_named, after, limit = _query(request)
    found = await svc.review.canonical_products(
        actor, provisional=provisional, store_named=store_named, after_id=after, limit=limit
    )
    next_after = found[-1].id if len(found) == limit else None
    return json_response(CanonicalProductPage([_body(c) for c in found], next_after))


async def merge_canonical(request: Request) -> Response:
    svc = services(request)
    source_id = parse_product_id(request.path_params["canonical"], "canonical product")
    actor = await require_actor(request, svc.settings, svc.catalog)
    body = await read_body(request, MergeRequest)
    merged = await svc.review.merge(actor, source_id, body.into)
    return json_response(_body(merged))


async def patch_canonical(request: Request) -> Response:
    svc = services(request)
    canonical_id = parse_product_id(request.path_params["canonical"], "canonical product")
    actor = await require_actor(request, svc.settings, svc.catalog)
    actor.check_curator("renames canonical products")  # before the body is judged
    body = await read_body(request, CanonicalProductPatch)
    renamed = await svc.review.rename(
        actor,
        canonical_id,
        name=None if isinstance(body.name, UnsetType) else body.name,
        brand=KEEP if isinstance(body.brand, UnsetType) else body.brand,
    )
    return json_response(_body(renamed))


async def delete_canonical(request: Request) -> Response:
    svc = services(request)
    canonical_id = parse_product_id(request.path_params["canonical"], "canonical product")
    actor = await require_actor(request, svc.settings, svc.catalog)
    await svc.review.delete_canonical(actor, canonical_id)
    return Response(status_code=204)
