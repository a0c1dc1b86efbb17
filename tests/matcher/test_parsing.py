"""Reading a normalized name (`matcher.parsing`): brand runs, and the caches behind it."""

from __future__ import annotations

import random

import pytest

from matcher.normalize import normalize_for_scoring
from matcher.parsing import _parse_name, _read_token, find_run, parse_name

NAMES = [
    "Coca-Cola Classic 12 x 330ml",
    "Sony KDL-40V4100 40in LCD TV",
    "Hershey's Milk Chocolate 1.55 oz",
    "HP 67XL Black Ink Cartridge",
    "Heinz Baked Beans 4 pack",
    "Galaxy S22+ 128GB Phantom Black",
]


def _all_runs(tokens: tuple[str, ...], compact_brand: str) -> tuple[int, int] | None:
    """`find_run` by its definition: the first run (by start, then end) spelling the brand."""
    wanted = {compact_brand, compact_brand + "s", compact_brand.removesuffix("s")}
    for i in range(len(tokens)):
        for j in range(i + 1, len(tokens) + 1):
            joined = "".join(tokens[i:j])
            if len(joined) > len(compact_brand) + 1:
                break
            if joined in wanted:
                return i, j
    return None


def test_find_run_finds_the_first_run_spelling_the_brand():
    assert find_run(("the", "coca", "cola", "company"), "cocacola") == (1, 3)
    assert find_run(("hersheys", "milk"), "hershey") == (0, 1)  # possessive
    assert find_run(("levi", "jeans"), "levis") == (0, 1)
    assert find_run(("cola", "coca"), "cocacola") is None


def test_find_run_skips_no_run_its_definition_finds():
    rng = random.Random(3)
    for _ in range(50_000):
        tokens = tuple(
            "".join(rng.choice("abs") for _ in range(rng.randint(1, 3)))
            for _ in range(rng.randint(0, 6))
        )
        brand = "".join(rng.choice("abs") for _ in range(rng.randint(1, 5)))
        assert find_run(tokens, brand) == _all_runs(tokens, brand), (tokens, brand)


@pytest.mark.parametrize("brands", [(), ("sony",), ("coca cola", "heinz")])
def test_a_parse_does_not_depend_on_what_the_caches_hold(brands):
    names = [normalize_for_scoring(n) for n in NAMES]
    warm = [parse_name(n, b) for n in names for b in ((), ("hp",), brands)]
    _parse_name.cache_clear()
    _read_token.cache_clear()
    assert [parse_name(n, b) for n in names for b in ((), ("hp",), brands)] == warm


def test_the_parse_caches_are_bounded():
    assert _parse_name.cache_info().maxsize is not None
    limit = _read_token.cache_info().maxsize
    assert limit is not None
    for i in range(limit + 10):
        _read_token(f"x{i}")
    assert _read_token.cache_info().currsize == limit
