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


@lru_cache(maxsize=4096)  # headers repeat; keys are at most MAX_ACCEPT_CHARS long
def _choose(accept: str | None, has_alpha: bool) -> Format:
    ranges = parse_accept(accept) if accept and accept.strip() else {"*/*": 1.0}
    order = _ORDER_ALPHA if has_alpha else _ORDER_OPAQUE
    best, best_q = None, 0.0
    for fmt in order:
        q = _quality(ranges, fmt)
        if q > best_q:
            best, best_q = fmt, q
    if best is None:
        return Format.PNG if has_alpha else Format.JPEG
    return best
