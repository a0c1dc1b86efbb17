"""Render admission seen from HTTP: a busy answer and the lanes on /metrics."""

from __future__ import annotations

import pytest

from config import Settings
from edge.demo.photos import PhotoSpec


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.replace(render_queue_size=0)  # no waiting: busy at once


async def test_no_render_room_is_503_with_retry_after_without_reading(client, build, services):
    product = await build.product()
    services.variants.admission.light.slots = 0  # every light slot taken

    async def fail(*args, **kwargs):
        raise AssertionError("the original was read without admission")

    services.originals.get = fail  # type: ignore[method-assign]
    services.originals.map_now = fail  # type: ignore[attr-defined]  # read in the render thread
    r = await client.get(f"/img/{product.id}/small.webp")
    assert r.status_code == 503
    assert r.json()["error"]["code"] == "render_busy"
    assert int(r.headers["retry-after"]) >= 1
    assert services.variants.renders == 0
    text = (await client.get("/metrics")).text
    assert 'imgedge_render_refused_total{lane="light"} 1.0' in text


async def test_metrics_report_the_render_lanes(client, build):
    product = await build.product(PhotoSpec(1600, 1200, (10, 10, 10), "bottle"))
    assert (await client.get(f"/img/{product.id}/small.webp")).status_code == 200
    # Wider than `large`: the heavy lane.
    assert (await client.get(f"/img/{product.id}/original.webp")).status_code == 200
    text = (await client.get("/metrics")).text
    for lane in ("light", "heavy"):
        assert f'imgedge_render_admitted_total{{lane="{lane}"}} 1.0' in text
        assert f'imgedge_render_running{{lane="{lane}"}} 0.0' in text
        assert f'imgedge_render_held_bytes{{lane="{lane}"}} 0.0' in text
        assert f'imgedge_render_queued{{lane="{lane}"}} 0.0' in text
    assert "imgedge_renders_dropped_total 0.0" in text
    assert "imgedge_render_failures_repeated_total 0.0" in text


async def test_a_render_past_the_heap_ceiling_gives_the_heap_back(client, build, services):
    product = await build.product(PhotoSpec(1600, 1200, (10, 10, 10), "bottle"))
    assert (await client.get(f"/img/{product.id}/small.webp")).status_code == 200
    assert "imgedge_heap_trims_total 0.0" in (await client.get("/metrics")).text
    services.heap.limit = 0  # every RSS is past it now
    assert (await client.get(f"/img/{product.id}/small.jpg")).status_code == 200
    assert services.heap.trims >= 1  # (a background warm render may have trimmed too)
    text = (await client.get("/metrics")).text
    assert f"imgedge_heap_trims_total {float(services.heap.trims)}" in text
