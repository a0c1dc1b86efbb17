"""Exceptions become JSON error answers here, once for the whole app: the edge's own
errors with their status, catalog and originals failures as 503s, Starlette's 404/405,
and anything else as a logged 500 with a generic message (never a traceback)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping

from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response

from catalog.repository import CatalogError, ConflictError, NotFoundError
from edge.errors import Conflict, EdgeError, NotFound, Unavailable
from edge.http.bodies import ErrorBody, ErrorDetail
from edge.http.encoding import json_response
from edge.storage.originals import OriginalsError

log = logging.getLogger("imgedge")
# Every 503 says when to come back: a dependency down or restarting, or a render queue
# full, is usually over within seconds; clients and CDNs that honour it back off.
RETRY_AFTER_S = 5


def _headers(status: int, headers: Mapping[str, str] | None) -> dict[str, str]:
    out = dict(headers or {})
    if status == 503 and not any(name.lower() == "retry-after" for name in out):
        out["retry-after"] = str(RETRY_AFTER_S)
    return out


async def _edge_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, EdgeError)
    return _error_response(request, exc)


def _error_response(request: Request, exc: EdgeError) -> Response:
    if exc.log:
        log.warning(
            "%s %s → %d %s: %s",
            request.method,
            request.url.path,
            exc.status,
            exc.code,
            exc.message,
            exc_info=exc.__cause__ is not None,
        )
    body = ErrorBody(ErrorDetail(exc.code, exc.message))
    return json_response(body, status_code=exc.status, headers=_headers(exc.status, exc.headers))


async def _catalog_error(request: Request, exc: Exception) -> Response:
    """The one place a catalog failure becomes an answer. A row missing or a uniqueness
    rule broken by a concurrent request are the request's outcome; anything else (the
    database down or restarting, a deadlock that outlived its retries) is an outage of
    the catalog: 503 with `Retry-After`, logged with its cause."""
    assert isinstance(exc, CatalogError)
    error: EdgeError
    if isinstance(exc, NotFoundError):
        error = NotFound(str(exc))
    elif isinstance(exc, ConflictError):
        error = Conflict(str(exc))
    else:
        error = Unavailable("the catalog is not answering")
    error.__cause__ = exc
    return _error_response(request, error)


async def _originals_error(request: Request, exc: Exception) -> Response:
    error = Unavailable("the originals store is not answering")
    error.__cause__ = exc
    return _error_response(request, error)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
    body = ErrorBody(ErrorDetail(code, str(exc.detail)))
    headers = _headers(exc.status_code, exc.headers)
    return json_response(body, status_code=exc.status_code, headers=headers)


async def _client_gone(request: Request, exc: Exception) -> Response:
    """The client left mid-body, or the transport timed its body out: no one reads this."""
    log.info("%s %s: client went away before its body arrived", request.method, request.url.path)
    body = ErrorBody(ErrorDetail("client_disconnected", "the request body did not arrive"))
    return json_response(body, status_code=400)


async def _unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    body = ErrorBody(ErrorDetail("internal_error", "internal error"))
    return json_response(body, status_code=500)


Handler = Callable[[Request, Exception], Awaitable[Response]]

EXCEPTION_HANDLERS: dict[type[Exception], Handler] = {
    EdgeError: _edge_error,
    CatalogError: _catalog_error,
    OriginalsError: _originals_error,
    HTTPException: _http_error,
    ClientDisconnect: _client_gone,
    Exception: _unexpected,
}
