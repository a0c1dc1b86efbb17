"""The guarded backend and transport: the connection goes to the checked literal, the
request keeps the name (fake inner backend, then real TLS)."""

from __future__ import annotations

import shutil
import ssl
import subprocess
from pathlib import Path

import httpcore
import httpx
import pytest

from edge.remote.addresses import Resolver, address_is_public
from edge.remote.errors import RemoteFetchError
from edge.remote.transport import GuardedBackend, GuardedTransport
from tests.edge.remote.local_web import PAYLOAD, LocalServer, dns, running, simulated_public

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
