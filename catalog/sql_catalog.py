"""The repository logic shared by every SQL backend.

A backend supplies a `Session` (run a named query on one connection, in or out of a
transaction) and its migration routine; everything else — which queries run, in which
order, and how rows become model values — lives here once. The SQL text itself lives in
`sql/<dialect>.sql`, one file per dialect with the same query names.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import replace
from typing import Any, Protocol

from catalog.errors import ConflictError, NotFoundError
from catalog.models import (
    CanonicalProduct,
    ImageOwner,
    ImageSource,
    MatchStatus,
    NewImage,
    ProductImage,
    QueueItem,
    QueueStatus,
    Resolution,
    ResolutionChange,
    ResolvedImage,
    Store,
    StoreProduct,
    SyncItem,
    SyncOutcome,
    SyncResult,
)
from catalog.names import normalize_name

log = logging.getLogger(__name__)
Row = Sequence[Any]


ChangeListener = Callable[[ResolutionChange], None]


class Session(Protocol):
    async def one(self, name: str, *args: Any) -> Row | None: ...

    async def all(self, name: str, *args: Any) -> list[Row]: ...

    async def run(self, name: str, *args: Any) -> None: ...

    async def notify(self, change: ResolutionChange) -> None:
        """Announce a change; listeners hear it only once the transaction commits."""
        ...

    async def notify_many(self, changes: Sequence[ResolutionChange]) -> None: ...

    async def notify_work(self) -> None:
        """Wake idle matcher workers (once the transaction commits), where supported."""
        ...


def canonical_from_row(row: Row) -> CanonicalProduct:
    return CanonicalProduct(*row)


def image_from_row(row: Row) -> ProductImage:
    values = list(row)
    values[4] = bool(values[4])  # has_alpha
    values[9] = bool(values[9])  # is_primary
    return ProductImage(*values)


def store_product_from_row(row: Row) -> StoreProduct:
    values = list(row)
    values[10] = bool(values[10])  # use_custom_image
    values[11] = MatchStatus(values[11])
    return StoreProduct(*values)


def resolution_from_rows(rows: Sequence[Row]) -> Resolution:
    """One row per shown image, primary first (a single row of NULL image columns: none)."""
    product_id, canonical_id = rows[0][0], rows[0][1]
    gallery = tuple(
        ResolvedImage(
            image_id,
            digest,
            width,
            height,
            bool(has_alpha),
            ImageSource.CUSTOM if is_custom else ImageSource.CANONICAL,
        )
        for _, _, image_id, digest, width, height, has_alpha, is_custom in rows
        if image_id is not None
    )
    return Resolution(product_id, canonical_id, gallery)


_PRODUCT_STATUS = {
    QueueStatus.SUGGESTED: MatchStatus.SUGGESTED,
    QueueStatus.REVIEW: MatchStatus.REVIEW,
}


def queue_item_from_row(row: Row) -> QueueItem:
    item_id, product_id, status, attempts, confidence, candidates, last_error = row
    ranked = tuple(
        (int(c["canonical_product_id"]), float(c["score"])) for c in json.loads(candidates or "[]")
    )
    return QueueItem(
        item_id, product_id, QueueStatus(status), attempts, confidence, ranked, last_error
    )


def _json(value: object) -> str:
    return json.dumps(value, separators=(",", ":"))


def _sync_rows(items: Sequence[SyncItem]) -> list[dict[str, str | None]]:
    return [
        {
            "external_id": i.external_id,
            "upc": i.upc,
            "gtin": i.gtin,
            "name": i.name,
            "brand": i.brand,
            "image_url": i.image_url,
        }
        for i in items
    ]


def owner_change(canonical_id: int | None, store_product_id: int | None) -> ResolutionChange:
    """The change to announce when an image owner's primary changes."""
    if store_product_id is not None:
        return ResolutionChange(product_id=store_product_id)
    return ResolutionChange(canonical_product_id=canonical_id)


class SQLCatalog:
    """Implements `CatalogRepository` on top of `_tx()` and `_read()` sessions."""

    _listeners: list[ChangeListener]

    def _dispatch(self, change: ResolutionChange) -> None:
        for listener in list(self._listeners):
            try:
                listener(change)
            except Exception:  # one broken listener must not starve the others
                log.exception("resolution change listener failed")

    def _tx(self) -> AbstractAsyncContextManager[Session]:
        raise NotImplementedError

    def _read(self) -> AbstractAsyncContextManager[Session]:
        raise NotImplementedError

    async def _one(self, name: str, *args: Any) -> Row | None:
        async with self._read() as s:
            return await s.one(name, *args)

    async def _all(self, name: str, *args: Any) -> list[Row]:
        async with self._read() as s:
            return await s.all(name, *args)

    async def _write_one(self, name: str, *args: Any) -> Row:
        async with self._tx() as s:
            row = await s.one(name, *args)
        if row is None:
            raise NotFoundError(f"{name}: no row")
        return row

    # Stores

    async def create_store(self, name: str, api_key_hash: str | None = None) -> Store:
        return Store(*await self._write_one("create_store", name, api_key_hash))

    async def get_store_by_name(self, name: str) -> Store | None:
        row = await self._one("get_store_by_name", name)
        return Store(*row) if row else None

    async def get_store_by_api_key_hash(self, api_key_hash: str) -> Store | None:
        row = await self._one("get_store_by_api_key_hash", api_key_hash)
        return Store(*row) if row else None

    # Canonical products

    async def create_canonical_product(
        self, *, gtin: str | None, name: str, brand: str | None
    ) -> CanonicalProduct:
        row = await self._write_one(
            "create_canonical_product", gtin, name, normalize_name(name), brand
        )
        return canonical_from_row(row)

    async def get_canonical_product(self, canonical_id: int) -> CanonicalProduct | None:
        row = await self._one("get_canonical_product", canonical_id)
        return canonical_from_row(row) if row else None

    async def get_canonical_product_by_gtin(self, gtin: str) -> CanonicalProduct | None:
        row = await self._one("get_canonical_product_by_gtin", gtin)
        return canonical_from_row(row) if row else None

    def _search_argument(self, normalized_name: str) -> str | None:
        """The backend's form of a name search (None: nothing searchable)."""
        return normalized_name or None

    async def search_canonical_candidates(
        self, name: str, limit: int = 10
    ) -> list[tuple[CanonicalProduct, float]]:
        argument = self._search_argument(normalize_name(name))
        if argument is None:
            return []
        rows = await self._search(argument, limit)
        return [(canonical_from_row(row[:7]), float(row[7])) for row in rows]

    async def _search(self, argument: str, limit: int) -> list[Row]:
        return await self._all("search_canonical_candidates", argument, limit)

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
        async with self._tx() as s:
            row = await s.one(
                "upsert_store_product", store_id, external_id, upc, gtin, name, brand, image_url
            )
            product = await s.one("get_store_product", row[0]) if row else None
        if product is None:
            raise NotFoundError(f"store {store_id} does not exist")
        return store_product_from_row(product)

    async def sync_products(
        self, store_id: int, items: Sequence[SyncItem], known: Mapping[str, int]
    ) -> list[SyncResult]:
        """Upsert a batch; link GTINs (creating canonical products), queue the rest.

        `known` maps GTINs to canonical ids the caller already knows (its in-memory map),
        saving their lookups. One transaction, a handful of set-based statements.
        """
        if not items:
            return []
        results: list[SyncResult] = []
        async with self._tx() as s:
            rows = await s.all("sync_upsert_products", store_id, _json(_sync_rows(items)))
            before = {row[1]: (row[0], row[2]) for row in rows}  # external id → (id, link)
            canonical_of, created = await self._canonicals_for(s, items, known)
            links, queue, changes = [], [], []
            deltas: Counter[int] = Counter()
            for item in items:
                product_id, previous = before[item.external_id]
                if item.gtin is not None:
                    cid = canonical_of[item.gtin]
                    if previous != cid:
                        links.append({"id": product_id, "canonical_id": cid})
                        changes.append(ResolutionChange(product_id=product_id))
                        deltas[cid] += 1
                        if previous is not None:
                            deltas[previous] -= 1
                    outcome = SyncOutcome.LINKED
                elif previous is not None:
                    cid, outcome = previous, SyncOutcome.KEPT
                else:
                    cid, outcome = None, SyncOutcome.QUEUED
                    queue.append(product_id)
                results.append(
                    SyncResult(item.external_id, product_id, cid, outcome, item.gtin in created)
                )
            if links:
                await s.run("sync_link_products", _json(links))
            counts = [{"id": cid, "delta": d} for cid, d in sorted(deltas.items()) if d]
            if counts:
                await s.all("lock_canonicals", _json([c["id"] for c in counts]))
                await s.run("add_product_counts", _json(counts))
            if queue:
                await s.run("enqueue_matches", _json(queue))
                await s.notify_work()
            await s.notify_many(changes)
        return results

    async def _canonicals_for(
        self, s: Session, items: Sequence[SyncItem], known: Mapping[str, int]
    ) -> tuple[dict[str, int], set[str]]:
        """GTIN → canonical id for every GTIN in the batch, creating the missing ones."""
        canonical_of = {i.gtin: known[i.gtin] for i in items if i.gtin and i.gtin in known}
        first_seen: dict[str, SyncItem] = {}
        for item in items:
            if item.gtin is not None and item.gtin not in canonical_of:
                first_seen.setdefault(item.gtin, item)
        if not first_seen:
            return canonical_of, set()
        new = [
            {"gtin": g, "name": i.name, "normalized_name": normalize_name(i.name), "brand": i.brand}
            for g, i in sorted(first_seen.items())
        ]
        created = {row[1]: row[0] for row in await s.all("sync_create_canonicals", _json(new))}
        canonical_of.update(created)
        others = sorted(set(first_seen) - set(created))
        if others:
            for cid, gtin in await s.all("canonical_ids_by_gtin", _json(others)):
                canonical_of[gtin] = cid
        return canonical_of, set(created)

    async def get_store_product(self, product_id: int) -> StoreProduct | None:
        row = await self._one("get_store_product", product_id)
        return store_product_from_row(row) if row else None

    async def list_store_product_ids(self, store_id: int, limit: int) -> list[int]:
        return [row[0] for row in await self._all("list_store_product_ids", store_id, limit)]

    async def link_store_product(
        self,
        product_id: int,
        canonical_id: int | None,
        status: MatchStatus,
        confidence: float | None = None,
    ) -> None:
        async with self._tx() as s:
            await self._link(s, product_id, canonical_id, status, confidence)

    async def _link(
        self,
        s: Session,
        product_id: int,
        canonical_id: int | None,
        status: MatchStatus,
        confidence: float | None,
    ) -> None:
        """Set a product's link inside a transaction; counts move by deltas, in id order."""
        row = await s.one("get_store_product", product_id)
        if row is None:
            raise NotFoundError(f"store product {product_id} does not exist")
        previous = store_product_from_row(row).canonical_product_id
        await s.run("link_store_product", product_id, canonical_id, str(status), confidence)
        if previous == canonical_id:
            return
        deltas = {cid: d for cid, d in ((previous, -1), (canonical_id, 1)) if cid is not None}
        await s.all("lock_canonicals", _json(sorted(deltas)))
        await s.run("add_product_counts", _json([{"id": c, "delta": d} for c, d in deltas.items()]))
        await s.notify(ResolutionChange(product_id=product_id))

    async def set_use_custom_image(self, product_id: int, use_custom_image: bool) -> None:
        async with self._tx() as s:
            if await s.one("set_use_custom_image", product_id, use_custom_image) is None:
                raise NotFoundError(f"store product {product_id} does not exist")
            await s.notify(ResolutionChange(product_id=product_id))

    # Images

    async def add_image(self, image: NewImage) -> ProductImage:
        custom = image.store_product_id is not None
        owner = image.store_product_id if custom else image.canonical_product_id
        kind = "custom" if custom else "canonical"
        async with self._tx() as s:
            same = await s.one(f"find_{kind}_image_by_hash", owner, image.content_hash)
            if same is not None:
                existing = image_from_row(same)
                if image.is_primary and not existing.is_primary:
                    await self._make_primary(s, existing)
                    existing = replace(existing, is_primary=True)
                return existing
            counts = await s.one(f"next_{kind}_sort_order", owner)
            next_order, existing = counts if counts else (0, 0)
            primary = image.is_primary or existing == 0
            if primary:
                await s.run(f"clear_{kind}_primary", owner)
            row = await s.one(
                "insert_image",
                image.content_hash,
                image.width,
                image.height,
                image.has_alpha,
                image.byte_size,
                image.media_type,
                image.canonical_product_id,
                image.store_product_id,
                primary,
                next_order if image.sort_order is None else image.sort_order,
                image.placeholder,
            )
            if image.canonical_product_id is not None:
                await s.run("refresh_image_count", image.canonical_product_id)
            if primary:
                await s.notify(owner_change(image.canonical_product_id, image.store_product_id))
        if row is None:
            raise NotFoundError("image was not stored")
        return image_from_row(row)

    async def get_image(self, image_id: int) -> ProductImage | None:
        row = await self._one("get_image", image_id)
        return image_from_row(row) if row else None

    async def set_primary_image(self, image_id: int) -> ProductImage:
        async with self._tx() as s:
            row = await s.one("get_image", image_id)
            if row is None:
                raise NotFoundError(f"image {image_id} does not exist")
            image = image_from_row(row)
            if not image.is_primary:
                await self._make_primary(s, image)
        return replace(image, is_primary=True)

    @staticmethod
    async def _make_primary(s: Session, image: ProductImage) -> None:
        owner = image.owner
        await s.run(f"clear_{owner.kind}_primary", owner.id)
        await s.run("set_image_primary", image.id, True)
        await s.notify(owner_change(image.canonical_product_id, image.store_product_id))

    async def list_images(self, owner: ImageOwner) -> list[ProductImage]:
        rows = await self._all(f"list_{owner.kind}_images", owner.id)
        return [image_from_row(r) for r in rows]

    async def find_image_by_hash(self, owner: ImageOwner, content_hash: str) -> ProductImage | None:
        row = await self._one(f"find_{owner.kind}_image_by_hash", owner.id, content_hash)
        return image_from_row(row) if row else None

    async def reorder_images(
        self, owner: ImageOwner, image_ids: Sequence[int]
    ) -> list[ProductImage]:
        """Put the owner's images in this order; the list must name each of them once."""
        async with self._tx() as s:
            current = {
                image_from_row(r).id for r in await s.all(f"list_{owner.kind}_images", owner.id)
            }
            if len(image_ids) != len(set(image_ids)) or set(image_ids) != current:
                raise ConflictError("the order must name each of the owner's images exactly once")
            order = [{"id": image_id, "sort_order": n} for n, image_id in enumerate(image_ids)]
            await s.run("reorder_images", _json(order))
            await s.notify(owner_change(owner.canonical_product_id, owner.store_product_id))
            rows = await s.all(f"list_{owner.kind}_images", owner.id)
        return [image_from_row(r) for r in rows]

    async def delete_image(self, image_id: int) -> tuple[ProductImage, bool]:
        """Delete an image (the next one becomes primary if it was); returns it and whether
        other images still use its bytes (if not, the original may be removed)."""
        async with self._tx() as s:
            row = await s.one("get_image", image_id)
            if row is None:
                raise NotFoundError(f"image {image_id} does not exist")
            image = image_from_row(row)
            owner = image.owner
            await s.run("delete_image", image_id)
            if image.is_primary:
                await s.run(f"promote_first_{owner.kind}", owner.id)
            if owner.canonical_product_id is not None:
                await s.run("refresh_image_count", owner.canonical_product_id)
            left = await s.one("count_images_with_hash", image.content_hash)
            await s.notify(owner_change(owner.canonical_product_id, owner.store_product_id))
        return image, bool(left and left[0])

    async def set_image_fetch_error(self, product_id: int, error: str | None) -> None:
        async with self._tx() as s:
            await s.run("set_image_fetch_error", product_id, error[:1000] if error else None)

    async def resolve(self, product_id: int) -> Resolution | None:
        rows = await self._all("resolve_product", product_id)
        return resolution_from_rows(rows) if rows else None

    # Match queue

    async def claim_matches(self, limit: int, lease_s: float) -> list[QueueItem]:
        async with self._tx() as s:
            rows = await s.all("claim_matches", limit, lease_s)
        return sorted((queue_item_from_row(r) for r in rows), key=lambda item: item.id)

    async def finish_match(
        self,
        item: QueueItem,
        status: QueueStatus,
        *,
        canonical_id: int | None = None,
        confidence: float | None = None,
        candidates: Sequence[tuple[int, float]] = (),
    ) -> bool:
        """Record the worker's outcome; False when the lease was lost to another worker."""
        ranked = _json([{"canonical_product_id": c, "score": sc} for c, sc in candidates])
        async with self._tx() as s:
            fence = await s.one(
                "finish_match", item.id, item.attempts, str(status), confidence, ranked
            )
            if fence is None:
                return False
            if status is QueueStatus.DONE and canonical_id is not None:
                await self._link(
                    s, item.store_product_id, canonical_id, MatchStatus.LINKED, confidence
                )
            elif status in _PRODUCT_STATUS:
                await s.run(
                    "set_match_status", item.store_product_id, _PRODUCT_STATUS[status], confidence
                )
        return True

    async def fail_match(
        self, item: QueueItem, error: str, max_attempts: int
    ) -> QueueStatus | None:
        """Back to pending, or `failed` once `max_attempts` are used; None if lease lost."""
        async with self._tx() as s:
            row = await s.one("fail_match", item.id, item.attempts, error[:2000], max_attempts)
        return QueueStatus(row[0]) if row else None

    async def get_match_item(self, item_id: int) -> QueueItem | None:
        row = await self._one("get_match_item", item_id)
        return queue_item_from_row(row) if row else None

    async def get_match_item_for_product(self, product_id: int) -> QueueItem | None:
        row = await self._one("get_match_item_for_product", product_id)
        return queue_item_from_row(row) if row else None

    async def decide_match(
        self,
        item: QueueItem,
        *,
        canonical_id: int | None,
        product_status: MatchStatus,
    ) -> None:
        """A human's decision: link to `canonical_id` (confirm) or leave unlinked (reject)."""
        async with self._tx() as s:
            await s.run("close_match_item", item.id, str(QueueStatus.DONE))
            if canonical_id is not None:
                await self._link(s, item.store_product_id, canonical_id, product_status, 100.0)
            else:
                await self._link(s, item.store_product_id, None, product_status, None)

    async def queue_counts(self) -> dict[str, int]:
        return {status: count for status, count in await self._all("queue_counts")}

    async def claimable_count(self) -> int:
        row = await self._one("claimable_count")
        return int(row[0]) if row else 0

    async def unlinked_products(self, after_id: int, limit: int) -> list[StoreProduct]:
        rows = await self._all("unlinked_products", after_id, limit)
        return [store_product_from_row(row) for row in rows]

    async def count_unlinked_products(self) -> int:
        row = await self._one("count_unlinked_products")
        return int(row[0]) if row else 0

    async def store_has_link(self, store_id: int, canonical_id: int, except_id: int) -> bool:
        row = await self._one("store_has_link", store_id, canonical_id, except_id)
        return bool(row and row[0])

    # Meta

    async def get_meta(self, key: str) -> str | None:
        row = await self._one("get_meta", key)
        return row[0] if row else None

    async def set_meta(self, key: str, value: str) -> None:
        async with self._tx() as s:
            await s.run("set_meta", key, value)
