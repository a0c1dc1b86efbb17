"""Security headers on every answer the app sends.

- `X-Content-Type-Options: nosniff` everywhere: a browser never second-guesses a
  declared type (a JSON error or an uploaded image is never run as HTML or script).
- `Content-Security-Policy: default-src 'none'` on every answer that is not an image and
  does not set its own policy: JSON bodies and errors load nothing and cannot be framed.
  The one HTML page, the `<picture>` fragment, sets `PICTURE_CSP` itself: opened on its
  own it may show this origin's images (and those of IMGEDGE_PUBLIC_BASE_URL's origin,
  `picture_csp`) and its inline placeholder style, nothing else.
  Images get no policy: raster formats run nothing (SVG is never served), and the hot
  path stays a few bytes lighter.

Plain ASGI, wrapped around the whole app (`edge.http.app.EdgeApp`), so the answers of
Starlette's outermost error middleware get the headers too.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

ERROR_CSP = "default-src 'none'; frame-ancestors 'none'"
PICTURE_CSP = "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'"


def picture_csp(base_url: str) -> str:
    """`PICTURE_CSP`, also allowing images from the public base URL's origin if any."""
    if not base_url:
        return PICTURE_CSP
    scheme, _, rest = base_url.partition("://")
    origin = f"{scheme}://{rest.split('/', 1)[0]}"  # settings-checked: no quote, space, ;
    return PICTURE_CSP.replace("img-src 'self'", f"img-src 'self' {origin}")


_NOSNIFF = (b"x-content-type-options", b"nosniff")
_CSP = (b"content-security-policy", ERROR_CSP.encode())


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = message.get("headers", [])
                if not isinstance(headers, list):
                    headers = list(headers)
                message["headers"] = with_security_headers(headers, message["status"])
            await send(message)

        await self.app(scope, receive, send_with_headers)


def with_security_headers(
    headers: list[tuple[bytes, bytes]], status: int
) -> list[tuple[bytes, bytes]]:
    """`headers` with the two added unless present (one pass: this runs on every answer)."""
    nosniff = csp = image = False
    for name, value in headers:
        lowered = name.lower()
        if lowered == b"content-type":
            image = value.startswith(b"image/")
        elif lowered == b"x-content-type-options":
            nosniff = True
        elif lowered == b"content-security-policy":
            csp = True
    if not nosniff:
        headers.append(_NOSNIFF)
    if not csp and (status >= 400 or not image):
        headers.append(_CSP)
    return headers
