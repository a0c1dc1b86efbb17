"""The originals store interface: content-addressed by the SHA-256 of the bytes."""

from __future__ import annotations

import hashlib
import re
from typing import Protocol

_HASH = re.compile(r"^[0-9a-f]{64}\Z")  # \Z: `$` would also match before a final newline


class OriginalNotFound(Exception):
    """No original is stored under this hash."""


class OriginalsError(Exception):
    """The store could not read or write (I/O error, disk full)."""


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def check_hash(value: str) -> str:
    """Only a 64-digit lowercase hex string may ever name an original."""
    if not _HASH.match(value):
        raise ValueError("not a SHA-256 content hash")
    return value


class OriginalsStore(Protocol):
    async def put(self, data: bytes) -> str:
        """Store the bytes (once) and return their content hash."""
        ...

    async def get(self, digest: str) -> bytes:
        """The bytes stored under `digest`; raises `OriginalNotFound`."""
        ...

    async def exists(self, digest: str) -> bool: ...

    async def delete(self, digest: str) -> None: ...
