"""The pictures a page shows: for a page of products, the image each shows now, its
`alt` and its placeholder, in at most two catalog queries whatever the page's size
(resolutions come from the resolver's cache, one query for those it lacks; one more for
the names and placeholders)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from catalog.models import PictureFacts, ResolvedImage
from edge.application.resolution import Resolver


class PictureFactsReader(Protocol):
    async def picture_facts(self, shown: Sequence[tuple[int, int]]) -> dict[int, PictureFacts]: ...


@dataclass(frozen=True, slots=True)
class ShownPicture:
    product_id: int
    alt: str  # the product's name
    image: ResolvedImage  # the primary image it shows
    placeholder: str | None


class Pictures:
    def __init__(self, resolver: Resolver, catalog: PictureFactsReader) -> None:
        self._resolver = resolver
        self._catalog = catalog

    async def shown(self, product_ids: Sequence[int]) -> dict[int, ShownPicture]:
        """The products of `product_ids` that show an image, by id; the others (unknown,
        or without an image) are absent. Public facts only: what `/img` shows anyone."""
        images = await self._resolver.resolve_many(product_ids)
        if not images:
            return {}
        facts = await self._catalog.picture_facts(
            [(pid, image.image_id) for pid, image in images.items()]
        )
        return {
            pid: ShownPicture(pid, facts[pid].name, image, facts[pid].placeholder)
            for pid, image in images.items()
            if pid in facts  # deleted between the two queries: missing
        }
