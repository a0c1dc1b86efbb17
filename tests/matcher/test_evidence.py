"""Word evidence (`matcher.evidence`): when one name explains a word of the other."""

from __future__ import annotations

import random

import pytest

from matcher.evidence import _explained, spelled_apart
from matcher.parsing import parse_name


@pytest.mark.parametrize(
    ("word", "name", "explained"),
    [
        ("cheerios", "honey cheerios", True),  # the word itself
        ("cheerois", "honey cheerios", True),  # misspelled
        ("cheeriox", "honey cheerios", True),
        ("chrs", "honey cheerios", True),  # abbreviated, vowels dropped
        ("crml", "caramel swirl", True),
        ("choc", "chocolate chip", True),  # a prefix
        ("up", "7up can", True),  # "7 up" / "7up"
        ("cocacola", "coca cola zero", True),  # spelled apart
        ("colazero", "coca cola zero", True),
        ("fuji", "gala apples", False),
        ("gala", "gale apples", False),  # short words differ by design, no typo
        ("honeys", "honey nut", True),  # one letter more: a typo
        ("crunch", "cinnamon toast", False),
    ],
)
def test_a_word_is_explained_by_a_name_that_carries_it_in_some_form(word, name, explained):
    assert _explained(word, parse_name(name, ())) is explained


def test_spelled_apart_is_two_or_three_neighbouring_tokens_joined():
    """Against its definition, on random short tokens (so that runs do spell words)."""
    rng = random.Random(5)
    for _ in range(20_000):
        tokens = ["".join(rng.choice("ab") for _ in range(rng.randint(1, 3))) for _ in range(5)]
        word = "".join(rng.choice("ab") for _ in range(rng.randint(2, 8)))
        defined = any(
            "".join(tokens[i : i + n]) == word for n in (2, 3) for i in range(len(tokens) - n + 1)
        )
        assert spelled_apart(word, tokens) is defined, (word, tokens)
