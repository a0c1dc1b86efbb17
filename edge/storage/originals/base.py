"""The originals store interface: content-addressed by the SHA-256 of the bytes.

Nothing referenced may ever be deleted, and nothing may stay that nothing references.
Both hold because removal is one careful step, `remove_unreferenced`, and because every
`put` (even of bytes already stored) leaves a fresh put time:

1. an upload puts its bytes *before* it commits the image row that references them;
2. removal skips an original put after `put_before`, moves it aside (so a concurrent
   `put` writes a new copy rather than trusting this one), checks the put time again,
   then asks the catalog whether a row references it; only then is the copy dropped,
   else it is moved back.

An upload racing a removal either put its bytes before the move (the second put-time
check sees it) or after (it wrote its own copy). Only an upload slower between its put
and its commit than the grace period the caller chooses could lose, so callers pass
`now - grace` (the sweep) or the time of their own put (an upload cleaning up after a
failed commit: anyone who put the same bytes after it keeps them).
"""

from __future__ import annotations

import hashlib
import mmap
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

_HASH = re.compile(r"^[0-9a-f]{64}\Z")  # \Z: `$` would also match before a final newline

StillUsed = Callable[[str], Awaitable[bool]]
# An original's bytes as a render reads them: a copy, or the file mapped read-only.
OriginalBytes = bytes | mmap.mmap


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


@dataclass(frozen=True, slots=True)
class Stored:
    """What one `put` did."""

    digest: str
    created: bool  # False: the bytes were stored already (their put time is refreshed)
    put_at: float  # the put time it left, seconds since the epoch (the store's clock)


@runtime_checkable
class ReadsInThread(Protocol):
    """A store whose originals are local files: a render thread maps the original
    itself, sparing the trip through another thread and back to the event loop
    (`edge/imaging/variants.py`)."""

    def map_now(self, digest: str) -> OriginalBytes:
        """Blocking: the original's bytes, mapped read-only where the store can (no copy;
        the mapping lives as long as the object); raises `OriginalNotFound` or
        `OriginalsError`."""
        ...


class OriginalsStore(Protocol):
    async def put(self, data: bytes) -> Stored:
        """Store the bytes (once), or refresh the put time of bytes stored already; a
        missing original is written again."""
        ...

    async def get(self, digest: str) -> bytes:
        """The bytes stored under `digest`; raises `OriginalNotFound`."""
        ...

    async def exists(self, digest: str) -> bool: ...

    async def size(self, digest: str) -> int | None:
        """How many bytes are stored under `digest`, None when nothing is (a migration
        skips what its target has already)."""
        ...

    async def ping(self) -> None:
        """Raise `OriginalsError` unless the store can take a `put` now (readiness); it
        writes nothing, so probing it often costs nothing."""
        ...

    async def delete(self, digest: str) -> None:
        """Remove unconditionally (tests, tools); the service uses `remove_unreferenced`."""
        ...

    async def remove_unreferenced(
        self, digest: str, still_used: StillUsed, *, put_before: float
    ) -> bool:
        """Remove the original unless it was put after `put_before` or `still_used`
        says a row references it (asked after it was moved aside); True if removed."""
        ...

    def put_before(self, cutoff: float) -> AsyncIterator[list[str]]:
        """The stored digests last put before `cutoff`, a batch at a time (the sweep's
        candidates)."""
        ...

    async def clean_leftovers(self, older_than: float) -> int:
        """Remove temporary files of interrupted writes older than `older_than`, and put
        back originals an interrupted removal left aside; how many files were handled."""
        ...
