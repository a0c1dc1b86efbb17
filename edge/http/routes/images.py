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

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from catalog.models import ImageSource
from edge.application.actors import Actor
from edge.application.images import ShownImages
from edge.errors import BadRequest
from edge.http.auth import require_actor
from edge.http.payloads import shown_images_payload
from edge.http.routes import is_id, parse_product_id, positive_int, read_json_object, services
from edge.services import Services

ACTIONS = ("set_primary", "reorder", "use_custom_image", "use_canonical_image")
MAX_REORDER = 1000


async def _actor_and_product(request: Request) -> tuple[Services, Actor, int]:
    svc = services(request)
    product_id = parse_product_id(request.path_params["product"])
    return svc, await require_actor(request, svc.settings, svc.catalog), product_id


def _answer(shown: ShownImages) -> JSONResponse:
    return JSONResponse(shown_images_payload(shown), headers={"cache-control": "no-store"})


async def get_images(request: Request) -> JSONResponse:
    svc, actor, product_id = await _actor_and_product(request)
    return _answer(await svc.images.shown(actor, product_id))


def _reorder_ids(body: dict[str, Any]) -> list[int]:
    ids = body.get("imageIds")
    if (
        not isinstance(ids, list)
        or not 0 < len(ids) <= MAX_REORDER
        or not all(is_id(i) for i in ids)
    ):
        raise BadRequest("imageIds must be a list of image ids", code="invalid_field")
    return ids


def _reorder_source(body: dict[str, Any]) -> ImageSource | None:
    source = body.get("source")
    if source is None:
        return None
    if source in (ImageSource.CUSTOM.value, ImageSource.CANONICAL.value):
        return ImageSource(source)
    raise BadRequest(
        "source must be custom or canonical (of a linked product)", code="invalid_field"
    )


def _image_url(body: dict[str, Any]) -> str | None:
    url = body.get("imageUrl")
    if url is not None and (not isinstance(url, str) or not 0 < len(url) <= 2048):
        raise BadRequest("imageUrl must be a URL string", code="invalid_field")
    return url


async def patch_images(request: Request) -> JSONResponse:
    svc, actor, product_id = await _actor_and_product(request)
    await svc.images.product(actor, product_id)  # 404/403 before the body is judged
    body = await read_json_object(request)
    action = body.get("action")
    images = svc.images
    if action == "set_primary":
        shown = await images.set_primary(actor, product_id, positive_int(body, "imageId"))
    elif action == "reorder":
        ids, source = _reorder_ids(body), _reorder_source(body)
        shown = await images.reorder(actor, product_id, ids, source)
    elif action == "use_custom_image":
        shown = await images.use_custom_image(actor, product_id, _image_url(body))
    elif action == "use_canonical_image":
        shown = await images.use_canonical_image(actor, product_id)
    else:
        raise BadRequest(f"action must be one of {', '.join(ACTIONS)}", code="invalid_action")
    return _answer(shown)


async def delete_image(request: Request) -> JSONResponse:
    svc, actor, product_id = await _actor_and_product(request)
    await svc.images.product(actor, product_id)
    raw = request.query_params.get("imageId", "")
    if not raw.isdigit() or not 0 < len(raw) <= 18 or int(raw) == 0:
        raise BadRequest("imageId must be a positive integer", code="invalid_field")
    return _answer(await svc.images.delete(actor, product_id, int(raw)))
