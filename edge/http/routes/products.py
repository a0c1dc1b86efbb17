"""Store products:

- `GET /api/products?q=&store=&status=&image=&page=`: a search, a page at a time.
- `GET /api/products/<id>`: a store product, its canonical link and the image it shows."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from catalog.models import ResolvedImage
from config import Settings
from edge.errors import NotFound
from edge.http import payloads
from edge.http.auth import require_actor
from edge.http.encoding import json_response
from edge.http.product_search import parse_product_search
from edge.http.routes import parse_product_id, services


def _private(settings: Settings) -> dict[str, str]:
    """The answer depends on who asks, so a shared cache must not keep it."""
    return {"cache-control": f"private, max-age={settings.server.api_max_age_s}"}


async def list_products(request: Request) -> Response:
    """The curator searches every store's products; a store only its own."""
    svc = services(request)
    actor = await require_actor(request, svc.settings, svc.catalog)
    search, page = parse_product_search(request.query_params)
    listing = await svc.products.search(actor, search, page)
    return json_response(
        payloads.product_list(listing, svc.settings.server.url_base),
        headers=_private(svc.settings),
    )


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
    base = svc.settings.server.url_base
    return json_response(payloads.product(product, image, base), headers=_private(svc.settings))
