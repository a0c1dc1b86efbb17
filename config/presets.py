"""Named presets (`IMGEDGE_PRESETS`): a box and a fit mode an operator names, usable as
`/img/<id>/<preset>[@2x][.<fmt>]` beside the four named sizes.

The setting is a comma-separated list of `name=<width>x<height>[:<fit>]`, e.g.
`tile=300x300:cover-attention,card=400x300:cover-centre,banner=1200x400`, where `<fit>`
is `contain` (the default: the whole image fits in the box, as the named sizes do) or
`cover-attention` / `cover-centre` (the image covers the box, cropped to it around its
most interesting part or its centre). Names are lowercase letters and digits, 1 to 32,
and not a size name; boxes are 16 to 4096 px a side. The list is the whole variant
space a deployment opens: still no arbitrary widths in URLs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Fit = Literal["contain", "cover"]
Crop = Literal["attention", "centre"]
RESERVED = frozenset({"thumbnail", "small", "medium", "large", "original"})
MIN_SIDE = 16
MAX_SIDE = 4096
MAX_PRESETS = 32
_ENTRY = re.compile(
    r"(?P<name>[a-z][a-z0-9]{0,31})=(?P<width>[0-9]{1,5})x(?P<height>[0-9]{1,5})"
    r"(?::(?P<fit>contain|cover-attention|cover-centre))?\Z"
)


@dataclass(frozen=True, slots=True)
class Preset:
    name: str
    width: int
    height: int
    crop: Crop | None  # None: contain (fit inside the box); else cover, cropped this way

    @property
    def fit(self) -> Fit:
        return "contain" if self.crop is None else "cover"

    @property
    def spec(self) -> str:
        fit = "contain" if self.crop is None else f"cover-{self.crop}"
        return f"{self.name}={self.width}x{self.height}:{fit}"


def parse_presets(raw: str) -> dict[str, Preset]:
    """The presets by name; `ValueError` with a one-line reason for a bad list."""
    presets: dict[str, Preset] = {}
    for part in (p.strip() for p in raw.split(",")):
        if not part:
            continue
        match = _ENTRY.match(part)
        if match is None:
            raise ValueError(
                f"{part[:60]!r} is not name=<width>x<height>[:contain|cover-attention|"
                "cover-centre] (name: lowercase letters and digits)"
            )
        name, width, height = match["name"], int(match["width"]), int(match["height"])
        if name in RESERVED:
            raise ValueError(f"{name!r} is a size name; pick another preset name")
        if name in presets:
            raise ValueError(f"preset {name!r} is given twice")
        if not (MIN_SIDE <= width <= MAX_SIDE and MIN_SIDE <= height <= MAX_SIDE):
            raise ValueError(f"preset {name!r}: sides must be {MIN_SIDE} to {MAX_SIDE} px")
        fit = match["fit"] or "contain"
        crop: Crop | None = None
        if fit == "cover-attention":
            crop = "attention"
        elif fit == "cover-centre":
            crop = "centre"
        presets[name] = Preset(name, width, height, crop)
    if len(presets) > MAX_PRESETS:
        raise ValueError(f"at most {MAX_PRESETS} presets")
    return presets


@dataclass(frozen=True, slots=True)
class Cover:
    """A cover render's box beyond its width: the height it is cropped to, and how."""

    height: int
    crop: Crop

    def __post_init__(self) -> None:
        if not 0 < self.height < 1_000_000 or self.crop not in ("attention", "centre"):
            raise ValueError("a cover has a positive height and a known crop")
