"""`GET /api/products/<id>`: a store product, its canonical link and the image it shows."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from catalog.models import ResolvedImage, StoreProduct
from catalog.repository import CatalogError
from edge.errors import NotFound, Unavailable
from edge.http.auth import require_actor
from edge.http.routes import own_product, parse_product_id, services
from edge.imaging.sizes import SIZES


def versioned_urls(product_id: int, version: str) -> dict[str, str]:
    """Versioned `/img` URLs per size: safe to cache for a year, they change with the bytes."""
    return {size: f"/img/{product_id}/{size}?v={version}" for size in SIZES}


def product_payload(product: StoreProduct, image: ResolvedImage | None) -> dict[str, Any]:
    shown = None
    if image is not None:
        shown = {
            "id": image.image_id,
            "source": str(image.source),
            "width": image.width,
            "height": image.height,
            "version": image.version,
            "urls": versioned_urls(product.id, image.version),
        }
    return {
        "id": product.id,
        "store": {"id": product.store_id, "name": product.store_name},
        "external_id": product.external_id,
        "upc": product.upc,
        "gtin": product.gtin,
        "name": product.name,
        "brand": product.brand,
        "canonical_product_id": product.canonical_product_id,
        "match_status": str(product.match_status),
        "match_confidence": product.match_confidence,
        "use_custom_image": product.use_custom_image,
        "image": shown,
    }


async def get_product(request: Request) -> JSONResponse:
    """The curator reads any product; a store only its own."""
    svc = services(request)
    product_id = parse_product_id(request.path_params["product"])
    actor = await require_actor(request, svc.settings, svc.catalog)
    try:
        product = await own_product(svc, actor, product_id)
    except CatalogError as exc:
        raise Unavailable("the catalog is not answering") from exc
    try:
        image: ResolvedImage | None = await svc.resolver.resolve(product_id)
    except NotFound:
        image = None
    # private: the answer depends on who asks, so a shared cache must not keep it.
    headers = {"cache-control": f"private, max-age={svc.settings.api_max_age_s}"}
    return JSONResponse(product_payload(product, image), headers=headers)
