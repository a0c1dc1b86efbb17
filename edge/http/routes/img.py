"""`GET|HEAD /img/<product>/<size>[@2x][.<fmt>]`: the hot path.

On a warm path this makes no database query (resolutions are cached in process), no
disk read (the memory tier holds the variant) and no blocking call. What the answer cost
(format, cache tier or render, timings) goes to the request's `Served` record, which the
access log and the metrics read (`edge/http/observe.py`) and `Server-Timing` reports.
"""

from __future__ import annotations

import time

from starlette.requests import Request
from starlette.responses import Response

from edge.http.caching import cache_control, if_none_match_hits, strong_etag
from edge.http.observe import served_of
from edge.http.routes import parse_product_id, services
from edge.imaging.negotiation import choose_format
from edge.imaging.sizes import parse_size_segment


async def serve_image(request: Request) -> Response:
    svc = services(request)
    served = served_of(request.scope)
    product_id = parse_product_id(request.path_params["product"])
    wanted = parse_size_segment(request.path_params["size"], svc.presets)
    served.size = wanted.size if wanted.scale == 1 else f"{wanted.size}@2x"
    version = request.query_params.get("v")
    started = time.perf_counter()
    resolved = await svc.resolver.lookup(product_id, version)
    served.resolve_s = time.perf_counter() - started
    image = resolved.image
    fmt = wanted.fmt or choose_format(request.headers.get("accept"), image.has_alpha)
    served.fmt = fmt.value
    key = svc.variants.key(image, wanted.box(image.width, image.height), fmt)

    settings = svc.settings
    headers = {
        "cache-control": cache_control(
            version,
            image.version,
            settings.server.img_max_age_s,
            settings.server.img_stale_while_revalidate_s,
            stale_max_age=settings.server.stale_max_age_s if resolved.stale else None,
        ),
        "etag": strong_etag(key.token),
    }
    if wanted.fmt is None:
        headers["vary"] = "Accept"
    if if_none_match_hits(request.headers.get("if-none-match"), headers["etag"]):
        if settings.server.server_timing:
            headers["server-timing"] = served.server_timing()
        return Response(status_code=304, headers=headers)

    data = await svc.variants.get(key, image, served)
    if settings.server.server_timing:
        headers["server-timing"] = served.server_timing()
    if request.method == "HEAD":
        headers["content-length"] = str(len(data))
        return Response(None, headers=headers, media_type=fmt.media_type)
    return Response(data, headers=headers, media_type=fmt.media_type)
