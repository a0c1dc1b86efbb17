"""`imgedge migrate-canonical`: GTIN links, new canonical products, the queue; dry run."""

from __future__ import annotations

import dataclasses
import subprocess
import sys

from matcher.migrate_canonical import migrate_canonical

EXISTING = "04006381333931"


async def _seed(catalog) -> None:
    await catalog.create_canonical_product(gtin=EXISTING, name="Oats", brand=None)
    store = await catalog.create_store("Old store")
    rows = [
        ("a", "4006381333931", EXISTING),  # known GTIN → link
        ("b", "036000291452", "00036000291452"),  # new GTIN → new canonical
        ("c", "36000291452", None),  # same GTIN, never normalized before → same canonical
        ("d", None, None),  # nothing → queue
        ("e", "12345", None),  # junk barcode → queue
    ]
    for external_id, upc, gtin in rows:
        await catalog.upsert_store_product(
            store_id=store.id, external_id=external_id, upc=upc, gtin=gtin, name=external_id
        )


async def test_dry_run_counts_and_changes_nothing(catalog):
    await _seed(catalog)
    summary = await migrate_canonical(catalog, dry_run=True)
    assert (summary.examined, summary.linked_existing, summary.created_canonical) == (5, 1, 1)
    assert (summary.linked_new, summary.queued) == (2, 2)
    assert await catalog.count_unlinked_products() == 5
    assert await catalog.queue_counts() == {}
    assert await catalog.get_canonical_product_by_gtin("00036000291452") is None


async def test_dry_run_says_what_the_real_run_then_does(catalog):
    """Small batches: a GTIN new to the catalog recurs in later (rolled back) batches."""
    await _seed(catalog)
    planned = await migrate_canonical(catalog, dry_run=True, batch=1)
    done = await migrate_canonical(catalog, dry_run=False, batch=1)
    assert planned.lines() != done.lines()  # "would be" against "were"
    assert dataclasses.replace(planned, dry_run=False) == done


async def test_migration_links_creates_and_queues(catalog):
    await _seed(catalog)
    seen: list[int] = []
    summary = await migrate_canonical(catalog, dry_run=False, batch=2, progress=seen.append)
    assert sum(seen) == 5
    assert (summary.linked_existing, summary.created_canonical, summary.linked_new) == (1, 1, 2)
    assert summary.queued == 2
    assert await catalog.count_unlinked_products() == 2
    assert await catalog.queue_counts() == {"pending": 2}
    created = await catalog.get_canonical_product_by_gtin("00036000291452")
    assert created.product_count == 2
    # Running again finds only the queued two, and changes nothing more.
    again = await migrate_canonical(catalog, dry_run=False)
    assert (again.examined, again.queued, again.created_canonical) == (2, 2, 0)


async def test_limit_bounds_the_work(catalog):
    await _seed(catalog)
    summary = await migrate_canonical(catalog, dry_run=False, limit=2, batch=10)
    assert summary.examined == 2
    assert await catalog.count_unlinked_products() == 3


def test_cli_dry_run_prints_a_summary(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "IMGEDGE_DATABASE_URL": f"sqlite:///{tmp_path}/m.db"}
    run = subprocess.run(
        [sys.executable, "-m", "edge.cli", "migrate-canonical", "--dry-run", "--limit", "10"],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert "dry run: nothing was changed" in run.stdout
    assert "0 products without a canonical link examined" in run.stdout
    bad = subprocess.run(
        [sys.executable, "-m", "edge.cli", "migrate-canonical", "--limit", "0"],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert bad.returncode == 2
