"""Taking in an original: check its header against the limits, then store it once."""

from __future__ import annotations

import anyio.to_thread

from catalog.models import NewImage
from edge.originals import OriginalsStore
from edge.render import Limits, SourceInfo, probe


async def ingest_original(
    originals: OriginalsStore,
    data: bytes,
    limits: Limits,
    *,
    canonical_product_id: int | None = None,
    store_product_id: int | None = None,
    is_primary: bool = False,
) -> NewImage:
    """Probe (header only, off the loop), store by content hash, describe the image.

    Raises `SourceRejected` for unreadable or oversized sources before anything is stored.
    """
    info: SourceInfo = await anyio.to_thread.run_sync(probe, data, limits)
    digest = await originals.put(data)
    return NewImage(
        content_hash=digest,
        width=info.width,
        height=info.height,
        has_alpha=info.has_alpha,
        byte_size=len(data),
        media_type=info.media_type,
        canonical_product_id=canonical_product_id,
        store_product_id=store_product_id,
        is_primary=is_primary,
    )
