"""`fetch_image`: one remote image under a `FetchPolicy`, redirects checked hop by hop.

Every redirect target passes the URL gate again and every connection the address gate
(`edge.remote.transport`); the body is streamed under a byte limit and the whole fetch,
redirects included, runs under one deadline. Failures raise `RemoteFetchError`.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING

import anyio
import httpx

from edge.remote.addresses import AddressPredicate, Resolver, address_is_public, resolve_host
from edge.remote.errors import RemoteFetchError
from edge.remote.transport import GuardedBackend, GuardedTransport
from edge.remote.urls import check_url, shown_host

if TYPE_CHECKING:
    from config import Settings


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
            max_bytes=settings.render.max_source_bytes,  # an original's limit
            timeout_s=settings.remote.timeout_s,
            max_redirects=settings.remote.max_redirects,
        )


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
USER_AGENT = _HEADERS["User-Agent"]


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
        return shown_host(exc.request.url.raw_host.decode("ascii"))
    except RuntimeError:  # no request attached
        return "the server"


@contextlib.asynccontextmanager
async def guarded_client(
    timeout_s: float,
    headers: Mapping[str, str],
    *,
    resolver: Resolver = resolve_host,
    address_allowed: AddressPredicate = address_is_public,
) -> AsyncIterator[httpx.AsyncClient]:
    """A client whose every connection passes the address gate, under one deadline for
    whatever the block does with it; its failures become `RemoteFetchError`."""
    transport = GuardedTransport(GuardedBackend(resolver, address_allowed))
    async with httpx.AsyncClient(
        transport=transport,
        trust_env=False,  # no proxy, netrc or CA bundle from the environment
        follow_redirects=False,  # followed (or not) by the caller, checking every hop
        timeout=timeout_s,
        headers=headers,
    ) as client:
        try:
            with anyio.fail_after(timeout_s):  # one deadline for all hops
                yield client
        except (TimeoutError, httpx.TimeoutException) as exc:
            raise RemoteFetchError("timeout", f"no complete answer within {timeout_s:g} s") from exc
        except httpx.ConnectError as exc:
            raise RemoteFetchError(
                "connect_failed", f"could not connect to {_failed_host(exc)}"
            ) from exc
        except httpx.TransportError as exc:
            raise RemoteFetchError(
                "transfer_failed", f"the exchange with {_failed_host(exc)} broke off"
            ) from exc


async def fetch_image(
    url: str,
    policy: FetchPolicy,
    *,
    resolver: Resolver = resolve_host,
    address_allowed: AddressPredicate = address_is_public,
) -> bytes:
    """The bytes at `url` (type not checked here); `RemoteFetchError` says why not."""
    first = check_url(url, policy.allowed_hosts)
    async with guarded_client(
        policy.timeout_s, _HEADERS, resolver=resolver, address_allowed=address_allowed
    ) as client:
        return await _follow(client, first, policy)
