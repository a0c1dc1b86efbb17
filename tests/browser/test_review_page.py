"""The review queue in a real browser: a person works through items by keyboard only,
and the API shows what was decided; screenshots at desktop and phone widths; axe-core
finds no serious violation. Items come from the demo catalog's uncertain matches."""

from __future__ import annotations

from typing import Any

from tests.browser.helpers import assert_accessible, screenshots, sign_in


def _queue(server, token: str) -> list[dict[str, Any]]:
    with server.api(token) as api:
        r = api.get("/api/review-queue")
        r.raise_for_status()
        items: list[dict[str, Any]] = r.json()["items"]
        return items


def _product(server, product_id: int) -> dict[str, Any]:
    with server.api(server.admin_token) as api:
        r = api.get(f"/api/products/{product_id}")
        r.raise_for_status()
        found: dict[str, Any] = r.json()
        return found


def test_pages_at_both_widths_have_no_serious_accessibility_violations(server, page):
    [first, *_] = _queue(server, server.admin_token)
    sign_in(page, server, server.admin_token, next_path="/console/review")
    assert page.locator("h1").inner_text() == "Review queue"
    assert int(page.locator("#queue-count").inner_text()) >= 4
    screenshots(page, "review-queue")
    assert_accessible(page)

    page.goto(f"{server.url}/console/review/{first['queue_item_id']}")
    # Every candidate's thumbnail that is there loads (through /img, versioned).
    page.wait_for_load_state("networkidle")
    loaded = page.eval_on_selector_all(
        ".candidate img", "imgs => imgs.map(i => i.complete && i.naturalWidth > 0)"
    )
    assert loaded and all(loaded)
    screenshots(page, "review-item")
    assert_accessible(page)
    page.fill("#search", "honey")
    with page.expect_navigation():
        page.press("#search", "Enter")
    assert page.locator(".found li").count() >= 1
    screenshots(page, "review-item-search")
    assert_accessible(page)


def test_a_curator_works_through_an_item_by_keyboard_only(server, page):
    queue = _queue(server, server.admin_token)
    item = next(i for i in queue if len(i["candidates"]) >= 2)
    chosen = item["candidates"][1]["canonical_product_id"]
    sign_in(page, server, server.admin_token, next_path=f"/console/review/{item['queue_item_id']}")
    assert page.locator(".product-name").inner_text() == item["product"]["name"]

    page.keyboard.press("2")  # the second candidate…
    assert page.locator("#candidate-2").is_checked()
    with page.expect_navigation():
        page.keyboard.press("c")  # …confirmed: on to the next item
    assert page.locator("[role=status]").first.inner_text() == "The last item was linked."
    assert page.url.endswith("?decided=linked")
    assert f"/console/review/{item['queue_item_id']}?" not in page.url
    linked = _product(server, item["product"]["id"])
    assert (linked["canonical_product_id"], linked["match_status"]) == (chosen, "linked")
    assert item["queue_item_id"] not in [
        i["queue_item_id"] for i in _queue(server, server.admin_token)
    ]

    with page.expect_navigation():
        page.keyboard.press("k")  # back to the item just decided
    assert page.url.endswith(f"/console/review/{item['queue_item_id']}")
    assert "not waiting for review any more" in page.inner_text("main")
    with page.expect_navigation():
        page.keyboard.press("j")  # and on again
    assert page.url != f"{server.url}/console/review/{item['queue_item_id']}"


def test_a_store_creates_a_new_canonical_product_by_keyboard(server, page):
    store = "Metro Mart"
    [item, *_] = _queue(server, server.store_keys[store])
    assert all(
        i["product"]["store"]["name"] == store for i in _queue(server, server.store_keys[store])
    )
    sign_in(
        page, server, server.store_keys[store], next_path=f"/console/review/{item['queue_item_id']}"
    )
    page.keyboard.press("n")
    assert page.evaluate("document.activeElement.id") == "new-name"
    page.keyboard.press("Control+A")
    page.keyboard.type("Metro House Blend Coffee 250 g")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "decided=created" in page.url
    linked = _product(server, item["product"]["id"])
    with server.api(server.admin_token) as api:
        canonical = api.get(
            "/api/canonical-products",
            params={"after": linked["canonical_product_id"] - 1, "limit": 1},
        ).json()["canonical_products"][0]
    assert canonical["name"] == "Metro House Blend Coffee 250 g"
    assert linked["match_status"] == "linked"


def test_a_store_cannot_open_another_stores_item(server, page):
    theirs = next(
        i
        for i in _queue(server, server.admin_token)
        if i["product"]["store"]["name"] != "Green Grocer"
    )
    sign_in(page, server, server.store_keys["Green Grocer"])
    response = page.goto(f"{server.url}/console/review/{theirs['queue_item_id']}")
    assert response is not None and response.status == 403
    assert "another store" in page.inner_text("main")
