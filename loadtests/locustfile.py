"""Locust scenario: browsers fetching product images the way a storefront page does.

    pip install -e '.[load]'
    imgedge demo && imgedge serve &
    locust -f loadtests/locustfile.py --host http://127.0.0.1:8080 \
        --headless -u 200 -r 50 -t 1m

Each simulated browser reads a product's markup (`/picture`), then fetches its images with a
modern `Accept`, mostly through versioned URLs (the CDN-friendly form), sometimes
revalidating with `If-None-Match`. Product ids come from IMGEDGE_LOAD_PRODUCTS
(e.g. "1-80"), default 1-40.
"""

from __future__ import annotations

import os
import random
import re

from locust import HttpUser, between, task

ACCEPTS = (
    "image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8",  # Chrome
    "image/webp,*/*",  # older Firefox
    "image/webp,image/png,image/svg+xml,image/*;q=0.8,*/*;q=0.5",  # older Safari
)
SIZES = ("thumbnail", "small", "medium", "large", "medium@2x")


THUMBNAIL = re.compile(r"/img/\d+/thumbnail\.(avif|webp|jpg|png)\?v=[0-9a-f]+")


def _thumbnail_for(markup: str, accept: str) -> str | None:
    """The thumbnail a browser takes from the <picture>: the first source type it accepts,
    else the <img> fallback (JPEG or PNG), which comes last."""
    found = [(m.group(0), m.group(1)) for m in THUMBNAIL.finditer(markup)]
    for url, fmt in found:
        if fmt in ("jpg", "png") or f"image/{fmt}" in accept:
            return url
    return None


def _product_ids() -> list[int]:
    first, _, last = os.environ.get("IMGEDGE_LOAD_PRODUCTS", "1-40").partition("-")
    return list(range(int(first), int(last or first) + 1))


class Shopper(HttpUser):
    wait_time = between(0.05, 0.5)

    def on_start(self) -> None:
        self.accept = random.choice(ACCEPTS)
        self.products = _product_ids()
        self.etags: dict[str, str] = {}

    @task(10)
    def product_listing(self) -> None:
        """A grid of thumbnails, as a page would build it from the products' markup."""
        for product_id in random.sample(self.products, k=min(8, len(self.products))):
            markup = self.client.get(
                f"/api/products/{product_id}/picture", name="/api/products/[id]/picture"
            )
            url = _thumbnail_for(markup.text, self.accept) if markup.ok else None
            if url:
                self.client.get(url, headers={"accept": self.accept}, name="/img/[id]/thumbnail?v=")

    @task(5)
    def product_page(self) -> None:
        product_id = random.choice(self.products)
        size = random.choice(SIZES)
        url = f"/img/{product_id}/{size}"
        headers = {"accept": self.accept}
        if url in self.etags and random.random() < 0.3:
            headers["if-none-match"] = self.etags[url]
        with self.client.get(
            url, headers=headers, name="/img/[id]/[size]", catch_response=True
        ) as r:
            if r.status_code in (200, 304):
                self.etags[url] = r.headers.get("etag", "")
                r.success()
            elif r.status_code == 404:
                r.success()  # unmatched demo products have no image: a valid answer
            else:
                r.failure(f"status {r.status_code}")
