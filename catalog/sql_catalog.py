"""`SQLCatalog`: the catalog repository over any SQL connector, by composition.

The connector (`catalog/sqlite.py`, `catalog/postgres.py`) runs the dialect's named
queries and owns connections, transactions and change delivery; which queries run, in
which order, and how rows become model values lives here (and in `catalog/sql/*.py` for
the multi-statement writes) once, for every dialect.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import TypeVar

from catalog import rows
from catalog.connector import ChangeListener, Connector, Row, Session
from catalog.errors import ConflictError, ContentionError, NotFoundError
from catalog.gtin import try_normalize_gtin
from catalog.models import (
    CanonicalProduct,
    CatalogStats,
    CuratorDecision,
    Delivery,
    DeliveryStatus,
    ImageOwner,
    KeyAction,
    KeyEvent,
    LinkQuestion,
    MatchOutcome,
    MatchStatus,
    NewDelivery,
    NewImage,
    PictureFacts,
    PriceRange,
    PrimaryShown,
    ProductImage,
    ProductPage,
    ProductSearch,
    QueueItem,
    QueueStatus,
    Resolution,
    ResolutionChange,
    ReviewItem,
    Store,
    StoreProduct,
    StoreSummary,
    StoreWebhook,
    SyncItem,
    SyncResult,
    WatchedProduct,
    WebhookChange,
)
from catalog.names import normalize_name, searched_codes
from catalog.queries import migration_files
from catalog.sql import (
    canonical,
    images,
    json_param,
    like_escaped,
    matching,
    products,
    webhooks,
)
from catalog.sql.images import owner_change as owner_change  # callers import it from here

T = TypeVar("T")
# A transaction rolled back by a deadlock or serialization failure is run again, up to
# this many times in all, after a random pause of up to CONTENTION_PAUSE_S * 2**attempt.
CONTENTION_ATTEMPTS = 4
CONTENTION_PAUSE_S = 0.01
# The code search (`search_canonical_by_codes_many`): a code more canonical products carry
# than this identifies none of them (`1080p`, `120hz`, a platform); it is left out, so a
# name's code candidates stay few and a common code costs one capped index scan.
CODE_SCAN = 50


def _returned(row: Row | None, query: str) -> Row:
    """The row an INSERT … RETURNING gave back."""
    if row is None:
        raise NotFoundError(f"{query}: no row")
    return row


async def _set_use_custom_image(s: Session, product_id: int, use_custom_image: bool) -> None:
    row = await s.one(
        "set_use_custom_image", product_id=product_id, use_custom_image=use_custom_image
    )
    if row is None:
        raise NotFoundError(f"store product {product_id} does not exist")
    s.notify(ResolutionChange(product_id=product_id))


class SQLCatalog:
    """Implements `CatalogRepository` (every protocol of `catalog.repository`)."""

    def __init__(self, connector: Connector) -> None:
        self.connector = connector
        self.conflict_retries = 0  # transactions run again after a deadlock, for tests
        self._record_changes = False  # webhooks on: changes are recorded with the writes

    # Lifecycle

    async def migrate(self) -> list[str]:
        return await self.connector.migrate()

    async def pending_migrations(self) -> list[str]:
        async with self.connector.read() as r:
            present = await r.one("migrations_table_present")
            applied = (
                {row["version"] for row in await r.all("applied_migrations")}
                if present and present["present"]
                else set()
            )
        return [v for v, _ in migration_files(self.connector.dialect) if v not in applied]

    async def ping(self) -> None:
        await self.connector.ping()

    async def close(self) -> None:
        await self.connector.close()

    async def listen(self, on_change: ChangeListener) -> None:
        await self.connector.listen(on_change)

    async def _write(self, work: Callable[[Session], Awaitable[T]], *, rollback: bool = False) -> T:
        """`work` in a transaction of its own, run again (after a short random pause) when
        a deadlock or serialization failure rolled it back, at most `CONTENTION_ATTEMPTS`
        times in all. Locks are taken in one order (see `catalog/sql/products.py`), so
        this is a safety net, not the way concurrent writers get along: `conflict_retries`
        counts its uses."""
        for attempt in range(1, CONTENTION_ATTEMPTS + 1):
            try:
                async with self.connector.transaction(rollback=rollback) as s:
                    done = await work(s)
                    if self._record_changes and s.changes and not rollback:
                        await webhooks.record(s, s.changes)
                    return done
            except ContentionError:
                if attempt == CONTENTION_ATTEMPTS:
                    raise
                self.conflict_retries += 1
                await asyncio.sleep(random.uniform(0, CONTENTION_PAUSE_S * 2**attempt))
        raise AssertionError("unreachable")

    async def _one(self, query: str, /, **params: object) -> Row | None:
        async with self.connector.read() as r:
            return await r.one(query, **params)

    async def _all(self, query: str, /, **params: object) -> list[Row]:
        async with self.connector.read() as r:
            return await r.all(query, **params)

    # Stores and meta

    async def create_store(
        self, name: str, api_key_hash: str | None = None, *, actor: str | None = None
    ) -> Store:
        async def create(s: Session) -> Row | None:
            row = await s.one("create_store", name=name, api_key_hash=api_key_hash)
            if row is not None and actor is not None and api_key_hash is not None:
                await s.run(
                    "add_key_event", store_id=row["id"], action=KeyAction.CREATED, actor=actor
                )
            return row

        return rows.store(_returned(await self._write(create), "create_store"))

    async def get_store_by_name(self, name: str) -> Store | None:
        row = await self._one("get_store_by_name", name=name)
        return rows.store(row) if row else None

    async def get_store_by_api_key_hash(self, api_key_hash: str) -> Store | None:
        row = await self._one("get_store_by_api_key_hash", api_key_hash=api_key_hash)
        return rows.store(row) if row else None

    async def list_stores(self) -> list[StoreSummary]:
        return [rows.store_summary(row) for row in await self._all("list_stores")]

    async def set_store_key(
        self, store_id: int, api_key_hash: str | None, *, actor: str | None = None
    ) -> Store:
        action = KeyAction.ROTATED if api_key_hash is not None else KeyAction.REVOKED

        async def set_key(s: Session) -> Row | None:
            row = await s.one("set_store_key", store_id=store_id, api_key_hash=api_key_hash)
            if row is not None and actor is not None:
                await s.run("add_key_event", store_id=store_id, action=action, actor=actor)
            return row

        row = await self._write(set_key)
        if row is None:
            raise NotFoundError(f"store {store_id} does not exist")
        return rows.store(row)

    async def key_events(self, store_id: int | None = None, limit: int = 100) -> list[KeyEvent]:
        found = await self._all("list_key_events", store_id=store_id, limit=limit)
        return [rows.key_event(row) for row in found]

    async def catalog_stats(self, store_id: int | None = None) -> CatalogStats:
        async with self.connector.read() as r:
            products = await r.one("stats_products", store_id=store_id)
            stored = None if store_id is not None else await r.one("stats_stored_bytes")
            queue = await r.one("stats_queue", store_id=store_id)
        return rows.stats(
            _returned(products, "stats_products"), stored, _returned(queue, "stats_queue")
        )

    async def get_meta(self, key: str) -> str | None:
        row = await self._one("get_meta", key=key)
        return row["value"] if row else None

    async def set_meta(self, key: str, value: str) -> None:
        await self._write(lambda s: s.run("set_meta", key=key, value=value))

    # Canonical products

    async def create_canonical_product(
        self, *, gtin: str | None, name: str, brand: str | None
    ) -> CanonicalProduct:
        row = await self._write(
            lambda s: s.one(
                "create_canonical_product",
                gtin=gtin,
                name=name,
                normalized_name=normalize_name(name),
                brand=brand,
            )
        )
        return rows.canonical(_returned(row, "create_canonical_product"))

    async def get_canonical_product(self, canonical_id: int) -> CanonicalProduct | None:
        row = await self._one("get_canonical_product", canonical_id=canonical_id)
        return rows.canonical(row) if row else None

    async def get_canonical_products(
        self, canonical_ids: Sequence[int]
    ) -> dict[int, CanonicalProduct]:
        if not canonical_ids:
            return {}
        found = await self._all(
            "get_canonical_products", canonical_ids=json_param(list(canonical_ids))
        )
        return {row["id"]: rows.canonical(row) for row in found}

    async def list_canonical_products(
        self,
        *,
        provisional: bool | None = None,
        store_named: bool | None = None,
        after_id: int = 0,
        limit: int = 100,
    ) -> list[CanonicalProduct]:
        found = await self._all(
            "list_canonical_products",
            provisional=provisional,
            store_named=store_named,
            after_id=after_id,
            limit=limit,
        )
        return [rows.canonical(row) for row in found]

    async def merge_canonical_products(self, source_id: int, target_id: int) -> CanonicalProduct:
        return await self._write(lambda s: products.merge_canonical(s, source_id, target_id))

    async def rename_canonical_product(
        self, canonical_id: int, *, name: str, brand: str | None
    ) -> CanonicalProduct:
        return await self._write(lambda s: canonical.rename(s, canonical_id, name, brand))

    async def delete_canonical_product(self, canonical_id: int) -> list[ProductImage]:
        return await self._write(lambda s: canonical.delete(s, canonical_id))

    async def get_canonical_product_by_gtin(self, gtin: str) -> CanonicalProduct | None:
        row = await self._one("get_canonical_product_by_gtin", gtin=gtin)
        return rows.canonical(row) if row else None

    async def search_canonical_candidates(
        self, name: str, limit: int = 10
    ) -> list[tuple[CanonicalProduct, float]]:
        found = await self.connector.search_names(normalize_name(name), limit)
        return [(rows.canonical(row), float(row["score"])) for row in found]

    async def search_canonical_candidates_many(
        self, names: Sequence[str], limit: int = 10
    ) -> list[list[tuple[CanonicalProduct, float]]]:
        normalized = [normalize_name(name) for name in names]
        found = await self.connector.search_names_many(normalized, limit)
        return [[(rows.canonical(row), float(row["score"])) for row in each] for each in found]

    async def fold_name_words(self) -> int:
        return await self.connector.fold_name_words()

    async def search_canonical_by_codes_many(
        self, queries: Sequence[tuple[str, Sequence[str]]], limit: int = 10
    ) -> list[list[tuple[CanonicalProduct, float]]]:
        searched = [(normalize_name(name), searched_codes(codes)) for name, codes in queries]
        found = await self.connector.search_codes_many(searched, limit, CODE_SCAN)
        return [[(rows.canonical(row), float(row["score"])) for row in each] for each in found]

    # Store products

    async def upsert_store_product(
        self,
        *,
        store_id: int,
        external_id: str,
        upc: str | None,
        gtin: str | None,
        name: str,
        brand: str | None = None,
        image_url: str | None = None,
    ) -> StoreProduct:
        async def upsert(s: Session) -> Row | None:
            row = await s.one(
                "upsert_store_product",
                store_id=store_id,
                external_id=external_id,
                upc=upc,
                gtin=gtin,
                name=name,
                brand=brand,
                image_url=image_url,
            )
            return await s.one("get_store_product", product_id=row["id"]) if row else None

        product = await self._write(upsert)
        if product is None:
            raise NotFoundError(f"store {store_id} does not exist")
        return rows.store_product(product)

    async def sync_products(
        self,
        store_id: int,
        items: Sequence[SyncItem],
        known: Mapping[str, int],
        *,
        dry_run: bool = False,
    ) -> list[SyncResult]:
        """With `dry_run`, every statement runs and the results are real, but the
        transaction is rolled back: nothing is stored, nobody is told."""
        if not items:
            return []
        return await self._write(
            lambda s: products.sync(s, store_id, items, known), rollback=dry_run
        )

    async def get_store_product(self, product_id: int) -> StoreProduct | None:
        row = await self._one("get_store_product", product_id=product_id)
        return rows.store_product(row) if row else None

    async def get_store_products(self, product_ids: Sequence[int]) -> dict[int, StoreProduct]:
        if not product_ids:
            return {}
        found = await self._all("get_store_products", product_ids=json_param(list(product_ids)))
        return {row["id"]: rows.store_product(row) for row in found}

    async def list_store_product_ids(self, store_id: int, limit: int) -> list[int]:
        found = await self._all("list_store_product_ids", store_id=store_id, limit=limit)
        return [row["id"] for row in found]

    async def search_store_products(
        self, search: ProductSearch, *, offset: int = 0, limit: int = 50
    ) -> ProductPage:
        text = search.text
        params = {
            "store_id": search.store_id,
            "status": None if search.status is None else str(search.status),
            "linked": search.linked,
            "pattern": None if text is None else f"%{like_escaped(text)}%",
            "text": text,
            "gtin": try_normalize_gtin(text),
            "image": None if search.image is None else str(search.image),
        }
        found = await self._all("search_store_products", **params, offset=offset, limit=limit)
        if not found and offset > 0:  # past the end: the total is the first page's (the
            # same limit, so the same plan: a LIMIT 1 could make PostgreSQL walk the ids)
            found = await self._all("search_store_products", **params, offset=0, limit=limit)
            return ProductPage([], int(found[0]["total"]) if found else 0)
        listed = [rows.listed_product(row) for row in found]
        return ProductPage(listed, int(found[0]["total"]) if found else 0)

    async def link_store_product(
        self,
        product_id: int,
        canonical_id: int | None,
        status: MatchStatus,
        confidence: float | None = None,
    ) -> None:
        await self._write(lambda s: products.link(s, product_id, canonical_id, status, confidence))

    async def set_use_custom_image(self, product_id: int, use_custom_image: bool) -> None:
        await self._write(lambda s: _set_use_custom_image(s, product_id, use_custom_image))

    async def set_image_fetch_error(self, product_id: int, error: str | None) -> None:
        kept = error[:1000] if error else None
        await self._write(
            lambda s: s.run("set_image_fetch_error", product_id=product_id, error=kept)
        )

    async def review_items(
        self, *, store_id: int | None = None, after_id: int = 0, limit: int = 50
    ) -> list[ReviewItem]:
        found = await self._all("review_items", store_id=store_id, after_id=after_id, limit=limit)
        return [rows.review_item(row) for row in found]

    async def count_review_items(self, *, store_id: int | None = None) -> int:
        row = await self._one("count_review_items", store_id=store_id)
        return int(row["count"]) if row else 0

    async def canonical_primaries(self, canonical_ids: Sequence[int]) -> dict[int, PrimaryShown]:
        if not canonical_ids:
            return {}
        found = await self._all(
            "canonical_primaries", canonical_ids=json_param(list(canonical_ids))
        )
        return {
            row["canonical_product_id"]: PrimaryShown(
                row["canonical_product_id"], row["product_id"], row["content_hash"]
            )
            for row in found
        }

    async def unlinked_products(self, after_id: int, limit: int) -> list[StoreProduct]:
        found = await self._all("unlinked_products", after_id=after_id, limit=limit)
        return [rows.store_product(row) for row in found]

    async def count_unlinked_products(self) -> int:
        row = await self._one("count_unlinked_products")
        return int(row["count"]) if row else 0

    async def store_has_link(self, store_id: int, canonical_id: int, except_id: int) -> bool:
        row = await self._one(
            "store_has_link", store_id=store_id, canonical_id=canonical_id, except_id=except_id
        )
        return bool(row and row["linked"])

    async def store_links(self, questions: Sequence[LinkQuestion]) -> set[LinkQuestion]:
        if not questions:
            return set()
        asked = [
            {"store_id": q.store_id, "canonical_id": q.canonical_id, "except_id": q.except_id}
            for q in questions
        ]
        found = await self._all("store_links", questions=json_param(asked))
        return {LinkQuestion(r["store_id"], r["canonical_id"], r["except_id"]) for r in found}

    async def canonical_prices(
        self, canonical_ids: Sequence[int]
    ) -> dict[int, tuple[PriceRange, ...]]:
        if not canonical_ids:
            return {}
        found = await self._all("canonical_prices", ids=json_param(sorted(set(canonical_ids))))
        prices: dict[int, list[PriceRange]] = {}
        for r in found:
            price = PriceRange(r["currency"], float(r["low"]), float(r["high"]), int(r["count"]))
            prices.setdefault(int(r["canonical_id"]), []).append(price)
        return {cid: tuple(each) for cid, each in prices.items()}

    # Images and resolution

    async def add_image(self, image: NewImage) -> ProductImage:
        return await self._write(lambda s: images.add(s, image))

    async def add_images(
        self, new_images: Sequence[NewImage], *, use_custom_image: int | None = None
    ) -> list[tuple[ProductImage, bool]]:
        async def work(s: Session) -> list[tuple[ProductImage, bool]]:
            added = [await images.add_one(s, image) for image in new_images]
            if use_custom_image is not None:
                await _set_use_custom_image(s, use_custom_image, True)
            return added

        return await self._write(work)

    async def referenced_hashes(self, content_hashes: Sequence[str]) -> set[str]:
        if not content_hashes:
            return set()
        found = await self._all("referenced_hashes", hashes=json_param(list(content_hashes)))
        return {row["content_hash"] for row in found}

    async def get_image(self, image_id: int) -> ProductImage | None:
        row = await self._one("get_image", image_id=image_id)
        return rows.image(row) if row else None

    async def set_primary_image(self, image_id: int) -> ProductImage:
        async def work(s: Session) -> ProductImage:
            image = await images.get(s, image_id)
            if not image.is_primary:
                await images.make_primary(s, image)
            return image

        image = await self._write(work)
        return replace(image, is_primary=True)

    async def list_images(self, owner: ImageOwner) -> list[ProductImage]:
        found = await self._all(f"list_{owner.kind}_images", owner_id=owner.id)
        return [rows.image(row) for row in found]

    async def find_image_by_hash(self, owner: ImageOwner, content_hash: str) -> ProductImage | None:
        row = await self._one(
            f"find_{owner.kind}_image_by_hash", owner_id=owner.id, content_hash=content_hash
        )
        return rows.image(row) if row else None

    async def reorder_images(
        self, owner: ImageOwner, image_ids: Sequence[int]
    ) -> list[ProductImage]:
        return await self._write(lambda s: images.reorder(s, owner, image_ids))

    async def delete_image(self, image_id: int) -> tuple[ProductImage, bool]:
        return await self._write(lambda s: images.delete(s, image_id))

    async def resolve(self, product_id: int) -> Resolution | None:
        found = await self._all("resolve_product", product_id=product_id)
        return rows.resolution(found) if found else None

    async def resolve_many(self, product_ids: Sequence[int]) -> dict[int, Resolution]:
        if not product_ids:
            return {}
        found = await self._all("resolve_products", product_ids=json_param(list(product_ids)))
        by_product: dict[int, list[Row]] = {}
        for row in found:
            by_product.setdefault(row["product_id"], []).append(row)
        return {pid: rows.resolution(group) for pid, group in by_product.items()}

    async def picture_facts(self, shown: Sequence[tuple[int, int]]) -> dict[int, PictureFacts]:
        if not shown:
            return {}
        found = await self._all("get_picture_facts", pairs=json_param([list(p) for p in shown]))
        return {row["product_id"]: PictureFacts(row["name"], row["placeholder"]) for row in found}

    # Match queue

    async def claim_matches(
        self, limit: int, lease_s: float, *, now: datetime | None = None
    ) -> list[QueueItem]:
        claimed = await self._write(
            lambda s: s.all("claim_matches", limit=limit, lease_s=lease_s, now=now)
        )
        return sorted((rows.queue_item(r) for r in claimed), key=lambda item: item.id)

    async def finish_match(
        self,
        item: QueueItem,
        status: QueueStatus,
        *,
        canonical_id: int | None = None,
        confidence: float | None = None,
        candidates: Sequence[tuple[int, float]] = (),
    ) -> bool:
        return await self._write(
            lambda s: matching.finish(s, item, status, canonical_id, confidence, candidates)
        )

    async def finish_matches(self, outcomes: Sequence[MatchOutcome]) -> list[bool]:
        if not outcomes:
            return []
        return await self._write(lambda s: matching.finish_many(s, outcomes))

    async def fail_match(
        self, item: QueueItem, error: str, max_attempts: int
    ) -> QueueStatus | None:
        """Back to pending, or `failed` once `max_attempts` are used; None if lease lost."""
        row = await self._write(
            lambda s: s.one(
                "fail_match",
                item_id=item.id,
                attempts=item.attempts,
                error=error[:2000],
                max_attempts=max_attempts,
            )
        )
        return QueueStatus(row["status"]) if row else None

    async def get_match_item(self, item_id: int) -> QueueItem | None:
        row = await self._one("get_match_item", item_id=item_id)
        return rows.queue_item(row) if row else None

    async def get_match_item_for_product(self, product_id: int) -> QueueItem | None:
        row = await self._one("get_match_item_for_product", product_id=product_id)
        return rows.queue_item(row) if row else None

    async def decide_match(
        self,
        item: QueueItem,
        *,
        canonical_id: int | None,
        product_status: MatchStatus,
        decisions: Sequence[CuratorDecision] = (),
    ) -> None:
        await self._write(
            lambda s: matching.decide(s, item, canonical_id, product_status, decisions)
        )

    async def remembered_decisions(
        self, keys: Sequence[tuple[str, str]]
    ) -> dict[tuple[str, str], list[CuratorDecision]]:
        if not keys:
            return {}
        asked = [{"name": name, "brand": brand} for name, brand in sorted(set(keys))]
        found: dict[tuple[str, str], list[CuratorDecision]] = {}
        for r in await self._all("remembered_decisions", keys=json_param(asked)):
            score = r["score"]
            found.setdefault((r["name"], r["brand"]), []).append(
                CuratorDecision(
                    r["name"],
                    r["brand"],
                    int(r["canonical_id"]),
                    bool(r["confirmed"]),
                    None if score is None else float(score),
                    r["scorer"],
                )
            )
        return found

    async def wait_for_work(self, timeout_s: float) -> None:
        await self.connector.wait_for_work(timeout_s)

    async def queue_counts(self) -> dict[str, int]:
        return {row["status"]: row["count"] for row in await self._all("queue_counts")}

    async def outstanding_count(self) -> int:
        row = await self._one("outstanding_count")
        return int(row["count"]) if row else 0

    async def claimable_count(self, *, now: datetime | None = None) -> int:
        row = await self._one("claimable_count", now=now)
        return int(row["count"]) if row else 0

    # Webhooks (change notifications)

    def record_changes(self, enabled: bool) -> None:
        self._record_changes = enabled

    async def claim_webhook_changes(
        self, limit: int, *, now: datetime, until: datetime
    ) -> list[WebhookChange]:
        async def claim(s: Session) -> list[Row]:
            gate = await s.one("webhook_claim_gate")
            if gate is None or not gate["open"]:
                return []  # another edge process is claiming
            return await s.all("webhook_claim_changes", limit=limit, now=now, until=until)

        claimed = await self._write(claim)
        found = (WebhookChange(r["id"], ResolutionChange.decode(r["change"])) for r in claimed)
        return sorted(found, key=lambda c: c.id)

    async def webhook_products(
        self, product_ids: Sequence[int], canonical_ids: Sequence[int]
    ) -> list[WatchedProduct]:
        if not product_ids and not canonical_ids:
            return []
        found = await self._all(
            "webhook_products",
            product_ids=json_param(sorted(set(product_ids))),
            canonical_ids=json_param(sorted(set(canonical_ids))),
        )
        return [rows.watched_product(row) for row in found]

    async def enqueue_webhooks(
        self,
        change_ids: Sequence[int],
        deliveries: Sequence[NewDelivery],
        shown: Mapping[int, str | None],
        *,
        now: datetime,
    ) -> None:
        await self._write(lambda s: webhooks.enqueue(s, change_ids, deliveries, shown, now))

    async def claim_webhook_deliveries(
        self, limit: int, *, now: datetime, until: datetime
    ) -> list[Delivery]:
        claimed = await self._write(
            lambda s: s.all("webhook_claim_deliveries", limit=limit, now=now, until=until)
        )
        return sorted((rows.delivery(r) for r in claimed), key=lambda d: d.id)

    async def finish_webhook_delivery(
        self,
        delivery: Delivery,
        status: DeliveryStatus,
        *,
        next_attempt_at: datetime,
        status_code: int | None = None,
        error: str | None = None,
        delivered_at: datetime | None = None,
    ) -> bool:
        row = await self._write(
            lambda s: s.one(
                "webhook_finish_delivery",
                delivery_id=delivery.id,
                attempts=delivery.attempts,
                status=str(status),
                next_attempt_at=next_attempt_at,
                status_code=status_code,
                error=error[:2000] if error else None,
                delivered_at=delivered_at,
            )
        )
        return row is not None

    async def set_store_webhook(self, store_id: int, url: str, secret: str) -> StoreWebhook:
        try:
            row = await self._write(
                lambda s: s.one(
                    "webhook_set_store_endpoint", store_id=store_id, url=url, secret=secret
                )
            )
        except ConflictError:  # the foreign key: no such store
            raise NotFoundError(f"store {store_id} does not exist") from None
        return rows.store_webhook(_returned(row, "webhook_set_store_endpoint"))

    async def store_webhooks(self, store_ids: Sequence[int]) -> dict[int, StoreWebhook]:
        if not store_ids:
            return {}
        found = await self._all(
            "webhook_store_endpoints", store_ids=json_param(sorted(set(store_ids)))
        )
        return {row["store_id"]: rows.store_webhook(row) for row in found}

    async def delete_store_webhook(self, store_id: int) -> bool:
        row = await self._write(lambda s: s.one("webhook_delete_store_endpoint", store_id=store_id))
        return row is not None

    async def prune_webhook_deliveries(self, before: datetime) -> None:
        await self._write(lambda s: s.run("webhook_prune_deliveries", before=before))

    async def list_webhook_deliveries(
        self,
        *,
        store_id: int | None = None,
        status: DeliveryStatus | None = None,
        before_id: int = 0,
        limit: int = 50,
    ) -> list[Delivery]:
        found = await self._all(
            "webhook_list_deliveries",
            store_id=store_id,
            status=None if status is None else str(status),
            before_id=before_id,
            limit=limit,
        )
        return [rows.delivery(row) for row in found]
