"""The cache-hit fast path of /img, in front of Starlette, and under it.

Profiled on a hit (cProfile, in-process ASGI loop): of ~50 µs of app time per request,
most went to the layers around `serve_image`: Starlette's middleware stack and the
security-headers wrapper around every `send`, routing's regex matches, a `Request`, its
`Headers` and `QueryParams`, a `Response` and its header list. A hit needs none of that:
the answer is known without awaiting anything once the resolution is cached and fresh
and the variant is in the memory tier.

`find_hit` tries exactly that, synchronously: GET or HEAD of `/img/<product>/<size>`, a
fresh cached resolution (`Resolver.peek`), then a 304 when `If-None-Match` names the
ETag, or the variant from memory (`TieredCache.memory_hit`). The headers are the route's
(`image_headers`) plus the security headers, in the same order, so the answer is the one
`serve_image` gives. Anything else (a bad URL, a miss, an uncached or stale resolution,
any error) goes to the app untouched: the attempt has no side effect but the hit
counter, so the app starts from scratch (a bug raised here is not swallowed: only the
errors of a bad URL are). With `IMGEDGE_SERVER_TIMING` on, every request goes to the
route, which times its parts.

It is asked at two places:

- `WireHits`, by the connection itself (`edge.http.transport`) as soon as a request's
  head is parsed, under uvicorn: no ASGI scope, task or send messages at all. Measured
  with wrk on one core, an ASGI app answering fixed bytes costs ~5× the CPU per request
  of the protocol answering them; a hit is a few dictionary lookups, so the wrapping was
  most of its cost. The answer is observed (request id, access line, metrics) by the
  same code as the app's (`edge.http.observe.record_request`).
- `HitFastPath`, an ASGI middleware inside the request observer, for what the
  connection leaves to the app unasked (a pipelined request behind one still in the
  app, a `Connection: close`, HTTP/1.0) and for servers other than uvicorn. A request
  the connection was offered is a miss or one it would not read (a percent-escaped
  target): its scope says so (the `ASKED_EARLY` extension) and it goes to the route
  without a second look.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass

from starlette.datastructures import QueryParams, State
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Receive, Scope, Send
from uvicorn.protocols.http.httptools_impl import STATUS_LINE

from catalog.models import ResolvedImage
from edge.errors import EdgeError
from edge.http.caching import if_none_match_hits
from edge.http.observe import HttpMetrics, record_request, request_id_of, served_of
from edge.http.routes import parse_product_id
from edge.http.routes.img import image_headers
from edge.http.security_headers import with_security_headers
from edge.http.transport import ASKED_EARLY
from edge.imaging.negotiation import choose_format
from edge.imaging.served import Served
from edge.imaging.sizes import parse_size_segment
from edge.services import Services
from edge.storage.cache.base import VariantKey

Headers = list[tuple[bytes, bytes]]


@dataclass(slots=True)
class Hit:
    status: int  # 200 or 304
    headers: Headers  # the route's, with the security headers
    body: bytes  # empty for HEAD and 304
    size: str  # the size label, format and tier, for the request's `Served`
    fmt: str
    tier: str
    # What the answer was made of: it stays right while the same image is resolved
    product_id: int
    version: str | None
    image: ResolvedImage
    key: VariantKey
    etag: str
    length: int  # the variant's (a 200's)


def conditions(headers: Headers) -> tuple[bytes | None, bytes | None]:
    """The request's `Accept` and `If-None-Match` (the first of each)."""
    accept = if_none_match = None
    for name, value in headers:
        if name == b"accept" and accept is None:
            accept = value
        elif name == b"if-none-match" and if_none_match is None:
            if_none_match = value
    return accept, if_none_match


def find_hit(
    state: State,
    method: str,
    path: str,
    query: bytes,
    accept: bytes | None,
    if_none_match: bytes | None,
) -> Hit | None:
    """The answer to a request for `path` (decoded, `/img/...`) when it is a fresh cache
    hit or a 304; None when the app should answer."""
    if method != "GET" and method != "HEAD":
        return None
    parts = path[5:].split("/")
    if len(parts) != 2 or not parts[0] or not parts[1]:
        return None
    svc: Services | None = getattr(state, "services", None)
    if svc is None or svc.settings.server.server_timing:
        return None
    try:
        product_id = parse_product_id(parts[0])
        wanted = parse_size_segment(parts[1], svc.presets)
    except (EdgeError, ValueError):  # a bad URL: the app raises it again and answers it
        return None
    version = QueryParams(query).get("v") if query else None
    image = svc.resolver.peek(product_id, version)
    if image is None:
        return None
    fmt = wanted.fmt or choose_format(
        accept.decode("latin-1") if accept is not None else None, image.has_alpha
    )
    key = svc.variants.key(image, wanted.box(image.width, image.height), fmt)
    named = image_headers(svc.settings, version, image, key, negotiated=wanted.fmt is None)
    matches = if_none_match.decode("latin-1") if if_none_match is not None else None
    if if_none_match_hits(matches, named["etag"]):
        status, body, tier, length = 304, b"", "", 0
    else:
        data = svc.cache.memory_hit(key)
        if data is None:
            return None
        status, body, tier, length = 200, b"" if method == "HEAD" else data, "memory", len(data)
        named["content-length"] = str(length)
        named["content-type"] = fmt.media_type
    svc.resolver.hits += 1
    headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in named.items()]
    return Hit(
        status,
        with_security_headers(headers, status),
        body,
        wanted.label,
        fmt.value,
        tier,
        product_id,
        version,
        image,
        key,
        named["etag"],
        length,
    )


class HitFastPath:
    """`find_hit` as ASGI middleware, in front of the app."""

    def __init__(self, app: ASGIApp, state: State, img_route: BaseRoute) -> None:
        self.app = app
        self.state = state
        self.img_route = img_route  # what the router would have matched, for the observer
        self.answered = 0  # requests answered here, for tests

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith("/img/"):
            hit = None
            # Not asked twice: a request the connection offered to `WireHits` is a miss.
            if not scope.get("root_path") and ASKED_EARLY not in scope.get("extensions", ()):
                hit = find_hit(
                    self.state,
                    scope["method"],
                    scope["path"],
                    scope["query_string"],
                    *conditions(scope["headers"]),
                )
            if hit is not None:
                self.answered += 1
                scope["route"] = self.img_route
                served = served_of(scope)
                served.size, served.fmt, served.tier = hit.size, hit.fmt, hit.tier
                await send(
                    {"type": "http.response.start", "status": hit.status, "headers": hit.headers}
                )
                await send({"type": "http.response.body", "body": hit.body})
                return
        await self.app(scope, receive, send)


# A hit, its headers as written (from the route's to the security headers), the body
_Found = tuple[Hit, bytes, bytes]


@dataclass(frozen=True, slots=True)
class _Known:
    """A hit answered before, without its body (the memory tier keeps the bytes, not
    this), and its headers as written."""

    hit: Hit
    headers: bytes


# A remembered answer's key: (method, target, Accept, whether If-None-Match was sent)
_Asked = tuple[bytes, bytes, bytes | None, bool]


class WireHits:
    """`find_hit` for the connection: the whole answer as bytes to write, observed as
    the app's answers are; None leaves the request to the app.

    `answer` is given what the parser read: the method, the request target as sent and
    the header list (lower-case names). A target with a percent escape or without the
    `/img/` prefix (an absolute URI) is left to the app, which decodes it.

    A 200 or 304 it answered is remembered by (method, target, Accept, whether
    `If-None-Match` was sent), up to `KNOWN_MAX` (then all are forgotten at once): the
    same request again is answered from it while the resolver still shows the very same
    image (a changed product resolves to a new one) and, for a 200, the memory tier
    still holds the variant, or, for a 304, `If-None-Match` still names the ETag;
    without parsing the URL, choosing the format, making the key or the headers again."""

    KNOWN_MAX = 4096

    def __init__(self, state: State, metrics: HttpMetrics, route: str, *, log_access: bool) -> None:
        self.state = state
        self.metrics = metrics
        self.route = route  # the /img route's template, the metrics' and the log's label
        self.log_access = log_access
        self.answered = 0  # requests answered here, for tests
        self._known: dict[_Asked, _Known] = {}
        self._defaults: tuple[Headers | None, bytes] = (None, b"")

    def answer(
        self, method: bytes, target: bytes, headers: Headers, default_headers: Headers
    ) -> list[bytes] | None:
        if not target.startswith(b"/img/"):
            return None
        started = time.perf_counter()
        accept, if_none_match = conditions(headers)
        found = self._again((method, target, accept, if_none_match is not None), if_none_match)
        if found is None:
            found = self._anew(method, target, accept, if_none_match)
            if found is None:
                return None
        hit, fixed, body = found
        self.answered += 1
        request_id = request_id_of(headers)
        defaults_for, defaults = self._defaults
        if defaults_for is not default_headers:  # uvicorn makes a new list as `date` ticks
            defaults = b"".join(b"%s: %s\r\n" % pair for pair in default_headers)
            self._defaults = (default_headers, defaults)
        head = b"".join(
            (STATUS_LINE[hit.status], defaults, fixed, b"x-request-id: ", request_id, b"\r\n\r\n")
        )
        record_request(
            self.metrics,
            self.log_access,
            method.decode("latin-1"),
            target.partition(b"?")[0],
            self.route,
            hit.status,
            len(body),
            Served(hit.size, hit.fmt, hit.tier),
            time.perf_counter() - started,
            request_id,
        )
        return [head, body] if body else [head]

    def _again(self, asked: _Asked, if_none_match: bytes | None) -> _Found | None:
        known = self._known.get(asked)
        if known is None:
            return None
        hit = known.hit
        svc: Services = self.state.services
        if svc.resolver.peek(hit.product_id, hit.version) is hit.image:
            if hit.status == 304:
                sent = if_none_match.decode("latin-1") if if_none_match is not None else None
                if not if_none_match_hits(sent, hit.etag):
                    return None  # another ETag: asked anew (and not forgotten)
                svc.resolver.hits += 1
                return hit, known.headers, b""
            data = svc.cache.memory_hit(hit.key)
            if data is not None and len(data) == hit.length:
                svc.resolver.hits += 1
                return hit, known.headers, b"" if asked[0] == b"HEAD" else data
        del self._known[asked]
        return None

    def _anew(
        self, method: bytes, target: bytes, accept: bytes | None, if_none_match: bytes | None
    ) -> _Found | None:
        raw_path, _, query = target.partition(b"?")
        if b"%" in raw_path or b"#" in target or not raw_path.isascii():
            return None
        verb = method.decode("latin-1")
        hit = find_hit(self.state, verb, raw_path.decode("ascii"), query, accept, if_none_match)
        if hit is None:
            return None
        fixed = b"".join(b"%s: %s\r\n" % pair for pair in hit.headers)
        conditional = if_none_match is not None
        if hit.status == 304 or not conditional:  # (not a 200 to an unmatched ETag)
            if len(self._known) >= self.KNOWN_MAX:
                self._known.clear()
            bodiless = dataclasses.replace(hit, body=b"")
            self._known[method, target, accept, conditional] = _Known(bodiless, fixed)
        return hit, fixed, hit.body
