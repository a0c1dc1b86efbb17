"""The query of the picture routes (`/api/pictures`, `/api/products/<id>/picture`):
product ids, the slot and `sizes`, checked once here."""

from __future__ import annotations

import re

from edge.errors import BadRequest
from edge.http.ids import parse_id
from edge.http.text import shown
from edge.imaging.picture import SLOTS, Slot

MAX_PRODUCTS = 100  # a page of products
MAX_SIZES = 500
# What a CSS `sizes` list is made of (media conditions, lengths, calc(), vw/px/em):
# letters, digits, spaces and `(),.:%+-*/`. No quotes, angle brackets, `;`, `{`, `\`,
# so the value is inert wherever a client puts it.
_SIZES = re.compile(r"[A-Za-z0-9 (),.:%+*/-]+\Z")


def parse_slot(raw: str | None) -> Slot:
    if raw is None:
        return SLOTS["product"]
    slot = SLOTS.get(raw)
    if slot is None:
        raise BadRequest(
            f"slot must be one of {', '.join(SLOTS)}, not {shown(raw[:40])!r}",
            code="invalid_slot",
        )
    return slot


def parse_sizes(raw: str | None, slot: Slot) -> str:
    """The CSS `sizes` to use: the client's, checked, else the slot's default."""
    if raw is None:
        return slot.default_sizes
    value = raw.strip()
    if not value or len(value) > MAX_SIZES or _SIZES.match(value) is None:
        raise BadRequest(
            f"sizes must be a CSS sizes list of 1 to {MAX_SIZES} characters made of letters, "
            "digits, spaces and ( ) , . : % + - * / (no quotes or angle brackets)",
            code="invalid_sizes",
        )
    return value


def parse_product_ids(raw: str | None) -> list[int]:
    """`1,2,3`: ids in the order given, each once; at most `MAX_PRODUCTS` of them."""
    if not raw:
        raise BadRequest(
            "products must list product ids, comma-separated (products=1,2,3)",
            code="invalid_products",
        )
    parts = raw.split(",")
    if len(parts) > 10 * MAX_PRODUCTS:  # bound the work before parsing each
        raise _too_many()
    ids = list(
        dict.fromkeys(parse_id(p, "each of products", code="invalid_products") for p in parts)
    )
    if len(ids) > MAX_PRODUCTS:
        raise _too_many()
    return ids


def _too_many() -> BadRequest:
    return BadRequest(
        f"products lists at most {MAX_PRODUCTS} distinct ids (a page); split the request",
        code="too_many_products",
    )
