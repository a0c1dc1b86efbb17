"""Bearer tokens: the curator (admin) token and store API keys.

Tokens are high-entropy random strings, stored only as SHA-256 hashes. The admin token is
compared in constant time; a store key is found by its hash (an index lookup on a digest
reveals nothing usable about the key). Neither the database nor timing gives them away.
"""

from __future__ import annotations

import hmac

from starlette.requests import Request

from catalog import CatalogRepository
from catalog.models import Store
from config import Settings
from edge.application.actors import CURATOR, Actor

# Generated and hashed in the application layer; imported from here by callers too.
from edge.application.keys import hash_token as hash_token
from edge.application.keys import new_store_key as new_store_key
from edge.errors import Unauthorized

ADMIN_TOKEN_META = "admin_token_sha256"


def bearer_token(request: Request) -> str:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("a bearer token is required", code="token_missing")
    return token.strip()


async def _curator_hash(settings: Settings, catalog: CatalogRepository) -> str | None:
    if settings.server.admin_token:
        return hash_token(settings.server.admin_token)
    return await catalog.get_meta(ADMIN_TOKEN_META)


async def actor_for_token_hash(
    token_hash: str, settings: Settings, catalog: CatalogRepository
) -> Actor | None:
    """The curator, or the store whose key hashes to `token_hash`; None for neither. A
    console session carries the hash, so a rotated or revoked token ends its sessions."""
    expected = await _curator_hash(settings, catalog)
    if expected is not None and hmac.compare_digest(token_hash, expected):
        return CURATOR
    store = await catalog.get_store_by_api_key_hash(token_hash)
    return None if store is None else Actor(store=store)


async def require_actor(request: Request, settings: Settings, catalog: CatalogRepository) -> Actor:
    """The curator, or the store whose API key this is."""
    actor = await actor_for_token_hash(hash_token(bearer_token(request)), settings, catalog)
    if actor is None:
        raise Unauthorized("the API key is not valid", code="token_invalid")
    return actor


async def require_store(request: Request, catalog: CatalogRepository) -> Store:
    """The store whose API key is the bearer token."""
    token = bearer_token(request)
    store = await catalog.get_store_by_api_key_hash(hash_token(token))
    if store is None:
        raise Unauthorized("the API key is not valid", code="token_invalid")
    return store
