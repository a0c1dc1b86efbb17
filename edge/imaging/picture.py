"""Responsive `<picture>` markup for a product's image (the server-side `ProductImage`).

Every URL names its format (`/img/<id>/<size>.<fmt>?v=<version>`), so the browser picks
the format through `<source type=...>` and a CDN can cache each URL without
`Vary: Accept`; the `?v=` makes each one immutable for a year.

- `srcset` lists the named widths below the original's width plus the original itself,
  each described by the width `/img` really renders (`SizeRequest.target_width`, the
  same rule the route uses), so no candidate is an upscale or a duplicate. `@2x` URLs
  are not needed: `w` descriptors already let the browser account for pixel density.
- AVIF and WebP keep transparency; the `<img>` fallback is JPEG, or PNG when the image
  has alpha (JPEG would flatten it).
- `width`/`height` on the `<img>` are the original's intrinsic dimensions: browsers
  reserve space from their ratio, so nothing shifts while the image loads (style it
  with `max-width: 100%; height: auto`).
- The placeholder (a tiny `data:` URI) is the `<img>`'s background while it loads. It is
  only used when it is a plain base64 image data URI, and never for images with alpha,
  whose transparent pixels would keep showing the blurred placeholder after loading.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import escape
from urllib.parse import quote

from edge.imaging.formats import Format
from edge.imaging.sizes import NAMED_WIDTHS, SIZES, SizeRequest

# A product page's image column: the full viewport width on phones, at most 640 CSS px
# beyond that. At 2x density that asks for up to 1280 device pixels, i.e. `large` or the
# original; pass `sizes=` where the image is laid out differently (grids, thumbnails).
DEFAULT_SIZES = "(max-width: 640px) 100vw, 640px"

# The `<img src>` for browsers without `srcset`: the largest candidate not above this.
_SRC_MAX_WIDTH = NAMED_WIDTHS["medium"]

_PLACEHOLDER = re.compile(r"data:image/(?:webp|jpeg|png|avif);base64,[A-Za-z0-9+/=]+")


@dataclass(frozen=True, slots=True)
class PictureImage:
    """What the markup needs to know about the image a product shows."""

    width: int  # intrinsic (display) size of the original
    height: int
    version: str  # the `?v=` token, `ResolvedImage.version`
    has_alpha: bool
    placeholder: str | None = None  # a tiny `data:image/...;base64,...` URI

    def __post_init__(self) -> None:
        if self.width <= 0 or self.height <= 0:
            raise ValueError("an image has a positive width and height")


@dataclass(frozen=True, slots=True)
class Candidate:
    """One `srcset` entry: a URL and the width in pixels it renders at."""

    url: str
    width: int


@dataclass(frozen=True, slots=True)
class PictureSource:
    """One format's candidates, narrowest first."""

    fmt: Format
    candidates: tuple[Candidate, ...]

    @property
    def media_type(self) -> str:
        return self.fmt.media_type

    @property
    def srcset(self) -> str:
        return ", ".join(f"{c.url} {c.width}w" for c in self.candidates)


def picture_sources(product_id: int, image: PictureImage) -> list[PictureSource]:
    """AVIF, WebP, then the `<img>` fallback (JPEG or PNG), in the order the markup uses."""
    if isinstance(product_id, bool) or product_id <= 0:
        raise ValueError("product ids are positive integers")
    by_width: dict[int, str] = {}
    for size in SIZES:  # narrowest first, `original` last: it wins a width it renders at
        by_width[SizeRequest(size, 1, None).target_width(image.width)] = size
    version = quote(image.version, safe="")
    fallback = Format.PNG if image.has_alpha else Format.JPEG  # JPEG would flatten alpha
    return [
        PictureSource(
            fmt,
            tuple(
                Candidate(f"/img/{product_id}/{by_width[w]}.{fmt}?v={version}", w)
                for w in sorted(by_width)
            ),
        )
        for fmt in (Format.AVIF, Format.WEBP, fallback)
    ]


def picture_html(
    product_id: int,
    image: PictureImage,
    *,
    alt: str,
    sizes: str = DEFAULT_SIZES,
    priority: bool = False,
) -> str:
    """The `<picture>` element; `priority` for the above-the-fold image (eager, high)."""
    *sources, fallback = picture_sources(product_id, image)
    src = max((c for c in fallback.candidates if c.width <= _SRC_MAX_WIDTH), key=lambda c: c.width)
    parts = ["<picture>"]
    parts += [
        _tag("source", [("type", s.media_type), ("srcset", s.srcset), ("sizes", sizes)])
        for s in sources
    ]
    attrs = [
        ("src", src.url),
        ("srcset", fallback.srcset),
        ("sizes", sizes),
        ("width", str(image.width)),
        ("height", str(image.height)),
        ("alt", alt),
        ("loading", "eager" if priority else "lazy"),
    ]
    if priority:
        attrs.append(("fetchpriority", "high"))
    attrs.append(("decoding", "async"))
    placeholder = image.placeholder
    if placeholder and not image.has_alpha and _PLACEHOLDER.fullmatch(placeholder):
        attrs.append(("style", f"background-image:url({placeholder});background-size:cover"))
    parts.append(_tag("img", attrs))
    parts.append("</picture>")
    return "".join(parts)


def _tag(name: str, attrs: list[tuple[str, str]]) -> str:
    rendered = "".join(f' {key}="{escape(value, quote=True)}"' for key, value in attrs)
    return f"<{name}{rendered}>"
