"""Matching and sync benchmark: a synthetic marketplace whose truth is known.

    .venv/bin/python loadtests/bench_matching.py                      # both backends
    .venv/bin/python loadtests/bench_matching.py --quick              # smoke run (seconds)
    .venv/bin/python loadtests/bench_matching.py --backend postgresql --keep --dump out.jsonl
    .venv/bin/python loadtests/bench_matching.py --quick --scorer learned --auto-link 85 90 95

Per backend (SQLite in a temporary directory; PostgreSQL in a fresh database
`imgedge_bench_match` on 127.0.0.1:5432, dropped afterwards unless --keep):

1. Generates (deterministically, --seed) a few thousand true products: groceries and
   household goods (brand, line, flavour/scent, size, pack), electronics with model codes
   (TVs, headphones, phones, ink, memory cards, cables), batteries and apparel, with their
   near-variants (same line in another size, colour, flavour, tier or model code).
2. Seeds the canonical catalog (name, brand, GTIN) with most of them; the rest are new
   products no catalog knows yet.
3. Each store sells a subset under its own POS habits: abbreviations, unit spellings,
   word order, brand dropped/added/aliased or the maker in the brand field, typos,
   truncation, extra tokens; barcodes as UPC-A, EAN-13, GTIN-14, lost leading zeros,
   spaced, JSON numbers, or missing or malformed (wrong check digit, Excel notation...).
4. Pushes every store's products through `POST /api/sync/products` (in process:
   httpx.ASGITransport → `create_app` on real `open_services`), drains the queue with
   `MatchWorker`, reads every product back and compares with the truth.
5. Times the sync of --sync-n products per path (new GTINs, known GTINs with a cold and
   a warm GTIN map, no barcode) and the worker's fuzzy matches per second.

The parts live in loadtests/matching/ (its docstring says which module holds what);
this file keeps the command line and runs them per backend.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import time
from pathlib import Path

from matching.curator import ANSWERS, Curator, split
from matching.drivers import (
    backend,
    drain,
    read_back,
    running,
    seed_catalog,
    sync_marketplace,
    sync_throughput,
)
from matching.evaluation import Outcome, Report, Truth, dump, evaluate
from matching.generators import GENERATORS
from matching.marketplace import Marketplace, build_marketplace
from matching.report import log, print_header, print_reports, print_sweep
from matching.stores import STORES

from config.settings import load_settings

ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


async def run_backend(
    name: str,
    market: Marketplace,
    pos: Marketplace,
    args: argparse.Namespace,
    auto_link: float,
    curator: int | None = None,
) -> Report:
    """One pipeline run. With `curator` (a number of review items), the stream is cut in
    two (`curator.split`): the first stores are synced and matched, the simulated curator
    answers that many review items, then the other stores are synced and matched, and the
    name path is judged on those alone."""
    label = name if len(args.auto_link) == 1 else f"{name} @{auto_link:g}"
    report = Report(label if curator is None else f"{label}, curator {curator}")
    report.auto_link = auto_link
    async with (
        backend(name, args, auto_link) as settings,
        running(settings, args.concurrency) as (svc, client),
    ):
        started = time.perf_counter()
        truth_of = await seed_catalog(svc, market.products)
        seeded = set(truth_of)
        log(f"[{name}] catalog seeded with {len(truth_of):,} canonical products "
            f"in {time.perf_counter() - started:.1f} s")  # fmt: skip
        phases = [market] if curator is None else list(split(market))
        outcomes: list[Outcome] = []
        provisional: set[int] = set()
        decided, drain_s = 0, 0.0
        for i, phase in enumerate(phases):
            synced, sync_s = await sync_marketplace(svc, client, phase, truth_of)
            log(f"[{name}] marketplace synced: {len(synced):,} products in {sync_s:.1f} s")
            stats, took = await drain(svc, args.workers)
            decided += stats["link"] + stats["suggest"] + stats["review"]
            drain_s += took
            log(f"[{name}] queue drained: {dict(stats)} in {took:.1f} s")
            if curator is not None and i == 0:
                provisional |= await read_back(svc, synced, truth_of)
                truth_of_product = {o.product_id: o.item.truth for o in synced}
                answered = await Curator(svc, truth_of, truth_of_product).answer(curator)
                report.rows["curator: review items answered (first stores)"] = (
                    f"{sum(answered.values()):,}"
                )
                for what in ANSWERS:
                    report.rows[f"  {what}"] = f"{answered[what]:,}"
                report.rows["judged: the stores synced after"] = ", ".join(
                    s.name for s in phases[-1].stores
                )
            else:
                outcomes += synced
        provisional |= await read_back(svc, outcomes, truth_of)
        items = [i for each in market.items.values() for i in each]
        truth = Truth({p.key: p for p in market.products}, truth_of, seeded, provisional, items)
        await evaluate(svc, outcomes, truth, report, args.show_wrong)
        report.rows["worker: fuzzy matches/s"] = (
            f"{decided / drain_s:,.0f}/s ({decided:,} in {drain_s:.1f} s, {args.workers} worker)"
        )
        if args.dump:
            dump(Path(args.dump), name, outcomes, truth)
        report.rows[f"sync throughput, {args.sync_n:,} products"] = ""
        await sync_throughput(svc, client, pos, args.sync_n, args.seed, report)
    return report


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--products", type=int, default=3000, help="true products")
    parser.add_argument("--stores", type=int, default=6, choices=range(1, len(STORES) + 1))
    parser.add_argument("--new-share", type=float, default=0.1, help="products not in the catalog")
    parser.add_argument("--sync-n", type=int, default=100_000, help="products per sync phase")
    parser.add_argument("--workers", type=int, default=1, help="matcher workers while draining")
    parser.add_argument("--concurrency", type=int, default=1, help="sync requests in flight")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--generator", choices=tuple(GENERATORS), default="pos", help="marketplace to match"
    )
    # The matcher's settings as the worker would read them (environment, config file),
    # unless the command line says otherwise.
    configured = load_settings().matcher
    parser.add_argument(
        "--scorer",
        choices=("rules", "learned"),
        default=configured.scorer,
        help="default: IMGEDGE_MATCH_SCORER",
    )
    parser.add_argument(
        "--auto-link",
        type=float,
        nargs="+",
        default=[configured.auto_link],
        help="link threshold(s), default IMGEDGE_MATCH_AUTO_LINK; several: one run each "
        "and a table of the trade (precision, recall, left for a person)",
    )
    parser.add_argument(
        "--suggest", type=float, default=configured.suggest, help="default: IMGEDGE_MATCH_SUGGEST"
    )
    parser.add_argument(
        "--curator",
        type=int,
        metavar="K",
        help="cut the stream in two; between the halves a simulated curator answers the "
        "first K review items from the truth; the second half is judged, beside a run "
        "where nobody answered (0)",
    )
    parser.add_argument("--quick", action="store_true", help="800 products, --sync-n 5000")
    parser.add_argument("--show-wrong", type=int, default=8, help="wrong links to print each")
    parser.add_argument("--dump", help="append every store product's outcome here (JSONL)")
    parser.add_argument("--admin-url", default=ADMIN_URL, help="PostgreSQL admin database")
    parser.add_argument("--database", default="imgedge_bench_match")
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL database")
    args = parser.parse_args()
    if args.quick:
        args.products, args.sync_n = min(args.products, 800), min(args.sync_n, 5000)
    return args


async def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    args = parse_args()
    market = GENERATORS[args.generator](args.seed, args.products, args.stores, args.new_share)
    # the sync throughput phases name the POS marketplace's products in its stores' styles
    pos = build_marketplace(args.seed, args.products, args.stores, args.new_share)
    print_header(market, args)
    names = ("sqlite", "postgresql") if args.backend == "both" else (args.backend,)
    curators = [None] if args.curator is None else [0, args.curator]
    reports = [
        await run_backend(name, market, pos, args, auto_link, curator)
        for name in names
        for auto_link in args.auto_link
        for curator in curators
    ]
    print_reports(reports)
    if len(args.auto_link) > 1:
        print_sweep(reports)


if __name__ == "__main__":
    asyncio.run(main())
