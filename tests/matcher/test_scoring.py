"""Pure scoring: realistic POS vs catalog names, hard rules, thresholds, decisions."""

from __future__ import annotations

import random
from functools import partial
from typing import NamedTuple

import pytest

from matcher.decision import Decision, decide
from matcher.reasons import (
    AMBIGUOUS,
    BRAND_CONFLICT,
    BRAND_MATCH,
    BRAND_MISSING,
    GTIN_CONFLICT,
    GTIN_MATCH,
    MODEL_CONFLICT,
    MODEL_MATCH,
    SAME_STORE,
    SIZE_CONFLICT,
    SIZE_MISSING,
    UNMATCHED_WORDS,
    VARIANT_CONFLICT,
)
from matcher.scoring import Candidate, Scored, Thresholds
from matcher.scoring import score_candidates as any_scorer

# The rules scorer's tests (`matcher.rules`); the learned scorer, the default, is tested
# in test_learned.py. Decisions (`decide`) are the same for both.
RULES = Thresholds(scorer="rules")
score_candidates = partial(any_scorer, thresholds=RULES)

COKE_GTIN = "049000028911"  # valid UPC-A
OTHER_GTIN = "049000050103"  # valid UPC-A, different product
BAD_GTIN = "049000028912"  # wrong check digit: ignored


class Pair(NamedTuple):
    store_name: str
    store_brand: str | None
    cand_name: str
    cand_brand: str | None
    store_gtin: str | None = None
    cand_gtin: str | None = None


def score_pair(pair: Pair) -> Scored:
    [scored] = score_candidates(
        pair.store_name,
        pair.store_brand,
        pair.store_gtin,
        [Candidate(7, pair.cand_name, pair.cand_brand, pair.cand_gtin)],
    )
    return scored


def decide_pair(pair: Pair) -> Decision:
    return decide([score_pair(pair)], RULES)


# --------------------------------------------------------------------------- the table

LINK = {
    "abbreviations": Pair(
        "Hersheys Milk Choc Bar 1.55 oz", None, "Hershey's Milk Chocolate Bar 1.55oz", "Hershey's"
    ),
    "abbreviation org": Pair(
        "Org Whole Milk 1 gal", "Horizon", "Horizon Organic Whole Milk 1 Gallon", "Horizon"
    ),
    "abbreviation w/": Pair(
        "Amy's Mac & Cheese w/ Broccoli 9oz",
        None,
        "Amy's Mac and Cheese with Broccoli 9 oz",
        "Amy's",
    ),
    "unit 12 oz / 12-ounce": Pair("Coca Cola 12-ounce can", None, "Coca-Cola 12 fl oz can", None),
    "unit 12 fl. oz. / 12oz": Pair(
        "COCA-COLA CLASSIC 12 FL. OZ.", None, "Coca-Cola Classic 12oz", "Coca-Cola"
    ),
    "unit 1 l / 1000 ml": Pair(
        "Evian Natural Spring Water 1 L", None, "Evian Natural Spring Water 1000ml", None
    ),
    "unit 12 oz / 355 ml": Pair("Coca-Cola Classic 12oz", None, "Coca-Cola Classic 355 ml", None),
    "unit 6 pack / 6pk": Pair(
        "Corona Extra Beer 12oz 6 pack", None, "Corona Extra 12 fl oz 6pk Beer", "Corona"
    ),
    "unit decimal comma": Pair("Pepsi 1,5 l", None, "Pepsi 1.5 Liter", "Pepsi"),
    "word order": Pair(
        "Potato Chips Classic Lays 8oz", None, "Lay's Classic Potato Chips 8 oz", "Lay's"
    ),
    "missing brand in catalog name": Pair(
        "Heinz Tomato Ketchup 20oz", "Heinz", "Tomato Ketchup 20 oz", "Kraft Heinz"
    ),
    "typos": Pair("Lays Clasic Potato Chps 8oz", None, "Lay's Classic Potato Chips 8 oz", "Lay's"),
    "typo in product word": Pair(
        "Cheerois Cereal 12 oz", "General Mills", "Cheerios Cereal 12oz", "General Mills"
    ),
    "maker vs brand field": Pair("Sprite 2 Liter", "Coca-Cola", "Sprite 2L", "Sprite"),
    "model code spacing": Pair(
        "Samsung Galaxy S21 SM-G991B", None, "Samsung Galaxy S21 SM G991B", "Samsung"
    ),
    "model code + full sku": Pair(
        "Samsung 55in QLED QN55Q60C", "Samsung", "Samsung QN55Q60CAFXZA 55 inch QLED", "Samsung"
    ),
    "plural": Pair("Bananas", None, "Banana", None),
    "default variant word": Pair(
        "Kraft Macaroni & Cheese Dinner 7.25oz",
        None,
        "Kraft Macaroni and Cheese Dinner Original 7.25 oz",
        "Kraft",
    ),
    "same gtin": Pair(
        "COKE 12OZ", None, "Coca-Cola Classic 12 fl oz", "Coca-Cola", COKE_GTIN, COKE_GTIN
    ),
}

# (pair, expected decision, reason that must be recorded). None of these may link.
NEVER_LINK = {
    "size 12oz/16oz": (
        Pair("Coca-Cola 12oz", None, "Coca-Cola 16 oz", None),
        "review",
        SIZE_CONFLICT,
    ),
    "size 500ml/1l": (
        Pair("Coca-Cola 500ml", None, "Coca-Cola 1 L", None),
        "review",
        SIZE_CONFLICT,
    ),
    "size 6pk/12pk": (
        Pair("Coca-Cola 12oz 6pk", None, "Coca-Cola 12 oz 12 pack", None),
        "review",
        SIZE_CONFLICT,
    ),
    "size mg": (
        Pair(
            "Tylenol Extra Strength 500mg 100ct", None, "Tylenol Extra Strength 325mg 100ct", None
        ),
        "review",
        SIZE_CONFLICT,
    ),
    "size tv inches": (
        Pair('Samsung 55" Class QLED 4K Q60C', "Samsung", 'Samsung 65" Class QLED 4K Q60C', None),
        "review",
        SIZE_CONFLICT,
    ),
    "pack count on one side": (
        Pair("Dasani Water 16.9oz 24pk", None, "Dasani Water 16.9 oz", "Dasani"),
        "suggest",
        SIZE_MISSING,
    ),
    "model code": (
        Pair("Sony KDL-40V4100 LCD TV", "Sony", "Sony KDL-40V4150 LCD TV", "Sony"),
        "suggest",
        MODEL_CONFLICT,
    ),
    "model code letters only": (
        Pair("Samsung Galaxy S21 SM-G991B", None, "Samsung Galaxy S21 SM-G991U", "Samsung"),
        "suggest",
        MODEL_CONFLICT,
    ),
    "model number": (
        Pair("Apple iPhone 13 128GB Blue", "Apple", "Apple iPhone 14 128GB Blue", "Apple"),
        "suggest",
        VARIANT_CONFLICT,
    ),
    "series number": (
        Pair("Apple Watch Series 7 45mm", None, "Apple Watch Series 8 45mm", "Apple"),
        "suggest",
        VARIANT_CONFLICT,
    ),
    "generation": (
        Pair("Lenovo ThinkPad X1 Carbon Gen 9", None, "Lenovo ThinkPad X1 Carbon Gen 10", None),
        "suggest",
        VARIANT_CONFLICT,
    ),
    "tier word": (
        Pair("iPhone 13 Pro 128GB", "Apple", "iPhone 13 Pro Max 128GB", "Apple"),
        "suggest",
        VARIANT_CONFLICT,
    ),
    "colour": (
        Pair("Apple iPhone 13 128GB Blue", "Apple", "Apple iPhone 13 128GB Black", "Apple"),
        "suggest",
        VARIANT_CONFLICT,
    ),
    "flavour added": (
        Pair("Coke 12oz", None, "Cherry Coke 12oz", None),
        "suggest",
        VARIANT_CONFLICT,
    ),
    "flavour swapped": (
        Pair("Doritos Nacho Cheese 9.25oz", None, "Doritos Cool Ranch 9.25oz", "Doritos"),
        "review",
        VARIANT_CONFLICT,
    ),
    "diet vs regular": (
        Pair("Coke 12oz", None, "Diet Coke 12oz", None),
        "suggest",
        VARIANT_CONFLICT,
    ),
    "diet vs zero": (
        Pair("Diet Coke 12oz", None, "Coke Zero 12oz", None),
        "suggest",
        VARIANT_CONFLICT,
    ),
    "decaf": (
        Pair(
            "Starbucks Pike Place Decaf Ground Coffee 12oz",
            None,
            "Starbucks Pike Place Ground Coffee 12oz",
            "Starbucks",
        ),
        "suggest",
        VARIANT_CONFLICT,
    ),
    "sugar free": (
        Pair("Red Bull Sugar Free 8.4oz", None, "Red Bull Energy Drink 8.4 fl oz", "Red Bull"),
        "review",
        VARIANT_CONFLICT,
    ),
    "extra large vs large": (
        Pair("Large Eggs 12ct", None, "Extra Large Eggs 1 dozen", None),
        "suggest",
        VARIANT_CONFLICT,
    ),
    "unknown word swapped": (
        Pair("Gala Apples 3lb", None, "Fuji Apples 3 lb", None),
        "suggest",
        VARIANT_CONFLICT,
    ),
    "sub-line word added": (
        Pair("Oreo Cookies 14.3oz", "Oreo", "Oreo Thins Cookies 14.3 oz", "Oreo"),
        "suggest",
        UNMATCHED_WORDS,
    ),
    "other brand hidden in an unbranded name": (
        Pair("Horizon Organic Whole Milk 1gal", "Horizon", "Organic Valley Whole Milk 1 gal", None),
        "suggest",
        UNMATCHED_WORDS,
    ),
    "different gtin, same name": (
        Pair("Coca-Cola 12oz", None, "Coca-Cola 12oz", None, COKE_GTIN, OTHER_GTIN),
        "suggest",
        GTIN_CONFLICT,
    ),
    "different brand": (
        Pair("Pepsi Cola 12oz", "Pepsi", "Coca-Cola 12oz", "Coca-Cola"),
        "review",
        BRAND_CONFLICT,
    ),
    "store brand vs national brand": (
        Pair("Great Value Whole Milk 1gal", "Great Value", "Whole Milk 1 gal", "Horizon"),
        "review",
        BRAND_CONFLICT,
    ),
}

REVIEW = {
    "fruit vs batteries": Pair("Banana", None, "Duracell AA Batteries 4 pack", "Duracell"),
    "shampoo vs cereal": Pair(
        "Head & Shoulders Shampoo 13.5oz", None, "Frosted Flakes Cereal 13.5 oz", "Kellogg's"
    ),
    "tv vs phone": Pair("LG OLED55C1PUB", "LG", "Apple iPhone 13 128GB", "Apple"),
    "empty store name": Pair("", None, "Coca-Cola Classic 12oz", None),
}


@pytest.mark.parametrize("pair", LINK.values(), ids=LINK.keys())
def test_same_product_links(pair):
    decision = decide_pair(pair)
    assert decision.kind == "link", (decision, score_pair(pair))
    assert decision.best is not None and decision.best.score >= 85.0


@pytest.mark.parametrize(("pair", "kind", "reason"), NEVER_LINK.values(), ids=NEVER_LINK.keys())
def test_different_products_never_link(pair, kind, reason):
    scored = score_pair(pair)
    assert scored.score < 85.0
    assert reason in scored.reasons
    assert decide_pair(pair).kind == kind, scored


@pytest.mark.parametrize("pair", REVIEW.values(), ids=REVIEW.keys())
def test_unrelated_products_go_to_review(pair):
    scored = score_pair(pair)
    assert scored.score < 50.0
    assert decide_pair(pair).kind == "review"


# --------------------------------------------------------------------------- properties

SELF_NAMES = [
    "Coca-Cola Classic 12 fl oz",
    "Hershey's Milk Chocolate Bar 1.55oz",
    "Organic Valley Whole Milk 1 Gallon",
    "Corona Extra 6 x 330ml",
    "Sony Bravia KDL-40V4100 40in LCD TV",
    "Apple iPhone 13 Pro Max 256GB Sierra Blue",
    "Diet Coke Caffeine Free 2L",
    "Ben & Jerry's Cherry Garcia Ice Cream 1 pint",
    "Crème Brûlée Dessert 2 x 100 g",
    "Banana",
]


@pytest.mark.parametrize("name", SELF_NAMES)
def test_a_name_against_itself_scores_100_with_no_rule(name):
    [scored] = score_candidates(name, None, None, [Candidate(1, name, None, None)])
    assert scored.score == 100.0
    assert set(scored.reasons) <= {MODEL_MATCH}  # only the boost may fire, never a cap


@pytest.mark.parametrize("name", SELF_NAMES)
def test_a_name_against_itself_with_its_brand_scores_100(name):
    brand = name.split()[0]
    [scored] = score_candidates(name, brand, None, [Candidate(1, name, brand, None)])
    assert scored.score == 100.0
    assert set(scored.reasons) <= {BRAND_MATCH, MODEL_MATCH}


def _all_pairs() -> list[Pair]:
    return [*LINK.values(), *(p for p, _, _ in NEVER_LINK.values()), *REVIEW.values()]


def test_scores_are_deterministic_rounded_and_bounded():
    for pair in _all_pairs():
        first, second = score_pair(pair), score_pair(pair)
        assert first == second
        assert 0.0 <= first.score <= 100.0
        assert first.score == round(first.score, 1)


def test_result_does_not_depend_on_candidate_order():
    candidates = [
        Candidate(i, p.cand_name, p.cand_brand, p.cand_gtin) for i, p in enumerate(_all_pairs())
    ]
    expected = score_candidates("Coca-Cola Classic 12oz", "Coca-Cola", None, candidates)
    rng = random.Random(1234)
    for _ in range(5):
        shuffled = candidates[:]
        rng.shuffle(shuffled)
        assert score_candidates("Coca-Cola Classic 12oz", "Coca-Cola", None, shuffled) == expected
    assert [s.score for s in expected] == sorted((s.score for s in expected), reverse=True)


def test_ties_are_broken_by_lower_id():
    candidates = [Candidate(9, "Banana", None, None), Candidate(3, "Banana", None, None)]
    assert [s.canonical_product_id for s in score_candidates("Banana", None, None, candidates)] == [
        3,
        9,
    ]


def test_one_entry_per_canonical_product_keeping_the_best():
    candidates = [
        Candidate(1, "Pepsi 2L", None, None),
        Candidate(1, "Coca-Cola 2L", None, None),
        Candidate(2, "Fanta Orange 2L", None, None),
    ]
    scored = score_candidates("Coca-Cola 2 Liter", None, None, candidates)
    assert [s.canonical_product_id for s in scored] == [1, 2]
    assert scored[0].score == 100.0


def test_no_candidates_means_review():
    assert score_candidates("Coca-Cola", None, None, []) == []
    assert decide([], RULES) == Decision("review", None, [])


# --------------------------------------------------------------------------- individual rules


def test_gtin_match_is_100_even_when_names_differ():
    scored = score_pair(Pair("COKE", None, "Coca-Cola Classic 12oz", None, COKE_GTIN, COKE_GTIN))
    assert (scored.score, scored.reasons) == (100.0, (GTIN_MATCH,))


def test_gtin_forms_are_normalized_before_comparing():
    ean13 = "0" + COKE_GTIN
    scored = score_pair(Pair("COKE", None, "Coca-Cola", None, COKE_GTIN, ean13))
    assert scored.reasons == (GTIN_MATCH,)


def test_in_store_codes_are_no_evidence_either_way():
    """A weighed-item code (UPC number system 2) names different things in two stores."""
    weighed, other = "212345000014", "212345000021"
    same = score_pair(Pair("Deli ham 250 g", None, "Salmon fillet", None, weighed, weighed))
    assert GTIN_MATCH not in same.reasons and same.score < 70
    differ = score_pair(Pair("Ham 250g", None, "Ham 250 g", None, weighed, other))
    assert "gtin_conflict" not in differ.reasons and differ.score >= 85


def test_gtin_conflict_caps_just_below_auto_link():
    scored = score_pair(Pair("Coca-Cola 12oz", None, "Coca-Cola 12oz", None, COKE_GTIN, OTHER_GTIN))
    assert scored.score == 84.9
    assert scored.reasons == (GTIN_CONFLICT,)


@pytest.mark.parametrize(("store_gtin", "cand_gtin"), [(BAD_GTIN, OTHER_GTIN), (None, OTHER_GTIN)])
def test_an_invalid_or_missing_gtin_is_no_conflict(store_gtin, cand_gtin):
    scored = score_pair(Pair("Coca-Cola 12oz", None, "Coca-Cola 12oz", None, store_gtin, cand_gtin))
    assert scored.score == 100.0
    assert GTIN_CONFLICT not in scored.reasons


def test_caps_follow_the_thresholds_given():
    pair = Pair("Coca-Cola 12oz", None, "Coca-Cola 12oz", None, COKE_GTIN, OTHER_GTIN)
    strict = Thresholds(auto_link=90.0, suggest=75.0, scorer="rules")
    [scored] = score_candidates(
        pair.store_name,
        None,
        pair.store_gtin,
        [Candidate(1, pair.cand_name, None, pair.cand_gtin)],
        thresholds=strict,
    )
    assert scored.score == 89.9
    [brand] = score_candidates(
        "Cola 12oz",
        "Pepsi",
        None,
        [Candidate(1, "Cola 12oz", "Coca-Cola", None)],
        thresholds=strict,
    )
    assert brand.score == 74.9


def test_decide_blocks_conflicts_even_with_lower_thresholds():
    """A worker configured with auto_link=80 must not link a capped 84.9."""
    lax = Thresholds(auto_link=80.0, suggest=60.0, scorer="rules")
    conflict = score_pair(
        Pair("Coca-Cola 12oz", None, "Coca-Cola 12oz", None, COKE_GTIN, OTHER_GTIN)
    )
    decision = decide([conflict], lax)
    assert (decision.kind, decision.reason) == ("suggest", GTIN_CONFLICT)
    sized = score_pair(Pair("Coca-Cola 12oz", None, "Coca-Cola 16oz", None))
    decision = decide([Scored(sized.canonical_product_id, 90.0, sized.reasons)], lax)
    assert (decision.kind, decision.reason) == ("review", SIZE_CONFLICT)


def test_extra_words_cost_points_in_the_base_score_not_only_a_cap():
    # token_set_ratio alone would call this 100 (one name's words are a subset).
    scored = score_pair(
        Pair(
            "Kraft Mac & Cheese Original 7.25oz",
            None,
            "Kraft Macaroni and Cheese Dinner Original Thick n Creamy 7.25 oz",
            "Kraft",
        )
    )
    assert 70.0 <= scored.score < 80.0


def test_shared_model_code_raises_the_score():
    plain = score_pair(Pair("Sony 40in LCD TV", "Sony", "Sony Bravia 40in LCD TV", "Sony"))
    coded = score_pair(
        Pair("Sony KDL-40V4100 40in LCD TV", "Sony", "Sony Bravia KDL40V4100 40in LCD TV", "Sony")
    )
    assert MODEL_MATCH in coded.reasons and MODEL_MATCH not in plain.reasons
    assert coded.score >= 85.0 > plain.score


@pytest.mark.parametrize("unit_token", ["12oz", "500ml", "2l", "6pk", "128gb"])
def test_unit_tokens_are_not_model_codes(unit_token):
    scored = score_pair(Pair(f"Acme Widget {unit_token}", None, f"Acme Widget {unit_token}", None))
    assert MODEL_CONFLICT not in scored.reasons and MODEL_MATCH not in scored.reasons


def test_a_missing_brand_makes_a_suggestion_not_a_link():
    """Store brands copy product lines word for word: a name without any brand cannot be
    told from its twins, so a person confirms (bench_matching found such wrong links)."""
    with_brand = score_pair(
        Pair("Cheerios 12oz", "General Mills", "Cheerios 12 oz", "General Mills")
    )
    without = score_pair(Pair("Cheerios 12oz", None, "Cheerios 12 oz", "General Mills"))
    brand_in_name = score_pair(
        Pair("General Mills Cheerios 12oz", None, "Cheerios 12 oz", "General Mills")
    )
    assert with_brand.reasons == (BRAND_MATCH,) and with_brand.score >= 85.0
    assert brand_in_name.reasons == (BRAND_MATCH,) and brand_in_name.score >= 85.0
    assert without.reasons == (BRAND_MISSING,)
    assert 70.0 <= without.score < 85.0
    assert decide([without], RULES).kind == "suggest"


def test_brands_that_contain_each_other_agree():
    scored = score_pair(Pair("Ketchup 20oz", "Heinz", "Ketchup 20 oz", "The Kraft Heinz Company"))
    assert BRAND_MATCH in scored.reasons and BRAND_CONFLICT not in scored.reasons


def test_brand_words_are_not_read_as_variants():
    # "Red" and "Bull" are the brand, not a colour.
    scored = score_pair(Pair("Red Bull 8.4oz", "Red Bull", "8.4 fl oz Energy", "Red Bull"))
    assert VARIANT_CONFLICT not in scored.reasons
    scored = score_pair(Pair("Red Bull 8.4oz", None, "Red Bull 8.4 fl oz", "Red Bull"))
    assert scored.score == 100.0


def test_size_on_one_side_only_blocks_the_link():
    scored = score_pair(Pair("Coca-Cola Classic", None, "Coca-Cola Classic 12oz", None))
    assert SIZE_MISSING in scored.reasons
    assert scored.score < 85.0


def test_equal_sizes_in_different_units_do_not_conflict():
    scored = score_pair(Pair("Nutella 13oz", None, "Nutella 371g", None))
    assert SIZE_CONFLICT not in scored.reasons
    assert scored.score == 100.0


# --------------------------------------------------------------------------- decide


def _s(cid: int, score: float, *reasons: str) -> Scored:
    return Scored(cid, score, reasons)


@pytest.mark.parametrize(
    ("score", "kind"),
    [(100.0, "link"), (85.0, "link"), (84.9, "suggest"), (70.0, "suggest"), (69.9, "review")],
)
def test_threshold_bands(score, kind):
    assert decide([_s(1, score)], RULES).kind == kind


def test_top_is_best_first_and_at_most_five():
    scored = [_s(i, float(50 + i)) for i in range(8)]
    decision = decide(scored, RULES)
    assert [s.canonical_product_id for s in decision.top] == [7, 6, 5, 4, 3]
    assert decision.best == decision.top[0]


def test_two_link_worthy_products_close_together_are_only_a_suggestion():
    decision = decide([_s(1, 97.0), _s(2, 95.0)], RULES)
    assert (decision.kind, decision.reason) == ("suggest", AMBIGUOUS)
    assert decision.best == _s(1, 97.0)


def test_a_clear_winner_still_links():
    assert decide([_s(1, 100.0), _s(2, 90.0)], RULES).kind == "link"
    # A capped runner-up is not link-worthy, so it does not make the best ambiguous.
    assert decide([_s(1, 88.0), _s(2, 84.9, SIZE_MISSING)], RULES).kind == "link"


def test_gtin_match_is_never_ambiguous():
    decision = decide([_s(1, 100.0, GTIN_MATCH), _s(2, 100.0)], RULES)
    assert decision.kind == "link" and decision.best == _s(1, 100.0, GTIN_MATCH)


@pytest.mark.parametrize("reasons", [(), (GTIN_MATCH,)])
def test_a_link_the_store_already_has_through_another_product_is_only_a_suggestion(reasons):
    decision = decide([_s(1, 100.0, *reasons), _s(2, 80.0)], RULES, store_links={1})
    assert (decision.kind, decision.reason) == ("suggest", SAME_STORE)
    # The decided score says "just below auto-link"; the ranking keeps the scorer's.
    assert decision.best == _s(1, 84.9, *reasons, SAME_STORE)
    assert decision.top == [_s(1, 100.0, *reasons), _s(2, 80.0)]


def test_the_same_store_cap_follows_the_configured_threshold():
    decision = decide([_s(1, 99.0)], Thresholds(auto_link=95.0, scorer="rules"), store_links={1})
    assert decision.kind == "suggest" and decision.best == _s(1, 94.9, SAME_STORE)


def test_same_store_only_concerns_a_link_to_that_product():
    assert decide([_s(1, 100.0)], RULES, store_links={2}).kind == "link"
    # Below auto-link nothing changes: no cap, no reason.
    for score, kind in ((80.0, "suggest"), (50.0, "review")):
        decision = decide([_s(1, score)], RULES, store_links={1})
        assert decision == Decision(kind, _s(1, score), [_s(1, score)], None)
    # Already ambiguous: that reason stands and the score is left as it is.
    decision = decide([_s(1, 97.0), _s(2, 95.0)], RULES, store_links={1})
    assert (decision.reason, decision.best) == (AMBIGUOUS, _s(1, 97.0))


def test_unbranded_store_product_with_two_branded_twins_is_a_suggestion():
    candidates = [
        Candidate(1, "Horizon Organic Whole Milk 1 gal", "Horizon", None),
        Candidate(2, "Organic Valley Organic Whole Milk 1 gal", "Organic Valley", None),
    ]
    scored = score_candidates("Org Whole Milk 1 Gallon", None, None, candidates)
    assert all(70.0 <= s.score < 85.0 for s in scored)
    assert decide(scored, RULES).kind == "suggest"


@pytest.mark.parametrize(
    ("store", "candidate", "reason"),
    [
        # A code on one side only: the other name could be any model of the line.
        (
            ("67XL HP Black Ink Cartridge 2PK", "HP"),
            ("HP 67 Black Ink Cartridge, 2 Pack", "HP"),
            "model_missing",
        ),
        # A hyphenated part number stays one code: its size-like middle is not split out.
        (
            ("SDSQUAB-064G-GN6MA SanDisk Ultra 64GB", "SanDisk"),
            ("SanDisk Extreme 64GB microSD SDSQXAV-064G-GN6MA", "SanDisk"),
            "model_conflict",
        ),
        # AA and AAA are different batteries, not a typo.
        (
            ("Coppertop Batteries 4 Pack AAA", "Duracell"),
            ("Duracell Coppertop AA Batteries, 4 Pack", "Duracell"),
            "variant_conflict",
        ),
        # "S22+" is another phone than "S22".
        (
            ("Samsung Galaxy S22+ 128GB Green", "Samsung"),
            ("Samsung Galaxy S22 128GB Green", "Samsung"),
            "variant_conflict",
        ),
    ],
)
def test_near_variants_found_by_bench_matching_never_link(store, candidate, reason):
    scored = score_pair(Pair(store[0], store[1], candidate[0], candidate[1]))
    assert reason in scored.reasons
    assert scored.score < 85.0
