"""SSRF-safe remote image fetch: URL gate, address gate, and a real local HTTP server."""

from __future__ import annotations

import contextlib
import ipaddress
import shutil
import socket
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

import anyio
import httpcore
import httpx
import pytest

from config import Settings
from edge.remote.fetch import (
    FetchPolicy,
    GuardedBackend,
    GuardedTransport,
    IPAddress,
    RemoteFetchError,
    Resolver,
    address_is_public,
    check_url,
    fetch_image,
    resolve_host,
)

ALLOWED = frozenset({"shop.example", "cdn.example"})
LOOPBACK = ipaddress.ip_address("127.0.0.1")
PAYLOAD = bytes(range(256)) * 20  # 5120 bytes


def simulated_public(ip: IPAddress) -> bool:
    """The default check, except that the local test server counts as public."""
    return ip == LOOPBACK or address_is_public(ip)


def policy(**changes: object) -> FetchPolicy:
    base: dict[str, object] = {
        "allowed_hosts": ALLOWED,
        "max_bytes": 10_000,
        "timeout_s": 2.0,
        "max_redirects": 3,
    }
    base.update(changes)
    return FetchPolicy(**base)  # type: ignore[arg-type]


class FakeDNS:
    def __init__(self, table: dict[str, Sequence[str]]) -> None:
        self.table = table
        self.calls: list[str] = []

    async def __call__(self, host: str, port: int) -> list[IPAddress]:
        self.calls.append(host)
        if host not in self.table:
            raise socket.gaierror(socket.EAI_NONAME, "unknown host")
        return [ipaddress.ip_address(a) for a in self.table[host]]


# --- check_url ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("https://shop.example/a.jpg?x=1", "shop.example"),
        ("http://shop.example:8080/a.jpg", "shop.example"),
        ("https://SHOP.Example/a.jpg", "shop.example"),
        ("https://shop.example./a.jpg", "shop.example"),
        ("HTTPS://cdn.example/a.jpg", "cdn.example"),
    ],
)
def test_check_url_accepts_exact_hosts(url: str, host: str) -> None:
    checked = check_url(url, ALLOWED)
    assert checked.host == host
    assert checked.scheme in ("http", "https")


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("https://shop.example@evil.test/x", "bad_url"),
        ("https://shop.example\\@evil.test/x", "bad_url"),
        ("http://user:pw@shop.example/", "bad_url"),
        ("https://evil.test#@shop.example/", "host_not_allowed"),
        ("https://shop.example.evil.test/", "host_not_allowed"),
        ("https://evilshop.example/", "host_not_allowed"),
        ("https://shop.example.evil/", "host_not_allowed"),
        ("https://xshop.example/", "host_not_allowed"),
        ("https://example/", "host_not_allowed"),
        ("https://shop.example../", "host_not_allowed"),
        ("https://shop%2eexample/", "host_not_allowed"),
        ("http://127.0.0.1/x", "host_not_allowed"),
        ("http://[::1]/x", "host_not_allowed"),
        ("http://169.254.169.254/latest/meta-data/", "host_not_allowed"),
        ("ftp://shop.example/x", "bad_url"),
        ("file:///etc/passwd", "bad_url"),
        ("//shop.example/x", "bad_url"),
        ("shop.example/x", "bad_url"),
        ("https:///x", "bad_url"),
        ("http://", "bad_url"),
        ("http://shop.example:99999/", "bad_url"),
        ("garbage", "bad_url"),
        ("", "bad_url"),
        (" https://shop.example/", "bad_url"),
        ("https://shop.example/\n", "bad_url"),
        ("http://[::1/", "bad_url"),
    ],
)
def test_check_url_refuses(url: str, code: str) -> None:
    with pytest.raises(RemoteFetchError) as info:
        check_url(url, ALLOWED)
    assert info.value.code == code
    assert "\n" not in info.value.message


def test_check_url_handles_idna_and_allowlisted_literals() -> None:
    assert check_url("https://Bücher.example/p", frozenset({"bücher.example"})).raw_host == (
        b"xn--bcher-kva.example"
    )
    assert check_url("https://xn--bcher-kva.example/p", frozenset({"bücher.example"}))
    assert check_url("http://93.184.216.34/x", frozenset({"93.184.216.34"})).host == (
        "93.184.216.34"
    )
    with pytest.raises(RemoteFetchError):
        check_url("https://shop.example/", frozenset())


def test_policy_from_settings() -> None:
    settings = Settings().replace(
        remote_image_hosts=" Shop.Example, cdn.example ,",
        remote_fetch_timeout_s=4.5,
        remote_fetch_max_redirects=2,
        max_source_mb=7,
    )
    assert FetchPolicy.from_settings(settings) == FetchPolicy(
        allowed_hosts=frozenset({"shop.example", "cdn.example"}),
        max_bytes=7 * 1024 * 1024,
        timeout_s=4.5,
        max_redirects=2,
    )


# --- address_is_public ----------------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "127.255.0.9",
        "10.1.2.3",
        "172.16.0.1",
        "172.31.255.255",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "100.127.255.254",
        "0.0.0.0",
        "0.1.2.3",
        "255.255.255.255",
        "224.0.0.1",
        "240.0.0.1",
        "198.18.0.1",
        "192.0.0.170",
        "192.0.2.1",
        "::",
        "::1",
        "::ffff:127.0.0.1",
        "::ffff:169.254.169.254",
        "::ffff:10.0.0.1",
        "::ffff:0:a00:1",  # IPv4-translated 10.0.0.1
        "::127.0.0.1",  # IPv4-compatible
        "::a9fe:a9fe",
        "2002:7f00:1::1",  # 6to4 of 127.0.0.1
        "2002:a9fe:a9fe::1",
        "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254
        "64:ff9b::7f00:1",
        "64:ff9b:1::808:808",  # local-use NAT64
        "2001:0:4136:e378:8000:63bf:3fff:fdd2",  # Teredo
        "2001:db8::1",
        "2001:2::1",  # benchmarking
        "3fff::1",  # documentation (2024)
        "5f00::1",  # SRv6
        "fe80::1",
        "fe80::1%1",
        "fd00:ec2::254",
        "fc00::1",
        "fec0::1",
        "ff02::1",
        "100::1",
        "::1:0:0:1",  # reserved ::/8
    ],
)
def test_non_public_addresses(address: str) -> None:
    assert address_is_public(ipaddress.ip_address(address)) is False


@pytest.mark.parametrize(
    "address",
    [
        "93.184.216.34",
        "8.8.8.8",
        "1.1.1.1",
        "2606:4700::1111",
        "2a00:1450:4001:80b::200e",
        "::ffff:8.8.8.8",  # mapped, but a public IPv4
        "64:ff9b::808:808",  # NAT64 of a public IPv4
        "2002:808:808::1",  # 6to4 of a public IPv4
    ],
)
def test_public_addresses(address: str) -> None:
    assert address_is_public(ipaddress.ip_address(address)) is True


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


@pytest.fixture
def server() -> Iterator[LocalServer]:
    with running(LocalServer()) as httpd:
        yield httpd


def dns(**hosts: str | list[str]) -> FakeDNS:
    table = {name.replace("_", "."): [a] if isinstance(a, str) else a for name, a in hosts.items()}
    return FakeDNS(table)


async def refused(url: str, fetch_policy: FetchPolicy, **kwargs: object) -> RemoteFetchError:
    with pytest.raises(RemoteFetchError) as info:
        await fetch_image(url, fetch_policy, **kwargs)  # type: ignore[arg-type]
    assert "\n" not in info.value.message
    return info.value


async def test_fetch_returns_exact_bytes(server: LocalServer) -> None:
    resolver = dns(shop_example="127.0.0.1")
    body = await fetch_image(
        server.url("shop.example", "/ok"),
        policy(),
        resolver=resolver,
        address_allowed=simulated_public,
    )
    assert body == PAYLOAD
    assert resolver.calls == ["shop.example"]
    [request] = server.requests
    assert request["path"] == "/ok"
    assert request["Host"] == f"shop.example:{server.port}"
    assert request["User-Agent"].startswith("imgedge")
    assert server.connections == 1


@pytest.mark.parametrize(
    "answers",
    [
        ["127.0.0.1"],
        ["169.254.169.254"],
        ["10.0.0.1"],
        ["100.64.0.1"],
        ["::ffff:127.0.0.1"],
        ["fd00:ec2::254"],
        ["93.184.216.34", "127.0.0.1"],  # one bad answer refuses the host
        ["127.0.0.1", "93.184.216.34"],
    ],
)
async def test_default_check_refuses_before_connecting(
    server: LocalServer, answers: list[str]
) -> None:
    error = await refused(
        server.url("shop.example", "/ok"), policy(), resolver=dns(shop_example=answers)
    )
    assert error.code == "address_not_public"
    assert "shop.example" in error.message
    for answer in answers:
        assert answer not in error.message  # internal addresses are not shown
    await anyio.sleep(0.05)  # let a connection that should not exist reach the server
    assert server.connections == 0
    assert server.requests == []


async def test_allowlisted_ip_literal_is_still_checked(server: LocalServer) -> None:
    resolver = dns()
    error = await refused(
        server.url("127.0.0.1", "/ok"),
        policy(allowed_hosts=frozenset({"127.0.0.1"})),
        resolver=resolver,
    )
    assert error.code == "address_not_public"
    assert resolver.calls == []
    await anyio.sleep(0.05)
    assert server.connections == 0


async def test_real_resolver_and_default_check_refuse_localhost(server: LocalServer) -> None:
    addresses = await resolve_host("localhost", server.port)
    assert addresses and not any(address_is_public(ip) for ip in addresses)
    error = await refused(
        server.url("localhost", "/ok"), policy(allowed_hosts=frozenset({"localhost"}))
    )
    assert error.code == "address_not_public"
    await anyio.sleep(0.05)
    assert server.connections == 0


@pytest.mark.parametrize(
    "target",
    [
        "http://127.0.0.1:{port}/ok",
        "http://localhost:{port}/ok",
        "http://evil.test:{port}/ok",
        "http://shop.example@evil.test:{port}/ok",
        "ftp://cdn.example/ok",
    ],
)
async def test_redirect_off_the_allowlist_is_refused(server: LocalServer, target: str) -> None:
    location = quote(target.format(port=server.port), safe="")
    error = await refused(
        server.url("shop.example", f"/redirect?to={location}"),
        policy(),
        resolver=dns(shop_example="127.0.0.1", evil_test="127.0.0.1", localhost="127.0.0.1"),
        address_allowed=simulated_public,
    )
    assert error.code in ("host_not_allowed", "bad_url")
    assert [r["path"] for r in server.requests] == [f"/redirect?to={location}"]


async def test_redirect_to_allowed_host_with_private_address_is_refused(
    server: LocalServer,
) -> None:
    location = quote(server.url("cdn.example", "/ok"), safe="")
    resolver = dns(shop_example="127.0.0.1", cdn_example="10.0.0.1")
    error = await refused(
        server.url("shop.example", f"/redirect?to={location}"),
        policy(),
        resolver=resolver,
        address_allowed=simulated_public,
    )
    assert error.code == "address_not_public"
    assert "cdn.example" in error.message
    assert resolver.calls == ["shop.example", "cdn.example"]
    assert len(server.requests) == 1


async def test_redirect_to_allowed_public_host_is_followed(server: LocalServer) -> None:
    location = quote(server.url("cdn.example", "/ok"), safe="")
    body = await fetch_image(
        server.url("shop.example", f"/redirect?to={location}"),
        policy(),
        resolver=dns(shop_example="127.0.0.1", cdn_example="127.0.0.1"),
        address_allowed=simulated_public,
    )
    assert body == PAYLOAD
    assert [r["Host"] for r in server.requests] == [
        f"shop.example:{server.port}",
        f"cdn.example:{server.port}",
    ]


async def test_redirect_limit(server: LocalServer) -> None:
    kwargs = {"resolver": dns(shop_example="127.0.0.1"), "address_allowed": simulated_public}
    body = await fetch_image(server.url("shop.example", "/hops/3"), policy(), **kwargs)
    assert body == PAYLOAD
    server.requests.clear()

    error = await refused(server.url("shop.example", "/hops/4"), policy(), **kwargs)
    assert error.code == "too_many_redirects"
    assert [r["path"] for r in server.requests] == ["/hops/4", "/hops/3", "/hops/2", "/hops/1"]

    error = await refused(server.url("shop.example", "/hops/1"), policy(max_redirects=0), **kwargs)
    assert error.code == "too_many_redirects"


@pytest.mark.parametrize("path", ["/big-declared", "/big-chunked", "/big-close"])
async def test_body_over_the_limit_is_refused(server: LocalServer, path: str) -> None:
    started = time.monotonic()
    error = await refused(
        server.url("shop.example", path),
        policy(max_bytes=10_000, timeout_s=3.0),
        resolver=dns(shop_example="127.0.0.1"),
        address_allowed=simulated_public,
    )
    assert error.code == "too_large"
    # /big-declared stalls after 100 bytes: only the Content-Length check answers in time.
    assert time.monotonic() - started < 1.5


async def test_body_at_the_limit_is_accepted(server: LocalServer) -> None:
    body = await fetch_image(
        server.url("shop.example", "/ok"),
        policy(max_bytes=len(PAYLOAD)),
        resolver=dns(shop_example="127.0.0.1"),
        address_allowed=simulated_public,
    )
    assert body == PAYLOAD


@pytest.mark.parametrize("path", ["/stall", "/drip"])
async def test_slow_server_times_out(server: LocalServer, path: str) -> None:
    started = time.monotonic()
    error = await refused(
        server.url("shop.example", path),
        policy(timeout_s=0.5),
        resolver=dns(shop_example="127.0.0.1"),
        address_allowed=simulated_public,
    )
    elapsed = time.monotonic() - started
    assert error.code == "timeout"
    assert 0.4 < elapsed < 1.5


async def test_http_error_status(server: LocalServer) -> None:
    error = await refused(
        server.url("shop.example", "/missing"),
        policy(),
        resolver=dns(shop_example="127.0.0.1"),
        address_allowed=simulated_public,
    )
    assert error.code == "http_status"
    assert "404" in error.message


async def test_connect_failures() -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        closed_port = sock.getsockname()[1]
    error = await refused(
        f"http://shop.example:{closed_port}/ok",
        policy(),
        resolver=dns(shop_example="127.0.0.1"),
        address_allowed=simulated_public,
    )
    assert error.code == "connect_failed"

    error = await refused("http://shop.example/ok", policy(), resolver=dns())
    assert error.code == "connect_failed"

    error = await refused("http://shop.example/ok", policy(), resolver=dns(shop_example=[]))
    assert error.code == "connect_failed"


# --- the connection goes to the checked literal, the request keeps the name -------------


class FakeStream(httpcore.AsyncNetworkStream):
    def __init__(self) -> None:
        self.written = bytearray()
        self.server_hostname: str | None = None
        self._reply = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:  # noqa: ASYNC109
        out, self._reply = self._reply[:max_bytes], self._reply[max_bytes:]
        return out

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:  # noqa: ASYNC109
        self.written += buffer

    async def aclose(self) -> None:
        pass

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,  # noqa: ASYNC109
    ) -> httpcore.AsyncNetworkStream:
        self.server_hostname = server_hostname
        return self

    def get_extra_info(self, info: str) -> object:
        return None


class RecordingBackend(httpcore.AsyncNetworkBackend):
    def __init__(self, unreachable: frozenset[str] = frozenset()) -> None:
        self.connects: list[tuple[str, int]] = []
        self.unreachable = unreachable
        self.stream = FakeStream()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109
        local_address: str | None = None,
        socket_options: object = None,
    ) -> httpcore.AsyncNetworkStream:
        self.connects.append((host, port))
        if host in self.unreachable:
            raise httpcore.ConnectError("unreachable")
        return self.stream


async def guarded_get(url: str, resolver: Resolver, inner: RecordingBackend) -> httpx.Response:
    backend = GuardedBackend(resolver, address_is_public, inner=inner)
    async with httpx.AsyncClient(transport=GuardedTransport(backend)) as client:
        response = await client.get(url)
        await response.aread()
        return response


async def test_https_connects_to_the_literal_but_keeps_the_name() -> None:
    inner = RecordingBackend()
    response = await guarded_get(
        "https://shop.example/p.jpg", dns(shop_example="93.184.216.34"), inner
    )
    assert response.content == b"ok"
    assert inner.connects == [("93.184.216.34", 443)]
    assert inner.stream.server_hostname == "shop.example"  # SNI and certificate name
    assert bytes(inner.stream.written).startswith(b"GET /p.jpg HTTP/1.1\r\n")
    assert b"\r\nHost: shop.example\r\n" in inner.stream.written
    assert response.request.url.host == "shop.example"


async def test_next_address_is_tried_when_one_is_unreachable() -> None:
    inner = RecordingBackend(unreachable=frozenset({"2606:4700::1111"}))
    response = await guarded_get(
        "http://shop.example/p.jpg", dns(shop_example=["2606:4700::1111", "93.184.216.34"]), inner
    )
    assert response.status_code == 200
    assert inner.connects == [("2606:4700::1111", 80), ("93.184.216.34", 80)]


async def test_backend_refuses_without_touching_the_inner_backend() -> None:
    inner = RecordingBackend()
    with pytest.raises(RemoteFetchError) as info:
        await guarded_get(
            "http://shop.example/", dns(shop_example=["93.184.216.34", "10.0.0.1"]), inner
        )
    assert info.value.code == "address_not_public"
    assert inner.connects == []


# --- real TLS: the certificate names shop.example, the socket goes to 127.0.0.1 ---------


@pytest.fixture
def certificate(tmp_path: Path) -> tuple[Path, Path]:
    if shutil.which("openssl") is None:
        pytest.skip("openssl not available")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    command = "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=shop.example"
    san = ["-addext", "subjectAltName=DNS:shop.example"]
    subprocess.run(
        [*command.split(), *san, "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )
    return cert, key


async def test_tls_uses_the_host_name_for_sni_and_verification(
    certificate: tuple[Path, Path],
) -> None:
    cert, key = certificate
    server_names: list[str | None] = []
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_ctx.load_cert_chain(cert, key)
    server_ctx.sni_callback = lambda sock, name, ctx: server_names.append(name)
    client_ctx = ssl.create_default_context(cafile=str(cert))

    backend = GuardedBackend(dns(shop_example="127.0.0.1"), simulated_public)
    transport = GuardedTransport(backend, ssl_context=client_ctx)
    with running(LocalServer(tls=server_ctx)) as server:
        async with httpx.AsyncClient(transport=transport, trust_env=False) as client:
            response = await client.get(f"https://shop.example:{server.port}/ok")
    assert response.content == PAYLOAD
    assert server_names == ["shop.example"]
    # The certificate has no IP entry, so verifying against the literal would have failed.
    assert server.requests[0]["Host"] == f"shop.example:{server.port}"
