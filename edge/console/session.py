"""Console sessions: a pasted token exchanged for a signed, expiring cookie, and CSRF.

The cookie holds the token's SHA-256 (what the catalog stores, never the token), a random
session id and the expiry, signed with HMAC-SHA256. Each request finds the actor again by
that hash with the API's own code (`actor_for_token_hash`), so a rotated or revoked key
or a changed curator token ends its sessions at once. Signing out records the time for
that token in the catalog: every session of the token issued until then is over, on every
edge process (a copied cookie dies with the sign-out, not 12 hours later). Nothing else
is kept server-side, so any edge process sharing the catalog accepts the cookie.

CSRF: every change carries a token derived from the session id (form field or the
`X-CSRF-Token` header the page scripts send); the sign-in form, before any session exists, uses a
double-submit cookie. The cookies are also `SameSite=Strict`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response

from edge.application.actors import Actor
from edge.errors import Forbidden
from edge.http.auth import actor_for_token_hash
from edge.http.routes import services

SESSION_COOKIE = "imgedge_session"
SIGN_IN_COOKIE = "imgedge_sign_in"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
COOKIE_PATH = "/console"
SECRET_META = "console_session_secret"
SIGNED_OUT_META = "console_signed_out"
_SIGN_IN_TTL_S = 3600


class SignInRequired(Exception):
    """No valid session: the console answers with a redirect to its sign-in page."""


@dataclass(frozen=True, slots=True)
class Session:
    token_hash: str
    session_id: str
    expires: int  # unix seconds
    issued: float  # unix seconds


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class SessionCodec:
    """Signs and checks session cookies and derives their CSRF tokens (pure)."""

    def __init__(self, secret: str) -> None:
        self._key = hashlib.sha256(secret.encode()).digest()

    def _sign(self, purpose: bytes, data: bytes) -> str:
        return _b64(hmac.digest(self._key, purpose + b"|" + data, "sha256"))

    def new_session(self, token_hash: str, ttl_s: int, *, now: float | None = None) -> Session:
        at = time.time() if now is None else now
        return Session(token_hash, secrets.token_urlsafe(16), int(at + ttl_s), at)

    def encode(self, session: Session) -> str:
        payload = {
            "h": session.token_hash,
            "s": session.session_id,
            "e": session.expires,
            "i": session.issued,
        }
        body = _b64(json.dumps(payload, separators=(",", ":")).encode())
        return f"{body}.{self._sign(b'session', body.encode())}"

    def decode(self, value: str, *, now: float | None = None) -> Session | None:
        """The session in a cookie value, or None when forged, malformed or expired."""
        body, dot, signature = value.partition(".")
        if not dot or not hmac.compare_digest(signature, self._sign(b"session", body.encode())):
            return None
        try:
            payload = json.loads(_unb64(body))
            h, s, e, i = payload["h"], payload["s"], payload["e"], payload["i"]
            session = Session(str(h), str(s), int(e), float(i))
        except (ValueError, KeyError, TypeError, binascii.Error):
            return None
        if session.expires <= (time.time() if now is None else now):
            return None
        return session

    def csrf_token(self, session_id: str) -> str:
        return self._sign(b"csrf", session_id.encode())


async def codec(request: Request) -> SessionCodec:
    """The app's codec: the configured key, else one generated once into the catalog
    (shared by every edge process on that catalog)."""
    found: SessionCodec | None = getattr(request.app.state, "console_codec", None)
    if found is not None:
        return found
    svc = services(request)
    secret = svc.settings.console.console_session_secret
    if secret is None:
        secret = await svc.catalog.get_meta(SECRET_META)
        if secret is None:
            await svc.catalog.set_meta(SECRET_META, secrets.token_urlsafe(32))
            # Two processes racing here: the last write wins and both read it back.
            secret = await svc.catalog.get_meta(SECRET_META)
            assert secret is not None
    made = SessionCodec(secret)
    request.app.state.console_codec = made
    return made


async def current_session(request: Request) -> Session | None:
    value = request.cookies.get(SESSION_COOKIE)
    if not value:
        return None
    return (await codec(request)).decode(value)


async def console_actor(request: Request) -> Actor:
    """Who is signed in; raises SignInRequired (→ the sign-in page) when nobody is."""
    cached: Actor | None = getattr(request.state, "console_actor", None)
    if cached is not None:
        return cached
    session = await current_session(request)
    if session is None:
        raise SignInRequired
    svc = services(request)
    actor = await actor_for_token_hash(session.token_hash, svc.settings, svc.catalog)
    if actor is None:  # the key was rotated or revoked, or the curator token changed
        raise SignInRequired
    signed_out = await svc.catalog.get_meta(_signed_out_key(session.token_hash))
    if signed_out is not None and session.issued <= float(signed_out):
        raise SignInRequired
    request.state.console_actor = actor
    request.state.console_session = session
    return actor


def _signed_out_key(token_hash: str) -> str:
    return f"{SIGNED_OUT_META}:{token_hash}"


async def end_sessions(request: Request) -> None:
    """Sign out: every session of the signed-in token issued until now ends, everywhere."""
    await console_actor(request)
    session: Session = request.state.console_session
    key = _signed_out_key(session.token_hash)
    await services(request).catalog.set_meta(key, repr(time.time()))


async def csrf_token(request: Request) -> str:
    """The CSRF token pages embed for the signed-in session."""
    await console_actor(request)
    session: Session = request.state.console_session
    return (await codec(request)).csrf_token(session.session_id)


async def check_csrf(request: Request, form: Mapping[str, object] | None = None) -> None:
    """Refuse a change whose CSRF token (header, else form field) is not the session's."""
    sent = request.headers.get(CSRF_HEADER) or (form or {}).get(CSRF_FIELD)
    expected = await csrf_token(request)
    if not isinstance(sent, str) or not hmac.compare_digest(sent, expected):
        raise Forbidden("the form has expired or did not come from this console", code="csrf")


def _cookie_flags(request: Request) -> dict[str, object]:
    # `Secure` whenever the browser reached us over TLS (uvicorn applies X-Forwarded-Proto
    # from trusted proxies to the scheme); plain http on localhost keeps working.
    secure = request.url.scheme == "https"
    return {"path": COOKIE_PATH, "httponly": True, "samesite": "strict", "secure": secure}


def set_session_cookie(
    request: Request, response: Response, value: str, max_age: int | None
) -> None:
    response.set_cookie(SESSION_COOKIE, value, max_age=max_age, **_cookie_flags(request))  # type: ignore[arg-type]


def clear_session_cookie(request: Request, response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, **_cookie_flags(request))  # type: ignore[arg-type]


def sign_in_nonce(request: Request) -> str:
    """A double-submit token for the sign-in form (the cookie's, else a new one)."""
    return request.cookies.get(SIGN_IN_COOKIE) or secrets.token_urlsafe(16)


def remember_sign_in_nonce(request: Request, response: Response, nonce: str) -> None:
    flags = _cookie_flags(request)
    response.set_cookie(SIGN_IN_COOKIE, nonce, max_age=_SIGN_IN_TTL_S, **flags)  # type: ignore[arg-type]


def check_sign_in_nonce(request: Request, form: Mapping[str, object]) -> None:
    cookie = request.cookies.get(SIGN_IN_COOKIE)
    sent = form.get(CSRF_FIELD)
    if not cookie or not isinstance(sent, str) or not hmac.compare_digest(sent, cookie):
        raise Forbidden("the sign-in form has expired; reload it and try again", code="csrf")


def clear_sign_in_nonce(request: Request, response: Response) -> None:
    response.delete_cookie(SIGN_IN_COOKIE, **_cookie_flags(request))  # type: ignore[arg-type]
