"""The match queue's writes that touch store products too (a worker's or a human's)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import replace

from catalog import rows
from catalog.connector import Session
from catalog.models import (
    CuratorDecision,
    MatchOutcome,
    MatchStatus,
    QueueItem,
    QueueStatus,
    ResolutionChange,
)
from catalog.names import normalize_name
from catalog.sql import json_param
from catalog.sql.products import link, lock_canonicals

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


async def finish_many(s: Session, outcomes: Sequence[MatchOutcome]) -> list[bool]:
    """`finish` for a batch, in a few set-based statements: each item's `attempts` fences
    its own lease, and only the items whose fence held touch their products. Per
    outcome (in order), whether it was recorded."""
    if not outcomes:
        return []
    await s.all("lock_match_items", item_ids=json_param(sorted(o.item.id for o in outcomes)))
    fenced = await s.all("finish_matches", outcomes=json_param([_queue_row(o) for o in outcomes]))
    held = {row["id"] for row in fenced}
    outcomes = await _with_provisional(s, [o for o in outcomes if o.item.id in held], outcomes)
    touching = [
        o for o in outcomes if o.item.id in held and (_links(o) or o.status in _PRODUCT_STATUS)
    ]
    if touching:
        await _record_products(s, touching)
    return [o.item.id in held for o in outcomes]


def _links(o: MatchOutcome) -> bool:
    return (o.status is QueueStatus.DONE or o.provisional) and o.canonical_id is not None


async def _with_provisional(
    s: Session, held: Sequence[MatchOutcome], outcomes: Sequence[MatchOutcome]
) -> list[MatchOutcome]:
    """The outcomes, each held `provisional` one given its new provisional canonical
    product: one per name and brand in the batch (two stores' new product in one batch
    share it). The queue item stays in review, for a curator to confirm or merge."""
    wanted = [o for o in held if o.provisional and o.canonical_id is None]
    if not wanted:
        return list(outcomes)
    products = await s.all(
        "get_store_products", product_ids=json_param([o.item.store_product_id for o in wanted])
    )
    by_id = {row["id"]: rows.store_product(row) for row in products}
    key_of: dict[int, tuple[str, str]] = {}  # item → (name, brand), normalized
    new: dict[tuple[str, str], dict[str, object]] = {}  # the first product of each key
    for o in wanted:
        product = by_id[o.item.store_product_id]
        key = key_of[o.item.id] = (
            normalize_name(product.name),
            normalize_name(product.brand or ""),
        )
        new.setdefault(
            key, {"name": product.name, "normalized_name": key[0], "brand": product.brand}
        )
    created = await s.all("create_provisional_canonicals", products=json_param(list(new.values())))
    made = {
        (row["normalized_name"], normalize_name(row["brand"] or "")): row["id"] for row in created
    }
    canonical_of = {item_id: made[key] for item_id, key in key_of.items()}
    return [
        replace(o, canonical_id=canonical_of[o.item.id], confidence=None)
        if o.item.id in canonical_of
        else o
        for o in outcomes
    ]


def _queue_row(o: MatchOutcome) -> dict[str, object]:
    ranked = [{"canonical_product_id": c, "score": score} for c, score in o.candidates]
    return {
        "item_id": o.item.id,
        "attempts": o.item.attempts,
        "status": str(o.status),
        "confidence": o.confidence,
        "candidates": json_param(ranked),
    }


async def _record_products(s: Session, outcomes: Sequence[MatchOutcome]) -> None:
    """What `finish` does to each product (`link`, or `set_match_status`), set-based and
    in the lock order of `lock_canonicals`: the canonical rows whose counts move (by id),
    then the product rows (in a sync's order); counts moved by deltas."""
    ids = [o.item.store_product_id for o in outcomes]
    seen = {
        row["id"]: row["canonical_product_id"]
        for row in await s.all("current_links", product_ids=json_param(ids))
    }
    locked = await lock_canonicals(s, _moving(outcomes, seen))
    rows_now = await s.all("lock_store_products", product_ids=json_param(ids))
    previous = {row["id"]: row["canonical_product_id"] for row in rows_now}
    if late := _moving(outcomes, previous) - locked:  # relinked meanwhile (rare)
        await lock_canonicals(s, late)
    updates, deltas = [], Counter[int]()
    # A held item's product exists: deleting it deletes the queue row (ON DELETE CASCADE),
    # which waits for our lock on that row.
    for o in outcomes:
        pid = o.item.store_product_id
        relink = _links(o)
        status = MatchStatus.LINKED if relink else _PRODUCT_STATUS[o.status]
        updates.append(
            {
                "id": pid,
                "relink": relink,
                "canonical_id": o.canonical_id if relink else None,
                "status": str(status),
                "confidence": o.confidence,
            }
        )
        if relink and o.canonical_id is not None and previous[pid] != o.canonical_id:
            deltas[o.canonical_id] += 1
            if previous[pid] is not None:
                deltas[previous[pid]] -= 1
            s.notify(ResolutionChange(product_id=pid))
    await s.run("set_match_outcomes", products=json_param(updates))
    counts = [{"id": c, "delta": d} for c, d in sorted(deltas.items()) if d]
    if counts:
        await s.run("add_product_counts", deltas=json_param(counts))


def _moving(outcomes: Sequence[MatchOutcome], links: Mapping[int, int | None]) -> set[int]:
    """The canonical products whose counts the outcomes move, given the products' links."""
    moved: set[int] = set()
    for o in outcomes:
        previous = links.get(o.item.store_product_id)
        if _links(o) and o.canonical_id is not None and previous != o.canonical_id:
            moved.add(o.canonical_id)
            if previous is not None:
                moved.add(previous)
    return moved


async def decide(
    s: Session,
    item: QueueItem,
    canonical_id: int | None,
    product_status: MatchStatus,
    decisions: Sequence[CuratorDecision] = (),
) -> None:
    """A human's decision: link to `canonical_id` (confirm) or leave unlinked (reject),
    and the pairs it decided, remembered (before a provisional product it leaves goes)."""
    await s.run("close_match_item", item_id=item.id, status=str(QueueStatus.DONE))
    if decisions:
        await s.run("record_match_decisions", decisions=json_param(_decision_rows(decisions)))
    confidence = 100.0 if canonical_id is not None else None
    previous = await link(s, item.store_product_id, canonical_id, product_status, confidence)
    if previous is not None and previous != canonical_id:
        await _drop_if_unused_provisional(s, previous)


async def _drop_if_unused_provisional(s: Session, canonical_id: int) -> None:
    """A provisional canonical product the matcher made that a person has just moved its
    only product away from (and that holds no image) is gone with it."""
    row = await s.one("get_canonical_product", canonical_id=canonical_id)
    if row is None:
        return
    made = rows.canonical(row)
    if made.provisional and made.product_count == 0 and made.image_count == 0:
        await s.run("delete_canonical", canonical_id=canonical_id)


def _decision_rows(decisions: Sequence[CuratorDecision]) -> list[dict[str, object]]:
    return [
        {
            "name": d.name,
            "brand": d.brand,
            "canonical_id": d.canonical_id,
            "confirmed": d.confirmed,
            "score": d.score,
            "scorer": d.scorer,
            "store_id": d.store_id,
            "product_id": d.product_id,
        }
        for d in decisions
    ]
