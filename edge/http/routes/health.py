"""Liveness and readiness."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from catalog.repository import CatalogError
from edge.http.bodies import ErrorBody, ErrorDetail, Health, Ready
from edge.http.encoding import json_response
from edge.http.routes import services


async def healthz(request: Request) -> Response:
    """Alive and started: the lifespan has opened every part, so /img can be served."""
    services(request)
    return json_response(Health("ok"))


async def readyz(request: Request) -> Response:
    """Ready: the catalog answers now."""
    try:
        await services(request).catalog.ping()
    except CatalogError as exc:
        error = ErrorBody(ErrorDetail("not_ready", f"catalog: {exc}"))
        return json_response(error, status_code=503)
    return json_response(Ready("ready"))
