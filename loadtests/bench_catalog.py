"""Catalog scale check on PostgreSQL: bulk load, resolution and candidate-search latency.

    .venv/bin/python loadtests/bench_catalog.py                 # 1,000,000 store products
    .venv/bin/python loadtests/bench_catalog.py --n 10000000    # 10M (needs ~10 GB disk)

It (re)creates the database `imgedge_bench` (or --database), applies the migrations,
loads synthetic stores, canonical products (one per ~4 store products), one primary image
each and N store products with `COPY`, then reports:
- load rate (rows/s) per table, and the time to build counts and ANALYZE;
- product → image resolution latency (p50/p99) through `PostgresCatalog.resolve`, i.e.
  the prepared `resolve_product` query, with no in-process cache in front;
- fuzzy candidate search latency (p50/p99) through `search_canonical_candidates` for
  POS-style names (abbreviated, reordered, misspelt) of real catalog entries, and how
  often the true product is among the top 10;
- the EXPLAIN plans of both queries.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import random
import time
from collections.abc import Iterator

import asyncpg
from scratch_db import drop_database, recreate_database

from catalog.postgres import SEARCH_THRESHOLDS, PostgresCatalog
from matcher.normalize import normalize_name

BRANDS = [
    "Acme", "Brightfield", "Northwind", "Sunny Vale", "Oak & Ember", "Blue Harbor", "Golden Mill",
    "Peak", "Riverstone", "Maple Row", "Coastline", "Evergreen", "Red Barn", "Silver Spoon",
    "Highland", "Prairie Gold", "Urban Roast", "Little Farm", "Cedar Creek", "True North",
]  # fmt: skip
ITEMS = [
    "Cola", "Sparkling Water", "Rolled Oats", "Peanut Butter", "Tomato Ketchup", "Green Tea",
    "Dark Chocolate", "Olive Oil", "Basmati Rice", "Orange Juice", "Dish Soap", "Granola",
    "Potato Crisps", "Coffee Beans", "Oat Milk", "Spaghetti", "Laundry Liquid", "Honey",
    "Energy Drink", "Hand Soap", "Shampoo", "Toothpaste", "Cat Food", "Dog Treats", "Yogurt",
    "Cheddar Cheese", "Butter", "Bread", "Cereal", "Tortilla Chips", "Salsa", "Mayonnaise",
]  # fmt: skip
VARIANTS = [
    "", "Original", "Light", "Zero", "Organic", "Classic", "Extra", "Family Pack", "Lemon",
    "Vanilla", "Chocolate", "Strawberry", "Mint", "Spicy", "Unsalted", "Whole Grain", "Decaf",
]  # fmt: skip
SIZES = ["100 g", "250 g", "500 g", "1 kg", "12 oz", "16 oz", "330 ml", "500 ml", "1 l", "2 l"]


SYLLABLES = [
    "ka", "lo", "mi", "ra", "ven", "dor", "tri", "sol", "bel", "mar", "nor", "qui", "zen",
    "pa", "ri", "ton", "vel", "gra", "fi", "lux", "ber", "cas", "del", "ho", "ju", "sta",
]  # fmt: skip


def brand_name(i: int) -> str:
    """One of ~5,000 brands: a marketplace has thousands, most of them small."""
    if i % 10 == 0:
        return BRANDS[i % len(BRANDS)]  # a few big brands carry many products
    rng = random.Random(i % 5000)
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.choice((2, 3)))).capitalize()


def canonical_name(i: int) -> tuple[str, str]:
    """A deterministic product name for canonical product `i`: brand, item, variant, size."""
    rng = random.Random(i)
    brand = brand_name(rng.randrange(1_000_000))
    name = f"{brand} {rng.choice(ITEMS)} {rng.choice(VARIANTS)} {rng.choice(SIZES)}"
    return " ".join(name.split()), brand


def pos_variant(name: str, rng: random.Random) -> str:
    """What a store's POS export does to a name: case, abbreviations, order, typos."""
    words = name.split()
    if rng.random() < 0.3:
        words = [w[:4] if len(w) > 6 and rng.random() < 0.5 else w for w in words]
    if rng.random() < 0.2 and len(words) > 3:
        words[1], words[2] = words[2], words[1]
    if rng.random() < 0.3:
        k = rng.randrange(len(words))
        w = words[k]
        if len(w) > 3:
            j = rng.randrange(1, len(w) - 1)
            words[k] = w[:j] + w[j + 1 :]
    out = " ".join(words)
    return out.upper() if rng.random() < 0.3 else out


def gtin14(i: int) -> str:
    body = f"{20_000_000_000_00 + i:013d}"[-13:]
    total = sum(int(d) * (3 if k % 2 == 0 else 1) for k, d in enumerate(reversed(body)))
    return body + str((10 - total % 10) % 10)


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * pct / 100))]


async def copy_rows(conn, table: str, columns: list[str], rows: Iterator[tuple], batch: int):
    started, total, chunk = time.perf_counter(), 0, []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= batch:
            await conn.copy_records_to_table(table, records=chunk, columns=columns)
            total += len(chunk)
            chunk = []
    if chunk:
        await conn.copy_records_to_table(table, records=chunk, columns=columns)
        total += len(chunk)
    elapsed = time.perf_counter() - started
    print(f"  {table:<20} {total:>11,} rows in {elapsed:7.1f} s  ({total / elapsed:>9,.0f} rows/s)")


async def load(url: str, n: int, batch: int) -> tuple[int, int]:
    n_canonical = max(1, n // 4)
    n_stores = max(5, n // 20_000)
    conn = await asyncpg.connect(url)
    try:
        print(f"loading {n_stores:,} stores, {n_canonical:,} canonical products, {n:,} products")
        await copy_rows(conn, "stores", ["name"], ((f"Store {s}",) for s in range(n_stores)), batch)

        def canonicals() -> Iterator[tuple]:
            for i in range(1, n_canonical + 1):
                name, brand = canonical_name(i)
                yield (gtin14(i), name, normalize_name(name), brand, 1)

        await copy_rows(
            conn, "canonical_products",
            ["gtin", "name", "normalized_name", "brand", "image_count"], canonicals(), batch,
        )  # fmt: skip

        def images() -> Iterator[tuple]:
            for i in range(1, n_canonical + 1):
                digest = hashlib.sha256(i.to_bytes(8, "big")).hexdigest()
                yield (digest, 1200, 1200, False, 250_000, "image/jpeg", i, True, 0)

        await copy_rows(
            conn, "product_images",
            ["content_hash", "width", "height", "has_alpha", "byte_size", "media_type",
             "canonical_product_id", "is_primary", "sort_order"], images(), batch,
        )  # fmt: skip

        def products() -> Iterator[tuple]:
            rng = random.Random(1)
            for p in range(n):
                canonical = rng.randrange(1, n_canonical + 1)
                linked = rng.random() < 0.9
                name, brand = canonical_name(canonical)
                yield (
                    rng.randrange(1, n_stores + 1), f"sku-{p}", gtin14(canonical)[1:],
                    gtin14(canonical), pos_variant(name, rng), brand,
                    canonical if linked else None, "linked" if linked else "unmatched",
                    100.0 if linked else None,
                )  # fmt: skip

        await copy_rows(
            conn, "store_products",
            ["store_id", "external_id", "upc", "gtin", "name", "brand", "canonical_product_id",
             "match_status", "match_confidence"], products(), batch,
        )  # fmt: skip
        started = time.perf_counter()
        await conn.execute(
            "INSERT INTO canonical_product_counts (canonical_product_id, product_count)"
            " SELECT canonical_product_id, count(*) FROM store_products"
            " WHERE canonical_product_id IS NOT NULL GROUP BY 1"
        )
        # The name words' deltas of the load (~5 per canonical product) folded into their
        # counts, as a bulk loader must: a search folds 20,000 at most (migration 0018).
        while await conn.fetchval("SELECT imgedge_fold_name_words(1000000)"):
            pass
        await conn.execute("VACUUM ANALYZE")
        print(f"  counts + VACUUM ANALYZE in {time.perf_counter() - started:.1f} s")
        size = await conn.fetchval("SELECT pg_size_pretty(pg_database_size(current_database()))")
        print(f"  database size {size}")
    finally:
        await conn.close()
    return n, n_canonical


async def measure(url: str, n: int, n_canonical: int, samples: int) -> None:
    catalog = await PostgresCatalog.open(url, min_size=1, max_size=2)
    rng = random.Random(7)
    try:
        ids = [rng.randrange(1, n + 1) for _ in range(samples)]
        for pid in ids[:50]:  # warm the connection's prepared statement
            await catalog.resolve(pid)
        times = []
        for pid in ids:
            started = time.perf_counter()
            await catalog.resolve(pid)
            times.append((time.perf_counter() - started) * 1e3)
        print(
            f"resolution ({samples:,} random products): p50 {percentile(times, 50):.3f} ms, "
            f"p99 {percentile(times, 99):.3f} ms, max {max(times):.3f} ms"
        )

        queries = []
        for _ in range(max(200, samples // 10)):
            target = rng.randrange(1, n_canonical + 1)
            queries.append((target, pos_variant(canonical_name(target)[0], rng)))
        for _, q in queries[:10]:
            await catalog.search_canonical_candidates(q, 10)
        times, found = [], 0
        for target, q in queries:
            started = time.perf_counter()
            result = await catalog.search_canonical_candidates(q, 10)
            times.append((time.perf_counter() - started) * 1e3)
            found += any(c.name == canonical_name(target)[0] for c, _ in result)
        print(
            f"candidate search ({len(queries):,} POS-style names): "
            f"p50 {percentile(times, 50):.2f} ms, p99 {percentile(times, 99):.2f} ms; "
            f"same product name in top 10 for {found / len(queries):.0%}"
        )
        named = catalog.connector.queries
        async with catalog.connector.pool.acquire() as conn:
            search = {"query": normalize_name(queries[0][1]), "limit": 10}
            # The search at each threshold of its ladder: a name without a full page at
            # the strictest goes on to the loosest, where the index must still be used.
            explained = [("resolve_product", {"product_id": ids[0]}, None)] + [
                ("search_canonical_candidates", search, threshold)
                for threshold in SEARCH_THRESHOLDS
            ]
            for label, params, threshold in explained:
                if threshold is not None:
                    await conn.execute(
                        "SELECT set_config('pg_trgm.similarity_threshold', $1, false)",
                        str(threshold),
                    )
                query = named[label]
                # The loosest rung at 10M rows takes seconds: past the pool's statement
                # timeout, which is the catalog's, not this report's.
                plan = await conn.fetch(
                    f"EXPLAIN (ANALYZE, BUFFERS) {query.sql}", *query.args(params), timeout=300
                )
                at = "" if threshold is None else f" (similarity threshold {threshold})"
                print(f"\nEXPLAIN ANALYZE {label}{at}:")
                for row in plan:
                    print("  " + row[0])
    finally:
        await catalog.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="store products to load")
    parser.add_argument("--samples", type=int, default=5_000, help="resolutions to time")
    parser.add_argument("--batch", type=int, default=50_000, help="rows per COPY")
    parser.add_argument(
        "--admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres",
        help="a database to connect to for CREATE DATABASE",
    )  # fmt: skip
    parser.add_argument("--database", default="imgedge_bench")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument(
        "--measure-only", action="store_true", help="reuse a database kept by --keep"
    )
    args = parser.parse_args()

    if args.measure_only:
        url = args.admin_url.rsplit("/", 1)[0] + "/" + args.database
        conn = await asyncpg.connect(url)
        n = await conn.fetchval("SELECT count(*) FROM store_products")
        n_canonical = await conn.fetchval("SELECT count(*) FROM canonical_products")
        await conn.close()
        await measure(url, n, n_canonical, args.samples)
        return
    url = await recreate_database(args.admin_url, args.database)
    catalog = await PostgresCatalog.open(url)
    await catalog.migrate()
    await catalog.close()
    try:
        n, n_canonical = await load(url, args.n, args.batch)
        await measure(url, n, n_canonical, args.samples)
    finally:
        if not args.keep:
            await drop_database(args.admin_url, args.database)


if __name__ == "__main__":
    asyncio.run(main())
