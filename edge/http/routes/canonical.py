"""`POST /api/canonical-products/<id>/merge {into}`: the curator folds one canonical
product into another (the rules live in `edge.application.review`)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from edge.http.auth import require_actor
from edge.http.bodies import CanonicalProductBody, MergeRequest
from edge.http.decoding import read_body
from edge.http.encoding import json_response
from edge.http.routes import parse_product_id, services


async def merge_canonical(request: Request) -> Response:
    svc = services(request)
    source_id = parse_product_id(request.path_params["canonical"], "canonical product")
    actor = await require_actor(request, svc.settings, svc.catalog)
    body = await read_body(request, MergeRequest)
    merged = await svc.review.merge(actor, source_id, body.into)
    return json_response(
        CanonicalProductBody(
            id=merged.id,
            gtin=merged.gtin,
            name=merged.name,
            brand=merged.brand,
            image_count=merged.image_count,
            product_count=merged.product_count,
            provisional=merged.provisional,
        )
    )
