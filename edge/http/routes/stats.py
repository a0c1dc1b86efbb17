"""`GET /api/stats`: the dashboard's figures (`edge.application.stats`). The curator sees
the whole marketplace (figures up to a few seconds old); a store sees its own products
(whether they share images with other stores, how they were matched, its queue items),
without the storage figures, which belong to the marketplace."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from catalog.models import QueueFigures
from edge.application.stats import SHARING_TARGET, STORAGE_TARGET, Figures
from edge.http.auth import require_actor
from edge.http.bodies import (
    ImageSharing,
    Matching,
    QueueStats,
    ShownImages,
    StatsAnswer,
    Storage,
    StoreRef,
)
from edge.http.encoding import json_response
from edge.http.routes import services


def _queue(figures: Figures, queue: QueueFigures) -> QueueStats:
    return QueueStats(queue.depth, queue.oldest_at, figures.age_s(queue))


def stats_answer(figures: Figures, store: StoreRef | None) -> StatsAnswer:
    s = figures.stats
    storage = None
    if s.stored_bytes is not None:
        storage = Storage(s.stored_bytes, s.per_store_bytes, s.storage_saved, STORAGE_TARGET)
    shown_canonical = s.products - s.custom_image - s.without_image
    return StatsAnswer(
        store=store,
        computed_at=figures.computed_at,
        products=s.products,
        image_sharing=ImageSharing(s.sharing, s.sharing_share, SHARING_TARGET),
        storage=storage,
        images=ShownImages(shown_canonical, s.custom_image, s.without_image),
        matching=Matching(
            s.by_barcode, s.by_name, s.provisional, s.suggested, s.review, s.unmatched, s.rejected
        ),
        review_queue=_queue(figures, s.review_queue),
        matcher_queue=_queue(figures, s.matcher_queue),
    )


async def get_stats(request: Request) -> Response:
    svc = services(request)
    actor = await require_actor(request, svc.settings, svc.catalog)
    figures = await svc.stats.figures(actor)
    store = None if actor.store is None else StoreRef(actor.store.id, actor.store.name)
    return json_response(stats_answer(figures, store), headers={"cache-control": "no-store"})
