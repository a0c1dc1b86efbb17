"""`GET /api/products/<id>`: a store product, its canonical link and the image it shows."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse

from catalog.models import ResolvedImage
from edge.errors import NotFound
from edge.http.auth import require_actor
from edge.http.payloads import product_payload
from edge.http.routes import parse_product_id, services


async def get_product(request: Request) -> JSONResponse:
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
    headers = {"cache-control": f"private, max-age={svc.settings.api_max_age_s}"}
    return JSONResponse(product_payload(product, image), headers=headers)
