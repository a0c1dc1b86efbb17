"""What every console page owes its users, checked page by page in a real browser: a strict
Content-Security-Policy that the page lives within (no violation, no console error, no
uncaught exception), every visible control reachable with Tab and showing where focus is,
and no serious accessibility violation. Page-specific behaviour is tested beside each
page's own tests."""

from __future__ import annotations

import pytest

from tests.browser.helpers import (
    assert_accessible,
    screenshots,
    sign_in,
    tab_through,
    watch_errors,
)

STORE = "Corner Market"
# Signed-in pages the nav links to, by who can open them: the nav links to no other.
PAGES = {
    "curator": ["/console", "/console/products", "/console/review", "/console/stores"],
    "store": ["/console", "/console/products", "/console/review"],
}
# Pages reached from those, in the states worth a look. In the demo catalog product 1 is
# Corner Market's, showing its own image over the canonical one's; 41 is its first
# product not matched yet (no image).
INNER = {
    "curator": ["/console/products/1", "/console/products/41"],
    "store": ["/console/products/1", "/console/products/41"],
}


def _token(server, who: str) -> str:
    return server.admin_token if who == "curator" else server.store_keys[STORE]


def _strict_csp(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    assert directives.get("default-src") == ["'none'"], header
    for kind in ("script-src", "style-src"):
        assert directives.get(kind) == ["'self'"], header
    assert directives.get("frame-ancestors") == ["'none'"], header
    return directives


def _check_page(page, problems: list[str], screenshot: str | None = None) -> None:
    """The checks every page gets; `screenshot` names the page's screenshots, taken
    after the markup check (Playwright adds a style element to hide the caret) and before
    the Tab walk moves focus about."""
    inline = page.evaluate(
        "() => ({scripts: document.querySelectorAll('script:not([src])').length,"
        " styles: document.querySelectorAll('style, [style]').length,"
        " handlers: [...document.querySelectorAll('*')].filter("
        "   el => [...el.attributes].some(a => a.name.startsWith('on'))).length})"
    )
    assert inline == {"scripts": 0, "styles": 0, "handlers": 0}, inline
    if screenshot:
        screenshots(page, screenshot)
    walk = tab_through(page)
    assert not walk.missed, f"not reachable with Tab: {walk.names(walk.missed)}"
    assert not walk.without_ring, f"no focus indicator: {walk.names(walk.without_ring)}"
    assert_accessible(page)
    assert problems == [], problems


def _open(page, url: str):
    answer = page.goto(url)
    assert answer is not None
    return answer


def test_the_sign_in_page(server, page):
    problems = watch_errors(page)
    answer = _open(page, f"{server.url}/console/sign-in")

    assert answer.status == 200
    _strict_csp(answer.headers["content-security-policy"])
    assert answer.headers["cache-control"] == "no-store"
    assert page.title() == "Sign in · imgedge"
    assert page.evaluate("() => document.activeElement.name") == "token"  # autofocus
    # The token field is labelled and masked, and no browser keeps it.
    token = page.get_by_label("Token or store key")
    assert token.get_attribute("type") == "password"
    assert token.get_attribute("autocomplete") == "off"
    _check_page(page, problems, "console-sign-in")


def test_the_sign_in_error(server, page):
    problems = watch_errors(page)
    page.goto(f"{server.url}/console/sign-in")
    page.fill("input[name=token]", "wrong")
    with page.expect_navigation():
        page.click("form [type=submit]")
    assert page.get_by_role("alert").is_visible()
    # The 401 answer is the page, not a failure: Chromium logs a failed load, not an error
    # of the page's own making, so only the page's checks count here.
    problems.clear()
    _check_page(page, problems, "console-sign-in-error")


@pytest.mark.parametrize("who", ["curator", "store"])
def test_the_nav_links_only_to_checked_pages(server, page, who):
    sign_in(page, server, _token(server, who))
    nav = page.get_by_role("navigation", name="Console").locator("a")
    linked = [nav.nth(i).get_attribute("href") for i in range(nav.count())]
    assert linked and set(linked) <= set(PAGES[who]), linked
    assert set(PAGES[who]) <= set(linked), "a page every actor can open is not in the nav"


@pytest.mark.parametrize(
    ("who", "path"),
    [(who, path) for pages in (PAGES, INNER) for who, paths in pages.items() for path in paths],
)
def test_every_console_page(server, page, who, path):
    sign_in(page, server, _token(server, who))
    problems = watch_errors(page)
    answer = _open(page, server.url + path)
    assert answer.status == 200
    _strict_csp(answer.headers["content-security-policy"])
    assert answer.headers["cache-control"] == "no-store"
    assert page.title().endswith(" · imgedge")
    section = max((p for p in PAGES[who] if path.startswith(p)), key=len)
    current = page.locator("nav a[aria-current=page]")
    assert current.count() == 1 and current.get_attribute("href") == section
    _check_page(page, problems, f"console-layout-{who}" if path == "/console" else None)


def test_the_skip_link_moves_focus_to_the_content(server, page):
    sign_in(page, server, server.admin_token)
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    assert skip.evaluate("el => el === document.activeElement")
    assert skip.bounding_box()["x"] >= 0, "the focused skip link is off screen"
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"


@pytest.mark.parametrize("who", ["curator", "store"])
def test_every_page_reads_without_javascript(server, browser, who):
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        sign_in(page, server, _token(server, who))  # a plain form post
        for path in PAGES[who]:
            answer = _open(page, server.url + path)
            assert answer.status == 200, path
            assert page.locator("main h1").count() == 1, path
            assert page.get_by_role("navigation", name="Console").is_visible(), path
    finally:
        context.close()


def test_the_browser_enforces_the_policy_and_the_watch_sees_it(server, page):
    """The other side of the checks above: an inline script or style put into a console
    page is blocked by Chromium, and the error watch reports it."""
    problems = watch_errors(page)
    page.goto(f"{server.url}/console/sign-in")
    ran = page.evaluate(
        """() => {
            window.ran = false;
            const script = document.createElement('script');
            script.textContent = 'window.ran = true';
            document.body.append(script);
            document.body.setAttribute('style', 'background: red');
            return window.ran;
        }"""
    )
    for _ in range(100):  # console events arrive after the evaluation returns
        if len(problems) >= 2:
            break
        page.wait_for_timeout(50)
    assert ran is False
    assert page.evaluate("() => getComputedStyle(document.body).backgroundColor") != (
        "rgb(255, 0, 0)"
    )
    joined = "\n".join(problems)
    assert "script-src" in joined and "style-src" in joined, problems
