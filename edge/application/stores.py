"""Stores and their API keys, the curator's alone: list, create, rotate and revoke.

A key is shown once, when it is made (`IssuedKey`): only its hash is stored. Rotating
replaces the hash, so the old key stops working with the commit; revoking clears it, so
no key works until a new one is issued. The store and its products stay either way.

Each key made, rotated or revoked is written to the audit trail in the same transaction
(`KeyEvent`: what, when, and through which door the curator came: `curator` for the
API, `console`, or `cli`), never the key.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from catalog.errors import ConflictError, NotFoundError
from catalog.models import KeyEvent, Store, StoreSummary
from edge.application.actors import Actor
from edge.application.keys import hash_token, new_store_key
from edge.errors import BadRequest, Conflict, NotFound

MAX_STORE_NAME = 200
# Who changed a key, as the audit trail records it: the door the curator came through.
BY_API, BY_CONSOLE, BY_CLI = "curator", "console", "cli"
MAX_KEY_EVENTS = 200


class StoreCatalog(Protocol):
    async def create_store(
        self, name: str, api_key_hash: str | None = None, *, actor: str | None = None
    ) -> Store: ...

    async def list_stores(self) -> list[StoreSummary]: ...

    async def set_store_key(
        self, store_id: int, api_key_hash: str | None, *, actor: str | None = None
    ) -> Store: ...

    async def key_events(self, store_id: int | None = None, limit: int = 100) -> list[KeyEvent]: ...


@dataclass(frozen=True, slots=True)
class IssuedKey:
    store: Store
    key: str  # the plain key: show it once, never store it


def store_name(raw: str) -> str:
    """A store's name as kept: without surrounding blanks, 1 to MAX_STORE_NAME characters."""
    name = raw.strip()
    if not name:
        raise BadRequest("the name must not be blank", code="invalid_field")
    if len(name) > MAX_STORE_NAME:
        raise BadRequest(f"the name is over {MAX_STORE_NAME} characters", code="invalid_field")
    return name


class Stores:
    def __init__(self, catalog: StoreCatalog) -> None:
        self._catalog = catalog

    async def list_stores(self, actor: Actor) -> list[StoreSummary]:
        actor.check_curator("lists stores")
        return await self._catalog.list_stores()

    async def create(self, actor: Actor, name: str, *, by: str) -> IssuedKey:
        actor.check_curator("creates stores")
        name = store_name(name)
        key = new_store_key()
        try:
            store = await self._catalog.create_store(name, api_key_hash=hash_token(key), actor=by)
        except ConflictError:
            raise Conflict(f"a store named {name!r} exists", code="store_exists") from None
        return IssuedKey(store, key)

    async def rotate(self, actor: Actor, store_id: int, *, by: str) -> IssuedKey:
        """A new key for the store; the old one (if any) stops working at once."""
        actor.check_curator("rotates store keys")
        key = new_store_key()
        return IssuedKey(await self._set_key(store_id, hash_token(key), by), key)

    async def revoke(self, actor: Actor, store_id: int, *, by: str) -> Store:
        """No key works for the store until it is rotated again."""
        actor.check_curator("revokes store keys")
        return await self._set_key(store_id, None, by)

    async def key_events(
        self, actor: Actor, store_id: int | None = None, *, limit: int = MAX_KEY_EVENTS
    ) -> list[KeyEvent]:
        """The key audit trail, newest first: one store's (NotFound if there is no such
        store) or every store's."""
        actor.check_curator("reads the key audit trail")
        events = await self._catalog.key_events(store_id, limit)
        if (
            store_id is not None
            and not events
            and all(s.id != store_id for s in await self._catalog.list_stores())
        ):
            raise _no_store(store_id)
        return events

    async def _set_key(self, store_id: int, api_key_hash: str | None, by: str) -> Store:
        try:
            return await self._catalog.set_store_key(store_id, api_key_hash, actor=by)
        except NotFoundError:
            raise _no_store(store_id) from None


def _no_store(store_id: int) -> NotFound:
    return NotFound(f"no store {store_id}", code="store_not_found")
