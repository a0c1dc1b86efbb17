"""A private PostgreSQL server for fault tests and benchmarks (never the machine's shared
one): a cluster in a temporary directory on a free port, run as the `postgres` user when
the caller is root (initdb refuses root)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from loadtests.processes import free_port

PG_BIN = Path(os.environ.get("IMGEDGE_TEST_PG_BIN", "/usr/lib/postgresql/15/bin"))


class PrivatePostgres:
    """One PostgreSQL server these tests own: start, stop (as a crash or a shutdown
    would), start again on the same port and data."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.data = root / "data"
        self.port = free_port()
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
