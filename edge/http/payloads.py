"""Answer bodies built from domain results: one function per body, shared by the routes."""

from __future__ import annotations

from typing import Any

from catalog.models import PrimaryShown, ProductImage, ResolvedImage, StoreProduct
from edge.application.images import ShownImages, Uploaded
from edge.application.products import ProductListing
from edge.application.review import QueueEntry
from edge.http import bodies
from edge.imaging.sizes import SIZES
from edge.imaging.urls import img_url


def versioned_urls(base_url: str, product_id: int, version: str) -> Any:
    """Versioned `/img` URLs per size: safe to cache for a year, they change with the bytes."""
    return bodies.ImageUrls(
        **{size: img_url(base_url, product_id, size, version) for size in SIZES}
    )


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


def product_images(shown: ShownImages, base_url: str) -> bodies.ProductImages:
    product = shown.product
    return bodies.ProductImages(
        product_id=product.id,
        use_custom_image=product.use_custom_image,
        image_fetch_error=product.image_fetch_error,
        source=shown.source,
        images=[
            bodies.ListedImage(
                **_image_fields(i), urls=versioned_urls(base_url, product.id, i.version)
            )
            for i in shown.images
        ],
        complete=shown.complete,
    )


def product(product: StoreProduct, image: ResolvedImage | None, base_url: str) -> bodies.Product:
    shown = None
    if image is not None:
        shown = bodies.ShownImage(
            id=image.image_id,
            source=image.source,
            width=image.width,
            height=image.height,
            version=image.version,
            urls=versioned_urls(base_url, product.id, image.version),
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


def canonical_thumbnail(base_url: str, shown: PrimaryShown | None) -> str | None:
    """A canonical product's primary, through the product that shows it (if any)."""
    return img_url(base_url, shown.product_id, "thumbnail", shown.version) if shown else None


def review_item(entry: QueueEntry, base_url: str) -> bodies.ReviewQueueItem:
    item = entry.item
    assert entry.waiting_since is not None  # listed from the queue
    return bodies.ReviewQueueItem(
        queue_item_id=item.id,
        status=item.status,
        confidence=item.confidence,
        waiting_since=entry.waiting_since,
        product=product(entry.product, entry.image, base_url),
        recorded_candidates=[
            bodies.RecordedCandidate(canonical_product_id=c, score=score)
            for c, score in item.candidates
        ],
        candidates=[
            bodies.ReviewCandidate(
                canonical_product_id=c.canonical.id,
                name=c.canonical.name,
                brand=c.canonical.brand,
                gtin=c.canonical.gtin,
                provisional=c.canonical.provisional,
                store_named=c.canonical.store_named,
                image_count=c.canonical.image_count,
                product_count=c.canonical.product_count,
                thumbnail_url=canonical_thumbnail(base_url, c.image),
                score=c.score,
                recorded_score=c.recorded_score,
                reasons=list(c.reasons),
            )
            for c in entry.candidates
        ],
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


def product_list(listing: ProductListing, base_url: str) -> bodies.ProductList:
    listed = []
    for found in listing.products:
        p, version = found.product, found.shown_version
        image = None
        if version is not None:
            image = bodies.ListedImageRef(version, versioned_urls(base_url, p.id, version))
        listed.append(bodies.ListedProductBody(**_product_fields(p), image=image))
    return bodies.ProductList(
        listed, listing.total, listing.page, listing.per_page, listing.next_page
    )
