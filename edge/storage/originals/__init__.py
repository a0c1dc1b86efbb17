"""Originals stores: where uploaded images live, addressed by content hash."""

from __future__ import annotations

import contextlib
from pathlib import Path

from config.backends import opener
from edge.storage.originals.base import (
    OriginalBytes,
    OriginalNotFound,
    OriginalsError,
    OriginalsStore,
    ReadsInThread,
    StillUsed,
    Stored,
    check_hash,
    content_hash,
)
from edge.storage.originals.local import LocalOriginals


def open_local(url: str, *, timeout_s: float = 0) -> OriginalsStore:
    """The directory is made now, so that readiness can require it (`ping`); if it
    cannot be, the store opens all the same and says so when probed or used."""
    root = Path(url.removeprefix("file://"))
    with contextlib.suppress(OSError):
        root.mkdir(parents=True, exist_ok=True)
    return LocalOriginals(root)


def open_s3(url: str, *, timeout_s: float) -> OriginalsStore:
    """Nothing is asked of the store yet: `check_originals` does that at start-up."""
    from edge.storage.originals.s3 import S3Originals  # imports obstore only when used

    return S3Originals.open(url, timeout_s=timeout_s)


def open_originals(url: str, *, timeout_s: float = 10.0) -> OriginalsStore:
    """The store the originals URL names (`config.backends`); `timeout_s` bounds each
    request of a networked store (a local one has no use for it)."""
    open_store = opener("originals", url)
    assert open_store is not None
    store: OriginalsStore = open_store(url, timeout_s=timeout_s)
    return store


async def check_originals(store: OriginalsStore, setting: str) -> None:
    """At start-up: raise `OriginalsError`, one line naming `setting`, unless the store
    answers (a missing bucket, refused credentials, an endpoint that is down)."""
    try:
        await store.ping()
    except OriginalsError as exc:
        raise OriginalsError(f"{setting}: {exc}") from exc


__all__ = [
    "LocalOriginals",
    "OriginalBytes",
    "OriginalNotFound",
    "OriginalsError",
    "OriginalsStore",
    "ReadsInThread",
    "StillUsed",
    "Stored",
    "check_hash",
    "check_originals",
    "content_hash",
    "open_originals",
]
