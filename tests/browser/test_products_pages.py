"""The Products and Product pages in a real browser: uploads dropped on the drop zone (one
refused while the others land), reordering by dragging, setting the primary, the store's
override both ways, what a store may not open or change; screenshots and axe.

The demo catalog is shared by the run: each test picks products by store and position
(from the end of a store's list) that no other test of this module changes."""

from __future__ import annotations

import base64
import re
from typing import TYPE_CHECKING, Any

import httpx

from edge.demo.photos import PhotoSpec, photo
from tests.browser.helpers import assert_accessible, screenshots, sign_in

if TYPE_CHECKING:
    from playwright.sync_api import Page

    from tests.browser.server import DemoServer

SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40"></svg>'
_DROP = """([zone, files]) => {
    const dt = new DataTransfer();
    for (const f of files) {
        const bytes = Uint8Array.from(atob(f.data), (c) => c.charCodeAt(0));
        dt.items.add(new File([bytes], f.name, {type: f.type}));
    }
    const target = document.querySelector(zone);
    for (const type of ["dragenter", "dragover", "drop"]) {
        const init = {dataTransfer: dt, bubbles: true, cancelable: true};
        target.dispatchEvent(new DragEvent(type, init));
    }
}"""


def _products(api: httpx.Client, **query: Any) -> list[dict[str, Any]]:
    answer = api.get("/api/products", params=query)
    assert answer.status_code == 200, answer.text
    return list(answer.json()["products"])


def _store_id(server: DemoServer, store: str) -> int:
    with server.api(server.store_keys[store]) as api:
        return int(_products(api)[0]["store"]["id"])


def _pick(server: DemoServer, store: str, from_end: int) -> dict[str, Any]:
    """A linked product of `store` showing an image, `from_end` places from its list's end."""
    with server.api(server.store_keys[store]) as api:
        found = [p for p in _products(api, status="linked") if p["image"]]
    return found[-1 - from_end]


def _shown_ids(server: DemoServer, token: str, product_id: int) -> list[int]:
    with server.api(token) as api:
        answer = api.get(f"/api/products/{product_id}/images")
    assert answer.status_code == 200, answer.text
    return [image["id"] for image in answer.json()["images"]]


def _tiles(page: Page, source: str) -> list[int]:
    ids = page.locator(f'ol.gallery[data-source="{source}"] li').evaluate_all(
        "tiles => tiles.map((t) => Number(t.dataset.imageId))"
    )
    return [int(i) for i in ids]


def _storefront_version(page: Page) -> str:
    src = page.locator("#storefront-image").get_attribute("src") or ""
    found = re.search(r"\?v=(\w+)$", src)
    assert found, src
    return found.group(1)


def test_products_page_searches_and_filters(server, page):
    sign_in(page, server, server.admin_token, next_path="/console/products")
    assert page.url.endswith("/console/products")
    rows = page.locator("table.products tbody tr")
    assert rows.count() == 50  # a full first page of the demo's ~125 products
    page.wait_for_function(  # every thumbnail loaded: the storefront's /img answered each
        "() => [...document.querySelectorAll('table.products img.thumb')]"
        ".every((i) => i.complete && i.naturalWidth > 0)"
    )
    screenshots(page, "products")
    assert_accessible(page)

    page.fill("#q", "house brand")
    page.select_option("#image", "none")
    with page.expect_navigation():
        page.click("form.search button[type=submit]")
    names = page.locator("table.products tbody tr td:nth-child(2) a").all_inner_texts()
    assert names and all(n.startswith("House brand item") for n in names)
    assert page.locator("table.products .no-image").count() == len(names)
    assert "image=none" in page.url and "q=house+brand" in page.url


def test_a_store_drops_three_files_and_the_svg_alone_is_refused(server, page):
    store = "Green Grocer"
    product = _pick(server, store, 0)
    sign_in(page, server, server.store_keys[store], next_path=f"/console/products/{product['id']}")
    files = [
        ("red.jpg", "image/jpeg", photo(PhotoSpec(640, 480, (200, 40, 40), "box"))),
        ("drawing.jpg", "image/jpeg", SVG),  # an SVG renamed .jpg
        ("blue.png", "image/png", photo(PhotoSpec(480, 640, (40, 40, 200), "bottle"))),
    ]
    payload = [{"name": n, "type": t, "data": base64.b64encode(d).decode()} for n, t, d in files]
    page.evaluate(_DROP, ["#drop-zone", payload])
    page.wait_for_function(
        "() => document.querySelectorAll('#upload-status li.ok, #upload-status li.error')"
        ".length === 3"
    )
    results = page.locator("#upload-status li").all_inner_texts()
    assert "red.jpg" in results[0] and "uploaded" in results[0]
    assert "drawing.jpg" in results[1] and "unsupported_type" in results[1]
    assert "blue.png" in results[2] and "uploaded" in results[2]
    # The gallery was swapped in: the store's two images, shown on the storefront.
    page.wait_for_function(
        "() => document.querySelectorAll('ol.gallery[data-source=custom] li').length === 2"
    )
    custom = _tiles(page, "custom")
    assert _shown_ids(server, server.store_keys[store], product["id"]) == custom
    assert page.locator("#shown-source").inner_text().startswith("The store's own image")
    screenshots(page, "product-upload")
    assert_accessible(page)


def _drag(page: Page, source: str, target: str) -> None:
    """Sortable's pointer fallback needs a real press, moves and a release, in view."""
    page.locator(source).scroll_into_view_if_needed()
    start = page.locator(source).bounding_box()
    end = page.locator(target).bounding_box()
    assert start and end
    page.mouse.move(start["x"] + start["width"] / 2, start["y"] + 20)
    page.mouse.down()
    page.mouse.move(start["x"] + start["width"] / 2 - 5, start["y"] + 25, steps=3)
    page.mouse.move(end["x"] + 10, end["y"] + 20, steps=15)
    page.mouse.up()


def test_the_curator_reorders_by_dragging_and_sets_the_primary(server, page):
    product = _pick(server, "Metro Mart", 0)
    pid = product["id"]
    with server.api(server.admin_token) as api:
        canonical = api.get(f"/api/products/{pid}").json()["canonical_product_id"]
        for n, colour in enumerate([(30, 160, 30), (160, 30, 160)]):
            data = photo(PhotoSpec(500, 500, colour, "can"), seed=n)
            files = {"file": (f"extra{n}.jpg", data, "image/jpeg")}
            done = api.post(
                "/api/images/upload", files=files, data={"canonicalProductId": str(canonical)}
            )
            assert done.status_code in (200, 201), done.text
    sign_in(page, server, server.admin_token, next_path=f"/console/products/{pid}")
    before = _tiles(page, "canonical")
    assert len(before) >= 3

    with page.expect_response(lambda r: r.url.endswith(f"/console/products/{pid}/order")):
        _drag(page, f'li[data-image-id="{before[-1]}"]', f'li[data-image-id="{before[1]}"]')
    expected = [before[0], before[-1], *before[1:-1]]
    page.wait_for_function(
        "ids => [...document.querySelectorAll('ol.gallery[data-source=canonical] li')]"
        ".map((t) => Number(t.dataset.imageId)).join() === ids.join()",
        arg=expected,
    )
    page.reload()
    assert _tiles(page, "canonical") == expected
    assert _shown_ids(server, server.admin_token, pid) == expected
    screenshots(page, "product")
    assert_accessible(page)

    small_before = httpx.get(f"{server.url}/img/{pid}/small", timeout=30)
    version = _storefront_version(page)
    label = f"Set primary, image 2 of {len(expected)}"
    with page.expect_navigation():
        page.get_by_role("button", name=label).click()
    assert _tiles(page, "canonical")[0] == expected[1]
    assert _storefront_version(page) != version
    small_after = httpx.get(f"{server.url}/img/{pid}/small", timeout=30)
    assert small_after.status_code == small_before.status_code == 200
    assert small_after.headers["etag"] != small_before.headers["etag"]
    assert small_after.content != small_before.content


def test_a_store_switches_its_override_both_ways(server, page):
    store = "Green Grocer"
    product = _pick(server, store, 1)
    pid = product["id"]
    with server.api(server.store_keys[store]) as api:
        data = photo(PhotoSpec(400, 400, (250, 200, 20), "box"), seed=5)
        files = {"file": ("ours.jpg", data, "image/jpeg")}
        done = api.post("/api/images/upload", files=files, data={"productId": str(pid)})
        assert done.status_code == 201, done.text
        ours = done.json()["images"][0]["version"]
    sign_in(page, server, server.store_keys[store], next_path=f"/console/products/{pid}")
    assert _storefront_version(page) == ours

    page.check("input[name=use][value=canonical]")
    with page.expect_navigation():
        page.click("#override-title ~ form button[type=submit]")
    assert "the canonical product's image" in page.inner_text("#override-state")
    assert _storefront_version(page) == product["image"]["version"]

    page.check("input[name=use][value=custom]")
    with page.expect_navigation():
        page.click("#override-title ~ form button[type=submit]")
    assert "the store's own image" in page.inner_text("#override-state")
    assert _storefront_version(page) == ours


def test_a_store_cannot_open_another_stores_product_nor_change_canonical_images(server, page):
    theirs = _pick(server, "Metro Mart", 2)
    mine = _pick(server, "Corner Market", 2)
    sign_in(page, server, server.store_keys["Corner Market"])
    answer = page.goto(f"{server.url}/console/products/{theirs['id']}")
    assert answer is not None and answer.status == 403
    assert "another store" in page.inner_text("main")

    page.goto(f"{server.url}/console/products/{mine['id']}")
    assert page.locator("ol.gallery[data-source=canonical] form").count() == 0
    image = _tiles(page, "canonical")[0]
    token = page.locator("meta[name=csrf-token]").get_attribute("content")
    url = f"{server.url}/console/products/{mine['id']}/images/{image}/delete"
    refused = page.request.post(url, form={"csrf_token": token or ""}, max_redirects=0)
    assert refused.status == 403 and "curator" in refused.text()
    without_csrf = page.request.post(
        f"{server.url}/console/products/{mine['id']}/override",
        form={"use": "canonical"},
        max_redirects=0,
    )
    assert without_csrf.status == 403
    assert _tiles(page, "canonical") == _shown_ids(
        server, server.store_keys["Corner Market"], mine["id"]
    )
