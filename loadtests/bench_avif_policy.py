"""First request for an uncached AVIF-capable variant under each IMGEDGE_AVIF_POLICY.

`imgedge demo` seeds one throw-away catalog; two `imgedge serve` processes read it, one
with `IMGEDGE_AVIF_POLICY=wait`, one with `fallback` (each with its own empty variant
cache, warming off). For every size and every distinct demo image, a browser's first
request (`Accept: image/avif,image/webp,…`) goes to each edge in turn, alternating which
goes first; after the `fallback` edge's answer the script polls it until the AVIF is
served (its background encode), so no encode overlaps the next measurement.

Printed per size: the median first-request latency under each policy and their ratio,
the median bytes of each first answer (the `fallback` one is WebP), and how long after
the fallback answer the AVIF was ready. Both edges run in one run on the same machine,
so compare the ratios: absolute times move with the machine's load.

Run from the repository root:

    PYTHONPATH=. .venv/bin/python loadtests/bench_avif_policy.py
    PYTHONPATH=. .venv/bin/python loadtests/bench_avif_policy.py --products 24 --sizes small,large
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from loadtests.private_edge import EdgeProcess, edge_env, running, seed_demo

BROWSER = "image/avif,image/webp,image/apng,image/*,*/*;q=0.8"
TOKEN = "bench-avif-policy-token"
POLICIES = ("wait", "fallback")


@dataclass
class Cell:
    ms: dict[str, list[float]] = field(default_factory=lambda: {p: [] for p in POLICIES})
    bytes: dict[str, list[int]] = field(default_factory=lambda: {p: [] for p in POLICIES})
    types: dict[str, set[str]] = field(default_factory=lambda: {p: set() for p in POLICIES})
    avif_after_ms: list[float] = field(default_factory=list)
    avif_bytes: list[int] = field(default_factory=list)


async def distinct_products(http: httpx.AsyncClient, edge: EdgeProcess, want: int) -> list[int]:
    """One store product per image it shows (the demo's stores share canonical images)."""
    seen: set[str] = set()
    ids: list[int] = []
    auth = {"authorization": f"Bearer {TOKEN}"}
    for product_id in range(1, 20 * want):
        r = await http.get(f"{edge.url}/api/products/{product_id}", headers=auth)
        if r.status_code != 200:
            continue
        image = r.json().get("image")
        if not image or image["version"] in seen:
            continue
        seen.add(image["version"])
        ids.append(product_id)
        if len(ids) == want:
            break
    return ids


async def first_request(http: httpx.AsyncClient, url: str) -> tuple[float, httpx.Response]:
    started = time.perf_counter()
    r = await http.get(url, headers={"accept": BROWSER})
    return (time.perf_counter() - started) * 1e3, r


async def wait_for_avif(http: httpx.AsyncClient, url: str, timeout_s: float = 30.0) -> float:
    """ms until `url` answers AVIF (polled every 5 ms)."""
    started = time.perf_counter()
    while time.perf_counter() - started < timeout_s:
        r = await http.get(url, headers={"accept": BROWSER})
        if r.headers.get("content-type") == "image/avif":
            return (time.perf_counter() - started) * 1e3
        await asyncio.sleep(0.005)
    raise RuntimeError(f"{url} never answered AVIF")


async def run(args: argparse.Namespace) -> dict[str, Cell]:
    root = Path(tempfile.mkdtemp(prefix="imgedge-bench-avif-"))
    common = {
        "database_url": f"sqlite:///{root}/catalog.db",
        "originals_url": f"file://{root}/originals",
        "admin_token": TOKEN,
        "warm_variants": "none",
        "render_workers": "2",
    }
    seed_demo(
        edge_env(**common, cache_url=f"file://{root}/seed-cache"), args.products, root / "log"
    )
    edges = {
        policy: EdgeProcess(
            edge_env(**common, avif_policy=policy, cache_url=f"file://{root}/cache-{policy}"),
            root / f"edge-{policy}.log",
        )
        for policy in POLICIES
    }
    cells = {size: Cell() for size in args.sizes}
    async with httpx.AsyncClient(timeout=60) as http, running(list(edges.values()), http):
        products = await distinct_products(http, edges["wait"], args.products)
        print(f"{len(products)} distinct images, sizes {', '.join(args.sizes)}")
        n = 0
        for size in args.sizes:
            cell = cells[size]
            for product_id in products:
                order = POLICIES if n % 2 == 0 else POLICIES[::-1]
                n += 1
                for policy in order:
                    url = f"{edges[policy].url}/img/{product_id}/{size}"
                    ms, r = await first_request(http, url)
                    r.raise_for_status()
                    cell.ms[policy].append(ms)
                    cell.bytes[policy].append(len(r.content))
                    cell.types[policy].add(r.headers["content-type"].removeprefix("image/"))
                    if policy == "fallback":
                        cell.avif_after_ms.append(await wait_for_avif(http, url))
                        avif = await http.get(url, headers={"accept": BROWSER})
                        cell.avif_bytes.append(len(avif.content))
    return cells


def report(cells: dict[str, Cell]) -> None:
    med = statistics.median
    print(
        f"\n{'size':<10}{'wait ms':>9}{'fallback ms':>13}{'fb/wait':>9}"
        f"{'wait KB':>9}{'fallback KB':>13}{'AVIF ready ms':>15}  first answer types"
    )
    for size, c in cells.items():
        wait_ms, fb_ms = med(c.ms["wait"]), med(c.ms["fallback"])
        types = " / ".join(",".join(sorted(c.types[p])) for p in POLICIES)
        print(
            f"{size:<10}{wait_ms:>9.1f}{fb_ms:>13.1f}{fb_ms / wait_ms:>9.2f}"
            f"{med(c.bytes['wait']) / 1024:>9.1f}{med(c.bytes['fallback']) / 1024:>13.1f}"
            f"{med(c.avif_after_ms):>15.1f}  {types}"
        )
    print(
        "\nmedians; `AVIF ready ms`: after the fallback answer, until the same URL answers "
        "AVIF (its bytes then equal the wait column's)."
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="examples:" + __doc__.split("Run from the repository root:")[1].rstrip(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--products", type=int, default=12, help="distinct images (default 12)")
    parser.add_argument(
        "--sizes",
        default="thumbnail,small,medium,large",
        type=lambda s: s.split(","),
        help="comma-separated /img sizes (default thumbnail,small,medium,large)",
    )
    report(asyncio.run(run(parser.parse_args())))


if __name__ == "__main__":
    main()
