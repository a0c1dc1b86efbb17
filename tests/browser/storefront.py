"""The storefront of the browser proof: two static pages (a listing grid of 150 px tiles,
a product page with a priority hero) built with `@imgedge/react`'s bundle and the demo
server's products, served from an origin of their own as a shop's pages would be
(imgedge's URLs are absolute, as behind a CDN)."""

from __future__ import annotations

import json
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx

from tests.browser.server import DemoServer

TILES = 48

STYLE = """
body { margin: 0; font: 14px/1.4 sans-serif; }
header { height: 96px; background: #234; color: #fff; padding: 16px; box-sizing: border-box; }
main { max-width: 720px; margin: 0 auto; padding: 16px; }
.grid { list-style: none; margin: 0; padding: 0; display: grid; gap: 24px;
        grid-template-columns: repeat(auto-fill, 150px); justify-content: center; }
.tile { width: 150px; height: 300px; }
.tile-image { display: block; width: 150px; height: 150px; object-fit: contain; }
.name { height: 60px; overflow: hidden; margin: 8px 0; }
.hero-image { display: block; width: 100%; height: auto; }
.description { margin-bottom: 48px; }
"""

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title><link rel="icon" href="data:,"><style>{style}</style></head>
<body><header>Corner Market</header>
<main data-page="{kind}" data-pictures="pictures.json"></main>
<script src="listing.js"></script></body></html>
"""


@dataclass(frozen=True, slots=True)
class Storefront:
    url: str  # the pages' origin: /listing.html, /product.html
    products: list[dict[str, Any]]  # in page order; the product page's hero is the first


def _product_like(api: httpx.Client, product_id: int) -> dict[str, Any] | None:
    """A product as `ProductImage`'s `product` prop takes it, from the products API."""
    answer = api.get(f"/api/products/{product_id}")
    if answer.status_code != 200 or answer.json()["image"] is None:
        return None
    product = answer.json()
    images = api.get(f"/api/products/{product_id}/images").json()["images"]
    primary = next(i for i in images if i["id"] == product["image"]["id"])
    image = {k: primary[k] for k in ("width", "height", "version", "placeholder", "has_alpha")}
    return {"id": product_id, "name": product["name"], "image": image}


def _write_site(site: Path, bundle: Path, data: dict[str, Any]) -> None:
    site.mkdir(parents=True, exist_ok=True)
    shutil.copy(bundle, site / "listing.js")
    (site / "pictures.json").write_text(json.dumps(data))
    for kind, title in (("listing", "Grocery"), ("product", "A product")):
        (site / f"{kind}.html").write_text(PAGE.format(title=title, style=STYLE, kind=kind))


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def storefront(server: DemoServer, site: Path, bundle: Path) -> Iterator[Storefront]:
    with server.api(server.admin_token) as api:
        products: list[dict[str, Any]] = []
        product_id = 0
        while len(products) < TILES and product_id < 500:
            product_id += 1
            if (found := _product_like(api, product_id)) is not None:
                products.append(found)
    assert len(products) == TILES, f"the demo shows only {len(products)} product images"
    _write_site(site, bundle, {"products": products, "baseUrl": server.url})
    pages = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Quiet, directory=str(site)))
    threading.Thread(target=pages.serve_forever, daemon=True).start()
    try:
        yield Storefront(f"http://127.0.0.1:{pages.server_address[1]}", products)
    finally:
        pages.shutdown()
        pages.server_close()
