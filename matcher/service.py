"""The matching decisions, held once: the worker and the review API both ask this service.

`candidates` is the catalog search (one query rule: brand + name) scored with the
configured thresholds, as a reviewer sees it. `decide` adds the pure `decide` and the one
fact it needs from the catalog (does the store already link the best candidate?).
`decide_many` decides a worker's batch the same way with one search and one link
question for all of it; `search_many` is that search alone, for a worker that searches
its next batch while it decides the current one. Claiming, leases and retries stay in
the worker; parsing and serializing in the route.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from dataclasses import dataclass

from catalog import CatalogRepository
from catalog.models import (
    CanonicalProduct,
    CuratorDecision,
    LinkQuestion,
    PriceRange,
    StoreProduct,
)
from config import Settings
from matcher.decision import Decision, DecisionKind, decide
from matcher.evidence import STRONG_MODEL_CODE_LEN
from matcher.made_since import carries_code, would_find
from matcher.memory import confirmed_ids, decision_key, remember
from matcher.normalize import normalize_for_scoring
from matcher.parsing import parse_name
from matcher.scoring import Candidate, Price, Scored, Scorer, Thresholds, score_candidates

# Searched per product: recall for the scorer, which then ranks them. Twenty, not ten: a
# name that fits several products of a line (no size, no line name) has its siblings
# ranked 11th-20th as often as not, and the scorer can only doubt a link when it sees
# them (grocery bench, seed 21: auto-link precision 88.2% -> 91.2%). Each is scored:
# twice the pairs per product of ten.
CANDIDATES = 20
# And found by a model code of the name (`search_codes`), at most this many more: a
# store's `bvmcsz35` or `KX FG2451` shares too few trigrams with the catalog's
# `BVMC-SZ35` or `KX-FG2451` for the name search, though the code makes the pair
# (titles bench, seed 21: ~110 products left for a person with their product unfound).
# Most are among the twenty already; the rest are scored too.
CODE_CANDIDATES = 10


def thresholds_from_settings(s: Settings) -> Thresholds:
    scorer: Scorer = "learned" if s.matcher.scorer == "learned" else "rules"
    return Thresholds(auto_link=s.matcher.auto_link, suggest=s.matcher.suggest, scorer=scorer)


def search_query(name: str, brand: str | None) -> str:
    """Brand + name, so a store that keeps the brand in its own field still finds its
    branded canonical products; a brand already in the name is not said twice."""
    if brand and brand.casefold() not in name.casefold():
        return f"{brand} {name}"
    return name


def search_codes(query: str) -> list[str]:
    """The model codes of a search query the catalog looks for (`search_canonical_by_codes_
    many`): the scorer's own (`parse_name` of `normalize_for_scoring`), those long enough
    to be evidence of one product (`STRONG_MODEL_CODE_LEN`)."""
    codes = parse_name(normalize_for_scoring(query), ()).model_codes
    # A shop writes a model with its colour or region letter (`EL52590B`, `KX-TG7954M`),
    # the catalog often the model alone (`EL52590`): the model is looked for too, which
    # finds the lettered names as well (the scorer reads the letter, `_colour_suffixed`).
    # Titles bench, seed 21: two thirds of the left products whose product no search found.
    models = {c[:-1] for c in codes if c[-1].isalpha() and c[-2:-1].isdigit()}
    return sorted(c for c in codes | models if len(c) >= STRONG_MODEL_CODE_LEN)


def described_name(product: StoreProduct) -> str:
    """The name the matcher reads: the store's name, with the model or part number its
    feed gave when the name does not already carry it (so a shared code counts)."""
    name = product.name
    compact = re.sub(r"[\W_]+", "", name.casefold())
    for code in (product.model, product.mpn):
        if code and re.sub(r"[\W_]+", "", code.casefold()) not in compact:
            name = f"{name} {code}"
    return name


@dataclass(frozen=True, slots=True)
class Suggestion:
    """One scored canonical product, as the review API shows it."""

    canonical: CanonicalProduct
    score: float  # 0–100, after the scorer's rules
    reasons: tuple[str, ...]


# A batch's candidate search: each query's candidates with their search scores.
Searched = dict[str, list[tuple[CanonicalProduct, float]]]


@dataclass(frozen=True, slots=True)
class MatchDecision:
    """What to record for a store product."""

    kind: DecisionKind  # link | suggest | review
    canonical_id: int | None  # the product to link to; set only for a link
    confidence: float | None  # the decided best score; None without any candidate
    candidates: tuple[tuple[int, float], ...]  # (canonical id, score), best first, ≤ TOP_N
    reason: str | None  # why the band was lowered ("ambiguous", "same_store", a rule)


class MatchService:
    def __init__(self, catalog: CatalogRepository, thresholds: Thresholds) -> None:
        self._catalog = catalog
        self.thresholds = thresholds
        self.searched_again = 0  # products searched ahead, then again for a made product

    @classmethod
    def from_settings(cls, catalog: CatalogRepository, settings: Settings) -> MatchService:
        return cls(catalog, thresholds_from_settings(settings))

    async def candidates(self, product: StoreProduct) -> list[Suggestion]:
        """The product's scored canonical candidates, best first, as the decision sees
        them: a best candidate the same-store rule capped shows its capped score."""
        found, scored, decision = await self._decided(product)
        adjusted = {s.canonical_product_id: s for s in scored}
        if decision.best is not None:
            adjusted[decision.best.canonical_product_id] = decision.best
        ranked = sorted(adjusted.values(), key=lambda s: (-s.score, s.canonical_product_id))
        return [Suggestion(found[s.canonical_product_id], s.score, s.reasons) for s in ranked]

    async def decide(self, product: StoreProduct) -> MatchDecision:
        """Link, suggest or review, by the same scores `candidates` shows."""
        _, _, decision = await self._decided(product)
        return _recorded(decision)

    async def search_many(self, products: Sequence[StoreProduct]) -> Searched:
        """Each product's candidates (one catalog search for all), by its search query, for
        a later `decide_many`."""
        queries = list(dict.fromkeys(search_query(described_name(p), p.brand) for p in products))
        return await self._search(queries)

    async def _search(self, queries: Sequence[str]) -> Searched:
        """Each query's candidates: the name search's, then those its model codes find
        that the name search did not (one catalog statement or so for each search)."""
        found = await self._catalog.search_canonical_candidates_many(queries, CANDIDATES)
        coded = [(q, codes) for q in queries if (codes := search_codes(q))]
        by_code = await self._catalog.search_canonical_by_codes_many(coded, CODE_CANDIDATES)
        extra = {q: hits for (q, _), hits in zip(coded, by_code, strict=True)}
        searched: Searched = {}
        for query, by_name in zip(queries, found, strict=True):
            ids = {c.id for c, _ in by_name}
            searched[query] = by_name + [h for h in extra.get(query, []) if h[0].id not in ids]
        return searched

    async def decide_many(
        self,
        products: Sequence[StoreProduct],
        *,
        searched: Searched | None = None,
        made: Sequence[CanonicalProduct] = (),
    ) -> list[MatchDecision | Exception]:
        """`decide` for each product, in order, as if each were decided and recorded before
        the next (a worker's batch): one catalog search and one link question for all.

        A link decided earlier in the batch counts, for a later product of the same store,
        as a link the store already has (so a second SKU is only suggested, as when one
        item is recorded before the next is decided). A product whose scoring raises gets
        its exception in its place; the others are still decided.

        `searched`: candidates `search_many` found earlier; searched again now are the
        products renamed since and those whose search would have found one of `made`,
        the canonical products made since (`matcher.made_since`), while the others are
        scored. Prices, curators' decisions and store links are read now, as for a batch
        searched now.
        """
        queries = [search_query(described_name(p), p.brand) for p in products]
        searched = dict(searched or {})
        # Searched now: the products not searched ahead, and those whose search would have
        # found a product made since.
        waiting = {q for q in queries if q not in searched}
        for q in dict.fromkeys(queries):
            if q in waiting:
                continue
            found = [c for c, _ in searched[q]]
            if would_find(q, found, made, CANDIDATES) or carries_code(search_codes(q), found, made):
                waiting.add(q)
        again = [p for p, q in zip(products, queries, strict=True) if q in waiting]
        self.searched_again += sum(q in searched for q in queries if q in waiting)
        # The products searched now wait for that search; the others are scored while it
        # runs (the catalog's CPU, beside the worker's): a batch searched ahead mostly
        # has a few products to search again, for the products the batch before made.
        search = asyncio.ensure_future(self.search_many(again)) if again else None
        decided: dict[int, tuple[list[Scored], Decision] | Exception] = {}
        try:
            memory = await self._memory(products)
            ready = [i for i, q in enumerate(queries) if q not in waiting]
            await self._score_some(products, queries, ready, searched, memory, decided)
            if search is not None:
                searched.update(await search)
                rest = [i for i, q in enumerate(queries) if q in waiting]
                await self._score_some(products, queries, rest, searched, memory, decided)
        finally:
            if search is not None and not search.done():
                search.cancel()
                await asyncio.gather(search, return_exceptions=True)
        done = [decided[i] for i in range(len(products))]  # each product, in order
        asked = [
            _link_question(product, d[1])
            for product, d in zip(products, done, strict=True)
            if not isinstance(d, Exception)
        ]
        linked = await self._catalog.store_links([q for q in asked if q is not None])
        in_batch: set[tuple[int, int]] = set()  # (store, canonical) linked earlier here
        results: list[MatchDecision | Exception] = []
        for product, d in zip(products, done, strict=True):
            if isinstance(d, Exception):
                results.append(d)
                continue
            scored, decision = d
            question = _link_question(product, decision)
            if question is not None:
                if question in linked or (question.store_id, question.canonical_id) in in_batch:
                    store_links = frozenset({question.canonical_id})
                    decision = decide(scored, self.thresholds, store_links=store_links)
                else:
                    in_batch.add((question.store_id, question.canonical_id))
            results.append(_recorded(decision))
        return results

    async def _score_some(
        self,
        products: Sequence[StoreProduct],
        queries: Sequence[str],
        indexes: Sequence[int],
        searched: Searched,
        memory: Sequence[Sequence[CuratorDecision]],
        decided: dict[int, tuple[list[Scored], Decision] | Exception],
    ) -> None:
        """Score and decide the products at `indexes` (their candidates `searched`) into
        `decided`, with the prices of those candidates (one catalog question)."""
        if not indexes:
            return
        candidates = {i: {c.id: c for c, _ in searched[queries[i]]} for i in indexes}
        prices = await self._prices(
            [products[i] for i in indexes], [c for i in indexes for c in candidates[i]]
        )
        for i in indexes:
            try:
                scored = self._score(products[i], candidates[i], prices, memory[i])
                decided[i] = (scored, decide(scored, self.thresholds))
            except Exception as exc:  # a bad product must not sink the batch
                decided[i] = exc
            # Between products, the event loop runs: a search (of this batch's rest, or
            # of the worker's next batch) goes on, statement by statement.
            await asyncio.sleep(0)

    async def _decided(
        self, product: StoreProduct
    ) -> tuple[dict[int, CanonicalProduct], list[Scored], Decision]:
        query = search_query(described_name(product), product.brand)
        found = (await self._search([query]))[query]
        by_id = {c.id: c for c, _ in found}
        [remembered] = await self._memory([product])
        for canonical_id in confirmed_ids(remembered):  # a confirmed product not searched
            if canonical_id not in by_id and (
                confirmed := await self._catalog.get_canonical_product(canonical_id)
            ):
                by_id[canonical_id] = confirmed
        remembered = [d for d in remembered if not d.confirmed or d.canonical_id in by_id]
        prices = await self._prices([product], list(by_id))
        scored = self._score(product, by_id, prices, remembered)
        decision = decide(scored, self.thresholds)
        question = _link_question(product, decision)
        if question is not None and await self._catalog.store_has_link(
            question.store_id, question.canonical_id, question.except_id
        ):
            # The catalog is asked only when a link is on the table; the rule itself is
            # the pure `decide`'s, given the fact.
            linked = frozenset({question.canonical_id})
            decision = decide(scored, self.thresholds, store_links=linked)
        return by_id, scored, decision

    async def _prices(
        self, products: Sequence[StoreProduct], canonical_ids: Sequence[int]
    ) -> dict[int, tuple[PriceRange, ...]]:
        """The candidates' price references, asked only when a product has a price."""
        if not any(store_price(p) for p in products) or not canonical_ids:
            return {}
        return await self._catalog.canonical_prices(canonical_ids)

    async def _memory(self, products: Sequence[StoreProduct]) -> list[list[CuratorDecision]]:
        """What curators decided about each product's name (`matcher.memory`): one query."""
        keys = [memory_key(p) for p in products]
        found = await self._catalog.remembered_decisions(keys)
        return [found.get(key, []) for key in keys]

    def _score(
        self,
        product: StoreProduct,
        found: dict[int, CanonicalProduct],
        prices: dict[int, tuple[PriceRange, ...]],
        remembered: Sequence[CuratorDecision] = (),
    ) -> list[Scored]:
        scored = score_candidates(
            described_name(product),
            product.brand,
            product.gtin,
            [candidate(c, prices.get(c.id, ())) for c in found.values()],
            thresholds=self.thresholds,
            price=store_price(product),
        )
        return remember(scored, remembered, self.thresholds)


def memory_key(product: StoreProduct) -> tuple[str, str]:
    """The key curators' decisions about the product's name are kept by."""
    return decision_key(described_name(product), product.brand)


def candidate(c: CanonicalProduct, prices: tuple[PriceRange, ...] = ()) -> Candidate:
    """A canonical product as the scorer reads it."""
    return Candidate(c.id, c.name, c.brand, c.gtin, c.provisional, c.store_named, prices)


def store_price(product: StoreProduct) -> Price | None:
    """The store product's price, when its feed gave one with a currency."""
    if product.price is None or not product.currency:
        return None
    return Price(product.price, product.currency)


def _link_question(product: StoreProduct, decision: Decision) -> LinkQuestion | None:
    """What to ask the catalog before a link: does the store link the best elsewhere?"""
    best = decision.best
    if decision.kind != "link" or best is None:
        return None
    return LinkQuestion(product.store_id, best.canonical_product_id, product.id)


def _recorded(decision: Decision) -> MatchDecision:
    best = decision.best
    return MatchDecision(
        kind=decision.kind,
        canonical_id=best.canonical_product_id if decision.kind == "link" and best else None,
        confidence=best.score if best is not None else None,
        candidates=tuple((s.canonical_product_id, s.score) for s in decision.top),
        reason=decision.reason,
    )
