"""Rows (mappings by column name) to model values.

SQLite has no boolean type: its 0/1 columns are coerced here, once, for both dialects.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from catalog.connector import Row
from catalog.models import (
    CanonicalProduct,
    ImageSource,
    ListedProduct,
    MatchStatus,
    ProductImage,
    QueueItem,
    QueueStatus,
    Resolution,
    ResolvedImage,
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
