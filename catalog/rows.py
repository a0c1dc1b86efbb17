"""Rows (mappings by column name) to model values.

SQLite has no boolean type: its 0/1 columns are coerced here, once, for both dialects.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime

from catalog.connector import Row
from catalog.models import (
    CanonicalProduct,
    CatalogStats,
    Delivery,
    DeliveryStatus,
    ImageSource,
    KeyAction,
    KeyEvent,
    ListedProduct,
    MatchStatus,
    ProductImage,
    QueueFigures,
    QueueItem,
    QueueStatus,
    Resolution,
    ResolvedImage,
    ReviewItem,
    Store,
    StoreProduct,
    StoreSummary,
    StoreWebhook,
    WatchedProduct,
)


def store(row: Row) -> Store:
    return Store(id=row["id"], name=row["name"])


def timestamp(value: datetime | str | None) -> datetime | None:
    """A timestamp column: PostgreSQL gives a datetime, SQLite ISO text in UTC."""
    if value is None or isinstance(value, datetime):
        return value
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def key_event(row: Row) -> KeyEvent:
    at = timestamp(row["at"])
    assert at is not None  # NOT NULL
    return KeyEvent(
        id=row["id"],
        store_id=row["store_id"],
        store_name=row["store_name"],
        action=KeyAction(row["action"]),
        actor=row["actor"],
        at=at,
    )


def store_summary(row: Row) -> StoreSummary:
    created_at = timestamp(row["created_at"])
    assert created_at is not None  # NOT NULL
    return StoreSummary(
        id=row["id"],
        name=row["name"],
        product_count=int(row["product_count"]),
        has_key=bool(row["has_key"]),
        created_at=created_at,
        last_sync_at=timestamp(row["last_sync_at"]),
    )


def stats(products: Row, stored: Row | None, queue: Row) -> CatalogStats:
    """Sums come back as Decimal from PostgreSQL (sum of bigint is numeric): int them."""
    counts = {
        name: int(products[name])
        for name in (
            "products", "sharing", "custom_image", "without_image", "by_barcode", "by_name",
            "provisional", "suggested", "review", "unmatched", "rejected", "per_store_bytes",
        )
    }  # fmt: skip
    return CatalogStats(
        **counts,
        stored_bytes=None if stored is None else int(stored["stored_bytes"]),
        review_queue=QueueFigures(int(queue["review_depth"]), timestamp(queue["review_oldest_at"])),
        matcher_queue=QueueFigures(
            int(queue["matcher_depth"]), timestamp(queue["matcher_oldest_at"])
        ),
    )


def canonical(row: Row) -> CanonicalProduct:
    return CanonicalProduct(
        id=row["id"],
        gtin=row["gtin"],
        name=row["name"],
        normalized_name=row["normalized_name"],
        brand=row["brand"],
        image_count=row["image_count"],
        product_count=row["product_count"],
        provisional=bool(row["provisional"]),
        store_named=bool(row["store_named"]),
    )


def image(row: Row) -> ProductImage:
    return ProductImage(
        **{**row, "has_alpha": bool(row["has_alpha"]), "is_primary": bool(row["is_primary"])}
    )


def store_product(row: Row) -> StoreProduct:
    return StoreProduct(
        **{
            **row,
            "use_custom_image": bool(row["use_custom_image"]),
            "match_status": MatchStatus(row["match_status"]),
        }
    )


def listed_product(row: Row) -> ListedProduct:
    """A `search_store_products` row: the product's columns, `total` and `shown_hash`."""
    columns = {k: v for k, v in row.items() if k not in ("total", "shown_hash")}
    return ListedProduct(store_product(columns), row["shown_hash"])


def resolution(rows: Sequence[Row]) -> Resolution:
    """One row per shown image, primary first (a single row of NULL image columns: none)."""
    gallery = tuple(
        ResolvedImage(
            image_id=row["image_id"],
            content_hash=row["content_hash"],
            width=row["width"],
            height=row["height"],
            has_alpha=bool(row["has_alpha"]),
            source=ImageSource.CUSTOM if row["is_custom"] else ImageSource.CANONICAL,
        )
        for row in rows
        if row["image_id"] is not None
    )
    return Resolution(rows[0]["product_id"], rows[0]["canonical_product_id"], gallery)


def queue_item(row: Row) -> QueueItem:
    ranked = tuple(
        (int(c["canonical_product_id"]), float(c["score"]))
        for c in json.loads(row["candidates"] or "[]")
    )
    return QueueItem(
        id=row["id"],
        store_product_id=row["store_product_id"],
        status=QueueStatus(row["status"]),
        attempts=row["attempts"],
        confidence=row["confidence"],
        candidates=ranked,
        last_error=row["last_error"],
    )


_ITEM = "item_"


def review_item(row: Row) -> ReviewItem:
    """A `review_items` row: the queue item's columns prefixed `item_`, then the product's."""
    item = queue_item(
        {
            "id": row["item_id"],
            "store_product_id": row["id"],
            "status": row["item_status"],
            "attempts": row["item_attempts"],
            "confidence": row["item_confidence"],
            "candidates": row["item_candidates"],
            "last_error": row["item_last_error"],
        }
    )
    product = store_product({k: v for k, v in row.items() if not k.startswith(_ITEM)})
    waiting_since = timestamp(row["item_waiting_since"])
    assert waiting_since is not None  # NOT NULL
    return ReviewItem(item, product, waiting_since)


def _required(value: datetime | str | None) -> datetime:
    found = timestamp(value)
    assert found is not None  # NOT NULL
    return found


def delivery(row: Row) -> Delivery:
    return Delivery(
        id=row["id"],
        event_id=row["event_id"],
        event_type=row["event_type"],
        store_id=row["store_id"],
        store_product_id=row["store_product_id"],
        url=row["url"],
        store_endpoint=bool(row["store_endpoint"]),
        body=row["body"],
        status=DeliveryStatus(row["status"]),
        attempts=row["attempts"],
        next_attempt_at=_required(row["next_attempt_at"]),
        last_status_code=row["last_status_code"],
        last_error=row["last_error"],
        created_at=_required(row["created_at"]),
        delivered_at=timestamp(row["delivered_at"]),
    )


def watched_product(row: Row) -> WatchedProduct:
    return WatchedProduct(
        id=row["id"],
        store_id=row["store_id"],
        external_id=row["external_id"],
        announced=bool(row["announced"]),
        announced_version=row["announced_version"],
    )


def store_webhook(row: Row) -> StoreWebhook:
    return StoreWebhook(row["store_id"], row["url"], row["secret"], _required(row["created_at"]))
