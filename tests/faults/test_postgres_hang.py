"""A PostgreSQL that hangs (its processes stopped: connections are accepted by the kernel,
nothing answers) under a running edge: requests that need the catalog get 503 +
Retry-After within the `database_timeout_s` setting instead of hanging, and the edge
recovers by itself once the server answers again."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from config import Settings
from loadtests.private_pg import PrivatePostgres

TIMEOUT_S = 0.5


def _server_pids(server: PrivatePostgres) -> list[int]:
    """The postmaster (first line of its pid file), then its children."""
    postmaster = int((server.data / "postmaster.pid").read_text().split()[0])
    children = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                stat = (proc / "stat").read_text()
            except OSError:  # gone meanwhile
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == postmaster:
                children.append(int(proc.name))
    return [postmaster, *children]


@contextmanager
def _hung(server: PrivatePostgres) -> Iterator[None]:
    """The server's processes stopped (SIGSTOP) for the block, then continued."""
    pids = _server_pids(server)
    for pid in pids:
        os.kill(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        for pid in pids:
            os.kill(pid, signal.SIGCONT)


@pytest.fixture
def settings(settings: Settings, private_postgres: PrivatePostgres) -> Settings:
    """The shared test settings, on the private server."""
    return settings.replace(
        database_url=private_postgres.url,
        database_timeout_s=TIMEOUT_S,
        resolution_ttl_s=0.2,
        resolution_stale_s=0,  # no stale answer: /img must ask the catalog
    )


async def test_a_hanging_database_is_a_prompt_503_and_recovers(client, build, private_postgres):
    product = await build.product()
    key = await build.store_key("Corner")
    await asyncio.sleep(0.3)  # past the resolution TTL: /img must ask the catalog
    with _hung(private_postgres):
        started = time.monotonic()
        requests = [
            asyncio.ensure_future(aw)
            for aw in (
                client.get(f"/img/{product.id}/small.webp"),
                client.post(
                    "/api/sync/products",
                    json={"products": [{"external_id": "1", "name": "Cola"}]},
                    headers={"authorization": f"Bearer {key}"},
                ),
                client.get("/readyz"),
            )
        ]
        # Not wait_for: cancelling a request stuck on the server would hang as well.
        await asyncio.wait(requests, timeout=10)
        took = time.monotonic() - started
        answered = [r.done() for r in requests]
    miss, push, ready = await asyncio.gather(*requests)  # the stuck ones end now
    assert answered == [True, True, True], f"still waiting after {took:.1f} s"
    for answer in (miss, push):
        assert answer.status_code == 503, answer.text
        assert answer.json()["error"]["code"] == "unavailable"
        assert int(answer.headers["retry-after"]) > 0
    assert took < 3.0  # /readyz's own 2 s check timeout; the others within the setting
    assert ready.status_code == 503 and "catalog" in ready.json()["error"]["message"]

    async def serves() -> bool:
        return (await client.get(f"/img/{product.id}/small.webp")).status_code == 200

    started = time.monotonic()
    while not await serves():
        assert time.monotonic() - started < 10, "did not recover"
        await asyncio.sleep(0.1)
