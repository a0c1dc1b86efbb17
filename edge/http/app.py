"""The Starlette application factory."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from catalog.repository import CatalogError, ConflictError, NotFoundError
from config import Settings
from edge.errors import Conflict, EdgeError, NotFound, Unavailable
from edge.http.metrics import metrics
from edge.http.openapi import openapi_json
from edge.http.routes.health import healthz, readyz
from edge.http.routes.images import delete_image, get_images, patch_images
from edge.http.routes.img import serve_image
from edge.http.routes.match import decide_match, find_matches
from edge.http.routes.picture import get_picture
from edge.http.routes.products import get_product
from edge.http.routes.sync import sync_products
from edge.http.routes.uploads import upload_images
from edge.services import Services, open_services
from edge.storage.originals import OriginalsError

log = logging.getLogger("imgedge")


async def _edge_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, EdgeError)
    return _error_response(request, exc)


def _error_response(request: Request, exc: EdgeError) -> JSONResponse:
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
    return JSONResponse(exc.payload(), status_code=exc.status, headers=exc.headers)


async def _catalog_error(request: Request, exc: Exception) -> JSONResponse:
    """The one place a catalog failure becomes an answer. A row missing or a uniqueness
    rule broken by a concurrent request are the request's outcome; anything else is an
    outage of the catalog (503, logged with its cause)."""
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


async def _originals_error(request: Request, exc: Exception) -> JSONResponse:
    error = Unavailable("the originals store is not answering")
    error.__cause__ = exc
    return _error_response(request, error)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
    body = {"error": {"code": code, "message": str(exc.detail)}}
    return JSONResponse(body, status_code=exc.status_code, headers=exc.headers)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    body = {"error": {"code": "internal_error", "message": "internal error"}}
    return JSONResponse(body, status_code=500)


def create_app(settings: Settings, services: Services | None = None) -> Starlette:
    """The edge app; with `services` given (tests), the caller owns their lifetime."""

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if services is not None:
            app.state.services = services
            yield
            return
        async with open_services(settings) as opened:
            app.state.services = opened
            yield

    routes = [
        Route("/img/{product}/{size}", serve_image, methods=["GET", "HEAD"]),
        Route("/api/products/{product}", get_product, methods=["GET"]),
        Route("/api/products/{product}/picture", get_picture, methods=["GET"]),
        Route("/api/products/{product}/images", get_images, methods=["GET"]),
        Route("/api/products/{product}/images", patch_images, methods=["PATCH"]),
        Route("/api/products/{product}/images", delete_image, methods=["DELETE"]),
        Route("/api/images/upload", upload_images, methods=["POST"]),
        Route("/api/sync/products", sync_products, methods=["POST"]),
        Route("/api/images/match", find_matches, methods=["POST"]),
        Route("/api/images/match", decide_match, methods=["PUT"]),
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        Route("/metrics", metrics, methods=["GET"]),
        Route("/openapi.json", openapi_json, methods=["GET"]),
    ]
    return Starlette(
        routes=routes,
        lifespan=lifespan,
        exception_handlers={
            EdgeError: _edge_error,
            CatalogError: _catalog_error,
            OriginalsError: _originals_error,
            HTTPException: _http_error,
            Exception: _unexpected,
        },
    )
