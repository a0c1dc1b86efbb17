"""What a render is asked to respect and produce: source limits, how renders are paced,
encoder settings and what a source's header says. Plain values, no libvips: importing
them costs nothing."""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from config import Settings
from edge.imaging.formats import Format

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

T = TypeVar("T", bound="DataclassInstance")


def _from_render_settings(cls: type[T], settings: Settings) -> T:
    """`cls` with each of its fields read from the render settings of the same name."""
    return cls(**{f.name: getattr(settings.render, f.name) for f in dataclasses.fields(cls)})


@dataclass(frozen=True, slots=True)
class Limits:
    max_pixels: int
    max_bytes: int

    @classmethod
    def from_settings(cls, settings: Settings) -> Limits:
        return cls(settings.render.max_source_pixels, settings.render.max_source_bytes)


@dataclass(frozen=True, slots=True)
class RenderPolicy:
    """How renders are paced: pool, deadline, admission and failure memory."""

    workers: int = 2
    timeout_s: float = 20.0
    memory_budget_bytes: int = 1024 * 1024 * 1024
    heavy_workers: int = 1
    heavy_source_pixels: int = 12_000_000
    queue_size: int = 32
    queue_wait_s: float = 5.0
    avif_max_pixels: int = 8_000_000
    failure_ttl_s: float = 60.0
    failure_cache_size: int = 10_000
    background_queue_size: int = 256

    @classmethod
    def from_settings(cls, settings: Settings) -> RenderPolicy:
        return _from_render_settings(cls, settings)


@dataclass(frozen=True, slots=True)
class EncodeOptions:
    jpeg_quality: int = 82
    webp_quality: int = 80
    webp_effort: int = 4
    avif_quality: int = 55
    avif_effort: int = 2
    png_compression: int = 6

    @classmethod
    def from_settings(cls, settings: Settings) -> EncodeOptions:
        return _from_render_settings(cls, settings)

    def save_args(self, fmt: Format) -> tuple[str, dict[str, object]]:
        """(suffix, keyword options) for `write_to_buffer`; metadata is always dropped."""
        if fmt is Format.JPEG:
            return ".jpg", {"Q": self.jpeg_quality, "optimize_coding": True, "keep": "none"}
        if fmt is Format.WEBP:
            return ".webp", {"Q": self.webp_quality, "effort": self.webp_effort, "keep": "none"}
        if fmt is Format.AVIF:
            return ".avif", {"Q": self.avif_quality, "effort": self.avif_effort, "keep": "none"}
        return ".png", {"compression": self.png_compression, "keep": "none"}

    def digest(self) -> str:
        """Short digest of every setting here: each changes the encoded bytes."""
        return hashlib.sha256(repr(dataclasses.astuple(self)).encode()).hexdigest()[:8]


@dataclass(frozen=True, slots=True)
class SourceInfo:
    """What the header says: display dimensions (after EXIF orientation), alpha, type."""

    width: int
    height: int
    has_alpha: bool
    media_type: str
    has_profile: bool = False  # an embedded ICC profile (e.g. Display P3) to convert from
