"""Which products made after a search that search would have found (matcher/made_since.py)."""

from __future__ import annotations

import pytest

from catalog.models import CanonicalProduct
from catalog.names import normalize_name
from matcher.made_since import searched_since, similarity, trigrams


def _made(id_: int, name: str) -> CanonicalProduct:
    return CanonicalProduct(id_, None, name, normalize_name(name), None, 0, 1, provisional=True)


def test_similarity_is_pg_trgms():
    # SELECT similarity('acme diet cola 330 ml', 'acme diet cola') → 0.6818182
    assert similarity(trigrams("acme diet cola 330 ml"), trigrams("acme diet cola")) == (
        pytest.approx(0.6818182)
    )
    assert trigrams("A-b") == trigrams("a b") == {"  a", " a ", "  b", " b "}
    assert similarity(trigrams(""), trigrams("---")) == 0.0


def test_a_made_product_sharing_a_word_joins_a_short_search():
    hose = _made(9, "Garden hose 30 m")
    assert searched_since("GARDEN HOSE 30M", [], [hose], limit=10) == [hose]
    # a word the query's word starts with counts (the probe reads prefixes)
    assert searched_since("gard", [], [hose], limit=10) == [hose]
    assert searched_since("Patio chair", [], [hose], limit=10) == []


def test_in_a_full_search_a_made_product_takes_the_lasts_place_if_more_alike():
    reels = [_made(i, f"garden hose {i} m reel") for i in range(1, 4)]
    found = [reels[2], reels[0], reels[1]]  # best first: 3 m, then 1 and 2 m (a tie: older)
    close, far = _made(8, "garden hose 30 m"), _made(9, "hose clip")
    assert searched_since("garden hose 30 m", found, [close, far], limit=3) == [
        close,
        reels[2],
        reels[0],
    ]
    assert searched_since("garden hose 30 m", found, [close, far], limit=10) == [
        close,
        *found,
        far,
    ]
    assert searched_since("garden hose 30 m", [close], [close], limit=10) == [close]  # once
    twin = _made(10, reels[1].name)  # as alike as the last: the older stays
    assert searched_since("garden hose 30 m", found, [twin], limit=3) == found
