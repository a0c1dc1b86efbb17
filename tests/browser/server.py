"""A real `imgedge serve` process over a fresh demo catalog, for the browser tests.

`imgedge demo` seeds a temporary directory (SQLite catalog, disk cache, local originals)
with a known curator token; the demo gives its stores no API key, so each demo store gets
a new one here (stored hashed, as `imgedge stores create` does) before the server starts.
"""

from __future__ import annotations

import contextlib
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from edge.demo.seed import STORES
from edge.http.auth import hash_token, new_store_key
from loadtests.private_edge import ROOT, EdgeProcess, edge_env
from loadtests.processes import wait_for_port

ADMIN_TOKEN = "browser-tests-curator-token"
# Known, so a test can sign a session cookie of its own (an expired one, say).
SESSION_SECRET = "browser-tests-console-session-secret"


@dataclass(frozen=True, slots=True)
class DemoServer:
    url: str  # http://127.0.0.1:<port>, no trailing slash
    admin_token: str  # the curator's token
    store_keys: dict[str, str]  # demo store name → its API key
    env: dict[str, str]  # the environment the server runs with (IMGEDGE_* settings)
    root: Path  # the temporary directory holding catalog, cache, originals and the log

    def cli(self, *args: str) -> str:
        """Runs `imgedge <args>` with the server's settings; returns what it printed."""
        return _imgedge(self.env, *args)

    def api(self, actor_token: str) -> httpx.Client:
        """An HTTP client to the server carrying `actor_token` as its bearer token."""
        headers = {"authorization": f"Bearer {actor_token}"}
        return httpx.Client(base_url=self.url, headers=headers, timeout=30)


def _imgedge(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "edge.cli", *args],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"imgedge {' '.join(args)} failed: {done.stderr or done.stdout}")
    return done.stdout


def _give_store_keys(database: Path) -> dict[str, str]:
    keys = {name: new_store_key() for name in STORES}
    with contextlib.closing(sqlite3.connect(database)) as db, db:
        for name, key in keys.items():
            found = db.execute(
                "UPDATE stores SET api_key_hash = ? WHERE name = ?", (hash_token(key), name)
            )
            if found.rowcount != 1:
                raise RuntimeError(f"the demo catalog has no store named {name!r}")
    return keys


@contextlib.contextmanager
def demo_server(root: Path) -> Iterator[DemoServer]:
    """Seeds the demo catalog under `root`, starts `imgedge serve` on a free port, waits
    until it is healthy; stops it on exit (its log stays at `root/edge.log`)."""
    database = root / "catalog.db"
    env = edge_env(
        database_url=f"sqlite:///{database}",
        cache_url=f"file://{root / 'cache'}",
        originals_url=f"file://{root / 'originals'}",
        admin_token=ADMIN_TOKEN,
        console_session_secret=SESSION_SECRET,
    )
    _imgedge(env, "demo")
    keys = _give_store_keys(database)
    edge = EdgeProcess(env, root / "edge.log")
    env = {**env, "IMGEDGE_PORT": str(edge.port)}
    server = DemoServer(edge.url, ADMIN_TOKEN, keys, env, root)
    edge.start()
    try:
        assert edge.proc is not None
        wait_for_port(edge.port, edge.proc, what=f"imgedge serve (log: {edge.log})", timeout_s=60)
        if httpx.get(f"{edge.url}/healthz", timeout=10).status_code != 200:
            raise RuntimeError(f"imgedge serve is not healthy; see {edge.log}")
        yield server
    finally:
        edge.stop()
