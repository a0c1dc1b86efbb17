"""Drives the application: backends, the sync API in process, the match worker, throughput."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterable, Sequence
from pathlib import Path
from typing import Any

import httpx
from scratch_db import drop_database, recreate_database

from catalog.models import QueueStatus
from config import Settings
from edge.http.app import create_app
from edge.http.auth import hash_token, new_store_key
from edge.services import Services, open_services
from matcher.worker import MatchWorker, WorkerOptions

from .barcodes import check_digit
from .evaluation import Outcome, Report
from .marketplace import Marketplace
from .pos_names import store_name
from .products import TrueProduct

BATCH = 1000  # the API's maximum batch


def base_settings(tmp: Path, database_url: str, matcher: dict[str, Any]) -> Settings:
    """`matcher`: the match_* settings by flat name (scorer, auto_link, suggest)."""
    return Settings().replace(
        database_url=database_url,
        **matcher,
        cache_url=f"file://{tmp}/cache",
        originals_url=f"file://{tmp}/originals",
        memory_cache_mb=8,
        disk_cache_mb=16,
        render_workers=2,
    )


def matcher_settings(args: argparse.Namespace, auto_link: float | None = None) -> dict[str, Any]:
    """The matcher's settings for a run: `args.scorer`, and the thresholds `auto_link` and
    `args.suggest` where given (else the defaults, as for the trainer's runs)."""
    matcher: dict[str, Any] = {"match_scorer": args.scorer}
    if auto_link is not None:
        matcher["match_auto_link"] = auto_link
    if getattr(args, "suggest", None) is not None:
        matcher["match_suggest"] = args.suggest
    return matcher


@contextlib.asynccontextmanager
async def backend(
    name: str, args: argparse.Namespace, auto_link: float | None = None
) -> AsyncIterator[Settings]:
    matcher = matcher_settings(args, auto_link)
    with tempfile.TemporaryDirectory(prefix="imgedge-bench-match-") as tmp:
        if name == "sqlite":
            yield base_settings(Path(tmp), f"sqlite:///{tmp}/catalog.db", matcher)
            return
        url = await recreate_database(args.admin_url, args.database)
        try:
            yield base_settings(Path(tmp), url, matcher)
        finally:
            if not args.keep:
                await drop_database(args.admin_url, args.database)


# --------------------------------------------------------------------------- the API


class SyncClient:
    """Pushes pre-encoded batches through POST /api/sync/products (in process)."""

    def __init__(self, http: httpx.AsyncClient, concurrency: int) -> None:
        self.http = http
        self.concurrency = concurrency

    async def push(self, key: str, payloads: Sequence[dict[str, Any]]) -> tuple[list[dict], float]:
        """Every product's answer (in order) and the wall time of the requests alone."""
        bodies = [
            json.dumps({"products": list(payloads[i : i + BATCH])}).encode()
            for i in range(0, len(payloads), BATCH)
        ]
        headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
        answers: list[list[dict]] = [[] for _ in bodies]
        todo = iter(range(len(bodies)))

        async def sender() -> None:
            for i in todo:
                resp = await self.http.post(
                    "/api/sync/products", content=bodies[i], headers=headers
                )
                if resp.status_code != 200:
                    raise RuntimeError(f"sync answered {resp.status_code}: {resp.text[:300]}")
                answers[i] = resp.json()["results"]

        started = time.perf_counter()
        await asyncio.gather(*(sender() for _ in range(self.concurrency)))
        elapsed = time.perf_counter() - started
        return [a for batch in answers for a in batch], elapsed


async def create_store(svc: Services, name: str) -> str:
    key = new_store_key()
    await svc.catalog.create_store(name, hash_token(key))
    return key


@contextlib.asynccontextmanager
async def running(
    settings: Settings, concurrency: int
) -> AsyncIterator[tuple[Services, SyncClient]]:
    async with open_services(settings) as svc:
        app = create_app(settings, services=svc)
        app.state.services = svc
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://bench.test", timeout=600
        ) as http:
            yield svc, SyncClient(http, concurrency)


async def seed_catalog(svc: Services, products: Iterable[TrueProduct]) -> dict[int, int]:
    """Canonical products for the catalog's share of the truth: canonical id → true key."""
    truth_of: dict[int, int] = {}
    for p in products:
        if p.in_catalog:
            c = await svc.catalog.create_canonical_product(
                gtin=p.gtin or None, name=p.name, brand=p.brand or None
            )
            truth_of[c.id] = p.key
    return truth_of


async def sync_marketplace(
    svc: Services, client: SyncClient, market: Marketplace, truth_of: dict[int, int]
) -> tuple[list[Outcome], float]:
    outcomes: list[Outcome] = []
    elapsed = 0.0
    for style in market.stores:
        items = market.items[style.name]
        key = await create_store(svc, style.name)
        answers, took = await client.push(key, [i.payload() for i in items])
        elapsed += took
        for item, answer in zip(items, answers, strict=True):
            if "error" in answer:
                raise RuntimeError(f"{style.name} {item.external_id}: {answer['error']}")
            via_gtin = answer["match_status"] == "linked"
            if answer["created_canonical"]:
                truth_of[answer["canonical_product_id"]] = item.truth
            outcomes.append(Outcome(item, answer["product_id"], via_gtin))
    return outcomes, elapsed


async def drain(svc: Services, workers: int) -> tuple[Counter[str], float]:
    options = WorkerOptions.from_settings(svc.settings)
    pool = [MatchWorker(svc.catalog, options) for _ in range(workers)]
    started = time.perf_counter()
    results = await asyncio.gather(*(w.run(drain=True) for w in pool))
    elapsed = time.perf_counter() - started
    total: Counter[str] = Counter()
    for stats in results:
        total.update(stats)
    return total, elapsed


async def read_back(svc: Services, outcomes: list[Outcome], truth_of: dict[int, int]) -> set[int]:
    """Each product's outcome. A product the worker linked to a provisional canonical
    product it made (its queue item stays in review) gets status "provisional", and that
    product's truth becomes the provisional product's (`truth_of`), so a later store's
    link to it is judged like any other. Returns the provisional products' ids."""
    provisional: set[int] = set()
    for o in outcomes:
        product = await svc.catalog.get_store_product(o.product_id)
        assert product is not None
        o.canonical_id = product.canonical_product_id
        o.status = str(product.match_status)
        o.confidence = product.match_confidence
        if not o.via_gtin:
            item = await svc.catalog.get_match_item_for_product(o.product_id)
            if item is not None:
                o.top = item.candidates
                if item.status is QueueStatus.FAILED:
                    o.status = "failed"
                elif item.status is QueueStatus.REVIEW and o.canonical_id is not None:
                    o.status = "provisional"
                    truth_of.setdefault(o.canonical_id, o.item.truth)
                    provisional.add(o.canonical_id)
    return provisional


def throughput_payloads(market: Marketplace, n: int, gtins: bool, seed: int) -> list[dict]:
    """`n` realistic products; with `gtins`, new valid EAN-13s (prefix 97, never used above)."""
    rng = random.Random(f"{seed}:sync")
    payloads = []
    for i in range(n):
        p = market.products[i % len(market.products)]
        style = market.stores[i % len(market.stores)]
        item: dict[str, Any] = {"external_id": f"T{i:07d}", "name": store_name(p, style, rng)}
        item["brand"] = p.brand
        if gtins:
            body = f"97{i:010d}"
            item["upc"] = body + check_digit(body)
        payloads.append(item)
    return payloads


async def sync_throughput(
    svc: Services, client: SyncClient, market: Marketplace, n: int, seed: int, report: Report
) -> None:
    with_gtin = throughput_payloads(market, n, gtins=True, seed=seed)
    phases = (
        ("new GTINs (canonical created)", with_gtin, False),
        ("known GTINs, cold GTIN map", with_gtin, True),
        ("known GTINs, warm GTIN map", with_gtin, False),
        ("no barcode (queued for matching)", throughput_payloads(market, n, False, seed), False),
    )
    for i, (label, payloads, clear_map) in enumerate(phases):
        if clear_map:
            svc.sync.gtin_map.clear()
        key = await create_store(svc, f"Sync bench {i}")
        answers, elapsed = await client.push(key, payloads)
        statuses = Counter(a.get("match_status", "error") for a in answers)
        expected = "queued" if "no barcode" in label else "linked"
        if statuses[expected] != n:
            raise RuntimeError(f"{label}: unexpected outcomes {dict(statuses)}")
        rate = n / elapsed
        rows_label = f"  {label}"
        report.rows[rows_label] = f"{rate:,.0f}/s ({elapsed:.1f} s)"
        if "known GTINs, cold" in label:
            report.gtin_sync_rate = rate
