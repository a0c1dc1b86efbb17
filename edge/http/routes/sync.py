"""`POST /api/sync/products`: a store pushes a batch of its products.

The store is the API key's. Items are validated one by one (`edge.http.sync_input`); valid
ones are upserted in one transaction; GTINs link at once; the rest is queued for the
matcher (`edge.application.sync`).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from catalog.models import SyncResult
from edge.http.auth import require_store
from edge.http.bodies import (
    MAX_BATCH,
    ItemErrorDetail,
    SyncAnswer,
    SyncItemError,
    SyncItemResult,
    SyncSummary,
)
from edge.http.decoding import read_bytes
from edge.http.encoding import json_response
from edge.http.routes import services
from edge.http.sync_input import ParsedItem, decode_batch, parse_batch

MAX_BODY_BYTES = MAX_BATCH * 4096


async def sync_products(request: Request) -> Response:
    svc = services(request)
    store = await require_store(request, svc.catalog)
    data = await read_bytes(request, max_bytes=MAX_BODY_BYTES)
    parsed = parse_batch(decode_batch(data))
    items = [p.item for p in parsed if p.item is not None]
    results = await svc.sync.push(store, items)
    by_external_id = {r.external_id: r for r in results}
    outcomes = {"linked": 0, "queued": 0, "kept": 0}
    for r in results:
        outcomes[r.outcome.value] += 1
    svc.sync.outcomes["invalid"] += len(parsed) - len(results)
    summary = SyncSummary(
        received=len(parsed), stored=len(results), errors=len(parsed) - len(results), **outcomes
    )
    answers = [_answer(p, by_external_id) for p in parsed]
    return json_response(SyncAnswer(store.name, summary, answers))


def _answer(p: ParsedItem, by_external_id: dict[str, SyncResult]) -> SyncItemResult | SyncItemError:
    if p.item is None:
        assert p.error is not None
        return SyncItemError(p.index, ItemErrorDetail("invalid_item", p.error.field, str(p.error)))
    r = by_external_id[p.item.external_id]
    return SyncItemResult(
        index=p.index,
        external_id=r.external_id,
        product_id=r.product_id,
        canonical_product_id=r.canonical_product_id,
        match_status=r.outcome,
        created_canonical=r.created_canonical,
        warnings=p.warnings,
    )
