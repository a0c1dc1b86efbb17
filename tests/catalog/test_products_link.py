"""Writes naming a canonical product that is gone (`products.link`, `images.add_one`)."""

from __future__ import annotations

from typing import Any

import pytest

from catalog.errors import NotFoundError
from catalog.models import MatchStatus, NewImage
from catalog.sql import products


class _RelinkedBeforeLock:
    """The transaction's session, where another writer's work (relink the product to
    `other`, delete `wanted`) lands just before `lock_store_products`."""

    def __init__(self, session: Any, product_id: int, other: int, wanted: int) -> None:
        self._s = session
        self._product_id, self._other, self._wanted = product_id, other, wanted

    def __getattr__(self, name: str) -> Any:
        return getattr(self._s, name)

    async def all(self, query: str, /, **params: Any) -> Any:
        if query == "lock_store_products":
            await self._s.run(
                "link_store_product",
                product_id=self._product_id,
                canonical_id=self._other,
                status=str(MatchStatus.LINKED),
                confidence=None,
            )
            await self._s.run("delete_canonical", canonical_id=self._wanted)
        return await self._s.all(query, **params)


async def test_a_link_to_a_canonical_deleted_meanwhile_is_not_found(catalog):
    """Asked to keep the link it read (X), it finds the product relinked to Y and X gone:
    X is locked and checked like any target (NotFound), not written unchecked (a foreign
    key failure, or a count moved on a canonical row locked out of order)."""
    store = await catalog.create_store("s")
    x = await catalog.create_canonical_product(gtin=None, name="x", brand=None)
    y = await catalog.create_canonical_product(gtin=None, name="y", brand=None)
    product = await catalog.upsert_store_product(
        store_id=store.id, external_id="1", upc=None, gtin=None, name="p"
    )
    await catalog.link_store_product(product.id, x.id, MatchStatus.LINKED)
    async with catalog.connector.transaction(rollback=True) as s:
        racing = _RelinkedBeforeLock(s, product.id, y.id, x.id)
        with pytest.raises(NotFoundError):
            await products.link(racing, product.id, x.id, MatchStatus.LINKED, None)


async def test_an_image_for_a_canonical_product_deleted_meanwhile_is_not_found(catalog):
    """Its row is locked first and found gone: NotFound (404), not a foreign-key 409."""
    gone = await catalog.create_canonical_product(gtin=None, name="x", brand=None)
    await catalog.delete_canonical_product(gone.id)
    with pytest.raises(NotFoundError):
        await catalog.add_image(
            NewImage("cd" * 32, 10, 10, False, 100, "image/jpeg", canonical_product_id=gone.id)
        )
