"""Concurrent linkers on PostgreSQL: how many fail on the first attempt (deadlocks).

    PYTHONPATH=. .venv/bin/python loadtests/bench_contention.py --rounds 5

Per round, in a fresh database (`imgedge_contention`, or --database), with a pool that
fits every transaction at once:
- `sync`: N stores push one product with the same new GTIN at the same moment;
- `worker`: N claimed queue items (one per store) are finished at once, each linking its
  product to one canonical product, as N matcher workers would;
- `curator`: N curators link N products to one canonical product at once.
It reports, per scenario, the transactions that failed and how many the catalog ran
again after a deadlock (`conflict_retries`; 0 when the lock order holds).
"""

from __future__ import annotations

import argparse
import asyncio
from collections import Counter
from collections.abc import Awaitable

from scratch_db import drop_database, recreate_database

from catalog.models import MatchOutcome, MatchStatus, QueueStatus, SyncItem
from catalog.postgres import PostgresCatalog

GTIN = "00012345678905"


async def one_round(url: str, n: int, failed: Counter[str], retried: Counter[str]) -> None:
    pg = await PostgresCatalog.open(url, max_size=n + 2)
    try:
        await pg.migrate()
        stores = [await pg.create_store(f"S{i}") for i in range(n)]

        async def scenario(name: str, *work: Awaitable[object]) -> None:
            before = getattr(pg, "conflict_retries", 0)
            results = await asyncio.gather(*work, return_exceptions=True)
            failed[name] += sum(isinstance(r, BaseException) for r in results)
            retried[name] += getattr(pg, "conflict_retries", 0) - before

        await scenario(
            "sync",
            *(pg.sync_products(s.id, [SyncItem("a", None, GTIN, "Cola")], {}) for s in stores),
        )
        target = await pg.create_canonical_product(gtin=None, name="Tea", brand=None)
        for s in stores:
            await pg.sync_products(
                s.id, [SyncItem("b", None, None, "Tea"), SyncItem("c", None, None, "Tea bag")], {}
            )
        items = [item for _ in range(n) for item in await pg.claim_matches(1, 60)]
        await scenario(
            "worker",
            *(
                pg.finish_matches([MatchOutcome(i, QueueStatus.DONE, target.id, 90.0)])
                for i in items
            ),
        )
        curated = await pg.create_canonical_product(gtin=None, name="Tea bags", brand=None)
        rest = [item.store_product_id for item in await pg.claim_matches(n, 60)]
        await scenario(
            "curator",
            *(pg.link_store_product(p, curated.id, MatchStatus.LINKED, 100.0) for p in rest),
        )
    finally:
        await pg.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--concurrency", type=int, default=20, help="linkers at once")
    parser.add_argument("--admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--database", default="imgedge_contention")
    args = parser.parse_args()
    failed: Counter[str] = Counter()
    retried: Counter[str] = Counter()
    for _ in range(args.rounds):
        url = await recreate_database(args.admin_url, args.database)
        try:
            await one_round(url, args.concurrency, failed, retried)
        finally:
            await drop_database(args.admin_url, args.database)
    total = args.rounds * args.concurrency
    print(f"{args.rounds} rounds × {args.concurrency} concurrent transactions per scenario")
    print(f"{'scenario':<10} {'failed':>12} {'retried':>8}")
    for name in ("sync", "worker", "curator"):
        print(f"{name:<10} {failed[name]:>5} / {total:<5} {retried[name]:>8}")


if __name__ == "__main__":
    asyncio.run(main())
