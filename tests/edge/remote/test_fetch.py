"""`fetch_image` against a real local HTTP server: address checks on every hop, redirects,
size and time limits, and how failures are reported."""

from __future__ import annotations

import socket
import time
from urllib.parse import quote

import anyio
import pytest

from config import Settings
from edge.remote.addresses import address_is_public, resolve_host
from edge.remote.errors import RemoteFetchError
from edge.remote.fetch import FetchPolicy, fetch_image
from tests.edge.remote.local_web import PAYLOAD, LocalServer, dns, simulated_public

ALLOWED = frozenset({"shop.example", "cdn.example"})


def policy(**changes: object) -> FetchPolicy:
    base: dict[str, object] = {
        "allowed_hosts": ALLOWED,
        "max_bytes": 10_000,
        "timeout_s": 2.0,
        "max_redirects": 3,
    }
    base.update(changes)
    return FetchPolicy(**base)  # type: ignore[arg-type]


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
