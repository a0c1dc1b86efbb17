"""Console sign-in, sessions and CSRF, through the app (ASGI, no browser)."""

from __future__ import annotations

import re

import httpx
import pytest

from config import Settings
from edge.console.routes import safe_next
from edge.console.session import SESSION_COOKIE, SessionCodec
from edge.http.app import create_app
from edge.http.auth import ADMIN_TOKEN_META, hash_token
from edge.services import Services
from tests.conftest import CURATOR_TOKEN

_NONCE = re.compile(r'name="csrf_token" value="([^"]+)"')


def form_token(page: str) -> str:
    found = _NONCE.search(page)
    assert found, "no csrf_token field on the page"
    return found.group(1)


async def sign_in(client: httpx.AsyncClient, token: str, next_: str = "/console") -> httpx.Response:
    page = await client.get("/console/sign-in")
    assert page.status_code == 200
    data = {"csrf_token": form_token(page.text), "token": token, "next": next_}
    return await client.post("/console/sign-in", data=data)


async def test_pages_need_a_session(client: httpx.AsyncClient) -> None:
    answer = await client.get("/console?x=1")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/console/sign-in?next=%2Fconsole%3Fx%3D1"


async def test_curator_signs_in_and_out(client: httpx.AsyncClient, curator: dict[str, str]) -> None:
    answer = await sign_in(client, CURATOR_TOKEN)
    assert answer.status_code == 303 and answer.headers["location"] == "/console"
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    for flag in ("HttpOnly", "SameSite=strict", "Path=/console", "Max-Age=43200"):
        assert flag.lower() in cookie.lower()
    assert "secure" not in cookie.lower()  # plain http: a browser would drop a Secure cookie
    assert CURATOR_TOKEN not in cookie

    home = await client.get("/console")
    assert home.status_code == 200
    assert "Curator" in home.text and 'href="/console/stores"' in home.text
    assert home.headers["cache-control"] == "no-store"
    csp = home.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp

    out = await client.post("/console/sign-out", data={"csrf_token": form_token(home.text)})
    assert out.status_code == 303
    assert (await client.get("/console")).status_code == 303


async def test_a_store_signs_in_with_its_key(client: httpx.AsyncClient, build) -> None:
    key = await build.store_key("Corner")
    assert (await sign_in(client, key)).status_code == 303
    home = await client.get("/console")
    assert "Corner" in home.text
    assert 'href="/console/stores"' not in home.text  # the curator's page is not offered


async def test_a_wrong_token_is_refused_and_says_so(
    client: httpx.AsyncClient, curator: dict[str, str]
) -> None:
    answer = await sign_in(client, "not-a-token")
    assert answer.status_code == 401
    assert "not a curator token or a store key" in answer.text
    assert SESSION_COOKIE not in answer.headers.get("set-cookie", "")


async def test_sign_in_without_its_form_token_is_refused(
    client: httpx.AsyncClient, curator: dict[str, str]
) -> None:
    answer = await client.post("/console/sign-in", data={"token": CURATOR_TOKEN})
    assert answer.status_code == 403
    assert SESSION_COOKIE not in answer.headers.get("set-cookie", "")


async def test_changes_without_the_csrf_token_are_refused(
    client: httpx.AsyncClient, curator: dict[str, str]
) -> None:
    await sign_in(client, CURATOR_TOKEN)
    assert (await client.post("/console/sign-out")).status_code == 403
    bad = await client.post("/console/sign-out", data={"csrf_token": "x" * 43})
    assert bad.status_code == 403 and "did not come from this console" in bad.text
    assert (await client.get("/console")).status_code == 200  # still signed in


async def test_the_csrf_header_is_accepted(
    client: httpx.AsyncClient, curator: dict[str, str]
) -> None:
    await sign_in(client, CURATOR_TOKEN)
    token = form_token((await client.get("/console")).text)
    answer = await client.post("/console/sign-out", headers={"x-csrf-token": token})
    assert answer.status_code == 303


async def test_a_forged_or_expired_cookie_is_no_session(
    client: httpx.AsyncClient, services: Services, curator: dict[str, str]
) -> None:
    await sign_in(client, CURATOR_TOKEN)
    real = client.cookies[SESSION_COOKIE]
    body, _, signature = real.partition(".")
    client.cookies.set(SESSION_COOKIE, f"{body}.{signature[:-2]}AA", path="/console")
    assert (await client.get("/console")).status_code == 303

    other_key = SessionCodec("a different secret, long enough to be one")
    forged = other_key.new_session(hash_token(CURATOR_TOKEN), 3600)
    client.cookies.set(SESSION_COOKIE, other_key.encode(forged), path="/console")
    assert (await client.get("/console")).status_code == 303


def test_the_codec_refuses_expired_and_malformed_values() -> None:
    codec = SessionCodec("k" * 32)
    session = codec.new_session("h" * 64, 60, now=1000.0)
    value = codec.encode(session)
    assert codec.decode(value, now=1059.0) == session
    assert codec.decode(value, now=1060.0) is None
    for junk in ("", ".", "abc", "a.b", value + "x", "!!!." + value.partition(".")[2]):
        assert codec.decode(junk, now=1000.0) is None
    assert codec.csrf_token("s1") != codec.csrf_token("s2")


async def test_a_changed_curator_token_ends_its_sessions(
    client: httpx.AsyncClient, services: Services, curator: dict[str, str]
) -> None:
    await sign_in(client, CURATOR_TOKEN)
    assert (await client.get("/console")).status_code == 200
    await services.catalog.set_meta(ADMIN_TOKEN_META, hash_token("the new curator token"))
    assert (await client.get("/console")).status_code == 303
    # The sign-in page shows its form (no redirect back to /console: a loop) and drops
    # the dead cookie.
    form = await client.get("/console/sign-in")
    assert form.status_code == 200
    assert SESSION_COOKIE not in client.cookies


async def test_a_session_over_https_is_secure(
    settings: Settings, services: Services, curator: dict[str, str]
) -> None:
    app = create_app(settings, services=services)
    app.state.services = services
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://edge.test") as https:
        answer = await sign_in(https, CURATOR_TOKEN)
    assert "secure" in answer.headers["set-cookie"].lower()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, "/console"),
        ("/console/products?q=cola", "/console/products?q=cola"),
        ("/console", "/console"),
        ("https://evil.example/", "/console"),
        ("//evil.example", "/console"),
        ("/console//evil.example", "/console"),
        ("/console\\..\\x", "/console"),
        ("/consoleX", "/console"),
        ("/api/products/1", "/console"),
    ],
)
def test_safe_next_keeps_people_in_the_console(raw: str | None, expected: str) -> None:
    assert safe_next(raw) == expected


async def test_the_console_can_be_turned_off(settings: Settings, services: Services) -> None:
    app = create_app(settings.replace(console=False), services=services)
    app.state.services = services
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://edge.test") as http:
        assert (await http.get("/console/sign-in")).status_code == 404
        assert (await http.get("/console/static/console.css")).status_code == 404


async def test_static_files_are_served(client: httpx.AsyncClient) -> None:
    answer = await client.get("/console/static/Sortable.min.js")
    assert answer.status_code == 200 and "javascript" in answer.headers["content-type"]
    assert (await client.get("/console/static/../templates/base.html")).status_code == 404


async def test_signing_out_ends_a_copied_cookie_too(
    client: httpx.AsyncClient, curator: dict[str, str]
) -> None:
    await sign_in(client, CURATOR_TOKEN)
    copied = client.cookies[SESSION_COOKIE]
    home = await client.get("/console")
    await client.post("/console/sign-out", data={"csrf_token": form_token(home.text)})
    client.cookies.set(SESSION_COOKIE, copied, path="/console")
    assert (await client.get("/console")).status_code == 303  # not still signed in
    client.cookies.clear()
    assert (await sign_in(client, CURATOR_TOKEN)).status_code == 303  # a new sign-in works
    assert (await client.get("/console")).status_code == 200
