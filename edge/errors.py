"""Errors the edge answers with, as JSON `{"error": {"code", "message"}}`.

    EdgeError                 status, code, public message, whether to log
    ├── BadRequest            400  malformed id, size or format in the URL, bad JSON body
    ├── Unauthorized          401  missing or wrong bearer token
    ├── Forbidden             403  a valid token that may not do this
    ├── NotFound              404  unknown product, product without image, unknown route
    ├── Conflict              409  the request contradicts the catalog's state
    ├── PayloadTooLarge       413  an upload over its size limit
    ├── UnsupportedMediaType  415  a file whose bytes are not an accepted image type
    ├── SourceRejected        422  original over the pixel/byte limit, or undecodable (logged)
    ├── BadGateway            502  a store's remote image could not be fetched
    ├── RenderTimeout         503  the render missed its deadline (logged)
    ├── RenderBusy            503  no render room in time (queue full or wait over), Retry-After
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


class Conflict(EdgeError):
    status = 409
    code = "conflict"
    log = False


class PayloadTooLarge(EdgeError):
    status = 413
    code = "payload_too_large"
    log = False


class UnsupportedMediaType(EdgeError):
    status = 415
    code = "unsupported_media_type"
    log = False


class SourceRejected(EdgeError):
    status = 422
    code = "source_rejected"
    log = True


class BadGateway(EdgeError):
    status = 502
    code = "bad_gateway"
    log = False


class RenderTimeout(EdgeError):
    status = 503
    code = "render_timeout"
    log = True


class RenderBusy(EdgeError):
    """The render could not be admitted in time; the original was not read."""

    status = 503
    code = "render_busy"
    log = False

    def __init__(self, message: str, *, retry_after_s: int) -> None:
        super().__init__(message)
        self.headers = {"retry-after": str(max(1, retry_after_s))}


class Unavailable(EdgeError):
    status = 503
    code = "unavailable"
    log = True
