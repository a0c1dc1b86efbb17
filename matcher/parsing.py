"""A normalized name read into what the rules compare: tokens, sizes, codes, variants.

`parse_name` takes the output of `normalize_for_scoring` and the brands known
for the pair; brand tokens are removed so the rest of the name carries the match.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from matcher.normalize import Quantity, parse_quantity
from matcher.vocabulary import FILLER, VARIANT_PHRASES, VARIANT_WORDS

_DIGIT_RUN = re.compile(r"\d+(?:\.\d+)?")
_ORDINAL = re.compile(r"\d+(?:st|nd|rd|th)\Z")


@dataclass(frozen=True)
class ParsedName:
    tokens: tuple[str, ...]  # scoring tokens with brand tokens removed (falls back to all)
    all_tokens: tuple[str, ...]
    quantities: tuple[Quantity, ...]
    model_codes: frozenset[str]
    numbers: frozenset[str]
    variants: frozenset[str]
    words: tuple[str, ...]  # plain words the word rules read (no digits, no filler)
    compact: str  # all tokens joined, for "is this code written differently" checks


def _is_model_code(token: str) -> bool:
    return (
        len(token) >= 2
        and any(c.isdigit() for c in token)
        and any(c.isalpha() for c in token)
        and parse_quantity(token) is None
        and _ORDINAL.match(token) is None
    )


def _variants(tokens: Sequence[str]) -> frozenset[str]:
    found: set[str] = set()
    i = 0
    while i < len(tokens):
        phrase = VARIANT_PHRASES.get((tokens[i], tokens[i + 1])) if i + 1 < len(tokens) else None
        if phrase is not None:
            found.add(phrase)
            i += 2
            continue
        token = tokens[i]
        if token in VARIANT_WORDS:
            found.add(token)
        elif token.endswith("s") and token[:-1] in VARIANT_WORDS:
            found.add(token[:-1])  # "bananas" is the same variant as "banana"
        i += 1
    return frozenset(found)


def find_run(tokens: Sequence[str], compact_brand: str) -> tuple[int, int] | None:
    """First run tokens[i:j] spelling the brand (spaces ignored, possessive `s` allowed)."""
    wanted = {compact_brand, compact_brand + "s", compact_brand.removesuffix("s")}
    longest = len(compact_brand) + 1
    stem = compact_brand.removesuffix("s")  # every spelling wanted starts with it
    for i in range(len(tokens)):
        if not (stem.startswith(tokens[i]) or tokens[i].startswith(stem)):
            continue  # no run from here can start like the brand
        joined = ""
        for j in range(i, len(tokens)):
            joined += tokens[j]
            if len(joined) > longest:
                break
            if joined in wanted:
                return i, j + 1
    return None


def strip_brands(tokens: tuple[str, ...], brands: Iterable[str]) -> tuple[str, ...]:
    # Longest brand first so "the coca cola company" goes before "coca cola".
    for brand in sorted(set(brands), key=len, reverse=True):
        compact = brand.replace(" ", "")
        while (run := find_run(tokens, compact)) is not None:
            tokens = tokens[: run[0]] + tokens[run[1] :]
    return tokens


def parse_name(normalized: str, brands: Iterable[str]) -> ParsedName:
    return _parse_name(normalized, tuple(brands))


# A candidate's name meets many store products, and a store name is parsed again for each
# candidate brand: the same arguments recur. A ParsedName is immutable, so it is shared.
@lru_cache(maxsize=4096)  # ~2 KB an entry
def _parse_name(normalized: str, brands: tuple[str, ...]) -> ParsedName:
    all_tokens = tuple(normalized.split())
    return parse_stripped(all_tokens, strip_brands(all_tokens, brands))


def parse_stripped(all_tokens: tuple[str, ...], stripped: tuple[str, ...]) -> ParsedName:
    """`parse_name` of a name's tokens, its brands already stripped (`strip_brands`): the
    brands matter only through the tokens they leave, so a caller may cache by those."""
    # The rules read the brand-stripped tokens, so a brand like "Red Bull" or
    # "Green Giant" is not mistaken for a colour variant.
    rule_tokens = stripped or all_tokens
    quantities: list[Quantity] = []
    codes: set[str] = set()
    numbers: set[str] = set()
    read = [_read_token(token) for token in rule_tokens]
    for token, (quantity, code, digit_runs, _) in zip(rule_tokens, read, strict=True):
        if quantity is not None:
            if not (quantity.unit == "ct" and quantity.value == 1):  # "1 ct" says nothing
                quantities.append(quantity)
            continue
        if code:
            codes.add(token)
        numbers.update(digit_runs)
    return ParsedName(
        tokens=stripped,
        all_tokens=all_tokens,
        quantities=tuple(quantities),
        model_codes=frozenset(codes),
        numbers=frozenset(numbers),
        variants=_variants(rule_tokens),
        words=tuple(t for t, facts in zip(rule_tokens, read, strict=True) if facts.word),
        compact="".join(all_tokens),
    )


class _Token(NamedTuple):
    """What `_parse_name` reads off one token, alone."""

    quantity: Quantity | None
    code: bool  # a model code (`_is_model_code`)
    digit_runs: tuple[str, ...]  # the numbers in it
    word: bool  # a plain word: no digit, no filler


# Names are new to a worker more often than not, their tokens seldom: a token is read once.
@lru_cache(maxsize=65536)
def _read_token(token: str) -> _Token:
    quantity = parse_quantity(token)
    return _Token(
        quantity,
        quantity is None and _is_model_code(token),
        tuple(_DIGIT_RUN.findall(token)) if quantity is None else (),
        not any(c.isdigit() for c in token) and token not in FILLER,
    )
