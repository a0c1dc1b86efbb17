"""`GET /api/products/<id>`: a store product, its canonical link and the image it shows."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from catalog.models import ResolvedImage
from edge.errors import NotFound
from edge.http import payloads
from edge.http.auth import require_actor
from edge.http.encoding import json_response
from edge.http.routes import parse_product_id, services


async def get_product(request: Request) -> Response:
    """The curator reads any product; a store only its own."""
    svc = services(request)
    product_id = parse_product_id(request.path_params["product"])
    actor = await require_actor(request, svc.settings, svc.catalog)
    product = await svc.images.product(actor, product_id)
    try:
        image: ResolvedImage | None = await svc.resolver.resolve(product_id)
    except NotFound:
        image = None
    # private: the answer depends on who asks, so a shared cache must not keep it.
    headers = {"cache-control": f"private, max-age={svc.settings.server.api_max_age_s}"}
    return json_response(
        payloads.product(product, image, svc.settings.server.url_base), headers=headers
    )
