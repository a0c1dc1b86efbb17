"""HTTP routes, one module per concern."""

from __future__ import annotations

from starlette.requests import Request

from edge.http.ids import parse_id
from edge.services import Services


def services(request: Request) -> Services:
    svc: Services = request.app.state.services
    return svc


def parse_product_id(raw: str, what: str = "product") -> int:
    """Ids in paths are positive integers; anything else (paths, dots, signs) is refused."""
    return parse_id(raw, f"{what} id", code=f"invalid_{what.replace(' ', '_')}_id")
