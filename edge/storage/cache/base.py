"""The variant cache interface and its key.

A variant is fully named by (content hash, width, format, pipeline version, and for a
cover preset the height and crop it is cut to), so cached
bytes never need invalidation: a changed image has a new hash, a changed pipeline or
encoder setting a new version.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from config.presets import Cover
from edge.imaging.formats import Format

_HASH = re.compile(r"^[0-9a-f]{64}\Z")  # \Z: `$` would also match before a final newline
_PIPELINE = re.compile(r"^[0-9a-z.]{1,32}\Z")


@dataclass(frozen=True, slots=True)
class VariantKey:
    content_hash: str
    width: int
    fmt: Format
    pipeline: str
    cover: Cover | None = None  # a crop to width × cover.height; never the same as a size

    def __post_init__(self) -> None:
        # Keys name files on disk and keys in Redis: only these shapes are ever allowed.
        if not _HASH.match(self.content_hash):
            raise ValueError("content hash must be 64 lowercase hex digits")
        if not 0 < self.width < 1_000_000:
            raise ValueError("width out of range")
        if not _PIPELINE.match(self.pipeline):
            raise ValueError("bad pipeline version")

    @property
    def token(self) -> str:
        """A filesystem- and header-safe string naming the variant."""
        shape = f"w{self.width}"
        if self.cover is not None:
            shape += f"-h{self.cover.height}-{self.cover.crop}"
        return f"{self.content_hash}-{shape}-p{self.pipeline}.{self.fmt.value}"


class VariantTier(Protocol):
    """One cache tier. A tier that fails raises `CacheTierError`; callers skip it."""

    name: str

    async def get(self, key: VariantKey) -> bytes | None: ...

    async def put(self, key: VariantKey, data: bytes) -> None: ...

    async def delete(self, key: VariantKey) -> None: ...

    async def close(self) -> None: ...


class CacheTierError(Exception):
    """A tier could not answer (disk full, I/O error, server down)."""


@runtime_checkable
class ReadsInThread(Protocol):
    """A tier whose reads block (files): a caller on its way to a worker thread anyway
    reads it there with `read_now`, then reports the answer with `was_read` back on the
    event loop (the tier's own bookkeeping lives there)."""

    def read_now(self, key: VariantKey) -> bytes | None: ...

    def was_read(self, key: VariantKey, data: bytes | None) -> None: ...
