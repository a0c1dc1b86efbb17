"""The `<picture>` fragment (`GET /api/products/<id>/picture`) opened in a real browser:
the browser-test infrastructure's first test, on a page that exists without the console.
Chromium picks AVIF, and the candidate of the width the layout needs."""

from __future__ import annotations

import re

import pytest

from tests.browser.helpers import WIDTHS, assert_accessible, axe_violations, screenshots

_LOADED = """img => img.complete && img.naturalWidth > 0
    ? {src: img.currentSrc, width: img.naturalWidth} : null"""


@pytest.mark.parametrize(
    ("width", "size"),
    # DEFAULT_SIZES: the full width on phones, 640 CSS px beyond: `small` (400 px) covers
    # a 390 px phone, `medium` (800 px) the desktop's 640 px.
    [("phone", "small"), ("desktop", "medium")],
)
def test_picture_fragment_loads_avif_of_the_width_it_is_shown_at(server, page, width, size):
    w, h = WIDTHS[width]
    page.set_viewport_size({"width": w, "height": h})
    images = []
    page.on("response", lambda r: images.append(r) if "/img/" in r.url else None)

    page.goto(f"{server.url}/api/products/1/picture")
    img = page.locator("picture img")
    # A function, not an expression: the fragment's CSP forbids the eval a string needs.
    page.wait_for_function("() => document.querySelector('picture img').complete")
    loaded = img.evaluate(_LOADED)

    assert loaded is not None, "the image did not load"
    assert re.fullmatch(rf"{server.url}/img/1/{size}\.avif\?v=\w+", loaded["src"]), loaded
    assert [(r.status, r.headers["content-type"]) for r in images] == [(200, "image/avif")]
    assert "immutable" in images[0].headers["cache-control"]
    if width == "desktop":
        screenshots(page, "picture-fragment")


def test_axe_runs_under_the_pages_csp_and_fails_on_serious_violations(server, page):
    # The fragment is made to be embedded, not opened: as a document of its own it has no
    # <title> and no lang, which axe reports as serious.
    page.goto(f"{server.url}/api/products/1/picture")
    found = {v["id"] for v in axe_violations(page)}
    assert {"document-title", "html-has-lang"} <= found
    with pytest.raises(AssertionError, match=r"\[serious\] document-title"):
        assert_accessible(page)
