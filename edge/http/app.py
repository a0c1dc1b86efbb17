"""The Starlette application factory.

Trailing slashes are not redirected: Starlette's `redirect_slashes` builds an absolute
`Location` from the request's `Host` header (reflecting whatever a client sends into a
redirect a cache may keep), and a relative one would turn `//evil.example/` into the
protocol-relative `//evil.example`. No URL of the edge ends in a slash, so `/healthz/`
is a plain 404.

With `IMGEDGE_METRICS_PORT` set, `/metrics` is not a route of this app (a 404 here): it
is answered on that port only (`edge.http.metrics_listener`), so it need not be public.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
from starlette.applications import Starlette
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp

from config import Settings
from edge.console.routes import console_routes
from edge.http.error_handlers import EXCEPTION_HANDLERS
from edge.http.hits import HitFastPath, WireHits
from edge.http.metrics import metrics
from edge.http.observe import HttpMetrics, ObserveRequests
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
    list_key_events,
    list_stores,
    revoke_store_key,
    rotate_store_key,
)
from edge.http.routes.sync import sync_products
from edge.http.routes.uploads import upload_images
from edge.http.routes.webhooks import delete_webhook, get_webhook, list_deliveries, put_webhook
from edge.http.security_headers import SecurityHeaders
from edge.services import Services, open_services


class EdgeApp(Starlette):
    """Starlette with the security headers outside its outermost (500) middleware, and
    around everything the request observer (request id, access log, metrics), then the
    /img cache-hit fast path (`edge.http.hits`); `wire_hits` gives the same path to the
    connection, which asks it before the app."""

    def __init__(self, *, log_access: bool, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.state.http_metrics = HttpMetrics()
        self._log_access = log_access

    def _img_route(self) -> Route:
        return next(r for r in self.routes if isinstance(r, Route) and r.endpoint is serve_image)

    def wire_hits(self) -> WireHits:
        """The hit path for the connection to ask before the app (`edge.http.transport`)."""
        metrics = self.state.http_metrics
        return WireHits(self.state, metrics, self._img_route().path, log_access=self._log_access)

    def build_middleware_stack(self) -> ASGIApp:
        img = self._img_route()
        return ObserveRequests(
            HitFastPath(SecurityHeaders(super().build_middleware_stack()), self.state, img),
            self.state.http_metrics,
            log_access=self._log_access,
        )


def create_app(settings: Settings, services: Services | None = None) -> EdgeApp:
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
            if opened.webhooks is not None:  # change notifications, sent in the background
                tasks.start_soon(opened.webhooks.run)
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
        Route("/api/stores/{store}/key-events", list_key_events, methods=["GET"]),
        Route("/api/stats", get_stats, methods=["GET"]),
        Route("/api/webhooks/deliveries", list_deliveries, methods=["GET"]),
        Route("/api/webhook", put_webhook, methods=["PUT"]),
        Route("/api/webhook", get_webhook, methods=["GET"]),
        Route("/api/webhook", delete_webhook, methods=["DELETE"]),
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        Route("/openapi.json", openapi_json, methods=["GET"]),
    ]
    if settings.server.metrics_port is None:
        routes.append(Route("/metrics", metrics, methods=["GET"]))
    if settings.console.enabled:
        routes += console_routes()
    app = EdgeApp(
        routes=routes,
        lifespan=lifespan,
        exception_handlers=EXCEPTION_HANDLERS,
        log_access=settings.server.access_log,
    )
    app.router.redirect_slashes = False
    return app
