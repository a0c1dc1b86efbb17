"""`Variants.get` with a fake render that blocks until the test lets it finish: the
original is read only after admission, busy is a 503 without a read, a queued render
nobody waits for is dropped, failures are remembered, heavy renders have their own lane.
No timing asserts: threading events order everything."""

from __future__ import annotations

import asyncio
import hashlib
import threading
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from catalog.models import ImageSource, ResolvedImage
from edge.errors import RenderBusy, RenderTimeout
from edge.imaging.formats import Format
from edge.imaging.options import EncodeOptions, Limits, RenderPolicy
from edge.imaging.served import Served
from edge.imaging.sizes import RenderBox
from edge.imaging.variants import Variants
from edge.storage.cache import DiskTier, TieredCache, VariantKey, VariantTier
from edge.storage.cache.memory import MemoryTier

WAIT_S = 10.0  # a safety net for a broken test, never reached when it passes


class FakeOriginals:
    def __init__(self) -> None:
        self.reads: list[str] = []

    async def get(self, digest: str) -> bytes:
        self.reads.append(digest)
        return b"original " + digest.encode()

    async def put(self, data: bytes) -> str:
        raise NotImplementedError

    async def exists(self, digest: str) -> bool:
        return True

    async def ping(self) -> None:
        pass

    async def delete(self, digest: str) -> None:
        raise NotImplementedError


class FakeRender:
    """Renders `width` as bytes once the test releases the width; may fail instead (every
    format at a width in `fail`, or every width of a format in `fail_format`)."""

    def __init__(self) -> None:
        self.started: dict[int, threading.Event] = {}
        self.released: dict[int, threading.Event] = {}
        self.fail: dict[int, Exception] = {}
        self.fail_format: dict[Format, Exception] = {}

    def _event(self, events: dict[int, threading.Event], width: int) -> threading.Event:
        return events.setdefault(width, threading.Event())

    def __call__(self, data: bytes, width: int, fmt: Format, *_: object) -> bytes:
        self._event(self.started, width).set()
        assert self._event(self.released, width).wait(WAIT_S)
        if width in self.fail:
            raise self.fail[width]
        if fmt in self.fail_format:
            raise self.fail_format[fmt]
        return f"{width}.{fmt.value}".encode()

    async def wait_started(self, width: int) -> None:
        assert await asyncio.to_thread(self._event(self.started, width).wait, WAIT_S)

    def release(self, width: int) -> None:
        self._event(self.released, width).set()


def image(n: int, width: int = 2000, height: int = 1500) -> ResolvedImage:
    digest = hashlib.sha256(str(n).encode()).hexdigest()
    return ResolvedImage(n, digest, width, height, False, ImageSource.CANONICAL)


@pytest.fixture
def fake_render() -> FakeRender:
    return FakeRender()


@pytest.fixture
def originals() -> FakeOriginals:
    return FakeOriginals()


@pytest.fixture
async def variants(fake_render: FakeRender, originals: FakeOriginals) -> AsyncIterator[Variants]:
    policy = RenderPolicy(workers=1, heavy_workers=1, queue_size=2, queue_wait_s=60)
    variants = make_variants(policy, fake_render, originals)
    yield variants
    for event in fake_render.released.values():
        event.set()  # never leave a thread blocked behind a failed test
    variants.close()


def make_variants(
    policy: RenderPolicy,
    render: FakeRender,
    originals: FakeOriginals,
    clock: Callable[[], float] = time.monotonic,
    shared: VariantTier | None = None,
    after_render: Callable[[], None] = lambda: None,
) -> Variants:
    cache = TieredCache(MemoryTier(1 << 20), shared)
    limits = Limits(10**8, 10**8)
    return Variants(
        cache, originals, EncodeOptions(), limits, policy,
        render_fn=render, clock=clock, after_render=after_render,
    )  # fmt: skip


async def get(variants: Variants, n: int, width: int, fmt: Format = Format.WEBP) -> bytes:
    source = image(n)
    return await variants.get(variants.key(source, RenderBox(width), fmt), source)


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_the_original_is_read_only_once_admitted(variants, fake_render, originals):
    first = asyncio.create_task(get(variants, 1, 400))
    await fake_render.wait_started(400)
    second = asyncio.create_task(get(variants, 2, 401))
    await settle()
    assert originals.reads == [image(1).content_hash]  # the second waits for the only slot
    fake_render.release(400)
    assert await first == b"400.webp"
    fake_render.release(401)
    assert await second == b"401.webp"
    assert originals.reads == [image(1).content_hash, image(2).content_hash]


async def test_concurrent_requests_share_one_render(variants, fake_render, originals):
    waiting = [asyncio.create_task(get(variants, 1, 400)) for _ in range(5)]
    await fake_render.wait_started(400)
    fake_render.release(400)
    assert {await w for w in waiting} == {b"400.webp"}
    assert (variants.renders, len(originals.reads)) == (1, 1)


async def test_a_full_queue_is_busy_without_reading_the_original(variants, fake_render, originals):
    running = asyncio.create_task(get(variants, 1, 400))
    await fake_render.wait_started(400)
    queued = [asyncio.create_task(get(variants, n, 400)) for n in (2, 3)]
    await settle()
    with pytest.raises(RenderBusy) as busy:
        await get(variants, 4, 400)
    assert "retry-after" in busy.value.headers
    assert len(originals.reads) == 1
    fake_render.release(400)
    await asyncio.gather(running, *queued)
    # Busy is the moment's: not remembered, the next request renders.
    assert await get(variants, 4, 400) == b"400.webp"


async def test_a_queued_render_nobody_waits_for_is_dropped(variants, fake_render, originals):
    running = asyncio.create_task(get(variants, 1, 400))
    await fake_render.wait_started(400)
    gone = [asyncio.create_task(get(variants, 2, 400)) for _ in range(2)]
    await settle()
    gone[0].cancel()
    await settle()
    assert variants.dropped == 0  # one request still waits for it
    gone[1].cancel()
    await settle()
    assert variants.dropped == 1
    assert variants.admission.light.queued == 0
    fake_render.release(400)
    await running
    await settle()
    assert originals.reads == [image(1).content_hash]
    assert variants.renders == 1
    # A later request for the dropped variant starts afresh.
    assert await get(variants, 2, 400) == b"400.webp"


async def test_an_admitted_render_finishes_for_the_cache_when_its_client_leaves(
    variants, fake_render
):
    leaving = asyncio.create_task(get(variants, 1, 400))
    await fake_render.wait_started(400)
    leaving.cancel()
    await settle()
    assert variants.dropped == 0
    assert variants.admission.light.running == 1  # its thread still holds the room
    fake_render.release(400)
    assert await get(variants, 1, 400) == b"400.webp"  # the same render, not a second
    assert variants.renders == 1
    assert variants.admission.light.running == 0


async def test_a_render_failure_is_remembered(variants, fake_render, originals):
    fake_render.fail[400] = RenderTimeout("render missed its deadline before encode")
    fake_render.release(400)
    with pytest.raises(RenderTimeout) as first:
        await get(variants, 1, 400)
    with pytest.raises(RenderTimeout) as again:
        await get(variants, 1, 400)
    assert again.value.message == first.value.message
    assert again.value.log is False  # logged once, when it happened
    assert (variants.renders, len(originals.reads)) == (1, 1)
    # Another variant of the same image is not affected.
    del fake_render.fail[400]
    assert await get(variants, 1, 400, Format.JPEG) == b"400.jpg"


async def test_each_render_ends_with_the_heap_check_in_its_thread(fake_render, originals):
    checked: list[tuple[str, int]] = []

    def after_render() -> None:  # the heap ceiling: it runs in the render thread
        checked.append((threading.current_thread().name, variants.renders))

    policy = RenderPolicy(workers=1, heavy_workers=1, queue_size=2, queue_wait_s=60)
    variants = make_variants(policy, fake_render, originals, after_render=after_render)
    fake_render.fail[400] = RenderTimeout("render missed its deadline before encode")
    fake_render.release(400)
    fake_render.release(800)
    try:
        with pytest.raises(RenderTimeout):
            await get(variants, 1, 400)
        assert await get(variants, 1, 800) == b"800.webp"
    finally:
        variants.close()
    assert [count for _, count in checked] == [1, 2]  # a failed render too
    assert all(name.startswith("render-light") for name, _ in checked)


async def test_heavy_renders_have_their_own_lane(variants, fake_render):
    heavy = asyncio.create_task(get(variants, 1, 2000))  # `original`: wider than `large`
    await fake_render.wait_started(2000)
    queued_heavy = asyncio.create_task(get(variants, 2, 2000))
    await settle()
    assert variants.admission.heavy.queued == 1
    light = asyncio.create_task(get(variants, 3, 400))
    await fake_render.wait_started(400)
    fake_render.release(400)
    assert await light == b"400.webp"
    fake_render.release(2000)
    assert await asyncio.gather(heavy, queued_heavy) == [b"2000.webp"] * 2


def test_avif_output_is_capped_in_pixels(fake_render, originals):
    variants = make_variants(RenderPolicy(avif_max_pixels=1_000_000), fake_render, originals)
    source = image(1, 4000, 3000)
    capped = variants.key(source, RenderBox(4000), Format.AVIF)
    assert capped.width * round(capped.width * 3000 / 4000) <= 1_000_000
    assert capped.width == 1154
    assert variants.key(source, RenderBox(4000), Format.WEBP).width == 4000
    assert variants.key(source, RenderBox(800), Format.AVIF).width == 800


def test_a_source_limit_the_budget_cannot_render_is_warned_about(fake_render, originals, caplog):
    make_variants(RenderPolicy(), fake_render, originals).close()  # limits of 10^8 pixels
    assert "heavy render lane" in caplog.text
    caplog.clear()
    cache = TieredCache(MemoryTier(1 << 20), None)
    limits = Limits(50_000_000, 40 << 20)  # the defaults fit the default budget
    Variants(
        cache, originals, EncodeOptions(), limits, RenderPolicy(), render_fn=fake_render
    ).close()
    assert caplog.text == ""


class ThreadReadOriginals(FakeOriginals):
    """A store a render thread may read itself (`ReadsInThread`), like local files."""

    def __init__(self) -> None:
        super().__init__()
        self.threads: list[str] = []

    async def get(self, digest: str) -> bytes:
        raise AssertionError("read through the event loop, not in the render thread")

    def map_now(self, digest: str) -> bytes:
        self.threads.append(threading.current_thread().name)
        self.reads.append(digest)
        return b"original " + digest.encode()


async def test_a_local_original_is_read_in_the_render_thread(fake_render):
    originals = ThreadReadOriginals()
    variants = make_variants(RenderPolicy(workers=1), fake_render, originals)
    try:
        fake_render.release(400)
        assert await get(variants, 1, 400) == b"400.webp"
        assert originals.threads[0].startswith("render-light")  # one hop: read and render
    finally:
        variants.close()


class WatchedDisk(DiskTier):
    """The disk tier, noting the thread each read of a variant is made in."""

    threads: list[str]

    def read_now(self, key: VariantKey) -> bytes | None:
        self.threads.append(threading.current_thread().name)
        return super().read_now(key)


@pytest.fixture
async def on_disk(
    fake_render: FakeRender, tmp_path: Path
) -> AsyncIterator[tuple[Variants, ThreadReadOriginals, WatchedDisk]]:
    """Variants over the disk tier and originals read in the render thread, one slot."""
    disk = await WatchedDisk.open(tmp_path, 1 << 20)
    assert isinstance(disk, WatchedDisk)
    disk.threads = []
    originals = ThreadReadOriginals()
    variants = make_variants(RenderPolicy(workers=1), fake_render, originals, shared=disk)
    yield variants, originals, disk
    for event in fake_render.released.values():
        event.set()
    variants.close()


async def test_a_miss_admitted_at_once_looks_on_disk_in_its_render_thread(fake_render, on_disk):
    variants, originals, disk = on_disk
    fake_render.release(400)
    served = Served()
    assert await variants.get(key_of(variants, 1, 400), image(1), served) == b"400.webp"
    # One hop: the disk's miss, the original and the render in the same thread.
    assert disk.threads == originals.threads[:1] and disk.threads[0].startswith("render")
    assert (variants.renders, served.tier, variants.cache.stats["shared_miss"]) == (
        1,
        "render",
        1,
    )
    await variants.cache.settled()  # written behind the answer
    cached = key_of(variants, 2, 400)
    await disk.put(cached, b"from disk")
    assert await variants.get(cached, image(2), served) == b"from disk"
    assert (variants.renders, len(originals.reads), served.tier) == (1, 1, "disk")
    assert disk.threads[1].startswith("render")
    assert variants.cache.memory.get_now(cached) == b"from disk"  # promoted
    assert variants.cache.stats["shared_hit"] == 1


async def test_a_miss_that_must_queue_asks_the_disk_first_and_a_hit_does_not_wait(
    fake_render, on_disk
):
    variants, originals, disk = on_disk
    busy = asyncio.create_task(get(variants, 9, 300))  # holds the only render slot
    await fake_render.wait_started(300)
    cached = key_of(variants, 2, 400)
    await disk.put(cached, b"from disk")
    assert await variants.get(cached, image(2)) == b"from disk"  # no wait for the slot
    assert not disk.threads[-1].startswith("render")
    assert len(originals.reads) == 1  # only the busy one's
    fake_render.release(300)
    assert await busy == b"300.webp"


async def test_a_failing_disk_read_in_the_render_thread_rests_the_tier_and_renders(
    fake_render, on_disk, tmp_path
):
    variants, _, disk = on_disk
    key = key_of(variants, 1, 400)
    (tmp_path / key.content_hash[:2] / key.token).mkdir(parents=True)  # unreadable
    fake_render.release(400)
    assert await variants.get(key, image(1)) == b"400.webp"
    assert disk.threads[0].startswith("render")
    assert variants.cache.stats["shared_error"] == 1 and not variants.cache.shared_up


def key_of(variants: Variants, n: int, width: int, fmt: Format = Format.WEBP) -> VariantKey:
    return variants.key(image(n), RenderBox(width), fmt)
