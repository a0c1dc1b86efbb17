"""The production catalog connector: PostgreSQL through an asyncpg connection pool.

asyncpg prepares each named query once per connection and reuses it (its statement
cache), so hot queries such as `resolve_product` run as prepared statements. Changes are
announced twice over: NOTIFY inside the transaction (PostgreSQL delivers it to every
listening process when, and only if, it commits) and, right after the commit, to this
process's own listeners, so a write call returns with its process already told.
Migrations are plain `.sql` files applied in order under an advisory lock, so two
processes may run `imgedge migrate` at once. asyncpg errors are translated here.

A server that hangs (accepts connections, never answers) must not hang requests: taking a
pooled connection, connecting, and every statement are bounded by `timeout_s` (asyncpg's
pool acquire timeout, connect timeout and `command_timeout`), and a connection whose
statement timed out is dropped at once rather than cancelled, rolled back and reset on a
server that would not answer those either. Migrations (DDL that may take long) run on a
connection of their own without the statement bound.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Collection, Sequence
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
from asyncpg.pool import PoolConnectionProxy

from catalog.connector import DEFAULT_TIMEOUT_S, ChangeListener, Listeners, Row
from catalog.errors import CatalogError, CatalogUnavailable, ConflictError, ContentionError
from catalog.models import ResolutionChange
from catalog.name_words import (
    misspelt,
    name_words,
    one_edit_forms,
    open_word,
    probed_words,
    word_chain,
)
from catalog.queries import Query, load_queries, migration_files
from catalog.sql_catalog import SQLCatalog

log = logging.getLogger(__name__)
DIALECT = "postgresql"
CHANNEL = "imgedge_resolution"  # NOTIFY channel for ResolutionChange payloads
WORK_CHANNEL = "imgedge_match_queue"  # NOTIFY channel waking match-queue workers
LISTEN_PING_S = 5.0
# The candidate search's similarity ladder (pg_trgm thresholds tried in turn, see
# `_climb`), for the names the word probe below finds nothing for. What it answers is
# defined by two rungs: a name with SEARCH_SETTLED rows (or its whole page, if smaller)
# at 0.5 gets its best rows there; any other name its best rows at 0.2. (At 0.3 the
# search missed true products, a store's name with the brand in front or a title cut
# short, that FTS5 on SQLite finds. Settled at 0.5 with five, a name's best five are the
# loosest threshold's best five: what a scorer's top five are drawn from.) The other
# rungs only save work and change no answer: a name leaves at one of them only with a
# full page (`limit` rows), and a full page at a threshold is exactly the page the
# defining rung below it would give (every row it adds ranks below). The strict 0.6
# spares a name with many close rows the rechecks of 0.5; 0.35 spares most names that
# miss at 0.5 the costly 0.2 (its index finds five times as many rows to recheck).
# Measured on 27k long product titles: a third less server CPU per name than 0.5 → 0.2
# alone (loadtests/bench_worker.py).
SEARCH_SETTLED = 5
FULL_PAGE = None
SEARCH_LADDER: tuple[tuple[float, int | None], ...] = (
    (0.6, FULL_PAGE),
    (0.5, SEARCH_SETTLED),
    (0.35, FULL_PAGE),
    (0.2, FULL_PAGE),  # the last rung answers whatever it finds
)
SEARCH_THRESHOLDS = tuple(threshold for threshold, _ in SEARCH_LADDER)
# The word probe, the search's first step (migrations 0012 and 0013,
# catalog/name_words.py): a name's rarest known words, while their products add up to
# WORD_BUDGET at most, bring the products compared by trigram similarity: those of the
# WORD_POOL best word weights (ties kept). A misspelt word (WORD_TYPO characters or
# more) stands for up to WORD_ALTERNATIVES known words one typo away if it has letters
# only (its first letter kept: a dropped, added, replaced or swapped character; a code
# one character from another is another product's) and, from WORD_ALIKE characters,
# up to WORD_ALTERNATIVES more at least WORD_SIMILAR alike (among WORD_SCAN known words
# with its first two letters). A name without a rare word, or whose rarest word has more
# than WORD_TIED products (a brand at 10M store products: hundreds of products, all tied
# in the pool, each compared), is first narrowed to the products having all its known
# words (through their word pairs, see `word_chain`; a word that starts at most
# WORD_FORMS known words, or a misspelt one, as any of them), when there are 1 to
# WORD_CHAIN_SCAN of them (ranking that many, each read once, costs ~20 ms; the ladder
# ~200 ms to seconds at 10M store products: a giant brand's item, `acme green tea`, has
# some 4,000). Only names the probe finds nothing for climb the ladder.
# Server CPU per name: ~3 ms where the ladder alone took 15 on 27k long product titles
# (loadtests/bench_worker.py), 8 where it took 29 on 250k short grocery names
# (loadtests/bench_catalog.py), with the same matching benchmark figures. The pool is
# ranked by the stored trigram codes (migration 0014), not similarity(), which took
# three quarters of the probe's CPU: the worker's server CPU per item halves (27k titles).
WORD_TIED = 200
WORD_CHAIN_SCAN = 10_000
WORD_FORMS = 30
WORD_BUDGET = 2000
WORD_POOL = 50
WORD_SIMILAR = 0.4
WORD_ALTERNATIVES = 3
WORD_SCAN = 500
WORD_TYPO = 3  # a misspelt word this long or longer: its known forms one typo away
WORD_ALIKE = 4  # this long or longer: also the known words alike by trigrams
# Names per statement of a batch's search: each statement stays well inside the
# statement timeout (a long title's probe at 0.2 costs tens of milliseconds of server
# CPU, and a busy server stretches that), and one name's cost holds up only its chunk.
SEARCH_CHUNK = 10
# pg_advisory_xact_lock key for migrations: any constant unique to imgedge.
MIGRATION_LOCK = 0x1_3A6E_D6E0


# Errors that say the server is away or the connection is gone (down, restarting,
# shutting down, out of connections), whatever the statement was: a 503, try later.
_UNAVAILABLE: tuple[type[BaseException], ...] = (
    asyncpg.PostgresConnectionError,  # class 08, ConnectionDoesNotExistError among them
    asyncpg.CannotConnectNowError,  # 57P03: starting up or shutting down
    asyncpg.exceptions.OperatorInterventionError,  # 57: admin/crash shutdown, cancelled
    asyncpg.exceptions.InsufficientResourcesError,  # 53: too many connections, disk full
    asyncpg.InterfaceError,  # the client side of a dead connection
    asyncpg.InternalClientError,  # protocol state lost mid-restart
    OSError,  # refused, reset, unreachable
    TimeoutError,
)
_UNAVAILABLE_OR_POSTGRES: tuple[type[BaseException], ...] = (*_UNAVAILABLE, asyncpg.PostgresError)


@asynccontextmanager
async def _translated() -> AsyncIterator[None]:
    """asyncpg's errors become `catalog.errors` ones; none leaves this module."""
    try:
        yield
    except asyncpg.IntegrityConstraintViolationError as exc:
        raise ConflictError(str(exc)) from exc
    except (asyncpg.DeadlockDetectedError, asyncpg.SerializationError) as exc:
        # Only these two say the transaction was rolled back and may simply run again;
        # their class-40 siblings do not (40003: the statement's outcome is unknown).
        raise ContentionError(f"PostgreSQL: {exc}") from exc
    except _UNAVAILABLE as exc:
        raise CatalogUnavailable(f"PostgreSQL unavailable: {exc!r}") from exc
    except asyncpg.PostgresError as exc:
        raise CatalogError(f"PostgreSQL: {exc}") from exc


async def _session_kept(conn: asyncpg.Connection) -> None:
    """A released connection's reset, beyond asyncpg's own (an open transaction rolled
    back, listeners dropped): nothing. Its default also runs `pg_advisory_unlock_all();
    CLOSE ALL; UNLISTEN *; RESET ALL`, a round trip per release (a worker's batch takes a
    connection ten times), for session state the named queries never leave behind: their
    settings and advisory locks end with the transaction (`set_config(…, true)`,
    `pg_*_xact_lock`), they open no cursor, and LISTEN has a connection of its own
    (`tests/catalog/test_gtin_and_queries.py` checks the PostgreSQL queries for these)."""


class _Session:
    """Named queries on one pooled connection; in a transaction, what it announces."""

    def __init__(
        self, conn: asyncpg.Connection | PoolConnectionProxy, queries: dict[str, Query]
    ) -> None:
        self._conn = conn
        self._q = queries
        self.changes: list[ResolutionChange] = []
        self.work = False

    async def one(self, query: str, /, **params: Any) -> Row | None:
        q = self._q[query]
        row = await self._conn.fetchrow(q.sql, *q.args(params))
        return dict(row) if row is not None else None

    async def all(self, query: str, /, **params: Any) -> list[Row]:
        q = self._q[query]
        return [dict(row) for row in await self._conn.fetch(q.sql, *q.args(params))]

    async def run(self, query: str, /, **params: Any) -> None:
        q = self._q[query]
        await self._conn.execute(q.sql, *q.args(params))

    def notify(self, change: ResolutionChange) -> None:
        self.changes.append(change)

    def notify_work(self) -> None:
        self.work = True

    async def send_notifications(self) -> None:
        """NOTIFY, inside the transaction: delivered if and when it commits."""
        for channel, payloads in (
            (CHANNEL, [c.encode() for c in self.changes]),
            (WORK_CHANNEL, [""] if self.work else []),
        ):
            if payloads:  # one round trip for the lot
                await self.one("pg_notify_many", channel=channel, payloads=json.dumps(payloads))


class PostgresConnector:
    dialect = DIALECT

    def __init__(
        self, pool: asyncpg.Pool, database_url: str, timeout_s: float = DEFAULT_TIMEOUT_S
    ) -> None:
        self.pool = pool
        self.queries = load_queries(DIALECT)
        self._url = database_url
        self._timeout_s = timeout_s
        self._listeners = Listeners()
        self._listen_task: asyncio.Task[None] | None = None
        self._listening = asyncio.Event()
        self._work = asyncio.Event()

    @classmethod
    async def open(
        cls,
        database_url: str,
        *,
        min_size: int = 1,
        max_size: int = 10,
        timeout_s: float = DEFAULT_TIMEOUT_S,
    ) -> PostgresConnector:
        try:
            pool = await asyncpg.create_pool(
                database_url,
                min_size=min_size,
                max_size=max_size,
                timeout=timeout_s,  # connecting
                command_timeout=timeout_s,  # each statement
                reset=_session_kept,
            )
        except _UNAVAILABLE_OR_POSTGRES as exc:
            raise CatalogUnavailable(f"cannot open PostgreSQL catalog: {exc!r}") from exc
        return cls(pool, database_url, timeout_s)

    async def close(self) -> None:
        self._listeners.clear()
        if self._listen_task is not None:
            self._listen_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listen_task
        await self.pool.close()

    async def ping(self) -> None:
        async with self.read() as r:
            await r.one("ping")

    @asynccontextmanager
    async def _connection(self) -> AsyncIterator[PoolConnectionProxy]:
        """A pooled connection, waited for at most `timeout_s`; dropped, not reset, after
        a statement timed out (the server is not answering: a reset would wait too)."""
        conn = await self.pool.acquire(timeout=self._timeout_s)
        try:
            yield conn
        except TimeoutError:
            conn.terminate()
            raise
        finally:
            await self.pool.release(conn, timeout=self._timeout_s)

    @asynccontextmanager
    async def read(self) -> AsyncIterator[_Session]:
        async with _translated(), self._connection() as conn:
            yield _Session(conn, self.queries)

    @asynccontextmanager
    async def transaction(self, *, rollback: bool = False) -> AsyncIterator[_Session]:
        committed = False
        try:
            async with _translated(), self._connection() as conn:
                session = _Session(conn, self.queries)
                tx = conn.transaction()
                await tx.start()
                try:
                    yield session
                    if rollback:
                        await tx.rollback()
                    else:
                        await session.send_notifications()
                        await tx.commit()
                        committed = True
                except TimeoutError:
                    raise  # the server hangs: the connection is dropped, not rolled back
                except BaseException:
                    if not committed and not conn.is_closed() and conn.is_in_transaction():
                        await tx.rollback()
                    raise
        except CatalogError:
            # Once COMMIT has answered, the work is stored: a connection that breaks while
            # it goes back to the pool must not turn that into an error (the caller would
            # report a failure for a batch that is in the catalog).
            if not committed:
                raise
            log.warning("catalog connection lost right after a commit", exc_info=True)
        if not rollback:
            self._listeners(session.changes)

    async def search_names(self, normalized_name: str, limit: int) -> list[Row]:
        async def one(s: _Session, names: Sequence[str]) -> dict[str, list[Row]]:
            [name] = names
            return {name: await s.all("search_canonical_candidates", query=name, limit=limit)}

        found = await self._search([normalized_name], limit, one)
        return found.get(normalized_name, [])

    async def fold_name_words(self) -> int:
        async with self.transaction() as s:
            row = await s.one("pg_fold_name_words")
        return int(row["folded"]) if row is not None else 0

    async def search_names_many(
        self, normalized_names: Sequence[str], limit: int
    ) -> list[list[Row]]:
        """`search_names` for all names at once: per step (the word probe, then each
        rung), one statement per SEARCH_CHUNK names (a LATERAL join per name), asked only
        for the names no earlier step settled."""

        async def many(s: _Session, names: Sequence[str]) -> dict[str, list[Row]]:
            return await self._chunked(
                s, "pg_search_canonical_candidates_many", names, lambda _: {"limit": limit}
            )

        found = await self._search(normalized_names, limit, many)
        return [found.get(name, []) for name in normalized_names]

    async def search_codes_many(
        self, queries: Sequence[tuple[str, Sequence[str]]], limit: int, scan: int
    ) -> list[list[Row]]:
        """One statement per SEARCH_CHUNK names with codes (a LATERAL join per name, an
        index scan per code); names without codes are not sent."""
        coded = [
            (name, codes)
            for name, codes in dict.fromkeys((name, tuple(codes)) for name, codes in queries)
            if codes
        ]
        found: dict[tuple[str, tuple[str, ...]], list[Row]] = {}
        if coded:
            async with self.transaction() as s:
                await s.run("pg_set_search_without_jit")  # as the name search
                for i in range(0, len(coded), SEARCH_CHUNK):
                    chunk = coded[i : i + SEARCH_CHUNK]
                    rows = await s.all(
                        "pg_search_canonical_candidates_by_codes",
                        queries=[name for name, _ in chunk],
                        codes=["|".join(codes) for _, codes in chunk],
                        scan=scan,
                        limit=limit,
                    )
                    for row in rows:
                        found.setdefault(chunk[row["position"] - 1], []).append(row)
        return [found.get((name, tuple(codes)), []) for name, codes in queries]

    async def _search(
        self,
        names: Sequence[str],
        limit: int,
        rung: Callable[[_Session, Sequence[str]], Awaitable[dict[str, list[Row]]]],
    ) -> dict[str, list[Row]]:
        """Each distinct, non-empty name's rows: the word probe's, else the ladder's."""
        remaining = [name for name in dict.fromkeys(names) if name]
        found: dict[str, list[Row]] = {}
        if not remaining:
            return found
        async with self.transaction() as s:
            await s.run("pg_set_search_without_jit")
            found = await self._probe_words(s, remaining, limit)
            remaining = [name for name in remaining if name not in found]
            if remaining:
                found.update(await self._climb(s, remaining, limit, rung))
        return found

    async def _probe_words(
        self, s: _Session, names: Sequence[str], limit: int
    ) -> dict[str, list[Row]]:
        """The word probe's rows of each name it settles. One statement counts the words
        of all names, one looks up known words like the misspelt ones, one the words
        that open words start; then, per SEARCH_CHUNK names, one looks for the products
        having all the known words of the names without a rare word or whose rarest word
        has too many products to compare (up to two more for those it left without: with
        the forms of their misspelt word instead of their open word's, then without
        either), and one probes the rare words of the names still unsettled."""
        words = list(dict.fromkeys(w for name in names for w in name_words(name)))
        products, known, longer, catalog = await self._count_words(s, words)
        similar = await self._similar_words(s, names, products)
        chosen = {
            name: probed_words(name, products, catalog, WORD_BUDGET, similar) for name in names
        }
        broad = [
            name for name in names if not chosen[name] or products[chosen[name][0][0]] > WORD_TIED
        ]
        opened = {n: w for n in broad if (w := open_word(n, products, known, longer))}
        completions = await self._completions(s, set(opened.values()))

        def chains_of(name: str) -> list[tuple[list[str], list[str]]]:
            """The name's word chains, to try in turn while they find nothing: with the
            forms of its open word (a word cut short may not be the one meant), with
            those of its first misspelt word (its look-alikes may all be wrong too),
            then with its known words alone; each distinct one, none empty."""
            forms: list[tuple[str, Sequence[str]] | None] = []
            if (word := opened.get(name)) is not None and word in completions:
                forms.append((word, completions[word]))
            forms += [(w, similar[w]) for w in name_words(name) if w in similar][:1]
            chains: list[tuple[list[str], list[str]]] = []
            for each in [*forms, None]:
                chain = word_chain(name, known, products, WORD_BUDGET, each)
                if chain[1] and chain not in chains:
                    chains.append(chain)
            return chains

        tries = {name: chains_of(name) for name in broad}
        found: dict[str, list[Row]] = {}
        for step in range(max(map(len, tries.values()), default=0)):
            chains = {n: c[step] for n, c in tries.items() if n not in found and step < len(c)}
            found.update(await self._by_chains(s, chains, limit))

        def by_words(chunk: Sequence[str]) -> dict[str, Any]:
            picked = [(k, w, weight) for k, n in enumerate(chunk, 1) for w, weight in chosen[n]]
            return {
                "positions": [k for k, _, _ in picked],
                "words": [w for _, w, _ in picked],
                "weights": [weight for _, _, weight in picked],
                "pool": WORD_POOL,
                "limit": limit,
            }

        probing = [name for name in names if name not in found and chosen[name]]
        found.update(
            await self._chunked(s, "pg_search_canonical_candidates_by_words", probing, by_words)
        )
        return found

    async def _similar_words(
        self, s: _Session, names: Sequence[str], products: dict[str, int]
    ) -> dict[str, list[str]]:
        """The known words like each misspelt word of the names (one typo away first,
        then alike by trigrams), their products counted into `products`."""
        unknown = list(
            dict.fromkeys(w for name in names for w in misspelt(name, products, WORD_TYPO))
        )
        similar: dict[str, list[str]] = {}
        if not unknown:
            return similar
        typo_forms = {w: f for w in unknown if (f := one_edit_forms(w))}
        alike = [w for w in unknown if len(w) >= WORD_ALIKE]
        rows: list[Row] = []
        if typo_forms:  # a batch's misspelt words may all be codes: no round trip then
            rows += await s.all(
                "pg_name_words_one_edit_away",
                words=list(typo_forms),
                forms=["|".join(f) for f in typo_forms.values()],
                alternatives=WORD_ALTERNATIVES,
            )
        if alike:
            rows += await s.all(
                "pg_similar_name_words",
                words=alike,
                threshold=WORD_SIMILAR,
                alternatives=WORD_ALTERNATIVES,
                scan=WORD_SCAN,
            )
        for row in rows:  # one typo away first, then alike by trigrams
            forms = similar.setdefault(row["word"], [])
            if row["similar"] not in forms:
                forms.append(row["similar"])
        products.update((await self._count_words(s, [v for vs in similar.values() for v in vs]))[0])
        return similar

    async def _by_chains(
        self, s: _Session, chains: dict[str, tuple[list[str], list[str]]], limit: int
    ) -> dict[str, list[Row]]:
        """The rows of the products having each name's word chain (`word_chain`)."""

        def params(chunk: Sequence[str]) -> dict[str, Any]:
            return {
                "required": ["|".join(chains[n][0]) for n in chunk],
                "options": ["|".join(chains[n][1]) for n in chunk],
                "scan": WORD_CHAIN_SCAN,
                "limit": limit,
            }

        query = "pg_search_canonical_candidates_by_word_chains"
        return await self._chunked(s, query, list(chains), params)

    @staticmethod
    async def _count_words(
        s: _Session, words: Sequence[str]
    ) -> tuple[dict[str, int], set[str], set[str], float]:
        """Each word's products (counted up to WORD_BUDGET + 1), the words some product
        has, those some longer known word starts with, and the catalog's size."""
        if not words:
            return {}, set(), set(), 1.0
        rows = await s.all("pg_count_name_words", words=list(words), cap=WORD_BUDGET + 1)
        return (
            {row["word"]: row["products"] for row in rows},
            {row["word"] for row in rows if row["known"]},
            {row["word"] for row in rows if row["longer"]},
            float(rows[0]["catalog"]),
        )

    @staticmethod
    async def _completions(s: _Session, words: Collection[str]) -> dict[str, list[str]]:
        """The known words each word starts, for the words that start WORD_FORMS at most."""
        if not words:
            return {}
        forms: dict[str, list[str]] = {}
        for row in await s.all("pg_name_word_completions", words=list(words), most=WORD_FORMS):
            forms.setdefault(row["word"], []).append(row["completion"])
        return {w: f for w, f in forms.items() if len(f) <= WORD_FORMS}

    @staticmethod
    async def _chunked(
        s: _Session,
        query: str,
        names: Sequence[str],
        params: Callable[[Sequence[str]], dict[str, Any]],
    ) -> dict[str, list[Row]]:
        """A many-names query (rows by `position`, then best first), SEARCH_CHUNK names
        per statement, with the `params` of each chunk."""
        step: dict[str, list[Row]] = {}
        for i in range(0, len(names), SEARCH_CHUNK):
            chunk = names[i : i + SEARCH_CHUNK]
            for row in await s.all(query, queries=chunk, **params(chunk)):
                step.setdefault(chunk[row["position"] - 1], []).append(row)
        return step

    @staticmethod
    async def _climb(
        s: _Session,
        names: Sequence[str],
        limit: int,
        search: Callable[[_Session, Sequence[str]], Awaitable[dict[str, list[Row]]]],
    ) -> dict[str, list[Row]]:
        """Each name's rows from the SEARCH_LADDER: `search` at each rung's threshold
        (set for the transaction only) for the names still climbing; a name stays at
        the first rung that gives it the rows that rung asks for."""
        remaining = list(names)
        found: dict[str, list[Row]] = {}
        for threshold, settles in SEARCH_LADDER:
            await s.run("pg_set_similarity_threshold", threshold=str(threshold))
            step = await search(s, remaining)
            found.update(step)  # a looser rung's rows include a stricter one's
            enough = limit if settles is FULL_PAGE else min(limit, settles)
            remaining = [n for n in remaining if len(step.get(n, ())) < enough]
            if not remaining:
                break
        return found

    async def listen(self, on_change: ChangeListener) -> None:
        """Own changes right after commit; other processes' through LISTEN, on a
        connection of its own, reconnecting with backoff when it drops."""
        self._listeners.add(on_change)
        await self._start_listening()

    async def wait_for_work(self, timeout_s: float) -> None:
        """Return when a sync queued match work (NOTIFY), or after `timeout_s` anyway:
        the notification is a hint, the caller's polling guarantees progress."""
        await self._start_listening()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._work.wait(), timeout=timeout_s)
        self._work.clear()

    async def _start_listening(self) -> None:
        if self._listen_task is None:
            self._listen_task = asyncio.create_task(self._listen_forever())
            # Wait briefly for the first LISTEN, so changes right after start are heard;
            # if PostgreSQL is away the loop keeps trying in the background.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._listening.wait(), timeout=5)

    async def _listen_forever(self) -> None:
        delay, connected_before = 0.1, False

        def on_notify(conn: object, pid: int, channel: str, payload: object) -> None:
            self._listeners([ResolutionChange.decode(str(payload))])

        def on_work(conn: object, pid: int, channel: str, payload: object) -> None:
            self._work.set()

        while True:
            conn: asyncpg.Connection | None = None
            try:
                conn = await asyncpg.connect(self._url, timeout=5)
                lost = asyncio.Event()
                conn.add_termination_listener(lambda _conn, lost=lost: lost.set())
                await conn.add_listener(CHANNEL, on_notify)
                await conn.add_listener(WORK_CHANNEL, on_work)
                if connected_before:
                    log.warning("catalog change feed is back; dropping cached resolutions")
                    self._listeners([ResolutionChange()])  # changes may have been missed
                connected_before, delay = True, 0.1
                self._listening.set()
                while not lost.is_set():  # an idle socket can die silently: ping it
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(lost.wait(), timeout=LISTEN_PING_S)
                    if not lost.is_set():
                        await conn.execute("SELECT 1", timeout=LISTEN_PING_S)
                log.warning("catalog change feed connection lost; reconnecting")
            except _UNAVAILABLE_OR_POSTGRES as exc:
                log.warning("catalog change feed unavailable (%r); retrying in %.1fs", exc, delay)
            finally:
                if conn is not None and not conn.is_closed():
                    conn.terminate()
            self._listening.clear()
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)

    async def migrate(self) -> list[str]:
        async with _translated():
            conn = await asyncpg.connect(self._url, timeout=self._timeout_s)
            try:
                return await self._migrate(conn)
            finally:
                await conn.close(timeout=self._timeout_s)

    async def _migrate(self, conn: asyncpg.Connection) -> list[str]:
        applied_now: list[str] = []
        async with conn.transaction():
            # Migrations are DDL, not named queries. Serialise concurrent migrators; the
            # lock ends with the transaction.
            await conn.execute("SELECT pg_advisory_xact_lock($1)", MIGRATION_LOCK)
            await conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                " version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
            )
            done = {r["version"] for r in await conn.fetch("SELECT version FROM schema_migrations")}
            for version, sql in migration_files(DIALECT):
                if version in done:
                    continue
                await conn.execute(sql)
                await conn.execute("INSERT INTO schema_migrations (version) VALUES ($1)", version)
                applied_now.append(version)
        return applied_now


class PostgresCatalog(SQLCatalog):
    """`SQLCatalog` over a `PostgresConnector`: it adds only how to open one from a URL."""

    connector: PostgresConnector

    @classmethod
    async def open(
        cls,
        database_url: str,
        *,
        min_size: int = 1,
        max_size: int = 10,
        timeout_s: float = DEFAULT_TIMEOUT_S,
    ) -> PostgresCatalog:
        connector = await PostgresConnector.open(
            database_url, min_size=min_size, max_size=max_size, timeout_s=timeout_s
        )
        return cls(connector)
