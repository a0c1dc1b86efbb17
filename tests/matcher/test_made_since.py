"""Whether a search would have found a product made after it ran (matcher/made_since.py)."""

from __future__ import annotations

import pytest

from catalog.models import CanonicalProduct
from catalog.names import normalize_name
from matcher.made_since import similarity, trigrams, would_find


def _made(id_: int, name: str) -> CanonicalProduct:
    return CanonicalProduct(id_, None, name, normalize_name(name), None, 0, 1, provisional=True)


def test_similarity_is_pg_trgms():
    # SELECT similarity('acme diet cola 330 ml', 'acme diet cola') → 0.6818182
    assert similarity(trigrams("acme diet cola 330 ml"), trigrams("acme diet cola")) == (
        pytest.approx(0.6818182)
    )
    assert trigrams("A-b") == trigrams("a b") == {"  a", " a ", "  b", " b "}
    assert similarity(trigrams(""), trigrams("---")) == 0.0


def test_a_made_product_sharing_a_word_is_found_by_a_short_search():
    hose = _made(9, "Garden hose 30 m")
    assert would_find("GARDEN HOSE 30M", [], [hose], limit=10)
    assert would_find("gard", [], [hose], limit=10)  # the probe reads prefixes
    assert not would_find("Patio chair", [], [hose], limit=10)
    assert not would_find("garden hose 30 m", [hose], [hose], limit=10)  # found already


def test_a_full_search_finds_a_made_product_only_if_more_alike_than_its_last():
    reels = [_made(i, f"garden hose {i} m reel") for i in range(1, 4)]
    found = [reels[2], reels[0], reels[1]]  # best first: 3 m, then 1 and 2 m (a tie: older)
    close, far = _made(8, "garden hose 30 m"), _made(9, "hose clip")
    assert would_find("garden hose 30 m", found, [far, close], limit=3)
    assert not would_find("garden hose 30 m", found, [far], limit=3)
    assert would_find("garden hose 30 m", found, [far], limit=10)
    twin = _made(10, reels[1].name)  # as alike as the last: the older stays
    assert not would_find("garden hose 30 m", found, [twin], limit=3)


NAMES = [
    "acme cola 330 ml",
    "hp laserjet pro m404dn w1a53a",
    "cafe creme brulee 2x",
    "kx-tg9025 twin pack",
    "a b c",
    "x",
    "sdsdh-8gb 8 gb",
]


async def test_trigrams_agree_with_pg_trgm_on_every_pair(postgres_url):
    """The Python copy decides what is searched again; pg_trgm decides what the search
    finds. They must score every pair alike (ASCII names: what normalize_name makes)."""
    import asyncpg

    conn = await asyncpg.connect(postgres_url)
    try:
        rows = await conn.fetch(
            "SELECT a, b, similarity(a, b) AS s FROM unnest($1::text[]) a, unnest($1::text[]) b",
            NAMES,
        )
    finally:
        await conn.close()
    assert len(rows) == len(NAMES) ** 2
    for row in rows:
        ours = similarity(trigrams(row["a"]), trigrams(row["b"]))
        assert ours == pytest.approx(row["s"], abs=1e-6), (row["a"], row["b"])
