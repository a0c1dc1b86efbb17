"""Fetching a store's remote image (`image_url`) without server-side request forgery.

Two independent gates:

* `check_url` (pure): http(s) only, no userinfo, host exactly on the allowlist. Runs on the
  first URL and on every redirect target.
* `GuardedBackend` (at connect time): the host is resolved here, every address must pass
  `address_allowed`, and the socket is opened to the checked IP literal, so DNS cannot
  answer differently between the check and the connection (rebinding).

The body is streamed under a byte limit and the whole fetch, redirects included, runs
under one deadline. Failures raise `RemoteFetchError` with a short code and a one-line
message that is safe to store and show to the store (no internal addresses).
"""

from __future__ import annotations

import contextlib
import functools
import ipaddress
import socket
import ssl
from collections.abc import (
    AsyncIterable,
    AsyncIterator,
    Awaitable,
    Callable,
    Iterable,
    Iterator,
    Sequence,
)
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Literal, TypeAlias

import anyio
import httpcore
import httpx

if TYPE_CHECKING:
    from config import Settings

IPAddress: TypeAlias = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver: TypeAlias = Callable[[str, int], Awaitable[Sequence[IPAddress]]]
AddressPredicate: TypeAlias = Callable[[IPAddress], bool]

FetchErrorCode: TypeAlias = Literal[
    "bad_url",
    "host_not_allowed",
    "address_not_public",
    "too_many_redirects",
    "http_status",
    "too_large",
    "timeout",
    "connect_failed",
    "transfer_failed",  # the connection broke or the server spoke broken HTTP mid-answer
]


class RemoteFetchError(Exception):
    def __init__(self, code: FetchErrorCode, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code: FetchErrorCode = code
        self.message = message


@dataclass(frozen=True, slots=True)
class FetchPolicy:
    allowed_hosts: frozenset[str]
    max_bytes: int
    timeout_s: float
    max_redirects: int

    @classmethod
    def from_settings(cls, settings: Settings) -> FetchPolicy:
        return cls(
            allowed_hosts=settings.remote.host_set,
            max_bytes=settings.render.max_source_mb * 1024 * 1024,  # an original's limit
            timeout_s=settings.remote.timeout_s,
            max_redirects=settings.remote.max_redirects,
        )


# --- URL gate -------------------------------------------------------------------------


def _shown(host: str) -> str:
    """A host as it may appear in a message (ASCII already; bounded length)."""
    return host if len(host) <= 80 else host[:77] + "..."


def _normalize_host(host: str) -> str:
    """Lowercase ASCII (IDNA) form without brackets or one trailing dot, as httpx encodes it."""
    raw = httpx.URL(scheme="http", host=host).raw_host.decode("ascii")
    return raw.removesuffix(".")


@functools.lru_cache(maxsize=16)
def _normalized_allowlist(allowed_hosts: frozenset[str]) -> frozenset[str]:
    out = set()
    for host in allowed_hosts:
        with contextlib.suppress(httpx.InvalidURL):
            out.add(_normalize_host(host))
    return frozenset(out)


def check_url(url: str, allowed_hosts: frozenset[str]) -> httpx.URL:
    """The URL to request, with its host normalized; `RemoteFetchError` unless acceptable."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError, ValueError):
        raise RemoteFetchError("bad_url", "not a valid URL") from None
    if parsed.scheme not in ("http", "https"):
        raise RemoteFetchError("bad_url", "only http and https URLs can be fetched")
    if parsed.userinfo:
        raise RemoteFetchError("bad_url", "URLs with a user name or password are refused")
    host = parsed.raw_host.decode("ascii").removesuffix(".")
    if not host:
        raise RemoteFetchError("bad_url", "the URL has no host")
    if parsed.port is not None and not 0 < parsed.port < 65536:
        raise RemoteFetchError("bad_url", "the URL has an invalid port")
    # Exact match only: no suffix/prefix logic, so look-alikes can never pass.
    if host not in _normalized_allowlist(allowed_hosts):
        raise RemoteFetchError("host_not_allowed", f"host {_shown(host)} is not allowed")
    return parsed.copy_with(host=host)


# --- address gate ---------------------------------------------------------------------

_V4_REFUSED = tuple(
    ipaddress.IPv4Network(n)
    for n in (
        "0.0.0.0/8",  # "this network"
        "10.0.0.0/8",
        "100.64.0.0/10",  # CGNAT shared space
        "127.0.0.0/8",
        "169.254.0.0/16",  # link-local, cloud metadata 169.254.169.254
        "172.16.0.0/12",
        "192.0.0.0/24",  # IETF protocol assignments
        "192.0.2.0/24",  # documentation
        "192.88.99.0/24",  # 6to4 relay anycast
        "192.168.0.0/16",
        "198.18.0.0/15",  # benchmarking
        "198.51.100.0/24",  # documentation
        "203.0.113.0/24",  # documentation
        "224.0.0.0/4",  # multicast
        "240.0.0.0/4",  # reserved, broadcast
    )
)

_V6_REFUSED = tuple(
    ipaddress.IPv6Network(n)
    for n in (
        "::/128",
        "::1/128",
        "100::/64",  # discard
        "2001::/23",  # IETF assignments: Teredo 2001::/32 (tunnel), benchmarking, ORCHID
        "2001:db8::/32",  # documentation
        "3fff::/20",  # documentation
        "5f00::/16",  # SRv6 SIDs
        "64:ff9b:1::/48",  # local-use NAT64: where the IPv4 sits depends on the operator
        "fc00::/7",  # unique local, incl. metadata fd00:ec2::254
        "fe80::/10",  # link-local
        "fec0::/10",  # site-local (deprecated)
        "ff00::/8",  # multicast
    )
)

# Prefixes whose last 32 bits are an IPv4 address the packets end up at.
_V6_EMBEDDING_LOW32 = tuple(
    ipaddress.IPv6Network(n)
    for n in (
        "::ffff:0:0/96",  # IPv4-mapped
        "::ffff:0:0:0/96",  # IPv4-translated (SIIT)
        "::/96",  # IPv4-compatible (deprecated)
        "64:ff9b::/96",  # NAT64 well-known prefix
    )
)


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip.sixtofour is not None:  # 2002::/16
        return ip.sixtofour
    if any(ip in net for net in _V6_EMBEDDING_LOW32):
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def address_is_public(ip: IPAddress) -> bool:
    """True only for a globally routable unicast address (embedded IPv4 checked too)."""
    if isinstance(ip, ipaddress.IPv6Address):
        if any(ip in net for net in _V6_REFUSED):
            return False
        embedded = _embedded_ipv4(ip)
        if embedded is not None:
            return address_is_public(embedded)
        if ip.is_site_local:
            return False
    elif any(ip in net for net in _V4_REFUSED):
        return False
    # The explicit lists above do not depend on the Python version; these properties
    # catch whatever else the running ipaddress module knows to be special.
    special = (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
    )
    return ip.is_global and not special


async def resolve_host(host: str, port: int) -> list[IPAddress]:
    """Every address the system resolver gives for `host`, in its order, deduplicated."""
    infos = await anyio.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(ipaddress.ip_address(info[4][0]) for info in infos))


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
                "address_not_public", f"{_shown(host)} resolves to a non-public address"
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


# --- the fetch ----------------------------------------------------------------------------

_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})


def _user_agent() -> str:
    try:
        return f"imgedge/{version('imgedge')}"
    except PackageNotFoundError:
        return "imgedge"


_HEADERS = {
    "User-Agent": _user_agent(),
    "Accept": "image/*",
    # Raw bytes are counted against the limit; no decompression on our side.
    "Accept-Encoding": "identity",
}


def _redirect_target(response: httpx.Response, allowed_hosts: frozenset[str]) -> httpx.URL:
    try:
        target = response.url.join(response.headers["location"])
    except (httpx.InvalidURL, UnicodeError, ValueError):
        raise RemoteFetchError("bad_url", "redirected to an invalid URL") from None
    return check_url(str(target), allowed_hosts)


def _check_status(response: httpx.Response) -> None:
    if not 200 <= response.status_code < 300:
        raise RemoteFetchError("http_status", f"the server answered HTTP {response.status_code}")


async def _read_limited(response: httpx.Response, max_bytes: int) -> bytes:
    too_large = RemoteFetchError("too_large", f"the image is larger than {max_bytes} bytes")
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise too_large
    body = bytearray()
    async for chunk in response.aiter_raw():
        body += chunk
        if len(body) > max_bytes:
            raise too_large
    return bytes(body)


async def _follow(client: httpx.AsyncClient, url: httpx.URL, policy: FetchPolicy) -> bytes:
    redirects = 0
    while True:
        async with client.stream("GET", url) as response:
            is_redirect = (
                response.status_code in _REDIRECT_STATUSES and "location" in response.headers
            )
            if not is_redirect:
                _check_status(response)
                return await _read_limited(response, policy.max_bytes)
            if redirects >= policy.max_redirects:
                raise RemoteFetchError(
                    "too_many_redirects", f"more than {policy.max_redirects} redirects"
                )
            redirects += 1
            url = _redirect_target(response, policy.allowed_hosts)


def _failed_host(exc: httpx.TransportError) -> str:
    try:
        return _shown(exc.request.url.raw_host.decode("ascii"))
    except RuntimeError:  # no request attached
        return "the server"


async def fetch_image(
    url: str,
    policy: FetchPolicy,
    *,
    resolver: Resolver = resolve_host,
    address_allowed: AddressPredicate = address_is_public,
) -> bytes:
    """The bytes at `url` (type not checked here); `RemoteFetchError` says why not."""
    first = check_url(url, policy.allowed_hosts)
    transport = GuardedTransport(GuardedBackend(resolver, address_allowed))
    async with httpx.AsyncClient(
        transport=transport,
        trust_env=False,  # no proxy, netrc or CA bundle from the environment
        follow_redirects=False,  # followed by `_follow`, checking every hop
        timeout=policy.timeout_s,
        headers=_HEADERS,
    ) as client:
        try:
            with anyio.fail_after(policy.timeout_s):  # one deadline for all hops
                return await _follow(client, first, policy)
        except (TimeoutError, httpx.TimeoutException) as exc:
            raise RemoteFetchError(
                "timeout", f"no complete answer within {policy.timeout_s:g} s"
            ) from exc
        except httpx.ConnectError as exc:
            raise RemoteFetchError(
                "connect_failed", f"could not connect to {_failed_host(exc)}"
            ) from exc
        except httpx.TransportError as exc:
            raise RemoteFetchError(
                "transfer_failed", f"the download from {_failed_host(exc)} broke off"
            ) from exc
