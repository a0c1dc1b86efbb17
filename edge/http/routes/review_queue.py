"""`GET /api/review-queue[?store=<id>][&after=<queue item id>][&limit=N]`: the uncertain
matches waiting for a person, oldest first, each with its candidates scored now (name,
brand, barcode, thumbnail, score, the matcher's reasons). A store sees its own only; the
decisions go to `PUT /api/images/match`. The rules live in `edge.application.review`."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from edge.errors import BadRequest
from edge.http import payloads
from edge.http.auth import require_actor
from edge.http.bodies import ReviewQueuePage
from edge.http.encoding import json_response
from edge.http.ids import parse_id, parse_int
from edge.http.routes import services

# Each item's candidates are searched and scored when asked: a page is small.
MAX_PAGE = 50
DEFAULT_PAGE = 20


async def review_queue(request: Request) -> Response:
    svc = services(request)
    actor = await require_actor(request, svc.settings, svc.catalog)
    q = request.query_params
    store = parse_id(q["store"], "store", code="invalid_field") if q.get("store") else None
    after = parse_int(q.get("after", "0"), "after")
    limit = parse_int(q.get("limit", str(DEFAULT_PAGE)), "limit")
    if not 0 < limit <= MAX_PAGE:
        raise BadRequest(f"limit must be from 1 to {MAX_PAGE}", code="invalid_field")
    entries = await svc.review.queue(actor, store_id=store, after_id=after, limit=limit)
    waiting = await svc.review.waiting_count(actor, store)
    next_after = entries[-1].item.id if len(entries) == limit else None
    page = ReviewQueuePage([payloads.review_item(e) for e in entries], next_after, waiting)
    return json_response(page, headers={"cache-control": "private, no-store"})
