"""`PATCH /api/products/<id>/images`: change which image a product shows.

Today: `{"action": "set_primary", "imageId": N}` by a curator, for an image of the
product's canonical product or one of its custom images.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse

from catalog.repository import CatalogError
from catalog.sql_catalog import owner_change
from edge.auth import require_curator
from edge.errors import BadRequest, NotFound, Unavailable
from edge.routes import parse_product_id, positive_int, read_json_object, services
from edge.routes.products import product_response

ACTIONS = ("set_primary",)


async def patch_images(request: Request) -> JSONResponse:
    svc = services(request)
    product_id = parse_product_id(request.path_params["product"])
    await require_curator(request, svc.settings, svc.catalog)
    body = await read_json_object(request)
    if body.get("action") not in ACTIONS:
        raise BadRequest(f"action must be one of {', '.join(ACTIONS)}", code="invalid_action")
    image_id = positive_int(body, "imageId")
    try:
        product = await svc.catalog.get_store_product(product_id)
        if product is None:
            raise NotFound(f"no product {product_id}", code="product_not_found")
        image = await svc.catalog.get_image(image_id)
        belongs = image is not None and (
            image.store_product_id == product_id
            or (
                image.canonical_product_id is not None
                and image.canonical_product_id == product.canonical_product_id
            )
        )
        if image is None or not belongs:
            raise NotFound(f"product {product_id} has no image {image_id}", code="image_not_found")
        await svc.catalog.set_primary_image(image_id)
    except CatalogError as exc:
        raise Unavailable("the catalog is not answering") from exc
    # This process sees its own change at once, before the change feed echoes it.
    svc.resolver.apply(owner_change(image.canonical_product_id, image.store_product_id))
    return await product_response(svc, product_id, cache=False)
