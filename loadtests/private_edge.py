"""`imgedge serve` as a real process on a free port, for fault tests and benchmarks: start
it with a given environment, wait until it answers, kill it (SIGKILL, as a crash or the
OOM killer would) or stop it."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx

from loadtests.processes import free_port, stop_process

ROOT = Path(__file__).resolve().parent.parent


def edge_env(code: Path = ROOT, **settings: str) -> dict[str, str]:
    """The environment of an edge process: PATH, the checkout `code` (this one unless
    told) on PYTHONPATH, and the given settings as `IMGEDGE_<NAME>` variables (nothing
    else from the caller's environment)."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": str(code)}
    env["IMGEDGE_LOG_LEVEL"] = "warning"
    env.update({f"IMGEDGE_{name.upper()}": value for name, value in settings.items()})
    return env


def seed_demo(env: dict[str, str], products: int, log: Path) -> None:
    """`imgedge demo --products N` on the catalog `env` names (before any edge starts)."""
    with log.open("ab") as out:
        done = subprocess.run(
            [sys.executable, "-m", "edge.cli", "demo", "--products", str(products)],
            env=env, stdout=out, stderr=subprocess.STDOUT, cwd=env["PYTHONPATH"], timeout=300,
        )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"imgedge demo exited with {done.returncode}; see {log}")


class EdgeProcess:
    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env = env
        self.log = log
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "edge.cli", "serve"],
                env={**self.env, "IMGEDGE_PORT": str(self.port)},
                # `-m` puts the working directory first on sys.path: the checkout's.
                stdout=log, stderr=subprocess.STDOUT, cwd=self.env["PYTHONPATH"],
            )  # fmt: skip

    async def wait_ready(self, http: httpx.AsyncClient, timeout_s: float = 20.0) -> None:
        for _ in range(int(timeout_s / 0.1)):
            if self.proc is None or self.proc.poll() is not None:
                code = None if self.proc is None else self.proc.returncode
                raise RuntimeError(f"edge exited with {code}; see {self.log}")
            try:
                if (await http.get(f"{self.url}/healthz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
        raise RuntimeError(f"edge did not become healthy; see {self.log}")

    def kill(self) -> None:
        """A crash: SIGKILL, connections in flight are cut."""
        if self.proc is not None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=10)
            self.proc = None

    def stop(self) -> None:
        if self.proc is not None:
            stop_process(self.proc)
            self.proc = None


@asynccontextmanager
async def running(
    edges: list[EdgeProcess], http: httpx.AsyncClient
) -> AsyncIterator[list[EdgeProcess]]:
    """Start the edges one after the other (each applies migrations first), wait until
    each answers; stop them all at the end."""
    try:
        for edge in edges:
            edge.start()
            await edge.wait_ready(http)
        yield edges
    finally:
        for edge in edges:
            edge.stop()


class FailoverClient:
    """A client in front of several edges, as a load balancer or a CDN with two origins
    would be: each request goes to the next edge in turn and, when that edge cannot be
    reached (refused, reset, cut mid-answer), to the others."""

    def __init__(self, http: httpx.AsyncClient, edges: list[EdgeProcess]) -> None:
        self.http = http
        self.edges = edges
        self.failovers = 0
        self._next = 0

    async def get(self, path: str) -> httpx.Response:
        return await self.request("GET", path)

    async def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """Only for idempotent requests (GETs, sync batches): one cut mid-answer may have
        been done by the edge that died, and is sent again to the next."""
        start, self._next = self._next, self._next + 1
        order = [self.edges[(start + i) % len(self.edges)] for i in range(len(self.edges))]
        for edge in order[:-1]:
            try:
                return await self.http.request(method, edge.url + path, **kwargs)
            except httpx.TransportError:
                self.failovers += 1
        return await self.http.request(method, order[-1].url + path, **kwargs)
