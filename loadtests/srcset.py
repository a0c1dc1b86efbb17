"""Which image URL a browser takes from imgedge's `<picture>` data (`/api/pictures`):
the first `<source>` whose type its `Accept` names (AVIF, WebP), else the `<img>`'s
JPEG/PNG `srcset`; from that `srcset` of `w` descriptors, the smallest candidate at least
as wide as the slot's CSS px (from `sizes` at the viewport) × the device pixel ratio,
else the largest — the selection rule browsers apply (before their cache tweaks).

Pure functions, shared by the page-bytes benchmark and the Locust scenarios."""

from __future__ import annotations

import re
from typing import Any


def css_px(sizes: str, viewport: int) -> float:
    """The width a `sizes` list gives at `viewport` CSS px (the forms imgedge uses:
    `(max-width: Npx) <len>` entries then a default; `<len>` in px or vw)."""
    for entry in (e.strip() for e in sizes.split(",")):
        match = re.fullmatch(r"(?:\(max-width:\s*(\d+)px\)\s+)?(\d+(?:\.\d+)?)(px|vw)", entry)
        if match is None:
            raise ValueError(f"cannot evaluate sizes entry {entry!r}")
        limit, value, unit = match.groups()
        if limit is None or viewport <= int(limit):
            return float(value) * (viewport / 100 if unit == "vw" else 1)
    raise ValueError(f"no default in sizes {sizes!r}")


def pick(srcset: str, needed_px: float) -> tuple[str, int]:
    """The browser's choice: smallest `w` candidate ≥ the needed device px, else the largest."""
    candidates = sorted(
        (int(width.removesuffix("w")), url)
        for url, width in (c.strip().rsplit(" ", 1) for c in srcset.split(","))
    )
    for width, url in candidates:
        if width >= needed_px:
            return url, width
    width, url = candidates[-1]
    return url, width


def accepted_srcset(picture: dict[str, Any], accept: str) -> str:
    """The `srcset` a browser with this `Accept` uses: its first accepted `<source>`
    type, else the `<img>`'s."""
    types = {part.split(";")[0].strip() for part in accept.split(",")}
    for source in picture["sources"]:
        if source["type"] in types:
            return str(source["srcset"])
    return str(picture["srcset"])


def browser_pick(
    picture: dict[str, Any], sizes: str, accept: str, viewport: int, dpr: float
) -> tuple[str, int]:
    """The URL (and its width) a browser fetches for one picture of an `/api/pictures`
    answer, laid out with `sizes` in a `viewport` CSS px wide window at `dpr`."""
    return pick(accepted_srcset(picture, accept), css_px(sizes, viewport) * dpr)
