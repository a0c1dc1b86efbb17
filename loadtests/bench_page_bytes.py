"""The bytes a listing page's images cost: 48 products in a grid of 150 CSS px tiles.

Three ways to put the images on the page, each at device pixel ratio 1 and 2:

- **slot=thumbnail**: the markup/data of `/api/pictures?slot=thumbnail` (srcset of
  `thumbnail` and `small`, `sizes="150px"`);
- **fixed sizes**: the markup imgedge gave before slots (every size in the srcset,
  `sizes="(max-width: 640px) 100vw, 640px"`, which says nothing of the tile), at a
  desktop (1280 CSS px) and a phone (390 CSS px) viewport: `sizes` decides, not the tile;
- **original**: the uploaded originals, full size (what the original system sent).

The candidate a browser takes from a `srcset` of `w` descriptors is computed with the
browser's rule (the smallest candidate whose width is at least the slot's CSS px × DPR,
else the largest), from the first `<source>` whose type it accepts (AVIF here); then the
chosen URLs are fetched from a real `imgedge serve` over a freshly seeded demo catalog and
the bytes summed (originals: their stored size, from the images API).

    PYTHONPATH=. python loadtests/bench_page_bytes.py [--products 48] [--keep DIR]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import httpx

from loadtests.private_edge import ROOT, EdgeProcess, edge_env
from loadtests.processes import wait_for_port
from loadtests.srcset import css_px, pick

TILE_PX = 150
FIXED_SIZES = "(max-width: 640px) 100vw, 640px"
VIEWPORTS = {"desktop": 1280, "phone": 390}
TOKEN = "bench-page-bytes-curator-token"
ACCEPT = "image/avif,image/webp,image/apng,image/*,*/*;q=0.8"  # Chromium's


@dataclass
class Row:
    markup: str
    viewport: str
    dpr: int
    urls: list[str]
    widths: list[int]
    bytes: int = 0


def seed_and_serve(work: Path, products: int) -> EdgeProcess:
    env = edge_env(
        database_url=f"sqlite:///{work}/catalog.db",
        cache_url=f"file://{work}/cache",
        originals_url=f"file://{work}/originals",
        admin_token=TOKEN,
    )
    demo = [sys.executable, "-m", "edge.cli", "demo", "--products", str(products)]
    subprocess.run(demo, env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    edge = EdgeProcess(env, work / "edge.log")
    edge.start()
    assert edge.proc is not None
    wait_for_port(edge.port, edge.proc, what="imgedge serve", timeout_s=30)
    return edge


def page_of_pictures(http: httpx.Client, base: str, slot: str, count: int) -> list[dict]:
    """The first `count` demo products that show an image, as `/api/pictures` gives them."""
    found: list[dict] = []
    start = 1
    while len(found) < count and start < 5000:
        ids = ",".join(str(i) for i in range(start, start + 100))
        body = http.get(f"{base}/api/pictures", params={"products": ids, "slot": slot}).json()
        found += body["pictures"]
        start += 100
    if len(found) < count:
        raise SystemExit(f"the demo catalog shows only {len(found)} images")
    return found[:count]


def avif_srcset(picture: dict) -> str:
    return next(s["srcset"] for s in picture["sources"] if s["type"] == "image/avif")


def measure(http: httpx.Client, base: str, rows: list[Row]) -> None:
    sizes: dict[str, int] = {}
    for row in rows:
        for url in row.urls:
            if url not in sizes:
                answer = http.get(base + url, headers={"accept": ACCEPT})
                answer.raise_for_status()
                sizes[url] = len(answer.content)
            row.bytes += sizes[url]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--products", type=int, default=48, help="tiles on the page")
    parser.add_argument("--keep", type=Path, help="work in this directory and keep it")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-page-bytes-") as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        edge = seed_and_serve(work, products=max(60, args.products))
        try:
            with httpx.Client(timeout=120) as http:
                rows = build_rows(http, edge.url, args.products)
                measure(http, edge.url, [r for r in rows if r.markup != "original"])
        finally:
            edge.stop()
    print_table(rows, args.products)
    return 0


def build_rows(http: httpx.Client, base: str, count: int) -> list[Row]:
    tiles = page_of_pictures(http, base, "thumbnail", count)
    ids = [p["productId"] for p in tiles]
    fixed = page_of_pictures(http, base, "product", count)
    assert [p["productId"] for p in fixed] == ids
    rows: list[Row] = []
    for dpr in (1, 2):
        chosen = [pick(avif_srcset(p), TILE_PX * dpr) for p in tiles]
        rows.append(
            Row("slot=thumbnail", "any", dpr, [u for u, _ in chosen], [w for _, w in chosen])
        )
    for name, viewport in VIEWPORTS.items():
        for dpr in (1, 2):
            needed = css_px(FIXED_SIZES, viewport) * dpr
            chosen = [pick(avif_srcset(p), needed) for p in fixed]
            rows.append(
                Row("fixed sizes", name, dpr, [u for u, _ in chosen], [w for _, w in chosen])
            )
    auth = {"authorization": f"Bearer {TOKEN}"}
    originals = Row("original", "any", 0, [], [])
    for pid in ids:
        images = http.get(f"{base}/api/products/{pid}/images", headers=auth).json()["images"]
        primary = images[0]
        originals.bytes += primary["byte_size"]
        originals.widths.append(primary["width"])
    rows.append(originals)
    return rows


def print_table(rows: list[Row], count: int) -> None:
    new = {r.dpr: r.bytes for r in rows if r.markup == "slot=thumbnail"}
    print(f"listing page: {count} tiles of {TILE_PX} CSS px, AVIF accepted")
    print(f"{'markup':<16}{'viewport':<10}{'DPR':>4}{'widths fetched':>16}{'bytes':>13}  × new")
    for row in rows:
        widths = sorted(set(row.widths))
        shown = ",".join(map(str, widths)) if len(widths) <= 3 else f"{widths[0]}–{widths[-1]}"
        dprs = (1, 2) if row.dpr == 0 else (row.dpr,)
        ratio = " / ".join(f"{row.bytes / new[d]:.1f}" for d in dprs)
        dpr = "any" if row.dpr == 0 else str(row.dpr)
        print(f"{row.markup:<16}{row.viewport:<10}{dpr:>4}{shown:>16}{row.bytes:>13,}  {ratio}")


if __name__ == "__main__":
    raise SystemExit(main())
