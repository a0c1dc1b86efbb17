"""Images of an owner: attach, make primary, reorder, delete (inside a transaction)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from catalog import rows
from catalog.connector import Session
from catalog.errors import ConflictError, NotFoundError
from catalog.models import ImageOwner, NewImage, ProductImage, ResolutionChange
from catalog.sql import json_param
from catalog.sql.products import lock_canonicals


def owner_change(canonical_id: int | None, store_product_id: int | None) -> ResolutionChange:
    """The change to announce when an image owner's images (or primary) change."""
    if store_product_id is not None:
        return ResolutionChange(product_id=store_product_id)
    return ResolutionChange(canonical_product_id=canonical_id)


async def get(s: Session, image_id: int) -> ProductImage:
    row = await s.one("get_image", image_id=image_id)
    if row is None:
        raise NotFoundError(f"image {image_id} does not exist")
    return rows.image(row)


async def list_of(s: Session, owner: ImageOwner) -> list[ProductImage]:
    return [rows.image(r) for r in await s.all(f"list_{owner.kind}_images", owner_id=owner.id)]


async def add(s: Session, image: NewImage) -> ProductImage:
    added, _ = await add_one(s, image)
    return added


async def add_one(s: Session, image: NewImage) -> tuple[ProductImage, bool]:
    """The image attached, and True when it is new (False: the owner had these bytes)."""
    owner = ImageOwner(image.canonical_product_id, image.store_product_id)
    # The canonical row first (the lock order of every write that references it), so an
    # attach cannot deadlock with a curator deleting or merging its canonical product.
    locked = await lock_canonicals(s, [image.canonical_product_id])
    if image.canonical_product_id is not None and image.canonical_product_id not in locked:
        raise NotFoundError(f"canonical product {image.canonical_product_id} does not exist")
    same = await s.one(
        f"find_{owner.kind}_image_by_hash", owner_id=owner.id, content_hash=image.content_hash
    )
    if same is not None:  # these bytes are attached already: the same image
        existing = rows.image(same)
        if image.is_primary and not existing.is_primary:
            await make_primary(s, existing)
            return replace(existing, is_primary=True), False
        return existing, False
    counts = await s.one(f"next_{owner.kind}_sort_order", owner_id=owner.id)
    next_order, existing_count = (counts["next_order"], counts["existing"]) if counts else (0, 0)
    primary = image.is_primary or existing_count == 0
    if primary:
        await s.run(f"clear_{owner.kind}_primary", owner_id=owner.id)
    inserted = await s.one(
        "insert_image",
        content_hash=image.content_hash,
        width=image.width,
        height=image.height,
        has_alpha=image.has_alpha,
        byte_size=image.byte_size,
        media_type=image.media_type,
        canonical_product_id=image.canonical_product_id,
        store_product_id=image.store_product_id,
        is_primary=primary,
        sort_order=next_order if image.sort_order is None else image.sort_order,
        placeholder=image.placeholder,
    )
    if inserted is None:
        raise NotFoundError("image was not stored")
    if image.canonical_product_id is not None:
        await s.run("refresh_image_count", canonical_id=image.canonical_product_id)
    if primary:
        s.notify(owner_change(image.canonical_product_id, image.store_product_id))
    return await get(s, inserted["id"]), True


async def make_primary(s: Session, image: ProductImage) -> None:
    owner = image.owner
    await s.run(f"clear_{owner.kind}_primary", owner_id=owner.id)
    await s.run("set_image_primary", image_id=image.id, is_primary=True)
    s.notify(owner_change(image.canonical_product_id, image.store_product_id))


async def reorder(s: Session, owner: ImageOwner, image_ids: Sequence[int]) -> list[ProductImage]:
    current = {image.id for image in await list_of(s, owner)}
    if len(image_ids) != len(set(image_ids)) or set(image_ids) != current:
        raise ConflictError("the order must name each of the owner's images exactly once")
    order = [{"id": image_id, "sort_order": n} for n, image_id in enumerate(image_ids)]
    await s.run("reorder_images", order=json_param(order))
    s.notify(owner_change(owner.canonical_product_id, owner.store_product_id))
    return await list_of(s, owner)


async def delete(s: Session, image_id: int) -> tuple[ProductImage, bool]:
    image = await get(s, image_id)
    owner = image.owner
    # The canonical row before the image's (its count moves): a merge or a curator's delete
    # takes them in that order too.
    await lock_canonicals(s, [owner.canonical_product_id])
    await s.run("delete_image", image_id=image_id)
    if image.is_primary:
        await s.run(f"promote_first_{owner.kind}", owner_id=owner.id)
    if owner.canonical_product_id is not None:
        await s.run("refresh_image_count", canonical_id=owner.canonical_product_id)
    left = await s.one("count_images_with_hash", content_hash=image.content_hash)
    s.notify(owner_change(owner.canonical_product_id, owner.store_product_id))
    return image, bool(left and left["count"])
