"""PostgreSQL specifics: concurrent migrations, the LISTEN/NOTIFY change feed, and how
driver errors are translated (a commit stays a success)."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from catalog.errors import CatalogError, CatalogUnavailable, ConflictError, ContentionError
from catalog.models import ResolutionChange, SyncItem
from catalog.postgres import PostgresCatalog, _translated
from catalog.queries import load_queries, migration_files


async def test_concurrent_migrators_apply_each_migration_once(empty_postgres_url):
    catalogs = [await PostgresCatalog.open(empty_postgres_url) for _ in range(3)]
    try:
        results = await asyncio.gather(*(c.migrate() for c in catalogs))
    finally:
        for c in catalogs:
            await c.close()
    versions = [v for v, _ in migration_files("postgresql")]
    assert sorted(results, key=len) == [[], [], versions]

    conn = await asyncpg.connect(empty_postgres_url)
    try:
        recorded = [r["version"] for r in await conn.fetch("SELECT version FROM schema_migrations")]
        indexes = {
            r["indexname"]
            for r in await conn.fetch("SELECT indexname FROM pg_indexes WHERE schemaname='public'")
        }
    finally:
        await conn.close()
    assert recorded == versions
    assert {
        "canonical_products_gtin",
        "canonical_products_name_trgm",
        "canonical_products_name_fts",
        "canonical_products_name_pairs",
        "product_images_canonical",
        "match_queue_claimable",
    } <= indexes


async def test_moving_product_counts_to_their_own_table_keeps_every_count(empty_postgres_url):
    """A catalog migrated before the counts moved out of canonical_products keeps them."""
    versions = migration_files("postgresql")
    cut = next(i for i, (v, _) in enumerate(versions) if v.endswith("_canonical_product_counts"))
    conn = await asyncpg.connect(empty_postgres_url)
    try:
        await conn.execute(
            "CREATE TABLE schema_migrations (version text PRIMARY KEY,"
            " applied_at timestamptz NOT NULL DEFAULT now())"
        )
        for version, sql in versions[:cut]:
            await conn.execute(sql)
            await conn.execute("INSERT INTO schema_migrations (version) VALUES ($1)", version)
        ids = [
            await conn.fetchval(
                "INSERT INTO canonical_products (name, normalized_name, product_count)"
                " VALUES ($1, $1, $2) RETURNING id",
                f"product {n}",
                n,
            )
            for n in (3, 0)
        ]
    finally:
        await conn.close()
    catalog = await PostgresCatalog.open(empty_postgres_url)
    try:
        assert await catalog.migrate() == [v for v, _ in versions[cut:]]
        counts = [(await catalog.get_canonical_product(i)).product_count for i in ids]  # type: ignore[union-attr]
    finally:
        await catalog.close()
    assert counts == [3, 0]


def test_every_dialect_names_the_same_queries():
    """Shared names must exist in every dialect; a dialect's own helpers carry its prefix."""
    postgresql = {n for n in load_queries("postgresql") if not n.startswith("pg_")}
    sqlite = {n for n in load_queries("sqlite") if not n.startswith("sqlite_")}
    assert postgresql == sqlite


async def test_a_change_through_one_catalog_reaches_another_within_a_second(postgres_url):
    writer = await PostgresCatalog.open(postgres_url)
    reader = await PostgresCatalog.open(postgres_url)
    heard: list[ResolutionChange] = []
    heard_at = asyncio.Event()

    def on_change(change: ResolutionChange) -> None:
        heard.append(change)
        heard_at.set()

    try:
        await reader.listen(on_change)
        store = await writer.create_store("S")
        product = await writer.upsert_store_product(
            store_id=store.id, external_id="1", upc=None, gtin=None, name="n"
        )
        await writer.set_use_custom_image(product.id, True)
        await asyncio.wait_for(heard_at.wait(), timeout=1.0)
        assert heard == [ResolutionChange(product_id=product.id)]
    finally:
        await writer.close()
        await reader.close()


async def test_change_feed_reconnects_and_drops_everything(postgres_url):
    catalog = await PostgresCatalog.open(postgres_url)
    heard: list[ResolutionChange] = []
    try:
        await catalog.listen(heard.append)
        admin = await asyncpg.connect(postgres_url)
        try:  # kill the listening connection from the server side
            await admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND query LIKE 'LISTEN%'"
            )
        finally:
            await admin.close()
        for _ in range(100):
            if ResolutionChange() in heard:
                break
            await asyncio.sleep(0.05)
        assert ResolutionChange() in heard
    finally:
        await catalog.close()


async def test_other_processes_hear_nothing_of_rolled_back_or_dry_run_writes(postgres_url):
    writer = await PostgresCatalog.open(postgres_url)
    reader = await PostgresCatalog.open(postgres_url)
    heard: list[ResolutionChange] = []
    try:
        await reader.listen(heard.append)
        store = await writer.create_store("S")
        dry = await writer.sync_products(
            store.id, [SyncItem("a", None, "00012345678905", "Cola")], known={}, dry_run=True
        )
        async with writer.connector.transaction(rollback=True) as s:
            s.notify(ResolutionChange(product_id=424242))
        # NOTIFYs reach a listener in commit order: once this one is heard, an earlier
        # one would have been too.
        async with writer.connector.transaction() as s:
            s.notify(ResolutionChange(canonical_product_id=1))
        for _ in range(100):
            if ResolutionChange(canonical_product_id=1) in heard:
                break
            await asyncio.sleep(0.02)
        assert heard == [ResolutionChange(canonical_product_id=1)]
        assert dry[0].canonical_product_id is not None
    finally:
        await writer.close()
        await reader.close()


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (asyncpg.InternalClientError("protocol state lost"), CatalogUnavailable),
        (asyncpg.ConnectionDoesNotExistError("connection was closed"), CatalogUnavailable),
        (asyncpg.InterfaceError("connection is closed"), CatalogUnavailable),
        (asyncpg.PostgresConnectionError("connection failure"), CatalogUnavailable),
        (asyncpg.CannotConnectNowError("the database system is starting up"), CatalogUnavailable),
        (asyncpg.exceptions.AdminShutdownError("terminating connection"), CatalogUnavailable),
        (asyncpg.exceptions.TooManyConnectionsError("too many clients"), CatalogUnavailable),
        (ConnectionRefusedError(111, "Connection refused"), CatalogUnavailable),
        (ConnectionResetError(104, "Connection reset by peer"), CatalogUnavailable),
        (TimeoutError(), CatalogUnavailable),
        (asyncpg.DeadlockDetectedError("deadlock detected"), ContentionError),
        (asyncpg.SerializationError("could not serialize access"), ContentionError),
        (asyncpg.exceptions.StatementCompletionUnknownError("unknown"), CatalogError),
        (asyncpg.UniqueViolationError("duplicate key"), ConflictError),
        (asyncpg.DataError("value out of range"), CatalogError),
    ],
    ids=lambda value: type(value).__name__ if isinstance(value, BaseException) else "",
)
async def test_every_driver_error_becomes_a_catalog_error(error, expected):
    with pytest.raises(CatalogError) as caught:
        async with _translated():
            raise error
    assert type(caught.value) is expected
    assert caught.value.__cause__ is error


async def test_a_connection_lost_after_commit_is_not_an_error(postgres_url, monkeypatch):
    """COMMIT answered: the batch is stored, so the caller must hear success even when
    the connection then breaks on its way back to the pool (seen during restarts)."""
    catalog = await PostgresCatalog.open(postgres_url)
    heard: list[ResolutionChange] = []
    try:
        await catalog.listen(heard.append)
        store = await catalog.create_store("S")
        pool = catalog.connector.pool

        class BreaksOnRelease:
            async def acquire(self, **kwargs):
                return await pool.acquire(**kwargs)

            async def release(self, conn, **kwargs):
                await pool.release(conn, **kwargs)
                raise asyncpg.InternalClientError("cannot switch to state 15")

        monkeypatch.setattr(catalog.connector, "pool", BreaksOnRelease())
        results = await catalog.sync_products(
            store.id, [SyncItem("a", None, "00012345678905", "Cola")], known={}
        )
        monkeypatch.undo()
        product = await catalog.get_store_product(results[0].product_id)
        assert product is not None and product.canonical_product_id is not None
        assert ResolutionChange(product_id=product.id) in heard  # listeners were told
    finally:
        await catalog.close()


async def test_a_connection_lost_before_commit_is_unavailable_and_stores_nothing(postgres_url):
    catalog = await PostgresCatalog.open(postgres_url)
    try:
        store = await catalog.create_store("S")
        with pytest.raises(CatalogUnavailable):
            async with catalog.connector.transaction() as s:
                await s.run("set_meta", key="k", value="v")
                admin = await asyncpg.connect(postgres_url)
                try:  # the server ends this transaction's backend
                    await admin.execute(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                        "AND state LIKE 'idle in transaction%'"
                    )
                finally:
                    await admin.close()
                await s.run("set_meta", key="k2", value="v2")
        assert await catalog.get_meta("k") is None
        assert await catalog.get_store_by_name(store.name) is not None  # the pool recovers
    finally:
        await catalog.close()


async def test_the_ladders_shortcuts_answer_as_its_two_defining_rungs(postgres_url, monkeypatch):
    """The candidate search's extra rungs only save work: each name gets what the
        defining ladder gives (its best rows at 0.5 when that threshold gives it
        SEARCH_SETTLED or a full page, else its best rows at 0.2), asked here of PostgreSQL
        directly, threshold by threshold. (No word is rare enough here, nor any set of words
    few enough: every name climbs.)"""
    from catalog import postgres
    from catalog.names import normalize_name
    from catalog.postgres import SEARCH_SETTLED

    monkeypatch.setattr(postgres, "WORD_BUDGET", 0)
    monkeypatch.setattr(postgres, "WORD_CHAIN_SCAN", 0)

    catalog = await PostgresCatalog.open(postgres_url)
    try:
        await catalog.migrate()
        for kind in ("Cola", "Cola Zero", "Lemonade", "Ginger Ale", "Root Beer"):
            for size in ("12 oz can", "2 l bottle", "6 x 330 ml", "1 l"):
                await catalog.create_canonical_product(
                    gtin=None, name=f"Acme {kind} {size}", brand=None
                )
        await catalog.create_canonical_product(gtin=None, name="Northwind Tea", brand=None)
        names = ["ACME COLA 12OZ CAN", "acme cola", "acme drink 1l", "acme ginger", "tea nw"]
        limit = 6
        found = await catalog.search_canonical_candidates_many(names, limit=limit)
    finally:
        await catalog.close()
    query = load_queries("postgresql")["search_canonical_candidates"]
    conn = await asyncpg.connect(postgres_url)

    async def best(name: str, threshold: float) -> list[tuple[int, float]]:
        async with conn.transaction():
            await conn.execute("SELECT set_config('pg_trgm.similarity_threshold', $1, true)",
                               str(threshold))  # fmt: skip
            rows = await conn.fetch(query.sql, *query.args({"query": name, "limit": limit}))
        return [(r["id"], r["score"]) for r in rows]

    try:
        expected = []
        for name in names:
            strict = await best(normalize_name(name), 0.5)
            settled = len(strict) >= min(limit, SEARCH_SETTLED)
            expected.append(strict if settled else await best(normalize_name(name), 0.2))
    finally:
        await conn.close()
    assert [[(c.id, score) for c, score in each] for each in found] == expected
    sizes = {len(e) for e in expected}
    assert limit in sizes and len(sizes) > 1  # full pages and short ones both asked


async def test_the_word_probe_finds_a_product_by_its_rare_words(postgres_url):
    """Among products sharing common words, a store's name finds its product by a rare
    word, also cut short (`nrthwd`'s brand `northw`) or misspelt (`grenfeld`); the word
    index follows renames and deletes (kept by triggers)."""
    catalog = await PostgresCatalog.open(postgres_url)
    try:
        await catalog.migrate()
        ids = {}
        for brand in ("Acme", "Northwind", "Greenfield", "Bluebell"):
            for kind in ("Cola", "Lemonade", "Ginger Ale"):
                product = await catalog.create_canonical_product(
                    gtin=None, name=f"{brand} {kind} 330 ml", brand=brand
                )
                ids[f"{brand} {kind}"] = product.id

        async def top(name: str) -> int | None:
            found = await catalog.search_canonical_candidates(name, limit=3)
            return found[0][0].id if found else None

        assert await top("NORTHW LEMONADE 330ML") == ids["Northwind Lemonade"]
        assert await top("grenfeld ginger ale") == ids["Greenfield Ginger Ale"]
        assert await top("bluebell cola") == ids["Bluebell Cola"]
        await catalog.rename_canonical_product(
            ids["Bluebell Cola"], name="Harbor Cola 330 ml", brand="Harbor"
        )
        assert await top("harbor cola") == ids["Bluebell Cola"]
        await catalog.delete_canonical_product(ids["Acme Cola"])
        conn = await asyncpg.connect(postgres_url)
        try:
            left = await conn.fetchval(
                "SELECT count(*) FROM canonical_name_tokens WHERE canonical_product_id = $1",
                ids["Acme Cola"],
            )
            words = await conn.fetchval(
                "SELECT array_agg(token ORDER BY token) FROM canonical_name_tokens"
                " WHERE canonical_product_id = $1",
                ids["Bluebell Cola"],
            )
        finally:
            await conn.close()
        assert left == 0
        assert words == ["330", "cola", "harbor", "ml"]
    finally:
        await catalog.close()


TRIGRAM_NAMES = [
    "acme cola 330 ml",
    "hp laserjet pro m404dn w1a53a",
    "café crème brûlée 2x",
    "ñandú 0x1 0x00ff00 kx-tg9025",
    "a b c",
    "",
    "---",
    "日本語 テキスト",
]


async def test_the_word_probe_scores_are_pg_trgm_similarity_exactly(postgres_url):
    """The probe ranks by stored trigram codes (migration 0014): the same float4 as
    similarity() for any pair of names (multibyte, digits, punctuation, empty), and a
    renamed product's codes follow its name."""
    catalog = await PostgresCatalog.open(postgres_url)
    try:
        await catalog.migrate()
        made = [
            await catalog.create_canonical_product(gtin=None, name=name or "x", brand=None)
            for name in TRIGRAM_NAMES
        ]
        await catalog.rename_canonical_product(made[0].id, name="Acme Diet Cola 330 ml", brand=None)
        conn = await asyncpg.connect(postgres_url)
        try:
            differ = await conn.fetch(
                """
                SELECT p.normalized_name, q
                FROM canonical_products p, unnest($1::text[]) AS q
                WHERE similarity(p.normalized_name, q) IS DISTINCT FROM
                      imgedge_trigram_similarity(p.name_trigrams, imgedge_trigram_codes(q))
                   OR p.name_trigrams IS DISTINCT FROM imgedge_trigram_codes(p.normalized_name)
                """,
                [*TRIGRAM_NAMES, "acme diet cola", "ACME COLA"],
            )
        finally:
            await conn.close()
        assert differ == []
        [(found, score)] = await catalog.search_canonical_candidates("acme diet cola", limit=1)
        assert found.id == made[0].id and score == pytest.approx(0.6818182)  # similarity()
    finally:
        await catalog.close()


async def test_a_name_of_common_words_finds_the_products_having_them_all(postgres_url, monkeypatch):
    """A name without a rare word (every word in more products than WORD_BUDGET: a big
    brand's, at scale) settles on the products having all its known words, found through
    their word pairs, and never climbs the ladder. A known word that starts longer ones
    (`jufi`, a brand of its own and the start of `jufigra`) stands for all of them, a
    word cut short (`jufigr`) for those it starts, a misspelt one (`lemnade`) for those
    like it, also when the typo is in its first letters or leaves three (`caostline`,
    `ame`: the known words one typo away), and after a known open word whose forms find
    nothing. The pairs index follows renames."""
    from catalog import postgres
    from catalog.name_words import word_chain

    monkeypatch.setattr(postgres, "WORD_BUDGET", 1)

    async def no_ladder(*args: object) -> None:
        raise AssertionError("climbed the ladder")

    monkeypatch.setattr(postgres.PostgresConnector, "_climb", staticmethod(no_ladder))
    catalog = await PostgresCatalog.open(postgres_url)
    try:
        ids = {}
        for brand in ("Acme", "Coastline", "Jufi"):
            for kind in ("Cola", "Lemonade", "Ginger Ale"):
                for size in ("330 ml", "500 ml", "12 oz"):
                    name = f"{brand} {kind} {size}"
                    product = await catalog.create_canonical_product(
                        gtin=None, name=name, brand=brand
                    )
                    ids[name] = product.id
        jufigra = await catalog.create_canonical_product(
            gtin=None, name="Jufigra Cola 330 ml", brand="Jufigra"
        )

        async def found(name: str) -> list[int]:
            return [c.id for c, _ in await catalog.search_canonical_candidates(name, limit=5)]

        assert await found("ACME GINGER ALE 500 ML") == [ids["Acme Ginger Ale 500 ml"]]
        assert (await found("Coastline Lemnade 12 oz"))[0] == ids["Coastline Lemonade 12 oz"]
        assert (await found("jufi cola 330 ml"))[:2] == [ids["Jufi Cola 330 ml"], jufigra.id]
        assert await found("jufigr cola 330 ml") == [jufigra.id]
        assert await found("jufigr cola") == [jufigra.id]  # no pair but the open word's
        assert (await found("Caostline Lemonade 12 oz"))[0] == ids["Coastline Lemonade 12 oz"]
        assert (await found("AME GINGER ALE 500 ML"))[0] == ids["Acme Ginger Ale 500 ml"]
        jufi_lemonade = {ids[f"Jufi Lemonade {size}"] for size in ("330 ml", "500 ml", "12 oz")}
        assert set(await found("jufi lemnade")) == jufi_lemonade
        await catalog.rename_canonical_product(
            ids["Acme Cola 12 oz"], name="Acme Cherry Cola 12 oz", brand="Acme"
        )
        assert await found("acme cherry cola 12 oz") == [ids["Acme Cola 12 oz"]]

        conn = await asyncpg.connect(postgres_url)
        try:
            pairs = set(await conn.fetchval("SELECT imgedge_name_pairs('acme ginger ale 500 ml')"))
        finally:
            await conn.close()
        every = {"acme", "ginger", "ale", "500", "ml"}
        required, _ = word_chain("ale acme ginger 500 ml", every, {}, budget=0)
        assert set(required) <= pairs
    finally:
        await catalog.close()


async def test_a_word_chain_settles_only_up_to_its_scan(postgres_url, monkeypatch):
    """The products a name's word chain finds are ranked when there are WORD_CHAIN_SCAN
    of them at most; one more, and the name goes on to the similarity ladder."""
    from catalog import postgres

    monkeypatch.setattr(postgres, "WORD_BUDGET", 1)
    climbed: list[str] = []
    climb = postgres.PostgresConnector._climb

    async def counted(s: object, names: list[str], *args: object) -> object:
        climbed.extend(names)
        return await climb(s, names, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(postgres.PostgresConnector, "_climb", staticmethod(counted))
    catalog = await PostgresCatalog.open(postgres_url)
    try:
        await catalog.migrate()
        sizes = ("330 ml", "500 ml", "2 l")
        ids = [
            (
                await catalog.create_canonical_product(
                    gtin=None, name=f"Quorra Cherry Cola {s}", brand=None
                )
            ).id
            for s in sizes
        ]
        for scan, climbs in ((3, False), (2, True)):
            monkeypatch.setattr(postgres, "WORD_CHAIN_SCAN", scan)
            climbed.clear()
            found = await catalog.search_canonical_candidates("QUORRA CHERRY COLA", limit=5)
            assert {c.id for c, _ in found} == set(ids)
            assert bool(climbed) is climbs, scan
    finally:
        await catalog.close()


# pg_count_name_words as it was before migration 0018: the word index's entries themselves.
COUNTED_FROM_THE_INDEX = """
SELECT w.word, (
    SELECT count(*) FROM (
        SELECT FROM canonical_name_tokens t
        WHERE t.token >= w.word AND t.token < w.word || chr(1114111) LIMIT $2
    ) AS capped
) AS products,
EXISTS (SELECT FROM canonical_name_tokens t WHERE t.token = w.word) AS known,
EXISTS (
    SELECT FROM canonical_name_tokens t
    WHERE t.token > w.word AND t.token < w.word || chr(1114111)
) AS longer
FROM unnest($1::text[]) AS w(word)
"""
COUNTED_WORDS = ["acme", "ac", "cola", "cherry", "ch", "harbor", "ml", "330", "zzz", "lemon"]


async def test_searches_only_read_and_the_worker_folds(postgres_url):
    """A candidate search (the worker's, or a curator's through the API) writes nothing:
    the word counts' deltas stay pending until `fold_name_words`, which the matcher
    worker calls before it searches a batch."""
    catalog = await PostgresCatalog.open(postgres_url)
    conn = await asyncpg.connect(postgres_url)
    pending = "SELECT count(*) FROM canonical_name_word_deltas"
    try:
        await catalog.fold_name_words()
        for name in ("Acme Cola 330 ml", "Lemon Cola", "Harbor Chips"):
            await catalog.create_canonical_product(gtin=None, name=name, brand=None)
        made = await conn.fetchval(pending)
        assert made > 0
        await catalog.search_canonical_candidates_many(["acme cola", "chips"], limit=3)
        await catalog.search_canonical_by_codes_many([("acme cola", ["330"])], limit=3)
        assert await conn.fetchval(pending) == made
        assert await catalog.fold_name_words() == made
        assert await conn.fetchval(pending) == 0
    finally:
        await conn.close()
        await catalog.close()


async def test_word_counts_follow_every_write_and_writers_never_wait(postgres_url):
    """The word counts (migration 0018) answer as the word index they stand for, capped
    or not, with deltas pending and folded, after inserts, renames and deletes (a word
    whose last product went is unknown again). Writers of the same words in opposite
    orders never wait for one another (they append deltas), nor for a fold, which
    leaves the deltas of transactions still open to the next fold."""
    catalog = await PostgresCatalog.open(postgres_url)
    conn = await asyncpg.connect(postgres_url)

    async def counted(cap: int) -> None:
        async with catalog.connector.read() as s:
            rows = await s.all("pg_count_name_words", words=COUNTED_WORDS, cap=cap)
        expected = await conn.fetch(COUNTED_FROM_THE_INDEX, COUNTED_WORDS, cap)
        assert {r["word"]: (r["products"], r["known"], r["longer"]) for r in rows} == {
            r["word"]: (r["products"], r["known"], r["longer"]) for r in expected
        }

    async def checked() -> None:
        for cap in (2, 5, 2001):
            await counted(cap)
        await conn.execute("SELECT imgedge_fold_name_words()")
        for cap in (2, 5, 2001):
            await counted(cap)

    made: dict[str, int] = {}

    async def create(*names: str) -> None:
        for name in names:
            made[name] = (
                await catalog.create_canonical_product(gtin=None, name=name, brand=None)
            ).id

    try:
        await create("Acme Cola 330 ml", "Acme Cherry Cola 330 ml", "Achoo Chips", "Lemon Cola")
        await checked()
        await catalog.rename_canonical_product(
            made["Acme Cola 330 ml"], name="Harbor Cola 330 ml", brand=None
        )
        await catalog.delete_canonical_product(made["Lemon Cola"])
        await checked()
        lemon = "SELECT count(*) FROM canonical_name_words WHERE word = 'lemon'"
        assert await conn.fetchval(lemon) == 0
        # The first folded words of `ac…` left without products, their -1s pending: the
        # capped count reads past them.
        await create("Acai Bowl", "Ace Kit", "Acorn Mix", "Acre Farm")
        await conn.execute("SELECT imgedge_fold_name_words()")
        for name in ("Acai Bowl", "Ace Kit"):
            await catalog.delete_canonical_product(made[name])
        await checked()

        # Two writers, the same words in opposite orders, both open; then a fold.
        await conn.execute("SET lock_timeout = '2s'")
        other = await asyncpg.connect(postgres_url)
        try:
            await other.execute("SET lock_timeout = '2s'")
            first, second = conn.transaction(), other.transaction()
            await first.start()
            await second.start()
            insert = "INSERT INTO canonical_products (name, normalized_name) VALUES ($1, $1)"
            await conn.execute(insert, "zzz lemon acme")
            await other.execute(insert, "acme lemon zzz")
            await other.execute("DELETE FROM canonical_products WHERE id = $1", made["Achoo Chips"])
            await conn.execute(insert, "lemon zzz")
            await second.commit()
            fold = await asyncpg.connect(postgres_url)
            try:
                await fold.execute("SET lock_timeout = '2s'")
                await fold.execute("SELECT imgedge_fold_name_words()")  # folds `second`'s
            finally:
                await fold.close()
            await first.commit()
        finally:
            await other.close()
        pending = await conn.fetchval("SELECT count(*) FROM canonical_name_word_deltas")
        assert pending == 5  # `first`'s: zzz, lemon, acme; lemon, zzz
        # A fold moves at most what it is told (a backlog drains over several), saying
        # how many; the counts read meanwhile stay exact.
        assert await conn.fetchval("SELECT imgedge_fold_name_words(2)") == 2
        assert await conn.fetchval("SELECT count(*) FROM canonical_name_word_deltas") == 3
        for cap in (2, 5, 2001):
            await counted(cap)
        assert await conn.fetchval("SELECT imgedge_fold_name_words(2)") == 2
        assert await conn.fetchval("SELECT imgedge_fold_name_words()") == 1
        assert await conn.fetchval("SELECT imgedge_fold_name_words()") == 0
        await checked()
        assert await conn.fetchval("SELECT count(*) FROM canonical_name_word_deltas") == 0
    finally:
        await conn.close()
        await catalog.close()
