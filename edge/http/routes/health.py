"""Liveness and readiness."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse

from catalog.repository import CatalogError
from edge.http.routes import services


async def healthz(request: Request) -> JSONResponse:
    """Alive and started: the lifespan has opened every part, so /img can be served."""
    services(request)
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> JSONResponse:
    """Ready: the catalog answers now."""
    try:
        await services(request).catalog.ping()
    except CatalogError as exc:
        return JSONResponse(
            {"error": {"code": "not_ready", "message": f"catalog: {exc}"}}, status_code=503
        )
    return JSONResponse({"status": "ready"})
