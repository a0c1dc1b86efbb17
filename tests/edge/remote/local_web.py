"""A real HTTP server on 127.0.0.1 with test routes, and a fake DNS that points names at it."""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import ssl
import sys
import threading
from collections.abc import Iterator, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from edge.remote.addresses import IPAddress, address_is_public

LOOPBACK = ipaddress.ip_address("127.0.0.1")
PAYLOAD = bytes(range(256)) * 20  # 5120 bytes


def simulated_public(ip: IPAddress) -> bool:
    """The default check, except that the local test server counts as public."""
    return ip == LOOPBACK or address_is_public(ip)


class FakeDNS:
    def __init__(self, table: dict[str, Sequence[str]]) -> None:
        self.table = table
        self.calls: list[str] = []

    async def __call__(self, host: str, port: int) -> list[IPAddress]:
        self.calls.append(host)
        if host not in self.table:
            raise socket.gaierror(socket.EAI_NONAME, "unknown host")
        return [ipaddress.ip_address(a) for a in self.table[host]]


def dns(**hosts: str | list[str]) -> FakeDNS:
    table = {name.replace("_", "."): [a] if isinstance(a, str) else a for name, a in hosts.items()}
    return FakeDNS(table)


# --- a real local HTTP server ---------------------------------------------------------


class LocalServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        if tls is not None:
            self.socket = tls.wrap_socket(self.socket, server_side=True)
        self.connections = 0
        self.requests: list[dict[str, str]] = []  # path plus the request headers
        self.stop = threading.Event()

    @property
    def port(self) -> int:
        return self.server_address[1]

    def verify_request(self, request: object, client_address: object) -> bool:
        self.connections += 1
        return True

    def handle_error(self, request: object, client_address: object) -> None:
        if not isinstance(sys.exc_info()[1], OSError):  # clients hanging up is expected
            super().handle_error(request, client_address)  # type: ignore[arg-type]

    def url(self, host: str, path: str) -> str:
        return f"http://{host}:{self.port}{path}"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: LocalServer

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self.server.requests.append({"path": self.path, **dict(self.headers.items())})
        url = urlsplit(self.path)
        try:
            self._route(url.path, parse_qs(url.query))
        except OSError:  # the client hung up, which several tests make it do
            self.close_connection = True

    def _route(self, path: str, query: dict[str, list[str]]) -> None:
        if path == "/ok":
            self._send(200, PAYLOAD)
        elif path == "/redirect":
            self._redirect(query["to"][0])
        elif path.startswith("/hops/"):
            left = int(path.removeprefix("/hops/"))
            if left:
                self._redirect(f"/hops/{left - 1}")  # relative Location
            else:
                self._send(200, PAYLOAD)
        elif path == "/missing":
            self._send(404, b"no such image")
        elif path == "/big-declared":  # promises a huge body, then stalls
            self._head(200, {"Content-Length": str(10**9)})
            self.wfile.write(b"x" * 100)
            self.wfile.flush()
            self.server.stop.wait(10)
        elif path == "/big-chunked":
            self._head(200, {"Transfer-Encoding": "chunked"})
            for _ in range(30):
                self.wfile.write(b"1000\r\n" + b"y" * 4096 + b"\r\n")
            self.wfile.write(b"0\r\n\r\n")
        elif path == "/big-close":  # no length: the body ends when the connection does
            self._head(200, {"Connection": "close"})
            self.wfile.write(b"z" * 50_000)
            self.close_connection = True
        elif path == "/stall":
            self.server.stop.wait(10)
        elif path == "/drip":  # every read is quick, the whole answer is not
            self._head(200, {"Content-Length": "100"})
            for _ in range(100):
                if self.server.stop.wait(0.1):
                    return
                self.wfile.write(b"d")
                self.wfile.flush()
        else:
            self._send(500, b"unknown test route")

    def _head(self, status: int, headers: dict[str, str]) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()

    def _send(self, status: int, body: bytes) -> None:
        self._head(status, {"Content-Length": str(len(body))})
        self.wfile.write(body)

    def _redirect(self, location: str) -> None:
        self._head(302, {"Location": location, "Content-Length": "0"})


@contextlib.contextmanager
def running(httpd: LocalServer) -> Iterator[LocalServer]:
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.02})
    thread.start()
    try:
        yield httpd
    finally:
        httpd.stop.set()
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)
