"""`GET|PATCH|DELETE /api/products/<id>/images`: the images a product shows, and changes.

- `GET`: the images the product shows (its custom images when the override is on and it
  has some, else its canonical product's), primary first, with versioned URLs per size.
- `PATCH {action: set_primary, imageId}` / `{action: reorder, imageIds, source?}` (the
  full list of the shown set, or of `source`: custom|canonical) /
  `{action: use_custom_image, imageUrl?}` (turn the override on; with a URL, or the
  product's synced `image_url` when it has no custom image yet, the image is fetched
  first) / `{action: use_canonical_image}` (turn it off).
- `DELETE ?imageId=N`: remove one image; the next becomes primary; the original leaves
  storage only when no image references its bytes any more.
The curator may do everything; a store acts on its own products' custom images and
override only. Canonical images are the curator's.
"""

from __future__ import annotations

import logging
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from catalog.models import ImageOwner, ImageSource, ProductImage, StoreProduct
from catalog.repository import CatalogError, ConflictError, NotFoundError
from catalog.sql_catalog import owner_change
from edge.application.overrides import use_image_url
from edge.errors import BadRequest, Conflict, Forbidden, NotFound, Unavailable
from edge.http.auth import Actor, require_actor
from edge.http.routes import (
    is_id,
    own_product,
    parse_product_id,
    positive_int,
    read_json_object,
    services,
)
from edge.http.routes.products import versioned_urls
from edge.http.routes.uploads import image_payload
from edge.services import Services
from edge.storage.originals import OriginalsError

log = logging.getLogger("imgedge")

ACTIONS = ("set_primary", "reorder", "use_custom_image", "use_canonical_image")
MAX_REORDER = 1000


async def shown_images(svc: Services, product: StoreProduct) -> list[ProductImage]:
    """The images `/img` chooses from for this product, primary first.

    Which set that is (custom or canonical) is the catalog's resolution rule, asked here
    rather than restated, so the listing and `/img` cannot disagree."""
    resolution = await svc.catalog.resolve(product.id)
    shown = resolution.image if resolution is not None else None
    if shown is None:
        return []
    if shown.source is ImageSource.CUSTOM:
        return await svc.catalog.list_images(ImageOwner(store_product_id=product.id))
    return await svc.catalog.list_images(
        ImageOwner(canonical_product_id=resolution.canonical_product_id)
    )


async def images_body(svc: Services, product: StoreProduct) -> dict[str, Any]:
    images = await shown_images(svc, product)
    return {
        "product_id": product.id,
        "use_custom_image": product.use_custom_image,
        "image_fetch_error": product.image_fetch_error,
        "source": str(images[0].source) if images else None,
        "images": [
            image_payload(i) | {"urls": versioned_urls(product.id, i.version)} for i in images
        ],
    }


def _check_may_change(actor: Actor, owner: ImageOwner) -> None:
    if owner.canonical_product_id is not None and not actor.is_curator:
        raise Forbidden("only a curator changes canonical images", code="curator_only")


async def _image_of(svc: Services, product: StoreProduct, image_id: int) -> ProductImage:
    image = await svc.catalog.get_image(image_id)
    belongs = image is not None and (
        image.store_product_id == product.id
        or (
            image.canonical_product_id is not None
            and image.canonical_product_id == product.canonical_product_id
        )
    )
    if image is None or not belongs:
        raise NotFound(f"product {product.id} has no image {image_id}", code="image_not_found")
    return image


async def _authorized_product(request: Request, svc: Services) -> tuple[Actor, StoreProduct]:
    product_id = parse_product_id(request.path_params["product"])
    actor = await require_actor(request, svc.settings, svc.catalog)
    try:
        return actor, await own_product(svc, actor, product_id)
    except CatalogError as exc:
        raise Unavailable("the catalog is not answering") from exc


async def _answer(svc: Services, product: StoreProduct) -> JSONResponse:
    try:
        body = await images_body(svc, product)
    except CatalogError as exc:
        raise Unavailable("the catalog is not answering") from exc
    return JSONResponse(body, headers={"cache-control": "no-store"})


async def _answer_changed(svc: Services, product_id: int) -> JSONResponse:
    """The answer after a change: the product is read again (its override may have moved)."""
    try:
        product = await svc.catalog.get_store_product(product_id)
    except CatalogError as exc:
        raise Unavailable("the catalog is not answering") from exc
    if product is None:  # deleted meanwhile
        raise NotFound(f"no product {product_id}", code="product_not_found")
    return await _answer(svc, product)


async def get_images(request: Request) -> JSONResponse:
    svc = services(request)
    _, product = await _authorized_product(request, svc)
    return await _answer(svc, product)


def _reorder_ids(body: dict[str, Any]) -> list[int]:
    ids = body.get("imageIds")
    if (
        not isinstance(ids, list)
        or not 0 < len(ids) <= MAX_REORDER
        or not all(is_id(i) for i in ids)
    ):
        raise BadRequest("imageIds must be a list of image ids", code="invalid_field")
    return ids


def _reorder_owner(
    body: dict[str, Any], product: StoreProduct, shown: list[ProductImage]
) -> ImageOwner:
    source = body.get("source")
    if source is None:
        if not shown:
            raise Conflict("the product shows no images to order", code="no_images")
        return shown[0].owner
    if source == str(ImageSource.CUSTOM):
        return ImageOwner(store_product_id=product.id)
    if source == str(ImageSource.CANONICAL) and product.canonical_product_id is not None:
        return ImageOwner(canonical_product_id=product.canonical_product_id)
    raise BadRequest(
        "source must be custom or canonical (of a linked product)", code="invalid_field"
    )


async def patch_images(request: Request) -> JSONResponse:
    svc = services(request)
    actor, product = await _authorized_product(request, svc)
    body = await read_json_object(request)
    action = body.get("action")
    if action not in ACTIONS:
        raise BadRequest(f"action must be one of {', '.join(ACTIONS)}", code="invalid_action")
    try:
        if action == "set_primary":
            image = await _image_of(svc, product, positive_int(body, "imageId"))
            _check_may_change(actor, image.owner)
            await svc.catalog.set_primary_image(image.id)
            changed = image.owner
        elif action == "reorder":
            ids = _reorder_ids(body)
            owner = _reorder_owner(body, product, await shown_images(svc, product))
            _check_may_change(actor, owner)
            try:
                await svc.catalog.reorder_images(owner, ids)
            except ConflictError:
                raise BadRequest(
                    "imageIds must name each of the images once, and only those",
                    code="invalid_order",
                ) from None
            changed = owner
        elif action == "use_custom_image":
            await _use_custom_image(svc, product, body)
            changed = ImageOwner(store_product_id=product.id)
        else:
            await svc.catalog.set_use_custom_image(product.id, False)
            changed = ImageOwner(store_product_id=product.id)
    except CatalogError as exc:
        raise Unavailable("the catalog is not answering") from exc
    # This process sees its own change at once, before the change feed echoes it.
    svc.resolver.apply(owner_change(changed.canonical_product_id, changed.store_product_id))
    return await _answer_changed(svc, product.id)


async def _use_custom_image(svc: Services, product: StoreProduct, body: dict[str, Any]) -> None:
    url = body.get("imageUrl")
    if url is not None and (not isinstance(url, str) or not 0 < len(url) <= 2048):
        raise BadRequest("imageUrl must be a URL string", code="invalid_field")
    if url is None:
        has_custom = await svc.catalog.list_images(ImageOwner(store_product_id=product.id))
        if not has_custom:
            url = product.image_url
            if url is None:
                raise Conflict(
                    "the product has no custom image: upload one or give imageUrl",
                    code="no_custom_image",
                )
    if url is not None:
        await use_image_url(svc, product.id, url)
    await svc.catalog.set_use_custom_image(product.id, True)


async def delete_image(request: Request) -> JSONResponse:
    svc = services(request)
    actor, product = await _authorized_product(request, svc)
    raw = request.query_params.get("imageId", "")
    if not raw.isdigit() or not 0 < len(raw) <= 18 or int(raw) == 0:
        raise BadRequest("imageId must be a positive integer", code="invalid_field")
    try:
        image = await _image_of(svc, product, int(raw))
        _check_may_change(actor, image.owner)
        try:
            _, still_used = await svc.catalog.delete_image(image.id)
        except NotFoundError:  # deleted by a concurrent request
            raise NotFound(f"no image {image.id}", code="image_not_found") from None
    except CatalogError as exc:
        raise Unavailable("the catalog is not answering") from exc
    svc.resolver.apply(owner_change(image.canonical_product_id, image.store_product_id))
    if not still_used:
        try:
            await svc.originals.delete(image.content_hash)
        except OriginalsError:  # an orphan file wastes space but breaks nothing
            log.warning("could not remove original %s", image.content_hash, exc_info=True)
    return await _answer_changed(svc, product.id)
