"""Originals stores: where uploaded images live, addressed by content hash."""

from __future__ import annotations

from pathlib import Path

from edge.storage.originals.base import (
    OriginalNotFound,
    OriginalsError,
    OriginalsStore,
    check_hash,
    content_hash,
)
from edge.storage.originals.local import LocalOriginals


def open_originals(url: str) -> OriginalsStore:
    if url.startswith("file://"):
        return LocalOriginals(Path(url.removeprefix("file://")))
    raise ValueError(f"unsupported originals URL {url!r}")


__all__ = [
    "LocalOriginals",
    "OriginalNotFound",
    "OriginalsError",
    "OriginalsStore",
    "check_hash",
    "content_hash",
    "open_originals",
]
