"""The render pipeline: original bytes → one variant's bytes, with libvips.

Synchronous and CPU-bound: callers run it in a render thread (see `edge/imaging/threads.py`).
The pipeline is an ordered tuple of named steps, each taking and returning an image,
with a deadline check between steps. pyvips errors never leave this module: they become
`SourceRejected` (bad or oversized original) or `RenderTimeout`.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Callable

import pyvips

from config.presets import Cover
from edge.errors import RenderTimeout, SourceRejected
from edge.imaging.deadlines import WATCHDOG
from edge.imaging.formats import Format
from edge.imaging.options import EncodeOptions, Limits, SourceInfo
from edge.storage.originals.base import OriginalBytes

# Bump when a change to the steps below changes output bytes: it is part of every cache key.
PIPELINE_VERSION = 2


def variant_pipeline(options: EncodeOptions) -> str:
    """The pipeline part of every variant's cache key, computed here only: the steps'
    version and a digest of every encoder setting (all that changes the bytes)."""
    return f"{PIPELINE_VERSION}.{options.digest()}"


# Loaders for the formats imgedge accepts; every other libvips loader stays blocked.
_ALLOWED_LOADERS = (
    "VipsForeignLoadJpeg",
    "VipsForeignLoadPng",
    "VipsForeignLoadWebp",
    "VipsForeignLoadHeif",
    "VipsForeignLoadNsgif",
)
_LOADER_MEDIA_TYPES = {
    "jpegload_source": "image/jpeg",
    "pngload_source": "image/png",
    "webpload_source": "image/webp",
    "heifload_source": "image/avif",
    "gifload_source": "image/gif",
}
_ROTATED_ORIENTATIONS = frozenset({5, 6, 7, 8})
PLACEHOLDER_PX = 20  # the placeholder fits in this square: a few hundred bytes of WebP
_NO_HEIGHT_LIMIT = 10_000_000


def harden_libvips() -> None:
    """Block libvips' untrusted loaders (and every loader we do not need)."""
    pyvips.block_untrusted_set(True)
    pyvips.operation_block_set("VipsForeignLoad", True)
    for loader in _ALLOWED_LOADERS:
        pyvips.operation_block_set(loader, False)


def disable_operation_cache() -> None:
    """Turn libvips' operation cache off (its defaults keep the last 100 operations, up to
    100 MB and 100 files). It only pays when the same operation runs again on the same
    input, and here it never does: a variant is rendered once (single flight) and then
    served from the variant cache; each render decodes a fresh buffer. Measured in one
    process, interleaved, on a 12-photo corpus (150 px JPEG, 400 px WebP and AVIF): CPU
    time per render off/on 1.03 / 1.05 / 0.96 (noise), while on kept 100 operations and
    15–25 MiB more RSS alive after them (issue 16)."""
    pyvips.cache_set_max(0)
    pyvips.cache_set_max_mem(0)
    pyvips.cache_set_max_files(0)


harden_libvips()
disable_operation_cache()  # at import: every process that renders (edge, demo, CLI)


def probe(data: OriginalBytes, limits: Limits) -> SourceInfo:
    """Read only the header; refuse sources over the byte or pixel limit."""
    if len(data) > limits.max_bytes:
        raise SourceRejected(
            f"original is {len(data)} bytes, over the {limits.max_bytes}-byte limit",
            code="source_too_large",
        )
    try:
        header = pyvips.Image.new_from_source(_source(data), "", access="sequential")
        loader = header.get("vips-loader")
        width, height = header.width, header.height
        has_alpha = bool(header.hasalpha())
        orientation = header.get("orientation") if header.get_typeof("orientation") else 1
        has_profile = bool(header.get_typeof("icc-profile-data"))
        if loader == "heifload_source" and header.get_typeof("heif-compression"):
            is_avif = header.get("heif-compression") == "av1"
        else:
            is_avif = True
    except pyvips.Error as exc:
        raise SourceRejected(
            "original is not a readable JPEG, PNG, WebP, AVIF or GIF image",
            code="source_unreadable",
        ) from exc
    if width * height > limits.max_pixels:
        raise SourceRejected(
            f"original is {width}×{height} pixels, over the {limits.max_pixels}-pixel limit",
            code="source_too_large",
        )
    if orientation in _ROTATED_ORIENTATIONS:
        width, height = height, width
    media_type = _LOADER_MEDIA_TYPES.get(loader, "application/octet-stream")
    if not is_avif:
        media_type = "image/heic"
    return SourceInfo(width, height, has_alpha, media_type, has_profile)


def _source(data: OriginalBytes) -> pyvips.Source:
    """`data` (bytes, or a file mapped by the originals store) for a libvips loader, read
    in place. (`new_from_buffer` and
    `thumbnail_buffer` would each copy the whole original first: pyvips passes bytes to
    libvips as a blob it owns. That was two copies of a 2 MB photo per render, ~1 ms of
    CPU per 150 px JPEG, issue 16.)"""
    return pyvips.Source.new_from_memory(data)


# Steps. Each takes the image and the output format and returns the next image.
Step = Callable[[pyvips.Image, Format], pyvips.Image]


def to_srgb(image: pyvips.Image, fmt: Format) -> pyvips.Image:
    """Every output is 8-bit sRGB (CMYK, 16-bit, grey and profiled sources included)."""
    if image.interpretation != "srgb" or image.format != "uchar":
        return image.colourspace("srgb")
    return image


def flatten_for_format(image: pyvips.Image, fmt: Format) -> pyvips.Image:
    """JPEG cannot carry alpha: flatten onto white. Other formats keep it."""
    if not fmt.keeps_alpha and image.hasalpha():
        return image.flatten(background=[255, 255, 255])
    return image


STEPS: tuple[tuple[str, Step], ...] = (
    ("to_srgb", to_srgb),
    ("flatten_for_format", flatten_for_format),
)


def _shrink_on_load(
    data: OriginalBytes, info: SourceInfo, width: int, height: int, crop: str | None = None
) -> pyvips.Image:
    """Thumbnail fitting width × height (covering it and cut to it with `crop`), never
    upscaled: decodes at reduced scale where the format allows and applies EXIF
    orientation; fail_on=error refuses truncated or corrupt sources. A source with its own
    ICC profile (Display P3 photos) is converted to sRGB here, before the profile is
    dropped on save; profile-less sources skip the transform."""
    extra: dict[str, object] = {"export_profile": "srgb"} if info.has_profile else {}
    if crop is not None:
        extra["crop"] = crop
    return pyvips.Image.thumbnail_source(
        _source(data), width, height=height, size="down", option_string="fail_on=error", **extra
    )


def _undecodable() -> SourceRejected:
    return SourceRejected(
        "original could not be decoded (corrupt or truncated)", code="source_unreadable"
    )


def render(
    data: OriginalBytes,
    width: int,
    fmt: Format,
    options: EncodeOptions,
    limits: Limits,
    deadline: float,
    cover: Cover | None = None,
    *,
    clock: Callable[[], float] = time.monotonic,
) -> bytes:
    """Render `data` at `width` (never upscaled) in `fmt`, or with `cover` cropped to
    exactly `width` × `cover.height` (callers keep that box within the original);
    `deadline` is a time on `clock`, checked before each step, and the encode is killed
    when it passes (`edge/imaging/deadlines.py`; tests pass their own clock)."""
    info = probe(data, limits)
    try:
        if cover is None:
            image = _shrink_on_load(data, info, width, _NO_HEIGHT_LIMIT)
        else:
            image = _shrink_on_load(data, info, width, cover.height, cover.crop)
        for name, step in STEPS:
            _check_deadline(clock, deadline, name)
            image = step(image, fmt)
        _check_deadline(clock, deadline, "encode")
        suffix, kwargs = options.save_args(fmt)
        # libvips is lazy: the real work happens in the encode, stopped if it runs late.
        with WATCHDOG.kills_at(image, time.monotonic() + deadline - clock()):
            encoded: bytes = image.write_to_buffer(suffix, **kwargs)  # pyvips is untyped
        return encoded
    except pyvips.Error as exc:
        _check_deadline(clock, deadline, "the end of the render")  # a kill looks like an error
        raise _undecodable() from exc


def placeholder(data: bytes, info: SourceInfo) -> str:
    """A ~20 px WebP of the image as a `data:` URI, shown (blurred) while it loads.

    It decodes the whole source (shrunk on load where the format allows), so it also
    proves at upload time that the file is not truncated or corrupt."""
    try:
        image = _shrink_on_load(data, info, PLACEHOLDER_PX, PLACEHOLDER_PX)
        image = to_srgb(image, Format.WEBP)
        tiny = image.write_to_buffer(".webp", Q=40, effort=2, keep="none")
    except pyvips.Error as exc:
        raise _undecodable() from exc
    return "data:image/webp;base64," + base64.b64encode(tiny).decode("ascii")


def _check_deadline(clock: Callable[[], float], deadline: float, step: str) -> None:
    if clock() > deadline:
        raise RenderTimeout(f"render missed its deadline before {step}")
