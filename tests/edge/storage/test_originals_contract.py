"""One contract suite for every `OriginalsStore`, parametrised over the implementations.

Each implementation is an async factory `(request, tmp_path, monkeypatch) -> StoreCase`
(S3 runs against a real S3-protocol server: moto's, in its own process). Besides the
store, a case knows how to list what the backend holds, how to snapshot everything around
it (to prove a refused name touched nothing), and how to make its writes fail.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from edge.storage import atomic_files
from edge.storage.originals import (
    OriginalNotFound,
    OriginalsError,
    OriginalsStore,
    ReadsInThread,
    open_local,
    open_originals,
)
from tests.s3_server import S3Server


@dataclass
class StoreCase:
    store: OriginalsStore
    objects: Callable[[], Awaitable[set[str]]]  # every object the backend holds, temp or not
    snapshot: Callable[[], object]  # the backend and everything around it
    break_writes: Callable[[], None]  # from now on, the final step of a write fails
    # Ways the store itself goes away (volume gone, replaced, …), by name: after any of
    # them no `put` can succeed, and `ping` must say so.
    breakages: dict[str, Callable[[], None]]


StoreFactory = Callable[[pytest.FixtureRequest, Path, pytest.MonkeyPatch], Awaitable[StoreCase]]


def _tree(top: Path) -> dict[str, int]:
    return {p.relative_to(top).as_posix(): p.lstat().st_size for p in top.rglob("*") if p.is_file()}


async def _local(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> StoreCase:
    root = tmp_path / "deep" / "down" / "originals"

    # A tripwire: were validation missing, `delete("../../etc/passwd")` would unlink a real
    # file outside the root (the tests run as root in CI). Refuse any unlink outside it.
    real_unlink = Path.unlink

    def guarded_unlink(self: Path, missing_ok: bool = False) -> None:
        if not self.resolve().is_relative_to(root.resolve()):
            raise AssertionError(f"unlink outside the store's root: {self}")
        real_unlink(self, missing_ok=missing_ok)

    monkeypatch.setattr(Path, "unlink", guarded_unlink)

    def fail_replace(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    async def objects() -> set[str]:
        return set(_tree(root)) if root.is_dir() else set()

    def replaced_by_a_file() -> None:
        shutil.rmtree(root)
        root.write_bytes(b"")

    return StoreCase(
        store=open_local(f"file://{root}"),
        objects=objects,
        snapshot=lambda: _tree(tmp_path),
        break_writes=lambda: monkeypatch.setattr(atomic_files.os, "replace", fail_replace),
        breakages={
            "directory gone": lambda: shutil.rmtree(root),
            "a file in its place": replaced_by_a_file,
            "not writable": lambda: monkeypatch.setattr(
                "edge.storage.originals.local.os.access", lambda path, mode: False
            ),
        },
    )


async def _s3(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> StoreCase:
    server: S3Server = request.getfixturevalue("s3_server")
    url: str = request.getfixturevalue("s3_url")
    bucket, _, prefix = url.removeprefix("s3://").partition("/")

    async def objects() -> set[str]:
        return set(server.keys(bucket, prefix + "/"))

    def fail_put(*args: object, **kwargs: object) -> None:
        from obstore.exceptions import GenericError

        raise GenericError("Generic S3 error: Error performing PUT: 507 Insufficient Storage")

    return StoreCase(
        store=open_originals(url, timeout_s=5),
        objects=objects,
        snapshot=lambda: server.keys(bucket),
        break_writes=lambda: monkeypatch.setattr(
            "edge.storage.originals.s3.obstore.put_async", fail_put
        ),
        breakages={"directory gone": lambda: server.drop_bucket(bucket)},
    )


FACTORIES: dict[str, StoreFactory] = {
    "local": _local,
    "s3": _s3,
}


@pytest.fixture(params=list(FACTORIES))
async def case(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[StoreCase]:
    yield await FACTORIES[request.param](request, tmp_path, monkeypatch)


JPEG = b"\xff\xd8\xff\xe0 pretend this is a photo \xff\xd9"
PNG = b"\x89PNG\r\n\x1a\n another image"


async def test_put_returns_sha256_of_the_bytes(case: StoreCase) -> None:
    stored = await case.store.put(JPEG)
    assert (stored.digest, stored.created) == (hashlib.sha256(JPEG).hexdigest(), True)
    again = await case.store.put(JPEG)
    assert (again.digest, again.created) == (stored.digest, False)
    assert again.put_at >= stored.put_at  # a put of stored bytes refreshes the put time


async def test_get_round_trips(case: StoreCase) -> None:
    a = (await case.store.put(JPEG)).digest
    b = (await case.store.put(PNG)).digest
    assert await case.store.get(a) == JPEG
    assert await case.store.get(b) == PNG


async def test_same_bytes_are_stored_once(case: StoreCase) -> None:
    first = (await case.store.put(JPEG)).digest
    second = (await case.store.put(bytes(JPEG))).digest
    assert first == second
    assert len(await case.objects()) == 1
    await case.store.put(PNG)
    assert len(await case.objects()) == 2


async def test_a_render_thread_maps_what_get_returns(case: StoreCase) -> None:
    """A store whose originals a render thread reads itself (`map_now`) gives the very
    bytes `get` does, even while a removal has moved them aside, and the same errors."""
    store = case.store
    if not isinstance(store, ReadsInThread):
        pytest.skip("this store is read through the event loop only")
    stored = await store.put(JPEG)
    assert bytes(store.map_now(stored.digest)) == JPEG
    mapped = store.map_now(stored.digest)

    async def checks_while_aside(digest: str) -> bool:
        assert bytes(store.map_now(digest)) == JPEG  # moved aside, still found
        return True

    assert not await store.remove_unreferenced(stored.digest, checks_while_aside, put_before=1e12)
    assert bytes(mapped) == JPEG
    with pytest.raises(OriginalNotFound):
        store.map_now(hashlib.sha256(b"never stored").hexdigest())
    with pytest.raises(ValueError):
        store.map_now("../../etc/passwd")


async def test_get_unknown_raises_not_found(case: StoreCase) -> None:
    with pytest.raises(OriginalNotFound):
        await case.store.get(hashlib.sha256(b"never stored").hexdigest())


async def test_exists(case: StoreCase) -> None:
    digest = (await case.store.put(JPEG)).digest
    assert await case.store.exists(digest)
    assert not await case.store.exists(hashlib.sha256(PNG).hexdigest())


async def test_size(case: StoreCase) -> None:
    digest = (await case.store.put(JPEG)).digest
    assert await case.store.size(digest) == len(JPEG)
    assert await case.store.size(hashlib.sha256(PNG).hexdigest()) is None
    await case.store.delete(digest)
    assert await case.store.size(digest) is None


async def test_delete(case: StoreCase) -> None:
    digest = (await case.store.put(JPEG)).digest
    kept = (await case.store.put(PNG)).digest
    await case.store.delete(digest)
    assert not await case.store.exists(digest)
    with pytest.raises(OriginalNotFound):
        await case.store.get(digest)
    assert await case.store.get(kept) == PNG


async def test_delete_unknown_is_fine(case: StoreCase) -> None:
    """No error, and nothing else is touched: deleting is idempotent."""
    kept = (await case.store.put(PNG)).digest
    held = await case.objects()
    before = case.snapshot()
    never = hashlib.sha256(b"never stored").hexdigest()
    await case.store.delete(never)  # raises nothing, OriginalNotFound included
    assert case.snapshot() == before
    assert not await case.store.exists(never)

    digest = (await case.store.put(JPEG)).digest
    await case.store.delete(digest)
    await case.store.delete(digest)  # the second time it is unknown
    assert not await case.store.exists(digest)
    assert await case.objects() == held
    assert await case.store.get(kept) == PNG


HASH = hashlib.sha256(b"a real one").hexdigest()
BAD_NAMES = {
    "traversal": "../../etc/passwd",
    "long-traversal": "../../" + HASH[6:],
    "short-upper": "ABC",
    "upper": HASH.upper(),
    "63-hex": HASH[:63],
    "65-hex": HASH + "0",
    "hash-slash": HASH + "/x",
    "hash-newline": HASH + "\n",
    "absolute": "/" + HASH[1:],
    "empty": "",
}


@pytest.mark.parametrize("name", list(BAD_NAMES.values()), ids=list(BAD_NAMES))
@pytest.mark.parametrize("operation", ["get", "exists", "size", "delete"])
async def test_non_hash_names_are_refused_before_touching_anything(
    case: StoreCase, operation: str, name: str
) -> None:
    stored = (await case.store.put(b"a real one")).digest
    assert stored == HASH
    before = case.snapshot()
    with pytest.raises(ValueError):
        await getattr(case.store, operation)(name)
    assert case.snapshot() == before
    assert await case.store.get(HASH) == b"a real one"


async def test_failed_write_leaves_nothing_behind(case: StoreCase) -> None:
    case.break_writes()
    with pytest.raises(OriginalsError):
        await case.store.put(JPEG)
    digest = hashlib.sha256(JPEG).hexdigest()
    assert not await case.store.exists(digest)
    with pytest.raises(OriginalNotFound):
        await case.store.get(digest)
    assert await case.objects() == set()  # no partial file, no temporary file


async def test_local_tripwire_works(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The guard in the local factory must itself be able to catch an unlink outside root."""
    await _local(request, tmp_path, monkeypatch)
    victim = tmp_path / "victim"
    victim.write_bytes(b"x")
    with pytest.raises(AssertionError):
        victim.unlink()
    assert victim.read_bytes() == b"x"


async def _never(digest: str) -> bool:
    return False


async def _always(digest: str) -> bool:
    return True


async def test_removal_skips_what_was_put_since_or_is_still_used(case: StoreCase) -> None:
    stored = await case.store.put(JPEG)
    after = stored.put_at + 1
    assert not await case.store.remove_unreferenced(stored.digest, _never, put_before=0)
    assert not await case.store.remove_unreferenced(stored.digest, _always, put_before=after)
    assert await case.store.get(stored.digest) == JPEG

    async def down(digest: str) -> bool:
        raise OSError("no answer")

    with pytest.raises((OSError, OriginalsError)):
        await case.store.remove_unreferenced(stored.digest, down, put_before=after)
    assert await case.store.get(stored.digest) == JPEG  # no answer: kept
    assert len(await case.objects()) == 1  # in its place, not aside

    # Its own put is not "since": the uploader that created it may remove it.
    assert await case.store.remove_unreferenced(stored.digest, _never, put_before=stored.put_at)
    assert not await case.store.exists(stored.digest)
    assert await case.objects() == set()
    never = hashlib.sha256(b"never stored").hexdigest()
    assert not await case.store.remove_unreferenced(never, _never, put_before=after)


async def test_put_before_lists_what_was_last_put_before_the_cutoff(case: StoreCase) -> None:
    old = await case.store.put(JPEG)
    new = await case.store.put(PNG)
    assert new.put_at > old.put_at

    async def listed(cutoff: float) -> set[str]:
        return {d async for batch in case.store.put_before(cutoff) for d in batch}

    assert await listed(old.put_at) == {old.digest}
    assert await listed(new.put_at) == {old.digest, new.digest}
    await case.store.put(JPEG)  # a put of stored bytes counts as a put
    assert await listed(new.put_at) == {new.digest}


async def test_ping_answers_for_a_usable_store_and_writes_nothing(case: StoreCase) -> None:
    await case.store.ping()  # freshly opened, nothing stored yet
    await case.store.put(JPEG)
    before = case.snapshot()
    for _ in range(3):
        await case.store.ping()
    assert case.snapshot() == before


@pytest.mark.parametrize("breakage", ["directory gone", "a file in its place", "not writable"])
async def test_ping_fails_once_the_store_itself_is_gone(case: StoreCase, breakage: str) -> None:
    if breakage not in case.breakages:
        pytest.skip(f"no {breakage!r} for this store")
    await case.store.put(JPEG)
    case.breakages[breakage]()
    with pytest.raises(OriginalsError):
        await case.store.ping()
