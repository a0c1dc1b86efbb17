"""Bearer tokens: the curator (admin) token. Tokens are stored and compared hashed,
in constant time, so neither the database nor a timing side channel gives them away."""

from __future__ import annotations

import hashlib
import hmac

from starlette.requests import Request

from catalog import CatalogRepository
from catalog.repository import CatalogError
from config import Settings
from edge.errors import Unauthorized, Unavailable

ADMIN_TOKEN_META = "admin_token_sha256"


def hash_token(token: str) -> str:
    """Tokens are random and long, so one SHA-256 is the right hash (no password KDF)."""
    return hashlib.sha256(token.encode()).hexdigest()


def bearer_token(request: Request) -> str:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("a bearer token is required", code="token_missing")
    return token.strip()


async def require_curator(request: Request, settings: Settings, catalog: CatalogRepository):
    """Pass for the curator token (IMGEDGE_ADMIN_TOKEN, else the demo's stored hash)."""
    presented = hash_token(bearer_token(request))
    if settings.admin_token:
        expected: str | None = hash_token(settings.admin_token)
    else:
        try:
            expected = await catalog.get_meta(ADMIN_TOKEN_META)
        except CatalogError as exc:
            raise Unavailable("the catalog is not answering") from exc
    if expected is None or not hmac.compare_digest(presented, expected):
        raise Unauthorized("the token is not valid for this action", code="token_invalid")
