"""`GET|HEAD /img/<product>/<size>[@2x][.<fmt>]`: the hot path.

On a warm path this makes no database query (resolutions are cached in process), no
disk read (the memory tier holds the variant) and no blocking call. What the answer cost
(format, cache tier or render, timings) goes to the request's `Served` record, which the
access log and the metrics read (`edge/http/observe.py`) and `Server-Timing` reports.

Under the `fallback` AVIF policy a negotiated AVIF that is not cached yet is answered
with another format at once (`Variants.get_or_fallback`): that answer has its own ETag
and a short max-age, never `immutable`, since the AVIF follows.
The commonest answer, a hit on a fresh resolution, is given before Starlette's routing by
`edge.http.hits` with the same headers (`image_headers`); everything else comes here.
"""

from __future__ import annotations

import time

from starlette.requests import Request
from starlette.responses import Response

from catalog.models import ResolvedImage
from config import Settings
from edge.http.caching import cache_control, if_none_match_hits, strong_etag
from edge.http.observe import served_of
from edge.http.routes import parse_product_id, services
from edge.imaging.formats import Format
from edge.imaging.negotiation import choose_format, fallback_formats
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
    served = served_of(request.scope)
    product_id = parse_product_id(request.path_params["product"])
    wanted = parse_size_segment(request.path_params["size"], svc.presets)
    served.size = wanted.label
    version = request.query_params.get("v")
    started = time.perf_counter()
    resolved = await svc.resolver.lookup(product_id, version)
    served.resolve_s = time.perf_counter() - started
    image = resolved.image
    accept = request.headers.get("accept")
    fmt = wanted.fmt or choose_format(accept, image.has_alpha)
    box = wanted.box(image.width, image.height)
    key = svc.variants.key(image, box, fmt)
    served.fmt = fmt.value

    settings = svc.settings
    headers = image_headers(
        settings, version, image, key, negotiated=wanted.fmt is None, stale=resolved.stale
    )
    # The ETag comes from the resolution: a 304 reads no variant bytes from any tier.
    if if_none_match_hits(request.headers.get("if-none-match"), headers["etag"]):
        if settings.server.server_timing:
            headers["server-timing"] = served.server_timing()
        return Response(status_code=304, headers=headers)

    if fmt is Format.AVIF and wanted.fmt is None and settings.render.avif_policy == "fallback":
        fallbacks = [
            svc.variants.key(image, box, f) for f in fallback_formats(accept, image.has_alpha)
        ]
        answered, data = await svc.variants.get_or_fallback(key, image, fallbacks, served)
        if answered is not key:
            fmt = answered.fmt
            headers["cache-control"] = f"public, max-age={settings.render.avif_fallback_max_age_s}"
            headers["etag"] = strong_etag(answered.token)
            served.fmt = fmt.value
            if if_none_match_hits(request.headers.get("if-none-match"), headers["etag"]):
                return Response(status_code=304, headers=headers)
    else:
        data = await svc.variants.get(key, image, served)
    if settings.server.server_timing:
        headers["server-timing"] = served.server_timing()
    if request.method == "HEAD":
        headers["content-length"] = str(len(data))
        return Response(None, headers=headers, media_type=fmt.media_type)
    return Response(data, headers=headers, media_type=fmt.media_type)
