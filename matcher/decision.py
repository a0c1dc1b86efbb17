"""The decision bands: link, suggest or review, from the scores of `matcher.scoring`.

Blocking reasons are enforced here again whatever thresholds are given; an
auto-link is refused when another candidate is link-worthy within a few points
(`ambiguous`) or when the store already links another of its products to the
best candidate (`same_store`).
"""

from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass, field
from typing import Literal

from matcher.reasons import (
    AMBIGUOUS,
    BRAND_CONFLICT,
    BRAND_MISSING,
    CURATOR_CONFIRMED,
    CURATOR_REJECTED,
    GTIN_CONFLICT,
    GTIN_MATCH,
    MODEL_CONFLICT,
    MODEL_MISSING,
    NUMBER_CONFLICT,
    PACK_CONFLICT,
    PRICE_CONFLICT,
    SAME_STORE,
    SIZE_CONFLICT,
    SIZE_MISSING,
    THIRD_PARTY,
    UNMATCHED_WORDS,
    VARIANT_CONFLICT,
)
from matcher.scoring import CAP_STEP, DEFAULT_THRESHOLDS, Scored, Thresholds

DecisionKind = Literal["link", "suggest", "review"]


@dataclass(frozen=True)
class Decision:
    kind: DecisionKind
    # The decided candidate with its decided score: the scorer's best, except that
    # `same_store` caps it (and names itself in its reasons) while `top` keeps the scores.
    best: Scored | None
    top: list[Scored] = field(default_factory=list)  # best first, at most TOP_N
    # Why the band was lowered: "ambiguous", "same_store", or the blocking rule
    # (e.g. "size_conflict").
    reason: str | None = None


TOP_N = 5

# Reasons that forbid a link / a suggestion outright. The caps already keep such
# scores below the thresholds the scorer was given; `decide` enforces the same
# rules again so that thresholds configured differently (say auto_link=80) can
# never turn a capped conflict into a link.
BLOCKS_LINK = frozenset(
    {
        GTIN_CONFLICT,
        MODEL_CONFLICT,
        SIZE_CONFLICT,
        PACK_CONFLICT,
        VARIANT_CONFLICT,
        NUMBER_CONFLICT,
        BRAND_CONFLICT,
        THIRD_PARTY,
        CURATOR_REJECTED,
        # The rule scorer's one-sided reasons and its price rule (the learned scorer
        # weighs those instead of naming them, so they never block its links).
        MODEL_MISSING,
        BRAND_MISSING,
        PRICE_CONFLICT,
        SIZE_MISSING,
        UNMATCHED_WORDS,
    }
)
BLOCKS_SUGGEST = frozenset({SIZE_CONFLICT, PACK_CONFLICT, BRAND_CONFLICT, THIRD_PARTY})


def _band(scored: Scored, thresholds: Thresholds) -> tuple[DecisionKind, str | None]:
    reasons = set(scored.reasons)
    if scored.score >= thresholds.auto_link:
        blocking = sorted(reasons & BLOCKS_LINK)
        if not blocking:
            return "link", None
        kind: DecisionKind = "suggest"
        reason: str | None = blocking[0]
    elif scored.score >= thresholds.suggest:
        kind, reason = "suggest", None
    else:
        return "review", None
    blocking = sorted(reasons & BLOCKS_SUGGEST)
    if blocking:
        return "review", blocking[0]
    return kind, reason


def decide(
    scored: list[Scored],
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
    *,
    store_links: Set[int] = frozenset(),
) -> Decision:
    """Link, suggest or send to review, from `score_candidates` output.

    link: the best score is ≥ auto_link, no blocking reason, no other
    canonical product is also link-worthy within `ambiguity_margin` points
    (else a suggestion with reason "ambiguous"), and the store does not already
    link another of its products to it (else a suggestion with reason
    "same_store", its score capped just below auto_link). suggest: ≥ suggest.
    review: below that, or no candidate at all.

    `store_links` holds canonical ids the store links through *other* products;
    only the best link-worthy candidate is looked up in it, so a caller may ask
    the catalog about that one alone.
    """
    ranked = sorted(scored, key=lambda s: (-s.score, s.canonical_product_id))
    top = ranked[:TOP_N]
    if not ranked:
        return Decision("review", None, [])
    best = ranked[0]
    kind, reason = _band(best, thresholds)
    if kind == "link" and not _decided_alone(best, ranked):
        for other in ranked[1:]:
            if best.score - other.score >= thresholds.ambiguity_margin:
                break
            if (
                other.canonical_product_id != best.canonical_product_id
                and _band(other, thresholds)[0] == "link"
            ):
                return Decision("suggest", best, top, AMBIGUOUS)
    if kind == "link" and best.canonical_product_id in store_links:
        # A store sells a product under one SKU: a second SKU that looks the same (names
        # cut short by the POS, say) is more likely another product. A person decides.
        capped = min(best.score, thresholds.auto_link - CAP_STEP)
        same = Scored(best.canonical_product_id, capped, (*best.reasons, SAME_STORE))
        return Decision("suggest", same, top, SAME_STORE)
    return Decision(kind, best, top, reason)


def _decided_alone(best: Scored, ranked: list[Scored]) -> bool:
    """A GTIN, or a person's confirmation no other candidate shares, settles the link:
    no other candidate's similarity makes it ambiguous."""
    if GTIN_MATCH in best.reasons:
        return True
    confirmed = [s for s in ranked if CURATOR_CONFIRMED in s.reasons]
    return confirmed == [best]
