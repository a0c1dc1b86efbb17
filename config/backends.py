"""Which backend a URL names: one registry from URL scheme to the code that opens it,
used both to validate a setting at start-up and to open the backend.

Openers are named as `module:attribute` strings and imported only when opened, so
validating settings imports no driver (asyncpg, redis, aiosqlite).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Backend:
    scheme: str  # what the URL starts with: `sqlite:///`, `redis://`, or a bare word
    opener: str | None  # `module:attribute` of the opener; None: nothing to open
    shape: str  # how the URL looks, for error messages


REGISTRY: dict[str, tuple[Backend, ...]] = {
    "database": (
        Backend("sqlite:///", "catalog.sqlite:SQLiteCatalog.open", "sqlite:///path"),
        Backend("postgresql://", "catalog.postgres:PostgresCatalog.open", "postgresql://…"),
    ),
    "cache": (
        Backend("file://", "edge.storage.cache:open_disk_tier", "file://dir"),
        Backend("redis://", "edge.storage.cache:open_redis_tier", "redis://…"),
        Backend("none", None, "none"),
    ),
    "originals": (
        Backend("file://", "edge.storage.originals:open_local", "file://dir"),
        Backend("s3://", "edge.storage.originals:open_s3", "s3://bucket/prefix"),
    ),
}


def backend_for(kind: str, url: str) -> Backend | None:
    for backend in REGISTRY[kind]:
        if backend.scheme.endswith("/"):
            # A URL scheme: a location must follow (`file://` alone names nothing).
            if url.startswith(backend.scheme) and len(url) > len(backend.scheme):
                return backend
        elif url == backend.scheme:  # a bare word such as `none`
            return backend
    return None


def check_url(kind: str, url: str, setting: str, error: type[Exception]) -> None:
    """Raise `error` (one line naming `setting`) unless a backend of `kind` takes `url`."""
    if backend_for(kind, url) is None:
        shapes = ", ".join(b.shape for b in REGISTRY[kind])
        raise error(f"{setting}: expected {shapes}, got {url!r}")


def opener(kind: str, url: str) -> Callable[..., Any] | None:
    """The function that opens the backend `url` names (None: no backend, e.g. `none`)."""
    backend = backend_for(kind, url)
    if backend is None:
        raise ValueError(f"no {kind} backend for {url!r}")
    if backend.opener is None:
        return None
    module, _, path = backend.opener.partition(":")
    target: Any = importlib.import_module(module)
    for attr in path.split("."):
        target = getattr(target, attr)
    return target  # type: ignore[no-any-return]
