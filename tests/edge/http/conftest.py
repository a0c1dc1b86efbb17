"""HTTP tests on a chosen catalog backend: a module that must hold on each marks itself
`pytestmark = pytest.mark.parametrize("settings", ["sqlite", "postgresql"], indirect=True)`;
the others keep the root `settings` (SQLite)."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
import uvicorn

from config import Settings


@pytest.fixture
def settings(request: pytest.FixtureRequest, settings: Settings) -> Settings:
    if getattr(request, "param", "sqlite") == "postgresql":
        return settings.replace(database_url=request.getfixturevalue("postgres_url"))
    return settings


ServeOn = Callable[..., Awaitable[int]]


@pytest.fixture
async def uvicorn_servers() -> AsyncIterator[ServeOn]:
    """`await serve(app, http=..., **config)`: a uvicorn server in the test's loop on a
    free port (returned); every one started is stopped at the end."""
    servers: list[tuple[uvicorn.Server, asyncio.Task[None]]] = []

    async def serve(app: Any, **config: Any) -> int:
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        config = {"lifespan": "off", "log_level": "critical", **config}
        server = uvicorn.Server(uvicorn.Config(app, **config))
        servers.append((server, asyncio.create_task(server.serve(sockets=[sock]))))
        for _ in range(500):
            if server.started:
                break
            await asyncio.sleep(0.01)
        port: int = sock.getsockname()[1]
        return port

    yield serve
    for server, task in servers:
        server.should_exit = True
        await asyncio.wait_for(task, 10)
