"""Console sessions in a real browser against a real server: what the browser keeps of the
session cookie, signing out, CSRF and SameSite against a cross-site form, forged and
expired cookies, and `Secure` behind a TLS-terminating proxy (uvicorn's forwarded
headers). The cookie rules themselves are unit-tested in tests/edge/console/."""

from __future__ import annotations

import re
import time

import httpx
import pytest

from edge.console.session import SESSION_COOKIE, SessionCodec
from edge.http.auth import hash_token
from tests.browser.helpers import sign_in
from tests.browser.server import SESSION_SECRET

STORE = "Green Grocer"


def _session_cookie(page) -> dict | None:
    found = [c for c in page.context.cookies() if c["name"] == SESSION_COOKIE]
    return found[0] if found else None


def _signed_in_as(page) -> str:
    return page.locator("header .who span").inner_text()


def test_curator_signs_in_to_a_cookie_scripts_cannot_read(server, page):
    sign_in(page, server, server.admin_token)

    assert page.url == f"{server.url}/console"
    assert _signed_in_as(page) == "Curator"
    assert page.get_by_role("link", name="Stores").is_visible()
    cookie = _session_cookie(page)
    assert cookie is not None
    assert (cookie["httpOnly"], cookie["sameSite"], cookie["secure"]) == (True, "Strict", False)
    assert cookie["path"] == "/console"
    assert 11 * 3600 < cookie["expires"] - time.time() <= 12 * 3600  # the default 12 h
    assert server.admin_token not in cookie["value"]
    assert SESSION_COOKIE not in page.evaluate("() => document.cookie")


def test_a_store_signs_in_and_is_not_offered_the_stores_page(server, page):
    sign_in(page, server, server.store_keys[STORE])

    assert _signed_in_as(page) == STORE
    nav = page.get_by_role("navigation", name="Console")
    assert nav.get_by_role("link", name="Products").is_visible()
    assert nav.get_by_role("link", name="Stores").count() == 0


def test_a_wrong_token_is_refused_on_the_sign_in_page(server, page):
    page.goto(f"{server.url}/console/sign-in")
    page.fill("input[name=token]", "not-a-token")
    with page.expect_response(f"{server.url}/console/sign-in") as answer:
        page.click("form [type=submit]")

    assert answer.value.status == 401
    assert page.get_by_role("alert").inner_text() == (
        "That token is not a curator token or a store key."
    )
    assert _session_cookie(page) is None


def test_sign_in_takes_the_person_where_they_were_going(server, page):
    page.goto(f"{server.url}/console?from=link")
    assert page.url == f"{server.url}/console/sign-in?next=%2Fconsole%3Ffrom%3Dlink"
    page.fill("input[name=token]", server.admin_token)
    with page.expect_navigation():
        page.click("form [type=submit]")
    assert page.url == f"{server.url}/console?from=link"


def test_sign_out_ends_the_session_in_the_browser(server, page):
    sign_in(page, server, server.store_keys[STORE])
    with page.expect_navigation():
        page.get_by_role("button", name="Sign out").click()

    assert page.url == f"{server.url}/console/sign-in"
    assert _session_cookie(page) is None
    page.goto(f"{server.url}/console")
    assert page.url.startswith(f"{server.url}/console/sign-in?next=")


def test_a_post_without_the_csrf_token_is_refused(server, page):
    sign_in(page, server, server.admin_token)
    token = page.locator("meta[name=csrf-token]").get_attribute("content")
    assert token

    # The context's request API sends the browser's cookies, as a forged form would.
    for form in ({}, {"csrf_token": "forged"}, {"csrf_token": token[:-2] + "xx"}):
        answer = page.request.post(f"{server.url}/console/sign-out", form=form, max_redirects=0)
        assert answer.status == 403, form
        assert "did not come from this console" in answer.text()
    page.goto(f"{server.url}/console")
    assert _signed_in_as(page) == "Curator"  # still signed in

    answer = page.request.post(
        f"{server.url}/console/sign-out", form={"csrf_token": token}, max_redirects=0
    )
    assert answer.status == 303


def test_a_cross_site_form_cannot_act_for_the_signed_in_person(server, page):
    """SameSite=Strict: a form on another site posting to the console arrives without the
    session cookie, so it reaches the sign-in page instead of acting."""
    sign_in(page, server, server.admin_token)
    token = page.locator("meta[name=csrf-token]").get_attribute("content")
    # Even with the right CSRF token (which another site cannot read): no cookie, no act.
    attack = (
        f'<!doctype html><title>x</title><form method="post" '
        f'action="{server.url}/console/sign-out"><input name="csrf_token" value="{token}">'
        f"<button>Win a prize</button></form>"
    )
    page.route("http://elsewhere.test/", lambda route: route.fulfill(body=attack))
    page.goto("http://elsewhere.test/")
    with page.expect_navigation():
        page.click("button")

    assert page.url.startswith(f"{server.url}/console/sign-in")
    page.goto(f"{server.url}/console")
    assert _signed_in_as(page) == "Curator"  # the session survived


@pytest.mark.parametrize("kind", ["expired", "tampered", "unknown key", "other secret"])
def test_a_forged_or_expired_cookie_is_no_session(server, page, kind):
    codec = SessionCodec(SESSION_SECRET)
    curator = hash_token(server.admin_token)
    if kind == "expired":
        value = codec.encode(codec.new_session(curator, 60, now=time.time() - 61))
    elif kind == "tampered":  # a real session whose signature part was altered
        real = codec.encode(codec.new_session(curator, 3600))
        value = real[:-4] + ("AAAA" if not real.endswith("AAAA") else "BBBB")
    elif kind == "unknown key":  # well signed, for a token that is nobody's
        value = codec.encode(codec.new_session(hash_token("nobody's token"), 3600))
    else:
        other = SessionCodec("another secret of at least thirty-two characters")
        value = other.encode(other.new_session(curator, 3600))
    page.context.add_cookies(
        [{"name": SESSION_COOKIE, "value": value, "url": f"{server.url}/console"}]
    )

    page.goto(f"{server.url}/console")
    assert page.url == f"{server.url}/console/sign-in?next=%2Fconsole"


def test_a_well_signed_cookie_is_a_session(server, page):
    """The other side of the test above: the same construction with the server's secret
    and a real token's hash is accepted, so the refusals above are about what was wrong."""
    codec = SessionCodec(SESSION_SECRET)
    value = codec.encode(codec.new_session(hash_token(server.store_keys[STORE]), 3600))
    page.context.add_cookies(
        [{"name": SESSION_COOKIE, "value": value, "url": f"{server.url}/console"}]
    )
    page.goto(f"{server.url}/console")
    assert _signed_in_as(page) == STORE


def _set_cookie(answer: httpx.Response, name: str) -> str:
    found = [v for v in answer.headers.get_list("set-cookie") if v.startswith(f"{name}=")]
    assert len(found) == 1, answer.headers.get_list("set-cookie")
    return found[0]


@pytest.mark.parametrize(("proto", "secure"), [(None, False), ("https", True)])
def test_cookies_are_secure_when_a_proxy_says_the_browser_used_tls(server, proto, secure):
    # uvicorn trusts X-Forwarded-Proto from 127.0.0.1 (its default forwarded_allow_ips).
    headers = {"x-forwarded-proto": proto} if proto else {}
    form = httpx.get(f"{server.url}/console/sign-in", headers=headers)
    nonce_cookie = _set_cookie(form, "imgedge_sign_in")
    found = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert found is not None
    nonce = found.group(1)  # double submit: the form field and the cookie hold the same
    # Sent by hand: a cookie jar keeps a Secure cookie from going back over plain http.
    answer = httpx.post(
        f"{server.url}/console/sign-in",
        data={"csrf_token": nonce, "token": server.admin_token, "next": "/console"},
        headers={**headers, "cookie": f"imgedge_sign_in={nonce}"},
    )
    assert answer.status_code == 303, answer.text
    session_cookie = _set_cookie(answer, SESSION_COOKIE)
    for cookie in (nonce_cookie, session_cookie):
        assert ("; secure" in cookie.lower()) is secure, cookie
        assert "httponly" in cookie.lower() and "samesite=strict" in cookie.lower()
