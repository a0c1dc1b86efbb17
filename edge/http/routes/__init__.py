"""HTTP routes, one module per concern."""

from __future__ import annotations

import re

from starlette.requests import Request

from edge.errors import BadRequest
from edge.services import Services

_PRODUCT_ID = re.compile(r"^[1-9][0-9]{0,17}\Z")  # bodies.MAX_ID: at most 18 digits


def services(request: Request) -> Services:
    svc: Services = request.app.state.services
    return svc


def parse_product_id(raw: str, what: str = "product") -> int:
    """Ids in paths are positive integers; anything else (paths, dots, signs) is refused."""
    if not _PRODUCT_ID.match(raw):
        code = f"invalid_{what.replace(' ', '_')}_id"
        raise BadRequest(f"invalid {what} id {raw[:40]!r}", code=code)
    return int(raw)
