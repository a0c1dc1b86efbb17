"""Review of uncertain matches, as the original system's `/api/images/match`.

- `POST {productId}`: the product's suggested canonical products, scored now, best first.
- `PUT {queueItemId, action: confirm|reject, canonicalProductId?, newProductData?}`:
  confirm links the product (to `canonicalProductId`, else the best stored candidate);
  confirm with `newProductData {name, brand?, upc?}` creates a canonical product and links
  to it; reject leaves the product unlinked and closes the item.
The rules live in `edge.application.review`.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from catalog.gtin import InvalidBarcode, normalize_gtin
from edge.application.review import NewCanonical
from edge.errors import BadRequest
from edge.http.auth import require_actor
from edge.http.bodies import (
    MatchDecided,
    MatchDecidedData,
    MatchDecision,
    MatchRequest,
    MatchSuggestions,
    MatchSuggestionsData,
    NewProductData,
    SuggestedMatch,
)
from edge.http.decoding import read_body
from edge.http.encoding import json_response
from edge.http.routes import services
from edge.http.text import printable_problem
from edge.imaging.urls import img_url


async def find_matches(request: Request) -> Response:
    svc = services(request)
    actor = await require_actor(request, svc.settings, svc.catalog)
    body = await read_body(request, MatchRequest)
    found = await svc.review.suggestions(actor, body.productId)
    product, item = found.product, found.item
    data = MatchSuggestionsData(
        productId=product.id,
        match_status=product.match_status,
        canonicalProductId=product.canonical_product_id,
        queueItemId=item.id if item else None,
        queue_status=item.status if item else None,
        queue_error=item.last_error if item else None,
        suggestedMatches=[
            SuggestedMatch(
                canonicalProductId=s.canonical.id,
                name=s.canonical.name,
                brand=s.canonical.brand,
                gtin=s.canonical.gtin,
                image_count=s.canonical.image_count,
                provisional=s.canonical.provisional,
                store_named=s.canonical.store_named,
                confidence=s.score,
                reasons=list(s.reasons),
            )
            for s in found.best_first
        ],
    )
    return json_response(MatchSuggestions(data))


def new_canonical(data: NewProductData) -> NewCanonical:
    name, brand = data.name.strip(), data.brand
    if not name:
        raise BadRequest("newProductData.name must not be blank", code="invalid_field")
    for field, text in (("name", name), ("brand", brand or "")):
        if (problem := printable_problem(text)) is not None:
            raise BadRequest(f"newProductData.{field} {problem}", code="invalid_field")
    gtin = None
    if data.upc not in (None, ""):
        try:
            gtin = normalize_gtin(data.upc)
        except InvalidBarcode as exc:
            raise BadRequest(f"newProductData.upc: {exc}", code="invalid_barcode") from None
    return NewCanonical(name, brand, gtin)


async def decide_match(request: Request) -> Response:
    svc = services(request)
    actor = await require_actor(request, svc.settings, svc.catalog)
    body = await read_body(request, MatchDecision)
    if body.action == "reject":
        decided = await svc.review.reject(actor, body.queueItemId)
    else:
        new = new_canonical(body.newProductData) if body.newProductData else None
        decided = await svc.review.confirm(
            actor, body.queueItemId, canonical_id=body.canonicalProductId, new=new
        )
    product_id, canonical_id = decided.product.id, decided.canonical_product_id
    data = MatchDecidedData(
        queueItemId=decided.item.id,
        productId=product_id,
        action=body.action,
        canonicalProductId=canonical_id,
        image_url=img_url(svc.settings.server.url_base, product_id, "medium")
        if canonical_id
        else None,
    )
    return json_response(MatchDecided(data))
