"""The URL gate: schemes, userinfo, ports and exact, normalized allowlist hosts."""

from __future__ import annotations

import pytest

from edge.remote.errors import RemoteFetchError
from edge.remote.urls import check_url

ALLOWED = frozenset({"shop.example", "cdn.example"})


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
