"""`GET /api/products/<id>/picture[?priority=1]`: responsive `<picture>` markup for the
image a product shows, for a page to embed. Public like `/img` (it says no more than the
image URLs do); short-lived in caches, since the image a product shows can change."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import HTMLResponse

from edge.errors import BadRequest, NotFound
from edge.http.caching import cache_control
from edge.http.routes import parse_product_id, services
from edge.http.security_headers import PICTURE_CSP
from edge.imaging.picture import PictureImage, picture_html


async def get_picture(request: Request) -> HTMLResponse:
    svc = services(request)
    product_id = parse_product_id(request.path_params["product"])
    priority = request.query_params.get("priority", "0")
    if priority not in ("0", "1"):
        raise BadRequest("priority must be 0 or 1", code="invalid_field")
    resolved = await svc.resolver.resolve(product_id)  # NotFound without an image
    product = await svc.catalog.get_store_product(product_id)
    image = await svc.catalog.get_image(resolved.image_id)
    if product is None or image is None:  # changed since the resolution was cached
        raise NotFound(f"product {product_id} shows no image", code="no_image")
    shown = PictureImage(
        image.width, image.height, image.version, image.has_alpha, image.placeholder
    )
    html = picture_html(product_id, shown, alt=product.name, priority=priority == "1")
    s = svc.settings.server
    short = cache_control(None, image.version, s.img_max_age_s, s.img_stale_while_revalidate_s)
    headers = {"cache-control": short, "content-security-policy": PICTURE_CSP}
    return HTMLResponse(html, headers=headers)
