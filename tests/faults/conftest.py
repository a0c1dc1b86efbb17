"""Fault tests start and kill their own PostgreSQL (never the machine's shared one): a
private cluster in a temporary directory on a free port, run as the `postgres` user
when the tests run as root (initdb refuses root)."""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

PG_BIN = Path(os.environ.get("IMGEDGE_TEST_PG_BIN", "/usr/lib/postgresql/15/bin"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PrivatePostgres:
    """One PostgreSQL server these tests own: start, stop (as a crash or a shutdown
    would), start again on the same port and data."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.data = root / "data"
        self.port = _free_port()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        self._as: list[str] = []
        if os.geteuid() == 0:
            self._as = ["runuser", "-u", "postgres", "--"]
            shutil.chown(root, "postgres")

    def _run(self, *args: str) -> None:
        subprocess.run([*self._as, *args], check=True, capture_output=True, timeout=60)

    def init(self) -> None:
        self._run(str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(
            str(PG_BIN / "pg_ctl"), "start", "-w", "-D", str(self.data),
            "-l", str(self.root / "log"), "-o", options,
        )  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        """`fast` ends the sessions and shuts down; `immediate` is a crash."""
        self._run(str(PG_BIN / "pg_ctl"), "stop", "-w", "-D", str(self.data), "-m", mode)

    def is_running(self) -> bool:
        done = subprocess.run(
            [*self._as, str(PG_BIN / "pg_ctl"), "status", "-D", str(self.data)],
            capture_output=True,
        )
        return done.returncode == 0


@pytest.fixture
def private_postgres() -> Iterator[PrivatePostgres]:
    if not (PG_BIN / "initdb").exists():
        pytest.skip(f"no PostgreSQL binaries in {PG_BIN} (set IMGEDGE_TEST_PG_BIN)")
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root without a postgres user to run initdb as")
    # Not under pytest's base temp: that is private to root, and the server runs as
    # postgres.
    root = Path(tempfile.mkdtemp(prefix="imgedge-pg-"))
    server = PrivatePostgres(root)
    try:
        server.init()
        server.start()
        yield server
    finally:
        if server.is_running():
            server.stop("immediate")
        shutil.rmtree(root, ignore_errors=True)
