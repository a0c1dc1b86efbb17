"""What an uploaded file is, decided by its own first bytes (never by its name or header).

Only the raster formats imgedge renders are accepted: JPEG, PNG, WebP, AVIF and GIF.
SVG (scriptable XML), HEIC, TIFF, PDF and everything else are refused before libvips sees
them; the probe afterwards must agree with the sniffed type.
"""

from __future__ import annotations

ACCEPTED_MEDIA_TYPES = ("image/jpeg", "image/png", "image/webp", "image/avif", "image/gif")

_AVIF_BRANDS = frozenset({b"avif", b"avis"})


def sniff_media_type(head: bytes) -> str | None:
    """The media type the leading bytes announce, or None when not an accepted format."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if _is_avif(head):
        return "image/avif"
    return None


def _is_avif(head: bytes) -> bool:
    """An ISO-BMFF `ftyp` box naming AVIF as its major or a compatible brand."""
    if head[4:8] != b"ftyp" or len(head) < 16:
        return False
    box_size = int.from_bytes(head[:4], "big")
    if box_size < 16 or box_size > len(head):
        return False
    brands = [head[8:12]] + [head[i : i + 4] for i in range(16, box_size - 3, 4)]
    return any(brand in _AVIF_BRANDS for brand in brands)
