"""HTTP caching decisions for /img: Cache-Control, strong ETags and If-None-Match."""

from __future__ import annotations

IMMUTABLE = "public, max-age=31536000, immutable"


def cache_control(
    requested_version: str | None,
    current_version: str,
    max_age: int,
    swr: int,
    *,
    stale_max_age: int | None = None,
) -> str:
    """Immutable only for a `?v=` that names the bytes served now; else short-lived.

    `current_version` is that of the image chosen for this request: the one the `v`
    names when the product shows it (a gallery image), else the primary (a previous
    version within its grace). `stale_max_age` is given when the resolution is stale
    (the catalog is down): then a short max-age, whatever the URL, so caches ask again
    soon after the catalog is back."""
    if stale_max_age is not None:
        return f"public, max-age={min(max_age, stale_max_age)}"
    if requested_version is not None and requested_version == current_version:
        return IMMUTABLE
    return f"public, max-age={max_age}, stale-while-revalidate={swr}"


def strong_etag(variant_token: str) -> str:
    return f'"{variant_token}"'


def if_none_match_hits(header: str | None, etag: str) -> bool:
    """RFC 9110 §13.1.2: weak comparison; `*` matches any current representation."""
    if not header:
        return False
    for candidate in header.split(","):
        tag = candidate.strip()
        if tag == "*":
            return True
        if tag.removeprefix("W/") == etag:
            return True
    return False
