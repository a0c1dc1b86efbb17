"""`imgedge serve --workers 2`: two processes answer on one port, a dead worker is
replaced, and SIGTERM stops them all. Every edge process keeps to one malloc arena."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from loadtests.private_edge import edge_env
from loadtests.processes import free_port, wait_for_port

PID = re.compile(r"^imgedge_process_id ([0-9.e+]+)$", re.MULTILINE)
ARENAS = re.compile(r"^imgedge_malloc_arenas ([0-9.e+]+)$", re.MULTILINE)


@pytest.fixture(params=[2])
def served(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    """`imgedge serve --workers N` (N: the fixture's parameter) on a fresh port."""
    port = free_port()
    env = edge_env(
        port=str(port),
        database_url=f"sqlite:///{tmp_path}/catalog.db",
        cache_url=f"file://{tmp_path}/cache",
        originals_url=f"file://{tmp_path}/originals",
    )
    log = (tmp_path / "edge.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "edge.cli", "serve", "--workers", str(request.param)],
        env=env, cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        wait_for_port(port, proc, what="imgedge serve", timeout_s=60)
        yield proc, port
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        log.close()


def _pids_answering(port: int, want: int, timeout_s: float = 60) -> set[int]:
    """PIDs seen on /metrics over new connections (SO_REUSEPORT spreads them by hash)."""
    seen: set[int] = set()
    deadline = time.monotonic() + timeout_s
    while len(seen) < want and time.monotonic() < deadline:
        try:
            with httpx.Client(timeout=10) as http:  # a new connection each time
                r = http.get(f"http://127.0.0.1:{port}/metrics")
        except httpx.TransportError:  # the second worker may still be starting
            time.sleep(0.2)
            continue
        assert r.status_code == 200
        match = PID.search(r.text)
        assert match is not None, r.text[:500]
        seen.add(int(float(match.group(1))))
    return seen


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is gone for our purpose (its parent has not reaped it yet).
    return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"


def test_two_workers_answer_are_replaced_and_stop_on_sigterm(served):
    proc, port = served
    workers = _pids_answering(port, 2)
    assert len(workers) == 2 and proc.pid not in workers

    # A worker killed (a crash, the OOM killer) is replaced; the other keeps answering.
    dead = min(workers)
    os.kill(dead, signal.SIGKILL)
    survivors = _pids_answering(port, 2) - {dead}
    assert len(survivors) == 2, survivors  # the old survivor and the replacement

    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=40) == 0
    deadline = time.monotonic() + 5
    while any(_alive(pid) for pid in survivors) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(pid) for pid in survivors)
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)


@pytest.mark.parametrize("served", [1, 2], indirect=True)
def test_each_edge_process_has_one_malloc_arena(served):
    """The start-up checks run in threads before the server starts: the arena limit is
    set before them, or each would keep an arena of its own (RSS then swings as their
    heaps are unmapped and faulted in again; edge/heap.py)."""
    _, port = served
    for _ in range(20):  # the route's threads allocate too
        with httpx.Client(timeout=10) as http:
            assert http.get(f"http://127.0.0.1:{port}/api/products/1").status_code in (401, 404)
            metrics = http.get(f"http://127.0.0.1:{port}/metrics").text
        match = ARENAS.search(metrics)
        assert match is not None, metrics[:500]
        assert float(match.group(1)) == 1
