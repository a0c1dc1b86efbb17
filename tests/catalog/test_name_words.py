"""Which words the PostgreSQL candidate search probes first (catalog/name_words.py)."""

from __future__ import annotations

import math

from catalog.name_words import (
    misspelt,
    name_words,
    one_edit_forms,
    open_word,
    probed_words,
    word_chain,
)


def test_words_are_distinct_and_longer_than_one_character():
    assert name_words("acme cola  x 2 l cola 330ml") == ["acme", "cola", "330ml"]


def test_the_rarest_known_words_are_probed_while_they_bring_at_most_the_budget():
    products = {"acme": 40, "cola": 900, "zero": 1500, "330ml": 3000}
    chosen = probed_words("acme cola zero 330ml unknownword", products, 10_000, budget=1000)
    assert chosen == [
        ("acme", math.log1p(10_000 / 40)),
        ("cola", math.log1p(10_000 / 900)),
    ]
    assert probed_words("cola zero", products, 10_000, budget=500) == []


def test_a_misspelt_word_stands_for_the_similar_known_words():
    products = {"acme": 40, "northwind": 30, "northwest": 20}
    assert misspelt("nortwind acme x", products) == ["nortwind"]
    similar = {"nortwind": ["northwind", "northwest"]}
    chosen = probed_words("nortwind", products, 100, budget=1000, similar=similar)
    assert [w for w, _ in chosen] == ["northwest", "northwind"]
    assert {weight for _, weight in chosen} == {math.log1p(100 / 50)}  # alike: neither wins


def test_the_word_chain_pairs_each_known_word_with_the_next():
    products = {"acme": 5000, "cola": 8000, "zero": 9000, "330": 9000, "jufigra": 3}
    known = {"acme", "cola", "zero", "330", "jufigra"}
    chain = word_chain("zero acme xx cola 330", known, products, budget=100)
    assert chain == (["acme zero", "acme cola", "330 cola"], ["acme zero"])
    assert word_chain("jufigra cola", known, products, budget=100) == (
        ["cola jufigra"],
        ["cola jufigra"],
    )
    # Two known words, both common: no chain; nor with one.
    assert word_chain("jufi cola unknownword zero", known, products, budget=100) == ([], [])
    assert word_chain("acme", known, products, budget=100) == ([], [])


def test_a_word_with_forms_is_any_of_them_next_to_the_nearest_known_word():
    products = {"jufi": 3000, "cola": 8000, "zero": 9000, "330": 9000}
    known = {"jufi", "cola", "zero", "330"}
    forms = ("jufi", ["jufi", "jufigra", "jufika"])
    assert word_chain("jufi cola zero 330", known, products, 100, forms) == (
        ["cola zero", "330 zero"],
        ["cola jufi", "cola jufigra", "cola jufika"],
    )
    # A misspelt word's look-alikes; one word besides it is enough.
    assert word_chain("cola zreo", known, products, 100, ("zreo", ["zero", "zoro"])) == (
        [],
        ["cola zero", "cola zoro"],
    )


def test_the_open_word_is_a_known_one_first_then_the_rarest():
    products = {"jufi": 2001, "oat": 2001, "laun": 900, "gran": 50}
    longer = {"jufi", "oat", "laun", "gran"}
    assert open_word("oat jufi laun", products, {"jufi", "oat"}, longer) == "jufi"
    assert open_word("oat laun gran", products, set(), longer) == "gran"
    assert open_word("cola zero", products, {"cola"}, longer) is None


def test_a_typo_is_one_edit_away_with_the_first_letter_kept():
    forms = one_edit_forms("lnor")
    assert {"lonor", "lnr", "lnro", "lmor"} <= set(forms)  # dropped, added, swapped, replaced
    assert "lnor" not in forms and len(forms) == len(set(forms))
    assert not any(f.startswith("k") for f in forms)  # the first letter is kept
    assert "nlor" not in forms
    assert "bread" in one_edit_forms("bead") and "dorfigra" in one_edit_forms("drfigra")
    assert misspelt("ame cola", {"cola": 9}, shortest=3) == ["ame"]
    assert misspelt("ame cola", {"cola": 9}) == []
