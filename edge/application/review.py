"""Review of uncertain matches: the review queue, a product's scored suggestions, and a
human's decision (confirm to a candidate, a given or a new canonical product; or reject).

A store may act on its own products only; the curator on any (`Actor.check_product`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from catalog import CatalogRepository
from catalog.models import (
    CanonicalProduct,
    CuratorDecision,
    MatchStatus,
    PrimaryShown,
    QueueItem,
    ResolvedImage,
    ReviewItem,
    StoreProduct,
)
from catalog.repository import ConflictError, InUseError, NotFoundError
from edge.application.actors import Actor, visible_product
from edge.application.originals import OriginalsKeeper
from edge.errors import BadRequest, Conflict, NotFound
from matcher.service import MatchService, Suggestion, memory_key

SUGGESTIONS = 5
SEARCHED = 10  # canonical products a name search shows


@dataclass(frozen=True, slots=True)
class Suggestions:
    product: StoreProduct
    item: QueueItem | None  # the product's match queue item, if it has one
    best_first: list[Suggestion]


@dataclass(frozen=True, slots=True)
class ReviewCandidate:
    """A canonical product a reviewer may link to: scored now by the matcher's rules,
    with its reasons, beside the score the worker recorded for it (if it did)."""

    canonical: CanonicalProduct
    score: float
    reasons: tuple[str, ...]
    recorded_score: float | None
    image: PrimaryShown | None  # its primary, as one of its products shows it


@dataclass(frozen=True, slots=True)
class QueueEntry:
    """One item of the review queue, as a reviewer sees it."""

    item: QueueItem
    product: StoreProduct
    image: ResolvedImage | None  # what the store product shows now
    candidates: list[ReviewCandidate]  # best first
    waiting_since: datetime | None  # None: opened by id, not listed from the queue


@dataclass(frozen=True, slots=True)
class FoundCanonical:
    """A canonical product found by name, to link a product to another than its candidates."""

    canonical: CanonicalProduct
    image: PrimaryShown | None


@dataclass(frozen=True, slots=True)
class NewCanonical:
    """A canonical product a reviewer creates while confirming."""

    name: str
    brand: str | None
    gtin: str | None


@dataclass(frozen=True, slots=True)
class Decided:
    item: QueueItem
    product: StoreProduct
    canonical_product_id: int | None  # None: rejected


class Keep(Enum):
    """A field a change leaves as it is (where None means "clear it")."""

    KEEP = "keep"


KEEP = Keep.KEEP


class Review:
    def __init__(
        self, catalog: CatalogRepository, matcher: MatchService, originals: OriginalsKeeper
    ) -> None:
        self._catalog = catalog
        self._matcher = matcher
        self._originals = originals

    async def _product(self, actor: Actor, product_id: int) -> StoreProduct:
        return await visible_product(self._catalog, actor, product_id)

    async def suggestions(self, actor: Actor, product_id: int) -> Suggestions:
        """Scored by the worker's own rules and thresholds (`MatchService`), best first."""
        product = await self._product(actor, product_id)
        found = await self._scored(product)
        item = await self._catalog.get_match_item_for_product(product.id)
        return Suggestions(product, item, found)

    async def _scored(self, product: StoreProduct) -> list[Suggestion]:
        return (await self._matcher.candidates(product))[:SUGGESTIONS]

    async def waiting(
        self, actor: Actor, *, store_id: int | None, after_id: int, limit: int
    ) -> list[ReviewItem]:
        """The review queue, oldest first (a store's own only), without scoring: a list."""
        return await self._catalog.review_items(
            store_id=actor.visible_store(store_id), after_id=after_id, limit=limit
        )

    async def waiting_count(self, actor: Actor, store_id: int | None = None) -> int:
        """How many items wait for a person (a store: its own), for every console page."""
        return await self._catalog.count_review_items(store_id=actor.visible_store(store_id))

    async def queue(
        self, actor: Actor, *, store_id: int | None, after_id: int, limit: int
    ) -> list[QueueEntry]:
        """The review queue with each item's candidates scored now (one search each)."""
        listed = await self.waiting(actor, store_id=store_id, after_id=after_id, limit=limit)
        return await self._entries([(w.item, w.product, w.waiting_since) for w in listed])

    async def entry(self, actor: Actor, item_id: int) -> QueueEntry:
        """One queue item (whatever its status) with its candidates scored now."""
        item, product = await self._item(actor, item_id)
        [found] = await self._entries([(item, product, None)])
        return found

    async def _entries(
        self, listed: Sequence[tuple[QueueItem, StoreProduct, datetime | None]]
    ) -> list[QueueEntry]:
        scored = [await self._scored(product) for _, product, _ in listed]
        ids = {s.canonical.id for each in scored for s in each}
        images = await self._catalog.canonical_primaries(sorted(ids))
        entries = []
        for (item, product, since), suggestions in zip(listed, scored, strict=True):
            recorded = dict(item.candidates)
            candidates = [
                ReviewCandidate(
                    s.canonical,
                    s.score,
                    s.reasons,
                    recorded.get(s.canonical.id),
                    images.get(s.canonical.id),
                )
                for s in suggestions
            ]
            resolution = await self._catalog.resolve(product.id)
            shown = resolution.image if resolution is not None else None
            entries.append(QueueEntry(item, product, shown, candidates, since))
        return entries

    async def search_canonical(
        self, actor: Actor, query: str, limit: int = SEARCHED
    ) -> list[FoundCanonical]:
        """Canonical products named like `query` (the matcher's own candidate search), for
        any actor: canonical products are the catalog every store links to."""
        found = await self._catalog.search_canonical_candidates(query, limit)
        images = await self._catalog.canonical_primaries([c.id for c, _ in found])
        return [FoundCanonical(c, images.get(c.id)) for c, _ in found]

    async def _item(self, actor: Actor, item_id: int) -> tuple[QueueItem, StoreProduct]:
        item = await self._catalog.get_match_item(item_id)
        if item is None:
            raise NotFound(f"no match queue item {item_id}", code="queue_item_not_found")
        return item, await self._product(actor, item.store_product_id)

    async def reject(self, actor: Actor, item_id: int) -> Decided:
        """Leave the product unlinked and close its item."""
        item, product = await self._item(actor, item_id)
        await self._catalog.decide_match(
            item,
            canonical_id=None,
            product_status=MatchStatus.REJECTED,
            decisions=self._decisions(item, product, None),
        )
        return Decided(item, product, None)

    async def confirm(
        self,
        actor: Actor,
        item_id: int,
        *,
        canonical_id: int | None = None,
        new: NewCanonical | None = None,
    ) -> Decided:
        """Link the product: to a new canonical product, to `canonical_id`, else to the best
        stored candidate."""
        item, product = await self._item(actor, item_id)
        if new is not None:
            try:
                made = await self._catalog.create_canonical_product(
                    gtin=new.gtin, name=new.name, brand=new.brand
                )
            except ConflictError as exc:
                raise Conflict(f"a canonical product with that barcode exists: {exc}") from None
            target = made.id
        else:
            target = await self._existing_target(canonical_id, item)
        await self._catalog.decide_match(
            item,
            canonical_id=target,
            product_status=MatchStatus.LINKED,
            decisions=self._decisions(item, product, target),
        )
        return Decided(item, product, target)

    def _decisions(
        self, item: QueueItem, product: StoreProduct, target: int | None
    ) -> list[CuratorDecision]:
        """What a decision teaches the matcher (`matcher.memory`): the product's name is
        `target` (confirmed), and none of the other candidates the worker put before the
        person (rejected: a reject says none of them is it). Rejections first, so that a
        target among them counts as confirmed."""
        name, brand = memory_key(product)
        scorer = self._matcher.thresholds.scorer
        scores = dict(item.candidates)

        def decided(canonical_id: int, confirmed: bool) -> CuratorDecision:
            return CuratorDecision(
                name,
                brand,
                canonical_id,
                confirmed,
                scores.get(canonical_id),
                scorer,
                product.store_id,
                product.id,
            )

        made = [decided(c, False) for c, _ in item.candidates if c != target]
        if target is not None:
            made.append(decided(target, True))
        return made

    async def canonical_products(
        self,
        actor: Actor,
        *,
        provisional: bool | None,
        store_named: bool | None = None,
        after_id: int,
        limit: int,
    ) -> list[CanonicalProduct]:
        """The curator's list (e.g. the provisional products the matcher made, or those a
        sync named after a store's title)."""
        actor.check_curator("lists canonical products")
        return await self._catalog.list_canonical_products(
            provisional=provisional, store_named=store_named, after_id=after_id, limit=limit
        )

    async def merge(self, actor: Actor, source_id: int, target_id: int) -> CanonicalProduct:
        """Fold one canonical product into another (two entries for one product, e.g. a
        provisional one the matcher made): links, images and GTIN move to the target."""
        actor.check_curator("merges canonical products")
        try:
            return await self._catalog.merge_canonical_products(source_id, target_id)
        except NotFoundError as exc:
            raise NotFound(str(exc), code="canonical_not_found") from None
        except ConflictError as exc:
            raise Conflict(str(exc), code="cannot_merge") from None

    async def rename(
        self, actor: Actor, canonical_id: int, *, name: str | None, brand: str | Keep | None
    ) -> CanonicalProduct:
        """Repair a canonical product's name and/or brand (`KEEP`: unchanged). Either way
        a curator has read them: a name a sync took from a store's title is no longer
        `store_named` (the matcher weighs it as curated)."""
        actor.check_curator("renames canonical products")
        current = await self._catalog.get_canonical_product(canonical_id)
        if current is None:
            raise _no_canonical(canonical_id)
        new_name = current.name if name is None else name.strip()
        if not new_name:
            raise BadRequest("name must not be blank", code="invalid_field")
        new_brand = current.brand if isinstance(brand, Keep) else (brand or "").strip() or None
        try:
            return await self._catalog.rename_canonical_product(
                canonical_id, name=new_name, brand=new_brand
            )
        except NotFoundError:  # deleted meanwhile
            raise NotFound(
                f"no canonical product {canonical_id}", code="canonical_not_found"
            ) from None

    async def delete_canonical(self, actor: Actor, canonical_id: int) -> None:
        """Delete a canonical product no store product links to (a mistaken one, say),
        with its images; their originals go unless other images hold the same bytes."""
        actor.check_curator("deletes canonical products")
        try:
            images = await self._catalog.delete_canonical_product(canonical_id)
        except NotFoundError:
            raise NotFound(
                f"no canonical product {canonical_id}", code="canonical_not_found"
            ) from None
        except InUseError as exc:
            raise Conflict(
                f"{exc.count} store product(s) link to canonical product {canonical_id}: "
                "merge it into another, or link them elsewhere, first",
                code="canonical_in_use",
            ) from None
        await self._originals.release(image.content_hash for image in images)

    async def _existing_target(self, canonical_id: int | None, item: QueueItem) -> int:
        if canonical_id is None:
            if not item.candidates:
                raise BadRequest(
                    "confirm needs canonicalProductId or newProductData (no stored candidate)",
                    code="invalid_field",
                )
            canonical_id = item.candidates[0][0]
        if await self._catalog.get_canonical_product(canonical_id) is None:
            raise _no_canonical(canonical_id)
        return canonical_id


def _no_canonical(canonical_id: int) -> NotFound:
    return NotFound(f"no canonical product {canonical_id}", code="canonical_not_found")
