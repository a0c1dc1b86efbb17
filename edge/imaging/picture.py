"""Responsive `<picture>` markup for a product's image (the server-side `ProductImage`).

Every URL names its format (`/img/<id>/<size>.<fmt>?v=<version>`), so the browser picks
the format through `<source type=...>` and a CDN can cache each URL without
`Vary: Accept`; the `?v=` makes each one immutable for a year.

- A *slot* says where the image sits on the page (`thumbnail` tiles, `card`s, a `hero`,
  or the default `product` column): it picks the named sizes the `srcset` lists (only
  those a browser could pick for that layout at density 1 to 2) and the default `sizes`.
- `srcset` lists those sizes, each described by the width `/img` really renders
  (`SizeRequest.target_width`, the same rule the route uses), so no candidate is an
  upscale or a duplicate. `@2x` URLs are not needed: `w` descriptors already let the
  browser account for pixel density.
- URLs start with `IMGEDGE_PUBLIC_BASE_URL` when it is set (a CDN), else are relative.
- The JSON form (`GET /api/pictures`) and this markup are built from the same
  `picture_set`.
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

from edge.imaging.formats import Format
from edge.imaging.sizes import NAMED_WIDTHS, SIZES, SizeRequest
from edge.imaging.urls import img_url

# A product page's image column: the full viewport width on phones, at most 640 CSS px
# beyond that. At 2x density that asks for up to 1280 device pixels, i.e. `large` or the
# original; pass a slot or `sizes=` where the image is laid out differently.
DEFAULT_SIZES = "(max-width: 640px) 100vw, 640px"


@dataclass(frozen=True, slots=True)
class Slot:
    """Where an image sits on a page: the sizes its `srcset` offers and its `sizes`."""

    name: str
    sizes: tuple[str, ...]  # named sizes (keys of SIZES), narrowest first
    default_sizes: str


SLOTS: dict[str, Slot] = {
    # Grid tiles of ~150 CSS px: `thumbnail` at density 1, `small` at 2.
    "thumbnail": Slot("thumbnail", ("thumbnail", "small"), "150px"),
    # Cards of ~300-400 CSS px: `small` at density 1, `medium` at 2.
    "card": Slot("card", ("small", "medium"), "(max-width: 640px) 50vw, 400px"),
    # The full viewport width: phones to large screens.
    "hero": Slot("hero", ("medium", "large", "original"), "100vw"),
    # A product page's image column (the default): any size.
    "product": Slot("product", tuple(SIZES), DEFAULT_SIZES),
}
DEFAULT_SLOT = SLOTS["product"]

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


def picture_sources(
    product_id: int, image: PictureImage, slot: Slot = DEFAULT_SLOT, base_url: str = ""
) -> list[PictureSource]:
    """AVIF, WebP, then the `<img>` fallback (JPEG or PNG), in the order the markup uses."""
    if isinstance(product_id, bool) or product_id <= 0:
        raise ValueError("product ids are positive integers")
    by_width: dict[int, str] = {}
    for size in slot.sizes:  # narrowest first, `original` last: it wins a width it renders at
        by_width[SizeRequest(size, 1, None).target_width(image.width)] = size
    fallback = Format.PNG if image.has_alpha else Format.JPEG  # JPEG would flatten alpha
    return [
        PictureSource(
            fmt,
            tuple(
                Candidate(img_url(base_url, product_id, f"{by_width[w]}.{fmt}", image.version), w)
                for w in sorted(by_width)
            ),
        )
        for fmt in (Format.AVIF, Format.WEBP, fallback)
    ]


@dataclass(frozen=True, slots=True)
class PictureSet:
    """Everything a `<picture>` (or a client building one) needs about its URLs."""

    sources: tuple[PictureSource, ...]  # AVIF, WebP: each a `<source type srcset>`
    fallback: PictureSource  # JPEG, or PNG for images with alpha: the `<img srcset>`
    src: str  # the `<img src>` for browsers without `srcset`
    placeholder: str | None  # a safe `data:` URI to show while loading, or None


def picture_set(
    product_id: int, image: PictureImage, slot: Slot = DEFAULT_SLOT, base_url: str = ""
) -> PictureSet:
    *sources, fallback = picture_sources(product_id, image, slot, base_url)
    within = [c for c in fallback.candidates if c.width <= _SRC_MAX_WIDTH]
    src = max(within, key=lambda c: c.width) if within else fallback.candidates[0]
    placeholder = image.placeholder
    if not (placeholder and not image.has_alpha and _PLACEHOLDER.fullmatch(placeholder)):
        placeholder = None
    return PictureSet(tuple(sources), fallback, src.url, placeholder)


def picture_html(
    product_id: int,
    image: PictureImage,
    *,
    alt: str,
    sizes: str | None = None,
    priority: bool = False,
    slot: Slot = DEFAULT_SLOT,
    base_url: str = "",
) -> str:
    """The `<picture>` element; `priority` for the above-the-fold image (eager, high);
    `sizes` defaults to the slot's."""
    shown = picture_set(product_id, image, slot, base_url)
    sources, fallback = shown.sources, shown.fallback
    sizes = slot.default_sizes if sizes is None else sizes
    parts = ["<picture>"]
    parts += [
        _tag("source", [("type", s.media_type), ("srcset", s.srcset), ("sizes", sizes)])
        for s in sources
    ]
    attrs = [
        ("src", shown.src),
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
    if shown.placeholder is not None:
        attrs.append(("style", f"background-image:url({shown.placeholder});background-size:cover"))
    parts.append(_tag("img", attrs))
    parts.append("</picture>")
    return "".join(parts)


def _tag(name: str, attrs: list[tuple[str, str]]) -> str:
    rendered = "".join(f' {key}="{escape(value, quote=True)}"' for key, value in attrs)
    return f"<{name}{rendered}>"
