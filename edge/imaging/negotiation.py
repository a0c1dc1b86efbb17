"""Choosing the output format from the `Accept` header (RFC 9110 §12.5.1).

Rules:
- A media range's quality is taken from the most specific range that matches
  (`image/webp` beats `image/*` beats `*/*`); `q=0` means "not acceptable".
- AVIF and WebP are served only when named explicitly: old browsers send `*/*`
  without being able to decode them. JPEG and PNG are also granted by wildcards.
- A missing or empty header means `*/*`; so does one longer than `MAX_ACCEPT_CHARS`:
  browsers send under 200 characters, and a longer header is neither parsed (its cost
  grows with its length) nor kept as a key of the choice cache (4096 keys of 4.7 MB
  each would be 19 GB).
- Among acceptable formats the highest q wins; ties go to the server's order:
  AVIF, WebP, then JPEG before PNG — or PNG before JPEG when the source has alpha.
- When nothing is acceptable, JPEG (PNG for alpha) is served anyway: a picture in a
  format the client did not list beats a 406 for an <img> tag.
- `fallback_formats` ranks what may stand in for AVIF while it is being encoded (the
  `fallback` AVIF policy): the other acceptable formats in the same order, else the
  format served when nothing is acceptable.
"""

from __future__ import annotations

from functools import lru_cache

from edge.imaging.formats import Format

_EXPLICIT_ONLY = frozenset({Format.AVIF, Format.WEBP})
_ORDER_OPAQUE = (Format.AVIF, Format.WEBP, Format.JPEG, Format.PNG)
_ORDER_ALPHA = (Format.AVIF, Format.WEBP, Format.PNG, Format.JPEG)
MAX_ACCEPT_CHARS = 2048


def parse_accept(header: str) -> dict[str, float]:
    """{media range: q} for every well-formed range; malformed q-values count as 0."""
    ranges: dict[str, float] = {}
    for part in header.split(","):
        fields = [f.strip() for f in part.split(";")]
        media = fields[0].lower()
        if "/" not in media:
            continue
        q = 1.0
        for param in fields[1:]:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = min(max(float(value.strip()), 0.0), 1.0)
                except ValueError:
                    q = 0.0
        # A range listed twice keeps its highest quality.
        ranges[media] = max(q, ranges.get(media, 0.0))
    return ranges


def _quality(ranges: dict[str, float], fmt: Format) -> float:
    media = fmt.media_type
    if media in ranges:
        return ranges[media]
    if fmt in _EXPLICIT_ONLY:
        return 0.0
    major = media.split("/")[0] + "/*"
    if major in ranges:
        return ranges[major]
    return ranges.get("*/*", 0.0)


def choose_format(accept: str | None, has_alpha: bool) -> Format:
    """The best format for this `Accept` header and source."""
    if accept is not None and len(accept) > MAX_ACCEPT_CHARS:
        accept = None
    return _choose(accept, has_alpha)


def fallback_formats(accept: str | None, has_alpha: bool) -> tuple[Format, ...]:
    """What to serve instead of AVIF, best first (never empty, never AVIF)."""
    if accept is not None and len(accept) > MAX_ACCEPT_CHARS:
        accept = None
    return _fallbacks(accept, has_alpha)


@lru_cache(maxsize=256)  # only asked while an AVIF is missing
def _fallbacks(accept: str | None, has_alpha: bool) -> tuple[Format, ...]:
    others = tuple(f for f in _ranked(accept, has_alpha) if f is not Format.AVIF)
    return others or (_when_nothing_fits(has_alpha),)


@lru_cache(maxsize=4096)  # headers repeat; keys are at most MAX_ACCEPT_CHARS long
def _choose(accept: str | None, has_alpha: bool) -> Format:
    ranked = _ranked(accept, has_alpha)
    return ranked[0] if ranked else _when_nothing_fits(has_alpha)


def _when_nothing_fits(has_alpha: bool) -> Format:
    return Format.PNG if has_alpha else Format.JPEG


def _ranked(accept: str | None, has_alpha: bool) -> tuple[Format, ...]:
    """The acceptable formats, highest q first, ties in the server's order."""
    ranges = parse_accept(accept) if accept and accept.strip() else {"*/*": 1.0}
    order = _ORDER_ALPHA if has_alpha else _ORDER_OPAQUE
    rated = [(q, n, fmt) for n, fmt in enumerate(order) if (q := _quality(ranges, fmt)) > 0]
    return tuple(fmt for _, _, fmt in sorted(rated, key=lambda r: (-r[0], r[1])))
