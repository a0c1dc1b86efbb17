"""The storefront of the browser proof: a demo `imgedge serve`, the products' picture data
read from its API, and two static pages (a listing grid of 150 px tiles, a product page
with a priority hero) built with `@imgedge/react`'s bundle, served from another origin as
a shop's pages would be (imgedge's URLs are absolute, as behind a CDN)."""

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

from loadtests.private_edge import EdgeProcess, edge_env, seed_demo
from loadtests.processes import wait_for_port

TOKEN = "storefront-curator-token"
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
<main data-page="{kind}" data-pictures="{data}"></main>
<script src="listing.js"></script></body></html>
"""


@dataclass
class Storefront:
    edge: EdgeProcess
    url: str  # the static pages' origin
    products: list[dict[str, Any]]


def _product_like(http: httpx.Client, product_id: int) -> dict[str, Any] | None:
    """A product as `ProductImage`'s `product` prop takes it, from the products API."""
    auth = {"authorization": f"Bearer {TOKEN}"}
    answer = http.get(f"/api/products/{product_id}", headers=auth)
    if answer.status_code != 200 or answer.json()["image"] is None:
        return None
    product = answer.json()
    images = http.get(f"/api/products/{product_id}/images", headers=auth).json()["images"]
    primary = next(i for i in images if i["id"] == product["image"]["id"])
    image = {k: primary[k] for k in ("width", "height", "version", "placeholder", "has_alpha")}
    return {"id": product_id, "name": product["name"], "image": image}


def _write_site(site: Path, bundle: Path, data: dict[str, Any]) -> None:
    site.mkdir(parents=True, exist_ok=True)
    shutil.copy(bundle, site / "listing.js")
    (site / "pictures.json").write_text(json.dumps(data))
    for kind, title in (("listing", "Grocery"), ("product", "A product")):
        page = PAGE.format(title=title, style=STYLE, kind=kind, data="pictures.json")
        (site / f"{kind}.html").write_text(page)


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def storefront(root: Path, bundle: Path) -> Iterator[Storefront]:
    env = edge_env(
        database_url=f"sqlite:///{root}/catalog.db",
        cache_url=f"file://{root}/cache",
        originals_url=f"file://{root}/originals",
        admin_token=TOKEN,
    )
    # 24 canonical products, each store carrying 16: 48 store products with images.
    seed_demo(env, products=24, log=root / "demo.log")
    edge = EdgeProcess(env, root / "edge.log")
    edge.start()
    server: ThreadingHTTPServer | None = None
    try:
        assert edge.proc is not None
        wait_for_port(edge.port, edge.proc, what="imgedge serve", timeout_s=30)
        with httpx.Client(base_url=edge.url, timeout=30) as http:
            shown = [_product_like(http, i) for i in range(1, TILES + 20)]
        products = [p for p in shown if p is not None][:TILES]
        assert len(products) == TILES, len(products)
        site = root / "site"
        _write_site(site, bundle, {"products": products, "baseUrl": edge.url})
        server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Quiet, directory=str(site)))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        yield Storefront(edge, f"http://127.0.0.1:{server.server_address[1]}", products)
    finally:
        if server is not None:
            server.shutdown()
            server.server_close()
        edge.stop()
