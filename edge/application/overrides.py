"""A store's own image from a URL (its sync's `image_url`): fetched safely, stored like an
upload, made the product's primary custom image. A failure is recorded on the product,
which keeps showing what it showed before (its canonical image, unless overridden)."""

from __future__ import annotations

import logging

from catalog.models import ImageOwner, ProductImage
from edge.errors import BadGateway, EdgeError, SourceRejected
from edge.imaging.ingest import attach, examine_off_loop
from edge.imaging.render import Limits
from edge.remote.fetch import RemoteFetchError
from edge.services import Services

log = logging.getLogger("imgedge")

# Refusals by policy are the store's to fix (422); the others are the remote host's (502).
_POLICY_CODES = frozenset({"bad_url", "host_not_allowed", "address_not_public"})


async def use_image_url(svc: Services, product_id: int, url: str) -> ProductImage:
    """Fetch `url`, attach it as the product's primary custom image; record any failure."""
    try:
        data = await svc.fetch_remote(url)
        examined = await examine_off_loop(data, Limits.from_settings(svc.settings))
    except RemoteFetchError as exc:
        await _record(svc, product_id, f"{exc.code}: {exc.message}")
        cls = SourceRejected if exc.code in _POLICY_CODES else BadGateway
        raise cls(f"image_url not used: {exc.message}", code=f"image_url_{exc.code}") from None
    except EdgeError as exc:  # fetched, but not an acceptable image
        await _record(svc, product_id, f"{exc.code}: {exc.message}")
        raise
    image, _ = await attach(
        svc.catalog,
        svc.originals,
        examined,
        ImageOwner(store_product_id=product_id),
        is_primary=True,
    )
    await svc.catalog.set_image_fetch_error(product_id, None)
    return image


async def _record(svc: Services, product_id: int, reason: str) -> None:
    log.info("image_url of product %d not used: %s", product_id, reason)
    await svc.catalog.set_image_fetch_error(product_id, reason)
