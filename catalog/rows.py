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
    ImageSource,
    MatchStatus,
    ProductImage,
    QueueItem,
    QueueStatus,
    Resolution,
    ResolvedImage,
    ReviewItem,
    Store,
    StoreProduct,
)


def store(row: Row) -> Store:
    return Store(id=row["id"], name=row["name"])


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


def timestamp(value: datetime | str) -> datetime:
    """A timestamp column: asyncpg gives a datetime, SQLite the ISO text it stored (UTC)."""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


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
    return ReviewItem(item, product, timestamp(row["item_waiting_since"]))
