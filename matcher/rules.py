"""The rule scorer (the default): rapidfuzz similarity, small credits, and caps that
take an auto-link away whenever the evidence is one-sided (no I/O).

`matcher.service` fetches candidates (trigram search) and the facts `decide`
needs from the catalog, and calls `score_candidates`, then
`matcher.decision.decide`. A score is a float in 0–100 rounded to one decimal
and is the score *after* the hard rules, so the thresholds (85 link, 70
suggest) mean the same thing whichever way a candidate was found.

Guiding principle: a wrong shared image is worse than none. Every rule below
can only take an auto-link away (cap), except three small, explicit boosts
(agreeing brand, shared model code, identical GTIN). Recall comes from the
suggest band, where a person confirms.

Pipeline for one candidate (names parsed in `matcher.parsing`, the evidence
read in `matcher.evidence`, credits and caps applied here):

1. Identical valid GTIN → 100, reason `gtin_match` (the design links a GTIN hit
   at once; the name rules are not consulted).
2. Both names go through `normalize_for_scoring` (units, counts, codes,
   abbreviations). Brand tokens (from either side's brand field) are removed
   from both names, so a store that leaves the brand out of the name is not
   penalised, and the remaining product description must carry the match.
3. Base similarity with rapidfuzz on those names (see `_base_similarity`).
4. Brand evidence: agreeing brands +3 (`brand_match`; a brand field that is
   spelled out in the other name also agrees); a brand known on one side only
   and absent from the other name −3 and no auto-link (`brand_missing`: store
   brands copy product lines word for word); different brands cap just below
   *suggest* (`brand_conflict`).
5. A shared model code (≥ 5 characters) pulls the score halfway to 100
   (`model_match`).
6. Caps, applied last so nothing can lift a capped score back up:
   just below auto-link — `gtin_conflict` (two different valid GTINs),
   `model_conflict` (different model/part codes), `model_missing` (a model code
   on one side only), `brand_missing`, `size_missing` (a size or
   pack count on one side only), `variant_conflict` (different colour/flavour/
   diet/size/tier words, different numbers, or each name has a word the other
   lacks), `unmatched_words` (one name has words the other lacks);
   just below suggest — `size_conflict` (different sizes or pack counts),
   `brand_conflict`; `price_conflict` (the store's price 3x or more from the prices of
   the candidate's linked products, same currency) caps just below auto-link.

`matcher.decision.decide` enforces the same blocking reasons again, whatever
thresholds it is given, refuses to auto-link when another canonical product is
also link-worthy within a few points (`ambiguous`), and when the store already
links another of its products to the best candidate (`same_store`).
"""

from __future__ import annotations

from collections.abc import Sequence

from rapidfuzz import fuzz

from catalog.gtin import global_gtin
from matcher.evidence import brand_evidence, model_evidence, size_evidence, word_evidence
from matcher.normalize import normalize_brand, normalize_for_scoring
from matcher.parsing import ParsedName, parse_name
from matcher.prices import FAR, Price, price_ratio
from matcher.quantities import align_quantities
from matcher.reasons import (
    BRAND_CONFLICT,
    BRAND_MATCH,
    BRAND_MISSING,
    GTIN_CONFLICT,
    GTIN_MATCH,
    MODEL_CONFLICT,
    MODEL_MATCH,
    MODEL_MISSING,
    PRICE_CONFLICT,
    SIZE_CONFLICT,
    SIZE_MISSING,
)
from matcher.scoring_types import CAP_STEP, Candidate, Scored, Thresholds

BRAND_MATCH_CREDIT = 3.0
BRAND_MISSING_PENALTY = 3.0
MODEL_MATCH_PULL = 0.5  # fraction of the distance to 100 that a shared model code adds

# --------------------------------------------------------------------------- one candidate


def _base_similarity(a: ParsedName, b: ParsedName) -> float:
    """rapidfuzz similarity of two parsed names, 0–100.

    0.8 × token_sort_ratio + 0.2 × token_set_ratio, on the brand-stripped
    scoring forms. token_sort_ratio is insensitive to word order and degrades
    smoothly with typos, but it charges for every extra word; token_set_ratio
    is 100 whenever one name's words are a subset of the other's, which alone
    would auto-link "cheerios 12oz" to "honey nut cheerios 12oz". Weighting
    sort heavily keeps an extra descriptive word costly (it lands in the
    suggest band) while a name that merely reorders or misspells stays high.
    Plain `ratio` is not used: it punishes word order, and WRatio's partial
    matching rewards substrings, which is the wrong direction for precision.
    """
    left_tokens, right_tokens = a.tokens, b.tokens
    if not left_tokens or not right_tokens:
        # One side is nothing but the brand: compare the full names instead.
        left_tokens, right_tokens = a.all_tokens, b.all_tokens
    if not left_tokens or not right_tokens:
        return 0.0
    left = " ".join(left_tokens)
    right = " ".join(align_quantities(right_tokens, a.quantities))
    sort = fuzz.token_sort_ratio(left, right)
    token_set = fuzz.token_set_ratio(left, right)
    return 0.8 * sort + 0.2 * token_set


def _score_one(
    store: ParsedName,
    store_brand: str | None,
    store_gtin: str | None,
    candidate: Candidate,
    thresholds: Thresholds,
    price: Price | None,
) -> Scored:
    cand_gtin = global_gtin(candidate.gtin)
    if store_gtin is not None and store_gtin == cand_gtin:
        return Scored(candidate.canonical_product_id, 100.0, (GTIN_MATCH,))

    cand_brand = normalize_brand(candidate.brand)
    brands = [b for b in (store_brand, cand_brand) if b]
    cand_normalized = normalize_for_scoring(candidate.name)
    cand = parse_name(cand_normalized, brands)
    if cand_brand is not None and cand_brand != store_brand:
        # The store side was parsed without knowing the candidate's brand.
        store = parse_name(" ".join(store.all_tokens), brands)

    if not store.all_tokens or not cand.all_tokens:
        return Scored(candidate.canonical_product_id, 0.0, ())

    reasons: list[str] = []
    caps: list[float] = []
    below_link = thresholds.auto_link - CAP_STEP
    below_suggest = thresholds.suggest - CAP_STEP

    score = _base_similarity(store, cand)

    brand = brand_evidence(store_brand, store.all_tokens, cand_brand, cand.all_tokens)
    if brand == BRAND_MATCH:
        score += BRAND_MATCH_CREDIT
    elif brand == BRAND_MISSING:
        # Store brands and twins share product lines word for word: without the brand
        # on both sides the name cannot tell them apart. A person decides.
        score -= BRAND_MISSING_PENALTY
        caps.append(below_link)
    elif brand == BRAND_CONFLICT:
        caps.append(below_suggest)
    if brand is not None:
        reasons.append(brand)

    model = model_evidence(store, cand)
    if model == MODEL_MATCH and brand != BRAND_CONFLICT:
        score += (100.0 - min(score, 100.0)) * MODEL_MATCH_PULL
        reasons.append(MODEL_MATCH)
    elif model in (MODEL_CONFLICT, MODEL_MISSING):
        caps.append(below_link)
        reasons.append(model)

    if store_gtin is not None and cand_gtin is not None:  # both valid and different
        caps.append(below_link)
        reasons.append(GTIN_CONFLICT)

    ratio = price_ratio(price, candidate.prices)
    if ratio is not None and ratio >= FAR:
        caps.append(below_link)
        reasons.append(PRICE_CONFLICT)

    size = size_evidence(store.quantities, cand.quantities)
    if size == SIZE_CONFLICT:
        caps.append(below_suggest)
        reasons.append(SIZE_CONFLICT)
    elif size == SIZE_MISSING and model != MODEL_MATCH:
        # A size on one side only: the other side could be any size. A shared
        # model code already pins the product down, so it waives this.
        caps.append(below_link)
        reasons.append(SIZE_MISSING)

    words = word_evidence(store, cand, model)
    if words is not None:
        caps.append(below_link)
        reasons.append(words)

    score = min([max(0.0, min(100.0, score)), *caps])
    return Scored(candidate.canonical_product_id, round(score, 1), tuple(reasons))


def score_by_rules(
    name: str,
    brand: str | None,
    gtin: str | None,
    candidates: Sequence[Candidate],
    thresholds: Thresholds,
    price: Price | None = None,
) -> list[Scored]:
    """One `Scored` per candidate, in no particular order."""
    store_brand = normalize_brand(brand)
    store_gtin = global_gtin(gtin)
    store = parse_name(normalize_for_scoring(name), [store_brand] if store_brand else [])
    return [_score_one(store, store_brand, store_gtin, c, thresholds, price) for c in candidates]
