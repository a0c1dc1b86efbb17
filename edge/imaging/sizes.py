"""Named sizes, the operator's presets and the `<size>[@2x][.<fmt>]` URL segment."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass

from config.presets import Cover, Preset
from edge.errors import BadRequest
from edge.imaging.formats import Format

# The sizes with a nominal width, narrowest first.
NAMED_WIDTHS: dict[str, int] = {
    "thumbnail": 150,
    "small": 400,
    "medium": 800,
    "large": 1200,
}
# Every size of the URL, in that order; `original` (None) renders at the original's width.
SIZES: dict[str, int | None] = {**NAMED_WIDTHS, "original": None}
_SEGMENT = re.compile(r"^(?P<size>[a-z][a-z0-9]*)(?P<retina>@2x)?(?:\.(?P<fmt>[a-z0-9]+))?\Z")
NO_PRESETS: Mapping[str, Preset] = {}


@dataclass(frozen=True, slots=True)
class RenderBox:
    """What a variant is rendered to: a width (never above the original's), and for a
    cover preset the height it is cropped to."""

    width: int
    cover: Cover | None = None


@dataclass(frozen=True, slots=True)
class SizeRequest:
    size: str
    scale: int  # 1, or 2 for @2x
    fmt: Format | None  # None: negotiate from Accept
    preset: Preset | None = None  # set: `size` names this preset

    @property
    def label(self) -> str:
        """The size as asked, for metrics and logs: `small`, `large@2x`, a preset."""
        return self.size if self.scale == 1 else f"{self.size}@2x"

    def target_width(self, original_width: int) -> int:
        """The width to render a named size: its width × scale, never above the original."""
        nominal = SIZES[self.size]
        if nominal is None:
            return original_width
        return min(nominal * self.scale, original_width)

    def box(self, original_width: int, original_height: int) -> RenderBox:
        """The render box, never upscaled. A `contain` preset is a plain width (the widest
        whose height fits the box), so it shares variants with sizes of that width; a
        `cover` preset keeps the box's ratio, shrunk as a whole if the original is
        smaller than the box in either direction."""
        preset = self.preset
        if preset is None:
            return RenderBox(self.target_width(original_width))
        width, height = preset.width * self.scale, preset.height * self.scale
        if preset.crop is None:
            fit = min(1.0, width / original_width, height / original_height)
            return RenderBox(max(1, math.floor(original_width * fit)))
        shrink = min(1.0, original_width / width, original_height / height)
        return RenderBox(
            max(1, math.floor(width * shrink)),
            Cover(max(1, math.floor(height * shrink)), preset.crop),
        )


def parse_size_segment(segment: str, presets: Mapping[str, Preset] = NO_PRESETS) -> SizeRequest:
    match = _SEGMENT.match(segment)
    if match is None or (match["size"] not in SIZES and match["size"] not in presets):
        names = ", ".join([*SIZES, *presets])
        raise BadRequest(
            f"unknown size {segment[:40]!r}; use one of {names}, optionally with @2x",
            code="unknown_size",
        )
    fmt = None
    if match["fmt"] is not None:
        name = "jpg" if match["fmt"] == "jpeg" else match["fmt"]
        try:
            fmt = Format(name)
        except ValueError:
            raise BadRequest(
                f"unknown format {match['fmt']!r}; use avif, webp, jpg or png",
                code="unknown_format",
            ) from None
    scale = 2 if match["retina"] else 1
    return SizeRequest(match["size"], scale, fmt, presets.get(match["size"]))
