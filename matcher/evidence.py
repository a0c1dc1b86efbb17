"""What two parsed names say about being one product: brand, model code, size, words.

Each function compares a store name with a candidate's and returns one reason
from `matcher.reasons` (or None when it has nothing to say); `matcher.scoring`
turns the reasons into credits and caps.
"""

from __future__ import annotations

from collections.abc import Sequence

from rapidfuzz import fuzz, process

from matcher.normalize import Quantity
from matcher.parsing import ParsedName, find_run
from matcher.quantities import same_size
from matcher.reasons import (
    BRAND_CONFLICT,
    BRAND_MATCH,
    BRAND_MISSING,
    MODEL_CONFLICT,
    MODEL_MATCH,
    MODEL_MISSING,
    SIZE_CONFLICT,
    SIZE_MISSING,
    UNMATCHED_WORDS,
    VARIANT_CONFLICT,
)

STRONG_MODEL_CODE_LEN = 5
_TYPO_RATIO = 80.0  # two words at least this similar (rapidfuzz ratio) are one word misspelled
_TYPO_MIN_LEN = 4  # shorter words differ by design ("aa"/"aaa", "xl"/"xxl"), not by a typo
_VOWELS = frozenset("aeiou")

# --------------------------------------------------------------------------- brand


def _brands_agree(a: str, b: str) -> bool:
    ca, cb = _compact(a), _compact(b)
    if ca == cb or ca.removesuffix("s") == cb.removesuffix("s"):
        return True
    ta, tb = set(a.split()), set(b.split())
    return ta <= tb or tb <= ta or _initials_of(a, b) or _initials_of(b, a)


def _compact(brand: str) -> str:
    """The brand's letters without spaces nor its ampersand ("AT&T", scored as "at and
    t": "att", as a shop writes it)."""
    return "".join(w for w in brand.split() if w != "and")


def _initials_of(a: str, b: str) -> bool:
    """`a` (its first word) is `b`'s initials: "HP" / "Hewlett-Packard", "EA Games" /
    "Electronic Arts", "WD" / "Western Digital", "PG" / "Procter & Gamble"."""
    words = [w for w in b.split() if w != "and"]
    return len(words) >= 2 and a.split()[0] == "".join(w[0] for w in words)


def brand_evidence(
    store_brand: str | None,
    store_tokens: tuple[str, ...],
    cand_brand: str | None,
    cand_tokens: tuple[str, ...],
) -> str | None:
    """BRAND_MATCH, BRAND_CONFLICT, BRAND_MISSING or None (nothing known)."""
    if store_brand and cand_brand:
        if _brands_agree(store_brand, cand_brand):
            return BRAND_MATCH
        # One field holds the maker, the other the brand ("Coca-Cola" / "Sprite"):
        # fine when that brand is spelled out in the other product's name.
        if (
            find_run(store_tokens, cand_brand.replace(" ", "")) is not None
            or find_run(cand_tokens, store_brand.replace(" ", "")) is not None
        ):
            return BRAND_MATCH
        return BRAND_CONFLICT
    known, other_tokens = (store_brand, cand_tokens) if store_brand else (cand_brand, store_tokens)
    if not known:
        return None
    if find_run(other_tokens, known.replace(" ", "")) is not None:
        return BRAND_MATCH
    return BRAND_MISSING


# --------------------------------------------------------------------------- model code


def _code_found(code: str, other: ParsedName) -> bool:
    # "SM G991B" and "SM-G991B" are the same code written differently.
    return code in other.model_codes or code in other.compact


def model_evidence(a: ParsedName, b: ParsedName) -> str | None:
    """MODEL_MATCH, MODEL_CONFLICT, MODEL_MISSING or None (no code, or only short ones)."""
    a_only = {c for c in a.model_codes if not _code_found(c, b)}
    b_only = {c for c in b.model_codes if not _code_found(c, a)}
    if a_only and b_only:
        return MODEL_CONFLICT
    shared = (a.model_codes - a_only) | (b.model_codes - b_only)
    if any(len(code) >= STRONG_MODEL_CODE_LEN for code in shared):
        return MODEL_MATCH
    if (a_only or b_only) and not shared:
        # One name pins a model the other does not name ("67xl" / "hp 67"): the other
        # could be any model of the line.
        return MODEL_MISSING
    return None


# --------------------------------------------------------------------------- size


def size_evidence(a: Sequence[Quantity], b: Sequence[Quantity]) -> str | None:
    """SIZE_CONFLICT, SIZE_MISSING or None (sizes agree or neither name has one)."""
    missing = False
    for mine, theirs in ((a, b), (b, a)):
        for quantity in mine:
            verdicts = [same_size(quantity, other) for other in theirs]
            comparable = [v for v in verdicts if v is not None]
            if not comparable:
                missing = True
            elif not any(comparable):
                return SIZE_CONFLICT
    return SIZE_MISSING if missing else None


# --------------------------------------------------------------------------- words


def word_evidence(store: ParsedName, cand: ParsedName, model: str | None) -> str | None:
    """VARIANT_CONFLICT, UNMATCHED_WORDS or None; `model` is the `model_evidence`
    of the pair (a shared model code waives words on one or both sides only)."""
    store_extra = [w for w in store.words if not _explained(w, cand)]
    cand_extra = [w for w in cand.words if not _explained(w, store)]
    if (
        store.variants != cand.variants
        or store.numbers != cand.numbers
        # Each side has a word the other lacks: a substitution ("gala"/"fuji",
        # "pro"/"max", one brand for another), unless a model code pins it down.
        or (store_extra and cand_extra and model != MODEL_MATCH)
    ):
        return VARIANT_CONFLICT
    if (store_extra or cand_extra) and model != MODEL_MATCH:
        # Words on one side only. A catalog name often carries a descriptor the
        # store left out ("... cookies" / "... thins cookies"), but the extra
        # word is as often the sub-line or the brand that makes it a different
        # product; a person decides.
        return UNMATCHED_WORDS
    return None


def _explained(word: str, other: ParsedName) -> bool:
    """Does `other` carry this word, maybe misspelled, abbreviated or split differently?"""
    tokens = other.all_tokens
    if word in tokens:
        return True
    if typo_of_any(word, tokens):
        return True  # "cheerois" / "cheerios"
    for token in tokens:
        if is_abbreviation(word, token):
            return True  # "crml" / "caramel", "choc" / "chocolate"
        if token.endswith(word) and token[: -len(word)].isdigit():
            return True  # "7 up" / "7up"
    return spelled_apart(word, tokens)


def is_typo(a: str, b: str) -> bool:
    """One word misspelled ("cheerois" / "cheerios"); short words differ by design."""
    return min(len(a), len(b)) >= _TYPO_MIN_LEN and fuzz.ratio(a, b) >= _TYPO_RATIO


def typo_of_any(word: str, tokens: Sequence[str]) -> bool:
    """`is_typo` of the word and any of the tokens, in one rapidfuzz call (its loop)."""
    if len(word) < _TYPO_MIN_LEN:
        return False
    long = [t for t in tokens if len(t) >= _TYPO_MIN_LEN]
    return bool(long) and bool(
        process.extractOne(word, long, scorer=fuzz.ratio, score_cutoff=_TYPO_RATIO)
    )


def spelled_apart(word: str, tokens: Sequence[str]) -> bool:
    """Written as one word on one side and two or three on the other: "cocacola"."""
    if word not in "".join(tokens):
        return False  # tokens joined in a run are a part of all of them joined
    for i, first in enumerate(tokens):
        if not word.startswith(first):
            continue  # no run from here spells it
        joined = first
        for following in tokens[i + 1 : i + 3]:
            joined += following
            if joined == word:
                return True
            if len(joined) >= len(word):
                break
    return False


def is_abbreviation(short: str, long: str) -> bool:
    """`short` abbreviates `long`: a prefix of 3+ letters ("choc"), or `long` with
    letters dropped, first kept, at most one vowel left ("crml", "hrshy", "chkn")."""
    if len(short) < 2 or len(short) >= len(long) or short[0] != long[0]:
        return False
    if len(short) >= 3 and long.startswith(short):
        return True
    if sum(c in _VOWELS for c in short[1:]) > 1:
        return False
    letters = iter(long)
    return all(c in letters for c in short)
