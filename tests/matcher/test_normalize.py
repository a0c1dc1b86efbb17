"""Name normalization: the stored form (`normalize_name`) and the scoring form."""

from __future__ import annotations

import pytest

from matcher.normalize import (
    Quantity,
    normalize_brand,
    normalize_for_scoring,
    normalize_name,
    parse_quantity,
)

# --------------------------------------------------------------------------- normalize_name


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Coca-Cola  Classic", "coca cola classic"),
        ("Crème Brûlée", "creme brulee"),
        ("  Hershey's\tMilk  Chocolate ", "hershey s milk chocolate"),
        # The stored form does NOT canonicalise units or decimals: stored rows and
        # the trigram search depend on it staying this simple.
        ("12 fl. oz.", "12 fl oz"),
        ("1.5 L", "1 5 l"),
        ("6-pack", "6 pack"),
        ("Choc w/ Nuts", "choc w nuts"),
    ],
)
def test_normalize_name_keeps_its_simple_contract(raw, expected):
    assert normalize_name(raw) == expected


# --------------------------------------------------------------------------- units


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # ounces, fluid ounces
        ("12 oz", "12oz"),
        ("12oz", "12oz"),
        ("12-ounce", "12oz"),
        ("12 ounces", "12oz"),
        ("12 Ounce", "12oz"),
        ("12 fl oz", "12oz"),
        ("12 fl. oz.", "12oz"),
        ("12 FL.OZ.", "12oz"),
        ("12 fluid ounces", "12oz"),
        # grams, kilograms, milligrams
        ("500 g", "500g"),
        ("500g", "500g"),
        ("500 grams", "500g"),
        ("500 gr", "500g"),
        ("1 kg", "1kg"),
        ("1 kilogram", "1kg"),
        ("200 mg", "200mg"),
        # millilitres, litres
        ("500 ml", "500ml"),
        ("500 millilitres", "500ml"),
        ("500 milliliters", "500ml"),
        ("2 l", "2l"),
        ("2 L", "2l"),
        ("2 litre", "2l"),
        ("2 liters", "2l"),
        ("2 ltr", "2l"),
        ("2-Liter", "2l"),
        # pounds
        ("5 lb", "5lb"),
        ("5 lbs", "5lb"),
        ("5 lb.", "5lb"),
        ("5 pounds", "5lb"),
        # counts and packs
        ("6 pack", "6ct"),
        ("6pk", "6ct"),
        ("6-ct", "6ct"),
        ("6 count", "6ct"),
        ("6 pcs", "6ct"),
        ("pack of 6", "6ct"),
        ("1 dozen", "12ct"),
        # decimals
        ("1.5 l", "1.5l"),
        ("1,5 l", "1.5l"),
        ("1.50 L", "1.5l"),
        (".5 l", "0.5l"),
        ("1/2 gal", "0.5gal"),
        ("1,000 ml", "1000ml"),
        # other dimensions
        ('55" TV', "55in tv"),
        ("55 inch TV", "55in tv"),
        ("128 GB", "128gb"),
        ("2% milk", "2pct milk"),
    ],
)
def test_unit_spellings_become_one_token(raw, expected):
    assert normalize_for_scoring(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("6 x 330ml", "6ct 330ml"),
        ("12x12 oz", "12ct 12oz"),
        ("330ml x 6", "330ml 6ct"),
    ],
)
def test_multipacks_split_into_count_and_size(raw, expected):
    assert normalize_for_scoring(raw) == expected


@pytest.mark.parametrize(
    "raw",
    ["2 large eggs", "5 grain bread", "12 original", "3 layer tissue", "40v4100"],
)
def test_a_number_before_an_ordinary_word_is_not_a_unit(raw):
    assert normalize_for_scoring(raw) == normalize_name(raw)


def test_a_number_before_a_code_starting_with_x_is_no_count():
    assert normalize_for_scoring("No. 13 X492G60GA Toner") == "no 13 x492g60ga toner"


# --------------------------------------------------------------------------- other rewrites


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Org Whole Milk", "organic whole milk"),
        ("Choc Chip Cookies", "chocolate chip cookies"),
        ("Mac & Cheese w/ Broccoli", "mac and cheese with broccoli"),
        ("Pizza w/o Cheese", "pizza without cheese"),
        ("Lite Yogurt", "light yogurt"),
        ("Asst Candy", "assorted candy"),
        # Whole tokens only: "orgeat" is not "organic" + "eat".
        ("Orgeat Syrup", "orgeat syrup"),
    ],
)
def test_small_abbreviation_table(raw, expected):
    assert normalize_for_scoring(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Sony KDL-40V4100", "sony kdl40v4100"),
        ("Samsung SM-G991B/DS", "samsung smg991b ds"),
        ("7-Up", "7up"),
        # A hyphen between words (no digits) is just a space.
        ("Coca-Cola", "coca cola"),
        ("X-Large T-Shirt", "x large t shirt"),
        # Digits only: a range, not a code.
        ("3-5 years", "3 5 years"),
    ],
)
def test_hyphenated_codes_are_one_token(raw, expected):
    assert normalize_for_scoring(raw) == expected


def test_possessive_apostrophes_disappear_instead_of_splitting():
    assert normalize_for_scoring("Kellogg's") == "kelloggs"
    assert normalize_for_scoring("Kellogg’s") == "kelloggs"
    assert normalize_for_scoring("Hershey's Milk Choc Bar 1.55 OZ") == (
        "hersheys milk chocolate bar 1.55oz"
    )


def test_scoring_form_folds_case_accents_and_punctuation_like_normalize_name():
    assert normalize_for_scoring("  CRÈME  brûlée!!  (Café) ") == "creme brulee cafe"


@pytest.mark.parametrize("brand", [None, "", "  ", "N/A", "none", "Unknown", "generic"])
def test_placeholder_brands_mean_no_brand(brand):
    assert normalize_brand(brand) is None


def test_real_brands_get_the_scoring_form():
    assert normalize_brand("Ben & Jerry's") == "ben and jerrys"
    assert normalize_brand("Coca-Cola") == "coca cola"


@pytest.mark.parametrize(
    ("token", "quantity"),
    [
        ("12oz", Quantity(12.0, "oz")),
        ("1.5l", Quantity(1.5, "l")),
        ("500ml", Quantity(500.0, "ml")),
        ("6ct", Quantity(6.0, "ct")),
        ("128gb", Quantity(128.0, "gb")),
        ("kdl40v4100", None),
        ("12", None),
        ("oz", None),
        ("12ozs", None),
    ],
)
def test_parse_quantity(token, quantity):
    assert parse_quantity(token) == quantity


def test_quantity_token_round_trips():
    assert Quantity(1.5, "l").token == "1.5l"
    assert Quantity(12.0, "oz").token == "12oz"


def test_a_count_per_pack_is_a_count():
    assert normalize_for_scoring("Toner Cartridge, 2/Pack") == "toner cartridge 2ct"
