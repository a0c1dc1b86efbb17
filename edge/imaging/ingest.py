"""Taking in an original: decide its type from its bytes, check its header against the
limits and make its placeholder, before anything is stored (storing and attaching are the
application's: `edge.application.images`)."""

from __future__ import annotations

from dataclasses import dataclass

import anyio.to_thread

from catalog.models import ImageOwner, NewImage
from edge.errors import SourceRejected, UnsupportedMediaType
from edge.imaging.options import Limits, SourceInfo
from edge.imaging.render import placeholder, probe
from edge.imaging.sniff import ACCEPTED_MEDIA_TYPES, sniff_media_type
from edge.storage.originals import OriginalsStore, content_hash


@dataclass(frozen=True, slots=True)
class Examined:
    """An original that passed every check, not stored yet."""

    data: bytes
    content_hash: str
    info: SourceInfo
    placeholder: str

    def new_image(
        self, owner: ImageOwner, *, is_primary: bool = False, sort_order: int | None = None
    ) -> NewImage:
        return NewImage(
            content_hash=self.content_hash,
            width=self.info.width,
            height=self.info.height,
            has_alpha=self.info.has_alpha,
            byte_size=len(self.data),
            media_type=self.info.media_type,
            canonical_product_id=owner.canonical_product_id,
            store_product_id=owner.store_product_id,
            is_primary=is_primary,
            sort_order=sort_order,
            placeholder=self.placeholder,
        )


def examine(data: bytes, limits: Limits) -> Examined:
    """Sniff, probe (header only, limits first), then decode small for the placeholder.

    Blocking (libvips): run it in a worker thread. Raises `UnsupportedMediaType` for bytes
    that are not an accepted image type, `SourceRejected` for oversized or corrupt ones."""
    sniffed = sniff_media_type(data[:64])
    if sniffed is None:
        accepted = ", ".join(t.removeprefix("image/").upper() for t in ACCEPTED_MEDIA_TYPES)
        raise UnsupportedMediaType(
            f"the file is not one of {accepted} (judged by its bytes)", code="unsupported_type"
        )
    info = probe(data, limits)
    if info.media_type != sniffed:
        raise SourceRejected(
            f"the file starts like {sniffed} but reads as {info.media_type}",
            code="type_mismatch",
        )
    return Examined(data, content_hash(data), info, placeholder(data, info))


async def examine_off_loop(data: bytes, limits: Limits) -> Examined:
    return await anyio.to_thread.run_sync(examine, data, limits)


async def ingest_original(
    originals: OriginalsStore,
    data: bytes,
    limits: Limits,
    *,
    canonical_product_id: int | None = None,
    store_product_id: int | None = None,
    is_primary: bool = False,
) -> NewImage:
    """Examine and store an original; describe it for `add_image` (demo and tests)."""
    examined = await examine_off_loop(data, limits)
    await originals.put(data)
    owner = ImageOwner(canonical_product_id, store_product_id)
    return examined.new_image(owner, is_primary=is_primary)
