"""Review of uncertain matches, as the original system's `/api/images/match`.

- `POST {productId}`: the product's suggested canonical products, scored now, best first,
  by the worker's own `MatchService` (same search, same thresholds).
- `PUT {queueItemId, action: confirm|reject, canonicalProductId?, newProductData?}`:
  confirm links the product (to `canonicalProductId`, else the best stored candidate);
  confirm with `newProductData {name, brand?, upc?}` creates a canonical product and links
  to it; reject leaves the product unlinked and closes the item.
A store may act on its own products only; the curator on any.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from catalog.gtin import InvalidBarcode, normalize_gtin
from catalog.models import MatchStatus
from catalog.repository import CatalogError, ConflictError
from edge.errors import BadRequest, Conflict, NotFound, Unavailable
from edge.http.auth import require_actor
from edge.http.routes import own_product, positive_int, read_json_object, services
from edge.services import Services

SUGGESTIONS = 5


async def find_matches(request: Request) -> JSONResponse:
    svc = services(request)
    actor = await require_actor(request, svc.settings, svc.catalog)
    body = await read_json_object(request)
    try:
        product = await own_product(svc, actor, positive_int(body, "productId"))
        found = await svc.matcher.candidates(product)
        item = await svc.catalog.get_match_item_for_product(product.id)
    except CatalogError as exc:
        raise Unavailable("the catalog is not answering") from exc
    suggestions = [
        {
            "canonicalProductId": s.canonical.id,
            "name": s.canonical.name,
            "brand": s.canonical.brand,
            "gtin": s.canonical.gtin,
            "imageCount": s.canonical.image_count,
            "confidence": s.score,
            "reasons": list(s.reasons),
        }
        for s in found[:SUGGESTIONS]
    ]
    data = {
        "productId": product.id,
        "matchStatus": str(product.match_status),
        "canonicalProductId": product.canonical_product_id,
        "queueItemId": item.id if item else None,
        "queueStatus": str(item.status) if item else None,
        "suggestedMatches": suggestions,
    }
    return JSONResponse({"data": data})


def _new_product_data(body: dict[str, Any]) -> tuple[str, str | None, str | None]:
    data = body.get("newProductData")
    if not isinstance(data, dict):
        raise BadRequest("newProductData must be an object", code="invalid_field")
    name = data.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > 500:
        raise BadRequest("newProductData.name must be 1–500 characters", code="invalid_field")
    brand = data.get("brand")
    if brand is not None and (not isinstance(brand, str) or len(brand) > 200):
        raise BadRequest("newProductData.brand must be a string", code="invalid_field")
    gtin = None
    if data.get("upc") not in (None, ""):
        try:
            gtin = normalize_gtin(data["upc"])
        except InvalidBarcode as exc:
            raise BadRequest(f"newProductData.upc: {exc}", code="invalid_barcode") from None
    return name.strip(), brand, gtin


async def decide_match(request: Request) -> JSONResponse:
    svc = services(request)
    actor = await require_actor(request, svc.settings, svc.catalog)
    body = await read_json_object(request)
    action = body.get("action")
    if action not in ("confirm", "reject"):
        raise BadRequest("action must be confirm or reject", code="invalid_action")
    item_id = positive_int(body, "queueItemId")
    catalog = svc.catalog
    try:
        item = await catalog.get_match_item(item_id)
        if item is None:
            raise NotFound(f"no match queue item {item_id}", code="queue_item_not_found")
        product = await own_product(svc, actor, item.store_product_id)
        if action == "reject":
            await catalog.decide_match(item, canonical_id=None, product_status=MatchStatus.REJECTED)
            canonical_id = None
        else:
            canonical_id = await _confirmed_canonical(svc, body, item.candidates)
            await catalog.decide_match(
                item, canonical_id=canonical_id, product_status=MatchStatus.LINKED
            )
    except ConflictError as exc:
        raise Conflict(f"a canonical product with that barcode exists: {exc}") from None
    except CatalogError as exc:
        raise Unavailable("the catalog is not answering") from exc
    svc.resolver.invalidate(product.id)  # this process sees it at once
    return JSONResponse(
        {
            "data": {
                "queueItemId": item.id,
                "productId": product.id,
                "action": action,
                "canonicalProductId": canonical_id,
                "imageUrl": f"/img/{product.id}/medium" if canonical_id else None,
            }
        }
    )


async def _confirmed_canonical(
    svc: Services, body: dict[str, Any], candidates: tuple[tuple[int, float], ...]
) -> int:
    if body.get("newProductData") is not None:
        name, brand, gtin = _new_product_data(body)
        made = await svc.catalog.create_canonical_product(gtin=gtin, name=name, brand=brand)
        return made.id
    if body.get("canonicalProductId") is not None:
        canonical_id = positive_int(body, "canonicalProductId")
    elif candidates:
        canonical_id = candidates[0][0]
    else:
        raise BadRequest(
            "confirm needs canonicalProductId or newProductData (no stored candidate)",
            code="invalid_field",
        )
    if await svc.catalog.get_canonical_product(canonical_id) is None:
        raise NotFound(f"no canonical product {canonical_id}", code="canonical_not_found")
    return canonical_id
