"""The curator's stores page (`/console/stores`): every store with its product count,
last sync and key state; create one (its key shown once), rotate or revoke a key after
a confirmation page; the latest key changes (the audit trail) below. Plain POST forms
with the CSRF field: all of it works without JavaScript (`store-key.js` only adds a Copy
button). The rules are the API's (`edge.application.stores`): a store gets the 403 page."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from catalog.models import KeyEvent, StoreSummary
from edge.application.actors import Actor
from edge.application.stores import BY_CONSOLE, MAX_STORE_NAME, IssuedKey
from edge.console.figures import moment
from edge.console.forms import read_form
from edge.console.pages import Page, page, render
from edge.console.session import check_csrf, console_actor
from edge.errors import BadRequest, Conflict, NotFound
from edge.http.routes import parse_product_id, services
from edge.http.text import printable_problem

STORES = "/console/stores"
RECENT_KEY_EVENTS = 20  # the key audit trail's newest entries, under the list
# What each confirmation page asks, and what the button says.
_ACTIONS = {
    "rotate": (
        "Rotate the key of {name}?",
        "A new key is shown once. The current key stops working at once: the store's "
        "sync and anyone signed in with it need the new one.",
        "Rotate key",
    ),
    "issue": (
        "Issue a new key for {name}?",
        "Its key was revoked. A new key is shown once; the store's sync and console "
        "sign-in work again with it.",
        "Issue key",
    ),
    "revoke": (
        "Revoke the key of {name}?",
        "No key works for this store until you rotate it again: its sync stops and its "
        "console sessions end. The store and its products stay.",
        "Revoke key",
    ),
}


def _row(s: StoreSummary) -> dict[str, Any]:
    return {
        "id": s.id,
        "name": s.name,
        "products": s.product_count,
        "has_key": s.has_key,
        "last_sync": moment(s.last_sync_at),
        "last_sync_iso": s.last_sync_at.isoformat() if s.last_sync_at else None,
    }


def _event(e: KeyEvent) -> dict[str, Any]:
    return {"store": e.store_name, "action": e.action.value, "by": e.actor,
            "at": moment(e.at), "at_iso": e.at.isoformat()}  # fmt: skip


async def _list_page(
    request: Request, actor: Actor, *, error: str | None = None, name: str = "", status: int = 200
) -> Response:
    stores = services(request).stores
    found = await stores.list_stores(actor)
    events = await stores.key_events(actor, limit=RECENT_KEY_EVENTS)
    context = {
        "stores": [_row(s) for s in found],
        "events": [_event(e) for e in events],
        "error": error,
        "name": name,
        "max_name": MAX_STORE_NAME,
        "notice": {"revoked": "The key was revoked."}.get(request.query_params.get("done", "")),
    }
    return await render(request, "stores.html", context, status)


async def stores_page(request: Request) -> Response:
    return await _list_page(request, await console_actor(request))


async def _key_page(request: Request, issued: IssuedKey, *, made: bool) -> Response:
    context = {"store": issued.store, "key": issued.key, "made": made}
    return await render(request, "store_key.html", context)


async def create_store(request: Request) -> Response:
    actor = await console_actor(request)
    form = await read_form(request)
    await check_csrf(request, form)
    raw = form.get("name")
    name = raw if isinstance(raw, str) else ""
    try:
        if (problem := printable_problem(name)) is not None:
            raise BadRequest(f"The name {problem}.")
        issued = await services(request).stores.create(actor, name, by=BY_CONSOLE)
    except (BadRequest, Conflict) as exc:
        return await _list_page(request, actor, error=exc.message, name=name, status=exc.status)
    return await _key_page(request, issued, made=True)


async def _store(request: Request, actor: Actor) -> StoreSummary:
    store_id = parse_product_id(request.path_params["store"], "store")
    found = [s for s in await services(request).stores.list_stores(actor) if s.id == store_id]
    if not found:
        raise NotFound(f"no store {store_id}", code="store_not_found")
    return found[0]


def _confirm(action: str) -> Page:
    async def confirm_page(request: Request) -> Response:
        store = await _store(request, await console_actor(request))
        asked = "issue" if action == "rotate" and not store.has_key else action
        title, explanation, button = _ACTIONS[asked]
        context = {
            "store": store,
            "action": action,
            "title": title.format(name=store.name),
            "explanation": explanation,
            "button": button,
        }
        return await render(request, "store_confirm.html", context)

    return confirm_page


async def rotate_key(request: Request) -> Response:
    actor = await console_actor(request)
    await check_csrf(request, await read_form(request))
    store_id = parse_product_id(request.path_params["store"], "store")
    issued = await services(request).stores.rotate(actor, store_id, by=BY_CONSOLE)
    return await _key_page(request, issued, made=False)


async def revoke_key(request: Request) -> Response:
    actor = await console_actor(request)
    await check_csrf(request, await read_form(request))
    store_id = parse_product_id(request.path_params["store"], "store")
    await services(request).stores.revoke(actor, store_id, by=BY_CONSOLE)
    return RedirectResponse(f"{STORES}?done=revoked", status_code=303)


def store_routes() -> list[BaseRoute]:
    changes = {"rotate": rotate_key, "revoke": revoke_key}  # "issue" is a rotate
    return [
        Route(STORES, page(stores_page), methods=["GET"]),
        Route(STORES, page(create_store), methods=["POST"]),
        *(
            Route(f"{STORES}/{{store}}/{action}", page(handler), methods=[method])
            for action, change in changes.items()
            for method, handler in (("GET", _confirm(action)), ("POST", change))
        ),
    ]
