"""The render pipeline (`edge.imaging.render`): every size × format, EXIF orientation, alpha,
colour space, metadata stripping, refusals before decoding, and the deadline.

Outputs are checked by decoding them again with pyvips, never by trusting `render`.
"""

from __future__ import annotations

import time

import pytest
import pyvips

from edge.demo.photos import PhotoSpec, photo
from edge.errors import RenderTimeout, SourceRejected
from edge.imaging.deadlines import WATCHDOG
from edge.imaging.formats import Format
from edge.imaging.options import EncodeOptions, Limits
from edge.imaging.render import STEPS, probe, render
from edge.imaging.sizes import SIZES, SizeRequest

LIMITS = Limits(max_pixels=50_000_000, max_bytes=40 * 1024 * 1024)
OPTIONS = EncodeOptions()

LOADERS = {
    Format.AVIF: "heifload_buffer",
    Format.WEBP: "webpload_buffer",
    Format.JPEG: "jpegload_buffer",
    Format.PNG: "pngload_buffer",
}
METADATA_FIELDS = ("exif-data", "orientation", "xmp-data", "iptc-data", "icc-profile-data")

# The size matrix source: wide enough that thumbnail…large render below the original,
# narrow enough that medium@2x, large@2x and original are all clamped to it.
SRC_W, SRC_H = 1300, 1000


def far_deadline() -> float:
    return time.monotonic() + 60


def decode(data: bytes) -> pyvips.Image:
    return pyvips.Image.new_from_buffer(data, "")


def rejected(data: bytes, limits: Limits = LIMITS, *, via: str) -> SourceRejected:
    """The SourceRejected that `probe` or `render` raises for `data`."""
    with pytest.raises(SourceRejected) as info:
        if via == "probe":
            probe(data, limits)
        else:
            render(data, 200, Format.JPEG, OPTIONS, limits, far_deadline())
    return info.value


def region_mean(image: pyvips.Image, left: int, top: int, width: int, height: int) -> float:
    return image.crop(left, top, width, height).avg()


@pytest.fixture(scope="module")
def matrix_source() -> bytes:
    return photo(PhotoSpec(SRC_W, SRC_H, (180, 40, 40), "box", label="Test"), seed=1)


@pytest.fixture(scope="module")
def transparent_source() -> bytes:
    return photo(PhotoSpec(800, 800, (40, 60, 200), "bottle", transparent=True), seed=2)


@pytest.fixture(scope="module")
def rotated_source() -> bytes:
    """A camera-style JPEG: stored 800×1200, shown 1200×800 (EXIF orientation 6)."""
    return photo(PhotoSpec(1200, 800, (40, 160, 60), "can", orientation=6), seed=3)


# ---------------------------------------------------------------------------- sizes × formats


MATRIX = [
    pytest.param(size, scale, fmt, id=f"{size}{'@2x' if scale == 2 else ''}-{fmt.value}")
    for size in SIZES
    for scale in (1, 2)
    for fmt in Format
]


@pytest.mark.parametrize(("size", "scale", "fmt"), MATRIX)
def test_every_size_and_format_renders_at_the_target_width(
    matrix_source: bytes, size: str, scale: int, fmt: Format
) -> None:
    width = SizeRequest(size, scale, fmt).target_width(SRC_W)
    assert width <= SRC_W

    out = render(matrix_source, width, fmt, OPTIONS, LIMITS, far_deadline())

    image = decode(out)
    assert image.get("vips-loader") == LOADERS[fmt]
    if fmt is Format.AVIF:
        assert image.get("heif-compression") == "av1"  # AVIF, not HEIC
    assert probe(out, LIMITS).media_type == fmt.media_type
    assert image.width == width
    assert abs(image.height - width * SRC_H / SRC_W) <= 1  # aspect ratio kept
    assert image.format == "uchar"
    assert image.interpretation == "srgb"


def test_matrix_covers_clamped_and_unclamped_widths() -> None:
    widths = {
        f"{size}{'@2x' if scale == 2 else ''}": SizeRequest(size, scale, None).target_width(SRC_W)
        for size in SIZES
        for scale in (1, 2)
    }
    assert widths == {
        "thumbnail": 150,
        "thumbnail@2x": 300,
        "small": 400,
        "small@2x": 800,
        "medium": 800,
        "medium@2x": SRC_W,
        "large": 1200,
        "large@2x": SRC_W,
        "original": SRC_W,
        "original@2x": SRC_W,
    }


@pytest.mark.parametrize("fmt", list(Format), ids=str)
def test_never_upscaled_past_the_original(fmt: Format) -> None:
    source = photo(PhotoSpec(1000, 750, (90, 90, 160), "bottle"), seed=4)
    assert SizeRequest("large", 2, fmt).target_width(1000) == 1000

    # Even when asked for more than the original, render does not enlarge.
    image = decode(render(source, 2400, fmt, OPTIONS, LIMITS, far_deadline()))

    assert (image.width, image.height) == (1000, 750)


# ---------------------------------------------------------------------------- orientation


def test_probe_reports_display_dimensions_of_a_rotated_jpeg(rotated_source: bytes) -> None:
    stored = decode(rotated_source)
    assert (stored.width, stored.height) == (800, 1200)
    assert stored.get("orientation") == 6

    info = probe(rotated_source, LIMITS)

    assert (info.width, info.height) == (1200, 800)
    assert info.media_type == "image/jpeg"
    assert not info.has_alpha


@pytest.mark.parametrize("fmt", list(Format), ids=str)
def test_exif_orientation_applied_and_metadata_stripped(rotated_source: bytes, fmt: Format) -> None:
    assert decode(rotated_source).get_typeof("exif-data")  # there is metadata to strip

    image = decode(render(rotated_source, 600, fmt, OPTIONS, LIMITS, far_deadline()))

    assert (image.width, image.height) == (600, 400)
    for name in METADATA_FIELDS:
        assert not image.get_typeof(name), f"{name} survived into the {fmt} output"
    # Upright: the studio light falls from the top (lighter) to the bottom, on the left
    # edge; rotated the wrong way the gradient would run sideways.
    rgb = image[0:3]
    top = region_mean(rgb, 0, 0, 60, 30)
    bottom = region_mean(rgb, 0, image.height - 30, 60, 30)
    top_right = region_mean(rgb, image.width - 60, 0, 60, 30)
    assert top - bottom > 15
    assert abs(top - top_right) < 8


# ---------------------------------------------------------------------------- alpha


@pytest.mark.parametrize("fmt", [Format.PNG, Format.WEBP, Format.AVIF], ids=str)
def test_alpha_kept_where_the_format_carries_it(transparent_source: bytes, fmt: Format) -> None:
    assert probe(transparent_source, LIMITS).has_alpha

    image = decode(render(transparent_source, 400, fmt, OPTIONS, LIMITS, far_deadline()))

    assert image.hasalpha()
    assert image.bands == 4
    assert image(0, image.height - 1)[3] < 10  # background cut away
    assert image(image.width // 2, int(image.height * 0.6))[3] > 245  # product opaque


def test_jpeg_flattens_alpha_onto_white(transparent_source: bytes) -> None:
    image = decode(render(transparent_source, 400, Format.JPEG, OPTIONS, LIMITS, far_deadline()))

    assert not image.hasalpha()
    assert image.bands == 3
    # Transparent corners become white (the hidden RGB there is a 200–235 grey, and a
    # plain save would flatten onto black).
    for x, y in ((0, 0), (0, image.height - 1), (image.width - 1, image.height - 1)):
        assert all(band > 240 for band in image(x, y)), (x, y, image(x, y))
    product = image(image.width // 2, int(image.height * 0.6))
    assert product[2] > product[0] + 60  # the blue product is still there


# ---------------------------------------------------------------------------- colour


def _base(width: int = 400, height: int = 300) -> pyvips.Image:
    return decode(photo(PhotoSpec(width, height, (180, 40, 40), "box"), seed=5))


def _rgb16(alpha: bool) -> bytes:
    base = _base()
    if alpha:
        mask = decode(photo(PhotoSpec(400, 300, (1, 1, 1), "box", transparent=True)))[3]
        base = base.bandjoin(mask)
    wide = (base.cast("ushort") * 257).cast("ushort").copy(interpretation="rgb16")
    return wide.pngsave_buffer(bitdepth=16)


def _grey8() -> bytes:
    return _base().colourspace("b-w").jpegsave_buffer(Q=90)


def _grey16() -> bytes:
    grey = _base().colourspace("b-w")
    return (
        (grey.cast("ushort") * 257)
        .cast("ushort")
        .copy(interpretation="grey16")
        .pngsave_buffer(bitdepth=16)
    )


COLOUR_SOURCES = {
    "rgb16": (lambda: _rgb16(alpha=False), "ushort", "rgb16", False),
    "rgba16": (lambda: _rgb16(alpha=True), "ushort", "rgb16", True),
    "grey8": (_grey8, "uchar", "b-w", False),
    "grey16": (_grey16, "ushort", "grey16", False),
}


@pytest.mark.parametrize("fmt", list(Format), ids=str)
@pytest.mark.parametrize("kind", list(COLOUR_SOURCES))
def test_output_is_8bit_srgb(kind: str, fmt: Format) -> None:
    make, src_format, src_interpretation, alpha = COLOUR_SOURCES[kind]
    source = make()
    loaded = decode(source)
    assert (loaded.format, loaded.interpretation) == (src_format, src_interpretation)

    image = decode(render(source, 200, fmt, OPTIONS, LIMITS, far_deadline()))

    assert image.format == "uchar"
    assert image.interpretation == "srgb"
    keeps_alpha = alpha and fmt.keeps_alpha
    assert image.bands == (4 if keeps_alpha else 3)
    if fmt is Format.PNG:
        assert image.get("bits-per-sample") == 8
    r, g, b = image(image.width // 2, image.height // 2)[:3]
    if kind.startswith("grey"):
        assert max(r, g, b) - min(r, g, b) <= 4  # still grey
        assert 60 < r < 140  # mid grey, not clipped or crushed by the 16 → 8 bit step
    else:
        assert abs(r - 180) < 15 and g < 70 and b < 70  # the red box, correctly scaled


def test_profiled_source_is_converted_to_srgb() -> None:
    red = pyvips.Image.black(200, 200).new_from_image([230, 20, 20]).copy(interpretation="srgb")
    p3 = red.icc_transform("p3", input_profile="srgb").cast("uchar")
    source = p3.jpegsave_buffer(Q=95, keep="icc")
    assert decode(source).get_typeof("icc-profile-data")
    assert decode(source)(100, 100)[0] < 220  # in P3 numbers the red is less saturated

    image = decode(render(source, 100, Format.PNG, OPTIONS, LIMITS, far_deadline()))

    assert not image.get_typeof("icc-profile-data")
    r, g, b = image(50, 50)
    assert r > 222 and g < 35 and b < 35  # the sRGB red it was made from


# ---------------------------------------------------------------------------- refusals


@pytest.mark.parametrize("via", ["probe", "render"])
def test_over_pixel_limit_refused_from_the_header(via: str) -> None:
    big = pyvips.Image.black(6000, 6000).pngsave_buffer(compression=9)
    assert len(big) < 200_000  # small in bytes, 36 megapixels in the header
    limits = Limits(max_pixels=10_000_000, max_bytes=40 * 1024 * 1024)

    assert rejected(big, limits, via=via).code == "source_too_large"

    # Only half the file: the header alone decides. Decoding it would fail instead.
    half = big[: len(big) // 2]
    assert rejected(half, limits, via=via).code == "source_too_large"
    generous = Limits(max_pixels=100_000_000, max_bytes=40 * 1024 * 1024)
    assert rejected(half, generous, via="render").code == "source_unreadable"


def test_over_pixel_limit_refused_much_faster_than_a_decode() -> None:
    big = pyvips.Image.black(6000, 6000).pngsave_buffer(compression=9)
    limits = Limits(max_pixels=10_000_000, max_bytes=40 * 1024 * 1024)

    def best_of(n: int, fn) -> float:
        times = []
        for _ in range(n):
            started = time.perf_counter()
            fn()
            times.append(time.perf_counter() - started)
        return min(times)

    def refuse() -> None:
        for via in ("probe", "render"):
            assert rejected(big, limits, via=via).code == "source_too_large"

    decode_s = best_of(2, lambda: decode(big).avg())
    refuse_s = best_of(5, refuse) / 2
    # A header read takes well under a millisecond; decoding 36 Mpx takes tens of them.
    assert refuse_s < decode_s / 10, (refuse_s, decode_s)


@pytest.mark.parametrize("via", ["probe", "render"])
def test_over_byte_limit_refused(via: str) -> None:
    source = photo(PhotoSpec(300, 200, (10, 100, 10), "can"))
    tight = Limits(max_pixels=50_000_000, max_bytes=len(source) - 1)

    assert rejected(source, tight, via=via).code == "source_too_large"

    exact = Limits(max_pixels=50_000_000, max_bytes=len(source))
    assert probe(source, exact).width == 300


def test_pixel_limit_is_inclusive() -> None:
    source = photo(PhotoSpec(300, 200, (10, 100, 10), "can"))
    assert probe(source, Limits(max_pixels=60_000, max_bytes=10**7)).height == 200
    with pytest.raises(SourceRejected):
        probe(source, Limits(max_pixels=59_999, max_bytes=10**7))


SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100">'
    b'<rect width="100" height="100" fill="red"/></svg>'
)


@pytest.mark.parametrize("via", ["probe", "render"])
@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"", id="empty"),
        pytest.param(b"\x00\x01not an image at all" * 64, id="garbage"),
        pytest.param(b"\xff\xd8\xff\xe0" + b"\x00" * 64, id="jpeg-magic-only"),
        pytest.param(SVG, id="svg"),
    ],
)
def test_unreadable_sources_refused(data: bytes, via: str) -> None:
    assert rejected(data, via=via).code == "source_unreadable"


def test_svg_refused_because_libvips_loader_is_blocked() -> None:
    # The loader exists in this libvips; harden_libvips is what keeps it out.
    with pytest.raises(pyvips.Error, match="blocked"):
        pyvips.Image.svgload_buffer(SVG)


def test_other_libvips_loaders_are_blocked() -> None:
    tiff = _base(60, 40).tiffsave_buffer()
    assert rejected(tiff, via="probe").code == "source_unreadable"
    assert rejected(tiff, via="render").code == "source_unreadable"


def test_truncated_jpeg_refused_not_grey_filled() -> None:
    source = photo(PhotoSpec(800, 600, (180, 40, 40), "box"), seed=6)
    truncated = source[: len(source) // 2]
    assert probe(truncated, LIMITS).width == 800  # the header is intact

    assert rejected(truncated, via="render").code == "source_unreadable"


@pytest.mark.parametrize("suffix", [".webp", ".avif", ".gif", ".png"])
def test_accepted_source_formats(suffix: str) -> None:
    source = _base(300, 200).write_to_buffer(suffix)
    media_type = {".webp": "image/webp", ".avif": "image/avif", ".gif": "image/gif"}

    info = probe(source, LIMITS)

    assert (info.width, info.height) == (300, 200)
    assert info.media_type == media_type.get(suffix, "image/png")
    assert decode(render(source, 100, Format.JPEG, OPTIONS, LIMITS, far_deadline())).width == 100


# ---------------------------------------------------------------------------- deadline


class ReadCountingClock:
    """A clock that stands at 0.0 for its first `still` reads, then at 1.0 for good."""

    def __init__(self, still: int) -> None:
        self.still = still
        self.reads = 0

    def __call__(self) -> float:
        self.reads += 1
        return 0.0 if self.reads <= self.still else 1.0


# `render` reads the clock before each step and before the encode, once more to set the
# watchdog, and once more when an encode fails.
CHECKS_BEFORE_ENCODE = len(STEPS) + 1


def test_deadline_in_the_past_raises_render_timeout(matrix_source: bytes) -> None:
    with pytest.raises(RenderTimeout) as info:
        render(matrix_source, 400, Format.WEBP, OPTIONS, LIMITS, 0.5, clock=lambda: 1.0)
    assert info.value.code == "render_timeout"
    assert info.value.status == 503


def test_deadline_passing_mid_render_aborts_it() -> None:
    """The watchdog kills an encode that runs past its deadline: a 2,500 px WebP of a
    6 MP photo takes well over the 20 ms it is given, on any machine."""
    source = photo(PhotoSpec(3000, 2000, (200, 120, 40), "bottle"), seed=7)
    kills = WATCHDOG.kills
    with pytest.raises(RenderTimeout) as info:
        render(source, 2500, Format.WEBP, OPTIONS, LIMITS, time.monotonic() + 0.02)
    # Killed inside the encode (an encode left to finish would have returned bytes).
    assert "before the end of the render" in str(info.value)
    assert WATCHDOG.kills == kills + 1


def test_a_render_done_in_time_is_not_killed_later(matrix_source: bytes) -> None:
    kills = WATCHDOG.kills
    for _ in range(3):
        assert render(matrix_source, 150, Format.JPEG, OPTIONS, LIMITS, time.monotonic() + 0.2)
    time.sleep(0.3)  # past every deadline: the watches ended with their renders
    assert WATCHDOG.kills == kills


def test_deadline_not_reached_renders_every_step(matrix_source: bytes) -> None:
    clock = ReadCountingClock(still=10**9)
    out = render(matrix_source, 150, Format.JPEG, OPTIONS, LIMITS, 0.5, clock=clock)
    assert decode(out).width == 150
    assert clock.reads >= CHECKS_BEFORE_ENCODE


def test_deadline_in_the_future_renders(matrix_source: bytes) -> None:
    out = render(matrix_source, 150, Format.JPEG, OPTIONS, LIMITS, time.monotonic() + 30)
    assert decode(out).width == 150


def test_libvips_operation_cache_is_off_once_render_is_imported():
    # Renders never repeat an operation on the same input: the cache would only hold memory.
    assert (pyvips.cache_get_max(), pyvips.cache_get_max_mem(), pyvips.cache_get_max_files()) == (
        0,
        0,
        0,
    )
