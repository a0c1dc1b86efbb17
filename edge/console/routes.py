"""The console's URLs, all under /console (mounted by `edge.http.app` when enabled)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from edge.console.dashboard import dashboard
from edge.console.forms import read_form
from edge.console.pages import page, render_public
from edge.console.products import product_routes
from edge.console.review import review_routes
from edge.console.session import (
    CSRF_FIELD,
    SESSION_COOKIE,
    SignInRequired,
    check_csrf,
    check_sign_in_nonce,
    clear_session_cookie,
    clear_sign_in_nonce,
    codec,
    console_actor,
    end_sessions,
    remember_sign_in_nonce,
    set_session_cookie,
    sign_in_nonce,
)
from edge.console.stores import store_routes
from edge.http.auth import actor_for_token_hash, hash_token
from edge.http.routes import services

HOME = "/console"
_MAX_TOKEN = 512


def safe_next(raw: str | None) -> str:
    """Where to go after sign-in: a console path only (never another host)."""
    if not raw or not (raw == HOME or raw.startswith(HOME + "/") or raw.startswith(HOME + "?")):
        return HOME
    if "//" in raw or "\\" in raw or any(ord(c) < 0x21 for c in raw):
        return HOME
    return raw


def _sign_in_form(request: Request, *, error: str | None = None, status: int = 200) -> Response:
    nonce = sign_in_nonce(request)
    target = safe_next(request.query_params.get("next"))
    context = {"nonce": nonce, "csrf_field": CSRF_FIELD, "next": target, "error": error}
    response = render_public(request, "sign_in.html", context, status)
    remember_sign_in_nonce(request, response, nonce)
    return response


async def sign_in_page(request: Request) -> Response:
    try:
        await console_actor(request)
    except SignInRequired:
        # A well-signed cookie whose key was rotated or revoked is no session either
        # (redirecting it to the console would loop): show the form, drop the cookie.
        response = _sign_in_form(request)
        if SESSION_COOKIE in request.cookies:
            clear_session_cookie(request, response)
        return response
    return RedirectResponse(safe_next(request.query_params.get("next")), status_code=303)


async def sign_in(request: Request) -> Response:
    form = await read_form(request)
    check_sign_in_nonce(request, form)
    token = form.get("token")
    token = token.strip() if isinstance(token, str) else ""
    svc = services(request)
    actor = None
    if 0 < len(token) <= _MAX_TOKEN:
        actor = await actor_for_token_hash(hash_token(token), svc.settings, svc.catalog)
    if actor is None:
        message = "That token is not a curator token or a store key."
        return _sign_in_form(request, error=message, status=401)
    ttl = svc.settings.console.console_session_ttl_s
    made = await codec(request)
    session = made.new_session(hash_token(token), ttl)
    target = form.get("next")
    response = RedirectResponse(safe_next(target if isinstance(target, str) else None), 303)
    set_session_cookie(request, response, made.encode(session), max_age=ttl)
    clear_sign_in_nonce(request, response)
    return response


async def sign_out(request: Request) -> Response:
    await check_csrf(request, await read_form(request))
    await end_sessions(request)
    response = RedirectResponse("/console/sign-in", status_code=303)
    clear_session_cookie(request, response)
    return response


def console_routes() -> list[BaseRoute]:
    return [
        Route(HOME, page(dashboard), methods=["GET"]),
        Route("/console/sign-in", page(sign_in_page), methods=["GET"]),
        Route("/console/sign-in", page(sign_in), methods=["POST"]),
        Route("/console/sign-out", page(sign_out), methods=["POST"]),
        *product_routes(),
        *store_routes(),
        *review_routes(),
        Mount("/console/static", StaticFiles(packages=[("edge.console", "static")])),
    ]
