"""Originals in step with their rows: a delete racing an upload of the same bytes never
loses the original (each interleaving forced with gates, not timing), and the sweep
removes crash leftovers and unreferenced originals past their grace period, only those."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

import pytest

from catalog.models import ImageOwner
from edge.application.actors import Actor
from edge.application.originals import OriginalsKeeper
from edge.demo.photos import PhotoSpec, photo
from edge.http.app import create_app
from edge.storage.originals import content_hash
from edge.storage.originals.local import ASIDE_SUFFIX

HOUR = 3600.0
BYTES = photo(PhotoSpec(320, 240, (10, 120, 200), "box"))
DIGEST = content_hash(BYTES)


def path_of(services, digest: str = DIGEST) -> Path:
    return services.originals.root / digest[:2] / digest[2:4] / digest


def age(path: Path, seconds: float = 2 * HOUR) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


class Gate:
    """Holds a coroutine at one point until the test opens it."""

    def __init__(self) -> None:
        self.reached = asyncio.Event()
        self.opened = asyncio.Event()

    async def wait(self) -> None:
        self.reached.set()
        await asyncio.wait_for(self.opened.wait(), 5)

    async def until_reached(self) -> None:
        await asyncio.wait_for(self.reached.wait(), 5)


@pytest.fixture
async def two_owners(build, services):
    """Product A shows BYTES as its own image (uploaded long ago); B has no image."""
    a = await build.product(None, store="A")
    b = await build.product(None, store="B")
    [uploaded] = await services.images.upload(ImageOwner(store_product_id=a.id), [BYTES])
    age(path_of(services))
    return a, b, uploaded.image


async def test_an_upload_after_the_delete_committed_keeps_the_original(two_owners, services):
    """The interleaving of the reported loss: the delete's transaction found the bytes
    unused, another store's upload of them committed, then the delete removes the file."""
    _a, b, image = two_owners
    _, still_used = await services.catalog.delete_image(image.id)
    assert not still_used
    await services.images.upload(ImageOwner(store_product_id=b.id), [BYTES])
    await services.keeper.release([DIGEST])
    assert await services.originals.get(DIGEST) == BYTES


async def test_a_delete_while_an_upload_waits_to_commit_keeps_the_original(
    two_owners, services, monkeypatch
):
    a, b, image = two_owners
    gate = Gate()
    add_images = services.catalog.add_images

    async def gated(*args, **kwargs):
        await gate.wait()  # the upload has put its original, its row is not committed
        return await add_images(*args, **kwargs)

    monkeypatch.setattr(services.catalog, "add_images", gated)
    upload = asyncio.create_task(services.images.upload(ImageOwner(store_product_id=b.id), [BYTES]))
    await gate.until_reached()
    await services.images.delete(Actor(None), a.id, image.id)
    assert path_of(services).exists()  # put just now: within the grace period
    gate.opened.set()
    [uploaded] = await upload
    assert uploaded.image.content_hash == DIGEST
    assert await services.originals.get(DIGEST) == BYTES


async def test_an_upload_during_the_removal_keeps_the_original(two_owners, services, monkeypatch):
    """The removal has moved the file aside and is asking the catalog; meanwhile an upload
    writes a new copy and commits. The file is kept (and readable all along)."""
    a, b, image = two_owners
    gate = Gate()
    referenced = services.catalog.referenced_hashes

    async def gated(hashes):
        await gate.wait()
        return await referenced(hashes)

    monkeypatch.setattr(services.catalog, "referenced_hashes", gated)
    delete = asyncio.create_task(services.images.delete(Actor(None), a.id, image.id))
    await gate.until_reached()
    assert not path_of(services).exists()  # moved aside…
    assert await services.originals.get(DIGEST) == BYTES  # …and still served
    monkeypatch.setattr(services.catalog, "referenced_hashes", referenced)
    await services.images.upload(ImageOwner(store_product_id=b.id), [BYTES])
    gate.opened.set()
    await delete
    assert await services.originals.get(DIGEST) == BYTES
    assert not path_of(services).with_name(DIGEST + ASIDE_SUFFIX).exists()


async def test_an_original_nothing_references_goes_once_its_grace_period_passed(
    two_owners, services
):
    a, _, image = two_owners
    os.utime(path_of(services))  # uploaded just now
    await services.images.delete(Actor(None), a.id, image.id)
    assert path_of(services).exists()  # young: left for the sweep
    later = OriginalsKeeper(
        services.originals, services.catalog, HOUR, clock=lambda: time.time() + 2 * HOUR
    )
    report = await later.sweep()
    assert report.removed == 1 and not path_of(services).exists()


async def test_the_sweep_removes_leftovers_and_orphans_and_nothing_else(build, services):
    product = await build.product(None)
    owner = ImageOwner(store_product_id=product.id)
    kept = photo(PhotoSpec(100, 100, (1, 1, 1), "box"))
    await services.images.upload(owner, [kept])
    orphan = (await services.originals.put(b"crashed before its row")).digest
    young_orphan = (await services.originals.put(b"its upload is still running")).digest
    shard = path_of(services, orphan).parent
    old_tmp, young_tmp = shard / ".x.tmp", shard / ".y.tmp"
    old_tmp.write_bytes(b"half")
    young_tmp.write_bytes(b"being written")
    aside = path_of(services, content_hash(kept))
    aside.rename(aside.with_name(aside.name + ASIDE_SUFFIX))  # a removal that crashed
    for path in (path_of(services, orphan), old_tmp, aside.with_name(aside.name + ASIDE_SUFFIX)):
        age(path)

    report = await OriginalsKeeper(services.originals, services.catalog, HOUR).sweep()

    assert (report.leftovers, report.removed) == (2, 1)
    assert not path_of(services, orphan).exists() and not old_tmp.exists()
    assert path_of(services, young_orphan).exists() and young_tmp.exists()
    assert await services.originals.get(content_hash(kept)) == kept  # put back, referenced


async def test_serving_sweeps_at_start_up(settings, services):
    orphan = (await services.originals.put(b"left by a crash")).digest
    age(path_of(services, orphan))
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        for _ in range(100):
            if not path_of(services, orphan).exists():
                break
            await asyncio.sleep(0.02)
    assert not path_of(services, orphan).exists()


async def test_the_sweep_repeats_every_interval(services):
    keeper = OriginalsKeeper(services.originals, services.catalog, HOUR)
    task = asyncio.create_task(keeper.sweep_every(0.01))
    try:
        await asyncio.sleep(0.05)  # the start-up sweep found nothing
        orphan = (await services.originals.put(b"a crash after the first sweep")).digest
        age(path_of(services, orphan))
        for _ in range(100):
            if not path_of(services, orphan).exists():
                break
            await asyncio.sleep(0.02)
        assert not path_of(services, orphan).exists()
    finally:
        task.cancel()
    assert await keeper.sweep_every(0) is None  # 0: once, then done
