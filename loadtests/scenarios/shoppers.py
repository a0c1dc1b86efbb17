"""Shoppers: browsers on listing pages and product pages.

A browser profile (its `Accept`, viewport and device pixel ratio) is drawn per user
from `BROWSERS`, by share. Each user keeps a small browser cache of the versioned
(immutable) URLs it fetched, so a returning shopper does not fetch them again; the hot
head of products is then served from imgedge's caches to new shoppers, as a CDN's edge
would ask for it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from gevent.pool import Pool
from locust import FastHttpUser, between, task

from loadtests.scenarios.catalog import LoadCatalog, catalog_path, load_catalog
from loadtests.scenarios.expect import IMG, IMG_VERSIONED, expect
from loadtests.srcset import browser_pick

CHROME = "image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8"
SAFARI = "image/webp,image/avif,image/jxl,image/heic,image/heic-sequence,video/*;q=0.8,image/png,image/svg+xml,image/*;q=0.8,*/*;q=0.5"  # noqa: E501
OLD_SAFARI = "image/webp,image/png,image/svg+xml,image/*;q=0.8,video/*;q=0.8,*/*;q=0.5"
FIREFOX = "image/avif,image/webp,image/png,image/svg+xml,image/*;q=0.8,*/*;q=0.5"
BOT = "*/*"  # crawlers and old clients: the <img> fallback, JPEG


@dataclass(frozen=True, slots=True)
class Browser:
    name: str
    accept: str
    viewport: int  # CSS px
    dpr: float
    share: int  # % of shoppers


BROWSERS = (
    Browser("chrome-android", CHROME, 412, 2.625, 35),
    Browser("iphone-safari", SAFARI, 390, 3.0, 25),
    Browser("chrome-desktop", CHROME, 1440, 1.0, 18),
    Browser("mac-safari", OLD_SAFARI, 1440, 2.0, 10),
    Browser("firefox-desktop", FIREFOX, 1920, 1.0, 8),
    Browser("bot", BOT, 1280, 1.0, 4),
)
LISTING_PAGE = 24  # products on a listing page
CONNECTIONS = 6  # a browser's parallel connections to one host (HTTP/1.1)
HERO_SIZES = "(max-width: 800px) 100vw, 800px"
BROWSER_CACHE = 2000  # versioned URLs a browser keeps


class Shopper(FastHttpUser):
    abstract = True
    concurrency = CONNECTIONS  # connections of the user's pool

    def on_start(self) -> None:
        self.rng = random.Random()
        self.catalog: LoadCatalog = load_catalog(catalog_path(self.environment))
        self.browser = self.rng.choices(BROWSERS, weights=[b.share for b in BROWSERS])[0]
        self.cached: set[str] = set()

    def pictures(self, product_ids: list[int], slot: str, sizes: str | None = None) -> dict | None:
        """`/api/pictures` for a page; checks which products it leaves out against the
        catalog (an image where none is expected, or none where one is, is a failure)."""
        params = f"products={','.join(map(str, product_ids))}&slot={slot}"
        if sizes:
            params += f"&sizes={sizes}"
        with self.client.get(
            f"/api/pictures?{params}", name=f"/api/pictures?slot={slot}", catch_response=True
        ) as answer:
            if not expect(answer, (200,)):
                return None
            body = answer.json()
            missing = set(body["missing"])
            expected = {p for p in product_ids if p not in self.catalog.shown}
            if missing != expected:
                answer.failure(f"missing {sorted(missing)[:5]}, expected {sorted(expected)[:5]}")
                return None
            return dict(body)

    def fetch_images(self, urls: list[str]) -> None:
        """Versioned URLs over the browser's parallel connections; cached ones skipped."""
        todo = [u for u in dict.fromkeys(urls) if u not in self.cached]
        pool = Pool(CONNECTIONS)
        for url in todo:
            pool.spawn(self._fetch_versioned, url)
        pool.join()
        if len(self.cached) > BROWSER_CACHE:
            self.cached.clear()  # evicted, as a browser's cache would
        self.cached.update(todo)

    def _fetch_versioned(self, url: str) -> None:
        """200 expected. Not necessarily immutable: a curator may have changed the image
        since `/api/pictures` answered, and a stale `v` is served short-lived (the
        curator's own check asks for immutable, knowing its version is current)."""
        headers = {"accept": self.browser.accept}
        with self.client.get(url, headers=headers, name=IMG_VERSIONED, catch_response=True) as r:
            expect(r, (200,))


class ListingShopper(Shopper):
    """A category or search page: a page of products in one `/api/pictures` call
    (`slot=thumbnail`), then for each tile the URL this browser picks from the
    `srcset` (its type, its DPR), fetched over its parallel connections. Products on a
    page are drawn by popularity."""

    wait_time = between(1, 5)

    @task
    def listing_page(self) -> None:
        page = self.catalog.popular.distinct(self.rng, LISTING_PAGE)
        body = self.pictures(page, "thumbnail")
        if body is None:
            return
        b = self.browser
        urls = [
            browser_pick(p, body["sizes"], b.accept, b.viewport, b.dpr)[0] for p in body["pictures"]
        ]
        self.fetch_images(urls)


class ProductPageShopper(Shopper):
    """A product page: the hero from `/api/pictures?slot=hero` (the browser's pick: large
    sizes at 2-3x), then the gallery's zoom and thumbnails through the negotiated,
    unversioned URLs (`/img/<id>/large@2x`, `medium@2x`, `small`: `Accept` decides the
    format). A product without an image answers 404 on these, and only such a product."""

    wait_time = between(2, 8)

    @task
    def product_page(self) -> None:
        product = self.catalog.popular.draw(self.rng)
        body = self.pictures([product], "hero", HERO_SIZES)
        if body is None:
            return
        b = self.browser
        self.fetch_images(
            [
                browser_pick(p, body["sizes"], b.accept, b.viewport, b.dpr)[0]
                for p in body["pictures"]
            ]
        )
        statuses = (200,) if product in self.catalog.shown else (404,)
        pool = Pool(CONNECTIONS)
        for size in self.rng.sample(("large@2x", "medium@2x", "small", "large"), k=2):
            pool.spawn(self._fetch_negotiated, f"/img/{product}/{size}", statuses)
        pool.join()

    def _fetch_negotiated(self, url: str, statuses: tuple[int, ...]) -> None:
        headers = {"accept": self.browser.accept}
        with self.client.get(url, headers=headers, name=IMG, catch_response=True) as r:
            expect(r, statuses, " (the catalog says)")
