"""`imgedge migrate-canonical`: link existing store products to canonical products.

Products without a link are read in id order (keyset paging) and sent through the same
set-based path as a sync: a GTIN already in the catalog links at once, a new GTIN creates
its canonical product, anything else joins the match queue. `dry_run` changes nothing and
counts what would happen.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from catalog import CatalogRepository
from catalog.gtin import try_normalize_gtin
from catalog.models import StoreProduct, SyncItem, SyncOutcome


@dataclass(slots=True)
class MigrationSummary:
    dry_run: bool
    examined: int = 0
    linked_existing: int = 0  # to a canonical product that was already there
    linked_new: int = 0  # to a canonical product created by this run
    created_canonical: int = 0
    queued: int = 0

    def lines(self) -> list[str]:
        verb = "would be" if self.dry_run else "were"
        return [
            f"{self.examined} products without a canonical link examined",
            f"{self.linked_existing} {verb} linked to existing canonical products by GTIN",
            f"{self.created_canonical} canonical products {verb} created "
            f"({self.linked_new} products {verb} linked to them)",
            f"{self.queued} {verb} queued for name matching",
        ]


def _item(p: StoreProduct) -> SyncItem:
    gtin = p.gtin or try_normalize_gtin(p.upc)
    return SyncItem(p.external_id, p.upc, gtin, p.name, p.brand, p.image_url)


async def migrate_canonical(
    catalog: CatalogRepository,
    *,
    dry_run: bool,
    limit: int | None = None,
    batch: int = 500,
    progress: Callable[[int], None] = lambda n: None,
) -> MigrationSummary:
    summary = MigrationSummary(dry_run)
    known: dict[str, int | None] = {}  # dry run: GTIN → canonical id (None: created by us)
    created: set[int] = set()  # canonical products this run created
    after = 0
    while limit is None or summary.examined < limit:
        want = batch if limit is None else min(batch, limit - summary.examined)
        products = await catalog.unlinked_products(after, want)
        if not products:
            break
        after = products[-1].id
        summary.examined += len(products)
        by_store: dict[int, list[SyncItem]] = defaultdict(list)
        for product in products:
            by_store[product.store_id].append(_item(product))
        for store_id, items in by_store.items():
            if dry_run:
                await _plan(catalog, items, known, summary)
            else:
                await _apply(catalog, store_id, items, created, summary)
        progress(len(products))
    return summary


async def _apply(
    catalog: CatalogRepository,
    store_id: int,
    items: list[SyncItem],
    created: set[int],
    summary: MigrationSummary,
) -> None:
    results = await catalog.sync_products(store_id, items, known={})
    for r in results:
        if r.created_canonical and r.canonical_product_id not in created:
            created.add(r.canonical_product_id)  # type: ignore[arg-type]
            summary.created_canonical += 1
    for r in results:
        if r.outcome is SyncOutcome.QUEUED:
            summary.queued += 1
        elif r.canonical_product_id in created:
            summary.linked_new += 1
        elif r.outcome is SyncOutcome.LINKED:
            summary.linked_existing += 1


async def _plan(
    catalog: CatalogRepository,
    items: list[SyncItem],
    known: dict[str, int | None],
    summary: MigrationSummary,
) -> None:
    for item in items:
        if item.gtin is None:
            summary.queued += 1
            continue
        if item.gtin not in known:
            existing = await catalog.get_canonical_product_by_gtin(item.gtin)
            known[item.gtin] = existing.id if existing else None
            if existing is None:
                summary.created_canonical += 1
        if known[item.gtin] is None:
            summary.linked_new += 1
        else:
            summary.linked_existing += 1
