"""A private Redis server for fault tests and benchmarks (never the machine's shared
one): `redis-server` on a free port, no persistence, that the caller may kill (SIGKILL),
freeze (SIGSTOP), thaw and start again on the same port."""

from __future__ import annotations

import shutil
import signal
import subprocess

from loadtests.processes import free_port, stop_process, wait_for_port


class PrivateRedis:
    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [shutil.which("redis-server") or "redis-server", "--port", str(self.port),
             "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        wait_for_port(self.port, self.proc, what="redis-server")

    def kill(self) -> None:
        """A crash: SIGKILL, no goodbye to the clients (and no data kept)."""
        self._signal(signal.SIGKILL)
        if self.proc is not None:
            self.proc.wait(timeout=10)
            self.proc = None

    def freeze(self) -> None:
        """A hung server: connections stay open, nothing answers."""
        self._signal(signal.SIGSTOP)

    def thaw(self) -> None:
        self._signal(signal.SIGCONT)

    def stop(self) -> None:
        if self.proc is not None:
            self.thaw()
            stop_process(self.proc)
            self.proc = None

    def _signal(self, sig: signal.Signals) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(sig)
