"""Rendering console pages: the Jinja2 environment, what every page gets, error pages.

Every page gets the actor, its CSRF token, the review-queue count for the nav, and
`static(name)` for versioned asset URLs. Pages are never cached (they show live state
and carry a CSRF token) and carry a strict Content-Security-Policy: scripts and styles
only from the console's own static files, nothing inline.
"""

from __future__ import annotations

import functools
import hashlib
import logging
from collections.abc import Awaitable, Callable
from importlib import resources
from typing import Any
from urllib.parse import quote

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from catalog import CatalogRepository
from catalog.repository import CatalogError, ConflictError, NotFoundError
from edge.application.actors import Actor
from edge.console.session import SignInRequired, console_actor, csrf_token
from edge.errors import EdgeError
from edge.http.routes import services

log = logging.getLogger("imgedge")

CONSOLE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
PAGE_HEADERS = {"content-security-policy": CONSOLE_CSP, "cache-control": "no-store"}
STATIC_PREFIX = "/console/static/"

Page = Callable[[Request], Awaitable[Response]]


def _static_version() -> str:
    """One hash of every static file: asset URLs change when any asset does."""
    digest = hashlib.sha256()
    for item in sorted(resources.files("edge.console").joinpath("static").iterdir(), key=str):
        if item.is_file():
            digest.update(item.name.encode() + item.read_bytes())
    return digest.hexdigest()[:12]


@functools.cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("edge.console", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    version = _static_version()
    env.globals["static"] = lambda name: f"{STATIC_PREFIX}{name}?v={version}"
    return env


async def queue_count(catalog: CatalogRepository, actor: Actor) -> int:
    """Matches waiting for a person (the nav's badge): a store's own, or every store's."""
    return await catalog.count_review_items(store_id=actor.visible_store(None))


def html(body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(body, status_code=status, headers=PAGE_HEADERS)


async def render(
    request: Request, template: str, context: dict[str, Any] | None = None, status: int = 200
) -> HTMLResponse:
    """A page for the signed-in actor (raises SignInRequired when nobody is)."""
    actor = await console_actor(request)
    page = {
        "request": request,
        "actor": actor,
        "csrf_token": await csrf_token(request),
        "queue_count": await queue_count(services(request).catalog, actor),
        **(context or {}),
    }
    return html(environment().get_template(template).render(page), status)


def render_public(
    request: Request, template: str, context: dict[str, Any], status: int = 200
) -> HTMLResponse:
    """A page shown before sign-in or when the catalog cannot be asked (no nav data)."""
    page = {"request": request, "actor": None, "csrf_token": "", "queue_count": 0, **context}
    return html(environment().get_template(template).render(page), status)


def error_page(request: Request, status: int, message: str) -> HTMLResponse:
    titles = {403: "Not allowed", 404: "Not found", 409: "Conflict", 503: "Unavailable"}
    context = {"status": status, "title": titles.get(status, "Something went wrong")}
    return render_public(request, "error.html", {**context, "message": message}, status)


def sign_in_redirect(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/console/sign-in?next={quote(target, safe='')}", status_code=303)


def page(handler: Page) -> Page:
    """A console endpoint: no session → the sign-in page; the app's errors → an HTML
    error page with their status (the JSON API keeps its JSON errors)."""

    @functools.wraps(handler)
    async def wrapped(request: Request) -> Response:
        try:
            return await handler(request)
        except SignInRequired:
            return sign_in_redirect(request)
        except EdgeError as exc:
            return error_page(request, exc.status, exc.message)
        except NotFoundError as exc:
            return error_page(request, 404, str(exc))
        except ConflictError as exc:
            return error_page(request, 409, str(exc))
        except CatalogError:
            log.warning("console %s: the catalog is not answering", request.url.path, exc_info=True)
            response = error_page(request, 503, "The catalog is not answering; try again soon.")
            response.headers["retry-after"] = "5"
            return response

    return wrapped
