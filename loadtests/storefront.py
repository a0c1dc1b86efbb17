"""A storefront's pages for the browser proof and the page-bytes benchmark: a listing grid
of 150 px tiles and a product page with a priority hero, built with `@imgedge/react`'s
browser bundle and the products a demo edge shows, served from an origin of their own as
a shop's pages would be (imgedge's URLs are absolute, as behind a CDN)."""

from __future__ import annotations

import json
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx

BUNDLE = Path(__file__).resolve().parent.parent / "clients/js/build/browser/listing.js"

STYLE = """
body { margin: 0; font: 14px/1.4 sans-serif; }
header { height: 96px; background: #234; color: #fff; padding: 16px; box-sizing: border-box; }
main { max-width: 720px; margin: 0 auto; padding: 16px; }
.grid { list-style: none; margin: 0; padding: 0; display: grid; gap: 24px;
        grid-template-columns: repeat(auto-fill, 150px); justify-content: center; }
.tile { width: 150px; height: 300px; }
.tile-image, .tile img { display: block; width: 150px; height: 150px; object-fit: contain; }
.name { height: 60px; overflow: hidden; margin: 8px 0; }
.hero-image { display: block; width: 100%; height: auto; }
.description { margin-bottom: 48px; }
"""

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title><link rel="icon" href="data:,"><style>{style}</style></head>
<body><header>Corner Market</header>
{main}
{script}</body></html>
"""


def page_html(title: str, main: str, script: str = "") -> str:
    return _PAGE.format(title=title, style=STYLE, main=main, script=script)


def product_like(api: httpx.Client, product_id: int) -> dict[str, Any] | None:
    """A product as `ProductImage`'s `product` prop takes it (the products API's answer
    with its primary image's placeholder and transparency), or None without an image."""
    answer = api.get(f"/api/products/{product_id}")
    if answer.status_code != 200 or answer.json()["image"] is None:
        return None
    product = answer.json()
    images = api.get(f"/api/products/{product_id}/images").json()["images"]
    primary = next(i for i in images if i["id"] == product["image"]["id"])
    image = {k: primary[k] for k in ("width", "height", "version", "placeholder", "has_alpha")}
    return {"id": product_id, "name": product["name"], "image": image}


def shown_products(edge_url: str, token: str, count: int) -> list[dict[str, Any]]:
    """The first `count` products (by id) that show an image, read with the curator token."""
    headers = {"authorization": f"Bearer {token}"}
    products: list[dict[str, Any]] = []
    with httpx.Client(base_url=edge_url, headers=headers, timeout=30) as api:
        product_id = 0
        while len(products) < count and product_id < 10 * count:
            product_id += 1
            if (found := product_like(api, product_id)) is not None:
                products.append(found)
    if len(products) < count:
        raise RuntimeError(f"the catalog shows only {len(products)} product images")
    return products


def write_react_pages(site: Path, edge_url: str, products: list[dict[str, Any]]) -> None:
    """`listing.html` and `product.html` (hero: the first product), rendered in the
    browser by the package's bundle from `pictures.json`."""
    site.mkdir(parents=True, exist_ok=True)
    shutil.copy(BUNDLE, site / "listing.js")
    (site / "pictures.json").write_text(json.dumps({"products": products, "baseUrl": edge_url}))
    script = '<script src="listing.js"></script>'
    for kind, title in (("listing", "Grocery"), ("product", "A product")):
        main = f'<main data-page="{kind}" data-pictures="pictures.json"></main>'
        (site / f"{kind}.html").write_text(page_html(title, main, script))


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def serve_directory(site: Path) -> Iterator[str]:
    """Serves `site` over HTTP on a free port (a thread); yields its origin."""
    pages = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Quiet, directory=str(site)))
    threading.Thread(target=pages.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{pages.server_address[1]}"
    finally:
        pages.shutdown()
        pages.server_close()
