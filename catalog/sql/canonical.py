"""A curator's repair of canonical products: rename one, delete one nothing links to.
(Merging lives with the links it moves, in `products`.)"""

from __future__ import annotations

from catalog import rows
from catalog.connector import Session
from catalog.errors import InUseError, NotFoundError
from catalog.models import CanonicalProduct, ProductImage, ResolutionChange
from catalog.names import normalize_name
from catalog.sql.products import lock_canonicals


async def rename(s: Session, canonical_id: int, name: str, brand: str | None) -> CanonicalProduct:
    row = await s.one(
        "rename_canonical",
        canonical_id=canonical_id,
        name=name,
        normalized_name=normalize_name(name),
        brand=brand,
    )
    if row is None:
        raise NotFoundError(f"canonical product {canonical_id} does not exist")
    return rows.canonical(row)


async def delete(s: Session, canonical_id: int) -> list[ProductImage]:
    """Delete it, with its images (returned: their originals may be unreferenced now).

    The row lock comes first, as on every path that links to it: a link being made waits
    for this transaction (and then fails), and none can slip in between count and delete."""
    await lock_canonicals(s, [canonical_id], query="lock_canonicals_to_delete")
    if await s.one("get_canonical_product", canonical_id=canonical_id) is None:
        raise NotFoundError(f"canonical product {canonical_id} does not exist")
    counted = await s.one("count_canonical_links", canonical_id=canonical_id)
    links = int(counted["count"]) if counted else 0
    if links:
        raise InUseError(
            f"{links} store product(s) link to canonical product {canonical_id}: "
            "move them first (merge, or decide their matches)",
            links,
        )
    images = [rows.image(r) for r in await s.all("list_canonical_images", owner_id=canonical_id)]
    await s.run("delete_canonical", canonical_id=canonical_id)  # its images go with it
    s.notify(ResolutionChange(canonical_product_id=canonical_id))
    return images
