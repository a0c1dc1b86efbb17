"""The learned scorer: a pair's evidence (`matcher.features`) weighed by the model
(`matcher.model`), the candidates of one store product competing for its probability.

The default (`IMGEDGE_MATCH_SCORER=learned`); `matcher.scoring` holds the shared types and
the dispatch. Conflicts block (see `_reasons_and_block`): evidence that two products
differ outweighs any similarity, so a blocked candidate is scored below the suggest band
and takes no part in the competition (`competing`). A provisional twin of the likeliest
catalog candidate adds to it (`pooled`).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from catalog.gtin import global_gtin
from matcher.evidence import brand_evidence
from matcher.features import (
    PairFeatures,
    Side,
    conflicted,
    pair_features,
    read_side,
    with_rivals,
)
from matcher.model import load_model, shares_of
from matcher.normalize import normalize_brand
from matcher.prices import Price, price_ratio
from matcher.reasons import (
    BRAND_CONFLICT,
    BRAND_MATCH,
    BRAND_MISSING,
    GTIN_CONFLICT,
    GTIN_MATCH,
    MODEL_CONFLICT,
    MODEL_MATCH,
    NUMBER_CONFLICT,
    PACK_CONFLICT,
    SIZE_CONFLICT,
    THIRD_PARTY,
    VARIANT_CONFLICT,
)
from matcher.scoring_types import CAP_STEP, Candidate, Scored, Thresholds

_BRAND_KIND = {BRAND_MATCH: "match", BRAND_CONFLICT: "conflict", BRAND_MISSING: "one_side"}
TWIN_SHARE = 0.1  # a provisional candidate at least this likely is checked for a twin
TWIN_COVER = 0.8  # of each name's words, at least this share the other explains

# --------------------------------------------------------------------------- one candidate


@lru_cache(maxsize=32768)
def _side(name: str, brands: tuple[str, ...]) -> Side:
    return read_side(name, brands)


def evidence(
    name: str,
    brand: str | None,
    candidate: Candidate,
    *,
    gtin: str | None = None,
    price: Price | None = None,
) -> tuple[PairFeatures, str | None]:
    """The pair's features and its brand evidence (also what the trainer reads)."""
    store_brand, cand_brand = normalize_brand(brand), normalize_brand(candidate.brand)
    brands = tuple(sorted({b for b in (store_brand, cand_brand) if b}))
    store, cand = _side(name, brands), _side(candidate.name, brands)
    brand_reason = brand_evidence(
        store_brand, store.parsed.all_tokens, cand_brand, cand.parsed.all_tokens
    )
    store_gtin = global_gtin(gtin)
    # The candidate's GTIN matters only against the store's (most store products named
    # alone have none).
    cand_gtin = global_gtin(candidate.gtin) if store_gtin is not None else None
    features = pair_features(
        store,
        cand,
        brand=_BRAND_KIND.get(brand_reason or ""),
        gtin_conflict=store_gtin is not None and cand_gtin is not None and store_gtin != cand_gtin,
        provisional=candidate.provisional,
        store_named=candidate.store_named,
        price_ratio=price_ratio(price, candidate.prices),
    )
    return features, brand_reason


def _reasons_and_block(f: PairFeatures, brand_reason: str | None) -> tuple[list[str], bool]:
    """The pair's named reasons, and whether it is blocked: scored below the suggest band,
    whatever its share. Evidence says the two differ, or a person must
    decide what the names leave open, and such candidates are right about a fifth of the
    time (titles bench, 3,000 products, seeds 21/31/32: 2-4 of the 13-17 then capped into
    80-89 right, a quarter of those in 60-69). Under review, the store product becomes a
    provisional product the next store's same model can link to; a curator sees the
    blocked candidate among its candidates."""
    # Matches and conflicts only: one-sided evidence is weighed, not named.
    reasons = [brand_reason] if brand_reason in (BRAND_MATCH, BRAND_CONFLICT) else []
    if f.code_shared:
        reasons.append(MODEL_MATCH)
    conflicts = [
        reason
        for flag, reason in (
            (f.code_conflict, MODEL_CONFLICT),
            (f.gtin_conflict, GTIN_CONFLICT),
            (f.size_conflict, SIZE_CONFLICT),
            (f.pack_conflict, PACK_CONFLICT),
            (f.bonus_one_side, VARIANT_CONFLICT),
            (f.variant_conflict, VARIANT_CONFLICT),
            (f.number_conflict, NUMBER_CONFLICT),
            (f.third_party, THIRD_PARTY),
        )
        if flag
    ]
    reasons += conflicts
    blocked = bool(conflicts) or brand_reason == BRAND_CONFLICT
    # The store names a model code; the candidate, named after another store's title (by
    # the sync that brought its GTIN, or by the matcher: provisional), names none: that
    # title fits every model of the line ('KX-TG4498M ...' / 'Panasonic w/ 4 handsets ...
    # DECT phone'; titles bench seed 21: 14 of the 24 wrong links to store-titled
    # products). A person decides.
    blocked = blocked or bool(f.store_named_uncoded or f.provisional_uncoded)
    # The store names a pack the candidate names neither as a pack nor as a size: the pack
    # is another product than the single, whatever else the names share. So is a
    # candidate's pack whose code the store writes without any pack ("Brother TN-991A
    # Laser Toner" / "Brother TN-991A Toner Cartridge, 2/Pack": a maker's twin pack often
    # keeps the single's code): a person decides.
    blocked = blocked or bool(f.pack_store_only or f.pack_cand_coded)
    return reasons, blocked


def weighed(
    name: str,
    brand: str | None,
    gtin: str | None,
    candidates: Sequence[Candidate],
    price: Price | None = None,
) -> tuple[list[Candidate], list[tuple[Candidate, PairFeatures, str | None]]]:
    """The candidates a GTIN links outright, and the others with their evidence (rivals
    set among them) and brand reason: what the model weighs, at run time and in training.
    Each canonical product enters once (its first candidate)."""
    candidates = list({c.canonical_product_id: c for c in reversed(candidates)}.values())
    store_gtin = global_gtin(gtin)
    same_gtin: list[Candidate] = []
    pairs: list[tuple[Candidate, PairFeatures, str | None]] = []
    for candidate in candidates:
        if store_gtin is not None and store_gtin == global_gtin(candidate.gtin):
            same_gtin.append(candidate)
        else:
            features, brand_reason = evidence(name, brand, candidate, gtin=store_gtin, price=price)
            pairs.append((candidate, features, brand_reason))
    with_rivals([features for _, features, _ in pairs])  # their rival fields, in place
    return same_gtin, pairs


def competing(pairs: Sequence[tuple[Candidate, PairFeatures, str | None]]) -> list[int]:
    """The candidates that may be linked: nothing blocks them (no cap). They share the
    probability among themselves, in training as at run time; a blocked candidate can
    never be the link, so it takes nothing from the others."""
    return [
        i
        for i, (_, features, brand_reason) in enumerate(pairs)
        if not _reasons_and_block(features, brand_reason)[1]
    ]


def score_by_model(
    name: str,
    brand: str | None,
    gtin: str | None,
    candidates: Sequence[Candidate],
    thresholds: Thresholds,
    price: Price | None = None,
) -> list[Scored]:
    """One `Scored` per canonical product, in no particular order: the candidates
    nothing blocks compete for the probability (`competing`)."""
    same_gtin, pairs = weighed(name, brand, gtin, candidates, price)
    model = load_model()
    z = [model.logit(features.vector()) for _, features, _ in pairs]
    shares = shares_of(z)  # a blocked candidate's score before its cap
    judged = [_reasons_and_block(f, brand_reason) for _, f, brand_reason in pairs]
    open_ = [i for i, (_, blocked) in enumerate(judged) if not blocked]
    open_shares = shares_of([z[i] for i in open_])
    for i, share in zip(open_, pooled([pairs[i][0] for i in open_], open_shares), strict=True):
        shares[i] = share
    below_suggest = thresholds.suggest - CAP_STEP
    scored = [Scored(c.canonical_product_id, 100.0, (GTIN_MATCH,)) for c in same_gtin]
    for (candidate, _, _), (reasons, blocked), share in zip(pairs, judged, shares, strict=True):
        score = 100.0 * model.calibrated(share)
        if blocked:
            score = min(score, below_suggest)
        scored.append(Scored(candidate.canonical_product_id, round(score, 1), tuple(reasons)))
    return scored


def pooled(candidates: Sequence[Candidate], shares: Sequence[float]) -> list[float]:
    """A twin of the likeliest catalog candidate is not its rival but the same product
    named twice: a provisional product (a store's name for it, made before anything could
    link to it), or a catalog product a store's GTIN made from its own name (a duplicate
    a curator will merge, `duplicates`). Its share is added to the likeliest one's, where
    the link goes. The twin keeps its own share."""
    result = list(shares)
    catalog = [i for i, c in enumerate(candidates) if not c.provisional]
    if not catalog:
        return result
    best = max(catalog, key=lambda i: shares[i])
    for i, candidate in enumerate(candidates):
        if i == best or shares[i] < TWIN_SHARE:
            continue
        if twins(candidates[best], candidate) and (
            candidate.provisional or duplicates(candidates[best], candidate)
        ):
            result[best] += shares[i]
    return result


def twins(a: Candidate, b: Candidate) -> bool:
    """Do two names say one product: nothing conflicts, each explains most of the
    other's words, no size, pack or code is stated on one side only, and `b` names every
    variant class `a` names (or they share a code)? A provisional "QuickBooks 2010 Simple
    Start" fits the "for Mac" and the "for Windows" product alike: it is the twin of
    neither (titles bench, seed 21: its share added to the Mac one linked Windows
    products to it)."""
    f, brand_reason = evidence(b.name, b.brand, a)
    return (
        brand_reason != BRAND_CONFLICT
        and not conflicted(f)
        and f.cover_min >= TWIN_COVER
        and not (f.size_one_side or f.pack_store_only or f.pack_cand_only or f.code_one_side)
        and (bool(f.code_shared) or not _variant_left_out(a, b))
    )


def _variant_left_out(a: Candidate, b: Candidate) -> bool:
    """Does `a`'s name name a variant class (platform, colour, flavour...) `b`'s does not?"""
    brands = tuple(sorted({x for x in map(normalize_brand, (a.brand, b.brand)) if x}))
    named = _side(b.name, brands).variants
    return any(cls not in named for cls in _side(a.name, brands).variants)


def duplicates(a: Candidate, b: Candidate) -> bool:
    """Two catalog products with one name, spelled apart: each explains every word of the
    other, no variant word on one side only, and the brand agrees (stricter than `twins`:
    both are curated products, so a word more is another product of the line)."""
    f, brand_reason = evidence(b.name, b.brand, a)
    return brand_reason == BRAND_MATCH and f.cover_min >= 1.0 and not f.variant_one_side
