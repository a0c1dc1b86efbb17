"""Renders nobody waits for (`edge/imaging/background.py`) through `Variants`: the AVIF
fallback, warming, their priority below every foreground miss, their bounded queue.
The fake render blocks until the test releases its width: no timing asserts."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from catalog.models import ImageSource, ResolvedImage
from edge.errors import SourceRejected
from edge.imaging.formats import Format
from edge.imaging.options import RenderPolicy
from edge.imaging.sizes import RenderBox, SizeRequest
from edge.imaging.variants import Variants
from tests.edge.imaging.test_variants import (
    FakeOriginals,
    FakeRender,
    get,
    image,
    make_variants,
    settle,
)


@pytest.fixture
def fake_render() -> FakeRender:
    return FakeRender()


@pytest.fixture
async def variants(fake_render: FakeRender) -> AsyncIterator[Variants]:
    policy = RenderPolicy(workers=1, heavy_workers=1, queue_size=4, background_queue_size=3)
    variants = make_variants(policy, fake_render, FakeOriginals())
    yield variants
    for event in fake_render.released.values():
        event.set()
    variants.close()


def keys(variants: Variants, n: int, width: int) -> tuple:
    source = image(n)
    avif = variants.key(source, RenderBox(width), Format.AVIF)
    webp = variants.key(source, RenderBox(width), Format.WEBP)
    jpeg = variants.key(source, RenderBox(width), Format.JPEG)
    return source, avif, webp, jpeg


async def test_a_missing_avif_is_answered_with_jpeg_and_encoded_behind(variants, fake_render):
    source, avif, webp, jpeg = keys(variants, 1, 400)
    fake_render.release(400)  # every render of this width finishes at once
    served, data = await variants.get_or_fallback(avif, source, [webp, jpeg])
    assert (served, data) == (jpeg, b"400.jpg")  # none cached: the quickest to encode
    await variants.background.settled()
    # The next request gets the AVIF, from memory, without another render.
    renders = variants.renders
    assert await variants.get_or_fallback(avif, source, [webp, jpeg]) == (avif, b"400.avif")
    assert (variants.renders, variants.fallbacks) == (renders, 1)


async def test_the_best_cached_fallback_wins_over_rendering_one(variants, fake_render):
    source, avif, webp, jpeg = keys(variants, 1, 400)
    variants.cache.memory.put_now(jpeg, b"cached jpeg")
    variants.cache.memory.put_now(webp, b"cached webp")
    served, data = await variants.get_or_fallback(avif, source, [webp, jpeg])
    assert (served, data) == (webp, b"cached webp")  # the best cached one, at once
    fake_render.release(400)
    await variants.background.settled()
    assert variants.cache.memory.get_now(avif) == b"400.avif"
    assert variants.renders == 1  # only the AVIF, in the background


async def test_a_foreground_miss_is_admitted_before_queued_background_renders(
    variants, fake_render
):
    busy = asyncio.create_task(get(variants, 9, 300))  # holds the only render slot
    await fake_render.wait_started(300)
    variants.warm([image(1)])  # nothing configured: nothing queued
    assert variants.background.queued == 0
    variants._warm = ((SizeRequest("small", 1, Format.AVIF), Format.AVIF),)
    variants.warm([image(1), image(2)])
    await settle()
    shopper = asyncio.create_task(get(variants, 3, 401))  # asks after the warming
    await settle()
    fake_render.release(300)
    await fake_render.wait_started(401)  # the shopper's render runs first
    assert 400 not in fake_render.started  # the warming waits behind it
    fake_render.release(401)
    assert await shopper == b"401.webp"
    fake_render.release(400)
    await variants.background.settled()
    assert await busy == b"300.webp"
    small = RenderBox(400)
    for n in (1, 2):
        key = variants.key(image(n), small, Format.AVIF)
        assert variants.cache.memory.get_now(key) == b"400.avif"  # the first shopper's hit


async def test_a_shopper_takes_over_a_queued_background_render(variants, fake_render):
    busy = asyncio.create_task(get(variants, 9, 300))
    await fake_render.wait_started(300)
    source, avif, _, _ = keys(variants, 1, 400)
    variants.background.schedule(avif, source)
    await settle()
    shopper = asyncio.create_task(get(variants, 1, 400, Format.AVIF))
    await settle()
    fake_render.release(300)
    fake_render.release(400)
    assert await shopper == b"400.avif"
    await variants.background.settled()
    assert await busy == b"300.webp"
    assert variants.renders == 2  # the busy one and the AVIF once: taken over, not repeated
    assert variants.background.failed == 0


async def test_the_background_queue_is_bounded_and_deduplicated(variants, fake_render):
    busy = asyncio.create_task(get(variants, 9, 300))
    await fake_render.wait_started(300)
    scheduled = []
    for n in range(1, 7):
        source, avif, _, _ = keys(variants, n, 400)
        scheduled.append(variants.background.schedule(avif, source))
        variants.background.schedule(avif, source)  # asked twice: queued once
        await settle()  # the runner takes the first (it waits for admission)
    # One taken by the runner, three queued, the last two dropped (each time asked).
    assert scheduled == [True, True, True, True, False, False]
    assert (variants.background.scheduled, variants.background.dropped) == (4, 4)
    fake_render.release(300)
    fake_render.release(400)
    await variants.background.settled()
    assert await busy == b"300.webp"
    assert variants.renders == 5


async def test_a_failed_background_render_is_counted_and_remembered(variants, fake_render):
    source, avif, webp, jpeg = keys(variants, 1, 400)
    fake_render.fail[400] = SourceRejected("corrupt", code="source_unreadable")
    fake_render.release(400)
    with pytest.raises(SourceRejected):  # the fallback JPEG fails the same way
        await variants.get_or_fallback(avif, source, [webp, jpeg])
    await variants.background.settled()
    assert variants.background.failed == 1
    with pytest.raises(SourceRejected):
        variants.failures.check(avif)


async def test_a_remembered_avif_failure_is_not_queued_again_until_it_expires(fake_render):
    now = [0.0]
    policy = RenderPolicy(workers=1, heavy_workers=1, failure_ttl_s=60)
    variants = make_variants(policy, fake_render, FakeOriginals(), clock=lambda: now[0])
    source, avif, webp, jpeg = keys(variants, 1, 400)
    fake_render.fail_format[Format.AVIF] = SourceRejected("too big", code="source_too_large")
    fake_render.release(400)
    try:
        assert await variants.get_or_fallback(avif, source, [webp, jpeg]) == (jpeg, b"400.jpg")
        await variants.background.settled()
        assert (variants.background.scheduled, variants.background.failed) == (1, 1)
        renders = variants.renders
        for _ in range(3):  # the JPEG from memory; the AVIF's failure is remembered
            assert await variants.get_or_fallback(avif, source, [webp, jpeg]) == (jpeg, b"400.jpg")
            await variants.background.settled()
        assert (variants.background.scheduled, variants.background.failed) == (1, 1)
        assert (variants.renders, variants.failures.repeated, variants.fallbacks) == (renders, 0, 4)
        now[0] = 61.0  # forgotten: the next fallback answer tries the AVIF again
        await variants.get_or_fallback(avif, source, [webp, jpeg])
        await variants.background.settled()
        assert (variants.background.scheduled, variants.background.failed) == (2, 2)
    finally:
        variants.close()


async def test_a_transparent_source_never_falls_back_to_jpeg(variants, fake_render):
    source = ResolvedImage(1, image(1).content_hash, 2000, 1500, True, ImageSource.CANONICAL)
    avif, webp, png, jpeg = (
        variants.key(source, RenderBox(400), fmt)
        for fmt in (Format.AVIF, Format.WEBP, Format.PNG, Format.JPEG)
    )
    fake_render.release(400)
    assert await variants.get_or_fallback(avif, source, [webp, png, jpeg]) == (webp, b"400.webp")
    await variants.background.settled()
