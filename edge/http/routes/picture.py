"""The pictures a page embeds, public like `/img` (they say no more than the image URLs
do) and short-lived in caches, since the image a product shows can change:

- `GET /api/products/<id>/picture[?priority=1&slot=&sizes=]`: `<picture>` markup;
- `GET /api/pictures?products=1,2,3[&slot=&sizes=]`: the same for a page of products,
  as JSON (versioned `srcset` per format, dimensions, placeholder, `alt`).

Both answer with a strong ETag of their bytes and 304 to a matching `If-None-Match`.
"""

from __future__ import annotations

import hashlib

from starlette.requests import Request
from starlette.responses import Response

from edge.application.pictures import ShownPicture
from edge.errors import BadRequest, NotFound
from edge.http import bodies
from edge.http.caching import cache_control, if_none_match_hits
from edge.http.encoding import ENCODER
from edge.http.picture_query import parse_product_ids, parse_sizes, parse_slot
from edge.http.routes import parse_product_id, services
from edge.http.security_headers import picture_csp
from edge.imaging.picture import PictureImage, PictureSet, Slot, picture_html, picture_set
from edge.services import Services


async def get_picture(request: Request) -> Response:
    svc = services(request)
    product_id = parse_product_id(request.path_params["product"])
    priority = request.query_params.get("priority", "0")
    if priority not in ("0", "1"):
        raise BadRequest("priority must be 0 or 1", code="invalid_field")
    slot = parse_slot(request.query_params.get("slot"))
    sizes = parse_sizes(request.query_params.get("sizes"), slot)
    await svc.resolver.resolve(product_id)  # NotFound (which kind) without an image
    shown = (await svc.pictures.shown([product_id])).get(product_id)
    if shown is None:  # changed since the resolution was cached
        raise NotFound(f"product {product_id} shows no image", code="no_image")
    html = picture_html(
        product_id,
        _image(shown),
        alt=shown.alt,
        sizes=sizes,
        priority=priority == "1",
        slot=slot,
        base_url=svc.settings.server.url_base,
    )
    headers = {"content-security-policy": picture_csp(svc.settings.server.url_base)}
    return _cached(request, svc, html.encode(), "text/html; charset=utf-8", headers)


async def get_pictures(request: Request) -> Response:
    svc = services(request)
    query = request.query_params
    product_ids = parse_product_ids(query.get("products"))
    slot = parse_slot(query.get("slot"))
    sizes = parse_sizes(query.get("sizes"), slot)
    shown = await svc.pictures.shown(product_ids)
    base_url = svc.settings.server.url_base
    body = bodies.Pictures(
        slot=slot.name,  # type: ignore[arg-type]  # SLOTS' names are SlotName's values
        sizes=sizes,
        pictures=[_picture(shown[pid], slot, base_url) for pid in product_ids if pid in shown],
        missing=[pid for pid in product_ids if pid not in shown],
    )
    return _cached(request, svc, ENCODER.encode(body), "application/json", {})


def _image(shown: ShownPicture) -> PictureImage:
    image = shown.image
    return PictureImage(
        image.width, image.height, image.version, image.has_alpha, shown.placeholder
    )


def _picture(shown: ShownPicture, slot: Slot, base_url: str) -> bodies.Picture:
    image = _image(shown)
    urls: PictureSet = picture_set(shown.product_id, image, slot, base_url)
    return bodies.Picture(
        productId=shown.product_id,
        alt=shown.alt,
        width=image.width,
        height=image.height,
        version=image.version,
        placeholder=urls.placeholder,
        sources=[
            bodies.PictureSource(s.media_type, s.srcset)  # type: ignore[arg-type]
            for s in urls.sources
        ],
        src=urls.src,
        srcset=urls.fallback.srcset,
    )


def _cached(
    request: Request, svc: Services, body: bytes, media_type: str, headers: dict[str, str]
) -> Response:
    """Short-lived with stale-while-revalidate, a strong ETag of the bytes, 304 on a match.
    Readable from any origin (pages on a store's own host fetch these from the browser;
    they are public, and say no more than the image URLs do; no credentials involved)."""
    s = svc.settings.server
    headers["access-control-allow-origin"] = "*"
    headers["cache-control"] = cache_control(
        None, "", s.img_max_age_s, s.img_stale_while_revalidate_s
    )
    headers["etag"] = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
    if if_none_match_hits(request.headers.get("if-none-match"), headers["etag"]):
        return Response(status_code=304, headers=headers)
    return Response(body, headers=headers, media_type=media_type)
