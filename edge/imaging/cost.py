"""What a render will cost, known before its original is read: from the catalog's width
and height of the source, the output width and the format.

The estimate is of the render's peak working memory, in bytes. It is deliberately
coarse and on the safe side; it was fitted on 6 MP RGB and 49 MP CMYK JPEGs (libvips
8.x, `render()` at every size and format, peak RSS measured per render):

    cost = 16 MiB                  thread, loader and encoder fixed costs
         + 2 B × source pixels     the original's bytes (read after admission) + header
         + 10 B × decoded pixels   the source decoded at its shrink-on-load scale (4-band
                                   worst case: the catalog does not know CMYK from RGB)
         + k × output pixels       the encoder's frame: JPEG 1, WebP and PNG 2-3, AVIF 16

A cover preset (a crop to a box) decodes and resizes the source to cover the box before
cutting it: its shrink-on-load and its heavy lane follow that resized width, its
encoder frame the box.

A render is *heavy* when its output is wider than the widest named size (`original`
and most `@2x`) or its source is over a configurable pixel count; heavy renders queue
in their own lane (see `edge/imaging/admission.py`). AVIF output is capped in pixels
(`avif_width`): libaom cannot be interrupted and holds ~16 B per output pixel.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from edge.imaging.formats import Format
from edge.imaging.sizes import NAMED_WIDTHS

MIB = 1024 * 1024
_FIXED = 16 * MIB
_PER_SOURCE_PX = 2
_PER_DECODED_PX = 10
_PER_OUTPUT_PX = {Format.JPEG: 1, Format.WEBP: 2, Format.PNG: 3, Format.AVIF: 16}
_MAX_SHRINK_ON_LOAD = 8  # JPEG decodes at 1/2, 1/4 or 1/8 scale
LIGHT_MAX_WIDTH = max(NAMED_WIDTHS.values())


@dataclass(frozen=True, slots=True)
class RenderCost:
    bytes: int  # estimated peak working memory
    heavy: bool  # queues in the heavy lane


def output_height(source_width: int, source_height: int, width: int) -> int:
    return max(1, round(source_height * width / max(1, source_width)))


def estimate(
    source_width: int,
    source_height: int,
    width: int,
    fmt: Format,
    *,
    heavy_source_pixels: int,
    cover_height: int | None = None,
) -> RenderCost:
    """The cost of rendering a `source_width` × `source_height` original `width` wide
    (cropped to `width` × `cover_height` when that is given: a cover preset)."""
    source_px = source_width * source_height
    resized = width  # the width the source is resized to before any crop
    if cover_height is None:
        output_px = width * output_height(source_width, source_height, width)
    else:
        resized = max(width, math.ceil(cover_height * source_width / max(1, source_height)))
        output_px = width * cover_height
    shrink = 1
    while shrink * 2 <= _MAX_SHRINK_ON_LOAD and source_width >= resized * shrink * 2:
        shrink *= 2
    decoded_px = source_px // (shrink * shrink)
    total = (
        _FIXED
        + _PER_SOURCE_PX * source_px
        + _PER_DECODED_PX * decoded_px
        + _PER_OUTPUT_PX[fmt] * output_px
    )
    heavy = resized > LIGHT_MAX_WIDTH or source_px > heavy_source_pixels
    return RenderCost(total, heavy)


def avif_box(width: int, height: int, max_pixels: int) -> tuple[int, int]:
    """A cover box, shrunk as a whole (same ratio) so that it holds at most `max_pixels`."""
    if width * height <= max_pixels:
        return width, height
    shrink = math.sqrt(max_pixels / (width * height))
    return max(1, math.floor(width * shrink)), max(1, math.floor(height * shrink))


def avif_width(source_width: int, source_height: int, width: int, max_pixels: int) -> int:
    """`width`, reduced so that an AVIF output holds at most `max_pixels`."""
    if width * output_height(source_width, source_height, width) <= max_pixels:
        return width
    capped = math.isqrt(max_pixels * source_width // max(1, source_height))
    while capped > 1 and capped * output_height(source_width, source_height, capped) > max_pixels:
        capped -= 1
    return max(1, min(width, capped))
