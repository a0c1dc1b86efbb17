"""Training lists as the worker sees them: the real pipeline on a real backend.

A marketplace is pushed through the application as the benchmark does (catalog seeded,
every store synced through the API, the queue drained by `MatchWorker`), with the
worker's catalog search recorded. Each store product the name path decided then gives
one list: the candidates that search returned to the worker (trigram search on the
backend: FTS5 on SQLite, pg_trgm on PostgreSQL; then those its model codes found;
provisional and sync-made canonical products included, as they existed then), read
by `matcher.learned.weighed` and labelled by the truth. The same run is scored like the
benchmark (`evaluation`), so a model can be judged by the pipeline that will use it.
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import matcher.learned
from catalog.models import CanonicalProduct, PriceRange
from matcher.learned import competing, pooled, weighed
from matcher.service import candidate, described_name, search_query, store_price
from matcher.worker import MatchWorker, WorkerOptions

from .drivers import backend, read_back, running, seed_catalog, sync_marketplace
from .evaluation import Report, Truth, name_rows
from .marketplace import Marketplace
from .training import Lists

Prices = dict[int, tuple[PriceRange, ...]]


class RecordingCatalog:
    """The catalog, remembering what each search returned, per query, in order, with the
    candidates' price references as the worker asked for them right after the search."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.seen: dict[str, list[tuple[list[CanonicalProduct], Prices]]] = defaultdict(list)
        self._pending: Prices = {}  # the last search's prices, filled when asked

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    async def search_canonical_candidates_many(
        self, names: Sequence[str], limit: int = 10
    ) -> list[list[tuple[CanonicalProduct, float]]]:
        found = await self.inner.search_canonical_candidates_many(names, limit)
        self._pending = {}
        for name, each in zip(names, found, strict=True):
            self.seen[name].append(([c for c, _ in each], self._pending))
        return found

    async def search_canonical_candidates(
        self, name: str, limit: int = 10
    ) -> list[tuple[CanonicalProduct, float]]:
        found = await self.inner.search_canonical_candidates(name, limit)
        self._pending = {}
        self.seen[name].append(([c for c, _ in found], self._pending))
        return found

    async def search_canonical_by_codes_many(
        self, queries: Sequence[tuple[str, Sequence[str]]], limit: int = 10
    ) -> list[list[tuple[CanonicalProduct, float]]]:
        """Each name's code hits join the candidates its name search just recorded, as
        the worker adds them (`MatchService`)."""
        found = await self.inner.search_canonical_by_codes_many(queries, limit)
        for (name, _), each in zip(queries, found, strict=True):
            if self.seen[name]:
                candidates = self.seen[name][-1][0]
                known = {c.id for c in candidates}
                candidates += [c for c, _ in each if c.id not in known]
        return found

    async def canonical_prices(self, canonical_ids: Sequence[int]) -> Prices:
        prices: Prices = await self.inner.canonical_prices(canonical_ids)
        self._pending.update(prices)
        return prices


@dataclass
class Harvest:
    lists: Lists
    report: Report  # the run judged as bench_matching judges it (name path rows)
    # Each store product's best competing candidate: its share under the model that ran
    # (before calibration) and whether it is the product. What the calibration is fitted
    # on: the link goes to the best, so "scored 90" must mean the best is right 90% of
    # the time (the benchmark's calibration table), which all candidates pooled do not say.
    shares: list[tuple[float, bool]] = field(default_factory=list)


async def harvest(market: Marketplace, backend_name: str, args: argparse.Namespace) -> Harvest:
    """`args`: scorer (the one deciding during the run), admin_url, database, keep."""
    lists = Lists([], [])
    report = Report(backend_name)
    shares: list[tuple[float, bool]] = []
    async with backend(backend_name, args) as settings, running(settings, 1) as (svc, client):
        truth_of = await seed_catalog(svc, market.products)
        seeded = set(truth_of)
        outcomes, _ = await sync_marketplace(svc, client, market, truth_of)
        recording = RecordingCatalog(svc.catalog)
        worker = MatchWorker(recording, WorkerOptions.from_settings(svc.settings))  # type: ignore[arg-type]
        await worker.run(drain=True)
        provisional = await read_back(svc, outcomes, truth_of)
        truth = Truth({p.key: p for p in market.products}, truth_of, seeded, provisional)
        name_rows([o for o in outcomes if not o.via_gtin], truth, report)
        products = await svc.catalog.get_store_products([o.product_id for o in outcomes])
        for o in outcomes:
            product = products[o.product_id]
            searches = recording.seen.get(search_query(described_name(product), product.brand))
            if o.via_gtin or not searches:
                continue
            found, prices = searches.pop(0)
            _, weighed_pairs = weighed(
                described_name(product),
                product.brand,
                product.gtin,
                [candidate(c, prices.get(c.id, ())) for c in found],
                store_price(product),
            )
            # What competes for the link at run time (a blocked truth: none of them).
            pairs = [weighed_pairs[i] for i in competing(weighed_pairs)]
            right = [truth_of.get(c.canonical_product_id) == o.item.truth for c, _, _ in pairs]
            # A second candidate of the same truth (a provisional twin of a catalog
            # product) is neither the answer nor a wrong one: it is left out.
            model = matcher.learned.load_model()  # as the trainer set it
            # As the scorer weighs them (a provisional twin adds to the likeliest).
            shared = pooled(
                [c for c, _, _ in pairs], model.shares([f.vector() for _, f, _ in pairs])
            )
            if shared:  # the best: the one a link would go to
                best = max(range(len(shared)), key=shared.__getitem__)
                shares.append((shared[best], right[best]))
            first = right.index(True) if any(right) else None
            rows = [f.vector() for i, (_, f, _) in enumerate(pairs) if not right[i] or i == first]
            lists.candidates.append(rows)
            lists.truth.append(None if first is None else sum(not r for r in right[:first]))
    return Harvest(lists, report, shares)
