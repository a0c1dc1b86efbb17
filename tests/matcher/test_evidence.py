"""Word evidence (`matcher.evidence`): when one name explains a word of the other."""

from __future__ import annotations

import pytest

from matcher.evidence import _explained
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
