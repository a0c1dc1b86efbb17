"""Who is acting, and what each kind of actor may see and change.

The curator may do everything; a store sees and changes only its own products, their
custom images and their override. Canonical images are the curator's. Every use case
asks these rules; no route restates them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from catalog.models import ImageOwner, Store, StoreProduct
from edge.errors import Forbidden, NotFound


@dataclass(frozen=True, slots=True)
class Actor:
    """The curator (`store` is None), or one store."""

    store: Store | None

    @property
    def is_curator(self) -> bool:
        return self.store is None

    def may_change(self, product_store_id: int) -> bool:
        return self.store is None or self.store.id == product_store_id

    def check_product(self, product: StoreProduct) -> None:
        if not self.may_change(product.store_id):
            raise Forbidden("this product belongs to another store", code="not_your_product")

    def visible_store(self, store_id: int | None) -> int | None:
        """The store a listing shows: the curator's choice (None: every store's); a
        store's own, unless it asked for another's."""
        if self.store is None:
            return store_id
        if store_id is not None and store_id != self.store.id:
            raise Forbidden("a store sees only its own products", code="not_your_store")
        return self.store.id

    def check_curator(self, action: str) -> None:
        if not self.is_curator:
            raise Forbidden(f"only a curator {action}", code="curator_only")

    def check_owner(self, owner: ImageOwner) -> None:
        """Canonical images are the curator's; a product's own images follow the product."""
        if owner.canonical_product_id is not None and not self.is_curator:
            raise Forbidden("only a curator changes canonical images", code="curator_only")


CURATOR = Actor(store=None)


class ProductReader(Protocol):
    async def get_store_product(self, product_id: int) -> StoreProduct | None: ...


async def visible_product(catalog: ProductReader, actor: Actor, product_id: int) -> StoreProduct:
    """The product, if it exists and this actor may see and change it (raises otherwise)."""
    product = await catalog.get_store_product(product_id)
    if product is None:
        raise NotFound(f"no product {product_id}", code="product_not_found")
    actor.check_product(product)
    return product
