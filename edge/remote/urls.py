"""The URL gate: which URLs may be requested, with their host normalized as httpx sends it."""

from __future__ import annotations

import contextlib
import functools

import httpx

from edge.remote.errors import RemoteFetchError


def shown_host(host: str) -> str:
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
        raise RemoteFetchError("host_not_allowed", f"host {shown_host(host)} is not allowed")
    return parsed.copy_with(host=host)
