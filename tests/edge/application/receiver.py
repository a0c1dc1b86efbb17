"""A real webhook receiver on 127.0.0.1 (records each POST and answers with the next
scripted status, then 200), the settings pointing at it, and the test-only sender that
lets it through: the production address gate refuses loopback, as it must."""

from __future__ import annotations

import ipaddress
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from config import Settings
from edge.application.webhooks import Send
from edge.remote.post import post_json

SECRET = "a-webhook-secret-for-tests"
LOOPBACK = ipaddress.ip_address("127.0.0.1")


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def event(self) -> Any:
        return json.loads(self.body)


class Receiver(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.received: list[Received] = []
        self.statuses: list[int] = []  # answers to give, in order; then 200

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/hooks/imgedge"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: Receiver

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        self.server.received.append(Received(self.path, dict(self.headers.items()), body))
        status = self.server.statuses.pop(0) if self.server.statuses else 200
        self.send_response(status)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")


@contextmanager
def receiving() -> Iterator[Receiver]:
    server = Receiver()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with receiving() as server:
        yield server


def hooked_settings(settings: Settings, receiver: Receiver, **more: Any) -> Settings:
    return settings.replace(webhook_url=receiver.url, webhook_secret=SECRET, **more)


def loopback_sender(**gates: Any) -> Send:
    """`post_json` that counts the test receiver (127.0.0.1) as public (unless `gates`
    say otherwise); every other address is judged as in production."""
    return partial(post_json, timeout_s=5.0, **{"address_allowed": _loopback, **gates})


def _loopback(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    return ip == LOOPBACK
