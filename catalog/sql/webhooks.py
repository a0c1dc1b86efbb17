"""The webhook outbox's writes that span statements (see `catalog.repository.WebhookOutbox`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from catalog.connector import Session
from catalog.models import NewDelivery, ResolutionChange
from catalog.sql import json_param


async def record(s: Session, changes: Sequence[ResolutionChange]) -> None:
    """Record a transaction's changes with it (once each; a catch-all is never announced
    by a write, only by a reconnecting listener, so none reaches here)."""
    marks = sorted({c.encode() for c in changes if c.encode() != "*"})
    if marks:
        await s.run("webhook_mark_changes", changes=json_param(marks))


async def enqueue(
    s: Session,
    change_ids: Sequence[int],
    deliveries: Sequence[NewDelivery],
    shown: Mapping[int, str | None],
    now: datetime,
) -> None:
    if change_ids:
        await s.run("webhook_delete_changes", ids=json_param(list(change_ids)))
    for d in deliveries:  # a dispatcher's batch: a few dozen at most
        await s.run(
            "webhook_add_delivery",
            event_id=d.event_id,
            event_type=d.event_type,
            store_id=d.store_id,
            store_product_id=d.store_product_id,
            url=d.url,
            store_endpoint=d.store_endpoint,
            body=d.body,
            now=now,
        )
    if shown:
        announced = [{"id": pid, "version": v} for pid, v in sorted(shown.items())]
        await s.run("webhook_set_shown", shown=json_param(announced))
