"""A CDN in front of imgedge revalidating what it holds: `If-None-Match` with the ETag
it got, on versioned URLs (`?v=`: immutable, revalidated only by a CDN that ignores
`immutable`, or after its own eviction) and on unversioned ones (short `max-age`,
`stale-while-revalidate`: revalidated all the time). Expected: 304. A 200 is right
only with a new ETag (the product shows another image: a curator's change); a 404
only for a product that shows no image."""

from __future__ import annotations

import random

from locust import FastHttpUser, between, task

from loadtests.scenarios.catalog import LoadCatalog, catalog_path, load_catalog
from loadtests.scenarios.expect import IMG, IMG_VERSIONED, expect
from loadtests.scenarios.shoppers import CHROME

SIZES = ("thumbnail", "small", "medium", "large")


class CdnRevalidator(FastHttpUser):
    wait_time = between(0.1, 0.5)

    def on_start(self) -> None:
        self.rng = random.Random()
        self.catalog: LoadCatalog = load_catalog(catalog_path(self.environment))
        self.etags: dict[str, str] = {}  # what this CDN node holds
        self.sources: dict[int, str] = {}  # product → the versioned URL it learnt
        # A node comes up behind a page already seen: it learns one versioned URL (so
        # even a short run revalidates both kinds, whatever the task draws).
        self.revalidate_versioned()

    @task(3)
    def revalidate_unversioned(self) -> None:
        product = self.catalog.popular.draw(self.rng)
        url = f"/img/{product}/{self.rng.choice(SIZES)}"
        self._revalidate(url, IMG, (200,) if product in self.catalog.shown else (404,))

    @task(1)
    def revalidate_versioned(self) -> None:
        """A versioned URL the CDN holds: learnt once from the page data (`slot=card`,
        the `<img src>`), as the CDN first saw it through a page, then revalidated."""
        product = self.catalog.popular_shown.draw(self.rng)
        src = self.sources.get(product)
        if src is None:
            with self.client.get(
                f"/api/pictures?products={product}&slot=card",
                name="/api/pictures?slot=card",
                catch_response=True,
            ) as answer:
                if not expect(answer, (200,)):
                    return
                pictures = answer.json()["pictures"]
            if not pictures:
                return  # its image went away meanwhile (a curator's change): fine
            src = self.sources[product] = pictures[0]["src"]
        self._revalidate(src, IMG_VERSIONED, (200,))

    def _revalidate(self, url: str, name: str, first: tuple[int, ...]) -> None:
        held = self.etags.get(url)
        headers = {"accept": CHROME}
        if held is None:
            with self.client.get(url, headers=headers, name=name, catch_response=True) as r:
                if expect(r, first) and r.status_code == 200:
                    self.etags[url] = r.headers.get("etag", "")
            return
        headers["if-none-match"] = held
        with self.client.get(
            url, headers=headers, name=f"{name} (If-None-Match)", catch_response=True
        ) as r:
            if r.status_code == 200 and r.headers.get("etag") not in (None, held):
                r.success()  # changed: a new ETag, and the CDN keeps it
                self.etags[url] = r.headers["etag"]
            elif expect(r, (304,), " (revalidation)") and r.headers.get("etag") != held:
                r.failure("304 with another ETag")
