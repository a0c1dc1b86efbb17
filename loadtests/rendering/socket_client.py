"""A minimal HTTP/1.1 client on one keep-alive socket, for latency benchmarks.

A benchmark's client is part of what it measures: `http.client` spends ~0.2 ms of its
own per request (building the request, parsing the head through `email.parser`) and
httpx ~1 ms, which a render floor measured in-process has no counterpart for. This one
sends a prepared request in one `send` and reads the answer with `recv` until its head
and `Content-Length` bytes are in, splitting the head only once it has arrived: what a
C client (a browser's network stack, curl, wrk) costs, within a few tens of µs.

It speaks only what the benchmarks need: GET, answers with `Content-Length` (imgedge
always sends it), no chunked bodies, no redirects, no TLS.
"""

from __future__ import annotations

import socket
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

_READ = 1 << 16


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    headers: Mapping[str, str]  # names in lower case; the last of a repeated field
    body: bytes


class SocketClient:
    def __init__(self, host: str, port: int, *, timeout: float = 120.0) -> None:
        self._sock = socket.create_connection((host, port), timeout=timeout)
        self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._host = f"{host}:{port}".encode("ascii")
        self._rest = b""  # bytes read past the last answer (none, for a polite server)

    def get(self, path: str) -> Answer:
        self._sock.sendall(
            b"GET " + path.encode("ascii") + b" HTTP/1.1\r\nHost: " + self._host + b"\r\n\r\n"
        )
        data = self._rest
        while (head_end := data.find(b"\r\n\r\n")) < 0:
            data += self._recv()
        status, headers = _parse_head(data[:head_end])
        length = headers.get("content-length")
        if length is None or not length.isdigit():
            raise ValueError(f"{path}: an answer without a Content-Length")
        body_end = head_end + 4 + int(length)
        while len(data) < body_end:
            data += self._recv(body_end - len(data))
        self._rest = data[body_end:]
        return Answer(status, headers, data[head_end + 4 : body_end])

    def _recv(self, wanted: int = _READ) -> bytes:
        chunk = self._sock.recv(max(wanted, _READ))
        if not chunk:
            raise ConnectionError("the server closed the connection mid-answer")
        return chunk

    def close(self) -> None:
        self._sock.close()


def _parse_head(head: bytes) -> tuple[int, Mapping[str, str]]:
    status_line, *fields = head.decode("latin-1").split("\r\n")
    version, _, rest = status_line.partition(" ")
    if not version.startswith("HTTP/1.") or not rest[:3].isdigit():
        raise ValueError(f"not an HTTP/1.x status line: {status_line!r}")
    headers = {}
    for field in fields:
        name, colon, value = field.partition(":")
        if not colon:
            raise ValueError(f"a malformed header line: {field!r}")
        headers[name.strip().lower()] = value.strip()
    return int(rest[:3]), MappingProxyType(headers)
