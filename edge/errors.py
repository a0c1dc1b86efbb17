"""Errors the edge answers with, as JSON `{"error": {"code", "message"}}`.

    EdgeError                 status, code, public message, whether to log
    ├── BadRequest            400  malformed id, size or format in the URL, bad JSON body
    ├── Unauthorized          401  missing or wrong bearer token
    ├── Forbidden             403  a valid token that may not do this
    ├── NotFound              404  unknown product, product without image, unknown route
    ├── SourceRejected        422  original over the pixel/byte limit, or undecodable (logged)
    ├── RenderTimeout         503  the render missed its deadline (logged)
    └── Unavailable           503  a dependency the request needs is down (logged)

Adapters translate third-party exceptions (pyvips, sqlite, OS) into these; anything else
is a bug and becomes a logged 500 with a generic message, never a traceback.
"""

from __future__ import annotations


class EdgeError(Exception):
    status = 500
    code = "internal_error"
    log = True
    headers: dict[str, str] = {}

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code

    def payload(self) -> dict[str, dict[str, str]]:
        return {"error": {"code": self.code, "message": self.message}}


class BadRequest(EdgeError):
    status = 400
    code = "bad_request"
    log = False


class NotFound(EdgeError):
    status = 404
    code = "not_found"
    log = False


class Unauthorized(EdgeError):
    status = 401
    code = "unauthorized"
    log = False
    headers = {"www-authenticate": 'Bearer realm="imgedge"'}


class Forbidden(EdgeError):
    status = 403
    code = "forbidden"
    log = False


class SourceRejected(EdgeError):
    status = 422
    code = "source_rejected"
    log = True


class RenderTimeout(EdgeError):
    status = 503
    code = "render_timeout"
    log = True


class Unavailable(EdgeError):
    status = 503
    code = "unavailable"
    log = True
