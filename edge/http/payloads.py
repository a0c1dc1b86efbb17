"""JSON answers built from domain results: one function per body, shared by the routes."""

from __future__ import annotations

from typing import Any

from catalog.models import ProductImage, ResolvedImage, StoreProduct
from edge.application.images import ShownImages
from edge.imaging.sizes import SIZES


def versioned_urls(product_id: int, version: str) -> dict[str, str]:
    """Versioned `/img` URLs per size: safe to cache for a year, they change with the bytes."""
    return {size: f"/img/{product_id}/{size}?v={version}" for size in SIZES}


def image_payload(image: ProductImage) -> dict[str, Any]:
    return {
        "id": image.id,
        "source": str(image.source),
        "canonical_product_id": image.canonical_product_id,
        "store_product_id": image.store_product_id,
        "content_hash": image.content_hash,
        "version": image.version,
        "width": image.width,
        "height": image.height,
        "has_alpha": image.has_alpha,
        "media_type": image.media_type,
        "byte_size": image.byte_size,
        "is_primary": image.is_primary,
        "sort_order": image.sort_order,
        "placeholder": image.placeholder,
    }


def shown_images_payload(shown: ShownImages) -> dict[str, Any]:
    product = shown.product
    return {
        "product_id": product.id,
        "use_custom_image": product.use_custom_image,
        "image_fetch_error": product.image_fetch_error,
        "source": str(shown.source) if shown.source is not None else None,
        "images": [
            image_payload(i) | {"urls": versioned_urls(product.id, i.version)} for i in shown.images
        ],
    }


def product_payload(product: StoreProduct, image: ResolvedImage | None) -> dict[str, Any]:
    shown = None
    if image is not None:
        shown = {
            "id": image.image_id,
            "source": str(image.source),
            "width": image.width,
            "height": image.height,
            "version": image.version,
            "urls": versioned_urls(product.id, image.version),
        }
    return {
        "id": product.id,
        "store": {"id": product.store_id, "name": product.store_name},
        "external_id": product.external_id,
        "upc": product.upc,
        "gtin": product.gtin,
        "name": product.name,
        "brand": product.brand,
        "canonical_product_id": product.canonical_product_id,
        "match_status": str(product.match_status),
        "match_confidence": product.match_confidence,
        "use_custom_image": product.use_custom_image,
        "image": shown,
    }
