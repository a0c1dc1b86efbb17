"""A storefront's pages for the browser proof and the page-bytes benchmark: a listing grid
of 150 px tiles and a product page with a priority hero, built with `@imgedge/react`'s
browser bundle and the products a demo edge shows, served from an origin of their own as
a shop's pages would be (imgedge's relative URLs resolved against its origin, as
`IMGEDGE_PUBLIC_BASE_URL` would make them absolute)."""

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

from edge.http.picture_query import MAX_PRODUCTS as MAX_PRODUCTS_PER_CALL

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


HERO_SIZES = "(max-width: 800px) 100vw, 800px"  # the product page's hero: its width


@dataclass(frozen=True, slots=True)
class PagePictures:
    """The `/api/pictures` answers a storefront's pages are built from, as imgedge gave
    them: the listing's tiles (`slot=thumbnail`, one call) and the hero (`slot=hero`)."""

    tiles: dict[str, Any]
    hero: dict[str, Any]


def page_pictures(edge_url: str, count: int) -> PagePictures:
    """The pictures of the first `count` products (by id) that show an image: which ones
    those are is asked once, then the listing's `count` in one call, as a page would."""
    with httpx.Client(base_url=edge_url, timeout=30) as api:

        def pictures(ids: list[int], slot: str, sizes: str | None = None) -> dict[str, Any]:
            query = {"products": ",".join(map(str, ids)), "slot": slot}
            if sizes is not None:
                query["sizes"] = sizes
            answer = api.get("/api/pictures", params=query)
            answer.raise_for_status()
            return dict(answer.json())

        first = range(1, MAX_PRODUCTS_PER_CALL + 1)
        shown = [p["productId"] for p in pictures(list(first), "thumbnail")["pictures"]]
        if len(shown) < count:
            raise RuntimeError(f"the catalog shows only {len(shown)} product images")
        tiles = pictures(shown[:count], "thumbnail")
        hero = pictures(shown[:1], "hero", HERO_SIZES)
    return PagePictures(tiles, hero)


def write_react_pages(site: Path, edge_url: str, pictures: PagePictures) -> None:
    """`listing.html` and `product.html` (hero: the first tile's product), rendered in the
    browser by the package's bundle from `pictures.json`: the `/api/pictures` answers as
    they are, and imgedge's origin for the URLs they hold relative to it (the edge has no
    `IMGEDGE_PUBLIC_BASE_URL`; the pages live on an origin of their own)."""
    site.mkdir(parents=True, exist_ok=True)
    shutil.copy(BUNDLE, site / "listing.js")
    data = {"tiles": pictures.tiles, "hero": pictures.hero, "baseUrl": edge_url}
    (site / "pictures.json").write_text(json.dumps(data))
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
