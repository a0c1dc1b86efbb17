"""A resolution read that races a change: found by the load test's curators (a product
kept its previous image for over 10 s under load). A read that a change overtook answers
its own request but is not cached."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence

import pytest

from catalog.models import ImageSource, Resolution, ResolutionChange, ResolvedImage
from edge.application.resolution import Resolver


def _resolution(product_id: int, digest: str) -> Resolution:
    image = ResolvedImage(1, digest * 64, 10, 10, False, ImageSource.CANONICAL)
    return Resolution(product_id, 1, (image,))


class _SlowCatalog:
    """Reads the catalog as it is when asked, answers when `answer` is set."""

    def __init__(self) -> None:
        self.shows = "a"
        self.answer = asyncio.Event()

    async def resolve(self, product_id: int) -> Resolution | None:
        seen = self.shows
        await self.answer.wait()
        return _resolution(product_id, seen)

    async def resolve_many(self, product_ids: Sequence[int]) -> dict[int, Resolution]:
        seen = self.shows
        await self.answer.wait()
        return {p: _resolution(p, seen) for p in product_ids}

    async def listen(self, on_change: Callable[[ResolutionChange], None]) -> None:
        pass


@pytest.mark.parametrize("many", [True, False], ids=["resolve_many", "resolve"])
async def test_a_change_during_a_read_is_not_hidden_for_the_ttl(many: bool) -> None:
    catalog = _SlowCatalog()
    resolver = Resolver(catalog, ttl_s=30, max_entries=100)
    # a page's /api/pictures, or one /img miss
    read = asyncio.create_task(resolver.resolve_many([7]) if many else resolver.resolve(7))
    await asyncio.sleep(0)
    catalog.shows = "b"  # a curator's change commits...
    resolver.apply(ResolutionChange(product_id=7))  # ...and is announced
    catalog.answer.set()
    await read  # answered with what the catalog showed when it was read
    assert (await resolver.resolve(7)).content_hash[0] == "b"
    assert resolver.queries == 2


async def test_a_read_without_a_change_is_cached() -> None:
    catalog = _SlowCatalog()
    catalog.answer.set()
    resolver = Resolver(catalog, ttl_s=30, max_entries=100)
    await resolver.resolve_many([7])
    await resolver.resolve(7)
    assert resolver.queries == 1
