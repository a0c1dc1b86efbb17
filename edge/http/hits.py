"""The cache-hit fast path of /img, in front of Starlette.

Profiled on a hit (cProfile, in-process ASGI loop): of ~50 µs of app time per request,
most went to the layers around `serve_image`: Starlette's middleware stack and the
security-headers wrapper around every `send`, routing's regex matches, a `Request`, its
`Headers` and `QueryParams`, a `Response` and its header list. A hit needs none of that:
the answer is known without awaiting anything once the resolution is cached and fresh
and the variant is in the memory tier.

`HitFastPath` tries exactly that, synchronously, before the app: GET or HEAD of
`/img/<product>/<size>`, a fresh cached resolution (`Resolver.peek`), then a 304 when
`If-None-Match` names the ETag, or the variant from memory (`TieredCache.memory_hit`).
The headers are the route's (`image_headers`) plus the security headers, in the same
order, so the answer is the one `serve_image` gives. Anything else (a bad URL, a miss,
an uncached or stale resolution, any error) goes to the app untouched: the attempt has
no side effect but the hit counter, so the app starts from scratch (a bug raised here is
not swallowed: only the errors of a bad URL are).

It sits inside the request observer (`edge.http.observe`): an answer given here is
logged and counted like the route's, under the /img route's template, with the format
and the memory tier on the request's `Served` record. With `IMGEDGE_SERVER_TIMING` on,
every request goes to the route, which times its parts.
"""

from __future__ import annotations

from starlette.datastructures import QueryParams, State
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Receive, Scope, Send

from edge.errors import EdgeError
from edge.http.caching import if_none_match_hits
from edge.http.observe import served_of
from edge.http.routes import parse_product_id
from edge.http.routes.img import image_headers
from edge.http.security_headers import with_security_headers
from edge.imaging.negotiation import choose_format
from edge.imaging.sizes import parse_size_segment
from edge.services import Services

_Answer = tuple[int, list[tuple[bytes, bytes]], bytes]


class HitFastPath:
    def __init__(self, app: ASGIApp, state: State, img_route: BaseRoute) -> None:
        self.app = app
        self.state = state
        self.img_route = img_route  # what the router would have matched, for the observer
        self.answered = 0  # requests answered here, for tests

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith("/img/"):
            answer = self._hit(scope)
            if answer is not None:
                status, headers, body = answer
                self.answered += 1
                scope["route"] = self.img_route
                await send({"type": "http.response.start", "status": status, "headers": headers})
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)

    def _hit(self, scope: Scope) -> _Answer | None:
        method = scope["method"]
        if (method != "GET" and method != "HEAD") or scope.get("root_path"):
            return None
        parts = scope["path"][5:].split("/")
        if len(parts) != 2 or not parts[0] or not parts[1]:
            return None
        svc: Services | None = getattr(self.state, "services", None)
        if svc is None or svc.settings.server.server_timing:
            return None
        try:
            return self._answer(svc, scope, parts[0], parts[1], head=method == "HEAD")
        except (EdgeError, ValueError):  # a bad URL: the app raises it again and answers it
            return None

    @staticmethod
    def _answer(
        svc: Services, scope: Scope, product: str, size: str, *, head: bool
    ) -> _Answer | None:
        product_id = parse_product_id(product)
        wanted = parse_size_segment(size, svc.presets)
        query = scope["query_string"]
        version = QueryParams(query).get("v") if query else None
        image = svc.resolver.peek(product_id, version)
        if image is None:
            return None
        accept = if_none_match = None
        for name, value in scope["headers"]:
            if name == b"accept" and accept is None:
                accept = value.decode("latin-1")
            elif name == b"if-none-match" and if_none_match is None:
                if_none_match = value.decode("latin-1")
        fmt = wanted.fmt or choose_format(accept, image.has_alpha)
        key = svc.variants.key(image, wanted.box(image.width, image.height), fmt)
        named = image_headers(svc.settings, version, image, key, negotiated=wanted.fmt is None)
        if if_none_match_hits(if_none_match, named["etag"]):
            status, body, tier = 304, b"", ""
        else:
            data = svc.cache.memory_hit(key)
            if data is None:
                return None
            status, body, tier = 200, b"" if head else data, "memory"
            named["content-length"] = str(len(data))
            named["content-type"] = fmt.media_type
        svc.resolver.hits += 1
        served = served_of(scope)
        served.size, served.fmt, served.tier = wanted.label, fmt.value, tier
        headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in named.items()]
        return status, with_security_headers(headers, status), body
