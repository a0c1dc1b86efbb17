"""Presets (`IMGEDGE_PRESETS`) end to end below HTTP: the box a request names, the
variant key it gets, the render's real output (pyvips) and the admission cost."""

from __future__ import annotations

import hashlib
import time

import pytest
import pyvips

from catalog.models import ImageSource, ResolvedImage
from config.presets import Cover, parse_presets
from edge.demo.photos import PhotoSpec, photo
from edge.imaging.cost import estimate
from edge.imaging.formats import Format
from edge.imaging.options import EncodeOptions, Limits, RenderPolicy
from edge.imaging.render import render
from edge.imaging.sizes import RenderBox, parse_size_segment
from edge.imaging.variants import Variants
from edge.storage.cache import MemoryTier, TieredCache
from edge.storage.originals import open_originals

LIMITS = Limits(max_pixels=50_000_000, max_bytes=40 * 1024 * 1024)
PRESETS = parse_presets(
    "tile=300x300:cover-attention,card=400x300:cover-centre,strip=400x100,big=2000x1000:cover-centre"
)
SRC_W, SRC_H = 1300, 1000


def far() -> float:
    return time.monotonic() + 60


@pytest.fixture(scope="module")
def source() -> bytes:
    return photo(PhotoSpec(SRC_W, SRC_H, (180, 40, 40), "box", label="Test"), seed=1)


def rendered(data: bytes, segment: str, fmt: Format = Format.WEBP) -> pyvips.Image:
    box = parse_size_segment(segment, PRESETS).box(SRC_W, SRC_H)
    out = render(data, box.width, fmt, EncodeOptions(), LIMITS, far(), box.cover)
    return pyvips.Image.new_from_buffer(out, "")


@pytest.mark.parametrize(
    ("segment", "size"),
    [
        ("tile", (300, 300)),
        ("tile@2x", (600, 600)),
        ("card", (400, 300)),
        ("card@2x", (800, 600)),
        ("big", (1300, 650)),  # a box beyond the original shrinks as a whole (2:1 kept)
        ("big@2x", (1300, 650)),
    ],
)
@pytest.mark.parametrize("fmt", [Format.WEBP, Format.JPEG, Format.AVIF])
def test_cover_crops_to_the_exact_box(source: bytes, segment: str, size, fmt: Format) -> None:
    image = rendered(source, segment, fmt)
    assert (image.width, image.height) == size


@pytest.mark.parametrize(("segment", "width"), [("strip", 130), ("strip@2x", 260)])
def test_contain_fits_the_whole_image_in_the_box(source: bytes, segment: str, width: int) -> None:
    box = parse_size_segment(segment, PRESETS).box(SRC_W, SRC_H)
    assert box == RenderBox(width)  # a plain width: shares variants with sizes
    image = rendered(source, segment)
    assert image.width == width
    assert image.height <= 100 * (2 if "@2x" in segment else 1)
    assert abs(image.width / image.height - SRC_W / SRC_H) < 0.02  # nothing cropped


def test_a_rotated_source_is_cropped_as_shown() -> None:
    camera = photo(PhotoSpec(1200, 800, (40, 160, 60), "can", orientation=6), seed=3)
    box = parse_size_segment("card", PRESETS).box(1200, 800)
    out = render(camera, box.width, Format.JPEG, EncodeOptions(), LIMITS, far(), box.cover)
    image = pyvips.Image.new_from_buffer(out, "")
    assert (image.width, image.height) == (400, 300)


def test_attention_keeps_the_interesting_part_and_centre_the_middle() -> None:
    """A flat grey strip with a busy checkerboard at its far left: cropping to a square,
    attention keeps the checkerboard, centre keeps grey."""
    width, height = 1200, 400
    grey = pyvips.Image.black(width, height, bands=3) + 128
    checks = (pyvips.Image.xyz(300, 300)[0] // 25 + pyvips.Image.xyz(300, 300)[1] // 25) % 2
    board = (checks * 255).bandjoin([checks * 255, checks * 0]).cast("uchar")
    data = grey.cast("uchar").insert(board, 20, 50).write_to_buffer(".png")
    outputs = {}
    for crop in ("attention", "centre"):
        out = render(data, 400, Format.PNG, EncodeOptions(), LIMITS, far(), Cover(400, crop))
        outputs[crop] = pyvips.Image.new_from_buffer(out, "")
        assert (outputs[crop].width, outputs[crop].height) == (400, 400)
    assert outputs["attention"].deviate() > 40
    assert outputs["centre"].deviate() < 1


def image(width: int = SRC_W, height: int = SRC_H) -> ResolvedImage:
    digest = hashlib.sha256(b"x").hexdigest()
    return ResolvedImage(1, digest, width, height, False, ImageSource.CANONICAL)


async def test_a_crop_never_shares_a_key_with_a_size(tmp_path) -> None:
    policy = RenderPolicy(avif_max_pixels=200_000)
    cache = TieredCache(MemoryTier(1 << 20), None)
    variants = Variants(
        cache, open_originals(f"file://{tmp_path}"), EncodeOptions(), LIMITS, policy
    )
    try:
        shown = image()
        plain = variants.key(shown, RenderBox(300), Format.WEBP)
        tile = variants.key(
            shown, parse_size_segment("tile", PRESETS).box(SRC_W, SRC_H), Format.WEBP
        )
        card = variants.key(
            shown, parse_size_segment("card", PRESETS).box(SRC_W, SRC_H), Format.WEBP
        )
        assert plain.width == tile.width == 300
        assert len({plain.token, tile.token}) == 2 and "-h300-attention-" in tile.token
        assert "-h300-centre-" in card.token
        # AVIF caps a crop as a whole box, keeping its ratio.
        big = variants.key(
            shown, parse_size_segment("card@2x", PRESETS).box(SRC_W, SRC_H), Format.AVIF
        )
        assert big.cover is not None
        assert big.width * big.cover.height <= 200_000
        assert abs(big.width / big.cover.height - 4 / 3) < 0.01
    finally:
        variants.close()


def test_admission_costs_a_crop_by_the_resized_source_it_cuts_from() -> None:
    # A 6000×1000 panorama cropped to 600×600 is resized to 3600×600 first: heavy.
    crop = estimate(6000, 1000, 600, Format.WEBP, heavy_source_pixels=10**9, cover_height=600)
    plain = estimate(6000, 1000, 600, Format.WEBP, heavy_source_pixels=10**9)
    assert crop.heavy and not plain.heavy
    assert crop.bytes > plain.bytes  # less shrink-on-load, and a taller output
    # A square source cropped to a square costs what the same width costs.
    square = estimate(2000, 2000, 600, Format.WEBP, heavy_source_pixels=10**9, cover_height=600)
    assert square == estimate(2000, 2000, 600, Format.WEBP, heavy_source_pixels=10**9)
