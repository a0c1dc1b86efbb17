"""Which words the PostgreSQL candidate search probes first (catalog/name_words.py)."""

from __future__ import annotations

import math

from catalog.name_words import misspelt, name_words, probed_words, word_chain


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


def test_the_word_chain_pairs_each_whole_word_with_the_next():
    products = {"acme": 5000, "cola": 8000, "zero": 9000, "330": 9000, "jufigra": 3}
    whole = {"acme", "cola", "zero", "330"}  # `jufi` is cut short: not whole
    assert word_chain("zero acme xx cola 330", whole, products, budget=100) == [
        "acme zero",
        "acme cola",
        "330 cola",
    ]
    # Two whole words, both common: no chain.
    assert word_chain("jufi cola unknownword zero", whole, products, budget=100) == []
    assert word_chain("jufigra cola", whole | {"jufigra"}, products, budget=100) == ["cola jufigra"]
    assert word_chain("acme", whole, products, budget=100) == []
