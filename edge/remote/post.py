"""`post_json`: one POST to a configured URL (a webhook), through the same gates as a
remote image fetch: http(s) only, no userinfo, every connection to a public address
checked at connect time (`edge.remote.transport`). Redirects are not followed (a 3xx is
the receiver's answer, not a 2xx). Failures raise `RemoteFetchError`."""

from __future__ import annotations

from collections.abc import Mapping

import httpx

from edge.remote.addresses import AddressPredicate, Resolver, address_is_public, resolve_host
from edge.remote.errors import RemoteFetchError
from edge.remote.fetch import USER_AGENT, guarded_client
from edge.remote.urls import check_url


def _own_host(url: str) -> frozenset[str]:
    """The URL's own host: the operator configured this very URL, so no other list
    applies; the URL gate's other rules (scheme, userinfo, port) still do."""
    try:
        return frozenset({httpx.URL(url).host})
    except (httpx.InvalidURL, TypeError, ValueError):
        raise RemoteFetchError("bad_url", "not a valid URL") from None


def check_post_url(url: str, allowed_hosts: frozenset[str] = frozenset()) -> httpx.URL:
    """The URL gate for a webhook URL: http(s), a host (one of `allowed_hosts`, if any),
    no user or password, a valid port (`RemoteFetchError` otherwise); addresses are
    judged when connecting."""
    return check_url(url, allowed_hosts or _own_host(url))


async def post_json(
    url: str,
    body: bytes,
    headers: Mapping[str, str],
    *,
    timeout_s: float,
    resolver: Resolver = resolve_host,
    address_allowed: AddressPredicate = address_is_public,
) -> int:
    """POST `body` (JSON) to `url` and return the answer's status; the answer's body is
    not read."""
    target = check_post_url(url)
    sent = {"User-Agent": USER_AGENT, **headers, "Content-Type": "application/json"}
    async with (
        guarded_client(
            timeout_s, sent, resolver=resolver, address_allowed=address_allowed
        ) as client,
        client.stream("POST", target, content=body) as response,
    ):
        return response.status_code
