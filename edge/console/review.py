"""The review queue in the console: the list, one item at a time, and the decisions.

Every decision is a plain POST form with the CSRF token (pages work without JavaScript)
calling the same use cases as `PUT /api/images/match` (`edge.application.review`), then
moving on to the next waiting item. `review.js` adds the keyboard shortcuts.
"""

from __future__ import annotations

from functools import partial
from typing import Annotated

from msgspec import Meta, Struct
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from catalog.models import QueueStatus
from edge.application.actors import Actor
from edge.application.review import Review
from edge.console.forms import read_form
from edge.console.pages import page, render
from edge.console.session import check_csrf, console_actor
from edge.errors import BadRequest
from edge.http.bodies import MAX_UPC, Brand, Name, NewProductData
from edge.http.decoding import decode_fields
from edge.http.ids import parse_id, parse_int
from edge.http.payloads import canonical_thumbnail
from edge.http.routes import services
from edge.http.routes.match import new_canonical
from edge.http.text import printable_problem
from edge.imaging.urls import img_url
from matcher import reasons

QUEUE = "/console/review"
PAGE = 50  # items per page of the list (it scores nothing, so a page may be long)
MAX_QUERY = 200

# What the matcher's reasons (`matcher.reasons`) mean, for a person.
REASON_LABELS = {
    reasons.GTIN_MATCH: "same barcode",
    reasons.GTIN_CONFLICT: "different barcode",
    reasons.BRAND_MATCH: "same brand",
    reasons.BRAND_MISSING: "brand missing on one side",
    reasons.BRAND_CONFLICT: "different brand",
    reasons.MODEL_MATCH: "same model number",
    reasons.MODEL_CONFLICT: "different model number",
    reasons.MODEL_MISSING: "model number missing on one side",
    reasons.SIZE_CONFLICT: "different size",
    reasons.SIZE_MISSING: "size missing on one side",
    reasons.VARIANT_CONFLICT: "different variant",
    reasons.UNMATCHED_WORDS: "words that do not match",
    reasons.PACK_CONFLICT: "different pack",
    reasons.THIRD_PARTY: "an accessory or third-party product",
    reasons.NUMBER_CONFLICT: "different numbers",
    reasons.AMBIGUOUS: "several candidates score alike",
    reasons.SAME_STORE: "the store already links another product to it",
}
WAITING = (QueueStatus.SUGGESTED, QueueStatus.REVIEW)


class NewProductForm(Struct):
    """The console's "new canonical product" form (a barcode keeps its leading zeros)."""

    name: Annotated[Name, Meta(min_length=1)]
    brand: Brand | None = None
    upc: Annotated[str, Meta(max_length=MAX_UPC)] | None = None


def _review(request: Request) -> Review:
    return services(request).review


def _store_filter(request: Request) -> int | None:
    raw = request.query_params.get("store", "")
    return parse_id(raw, "store") if raw else None


async def queue_page(request: Request) -> Response:
    actor = await console_actor(request)
    store = _store_filter(request)
    after = parse_int(request.query_params.get("after", "0"), "after")
    listed = await _review(request).waiting(actor, store_id=store, after_id=after, limit=PAGE)
    more = f"{QUEUE}?after={listed[-1].item.id}" if len(listed) == PAGE else None
    if more and store is not None:
        more += f"&store={store}"
    context = {"waiting": listed, "more": more, "paged": after > 0}
    return await render(request, "review_queue.html", context)


async def _next_item(request: Request, actor: Actor, after_id: int) -> int | None:
    """The next waiting item after this one, else the first (the queue wraps around)."""
    review = _review(request)
    for start in dict.fromkeys((after_id, 0)):  # 0 once, when it is both
        found = await review.waiting(actor, store_id=None, after_id=start, limit=2)
        ids = [w.item.id for w in found if w.item.id != after_id]
        if ids:
            return ids[0]
    return None


async def first_item(request: Request) -> Response:
    actor = await console_actor(request)
    following = await _next_item(request, actor, 0)
    return RedirectResponse(f"{QUEUE}/{following}" if following else QUEUE, status_code=303)


def _search_query(request: Request) -> str:
    query = request.query_params.get("q", "").strip()
    if len(query) > MAX_QUERY:
        raise BadRequest(f"search at most {MAX_QUERY} characters", code="invalid_field")
    if (problem := printable_problem(query)) is not None:
        raise BadRequest(f"search {problem}", code="invalid_field")
    return query


async def item_page(request: Request) -> Response:
    actor = await console_actor(request)
    item_id = parse_id(request.path_params["item"], "queue item")
    review = _review(request)
    entry = await review.entry(actor, item_id)
    query = _search_query(request)
    found = await review.search_canonical(actor, query) if query else []
    base = services(request).settings.server.url_base
    context = {
        "entry": entry,
        "waiting": entry.item.status in WAITING,
        "next_item": await _next_item(request, actor, item_id),
        "query": query,
        "found": found,
        "decided": request.query_params.get("decided", ""),
        "reason_label": lambda code: REASON_LABELS.get(code, code.replace("_", " ")),
        "thumbnail": partial(canonical_thumbnail, base),
        "product_thumbnail": lambda image: (
            img_url(base, entry.product.id, "thumbnail", image.version) if image else None
        ),
    }
    return await render(request, "review_item.html", context)


async def _decision(request: Request) -> tuple[Actor, int, FormData]:
    actor = await console_actor(request)
    item_id = parse_id(request.path_params["item"], "queue item")
    form = await read_form(request)
    await check_csrf(request, form)
    return actor, item_id, form


async def _moved_on(request: Request, actor: Actor, item_id: int, what: str) -> Response:
    following = await _next_item(request, actor, item_id)
    target = f"{QUEUE}/{following}" if following else QUEUE
    return RedirectResponse(f"{target}?decided={what}", status_code=303)


def _text_fields(form: FormData, *names: str) -> dict[str, str]:
    fields = {}
    for name in names:
        value = form.get(name, "")
        if not isinstance(value, str):
            raise BadRequest(f"{name} must be text", code="invalid_field")
        fields[name] = value
    return fields


async def confirm(request: Request) -> Response:
    actor, item_id, form = await _decision(request)
    raw = _text_fields(form, "canonical_product_id")["canonical_product_id"]
    if not raw:
        raise BadRequest("choose a canonical product to link to", code="invalid_field")
    canonical_id = parse_id(raw, "canonical_product_id")
    await _review(request).confirm(actor, item_id, canonical_id=canonical_id)
    return await _moved_on(request, actor, item_id, "linked")


async def reject(request: Request) -> Response:
    actor, item_id, _ = await _decision(request)
    await _review(request).reject(actor, item_id)
    return await _moved_on(request, actor, item_id, "rejected")


async def create(request: Request) -> Response:
    actor, item_id, form = await _decision(request)
    fields = decode_fields(_text_fields(form, "name", "brand", "upc"), NewProductForm)
    made = new_canonical(NewProductData(fields.name, fields.brand, fields.upc))
    await _review(request).confirm(actor, item_id, new=made)
    return await _moved_on(request, actor, item_id, "created")


def review_routes() -> list[BaseRoute]:
    return [
        Route(QUEUE, page(queue_page), methods=["GET"]),
        Route(f"{QUEUE}/first", page(first_item), methods=["GET"]),
        Route(QUEUE + "/{item}", page(item_page), methods=["GET"]),
        Route(QUEUE + "/{item}/confirm", page(confirm), methods=["POST"]),
        Route(QUEUE + "/{item}/reject", page(reject), methods=["POST"]),
        Route(QUEUE + "/{item}/new", page(create), methods=["POST"]),
    ]
