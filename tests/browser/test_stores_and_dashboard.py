"""The dashboard and the stores page in Chromium: the curator lands on the dashboard,
creates a store and sees its key once (and copies it), rotates it behind a confirmation;
a store sees neither the stores link nor the page. Screenshots at desktop and phone
widths; axe-core finds no serious violation."""

from __future__ import annotations

import re

import pytest

from tests.browser.helpers import assert_accessible, screenshots, sign_in


def _sync(server, key: str) -> int:
    with server.api(key) as api:
        body = {"products": [{"external_id": "browser-1", "name": "Browser tea"}]}
        return api.post("/api/sync/products", json=body).status_code


def test_the_curator_lands_on_the_dashboard_with_the_figures(server, page):
    sign_in(page, server, server.admin_token)
    assert page.url == f"{server.url}/console"
    assert page.locator("h1").inner_text() == "Dashboard"
    goals = page.locator("article.goal")
    assert goals.count() == 2
    assert "Target 70%+" in goals.nth(0).inner_text()
    assert "Target 50%+" in goals.nth(1).inner_text()
    for meter in page.locator("meter").all():
        assert meter.is_visible()
    page.get_by_role("link", name="Without an image").click()
    assert page.url == f"{server.url}/console/products?image=none"
    page.go_back()
    assert_accessible(page)
    screenshots(page, "dashboard")


def test_a_store_sees_its_own_dashboard_and_no_stores_page(server, page):
    name, key = next(iter(server.store_keys.items()))
    sign_in(page, server, key)
    assert f"The products of {name}" in page.locator("main").inner_text()
    assert page.locator("article.goal").count() == 1  # storage is the marketplace's
    assert page.get_by_role("link", name="Stores").count() == 0
    answer = page.goto(f"{server.url}/console/stores")
    assert answer is not None and answer.status == 403
    assert page.locator("h1").inner_text() == "Not allowed"
    screenshots(page, "stores-refused")


def test_the_curator_creates_a_store_sees_the_key_once_and_rotates_it(server, page):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.url)
    sign_in(page, server, server.admin_token, next_path="/console/stores")
    assert page.url == f"{server.url}/console/stores"
    assert_accessible(page)
    page.get_by_label("Name").fill("Browser Bakery")
    page.get_by_role("button", name="Create store").click()
    assert page.locator("h1").inner_text() == "Store Browser Bakery created"
    key = page.get_by_label("API key").input_value()
    assert re.fullmatch(r"imgedge_sk_[\w-]{40,}", key)
    page.get_by_role("button", name="Copy").click()
    page.get_by_text("Copied to the clipboard.").wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == key
    assert_accessible(page)
    screenshots(page, "store-key")
    assert _sync(server, key) == 200

    page.get_by_role("link", name="Back to the stores").click()
    assert key not in page.content()  # shown once
    row = page.locator("tr", has=page.get_by_role("rowheader", name="Browser Bakery"))
    assert "active" in row.inner_text()
    screenshots(page, "stores")

    page.get_by_role("link", name="Rotate key of Browser Bakery").click()
    assert page.locator("h1").inner_text() == "Rotate the key of Browser Bakery?"
    assert_accessible(page)
    page.get_by_role("button", name="Rotate key").click()
    new_key = page.get_by_label("API key").input_value()
    assert new_key != key
    assert (_sync(server, key), _sync(server, new_key)) == (401, 200)


@pytest.mark.parametrize("javascript", [False])
def test_the_stores_page_works_without_javascript(server, browser, javascript):
    context = browser.new_context(java_script_enabled=javascript)
    try:
        page = context.new_page()
        sign_in(page, server, server.admin_token, next_path="/console/stores")
        page.get_by_label("Name").fill("No-script Shop")
        page.get_by_role("button", name="Create store").click()
        key = page.get_by_label("API key").input_value()
        assert key.startswith("imgedge_sk_")
        assert not page.get_by_role("button", name="Copy").is_visible()  # needs JavaScript
    finally:
        context.close()
