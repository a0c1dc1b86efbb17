"""`imgedge migrate-canonical`: link existing store products to canonical products.

Products without a link are read in id order (keyset paging) and sent through the same
set-based path as a sync: a GTIN already in the catalog links at once, a new GTIN creates
its canonical product, anything else joins the match queue. `dry_run` runs the same path
and rolls it back: it changes nothing and counts what would happen.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from catalog import CatalogRepository
from catalog.gtin import try_normalize_gtin
from catalog.models import StoreProduct, SyncItem, SyncOutcome, SyncResult


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
    progress: Callable[[int], object] = lambda n: None,
) -> MigrationSummary:
    """Send unlinked products through the sync's own path, store by store. A dry run runs
    the very same statements and rolls each batch back, so it counts what would happen."""
    summary = MigrationSummary(dry_run)
    created: set[str] = set()  # GTINs whose canonical product this run created
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
            results = await catalog.sync_products(store_id, items, known={}, dry_run=dry_run)
            _count(items, results, created, summary)
        progress(len(products))
    return summary


def _count(
    items: list[SyncItem],
    results: list[SyncResult],
    created: set[str],
    summary: MigrationSummary,
) -> None:
    # By GTIN, not id: a dry run's batches are rolled back, so a GTIN new to the catalog
    # is "created" again in each later batch that carries it.
    for item, result in zip(items, results, strict=True):
        if result.outcome is SyncOutcome.QUEUED or item.gtin is None:
            summary.queued += 1
        elif item.gtin in created:
            summary.linked_new += 1
        elif result.created_canonical:
            created.add(item.gtin)
            summary.created_canonical += 1
            summary.linked_new += 1
        else:
            summary.linked_existing += 1
