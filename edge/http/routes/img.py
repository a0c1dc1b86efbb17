"""`GET|HEAD /img/<product>/<size>[@2x][.<fmt>]`: the hot path.

On a warm path this makes no database query (resolutions are cached in process), no
disk read (the memory tier holds the variant) and no blocking call. The commonest
answer, a hit on a fresh resolution, is given before Starlette's routing by
`edge.http.hits` with the same headers (`image_headers`); everything else comes here.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from catalog.models import ResolvedImage
from config import Settings
from edge.http.caching import cache_control, if_none_match_hits, strong_etag
from edge.http.routes import parse_product_id, services
from edge.imaging.negotiation import choose_format
from edge.imaging.sizes import parse_size_segment
from edge.storage.cache import VariantKey


def image_headers(
    settings: Settings,
    version: str | None,
    image: ResolvedImage,
    key: VariantKey,
    *,
    negotiated: bool,
    stale: bool = False,
) -> dict[str, str]:
    """Cache-Control, ETag and (for a negotiated format) Vary of an /img answer."""
    s = settings.server
    headers = {
        "cache-control": cache_control(
            version,
            image.version,
            s.img_max_age_s,
            s.img_stale_while_revalidate_s,
            stale_max_age=s.stale_max_age_s if stale else None,
        ),
        "etag": strong_etag(key.token),
    }
    if negotiated:
        headers["vary"] = "Accept"
    return headers


async def serve_image(request: Request) -> Response:
    svc = services(request)
    product_id = parse_product_id(request.path_params["product"])
    wanted = parse_size_segment(request.path_params["size"], svc.presets)
    version = request.query_params.get("v")
    resolved = await svc.resolver.lookup(product_id, version)
    image = resolved.image
    fmt = wanted.fmt or choose_format(request.headers.get("accept"), image.has_alpha)
    key = svc.variants.key(image, wanted.box(image.width, image.height), fmt)
    headers = image_headers(
        svc.settings, version, image, key, negotiated=wanted.fmt is None, stale=resolved.stale
    )
    # The ETag comes from the resolution: a 304 reads no variant bytes from any tier.
    if if_none_match_hits(request.headers.get("if-none-match"), headers["etag"]):
        return Response(status_code=304, headers=headers)

    data = await svc.variants.get(key, image)
    if request.method == "HEAD":
        headers["content-length"] = str(len(data))
        return Response(None, headers=headers, media_type=fmt.media_type)
    return Response(data, headers=headers, media_type=fmt.media_type)
