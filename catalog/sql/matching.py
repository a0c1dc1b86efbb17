"""The match queue's writes that touch store products too (a worker's or a human's)."""

from __future__ import annotations

from collections.abc import Sequence

from catalog.connector import Session
from catalog.models import MatchStatus, QueueItem, QueueStatus
from catalog.sql import json_param
from catalog.sql.products import link

# What a worker's undecided outcome makes of the store product's status.
_PRODUCT_STATUS = {
    QueueStatus.SUGGESTED: MatchStatus.SUGGESTED,
    QueueStatus.REVIEW: MatchStatus.REVIEW,
}


async def finish(
    s: Session,
    item: QueueItem,
    status: QueueStatus,
    canonical_id: int | None,
    confidence: float | None,
    candidates: Sequence[tuple[int, float]],
) -> bool:
    """Record the worker's outcome; False when the lease was lost to another worker."""
    ranked = [{"canonical_product_id": c, "score": score} for c, score in candidates]
    fence = await s.one(
        "finish_match",
        item_id=item.id,
        attempts=item.attempts,
        status=str(status),
        confidence=confidence,
        candidates=json_param(ranked),
    )
    if fence is None:
        return False
    if status is QueueStatus.DONE and canonical_id is not None:
        await link(s, item.store_product_id, canonical_id, MatchStatus.LINKED, confidence)
    elif status in _PRODUCT_STATUS:
        await s.run(
            "set_match_status",
            product_id=item.store_product_id,
            status=str(_PRODUCT_STATUS[status]),
            confidence=confidence,
        )
    return True


async def decide(
    s: Session, item: QueueItem, canonical_id: int | None, product_status: MatchStatus
) -> None:
    """A human's decision: link to `canonical_id` (confirm) or leave unlinked (reject)."""
    await s.run("close_match_item", item_id=item.id, status=str(QueueStatus.DONE))
    confidence = 100.0 if canonical_id is not None else None
    await link(s, item.store_product_id, canonical_id, product_status, confidence)
