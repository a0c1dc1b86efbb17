"""`POST /api/sync/products`: a store pushes a batch of its products.

The store is the API key's. Items are validated one by one; valid ones are upserted in one
transaction; GTINs link at once; the rest is queued for the matcher
(`edge.application.sync`).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from catalog.models import SyncResult
from edge.errors import BadRequest
from edge.http.auth import require_store
from edge.http.routes import read_json_object, services
from edge.http.sync_input import MAX_BATCH, ParsedItem, parse_batch

MAX_BODY_BYTES = MAX_BATCH * 4096


async def sync_products(request: Request) -> JSONResponse:
    svc = services(request)
    store = await require_store(request, svc.catalog)
    body = await read_json_object(request, max_bytes=MAX_BODY_BYTES)
    try:
        parsed = parse_batch(body)
    except ValueError as exc:
        raise BadRequest(str(exc), code="invalid_batch") from None
    items = [p.item for p in parsed if p.item is not None]
    results = await svc.sync.push(store, items)
    by_external_id = {r.external_id: r for r in results}
    answers = [_answer(p, by_external_id) for p in parsed]
    summary = {"received": len(parsed), "stored": len(results)}
    for r in results:
        summary[r.outcome.value] = summary.get(r.outcome.value, 0) + 1
    summary["errors"] = len(parsed) - len(results)
    return JSONResponse({"store": store.name, "summary": summary, "results": answers})


def _answer(p: ParsedItem, by_external_id: dict[str, SyncResult]) -> dict[str, Any]:
    if p.item is None:
        assert p.error is not None
        return {
            "index": p.index,
            "error": {"code": "invalid_item", "field": p.error.field, "message": str(p.error)},
        }
    r = by_external_id[p.item.external_id]
    answer: dict[str, Any] = {
        "index": p.index,
        "external_id": r.external_id,
        "product_id": r.product_id,
        "canonical_product_id": r.canonical_product_id,
        "match_status": r.outcome.value,
        "created_canonical": r.created_canonical,
    }
    if p.warnings:
        answer["warnings"] = p.warnings
    return answer
