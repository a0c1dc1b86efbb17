"""Named sizes and the `<size>[@2x][.<fmt>]` URL segment."""

from __future__ import annotations

import re
from dataclasses import dataclass

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
_SEGMENT = re.compile(r"^(?P<size>[a-z]+)(?P<retina>@2x)?(?:\.(?P<fmt>[a-z0-9]+))?\Z")


@dataclass(frozen=True, slots=True)
class SizeRequest:
    size: str
    scale: int  # 1, or 2 for @2x
    fmt: Format | None  # None: negotiate from Accept

    def target_width(self, original_width: int) -> int:
        """The width to render: the named width × scale, never above the original."""
        nominal = SIZES[self.size]
        if nominal is None:
            return original_width
        return min(nominal * self.scale, original_width)


def parse_size_segment(segment: str) -> SizeRequest:
    match = _SEGMENT.match(segment)
    if match is None or match["size"] not in SIZES:
        names = ", ".join(SIZES)
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
    return SizeRequest(size=match["size"], scale=2 if match["retina"] else 1, fmt=fmt)
