"""Originals stores: where uploaded images live, addressed by content hash."""

from __future__ import annotations

import contextlib
from pathlib import Path

from config.backends import opener
from edge.storage.originals.base import (
    OriginalNotFound,
    OriginalsError,
    OriginalsStore,
    StillUsed,
    Stored,
    check_hash,
    content_hash,
)
from edge.storage.originals.local import LocalOriginals


def open_local(url: str) -> OriginalsStore:
    """The directory is made now, so that readiness can require it (`ping`); if it
    cannot be, the store opens all the same and says so when probed or used."""
    root = Path(url.removeprefix("file://"))
    with contextlib.suppress(OSError):
        root.mkdir(parents=True, exist_ok=True)
    return LocalOriginals(root)


def open_originals(url: str) -> OriginalsStore:
    """The store the originals URL names (`config.backends`)."""
    open_store = opener("originals", url)
    assert open_store is not None
    store: OriginalsStore = open_store(url)
    return store


__all__ = [
    "LocalOriginals",
    "OriginalNotFound",
    "OriginalsError",
    "OriginalsStore",
    "StillUsed",
    "Stored",
    "check_hash",
    "content_hash",
    "open_originals",
]
