"""Output formats: their media types and URL suffixes."""

from __future__ import annotations

from enum import StrEnum


class Format(StrEnum):
    AVIF = "avif"
    WEBP = "webp"
    JPEG = "jpg"
    PNG = "png"

    @property
    def media_type(self) -> str:
        return _MEDIA_TYPES[self]

    @property
    def keeps_alpha(self) -> bool:
        return self is not Format.JPEG


_MEDIA_TYPES = {
    Format.AVIF: "image/avif",
    Format.WEBP: "image/webp",
    Format.JPEG: "image/jpeg",
    Format.PNG: "image/png",
}
