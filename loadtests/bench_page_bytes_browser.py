"""The bytes a listing page of 48 products in 150 px tiles makes a browser download, with
three kinds of markup, in Debian's Chromium (headless, Playwright, /usr/bin/chromium):

- `@imgedge/react`: `ProductImage` with `slot="thumbnail"` (candidates `thumbnail` and
  `small`, `sizes="150px"`), AVIF/WebP/JPEG `<source>`s;
- fixed `sizes`: each tile holds the `/api/products/<id>/picture` fragment as it is
  (`sizes="(max-width: 640px) 100vw, 640px"`: the browser sizes for 640 px);
- full-size originals: one `<img src=/img/<id>/original.jpg>` per tile, as the original
  system served uploads (lazy too, so only the markup differs).

Each page is loaded at 1280x800 and at device pixel ratios 1 and 2, scrolled to the end
so every tile loads, and the image bytes Chromium received are summed (DevTools
protocol, `encodedDataLength`: headers and body as transferred). A demo catalog is seeded
in a temporary directory and served by `imgedge serve`; the package's browser bundle must
be built (`make js`, or `npm run bundle` in clients/js).

    .venv/bin/python loadtests/bench_page_bytes_browser.py [--products 24] [--dpr 1 2]
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from loadtests.private_edge import EdgeProcess, edge_env, seed_demo
from loadtests.processes import wait_for_port
from loadtests.storefront import (
    BUNDLE,
    page_html,
    page_pictures,
    serve_directory,
    write_react_pages,
)

TOKEN = "bench-page-bytes-token"
TILES = 48
CHROMIUM = "/usr/bin/chromium"


def _tile(inner: str, name: str) -> str:
    return f'<li class="tile">{inner}<p class="name">{name}</p><button>Add to cart</button></li>'


def write_other_pages(site: Path, edge_url: str, pictures: list[dict[str, Any]]) -> None:
    """`fixed.html` (the /picture fragments) and `originals.html` (full-size JPEGs) of
    the products of `pictures` (an `/api/pictures` answer's)."""
    fixed, originals = [], []
    with httpx.Client(base_url=edge_url, timeout=30) as http:
        for p in pictures:
            product, alt = p["productId"], p["alt"]
            fragment = http.get(f"/api/products/{product}/picture").text
            # The fragment's URLs are relative to imgedge; the page lives elsewhere.
            fragment = re.sub(r'(["\s])/img/', rf"\1{edge_url}/img/", fragment)
            fixed.append(_tile(fragment, alt))
            src = f"{edge_url}/img/{product}/original.jpg?v={p['version']}"
            img = (
                f'<img src="{src}" width="{p["width"]}" height="{p["height"]}"'
                f' alt="{alt}" loading="lazy">'
            )
            originals.append(_tile(img, alt))
    for name, tiles in (("fixed", fixed), ("originals", originals)):
        main = f'<main><ul class="grid">{"".join(tiles)}</ul></main>'
        (site / f"{name}.html").write_text(page_html("Grocery", main))


def page_bytes(browser: Any, url: str, dpr: int) -> tuple[int, int, dict[str, int]]:
    """(image requests, image bytes, requests per size) for one load scrolled to the end."""
    context = browser.new_context(viewport={"width": 1280, "height": 800}, device_scale_factor=dpr)
    page = context.new_page()
    sizes: dict[str, str] = {}
    received: dict[str, int] = {}
    cdp = context.new_cdp_session(page)

    def sent(event: dict[str, Any]) -> None:
        found = re.search(r"/img/\d+/([a-z]+(?:@2x)?)", event["request"]["url"])
        if found:
            sizes[event["requestId"]] = found[1]

    def finished(event: dict[str, Any]) -> None:
        if event["requestId"] in sizes:
            received[event["requestId"]] = int(event["encodedDataLength"])

    cdp.on("Network.requestWillBeSent", sent)
    cdp.on("Network.loadingFinished", finished)
    cdp.send("Network.enable")
    page.goto(url, wait_until="networkidle")
    height = page.evaluate("document.documentElement.scrollHeight")
    for y in range(0, height + 800, 400):
        page.evaluate(f"window.scrollTo(0, {y})")
        page.wait_for_timeout(30)
    page.wait_for_function(
        f"() => document.querySelectorAll('.tile img').length === {TILES} &&"
        " [...document.querySelectorAll('.tile img')].every(i => i.complete)",
        timeout=120_000,
    )
    deadline = time.monotonic() + 30
    while len(received) < len(sizes) and time.monotonic() < deadline:
        page.wait_for_timeout(100)  # lets the protocol's last events arrive
    context.close()
    per_size: dict[str, int] = {}
    for size in sizes.values():
        per_size[size] = per_size.get(size, 0) + 1
    return len(sizes), sum(received.values()), per_size


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--products", type=int, default=24, help="demo canonical products")
    parser.add_argument("--dpr", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    if not BUNDLE.exists():
        sys.exit(f"{BUNDLE} is missing: run `make js` (or `npm run bundle` in clients/js)")
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="imgedge-page-bytes-") as tmp:
        root = Path(tmp)
        env = edge_env(
            database_url=f"sqlite:///{root}/catalog.db",
            cache_url=f"file://{root}/cache",
            originals_url=f"file://{root}/originals",
            admin_token=TOKEN,
        )
        print(f"seeding the demo catalog ({args.products} products)...", flush=True)
        seed_demo(env, products=args.products, log=root / "demo.log")
        edge = EdgeProcess(env, root / "edge.log")
        edge.start()
        try:
            assert edge.proc is not None
            wait_for_port(edge.port, edge.proc, what="imgedge serve", timeout_s=30)
            pictures = page_pictures(edge.url, TILES)
            site = root / "site"
            write_react_pages(site, edge.url, pictures)
            write_other_pages(site, edge.url, pictures.tiles["pictures"])
            pages = (
                ("@imgedge/react, slot thumbnail", "listing.html"),
                ("fixed sizes (/picture fragment)", "fixed.html"),
                ("full-size originals (JPEG)", "originals.html"),
            )
            with serve_directory(site) as origin, sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True)
                rows = []
                for dpr in args.dpr:
                    for label, path in pages:
                        page_bytes(browser, f"{origin}/{path}", dpr)  # warm the edge's cache
                        rows.append((label, dpr, *page_bytes(browser, f"{origin}/{path}", dpr)))
                browser.close()
        finally:
            edge.stop()
    print(f"\nlisting page: {TILES} tiles of 150 CSS px, 1280x800, Chromium (accepts AVIF)\n")
    head = f"{'markup':34} {'DPR':>3} {'images':>6} {'KiB':>8} {'KiB/tile':>8} {'vs react':>8}"
    print(head + "  sizes")
    base = {dpr: b for label, dpr, _, b, _ in rows if label.startswith("@imgedge")}
    for label, dpr, count, total, per_size in rows:
        ratio = total / base[dpr] if base.get(dpr) else float("nan")
        sizes = ", ".join(f"{s} {n}" for s, n in sorted(per_size.items()))
        kib = total / 1024
        print(
            f"{label:34} {dpr:>3} {count:>6} {kib:>8.1f} {kib / max(count, 1):>8.2f}"
            f" {ratio:>7.1f}x  {sizes}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
