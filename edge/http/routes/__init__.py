"""HTTP routes, one module per concern."""

from __future__ import annotations

import json
import re
from typing import Any

from starlette.requests import Request

from catalog.models import StoreProduct
from edge.application.actors import Actor
from edge.errors import BadRequest
from edge.services import Services

_PRODUCT_ID = re.compile(r"^[1-9][0-9]{0,17}\Z")
MAX_ID = 10**18 - 1  # ids have at most 18 digits, in URLs, forms and JSON bodies alike
MAX_JSON_BYTES = 1024 * 1024


def services(request: Request) -> Services:
    return request.app.state.services


def parse_product_id(raw: str) -> int:
    """Product ids are positive integers; anything else (paths, dots, signs) is refused."""
    if not _PRODUCT_ID.match(raw):
        raise BadRequest(f"invalid product id {raw[:40]!r}", code="invalid_product_id")
    return int(raw)


async def read_json_object(request: Request, max_bytes: int = MAX_JSON_BYTES) -> dict[str, Any]:
    """The request body as a JSON object, read with a size limit."""
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > max_bytes:
            raise BadRequest(f"body over {max_bytes} bytes", code="body_too_large")
    try:
        value = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise BadRequest("body is not valid JSON", code="invalid_json") from None
    if not isinstance(value, dict):
        raise BadRequest("body must be a JSON object", code="invalid_json")
    return value


def is_id(value: object) -> bool:
    """A row id as JSON carries it: an integer from 1 to MAX_ID (no bools, no floats)."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID


def positive_int(body: dict[str, Any], field: str) -> int:
    value = body.get(field)
    if not is_id(value):
        raise BadRequest(f"{field} must be an id from 1 to {MAX_ID}", code="invalid_field")
    assert isinstance(value, int)
    return value


async def own_product(svc: Services, actor: Actor, product_id: int) -> StoreProduct:
    """The product, if it exists and this actor may see and change it (raises otherwise)."""
    return await svc.images.product(actor, product_id)
