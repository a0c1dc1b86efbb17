"""The resolver through a catalog outage (stale resolutions, failing fast, recovering by
itself) and its `?v=` rule, over a scripted catalog and a clock the tests move."""

from __future__ import annotations

import pytest

from catalog.errors import CatalogError, CatalogUnavailable
from catalog.models import (
    GALLERY_LIMIT,
    ImageSource,
    Resolution,
    ResolutionChange,
    ResolvedImage,
)
from edge.application.resolution import Resolver
from edge.errors import NotFound


def _image(n: int) -> ResolvedImage:
    return ResolvedImage(n, f"{n:016x}" + "0" * 48, 800, 600, False, ImageSource.CANONICAL)


class ScriptedCatalog:
    """Answers from `shown` (product → images); raises `down` while it is set."""

    def __init__(self) -> None:
        self.shown: dict[int, list[ResolvedImage]] = {1: [_image(1), _image(2)], 2: [_image(3)]}
        self.down: CatalogError | None = None
        self.calls = 0

    async def resolve(self, product_id: int) -> Resolution | None:
        self.calls += 1
        if self.down is not None:
            raise self.down
        images = self.shown.get(product_id)
        return None if images is None else Resolution(product_id, 7, tuple(images))

    async def resolve_many(self, product_ids) -> dict[int, Resolution]:
        self.calls += 1
        if self.down is not None:
            raise self.down
        return {
            pid: Resolution(pid, 7, tuple(self.shown[pid]))
            for pid in product_ids
            if pid in self.shown
        }


@pytest.fixture
def now() -> list[float]:
    return [1000.0]


@pytest.fixture
def catalog() -> ScriptedCatalog:
    return ScriptedCatalog()


@pytest.fixture
def resolver(catalog: ScriptedCatalog, now: list[float]) -> Resolver:
    return Resolver(
        catalog, 30, 100, stale_s=120, version_grace_s=600, retry_s=1.0, clock=lambda: now[0]
    )


async def test_a_resolution_past_its_ttl_is_served_stale_while_the_catalog_is_down(
    resolver, catalog, now
):
    await resolver.lookup(1)
    catalog.down = CatalogUnavailable("connection refused")
    now[0] += 31  # past the TTL
    answer = await resolver.lookup(1)
    assert answer.stale and answer.image.image_id == 1
    calls = catalog.calls
    for _ in range(50):  # within retry_s: the catalog is left alone
        assert (await resolver.lookup(1)).stale
    assert catalog.calls == calls
    assert resolver.stale_served == 51


async def test_an_uncached_product_fails_fast_then_recovers_by_itself(resolver, catalog, now):
    catalog.down = CatalogUnavailable("connection refused")
    with pytest.raises(CatalogUnavailable):
        await resolver.lookup(2)
    calls = catalog.calls
    with pytest.raises(CatalogUnavailable):  # at once, without waiting on the catalog
        await resolver.lookup(2)
    assert catalog.calls == calls
    catalog.down = None  # the database is back
    now[0] += 1.0  # retry_s later, the next request asks again
    answer = await resolver.lookup(2)
    assert not answer.stale and answer.image.image_id == 3


async def test_staleness_is_bounded(resolver, catalog, now):
    await resolver.lookup(1)
    catalog.down = CatalogUnavailable("connection refused")
    now[0] += 30 + 120 + 1  # past TTL and grace
    with pytest.raises(CatalogUnavailable):
        await resolver.lookup(1)


async def test_any_catalog_failure_serves_stale_but_only_outages_stop_asking(
    resolver, catalog, now
):
    """An error that is not an outage (one bad row, say) must not make every uncached
    request fail for `retry_s`."""
    await resolver.lookup(1)
    catalog.down = CatalogError("could not decode a row")
    now[0] += 31
    assert (await resolver.lookup(1)).stale
    calls = catalog.calls
    with pytest.raises(CatalogError):
        await resolver.lookup(2)
    assert catalog.calls == calls + 1  # asked: no circuit opened


async def test_back_to_fresh_once_the_catalog_answers(resolver, catalog, now):
    await resolver.lookup(1)
    catalog.down = CatalogUnavailable("restarting")
    now[0] += 31
    assert (await resolver.lookup(1)).stale
    catalog.down = None
    now[0] += 1.0
    assert not (await resolver.lookup(1)).stale


async def test_a_version_the_product_never_showed_is_not_found(resolver):
    assert (await resolver.lookup(1, _image(2).version)).image.image_id == 2
    with pytest.raises(NotFound) as info:
        await resolver.lookup(1, "0123456789abcdef")
    assert info.value.code == "version_not_found"
    with pytest.raises(NotFound):
        await resolver.lookup(1, _image(3).version)  # another product's image


async def test_a_previous_version_keeps_serving_the_primary_for_a_while(resolver, catalog, now):
    old = _image(1)
    await resolver.lookup(1, old.version)
    catalog.shown[1] = [_image(5), _image(2)]  # a new primary replaces image 1
    resolver.apply(ResolutionChange(product_id=1))
    answer = await resolver.lookup(1, old.version)
    assert answer.image.image_id == 5  # the current primary (never immutable: see caching)
    now[0] += 601  # the grace is over
    with pytest.raises(NotFound):
        await resolver.lookup(1, old.version)


async def test_a_version_dropped_at_ttl_expiry_gets_the_grace_too(resolver, catalog, now):
    old = _image(2)
    await resolver.lookup(1)
    catalog.shown[1] = [_image(1)]  # image 2 deleted, its notification lost
    now[0] += 31
    assert (await resolver.lookup(1, old.version)).image.image_id == 1


async def test_past_the_end_of_a_huge_gallery_any_version_gets_the_primary(resolver, catalog):
    catalog.shown[3] = [_image(100 + n) for n in range(GALLERY_LIMIT)]
    answer = await resolver.lookup(3, "ffffffffffffffff")
    assert answer.image.image_id == 100


async def test_after_missed_changes_every_resolution_is_asked_again_but_kept_as_fallback(
    resolver, catalog, now
):
    await resolver.lookup(1)
    catalog.down = CatalogUnavailable("restarting")
    with pytest.raises(CatalogUnavailable):
        await resolver.lookup(2)  # the circuit opens
    resolver.apply(ResolutionChange())  # the change feed is back: changes were missed
    calls = catalog.calls
    assert (await resolver.lookup(1)).stale  # asked at once, failed: the fallback
    assert catalog.calls == calls + 1
    catalog.down = None
    now[0] += 1.0
    catalog.shown[1] = [_image(9)]
    answer = await resolver.lookup(1)
    assert not answer.stale and answer.image.image_id == 9


async def test_resolve_many_asks_once_for_what_it_lacks_and_caches_it(resolver, catalog, now):
    catalog.shown[3] = []  # a product without an image
    await resolver.lookup(1)
    calls = catalog.calls
    found = await resolver.resolve_many([2, 1, 3, 404, 2])
    assert catalog.calls == calls + 1  # one query for 2, 3 and 404; 1 was cached
    assert {pid: image.image_id for pid, image in found.items()} == {1: 1, 2: 3}
    assert (await resolver.lookup(2)).image.image_id == 3  # cached by resolve_many
    assert catalog.calls == calls + 1
    assert await resolver.resolve_many([1, 2]) == found
    assert catalog.calls == calls + 1


async def test_resolve_many_falls_back_to_stale_only_when_it_has_them_all(resolver, catalog, now):
    await resolver.resolve_many([1, 2])
    catalog.down = CatalogUnavailable("connection refused")
    now[0] += 31  # past the TTL, within stale_s
    assert set(await resolver.resolve_many([1, 2])) == {1, 2}
    with pytest.raises(CatalogUnavailable):  # 3 was never cached: nothing to fall back on
        await resolver.resolve_many([1, 3])
    catalog.down = None
    now[0] += 2  # past retry_s
    catalog.shown[2] = [_image(9)]
    found = await resolver.resolve_many([2])
    assert found[2].image_id == 9
