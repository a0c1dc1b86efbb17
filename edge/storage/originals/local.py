"""Originals on the local filesystem: `<root>/<ab>/<cd>/<sha256>`, written atomically.

The path is built only from a validated hash, never from anything a caller names.
"""

from __future__ import annotations

from pathlib import Path

import anyio.to_thread

from edge.storage.atomic_files import write_atomic
from edge.storage.originals.base import OriginalNotFound, OriginalsError, check_hash, content_hash


class LocalOriginals:
    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, digest: str) -> Path:
        check_hash(digest)
        return self.root / digest[:2] / digest[2:4] / digest

    async def put(self, data: bytes) -> str:
        digest = content_hash(data)
        try:
            await anyio.to_thread.run_sync(_write_once, self._path(digest), data)
        except OSError as exc:
            raise OriginalsError(f"cannot store original: {exc}") from exc
        return digest

    async def get(self, digest: str) -> bytes:
        try:
            return await anyio.to_thread.run_sync(self._path(digest).read_bytes)
        except FileNotFoundError:
            raise OriginalNotFound(digest) from None
        except OSError as exc:
            raise OriginalsError(f"cannot read original: {exc}") from exc

    async def exists(self, digest: str) -> bool:
        return await anyio.to_thread.run_sync(self._path(digest).exists)

    async def delete(self, digest: str) -> None:
        path = self._path(digest)
        try:
            await anyio.to_thread.run_sync(path.unlink)
        except FileNotFoundError:
            pass
        except OSError as exc:
            raise OriginalsError(f"cannot delete original: {exc}") from exc


def _write_once(path: Path, data: bytes) -> None:
    if not path.exists():  # same hash, same bytes: stored once
        write_atomic(path, data)
