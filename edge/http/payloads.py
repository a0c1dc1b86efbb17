"""Answer bodies built from domain results: one function per body, shared by the routes."""

from __future__ import annotations

from typing import Any

from catalog.models import ProductImage, ResolvedImage, StoreProduct
from edge.application.images import ShownImages, Uploaded
from edge.application.products import ProductListing
from edge.http import bodies
from edge.imaging.sizes import SIZES


def versioned_urls(product_id: int, version: str) -> Any:
    """Versioned `/img` URLs per size: safe to cache for a year, they change with the bytes."""
    return bodies.ImageUrls(**{size: f"/img/{product_id}/{size}?v={version}" for size in SIZES})


def _image_fields(image: ProductImage) -> dict[str, Any]:
    return {
        "id": image.id,
        "source": image.source,
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


def upload_result(uploaded: list[Uploaded]) -> bodies.UploadResult:
    return bodies.UploadResult(
        [bodies.UploadedImage(**_image_fields(u.image), created=u.created) for u in uploaded]
    )


def product_images(shown: ShownImages) -> bodies.ProductImages:
    product = shown.product
    return bodies.ProductImages(
        product_id=product.id,
        use_custom_image=product.use_custom_image,
        image_fetch_error=product.image_fetch_error,
        source=shown.source,
        images=[
            bodies.ListedImage(**_image_fields(i), urls=versioned_urls(product.id, i.version))
            for i in shown.images
        ],
        complete=shown.complete,
    )


def product(product: StoreProduct, image: ResolvedImage | None) -> bodies.Product:
    shown = None
    if image is not None:
        shown = bodies.ShownImage(
            id=image.image_id,
            source=image.source,
            width=image.width,
            height=image.height,
            version=image.version,
            urls=versioned_urls(product.id, image.version),
        )
    return bodies.Product(
        **_product_fields(product),
        brand=product.brand,
        match_confidence=product.match_confidence,
        image=shown,
        model=product.model,
        mpn=product.mpn,
        category=product.category,
        size=product.size,
        price=product.price,
        currency=product.currency,
    )


def _product_fields(product: StoreProduct) -> dict[str, Any]:
    """What every product body says of the product itself."""
    return {
        "id": product.id,
        "store": bodies.StoreRef(product.store_id, product.store_name),
        "external_id": product.external_id,
        "upc": product.upc,
        "gtin": product.gtin,
        "name": product.name,
        "canonical_product_id": product.canonical_product_id,
        "match_status": product.match_status,
        "use_custom_image": product.use_custom_image,
    }


def product_list(listing: ProductListing) -> bodies.ProductList:
    listed = []
    for found in listing.products:
        p, version = found.product, found.shown_version
        image = None
        if version is not None:
            image = bodies.ListedImageRef(version, versioned_urls(p.id, version))
        listed.append(bodies.ListedProductBody(**_product_fields(p), image=image))
    return bodies.ProductList(
        listed, listing.total, listing.page, listing.per_page, listing.next_page
    )
