"""What the benchmark prints: the header, the table of backends, the targets."""

from __future__ import annotations

import argparse
import os
import sys
from collections import Counter

from .drivers import BATCH
from .evaluation import Report, pct, wilson
from .marketplace import Marketplace

PRECISION_TARGET = 0.99
SYNC_TARGET = 5000.0  # products/s, GTIN path, PostgreSQL


def log(message: str) -> None:
    """Progress, on stderr: the report on stdout stays a clean table."""
    print(message, file=sys.stderr, flush=True)


def print_header(market: Marketplace, args: argparse.Namespace) -> None:
    in_catalog = sum(p.in_catalog for p in market.products)
    groups = Counter(p.group for p in market.products)
    kinds = Counter(i.barcode_kind.split(":")[0] for items in market.items.values() for i in items)
    n = market.n_items
    print(
        f"synthetic marketplace (seed {args.seed}): {len(market.products):,} true products in "
        f"{market.families:,} families ({', '.join(f'{g} {c:,}' for g, c in groups.items())}); "
        f"{in_catalog:,} in the canonical catalog, {len(market.products) - in_catalog:,} new"
    )
    stores = ", ".join(f"{s.name} {len(market.items[s.name]):,}" for s in market.stores)
    print(f"{len(market.stores)} stores, {n:,} store products: {stores}")
    print(
        f"barcodes: valid {pct(kinds['valid'], n)}, malformed {pct(kinds['bad'], n)}, "
        f"restricted {pct(kinds['restricted'], n)}, missing {pct(kinds['missing'], n)}"
    )
    print(
        f"API: POST /api/sync/products in process (httpx.ASGITransport → create_app + "
        f"open_services), batches of {BATCH}, {args.concurrency} request(s) in flight; "
        f"matcher: MatchWorker drain, {args.scorer} scorer, thresholds "
        f"{'|'.join(f'{t:g}' for t in args.auto_link)}/{args.suggest:g}; "
        f"{os.cpu_count()} CPUs, "
        f"load average {os.getloadavg()[0]:.1f} at start"
    )


def print_reports(reports: list[Report]) -> None:
    labels = list(dict.fromkeys(label for r in reports for label in r.rows))
    width = max(len(label) for label in labels) + 2
    cols = [max(30, *(len(r.rows.get(label, "")) for label in labels)) + 2 for r in reports]
    print()
    print("".ljust(width) + "".join(r.backend.ljust(c) for r, c in zip(reports, cols, strict=True)))
    for label in labels:
        values = "".join(r.rows.get(label, "").ljust(c) for r, c in zip(reports, cols, strict=True))
        print(label.ljust(width) + values.rstrip())
    for r in reports:
        if r.wrong:
            print(f"\nwrong auto-links by name ({r.backend}):")
            print("\n".join(r.wrong))
    print()
    for r in reports:
        checks = []
        if r.precision is not None:
            verdict = "met" if r.precision >= PRECISION_TARGET else "MISSED"
            checks.append(f"precision {r.precision:.2%} (≥ 99%: {verdict})")
        if r.backend == "postgresql" and r.gtin_sync_rate is not None:
            verdict = "met" if r.gtin_sync_rate >= SYNC_TARGET else "MISSED"
            checks.append(f"GTIN sync {r.gtin_sync_rate:,.0f}/s (≥ 5,000/s: {verdict})")
        print(f"targets, {r.backend}: " + "; ".join(checks))


def print_sweep(reports: list[Report]) -> None:
    """The operator's trade, one run per link threshold: what a higher threshold buys in
    precision and costs in recall and in work left for a person."""
    print("\nauto-link threshold: name path (each row a run of its own)")
    print(f"{'backend':<12}{'link ≥':>7}  {'precision (95% CI)':<28}{'recall':>8}"
          f"{'left for a person':>19}{'top-5':>8}")  # fmt: skip
    for r in reports:
        right, made = r.links
        low, high = wilson(right, made)
        precision = f"{pct(right, made)} ({low:.1%}–{high:.1%})"
        print(
            f"{r.backend.split(' @')[0]:<12}{r.auto_link or 0:>7g}  {precision:<28}"
            f"{r.recall:>8.1%}{r.left_share:>19.1%}{r.top5:>8.1%}"
        )
