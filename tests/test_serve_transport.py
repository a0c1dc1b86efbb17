"""A real `imgedge serve` under header and connection floods: oversized heads get 431,
idle connections past the cap are evicted, and /healthz keeps answering fast."""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from loadtests.processes import free_port, stop_process, wait_for_port

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def edge(tmp_path: Path) -> Iterator[int]:
    port = free_port()
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(ROOT),
        "IMGEDGE_PORT": str(port),
        "IMGEDGE_DATABASE_URL": f"sqlite:///{tmp_path}/catalog.db",
        "IMGEDGE_CACHE_URL": "none",
        "IMGEDGE_ORIGINALS_URL": f"file://{tmp_path}/originals",
        "IMGEDGE_LOG_LEVEL": "error",
        "IMGEDGE_HTTP_MAX_CONNECTIONS": "50",
        "IMGEDGE_HTTP_HEADER_TIMEOUT_S": "2",
    }
    log = (tmp_path / "edge.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "edge.cli", "serve"],
        env=env, cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        wait_for_port(port, proc, what="imgedge serve", timeout_s=60)
        yield port
    finally:
        stop_process(proc)
        log.close()


async def _request(port: int, data: bytes, wait_s: float = 10) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        with contextlib.suppress(ConnectionError):
            writer.write(data)
            await writer.drain()
        async with asyncio.timeout(wait_s):
            return await reader.read()
    finally:
        writer.close()


async def _healthz(port: int) -> float:
    """Seconds /healthz took on a fresh connection; fails unless it answers 200."""
    started = time.perf_counter()
    answer = await _request(port, b"GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 200"), answer[:100]
    assert b"x-content-type-options: nosniff" in answer
    return time.perf_counter() - started


FLOOD = b"GET /healthz HTTP/1.1\r\nHost: t\r\nX-Pad: " + b"x" * 48_000_000 + b"\r\n\r\n"


async def _flood(port: int) -> bytes:
    """A single 48 MB header, sent a MiB at a time (the edge stops reading at 32 KiB)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    view = memoryview(FLOOD)
    try:
        for offset in range(0, len(FLOOD), 1 << 20):
            writer.write(view[offset : offset + (1 << 20)])
            await writer.drain()
    except OSError:
        pass  # the edge closed the connection: expected
    try:
        async with asyncio.timeout(10):
            return await reader.read()
    except OSError:
        return b""
    finally:
        writer.close()


async def test_oversized_headers_get_431_while_healthz_keeps_answering(edge):
    port = edge
    while True:  # up: the lifespan has opened everything
        with contextlib.suppress(OSError, AssertionError):
            await _healthz(port)
            break
        await asyncio.sleep(0.1)

    big = b"GET /healthz HTTP/1.1\r\nHost: t\r\nX-Pad: " + b"x" * 40_000 + b"\r\n\r\n"
    answer = await _request(port, big)
    assert answer.startswith(b"HTTP/1.1 431"), answer[:100]
    assert b"headers_too_large" in answer

    accept = b"GET /healthz HTTP/1.1\r\nHost: t\r\nAccept: " + b"image/x," * 2000 + b"\r\n\r\n"
    assert (await _request(port, accept)).startswith(b"HTTP/1.1 431")  # 16 KB > 8 KiB field

    # 100 idle connections against a cap of 50, two 48 MB floods: /healthz stays fast.
    idle = [await asyncio.open_connection("127.0.0.1", port) for _ in range(100)]
    floods = [asyncio.create_task(_flood(port)) for _ in range(2)]
    timings = [await _healthz(port) for _ in range(10)]
    for answer in await asyncio.gather(*floods):
        assert answer == b"" or answer.startswith(b"HTTP/1.1 431")  # reset, or read the 431
    assert max(timings) < 0.5, timings
    await asyncio.sleep(0.2)
    evicted = sum(1 for reader, _ in idle if reader.at_eof())
    assert evicted >= 50  # the oldest, over the cap
    assert (await _healthz(port)) < 0.5
    await asyncio.sleep(2.5)  # IMGEDGE_HTTP_HEADER_TIMEOUT_S=2: the rest are gone too
    assert all(reader.at_eof() for reader, _ in idle)
    for _, writer in idle:
        writer.close()
