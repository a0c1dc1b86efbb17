"""The load generator of Part B: asyncio + httpx, N keep-alive connections, in its own
process.
"""

from __future__ import annotations

import asyncio
import json
import math
import time
from contextlib import AsyncExitStack
from dataclasses import asdict, dataclass

import httpx


@dataclass(frozen=True, slots=True)
class LoadResult:
    requests: int
    errors: int
    seconds: float
    p50_ms: float
    p99_ms: float
    client_cpu: float  # load generator CPU seconds / wall seconds

    @property
    def rps(self) -> float:
        return self.requests / self.seconds


async def generate_load(url: str, connections: int, duration: float) -> LoadResult:
    """`connections` workers, each with its own keep-alive connection, for `duration` s.

    One client per worker: a single httpx pool shared by many tasks spends its time on
    pool bookkeeping (about 3× fewer requests/s on loopback).
    """
    async with AsyncExitStack() as stack:
        clients = [
            await stack.enter_async_context(
                httpx.AsyncClient(limits=httpx.Limits(max_connections=1), timeout=30)
            )
            for _ in range(connections)
        ]
        expected = len((await clients[0].get(url)).content)
        await asyncio.gather(*(client.get(url) for client in clients))  # connect them all
        latencies: list[float] = []
        errors = 0
        cpu_start, started = time.process_time(), time.perf_counter()
        stop_at = started + duration

        async def worker(client: httpx.AsyncClient) -> None:
            nonlocal errors
            while time.perf_counter() < stop_at:
                sent = time.perf_counter()
                try:
                    response = await client.get(url)
                    ok = response.status_code == 200 and len(response.content) == expected
                except httpx.HTTPError:
                    ok = False
                latencies.append(time.perf_counter() - sent)
                errors += not ok

        await asyncio.gather(*(worker(client) for client in clients))
        seconds = time.perf_counter() - started
        cpu = time.process_time() - cpu_start
    latencies.sort()
    return LoadResult(
        requests=len(latencies),
        errors=errors,
        seconds=seconds,
        p50_ms=percentile(latencies, 0.50) * 1e3,
        p99_ms=percentile(latencies, 0.99) * 1e3,
        client_cpu=cpu / seconds,
    )


def percentile(ordered: list[float], q: float) -> float:
    if not ordered:
        return math.nan
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def loadgen_main(url: str, connections: int, duration: float) -> int:
    try:
        import uvloop  # the same event loop uvicorn uses, when installed
    except ImportError:
        result = asyncio.run(generate_load(url, connections, duration))
    else:
        result = uvloop.run(generate_load(url, connections, duration))
    print(json.dumps(asdict(result)))
    return 0
