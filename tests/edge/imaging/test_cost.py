"""The render cost estimate: lanes, and the order of costs the estimate must keep."""

from __future__ import annotations

from edge.imaging.cost import MIB, avif_width, estimate
from edge.imaging.formats import Format

HEAVY_PX = 12_000_000


def cost(w: int, h: int, width: int, fmt: Format) -> int:
    return estimate(w, h, width, fmt, heavy_source_pixels=HEAVY_PX).bytes


def test_named_sizes_of_ordinary_sources_are_light():
    assert not estimate(3000, 2000, 1200, Format.AVIF, heavy_source_pixels=HEAVY_PX).heavy
    assert not estimate(800, 600, 800, Format.WEBP, heavy_source_pixels=HEAVY_PX).heavy


def test_wide_outputs_and_big_sources_are_heavy():
    assert estimate(3000, 2000, 3000, Format.JPEG, heavy_source_pixels=HEAVY_PX).heavy
    assert estimate(3000, 2000, 1600, Format.WEBP, heavy_source_pixels=HEAVY_PX).heavy  # @2x
    assert estimate(8160, 6000, 150, Format.JPEG, heavy_source_pixels=HEAVY_PX).heavy


def test_costs_grow_with_output_source_and_format():
    assert cost(3000, 2000, 150, Format.WEBP) < cost(3000, 2000, 1200, Format.WEBP)
    assert cost(3000, 2000, 1200, Format.WEBP) < cost(8160, 6000, 1200, Format.WEBP)
    assert cost(3000, 2000, 1200, Format.JPEG) < cost(3000, 2000, 1200, Format.AVIF)


def test_estimates_cover_measured_peaks():
    # Peak RSS of one render measured on a 49 MP CMYK JPEG (33 MB) and a 6 MP RGB one.
    measured_mib = {
        (8160, 6000, 8160, Format.WEBP): 412 + 33,
        (8160, 6000, 2400, Format.WEBP): 180 + 33,
        (8160, 6000, 3400, Format.AVIF): 299 + 33,
        (3000, 2000, 3000, Format.AVIF): 141 + 2,
        (3000, 2000, 1200, Format.WEBP): 32 + 2,
    }
    for (w, h, width, fmt), peak in measured_mib.items():
        assert cost(w, h, width, fmt) >= peak * MIB * 0.9, (w, h, width, fmt)


def test_avif_width_keeps_under_the_pixel_cap_and_never_widens():
    assert avif_width(8160, 6000, 8160, 8_000_000) == 3298
    assert 3298 * round(3298 * 6000 / 8160) <= 8_000_000
    assert avif_width(8160, 6000, 1200, 8_000_000) == 1200
    assert avif_width(100, 100_000, 100, 10_000) == 3  # 3 × 3000 px
