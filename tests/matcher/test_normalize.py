"""Name normalization: the stored form (`normalize_name`) and the scoring form."""

from __future__ import annotations

import random
import unicodedata

import pytest

from catalog.names import fold
from matcher.normalize import (
    _CURRENCIES,
    _MULTIBUY,
    _REWRITES,
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
        # Five digits and a letter: a model number with its colour letter, not 72,604 l.
        ("72604l", None),
        ("1500l", Quantity(1500.0, "l")),
        # A leading zero: a part of a maker's code ("QZ36-0516G"), no shelf's 516 g.
        ("0516g", None),
        ("0.5l", Quantity(0.5, "l")),
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


def test_ascii_text_folds_as_its_decomposition_would():
    """`fold` takes a shortcut for ASCII text (nothing to decompose): the same result."""
    text = "".join(map(chr, range(128)))
    assert fold(text) == unicodedata.normalize("NFKD", text).casefold()


# --------------------------------------------------------------------------- rewrite guards

# Names that each rewrite applies to, and a random mix of the characters they read.
_REWRITTEN = [
    "Sony KDL-40V4100",
    "Galaxy S22+ 128GB",
    "Mac & Cheese w/o salt, w/ cheddar",
    "Cola 1,5 L",
    "Rice 1,000 g",
    "Milk .5 l",
    "Pipe 1/2 in",
    "Water pack of 6",
    "Toner 2/Pack",
    "Beer 6 x 330ml",
    "Eggs 2 dozen",
    "Beer 330ml x 6",
    "Flour 2lb 3oz",
    "Cable A-B",
    "Crisps 3 for £5",
]


def _mixed_names() -> list[str]:
    rng = random.Random(7)
    alphabet = "ablwxofdz 0123456789-+,./&£$€%'"
    return _REWRITTEN + [
        "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 24))) for _ in range(20_000)
    ]


def test_each_rewrite_is_skipped_only_where_its_pattern_cannot_match():
    """`normalize_for_scoring` skips a rewrite when the text lacks its guard string: that
    must never skip a rewrite that would have changed the text."""
    matched = dict.fromkeys(range(len(_REWRITES)), 0)
    multibuys = 0
    for name in _mixed_names():
        if _MULTIBUY.search(name):
            multibuys += 1
            assert _CURRENCIES.intersection(name), name
        text = fold(name)
        for i, (guard, pattern, _) in enumerate(_REWRITES):
            if pattern.search(text):
                matched[i] += 1
                assert guard in text, (guard, pattern.pattern, text)
    # Every rewrite was seen at work: the check above is not vacuous.
    assert multibuys and all(matched.values()), matched


def test_a_year_before_pc_is_an_edition_not_a_count():
    """ "Norton Internet Security 2009 PC" is the PC edition, not 2009 pieces (the platform
    went missing, and a pack of 2009 with it)."""
    assert normalize_for_scoring("Norton Internet Security 2009 PC").split()[-2:] == ["2009", "pc"]
    assert normalize_for_scoring("Cotton buds 200 pcs").split()[-1] == "200ct"


def test_pc_after_a_titles_number_before_its_disc_or_a_spaced_hyphen_is_the_platform():
    """ "Frozen Racers 2 PC DVD", "Star Saga 4 - PC": the PC platform after the title's
    number, not a count of pieces (a pack the catalog's "(PC)" lacks capped the pair)."""
    assert normalize_for_scoring("Frozen Racers 2 pc dvd").split()[-3:] == ["2", "pc", "dvd"]
    assert normalize_for_scoring("Star Saga 4 - PC CD-ROM").split()[2:4] == ["4", "pc"]
    assert normalize_for_scoring("Moon Harbor 3 - pc").split()[-2:] == ["3", "pc"]
    # Pieces stay pieces, a spaced hyphen before any other unit stays a size.
    assert normalize_for_scoring("Knife Set 12 pc").split()[-1] == "12ct"
    assert normalize_for_scoring("Knife Set - 12 pcs").split()[-1] == "12ct"
    assert normalize_for_scoring("Cola 12 - pack").split()[-1] == "12ct"


def test_a_slash_after_a_letter_is_no_fraction():
    """ "SD4/8GB": a maker's short code and a capacity, not half a gigabyte (which hid
    the code, so "SD6/8GB" did not conflict with it)."""
    assert normalize_for_scoring("Acme SD4/8GB Card").split() == ["acme", "sd4", "8gb", "card"]
    assert normalize_for_scoring("Pipe 1/2 in").split()[-1] == "0.5in"


def test_a_part_number_or_the_x360_platform_after_a_number_is_no_count():
    """ "82X8040": a maker's part number, not 82 of something; "Star Storm 3 X360": the
    third game for the Xbox 360. A count before a unit or a short number stays one."""
    assert normalize_for_scoring("Zeta Printer - 82X8040").split()[-1] == "82x8040"
    assert normalize_for_scoring("Star Storm 3 X360").split()[-2:] == ["3", "x360"]
    assert normalize_for_scoring("Cola 24 x 330").split()[-2:] == ["24ct", "330"]
    assert normalize_for_scoring("Beer 6x355ml").split()[-2:] == ["6ct", "355ml"]
    assert normalize_for_scoring("Paper 5 x 2500 sheets").split()[1] == "5ct"


def test_digit_groups_with_an_item_numbers_length_are_one_part_number():
    """ "340345-1444": a maker's part number, whose "1444" is no number of the product
    ("Companion 8"); short groups stay apart ("555-1234", a size range "32-34")."""
    assert normalize_for_scoring("Bose Companion - 340345-1444").split()[-1] == "3403451444"
    assert normalize_for_scoring("Phone 555-1234").split()[-2:] == ["555", "1234"]
    assert normalize_for_scoring("Jeans 32-34").split()[-2:] == ["32", "34"]
