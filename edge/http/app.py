"""The Starlette application factory.

Trailing slashes are not redirected: Starlette's `redirect_slashes` builds an absolute
`Location` from the request's `Host` header (reflecting whatever a client sends into a
redirect a cache may keep), and a relative one would turn `//evil.example/` into the
protocol-relative `//evil.example`. No URL of the edge ends in a slash, so `/healthz/`
is a plain 404.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
from starlette.applications import Starlette
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp

from config import Settings
from edge.console.routes import console_routes
from edge.http.error_handlers import EXCEPTION_HANDLERS
from edge.http.hits import HitFastPath
from edge.http.metrics import metrics
from edge.http.openapi import openapi_json
from edge.http.routes.canonical import (
    delete_canonical,
    list_canonical,
    merge_canonical,
    patch_canonical,
)
from edge.http.routes.health import healthz, readyz
from edge.http.routes.images import delete_image, get_images, patch_images
from edge.http.routes.img import serve_image
from edge.http.routes.match import decide_match, find_matches
from edge.http.routes.picture import get_picture, get_pictures
from edge.http.routes.products import get_product, list_products
from edge.http.routes.review_queue import review_queue
from edge.http.routes.stats import get_stats
from edge.http.routes.stores import (
    create_store,
    list_stores,
    revoke_store_key,
    rotate_store_key,
)
from edge.http.routes.sync import sync_products
from edge.http.routes.uploads import upload_images
from edge.http.security_headers import SecurityHeaders
from edge.services import Services, open_services


class EdgeApp(Starlette):
    """Starlette with the security headers outside its outermost (500) middleware, and
    the /img cache-hit fast path in front of everything (`edge.http.hits`)."""

    def build_middleware_stack(self) -> ASGIApp:
        return HitFastPath(SecurityHeaders(super().build_middleware_stack()), self.state)


def create_app(settings: Settings, services: Services | None = None) -> Starlette:
    """The edge app; with `services` given (tests), the caller owns their lifetime."""

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if services is not None:
            app.state.services = services
            yield
            return
        async with open_services(settings) as opened, anyio.create_task_group() as tasks:
            app.state.services = opened
            # Leftovers of crashed uploads go at start-up, unreferenced originals later.
            tasks.start_soon(opened.keeper.sweep_every, settings.uploads.originals_sweep_s)
            yield
            tasks.cancel_scope.cancel()

    routes: list[BaseRoute] = [
        Route("/img/{product}/{size}", serve_image, methods=["GET", "HEAD"]),
        Route("/api/products", list_products, methods=["GET"]),
        Route("/api/products/{product}", get_product, methods=["GET"]),
        Route("/api/products/{product}/picture", get_picture, methods=["GET"]),
        Route("/api/pictures", get_pictures, methods=["GET"]),
        Route("/api/products/{product}/images", get_images, methods=["GET"]),
        Route("/api/products/{product}/images", patch_images, methods=["PATCH"]),
        Route("/api/products/{product}/images", delete_image, methods=["DELETE"]),
        Route("/api/images/upload", upload_images, methods=["POST"]),
        Route("/api/sync/products", sync_products, methods=["POST"]),
        Route("/api/images/match", find_matches, methods=["POST"]),
        Route("/api/images/match", decide_match, methods=["PUT"]),
        Route("/api/review-queue", review_queue, methods=["GET"]),
        Route("/api/canonical-products", list_canonical, methods=["GET"]),
        Route("/api/canonical-products/{canonical}", patch_canonical, methods=["PATCH"]),
        Route("/api/canonical-products/{canonical}", delete_canonical, methods=["DELETE"]),
        Route("/api/canonical-products/{canonical}/merge", merge_canonical, methods=["POST"]),
        Route("/api/stores", list_stores, methods=["GET"]),
        Route("/api/stores", create_store, methods=["POST"]),
        Route("/api/stores/{store}/key", rotate_store_key, methods=["POST"]),
        Route("/api/stores/{store}/key", revoke_store_key, methods=["DELETE"]),
        Route("/api/stats", get_stats, methods=["GET"]),
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        Route("/metrics", metrics, methods=["GET"]),
        Route("/openapi.json", openapi_json, methods=["GET"]),
    ]
    if settings.console.enabled:
        routes += console_routes()
    app = EdgeApp(routes=routes, lifespan=lifespan, exception_handlers=EXCEPTION_HANDLERS)
    app.router.redirect_slashes = False
    return app
