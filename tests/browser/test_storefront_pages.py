"""The proof in a real browser: Debian's Chromium (headless, driven by Playwright) loads a
listing page of 48 products in 150 px tiles and a product page with a priority hero, both
built with `@imgedge/react` from real `GET /api/pictures` answers (the 48 tiles in one
`slot=thumbnail` call, the hero `slot=hero`) passed as `ProductImage`'s `picture`, at a
desktop and a phone width and device pixel ratios 1 and 2, and we record which image URLs
it actually fetched (Chrome DevTools protocol):

- tiles fetch `thumbnail` at 1x and `small` at 2x, never a larger size, always AVIF;
- tiles below the fold (past Chromium's lazy-loading distance) are not fetched until the
  page is scrolled to them, and every tile is fetched once it has been;
- the hero is fetched at once, eagerly and with high priority, while the lazy tiles
  below it are not.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from loadtests.storefront import PagePictures, page_pictures, serve_directory, write_react_pages
from tests.browser.helpers import WIDTHS, assert_accessible, screenshots
from tests.browser.server import DemoServer

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page

VIEWPORTS = WIDTHS  # desktop 1280x800, phone 390x844
IMG = re.compile(r"/img/(?P<product>\d+)/(?P<size>[a-z]+(?:@2x)?)\.(?P<format>[a-z]+)\?v=\w+$")


TILES = 48
# A real /api/pictures answer the package's Vitest suite parses (fetchPictures.test.ts).
CAPTURED = Path(__file__).resolve().parents[2] / "clients/js/test/fixtures/pictures-thumbnail.json"


@dataclass(frozen=True, slots=True)
class Storefront:
    url: str  # the pages' origin: /listing.html, /product.html
    pictures: PagePictures  # the /api/pictures answers the pages are built from


@pytest.fixture(scope="module")
def shop(
    server: DemoServer, js_package: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Storefront]:
    # js_package: the package's browser bundle is built (write_react_pages copies it).
    pictures = page_pictures(server.url, TILES)
    site = tmp_path_factory.mktemp("storefront")
    write_react_pages(site, server.url, pictures)
    with serve_directory(site) as url:
        yield Storefront(url, pictures)


@dataclass
class Fetch:
    product: int
    size: str
    format: str
    priority: str


@dataclass
class Recorder:
    """Every image request the page makes, as Chromium's network layer saw it."""

    fetches: dict[str, Fetch] = field(default_factory=dict)  # by request id
    ended: set[str] = field(default_factory=set)  # request ids answered (or failed)
    others: list[str] = field(default_factory=list)  # image URLs that are not imgedge's

    def attach(self, context: BrowserContext, page: Page) -> None:
        cdp = context.new_cdp_session(page)
        cdp.on("Network.requestWillBeSent", self._sent)
        for ended in ("Network.loadingFinished", "Network.loadingFailed"):
            cdp.on(ended, lambda event: self.ended.add(event["requestId"]))
        cdp.send("Network.enable")

    def _sent(self, event: dict[str, Any]) -> None:
        url = event["request"]["url"]
        if "/img/" not in url:
            return
        match = IMG.search(url)
        if match is None:
            self.others.append(url)
            return
        self.fetches[event["requestId"]] = Fetch(
            int(match["product"]), match["size"], match["format"],
            event["request"].get("initialPriority", "?"),
        )  # fmt: skip

    def products(self) -> set[int]:
        return {f.product for f in self.fetches.values()}

    def settle(self, page: Page, ready: str) -> None:
        """Until the page says it is `ready` (a JS function) and every image request seen
        has ended. Not `networkidle`: on a busy machine React may render the tiles more
        than its 500 ms after the last request."""
        page.wait_for_function(ready)
        deadline = time.monotonic() + 30
        while not self.fetches.keys() <= self.ended and time.monotonic() < deadline:
            page.wait_for_timeout(100)  # lets the protocol's events arrive


def _tops(page: Page) -> dict[int, float]:
    """Each tile's product id and its top in the document, in CSS px."""
    rows = page.eval_on_selector_all(
        ".tile picture",
        "ps => ps.map(p => [Number(p.dataset.imgedgeProduct),"
        " p.getBoundingClientRect().top + window.scrollY])",
    )
    return {int(product): float(top) for product, top in rows}


@dataclass(frozen=True, slots=True)
class Visit:
    page: Page
    seen: Recorder
    viewport: str
    dpr: int


CASES = [(v, d) for v in VIEWPORTS for d in (1, 2)]
_TILES_IN_VIEW_LOADED = f"""() => {{
    const tiles = [...document.querySelectorAll('.tile img')];
    return tiles.length === {TILES} && tiles
        .filter(img => img.getBoundingClientRect().top < window.innerHeight)
        .every(img => img.complete && img.naturalWidth > 0);
}}"""


@pytest.fixture(params=CASES, ids=[f"{v}-{d}x" for v, d in CASES])
def visit(request: pytest.FixtureRequest, browser: Browser) -> Iterator[Visit]:
    """A page in a new browser context of each size and pixel ratio, recorded."""
    viewport, dpr = request.param
    width, height = VIEWPORTS[viewport]
    context = browser.new_context(
        viewport={"width": width, "height": height}, device_scale_factor=dpr
    )
    context.set_default_timeout(30_000)
    try:
        page = context.new_page()
        recorder = Recorder()
        recorder.attach(context, page)
        yield Visit(page, recorder, viewport, dpr)
    finally:
        context.close()


def test_listing_tiles_fetch_the_small_sizes_in_avif_and_only_near_the_viewport(
    shop: Storefront, visit: Visit
) -> None:
    page, seen, viewport, dpr = visit.page, visit.seen, visit.viewport, visit.dpr
    page.goto(f"{shop.url}/listing.html")
    # The tiles in view have loaded: Chromium decided which tiles to fetch in the same
    # pass, so every tile within its lazy-loading distance has been asked for by now.
    seen.settle(page, _TILES_IN_VIEW_LOADED)
    tops = _tops(page)
    assert list(tops) == [p["productId"] for p in shop.pictures.tiles["pictures"]]
    at_load = seen.products()
    sizes = {f.size for f in seen.fetches.values()}
    formats = {f.format for f in seen.fetches.values()}
    print(
        f"\n{viewport} {dpr}x listing at load: {len(at_load)}/{TILES} tiles, sizes {sizes},"
        f" formats {formats}"
    )
    assert sizes == {"thumbnail" if dpr == 1 else "small"}
    assert formats == {"avif"}
    assert seen.others == []
    assert len(seen.fetches) == len(at_load)  # each tile once

    fold = page.evaluate("window.innerHeight")
    below = {p for p, top in tops.items() if p not in at_load}
    assert below, "the page is meant to be taller than Chromium's lazy-load distance"
    assert at_load, "the tiles in view load at once"
    assert min(tops[p] for p in below) > fold  # only tiles below the fold wait
    assert max(tops[p] for p in at_load) < min(tops[p] for p in below)

    height = page.evaluate("document.documentElement.scrollHeight")
    for y in range(0, height + fold, fold // 2):
        page.evaluate(f"window.scrollTo(0, {y})")
        page.wait_for_timeout(50)
    seen.settle(page, "() => [...document.querySelectorAll('.tile img')].every(i => i.complete)")
    assert seen.products() == set(tops), "scrolled to, every tile is fetched"
    assert {f.size for f in seen.fetches.values()} == sizes  # never `medium` or larger
    assert len(seen.fetches) == TILES, "each tile once"
    if dpr == 1:
        screenshots(page, f"storefront-listing-{viewport}")
        assert_accessible(page)


def test_the_hero_is_fetched_at_once_with_high_priority(shop: Storefront, visit: Visit) -> None:
    page, seen, viewport, dpr = visit.page, visit.seen, visit.viewport, visit.dpr
    page.goto(f"{shop.url}/product.html")
    seen.settle(page, "() => document.querySelector('.hero img')?.complete === true")
    hero_id = shop.pictures.hero["pictures"][0]["productId"]
    hero_img = page.locator(".hero img")
    assert hero_img.get_attribute("loading") == "eager"
    assert hero_img.get_attribute("fetchpriority") == "high"
    heroes = [f for f in seen.fetches.values() if f.product == hero_id]
    assert len(heroes) == 1, heroes
    hero = heroes[0]
    print(f"\n{viewport} {dpr}x hero: {hero.size}.{hero.format}, priority {hero.priority}")
    assert hero.priority in ("High", "VeryHigh")
    assert hero.format == "avif"
    assert hero.size in ("medium", "large", "original")  # the hero slot's candidates
    # The hero is the first image asked for; the related tiles below the description
    # are lazy: low priority, and the far ones not fetched at all.
    assert next(iter(seen.fetches.values())) is hero
    tiles = [f for f in seen.fetches.values() if f.product != hero_id]
    assert all(f.priority == "Low" for f in tiles)
    assert len(tiles) < TILES - 1
    assert page.evaluate("document.querySelector('.hero img').complete")


def _shape(answer: dict[str, Any]) -> tuple[set[str], set[str], set[str], set[str]]:
    """An /api/pictures answer's keys, its pictures' keys, their sources' keys and their
    URL patterns (product and version masked): what a client's parsing relies on."""
    keys, sources, urls = set(), set(), set()
    for picture in answer["pictures"]:
        keys |= picture.keys()
        for source in picture["sources"]:
            sources |= source.keys()
        for urlset in [
            picture["src"],
            picture["srcset"],
            *(s["srcset"] for s in picture["sources"]),
        ]:
            masked = urlset.replace(picture["version"], "V")
            urls.add(re.sub(rf"/img/{picture['productId']}/", "/img/ID/", masked))
    return set(answer), keys, sources, urls


def test_the_answer_the_js_package_is_tested_with_is_shaped_like_a_live_one(
    shop: Storefront,
) -> None:
    captured = _shape(json.loads(CAPTURED.read_text()))
    live = _shape(shop.pictures.tiles)
    assert captured[:3] == live[:3], "recapture the fixture from a demo server"
    assert captured[3] <= live[3], "recapture the fixture from a demo server"
