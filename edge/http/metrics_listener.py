"""`/metrics` on its own port (`IMGEDGE_METRICS_PORT`), for `imgedge serve` and `worker`.

A second uvicorn server in the same process and event loop as the work it reports on,
rather than prometheus_client's `start_http_server` (a thread): the collectors read
counters and dicts the event loop updates (a thread would iterate dicts while they grow)
and the catalog's figures come from the async catalog, so a scrape on the loop sees one
consistent moment without a lock. The socket is bound by the command before anything
starts (a port in use is one line naming the setting); the server never installs signal
handlers (the main server, or the worker, owns them) and stops when its block ends.

Each process has its own counters: run one `imgedge serve` per port (the scale-out
model: many processes behind a proxy) with one metrics port each, and let Prometheus
scrape every one and `sum()` across them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator

import uvicorn
from prometheus_client import CONTENT_TYPE_LATEST
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from config.settings import env_name
from edge.http.error_handlers import EXCEPTION_HANDLERS

log = logging.getLogger(__name__)


def bind_metrics_socket(host: str, port: int) -> socket.socket:
    """The metrics port's listening socket; an `OSError` naming the setting if taken."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise OSError(
            f"{env_name('metrics_port')}: cannot listen on {host}:{port}: {exc.strerror}"
        ) from None
    return sock


def metrics_app(render: Callable[[], Awaitable[bytes]]) -> Starlette:
    """An app answering `GET /metrics` with `render()`'s text, and 404 to all else."""

    async def endpoint(request: Request) -> Response:
        return Response(await render(), media_type=CONTENT_TYPE_LATEST)

    app = Starlette(
        routes=[Route("/metrics", endpoint, methods=["GET"])],
        exception_handlers=EXCEPTION_HANDLERS,
    )
    app.router.redirect_slashes = False
    return app


class _QuietServer(uvicorn.Server):
    """A uvicorn server that leaves signals to the process's main server."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


@contextlib.asynccontextmanager
async def metrics_listener(
    sock: socket.socket, render: Callable[[], Awaitable[bytes]]
) -> AsyncIterator[None]:
    """Serve `/metrics` on `sock` while the block runs."""
    config = uvicorn.Config(metrics_app(render), lifespan="off", log_config=None, access_log=False)
    server = _QuietServer(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    host, port = sock.getsockname()[:2]
    log.info("metrics on http://%s:%d/metrics", f"[{host}]" if ":" in host else host, port)
    try:
        yield
    finally:
        server.should_exit = True
        await task
