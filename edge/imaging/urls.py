"""The `/img` URLs imgedge hands out, built in one place: with `IMGEDGE_PUBLIC_BASE_URL`
(e.g. a CDN's origin) in front of each, else relative as before."""

from __future__ import annotations

from urllib.parse import quote


def img_url(base: str, product_id: int, segment: str, version: str | None = None) -> str:
    """`<base>/img/<product>/<segment>[?v=<version>]`; `base` is "" or a settings-normalized
    URL without a trailing slash."""
    url = f"{base}/img/{product_id}/{segment}"
    return url if version is None else f"{url}?v={quote(version, safe='')}"
