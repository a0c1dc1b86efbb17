"""Pure scoring of a store product against canonical candidates (no I/O).

`matcher.service` fetches candidates (trigram search) and the facts `decide`
needs from the catalog, and calls `score_candidates`, then `decide`. A score is
a float in 0–100 rounded to one decimal and is the score *after* the hard
rules, so the thresholds (85 link, 70 suggest) mean the same thing whichever
way a candidate was found.

Guiding principle: a wrong shared image is worse than none. Every rule below
can only take an auto-link away (cap), except three small, explicit boosts
(agreeing brand, shared model code, identical GTIN). Recall comes from the
suggest band, where a person confirms.

Pipeline for one candidate:

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
   `brand_conflict`.

`decide` enforces the same blocking reasons again, whatever thresholds it is
given, refuses to auto-link when another canonical product is also
link-worthy within a few points (`ambiguous`), and when the store already
links another of its products to the best candidate (`same_store`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence, Set
from dataclasses import dataclass, field
from typing import Literal

from rapidfuzz import fuzz

from catalog.gtin import try_normalize_gtin
from matcher.normalize import Quantity, normalize_brand, normalize_for_scoring, parse_quantity

# --------------------------------------------------------------------------- public types


@dataclass(frozen=True)
class Candidate:
    canonical_product_id: int
    name: str
    brand: str | None = None
    gtin: str | None = None


@dataclass(frozen=True)
class Scored:
    canonical_product_id: int
    score: float  # 0–100, after the rules, one decimal
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class Thresholds:
    auto_link: float = 85.0
    suggest: float = 70.0
    # A best score in the link band only links when no *other* canonical product
    # is also in the link band within this many points (then it is a suggestion).
    ambiguity_margin: float = 5.0


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
DEFAULT_THRESHOLDS = Thresholds()

# Reasons (stable strings; the worker stores them next to the confidence).
GTIN_MATCH = "gtin_match"
GTIN_CONFLICT = "gtin_conflict"
BRAND_MATCH = "brand_match"
BRAND_MISSING = "brand_missing"
BRAND_CONFLICT = "brand_conflict"
MODEL_MATCH = "model_match"
MODEL_CONFLICT = "model_conflict"
MODEL_MISSING = "model_missing"
SIZE_CONFLICT = "size_conflict"
SIZE_MISSING = "size_missing"
VARIANT_CONFLICT = "variant_conflict"
UNMATCHED_WORDS = "unmatched_words"
AMBIGUOUS = "ambiguous"
SAME_STORE = "same_store"

BRAND_MATCH_CREDIT = 3.0
BRAND_MISSING_PENALTY = 3.0
MODEL_MATCH_PULL = 0.5  # fraction of the distance to 100 that a shared model code adds
STRONG_MODEL_CODE_LEN = 5
CAP_STEP = 0.1  # "just below" a threshold

# --------------------------------------------------------------------------- variant vocabulary


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Words that name a *variant* of an otherwise identical product. If the sets of
# variant words of two names differ (including one present and one absent), the
# pair never auto-links. "original", "classic" and "regular" are deliberately
# not here: they name the default variant that stores routinely leave out.
_COLOURS = _words(
    "black white red blue green yellow orange purple pink grey silver gold rose brown "
    "beige navy teal turquoise ivory maroon burgundy bronze charcoal graphite midnight "
    "starlight clear transparent"
)
_FLAVOURS = _words(
    "vanilla chocolate strawberry cherry lemon lime grape apple mango peach raspberry "
    "blueberry banana coconut mint peppermint spearmint caramel honey cinnamon coffee mocha "
    "hazelnut almond peanut bbq cheddar onion garlic jalapeno ranch watermelon pineapple "
    "berry tropical ginger pumpkin maple butter salted unsalted spicy hot mild plain "
    "unsweetened sweetened dark smoked lavender unscented scented sparkling"
)
_DIET = _words("diet zero light decaf skim whole lowfat nonfat sugarfree")
_SIZES = _words("mini small medium large xl xxl xs jumbo king family")
_AUDIENCE = _words("men mens women womens kids boys girls baby")
_TIERS = _words("pro max plus ultra se")  # iPhone 13 / 13 Pro / 13 Pro Max
_BATTERIES = _words("aa aaa aaaa")
_VARIANT_WORDS = _COLOURS | _FLAVOURS | _DIET | _SIZES | _AUDIENCE | _TIERS | _BATTERIES
# Two-word variants, read before single words (their words are then consumed).
_VARIANT_PHRASES: dict[tuple[str, str], str] = {
    ("sugar", "free"): "sugarfree",
    ("no", "sugar"): "sugarfree",
    ("caffeine", "free"): "caffeinefree",
    ("fat", "free"): "nonfat",
    ("non", "fat"): "nonfat",
    ("low", "fat"): "lowfat",
    ("reduced", "fat"): "lowfat",
    ("low", "sodium"): "lowsodium",
    ("gluten", "free"): "glutenfree",
    ("sour", "cream"): "sourcream",
    ("salt", "vinegar"): "saltvinegar",
    ("extra", "large"): "xl",
    ("x", "large"): "xl",
    ("extra", "small"): "xs",
    ("x", "small"): "xs",
    ("extra", "virgin"): "extravirgin",
}

# Words that never distinguish two products: function words, and the names of
# the default variant that stores routinely leave out.
_FILLER = _words("a an and the of with for by n in original classic regular")
_TYPO_RATIO = 80.0  # two words at least this similar (rapidfuzz ratio) are one word misspelled
_TYPO_MIN_LEN = 4  # shorter words differ by design ("aa"/"aaa", "xl"/"xxl"), not by a typo

_DIGIT_RUN = re.compile(r"\d+(?:\.\d+)?")
_ORDINAL = re.compile(r"\d+(?:st|nd|rd|th)\Z")

# Units and how they compare: unit → (dimension, factor to the dimension's base).
# `oz` is both a weight and a fluid ounce in POS data, so it compares with both.
_UNIT_DIMENSIONS: dict[str, tuple[tuple[str, float], ...]] = {
    "mg": (("mass", 0.001),),
    "mcg": (("mass", 0.000001),),
    "g": (("mass", 1.0),),
    "kg": (("mass", 1000.0),),
    "lb": (("mass", 453.59237),),
    "oz": (("mass", 28.349523), ("volume", 29.573530)),
    "ml": (("volume", 1.0),),
    "cl": (("volume", 10.0),),
    "l": (("volume", 1000.0),),
    "gal": (("volume", 3785.41),),
    "qt": (("volume", 946.353),),
    "pt": (("volume", 473.176),),
    "ct": (("count", 1.0),),
    "mm": (("length", 1.0),),
    "cm": (("length", 10.0),),
    "in": (("length", 25.4),),
    "gb": (("storage", 1.0),),
    "tb": (("storage", 1000.0),),
    "pct": (("percent", 1.0),),
}
# Two quantities in different units are the same size within this relative
# tolerance (12 oz ≈ 355 ml ≈ 340 g); the same unit must match exactly.
_CROSS_UNIT_TOLERANCE = 0.02


# --------------------------------------------------------------------------- parsed names


@dataclass(frozen=True)
class _Parsed:
    tokens: tuple[str, ...]  # scoring tokens with brand tokens removed (falls back to all)
    all_tokens: tuple[str, ...]
    quantities: tuple[Quantity, ...]
    model_codes: frozenset[str]
    numbers: frozenset[str]
    variants: frozenset[str]
    words: tuple[str, ...]  # plain words the word rules read (no digits, no filler)
    compact: str  # all tokens joined, for "is this code written differently" checks

    @property
    def text(self) -> str:
        return " ".join(self.tokens)


def _is_model_code(token: str) -> bool:
    return (
        len(token) >= 2
        and any(c.isdigit() for c in token)
        and any(c.isalpha() for c in token)
        and parse_quantity(token) is None
        and _ORDINAL.match(token) is None
    )


def _variants(tokens: Sequence[str]) -> frozenset[str]:
    found: set[str] = set()
    i = 0
    while i < len(tokens):
        phrase = _VARIANT_PHRASES.get((tokens[i], tokens[i + 1])) if i + 1 < len(tokens) else None
        if phrase is not None:
            found.add(phrase)
            i += 2
            continue
        token = tokens[i]
        if token in _VARIANT_WORDS:
            found.add(token)
        elif token.endswith("s") and token[:-1] in _VARIANT_WORDS:
            found.add(token[:-1])  # "bananas" is the same variant as "banana"
        i += 1
    return frozenset(found)


def _find_run(tokens: Sequence[str], compact_brand: str) -> tuple[int, int] | None:
    """First run tokens[i:j] spelling the brand (spaces ignored, possessive `s` allowed)."""
    wanted = {compact_brand, compact_brand + "s", compact_brand.removesuffix("s")}
    longest = len(compact_brand) + 1
    for i in range(len(tokens)):
        joined = ""
        for j in range(i, len(tokens)):
            joined += tokens[j]
            if len(joined) > longest:
                break
            if joined in wanted:
                return i, j + 1
    return None


def _strip_brands(tokens: tuple[str, ...], brands: Iterable[str]) -> tuple[str, ...]:
    # Longest brand first so "the coca cola company" goes before "coca cola".
    for brand in sorted(set(brands), key=len, reverse=True):
        compact = brand.replace(" ", "")
        while (run := _find_run(tokens, compact)) is not None:
            tokens = tokens[: run[0]] + tokens[run[1] :]
    return tokens


def _parse(normalized: str, brands: Iterable[str]) -> _Parsed:
    all_tokens = tuple(normalized.split())
    stripped = _strip_brands(all_tokens, brands)
    # The rules read the brand-stripped tokens, so a brand like "Red Bull" or
    # "Green Giant" is not mistaken for a colour variant.
    rule_tokens = stripped or all_tokens
    quantities: list[Quantity] = []
    codes: set[str] = set()
    numbers: set[str] = set()
    for token in rule_tokens:
        quantity = parse_quantity(token)
        if quantity is not None:
            if not (quantity.unit == "ct" and quantity.value == 1):  # "1 ct" says nothing
                quantities.append(quantity)
            continue
        if _is_model_code(token):
            codes.add(token)
        numbers.update(_DIGIT_RUN.findall(token))
    return _Parsed(
        tokens=stripped,
        all_tokens=all_tokens,
        quantities=tuple(quantities),
        model_codes=frozenset(codes),
        numbers=frozenset(numbers),
        variants=_variants(rule_tokens),
        words=tuple(t for t in rule_tokens if not any(c.isdigit() for c in t) and t not in _FILLER),
        compact="".join(all_tokens),
    )


# --------------------------------------------------------------------------- the rules


def _base_similarity(a: _Parsed, b: _Parsed) -> float:
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
    right = " ".join(_align_quantities(right_tokens, a.quantities))
    sort = fuzz.token_sort_ratio(left, right)
    token_set = fuzz.token_set_ratio(left, right)
    return 0.8 * sort + 0.2 * token_set


def _align_quantities(tokens: Sequence[str], reference: Sequence[Quantity]) -> list[str]:
    """Rewrite size tokens equal to one in `reference` to its spelling (`1000ml` → `1l`)."""
    aligned = []
    for token in tokens:
        quantity = parse_quantity(token)
        if quantity is not None:
            token = next((r.token for r in reference if _same_size(quantity, r)), token)
        aligned.append(token)
    return aligned


def _explained(word: str, other: _Parsed) -> bool:
    """Does `other` carry this word, maybe misspelled, abbreviated or split differently?"""
    tokens = other.all_tokens
    if word in tokens:
        return True
    for token in tokens:
        if min(len(word), len(token)) >= _TYPO_MIN_LEN and fuzz.ratio(word, token) >= _TYPO_RATIO:
            return True  # a typo: "cheerois" / "cheerios"
        if _is_abbreviation(word, token):
            return True  # "crml" / "caramel", "choc" / "chocolate"
        if token.endswith(word) and token[: -len(word)].isdigit():
            return True  # "7 up" / "7up"
    # Written as one word on one side and two or three on the other: "cocacola".
    return any(
        "".join(tokens[i : i + n]) == word for n in (2, 3) for i in range(len(tokens) - n + 1)
    )


_VOWELS = frozenset("aeiou")


def _is_abbreviation(short: str, long: str) -> bool:
    """`short` abbreviates `long`: a prefix of 3+ letters ("choc"), or `long` with
    letters dropped, first kept, at most one vowel left ("crml", "hrshy", "chkn")."""
    if len(short) < 2 or len(short) >= len(long) or short[0] != long[0]:
        return False
    if len(short) >= 3 and long.startswith(short):
        return True
    if sum(c in _VOWELS for c in short[1:]) > 1:
        return False
    letters = iter(long)
    return all(c in letters for c in short)


def _brands_agree(a: str, b: str) -> bool:
    ca, cb = a.replace(" ", ""), b.replace(" ", "")
    if ca == cb or ca.removesuffix("s") == cb.removesuffix("s"):
        return True
    ta, tb = set(a.split()), set(b.split())
    return ta <= tb or tb <= ta


def _brand_evidence(
    store_brand: str | None,
    store_tokens: tuple[str, ...],
    cand_brand: str | None,
    cand_tokens: tuple[str, ...],
) -> str | None:
    """BRAND_MATCH, BRAND_CONFLICT, BRAND_MISSING or None (nothing known)."""
    if store_brand and cand_brand:
        if _brands_agree(store_brand, cand_brand):
            return BRAND_MATCH
        # One field holds the maker, the other the brand ("Coca-Cola" / "Sprite"):
        # fine when that brand is spelled out in the other product's name.
        if (
            _find_run(store_tokens, cand_brand.replace(" ", "")) is not None
            or _find_run(cand_tokens, store_brand.replace(" ", "")) is not None
        ):
            return BRAND_MATCH
        return BRAND_CONFLICT
    known, other_tokens = (store_brand, cand_tokens) if store_brand else (cand_brand, store_tokens)
    if not known:
        return None
    if _find_run(other_tokens, known.replace(" ", "")) is not None:
        return BRAND_MATCH
    return BRAND_MISSING


def _same_size(x: Quantity, y: Quantity) -> bool | None:
    """True/False when comparable, None when the units measure different things."""
    if x.unit == y.unit:
        return abs(x.value - y.value) < 1e-9
    verdict: bool | None = None
    for dim_x, factor_x in _UNIT_DIMENSIONS.get(x.unit, ()):
        for dim_y, factor_y in _UNIT_DIMENSIONS.get(y.unit, ()):
            if dim_x != dim_y:
                continue
            bx, by = x.value * factor_x, y.value * factor_y
            if abs(bx - by) <= _CROSS_UNIT_TOLERANCE * max(bx, by):
                return True
            verdict = False
    return verdict


def _size_evidence(a: Sequence[Quantity], b: Sequence[Quantity]) -> str | None:
    """SIZE_CONFLICT, SIZE_MISSING or None (sizes agree or neither name has one)."""
    missing = False
    for mine, theirs in ((a, b), (b, a)):
        for quantity in mine:
            verdicts = [_same_size(quantity, other) for other in theirs]
            comparable = [v for v in verdicts if v is not None]
            if not comparable:
                missing = True
            elif not any(comparable):
                return SIZE_CONFLICT
    return SIZE_MISSING if missing else None


def _code_found(code: str, other: _Parsed) -> bool:
    # "SM G991B" and "SM-G991B" are the same code written differently.
    return code in other.model_codes or code in other.compact


def _model_evidence(a: _Parsed, b: _Parsed) -> str | None:
    a_only = {c for c in a.model_codes if not _code_found(c, b)}
    b_only = {c for c in b.model_codes if not _code_found(c, a)}
    if a_only and b_only:
        return MODEL_CONFLICT
    shared = (a.model_codes - a_only) | (b.model_codes - b_only)
    if any(len(code) >= STRONG_MODEL_CODE_LEN for code in shared):
        return MODEL_MATCH
    if (a_only or b_only) and not shared:
        # One name pins a model the other does not name ("67xl" / "hp 67"): the other
        # could be any model of the line.
        return MODEL_MISSING
    return None


def _score_one(
    store: _Parsed,
    store_brand: str | None,
    store_gtin: str | None,
    candidate: Candidate,
    thresholds: Thresholds,
) -> Scored:
    cand_gtin = try_normalize_gtin(candidate.gtin)
    if store_gtin is not None and store_gtin == cand_gtin:
        return Scored(candidate.canonical_product_id, 100.0, (GTIN_MATCH,))

    cand_brand = normalize_brand(candidate.brand)
    brands = [b for b in (store_brand, cand_brand) if b]
    cand_normalized = normalize_for_scoring(candidate.name)
    cand = _parse(cand_normalized, brands)
    if cand_brand is not None and cand_brand != store_brand:
        # The store side was parsed without knowing the candidate's brand.
        store = _parse(" ".join(store.all_tokens), brands)

    if not store.all_tokens or not cand.all_tokens:
        return Scored(candidate.canonical_product_id, 0.0, ())

    reasons: list[str] = []
    caps: list[float] = []
    below_link = thresholds.auto_link - CAP_STEP
    below_suggest = thresholds.suggest - CAP_STEP

    score = _base_similarity(store, cand)

    brand = _brand_evidence(store_brand, store.all_tokens, cand_brand, cand.all_tokens)
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

    model = _model_evidence(store, cand)
    if model == MODEL_MATCH and brand != BRAND_CONFLICT:
        score += (100.0 - min(score, 100.0)) * MODEL_MATCH_PULL
        reasons.append(MODEL_MATCH)
    elif model in (MODEL_CONFLICT, MODEL_MISSING):
        caps.append(below_link)
        reasons.append(model)

    if store_gtin is not None and cand_gtin is not None:  # both valid and different
        caps.append(below_link)
        reasons.append(GTIN_CONFLICT)

    size = _size_evidence(store.quantities, cand.quantities)
    if size == SIZE_CONFLICT:
        caps.append(below_suggest)
        reasons.append(SIZE_CONFLICT)
    elif size == SIZE_MISSING and model != MODEL_MATCH:
        # A size on one side only: the other side could be any size. A shared
        # model code already pins the product down, so it waives this.
        caps.append(below_link)
        reasons.append(SIZE_MISSING)

    store_extra = [w for w in store.words if not _explained(w, cand)]
    cand_extra = [w for w in cand.words if not _explained(w, store)]
    variant = (
        store.variants != cand.variants
        or store.numbers != cand.numbers
        # Each side has a word the other lacks: a substitution ("gala"/"fuji",
        # "pro"/"max", one brand for another), unless a model code pins it down.
        or (store_extra and cand_extra and model != MODEL_MATCH)
    )
    if variant:
        caps.append(below_link)
        reasons.append(VARIANT_CONFLICT)
    elif (store_extra or cand_extra) and model != MODEL_MATCH:
        # Words on one side only. A catalog name often carries a descriptor the
        # store left out ("... cookies" / "... thins cookies"), but the extra
        # word is as often the sub-line or the brand that makes it a different
        # product; a person decides.
        caps.append(below_link)
        reasons.append(UNMATCHED_WORDS)

    score = min([max(0.0, min(100.0, score)), *caps])
    return Scored(candidate.canonical_product_id, round(score, 1), tuple(reasons))


# --------------------------------------------------------------------------- entry points


def score_candidates(
    name: str,
    brand: str | None,
    gtin: str | None,
    candidates: Sequence[Candidate],
    *,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
) -> list[Scored]:
    """Score each candidate for a store product; best first, one entry per canonical id.

    `thresholds` only positions the caps ("just below auto-link / suggest");
    pass the same object to `decide`. Ties are broken by the lower id, so the
    result is deterministic.
    """
    store_brand = normalize_brand(brand)
    store_gtin = try_normalize_gtin(gtin)
    store = _parse(normalize_for_scoring(name), [store_brand] if store_brand else [])
    best: dict[int, Scored] = {}
    for candidate in candidates:
        scored = _score_one(store, store_brand, store_gtin, candidate, thresholds)
        kept = best.get(scored.canonical_product_id)
        if kept is None or scored.score > kept.score:
            best[scored.canonical_product_id] = scored
    return sorted(best.values(), key=lambda s: (-s.score, s.canonical_product_id))


# Reasons that forbid a link / a suggestion outright. The caps already keep such
# scores below the thresholds the scorer was given; `decide` enforces the same
# rules again so that thresholds configured differently (say auto_link=80) can
# never turn a capped conflict into a link.
BLOCKS_LINK = frozenset(
    {
        GTIN_CONFLICT,
        MODEL_CONFLICT,
        MODEL_MISSING,
        BRAND_MISSING,
        SIZE_CONFLICT,
        SIZE_MISSING,
        VARIANT_CONFLICT,
        UNMATCHED_WORDS,
        BRAND_CONFLICT,
    }
)
BLOCKS_SUGGEST = frozenset({SIZE_CONFLICT, BRAND_CONFLICT})


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
    if kind == "link" and GTIN_MATCH not in best.reasons:
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
