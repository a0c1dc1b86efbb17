"""Originals and the image rows that reference them, kept in step.

- Nothing is written without a row that references it: an upload puts its originals,
  then commits their rows in one transaction; when that fails, `forget` removes what the
  upload created (unless someone put the same bytes after it), and whatever a crash left
  is removed by the sweep once its grace period has passed.
- Nothing referenced is ever deleted: removal (`OriginalsStore.remove_unreferenced`)
  asks the catalog after moving the file aside and skips anything put within the grace
  period, so an upload of the same bytes racing a delete keeps its original.
- The sweep (at start-up, then every `originals_sweep_s`) removes temporary files of
  interrupted writes and originals no image references, both older than the grace
  period (`originals_grace_s`, longer than any upload takes from put to commit).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import anyio

from catalog.errors import CatalogError
from catalog.repository import ImageRepository
from edge.storage.originals import OriginalsError, OriginalsStore, Stored

log = logging.getLogger("imgedge")


@dataclass(frozen=True, slots=True)
class SweepReport:
    leftovers: int  # temporary files (and interrupted removals) handled
    removed: int  # originals no image referenced


class OriginalsKeeper:
    def __init__(
        self,
        store: OriginalsStore,
        catalog: ImageRepository,
        grace_s: float,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self._catalog = catalog
        self._grace_s = grace_s
        self._clock = clock

    async def still_used(self, digest: str) -> bool:
        return digest in await self._catalog.referenced_hashes([digest])

    async def put_all(self, files: Iterable[bytes]) -> list[Stored]:
        """Store each; when one fails, the ones this call created are forgotten first."""
        stored: list[Stored] = []
        try:
            for data in files:
                stored.append(await self.store.put(data))
        except BaseException:
            await self.forget(stored)
            raise
        return stored

    async def forget(self, stored: Sequence[Stored]) -> None:
        """After the rows for `stored` failed to commit: remove the originals these puts
        created, unless a row references them or someone put the same bytes since."""
        for put in stored:
            if put.created:
                await self._remove(put.digest, put_before=put.put_at)

    async def release(self, digests: Iterable[str]) -> None:
        """After image rows were deleted: remove the originals no row references any
        more, unless put within the grace period (the sweep takes those later)."""
        cutoff = self._clock() - self._grace_s
        for digest in dict.fromkeys(digests):
            await self._remove(digest, put_before=cutoff)

    async def _remove(self, digest: str, *, put_before: float) -> bool:
        try:
            return await self.store.remove_unreferenced(
                digest, self.still_used, put_before=put_before
            )
        except (OriginalsError, CatalogError):  # kept: the sweep tries again
            log.warning("could not remove original %s", digest, exc_info=True)
            return False

    async def sweep(self) -> SweepReport:
        cutoff = self._clock() - self._grace_s
        leftovers = await self.store.clean_leftovers(cutoff)
        removed = 0
        async for batch in self.store.put_before(cutoff):
            used = await self._catalog.referenced_hashes(batch)
            for digest in batch:
                if digest not in used and await self._remove(digest, put_before=cutoff):
                    removed += 1
        return SweepReport(leftovers, removed)

    async def sweep_every(self, interval_s: float) -> None:
        """Sweep now, then every `interval_s` (0: only now); a failed sweep is logged and
        tried again at the next interval."""
        while True:
            try:
                report = await self.sweep()
            except (OriginalsError, CatalogError):
                log.warning("originals sweep failed", exc_info=True)
            except Exception:  # a bug here must not stop the serving process
                log.exception("originals sweep failed")
            else:
                if report.leftovers or report.removed:
                    log.info(
                        "originals sweep: %d leftovers, %d unreferenced originals removed",
                        report.leftovers,
                        report.removed,
                    )
            if interval_s <= 0:
                return
            await anyio.sleep(interval_s)
