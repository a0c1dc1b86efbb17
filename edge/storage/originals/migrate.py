"""Copy every original from one store to another (`imgedge originals migrate`).

Each original is read from the source, its bytes checked against their name, put into the
target and read back from it, and the copy's hash checked again. What the target holds
already at the source's size is skipped: keys are content hashes, so the same size under
the same key is the same original. A run can therefore stop at any point and be started
again; a second run over a finished migration copies nothing. One original failing does
not stop the others: the report lists it, and the command exits non-zero.

Originals a removal holds aside at the moment of listing are not copied (the source's
sweep puts them back; run again). The target's put time is the copy's: its own sweep
still asks the catalog before it removes anything.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import anyio

from edge.storage.originals.base import (
    OriginalNotFound,
    OriginalsError,
    OriginalsStore,
    content_hash,
)

_EVERYTHING_S = 100 * 365 * 86400.0  # a put-before cutoff past every put: list all


@dataclass
class MigrationReport:
    copied: int = 0
    skipped: int = 0  # already in the target
    failed: dict[str, str] = field(default_factory=dict)  # digest → why

    @property
    def ok(self) -> bool:
        return not self.failed

    def lines(self, shown: int = 20) -> list[str]:
        total = self.copied + self.skipped + len(self.failed)
        lines = [
            f"{total} originals: {self.copied} copied, {self.skipped} already there, "
            f"{len(self.failed)} failed"
        ]
        for digest, why in list(self.failed.items())[:shown]:
            lines.append(f"failed {digest}: {why}")
        if len(self.failed) > shown:
            lines.append(f"… and {len(self.failed) - shown} more")
        return lines


async def list_all(store: OriginalsStore) -> list[str]:
    return [d async for batch in store.put_before(time.time() + _EVERYTHING_S) for d in batch]


async def migrate_originals(
    source: OriginalsStore,
    target: OriginalsStore,
    digests: list[str],
    *,
    progress: Callable[[int], object] = lambda n: None,
    concurrency: int = 8,
) -> MigrationReport:
    report = MigrationReport()
    limiter = anyio.CapacityLimiter(concurrency)

    async def one(digest: str) -> None:
        async with limiter:
            try:
                if await _copy(source, target, digest):
                    report.copied += 1
                else:
                    report.skipped += 1
            except (OriginalsError, OriginalNotFound, _Mismatch) as exc:
                report.failed[digest] = str(exc) or type(exc).__name__
            progress(1)

    async with anyio.create_task_group() as tasks:
        for digest in digests:
            tasks.start_soon(one, digest)
    return report


class _Mismatch(Exception):
    pass


async def _copy(source: OriginalsStore, target: OriginalsStore, digest: str) -> bool:
    """True when copied, False when the target had it already."""
    have = await target.size(digest)
    if have is not None and have == await source.size(digest):
        return False
    try:
        data = await source.get(digest)
    except OriginalNotFound:
        raise OriginalNotFound("gone from the source since it was listed") from None
    if content_hash(data) != digest:
        raise _Mismatch("the source's bytes do not match their hash (left as they are)")
    await target.put(data)
    if content_hash(await target.get(digest)) != digest:
        raise _Mismatch("the copy read back does not match its hash")
    return True
