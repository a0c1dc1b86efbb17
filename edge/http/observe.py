"""Every HTTP request observed once: its request id, its access line, its metrics.

A plain ASGI middleware around the whole app (outside Starlette's 500 middleware, so a
crash is seen as the 500 it answers). It puts a `Served` record in the request's state
(`scope["state"]`, what Starlette's `request.state` reads) for the `/img` handler to fill
in (format, cache tier or render, timings) and reads it once the answer is sent: no
header passes facts from the handler to here, no context object travels through the
pipeline.

- **Route template**: Starlette's router leaves the route it matched in the scope
  (`scope["route"]`); its path (`/img/{product}/{size}`) is the label, never the raw
  path, so a scan of random URLs adds one label value (`unmatched`), not one per URL.
  Methods outside the usual ones are `other` for the same reason.
- **Metrics**: one histogram child per (route, method, status, format), kept in a dict,
  so a request costs a tuple, a dict lookup, a bisect and two adds
  (`edge.instruments`); the request count is the histogram's count.
- **Request id**: the client's `X-Request-ID` when it is 1 to 128 characters of
  `A-Z a-z 0-9 . _ : -` (a proxy's or load balancer's id, so lines can be joined across
  hops), else 16 random hex digits; echoed in the answer's `X-Request-ID`.
- **Access log**: one line per request on the `imgedge.access` logger (INFO), as text or
  JSON by the formatter `edge.logs` installs; nothing is built when the logger is off.
"""

from __future__ import annotations

import logging
import random
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from prometheus_client.core import CounterMetricFamily, Metric
from starlette.routing import Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from edge.imaging.served import Served
from edge.instruments import Histogram, HistogramFamily

SERVED = "imgedge.served"  # the key of the request's `Served` in `scope["state"]`
UNMATCHED = "unmatched"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_SANE_ID = re.compile(rb"[A-Za-z0-9._:-]{1,128}")
access_log = logging.getLogger("imgedge.access")


def served_of(scope: Scope) -> Served:
    """The request's `Served` record (a throwaway one outside the middleware)."""
    state = scope.get("state")
    found = state.get(SERVED) if state is not None else None
    return found if found is not None else Served()


class HttpMetrics:
    """Requests by route template, method, status and format: duration and count."""

    def __init__(self) -> None:
        self.duration = HistogramFamily(
            "imgedge_http_request_duration_seconds",
            "Time from a request's arrival to its answer's last byte, by route template, "
            "method, status and the image format answered ('' outside /img)",
            ("route", "method", "status", "format"),
        )
        self._children: dict[tuple[str, str, int, str], Histogram] = {}

    def observe(self, route: str, method: str, status: int, fmt: str, seconds: float) -> None:
        key = (route, method, status, fmt)
        child = self._children.get(key)
        if child is None:
            child = self._children[key] = self.duration.child(route, method, str(status), fmt)
        child.observe(seconds)

    def collect(self) -> Iterator[Metric]:
        yield self.duration.collect()
        total = CounterMetricFamily(
            "imgedge_http_requests",
            "Requests answered, by route template, method, status and image format",
            labels=list(self.duration.labels),
        )
        for values, count in self.duration.counts():
            total.add_metric(list(values), count)
        yield total


def request_id_of(headers: list[tuple[bytes, bytes]]) -> bytes:
    for name, value in headers:
        if name == b"x-request-id":
            if _SANE_ID.fullmatch(value):
                return value
            break
    return b"%016x" % random.getrandbits(64)  # names a log line: need not be secret


def route_template(scope: Scope) -> str:
    route = scope.get("route")
    if route is None:
        return UNMATCHED
    if isinstance(route, Mount):  # the console's static files
        return f"{route.path}/{{path}}"
    path: str = getattr(route, "path", UNMATCHED)
    return path


@dataclass(slots=True)
class AccessLine:
    """One request, as the access log writes it: `str()` for people, `fields()` for JSON."""

    method: str
    path: str
    route: str
    status: int
    bytes: int
    served: Served
    duration_s: float
    request_id: str

    def __str__(self) -> str:
        s = self.served
        line = (
            f"{self.method} {self.path} {self.status} {self.bytes}B "
            f"{self.duration_s * 1e3:.1f}ms route={self.route}"
        )
        if s.fmt:
            line += f" format={s.fmt}"
        if s.tier:
            line += f" from={s.tier}"
        if s.tier == "render":
            line += f" render={s.render_s * 1e3:.1f}ms"
        return f"{line} id={self.request_id}"

    def fields(self) -> dict[str, Any]:
        s = self.served
        return {
            "method": self.method,
            "path": self.path,
            "route": self.route,
            "status": self.status,
            "bytes": self.bytes,
            "format": s.fmt or None,
            "served_from": s.tier or None,
            "render_ms": round(s.render_s * 1e3, 2) if s.tier == "render" else None,
            "duration_ms": round(self.duration_s * 1e3, 2),
            "request_id": self.request_id,
        }


def _printable_path(raw: bytes) -> str:
    """The request target's path as sent (percent-encoded), safe on one log line."""
    path = raw.decode("latin-1")
    if path.isascii() and path.isprintable() and " " not in path:
        return path
    return "".join(c if " " < c < "\x7f" else f"%{ord(c):02X}" for c in path)


class ObserveRequests:
    def __init__(self, app: ASGIApp, metrics: HttpMetrics, *, log_access: bool = True) -> None:
        self.app = app
        self.metrics = metrics
        self.log_access = log_access

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request_id = request_id_of(scope["headers"])
        served = Served()
        scope.setdefault("state", {})[SERVED] = served
        status = 500  # unless an answer starts: the app failed before it could say
        sent = 0

        async def observed_send(message: Message) -> None:
            nonlocal status, sent
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = message.get("headers", [])
                if not isinstance(headers, list):
                    headers = list(headers)
                headers.append((b"x-request-id", request_id))
                message["headers"] = headers
            elif message["type"] == "http.response.body":
                sent += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, observed_send)
        finally:
            raw = scope.get("raw_path") or scope["path"].encode("utf-8", "replace")
            record_request(
                self.metrics,
                self.log_access,
                scope["method"],
                raw.partition(b"?")[0],
                route_template(scope),
                status,
                sent,
                served,
                time.perf_counter() - started,
                request_id,
            )


def record_request(
    metrics: HttpMetrics,
    log_access: bool,
    method: str,
    raw_path: bytes,
    route: str,
    status: int,
    sent: int,
    served: Served,
    took: float,
    request_id: bytes,
) -> None:
    """Count an answered request and write its access line (when the log is on)."""
    method = method if method in METHODS else "other"
    metrics.observe(route, method, status, served.fmt, took)
    if log_access and access_log.isEnabledFor(logging.INFO):
        line = AccessLine(
            method,
            _printable_path(raw_path),
            route,
            status,
            sent,
            served,
            took,
            request_id.decode("ascii"),
        )
        record = access_log.makeRecord(access_log.name, logging.INFO, __file__, 0, line, (), None)
        access_log.handle(record)  # not info(): it would walk the stack for the caller
