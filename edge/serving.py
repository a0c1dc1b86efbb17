"""`imgedge serve`: one uvicorn server, or `IMGEDGE_WORKERS` processes sharing the port.

One worker is plain uvicorn in this process. With N > 1 this process only supervises:
each worker is a fresh interpreter (multiprocessing *spawn*: no libvips, thread or event
loop state copied by a fork) that opens its own services and binds the same address with
`SO_REUSEPORT`. The kernel then spreads new connections over the workers' listening
sockets by connection hash, evenly; one accept queue shared by all (uvicorn's own
`--workers`) lets whichever worker wakes first take most of a burst of connections.

Every worker is a whole edge: its own memory tier, resolution cache and render lanes.
What the edge may hold is therefore N × (memory tier + render budget), and a variant
cached by one worker is a memory miss in the others until they read it from the shared
tier (disk or Redis). Migrations run once, here, before any worker starts. With
IMGEDGE_METRICS_PORT set, worker i serves its own /metrics on that port + i.

The supervisor restarts a worker that dies (a crash, the OOM killer); one that fails to
start (exit 3, uvicorn's start-up failure) stops them all. SIGTERM or SIGINT stops every
worker gracefully (uvicorn finishes the requests in flight) and exits 0.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import signal
import socket
import threading
import time
from multiprocessing.process import BaseProcess
from types import FrameType
from typing import TYPE_CHECKING

from config import Settings
from edge.heap import freeze_start_up, keep_freed_memory, limit_malloc_arenas
from edge.logs import configure_logging

if TYPE_CHECKING:
    import uvicorn
    from starlette.datastructures import State

log = logging.getLogger("imgedge")

STARTUP_FAILURE = 3  # uvicorn's exit code when the app did not start
STOP_WAIT_S = 30.0  # a worker still there after this, once told to stop, is killed
CHECK_S = 0.5  # how often the supervisor looks at its workers


def serve(settings: Settings) -> int:
    """Serve until told to stop: in process for one worker, else supervise N."""
    if settings.server.workers == 1:
        return run_server(settings, None)
    return Supervisor(settings).run()


def tune_malloc(settings: Settings) -> None:
    """The edge's glibc malloc knobs (`edge/heap.py`): first thing in an edge process,
    before any other thread allocates (`imgedge serve` runs its start-up checks in threads)."""
    limit_malloc_arenas(settings.server.malloc_arena_max)
    if settings.server.malloc_keep_freed:
        keep_freed_memory(settings.render.memory_budget_bytes)


def run_server(settings: Settings, sock: socket.socket | None, index: int = 0) -> int:
    """One uvicorn server on the edge app: on `sock` if given, else on host:port; its
    /metrics on IMGEDGE_METRICS_PORT + `index` when that is set."""
    import uvicorn

    from edge.http.app import create_app
    from edge.http.metrics_listener import bind_metrics_socket
    from edge.http.transport import TransportLimits, ensure_file_limit, protocol_class

    s = settings.server
    limits = TransportLimits.from_settings(s)
    ensure_file_limit(limits.max_connections)
    app = create_app(settings)
    freeze_start_up()  # the event loop's collections skip the modules and the app
    config = uvicorn.Config(
        app,
        host=s.host,
        port=s.port,
        log_level=s.log_level,
        log_config=None,  # uvicorn's lines go through our handler (edge.logs)
        access_log=False,  # ours, one line per request with route, cache and timings
        lifespan="on",
        # httptools with head, timeout and connection limits, answering cache hits itself
        http=protocol_class(limits, app.wire_hits()),
        timeout_keep_alive=s.http_keepalive_timeout_s,
    )
    server = uvicorn.Server(config)
    sockets = None if sock is None else [sock]
    if s.metrics_port is None:
        server.run(sockets=sockets)
    else:
        metrics_socket = bind_metrics_socket(s.host, s.metrics_port + index)  # before serving
        with asyncio.Runner(loop_factory=config.get_loop_factory()) as runner:
            runner.run(_serve_beside_metrics(server, sockets, metrics_socket, app.state))
    return 0 if server.started else STARTUP_FAILURE


async def _serve_beside_metrics(
    server: uvicorn.Server,
    sockets: list[socket.socket] | None,
    metrics_socket: socket.socket,
    state: State,
) -> None:
    from edge.http.metrics import render_metrics
    from edge.http.metrics_listener import metrics_listener

    async with metrics_listener(metrics_socket, lambda: render_metrics(state)):
        await server.serve(sockets=sockets)


def reuse_port_socket(host: str, port: int, *, listen: bool) -> socket.socket:
    """A TCP socket bound to host:port with SO_REUSEPORT (listening if `listen`)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        sock.bind((host, port))
        if listen:
            sock.listen(2048)  # uvicorn's default backlog
    except OSError:
        sock.close()
        raise
    return sock


def _worker_main(settings: Settings, index: int) -> None:
    """A worker process: its own logging, its socket, one uvicorn server."""
    tune_malloc(settings)
    configure_logging(settings.server.log_level, settings.server.log_format)
    sock = reuse_port_socket(settings.server.host, settings.server.port, listen=True)
    raise SystemExit(run_server(settings, sock, index))


class Supervisor:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._context = multiprocessing.get_context("spawn")
        self._stop = threading.Event()
        self._workers: list[BaseProcess] = []

    def _start(self, index: int) -> BaseProcess:
        process = self._context.Process(
            target=_worker_main, args=(self.settings, index), name=f"imgedge-worker-{index}"
        )
        process.start()
        return process

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        self._stop.set()

    def run(self) -> int:
        s = self.settings.server
        # Bound, not listening: the port is reserved for the workers' group, and a port
        # another program holds fails here, in one line.
        probe = reuse_port_socket(s.host, s.port, listen=False)
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, self._on_signal)
        log.info("imgedge: %d workers on %s:%d (pid %d)", s.workers, s.host, s.port, os.getpid())
        try:
            self._workers = [self._start(i) for i in range(s.workers)]
            return self._watch()
        finally:
            self._stop_all()
            probe.close()

    def _watch(self) -> int:
        while not self._stop.wait(CHECK_S):
            for index, worker in enumerate(self._workers):
                if worker.is_alive():
                    continue
                if worker.exitcode == STARTUP_FAILURE:
                    log.error("imgedge: worker %d failed to start; stopping", index)
                    return 1
                log.warning(
                    "imgedge: worker %d (pid %s) exited with %s; starting another",
                    index, worker.pid, worker.exitcode,
                )  # fmt: skip
                self._workers[index] = self._start(index)
        return 0

    def _stop_all(self) -> None:
        for worker in self._workers:
            if worker.is_alive():
                worker.terminate()  # SIGTERM: uvicorn's graceful shutdown
        deadline = time.monotonic() + STOP_WAIT_S
        for worker in self._workers:
            worker.join(max(0.0, deadline - time.monotonic()))
            if worker.is_alive():
                worker.kill()
                worker.join()
