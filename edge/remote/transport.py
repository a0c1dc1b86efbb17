"""The guarded connection: an httpcore network backend that connects only to checked
addresses, and a minimal httpx transport over it (httpcore exceptions become httpx ones)."""

from __future__ import annotations

import contextlib
import ipaddress
import ssl
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator, Sequence

import httpcore
import httpx

from edge.remote.addresses import (
    AddressPredicate,
    IPAddress,
    Resolver,
    address_is_public,
    resolve_host,
)
from edge.remote.errors import RemoteFetchError
from edge.remote.urls import shown_host


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """Resolves, checks and connects to an IP literal; wraps another backend (AnyIO)."""

    def __init__(
        self,
        resolver: Resolver = resolve_host,
        address_allowed: AddressPredicate = address_is_public,
        inner: httpcore.AsyncNetworkBackend | None = None,
    ) -> None:
        self._resolve = resolver
        self._allowed = address_allowed
        self._inner = inner if inner is not None else httpcore.AnyIOBackend()

    async def _addresses(self, host: str, port: int) -> Sequence[IPAddress]:
        try:
            return [ipaddress.ip_address(host)]  # an IP literal in the URL
        except ValueError:
            pass
        try:
            addresses = await self._resolve(host, port)
        except OSError as exc:
            raise httpcore.ConnectError(f"could not resolve {host}") from exc
        if not addresses:
            raise httpcore.ConnectError(f"could not resolve {host}")
        return addresses

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        addresses = await self._addresses(host, port)
        # One non-public answer refuses the whole host, rather than connecting to the
        # public ones only: a name that mixes both is misconfigured or hostile.
        if not all(self._allowed(ip) for ip in addresses):
            raise RemoteFetchError(
                "address_not_public", f"{shown_host(host)} resolves to a non-public address"
            )
        last_error: Exception | None = None
        for ip in addresses:
            try:
                # `host` here is only the TCP peer. httpcore 1.0.9 (_async/connection.py,
                # `_connect`) calls start_tls with server_hostname=the URL's host, and the
                # Host header comes from the request URL, so SNI and the certificate check
                # still use the name, never this literal.
                return await self._inner.connect_tcp(
                    str(ip),
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last_error = exc
        assert last_error is not None
        raise last_error

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("unix sockets are never used for remote images")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


# --- httpx transport over the guarded backend -------------------------------------------

# httpcore exception -> httpx exception; first match wins, so subclasses come first.
_ERROR_MAP: tuple[tuple[type[Exception], type[httpx.TransportError]], ...] = (
    (httpcore.TimeoutException, httpx.TimeoutException),
    (httpcore.ConnectError, httpx.ConnectError),
    (httpcore.NetworkError, httpx.NetworkError),
    (httpcore.UnsupportedProtocol, httpx.UnsupportedProtocol),
    (httpcore.ProtocolError, httpx.ProtocolError),
)


@contextlib.contextmanager
def _httpx_errors() -> Iterator[None]:
    try:
        yield
    except Exception as exc:
        for source, target in _ERROR_MAP:
            if isinstance(exc, source):
                raise target(str(exc)) from exc
        raise


class _ResponseStream(httpx.AsyncByteStream):
    def __init__(self, stream: AsyncIterable[bytes]) -> None:
        self._stream = stream

    async def __aiter__(self) -> AsyncIterator[bytes]:
        with _httpx_errors():
            async for part in self._stream:
                yield part

    async def aclose(self) -> None:
        aclose = getattr(self._stream, "aclose", None)
        if aclose is not None:
            await aclose()


class GuardedTransport(httpx.AsyncBaseTransport):
    """A minimal httpx transport: an httpcore pool whose connections go through `backend`."""

    def __init__(
        self, backend: httpcore.AsyncNetworkBackend, *, ssl_context: ssl.SSLContext | None = None
    ) -> None:
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=ssl_context or httpx.create_ssl_context(trust_env=False),
            network_backend=backend,
        )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        core_request = httpcore.Request(
            method=request.method,
            url=httpcore.URL(
                scheme=request.url.raw_scheme,
                host=request.url.raw_host,
                port=request.url.port,
                target=request.url.raw_path,
            ),
            headers=request.headers.raw,
            content=request.stream,
            extensions=request.extensions,
        )
        with _httpx_errors():
            response = await self._pool.handle_async_request(core_request)
        assert isinstance(response.stream, AsyncIterable)  # the async pool streams async
        return httpx.Response(
            status_code=response.status,
            headers=response.headers,
            stream=_ResponseStream(response.stream),
            extensions=response.extensions,
        )

    async def aclose(self) -> None:
        await self._pool.aclose()
