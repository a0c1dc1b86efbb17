"""The query of a product listing (`GET /api/products`, the console's products page),
checked at the boundary: `q`, `store`, `status`, `image` and `page`."""

from __future__ import annotations

from collections.abc import Mapping

from catalog.models import ImageFilter, MatchStatus, ProductSearch
from edge.application.products import MAX_PAGE
from edge.errors import BadRequest
from edge.http.ids import parse_id, parse_int
from edge.http.text import printable_problem, shown

MAX_TEXT = 200
UNLINKED = "unlinked"  # a `status` beside the match statuses: no canonical link
STATUSES = (*(str(s) for s in MatchStatus), UNLINKED)
IMAGES = tuple(str(i) for i in ImageFilter)


def _choice(raw: str, field: str, choices: tuple[str, ...]) -> str | None:
    if raw == "":
        return None
    if raw not in choices:
        raise BadRequest(
            f"{field} must be one of {', '.join(choices)}, not {shown(raw[:40])!r}",
            code="invalid_field",
        )
    return raw


def parse_product_search(query: Mapping[str, str]) -> tuple[ProductSearch, int]:
    """The search and the page number (from 1) a query asks for; an empty field is absent."""
    text = query.get("q", "").strip()
    if len(text) > MAX_TEXT:
        raise BadRequest(f"q must be at most {MAX_TEXT} characters", code="invalid_field")
    if (problem := printable_problem(text)) is not None:
        raise BadRequest(f"q {problem}", code="invalid_text")
    store = query.get("store", "")
    status = _choice(query.get("status", ""), "status", STATUSES)
    image = _choice(query.get("image", ""), "image", IMAGES)
    page = parse_int(query.get("page", "") or "1", "page")
    if not 1 <= page <= MAX_PAGE:
        raise BadRequest(f"page must be from 1 to {MAX_PAGE}", code="invalid_field")
    search = ProductSearch(
        text=text or None,
        store_id=parse_id(store, "store") if store else None,
        status=None if status in (None, UNLINKED) else MatchStatus(status),
        linked=False if status == UNLINKED else None,
        image=None if image is None else ImageFilter(image),
    )
    return search, page
