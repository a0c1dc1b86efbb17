"""Finding store products: the list behind `GET /api/products` and the console's
products page. A store sees only its own (`Actor.visible_store`)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from catalog.models import ListedProduct, ProductSearch
from catalog.repository import ProductRepository
from edge.application.actors import Actor

PAGE_SIZE = 50
# Pages are offsets: the deepest one a listing reaches (a search narrows it instead).
MAX_PAGE = 10_000


@dataclass(frozen=True, slots=True)
class ProductListing:
    """One page (numbered from 1) of the products a search found, and how many in all."""

    products: list[ListedProduct]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def next_page(self) -> int | None:
        return self.page + 1 if self.page < min(self.pages, MAX_PAGE) else None

    @property
    def previous_page(self) -> int | None:
        return self.page - 1 if self.page > 1 else None


class Products:
    def __init__(self, catalog: ProductRepository) -> None:
        self._catalog = catalog

    async def search(
        self, actor: Actor, search: ProductSearch, page: int = 1, per_page: int = PAGE_SIZE
    ) -> ProductListing:
        """Page `page` (1 to MAX_PAGE) of the products matching `search`, by id."""
        seen = replace(search, store_id=actor.visible_store(search.store_id))
        found = await self._catalog.search_store_products(
            seen, offset=(page - 1) * per_page, limit=per_page
        )
        return ProductListing(found.products, found.total, page, per_page)
