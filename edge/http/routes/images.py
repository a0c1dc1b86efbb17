"""`GET|PATCH|DELETE /api/products/<id>/images`: the images a product shows, and changes.

- `GET`: the images the product shows (its custom images when the override is on and it
  has some, else its canonical product's), primary first, with versioned URLs per size.
- `PATCH {action: set_primary, imageId}` / `{action: reorder, imageIds, source?}` (the
  full list of the shown set, or of `source`: custom|canonical) /
  `{action: use_custom_image, image_url?}` (turn the override on; with a URL, or the
  product's synced `image_url` when it has no custom image yet, the image is fetched
  first) / `{action: use_canonical_image}` (turn it off).
- `DELETE ?imageId=N`: remove one image; the next becomes primary; the original leaves
  storage only when no image references its bytes any more.
The curator may do everything; a store acts on its own products' custom images and
override only. Canonical images are the curator's.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from edge.application.actors import Actor
from edge.application.images import ShownImages
from edge.http import payloads
from edge.http.auth import require_actor
from edge.http.bodies import (
    ImagesPatch,
    Reorder,
    SetPrimary,
    UseCanonicalImage,
    UseCustomImage,
)
from edge.http.decoding import read_body
from edge.http.encoding import json_response
from edge.http.ids import parse_id
from edge.http.routes import parse_product_id, services
from edge.services import Services


async def _actor_and_product(request: Request) -> tuple[Services, Actor, int]:
    svc = services(request)
    product_id = parse_product_id(request.path_params["product"])
    return svc, await require_actor(request, svc.settings, svc.catalog), product_id


def _answer(request: Request, shown: ShownImages) -> Response:
    body = payloads.product_images(shown, services(request).settings.server.url_base)
    return json_response(body, headers={"cache-control": "no-store"})


async def get_images(request: Request) -> Response:
    svc, actor, product_id = await _actor_and_product(request)
    return _answer(request, await svc.images.shown(actor, product_id))


async def patch_images(request: Request) -> Response:
    svc, actor, product_id = await _actor_and_product(request)
    await svc.images.product(actor, product_id)  # 404/403 before the body is judged
    # A union is not a `type` to mypy; msgspec decodes it all the same.
    change: ImagesPatch = await read_body(request, ImagesPatch)  # type: ignore[arg-type]
    images = svc.images
    match change:
        case SetPrimary(image_id):
            shown = await images.set_primary(actor, product_id, image_id)
        case Reorder(image_ids, source):
            shown = await images.reorder(actor, product_id, image_ids, source)
        case UseCustomImage(image_url):
            shown = await images.use_custom_image(actor, product_id, image_url)
        case UseCanonicalImage():
            shown = await images.use_canonical_image(actor, product_id)
    return _answer(request, shown)


async def delete_image(request: Request) -> Response:
    svc, actor, product_id = await _actor_and_product(request)
    await svc.images.product(actor, product_id)
    image_id = parse_id(request.query_params.get("imageId", ""), "imageId")
    return _answer(request, await svc.images.delete(actor, product_id, image_id))
