"""Part B's servers: imgedge or the bare app in a subprocess, its environment, its CPU time."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]  # the repository: the servers import its code


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def imgedge_env(tmp: Path, port: int) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("IMGEDGE_CONFIG", None)
    env.update(
        IMGEDGE_HOST="127.0.0.1",
        IMGEDGE_PORT=str(port),
        IMGEDGE_DATABASE_URL=f"sqlite:///{tmp}/db.sqlite",
        IMGEDGE_CACHE_URL=f"file://{tmp}/cache",
        IMGEDGE_ORIGINALS_URL=f"file://{tmp}/originals",
        IMGEDGE_LOG_LEVEL="warning",
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
    )
    return env


def run_python(what: str, args: list[str], env: dict[str, str], cwd: Path) -> str:
    """Run `python *args` to completion; its standard output, or an error naming `what`."""
    done = subprocess.run(
        [sys.executable, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=600
    )
    if done.returncode != 0:
        raise RuntimeError(f"{what} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return done.stdout


def seed_demo(env: dict[str, str], cwd: Path) -> int:
    """Seed the demo catalog; return the first product id it prints."""
    out = run_python("imgedge demo", ["-m", "edge.cli", "demo", "--products", "6"], env, cwd)
    match = re.search(r"/img/(\d+)/", out)
    return int(match.group(1)) if match else 1


@contextmanager
def server(name: str, argv: list[str], env: dict[str, str], cwd: Path, port: int) -> Iterator[int]:
    """Start a server subprocess, wait for /healthz, yield its pid; stop it on exit."""
    log_path = cwd / f"{name}.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(argv, env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_healthy(proc, f"http://127.0.0.1:{port}/healthz", log_path)
        yield proc.pid
    finally:
        stop(proc)


def wait_healthy(proc: subprocess.Popen[bytes], url: str, log_path: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args} exited with {proc.returncode}:\n{tail(log_path)}")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} not healthy after 60 s:\n{tail(log_path)}")


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def tail(path: Path, chars: int = 2000) -> str:
    try:
        return path.read_text(errors="replace")[-chars:]
    except OSError:
        return "(no log)"


def process_cpu_seconds(pid: int) -> float | None:
    """User + system CPU of a process (Linux /proc), or None where unavailable."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
