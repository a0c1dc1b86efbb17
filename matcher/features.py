"""The evidence one (store product, candidate) pair carries, as numbers a model weighs.

Each name is read once into a `Side` (brand-stripped tokens, model codes with their
spellings joined, sizes, pack counts, variant words by class, marketing and platform
noise, a third-party marker); `pair_features` compares two sides. Every feature is in
0–1, so the weights in `matcher/model.json` are comparable. The pure parts of the old
rules live on here as evidence: a shared code is strong, one-sided descriptive words are
weak, conflicts are strong against.
"""

from __future__ import annotations

import functools
import itertools
import operator
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, fields
from string import ascii_lowercase
from typing import NamedTuple

from rapidfuzz import fuzz, process

from matcher.evidence import is_abbreviation, is_typo, spelled_apart, typo_of_any
from matcher.normalize import SKU_DIGITS, Quantity, normalize_for_scoring, parse_quantity
from matcher.parsing import ParsedName, parse_stripped, strip_brands
from matcher.prices import FAR, NEAR, price_gap
from matcher.quantities import measures, same_size
from matcher.vocabulary import (
    FILLER,
    MARKETING,
    MEDIA,
    PLATFORM_ALIASES,
    PLATFORMS,
    THIRD_PARTY,
    VARIANT_CLASSES,
    VARIANT_WORDS,
)

_PRICE = re.compile(r"\d+\.\d\d\Z")  # 129.99: a price pasted into the title
_DIGITS = re.compile(r"\d")
_PACK_WORDS = {
    "twin": 2,
    "dual": 2,
    "double": 2,
    "pair": 2,
    "duo": 2,
    "triple": 3,
    "trio": 3,
    "dozen": 12,
}
# Things a product comes with a number of: "3HS", "3 handsets" against "4 Handsets".
_COUNTED = {"hs": "handset", "handset": "handset", "handsets": "handset"}
_COUNTED_GLUED = re.compile(r"(\d{1,2})(hs|handsets?)\Z")
# Words after which a code names the product this one is made for ("for use in X5021",
# "Replaces Brother LC93", "fits MX700"), not the product itself.
_FOR_WORDS = frozenset({"for", "fits", "replaces"})
_FOR_REACH = 5  # tokens after such a word where its code may stand ("for use in Canon CRG 448A")
# A finish that makes a colour another product ("Piano Black" is not "Black"), and an
# edition of a title ("Collector's Edition", "CE"): a store may leave them out, it does not
# add one the product lacks.
_FINISHES = frozenset({"piano", "metallic", "brushed", "matte", "glossy"})
_EDITIONS = frozenset({"collectors", "ce", "le"})  # "LE": limited edition
_DOWNLOAD = frozenset({"download", "esd"})
# Filler words (never content: a store leaves the default variant's name out) that name a
# line when said: "Classic Original Digestive Biscuits" is not "Original Digestive
# Biscuits" of the same maker. Weighed as one-sided evidence of their own.
_LINE_WORDS = frozenset({"original", "classic", "regular"})
_TIMES = re.compile(r"x(\d{1,3})\Z")  # "x12": twelve of them


def _times(token: str) -> re.Match[str] | None:
    """ "x12": twelve of them; "x360" is a platform (Xbox 360), not 360 of them."""
    return None if token in PLATFORMS else _TIMES.match(token)


# A number with a word or a unit letter glued on ("4port", "3user", "60x", "720p"): a
# specification, not a model code (a code has letters before or between its digits).
# "p"/"i" only after a video resolution: "3843p" is a camera's model code, "1080p" is not.
_SPEC = re.compile(r"\d+(?:[a-z]{2,}|[xk])\Z|(?:480|576|720|1080|1440|2160)[pi]\Z")
# A video resolution ("720p", "1080i"): its lines, which tell two screens of a line apart.
_RESOLUTION = re.compile(r"(480|576|720|1080|1440|2160)[pi]\Z")
_GARMENT_SIZE = re.compile(r"(?:uk|eu|us)\d{1,2}\Z")  # "UK4": a shoe size, not a model
# A standard's word and its number ("Class 6", "CL6", "USB 2", "Cat 6", "DECT6"): a
# specification that products of several makers share, not a model code.
_STANDARD = re.compile(r"(?:class|cl|usb|uhs|cat|gen|hdmi|spf|dect)(\d{1,2})\Z")
_BONUS_WORDS = frozenset({"bonus", "free", "extra"})
# What a shop pastes into a title about its offer, not the product: a price with its
# currency ("$369!", "(452.04 USD)", "£2.50") or off it ("Save 30p"), a stock note
# ("Qty: 9", "[7 avail]", "5 in stock"), free shipping. Read off the raw name, before
# its punctuation goes: a number there would otherwise conflict with a number of the
# other name (a "3 HDMI"), "5 in" reads as five inches and "free" as a promotional size.
# A shop's own item number's label ("Item# 419897", "SKU: 345530").
_ITEM_LABEL = r"\bitem\s?#|\bsku\b:?"
_SHOP_NOTES = re.compile(
    r"(?<!for )[$£€]\s?\d[\d,]*(?:\.\d\d)?!?"  # not a shelf offer ("3 for £5", normalize)
    r"|\b\d[\d,]*(?:\.\d\d)?\s?(?:usd|eur|gbp)\b"
    r"|\bqty:?\s*\d+"
    r"|\b\d+\s+(?:in\s+stock|avail(?:able)?)\b"
    r"|\bfree\s+ship(?:ping)?\b"
    r"|\bsave\s+\d+p\b"  # "Save 30p": pence off
    # An item number's label (the number stays: `_SHOP_NUMBER`), "new in box".
    rf"|{_ITEM_LABEL}|\bpart\s?#|\b(?:new\s)?in\sbox\b",
    re.IGNORECASE,
)
# The number after a shop's own item label ("Item# 419897", "SKU: 345530"): its number
# in its own shop, which another shop's or maker's number never contradicts. (A "Part#"
# may be the maker's part number, and stays comparable.)
_SHOP_NUMBER = re.compile(rf"(?:{_ITEM_LABEL})\s*(\d+)\b", re.IGNORECASE)
# A network port's speeds ("10/100", "10/100/1000Mbps"): one specification, its top speed,
# not numbers of the model ("8-Port 10/100/1000 Switch" is no model 1000).
_SPEEDS = re.compile(r"(?<![\w./])10/100(?:/1000)?(?:\s?mbps)?(?![\w./])", re.IGNORECASE)


def _top_speed(m: re.Match[str]) -> str:
    return f" {m[0].lower().removesuffix('mbps').rstrip().rsplit('/', 1)[-1]}mbps "


# Trousers' waist and leg however a shop writes them ("32X30", "32W 30L"): as "W32 L30".
_WAIST_LEG = re.compile(r"\b(2[4-9]|[34]\d|50)\s?(?:x|w\s+)(2[6-9]|3[0-8])l?\b", re.IGNORECASE)
# A lens's aperture ("f/3.5-5.6G", "F2.8"): each f-number one token ("f3.5 f5.6 G"), so
# that a lens type letter after it is not read as a weight ("5.6G": 5.6 g). An f with a
# whole number and nothing else ("F42", "F4280") is a model code, left as it is.
_APERTURE = re.compile(
    r"\bf(/\s?)?(\d{1,2}(?:\.\d)?)(?:\s?-\s?(\d{1,2}(?:\.\d)?))?(?![\d.])", re.IGNORECASE
)


def _apertures(m: re.Match[str]) -> str:
    slash, first, last = m.groups()
    if not slash and not last and "." not in first:
        return m[0]
    return " ".join(f"f{n}" for n in (first, last) if n) + " "


# A word shouted ("HOT!", "NEW!") is marketing, whatever else it may mean ("hot" salsa).
_SHOUTED = re.compile(r"(\w+)!")
STRONG_CODE_LEN = 4


@dataclass(frozen=True)
class Side:
    """One product name, read for comparison."""

    parsed: ParsedName
    content: tuple[str, ...]  # words that say what the product is (no brand, noise, sizes)
    codes: frozenset[str]  # model/part codes (mixed letters and digits)
    sizes: tuple[Quantity, ...]  # measures (weight, volume, length, capacity...)
    pack: int | None  # a pack count (2pk, twin, 6 x), None when none is named
    multi: bool  # a pack whose count is not named ("Value Pack")
    bonus_pct: float | None  # "+20% free": a promotional size, None when there is none
    variants: dict[str, frozenset[str]]  # variant class → its words
    noise: frozenset[str]  # marketing, prices, stock notes
    third_party: bool  # compatible / remanufactured / replacement
    targets: frozenset[str]  # codes of the products this one is for ("for use in X5021")
    for_brand: bool  # a brand of the pair named after a "for" word ("for use in HP ...")
    # The name's last token when an ellipsis follows it: maybe a word's beginning
    # ("SDCZ36-0...", "[8 ..."), "" when the name is whole (`_cut_codes`).
    cut: str
    # Codes written as another code and a part after a hyphen, with that code
    # ("wnr7625-100nas": wnr7625100nas, wnr7625): `_suffixed_codes`.
    suffixed: frozenset[tuple[str, str]]
    purposes: frozenset[str]  # the word after each "for" ("for iPod": ipod)
    counts: dict[str, int]  # counted things: handset → 3
    resolutions: frozenset[str]  # video resolutions' lines: "720p" → 720
    finishes: frozenset[str]  # colour finishes ("piano", "metallic")
    editions: frozenset[str]  # "collectors", "ce"
    download: bool  # sold as a download
    lines: frozenset[str]  # "original", "classic", "regular": filler, yet a line's name
    # Read once per name for the pair comparisons: bare numbers (`_numbers_conflict`),
    # numbers stated in any form (`_stated`), tokens joined in runs (`_near_code`).
    bare: Counter[str]
    long: Counter[str]  # numbers of SKU_DIGITS or more ("30195b": 30195), apart from `bare`
    glued: frozenset[str]  # a short number with a letter glued on ("1w", "5s"): `_GLUED`
    stated: Counter[str]
    specs: frozenset[str]  # the numbers of specifications ("3-User", "4-Port": 3, 4)
    runs: dict[tuple[int, str], tuple[str, ...]]


# Garment sizes written in two words ("X-Small", "XX Large"): one size, not "small".
_SIZE_PHRASES = {
    ("x", "small"): "xs",
    ("extra", "small"): "xs",
    ("xx", "small"): "xxs",
    ("x", "large"): "xl",
    ("extra", "large"): "xl",
    ("xx", "large"): "xxl",
    ("xxx", "large"): "xxxl",
    # ... and a platform in two words ("PlayStation 3", "Xbox 360"): one platform.
    ("playstation", "2"): "ps2",
    ("playstation", "3"): "ps3",
    ("playstation", "4"): "ps4",
    ("xbox", "360"): "xbox360",
}


# A garment size in one letter, said last or after "size" ("Crew Neck Tee Black L",
# "Size M"): the size word the catalog writes out. Elsewhere a lone letter says nothing.
_SIZE_LETTERS = {"s": "small", "m": "medium", "l": "large"}


def _sizes_joined(tokens: tuple[str, ...]) -> tuple[str, ...]:
    out: list[str] = []
    for token in tokens:
        joined = _SIZE_PHRASES.get((out[-1], token)) if out else None
        if joined:
            out[-1] = joined
        elif token in _SIZE_LETTERS and out and out[-1] == "size":
            out[-1] = _SIZE_LETTERS[token]
        else:
            out.append(token)
    if len(out) >= 2 and out[-1] in _SIZE_LETTERS:
        out[-1] = _SIZE_LETTERS[out[-1]]
    return tuple(out)


def _pack_counts(quantities: Iterable[Quantity], tokens: tuple[str, ...]) -> list[int]:
    """Pack counts named; "2 x 5 pack" (two counts in a row) is one pack of ten."""
    packs = [int(q.value) for q in quantities if q.unit == "ct" and q.value >= 2]
    counts = [t for t in tokens if t != "x"]
    for a, b in itertools.pairwise(counts):
        if (m := _COUNT.fullmatch(a)) and (n := _COUNT.fullmatch(b)):
            packs.append(int(m[1]) * int(n[1]))
    return packs


_COUNT = re.compile(r"(\d{1,3})ct")


def read_side(name: str, brands: Iterable[str]) -> Side:
    # A worker reads each candidate's name with the brands of every store product it
    # meets, and each store name with the brand of every candidate: the brands change
    # the reading only through the tokens they leave, so it is kept by those.
    all_tokens = _prepared(name).tokens
    return _read_side(name, strip_brands(all_tokens, brands))


# What each of `_SHOP_NOTES`' alternatives cannot match without (in an ASCII name,
# lowered as its IGNORECASE folds it): most names have none, and skip its scan.
_SHOP_NOTE_NEEDS = (
    *("$", "usd", "eur", "gbp", "qty", "stock", "avail", "ship", "save"),
    *("#", "sku", "box"),
)


def _may_note(name: str) -> bool:
    """Might `_SHOP_NOTES` find a note in the name? (Not ASCII: ask it.)"""
    if not name.isascii():
        return True
    lowered = name.lower()
    return any(need in lowered for need in _SHOP_NOTE_NEEDS)


class _Prepared(NamedTuple):
    """What a name says before its brands are known (`_prepared`)."""

    notes: frozenset[str]  # shop notes
    shop_numbers: frozenset[str]  # `_SHOP_NUMBER`
    shouted: frozenset[str]  # words shouted ("HOT!")
    tokens: tuple[str, ...]  # scoring tokens
    cut: str  # the last of them when an ellipsis follows it ("KX-TG4..."), else ""
    suffixed: frozenset[tuple[str, str]]  # `_suffixed_codes`


# A name a shop or a feed cut at its length and marked so ("... SDCZ36-0...", "[8 ..."):
# its last word may be any word's beginning.
_ELLIPSIS = ("...", "\u2026")


@functools.lru_cache(maxsize=32768)
def _prepared(name: str) -> _Prepared:
    raw = name
    found = _SHOP_NOTES.findall(name) if _may_note(name) else []
    notes = frozenset(f"note:{m.lower()}" for m in found)
    shop_numbers = frozenset(_SHOP_NUMBER.findall(name)) if found else _NOTHING
    shouted = frozenset(w.lower() for w in _SHOUTED.findall(name)) if "!" in name else _NOTHING
    if found:  # else the substitution would leave the name as it is
        name = _SHOP_NOTES.sub(" ", name)
    name = _WAIST_LEG.sub(r"W\1 L\2", name)
    if "/10" in name:
        name = _SPEEDS.sub(_top_speed, name)
    name = _APERTURE.sub(_apertures, name)
    tokens = tuple(normalize_for_scoring(name).split())
    cut = tokens[-1] if tokens and _ellipsis_after(raw, tokens[-1]) else ""
    suffixed = _suffixed_codes(name) if "-" in name else _NOTHING_PAIRED
    return _Prepared(notes, shop_numbers, shouted, tokens, cut, suffixed)


def _ellipsis_after(name: str, last: str) -> bool:
    """Does an ellipsis end the name right after its last token (not after a shop's note
    `_SHOP_NOTES` took out: "... KX-TG8790 FREE SHIPPING!...")?"""
    stripped = name.rstrip()
    if not stripped.endswith(_ELLIPSIS):
        return False
    words = normalize_for_scoring(stripped.rstrip(".\u2026 ")).split()
    return bool(words) and words[-1] == last


_NOTHING_PAIRED: frozenset[tuple[str, str]] = frozenset()
# A run of letters and digits joined by hyphens ("WNR7625-100NAS", "JDFF32GBB-431").
_HYPHENATED = re.compile(r"(?<![\w-])[a-z0-9]+(?:-[a-z0-9]+)+(?![\w-])")


def _suffixed_codes(name: str) -> frozenset[tuple[str, str]]:
    """Codes written as a model code, a hyphen and a part with a digit, with that model
    code ("WNR7625-100NAS": wnr7625100nas, wnr7625; "JDFF32GBB-431"): a maker's code
    for the model's package, region or retail pack, which a shop writes whole and a
    catalog as the model's. A letter glued on is no such part (CE505X / CE505XD: another
    model), nor is a part without a digit ("-BK": a colour, compared as one)."""
    found = set()
    for run in _HYPHENATED.findall(name.lower()):
        parts = run.split("-")
        for k in range(1, len(parts)):
            base, rest = "".join(parts[:k]), "".join(parts[k:])
            if len(base) >= STRONG_CODE_LEN and _is_code(base) and _DIGITS.search(rest):
                found.add(("".join(parts), base))
    return frozenset(found) or _NOTHING_PAIRED


@functools.lru_cache(maxsize=32768)
def _read_side(name: str, stripped: tuple[str, ...]) -> Side:
    notes, shop_numbers, shouted, all_tokens, cut, suffixed = _prepared(name)
    parsed = parse_stripped(all_tokens, stripped)
    tokens = _sizes_joined(parsed.tokens or parsed.all_tokens)
    noise = notes | frozenset(
        t for t in tokens if t in MARKETING or t in MEDIA or t in shouted or _PRICE.match(t)
    )
    sizes = tuple(q for q in parsed.quantities if q.unit not in ("ct", "pct"))
    packs = _pack_counts(parsed.quantities, tokens)
    packs += [_PACK_WORDS[t] for t in tokens if t in _PACK_WORDS]
    packs += [int(m[1]) for t in tokens if (m := _times(t)) and int(m[1]) >= 2]
    single = "1ct" in tokens or "single" in tokens  # a count of one, said out loud
    bonus = [q.value for q in parsed.quantities if q.unit == "pct"]
    # "+20% free", "bonus pack", "extra free": not "gluten free" or "free range".
    promoted = bool(bonus) or "bonus" in tokens or {"extra", "free"} <= set(tokens)
    variants: dict[str, set[str]] = {}
    for token in tokens:
        if token in shouted:
            continue
        for cls, word in _variant_classes(token):
            variants.setdefault(cls, set()).add(word)
    quantity_tokens = {f"{q.value:g}{q.unit}" for q in parsed.quantities}
    content = tuple(
        t
        for t in tokens
        if t not in FILLER
        and t not in noise
        and t not in _PACK_WORDS
        and t not in _BONUS_WORDS
        and not _times(t)
        and t not in quantity_tokens
    )
    # A number cut by an ellipsis ("[8 ...") may be any number it begins, and a shop's
    # labelled item number (`_SHOP_NUMBER`) is its own: neither is compared.
    compared = content[:-1] if cut and content and content[-1] == cut else content
    if shop_numbers:
        compared = tuple(t for t in compared if t not in shop_numbers)
    return Side(
        parsed=parsed,
        content=content,
        codes=_kept(_codes(tokens)),
        sizes=sizes,
        pack=max(packs) if packs else (1 if single else None),
        multi=not packs and "value" in tokens and "pack" in tokens,
        bonus_pct=(bonus[0] if bonus else 0.0) if promoted else None,
        variants={cls: frozenset(words) for cls, words in variants.items()},
        noise=_kept(noise),
        third_party=_third_party(tokens),
        targets=_kept(_targets(tokens)),
        for_brand=_for_brand(all_tokens, stripped),
        cut=cut,
        suffixed=suffixed,
        purposes=_kept(frozenset(b for a, b in itertools.pairwise(tokens) if a in _FOR_WORDS)),
        counts=_counts(tokens),
        resolutions=_kept(frozenset(m[1] for t in tokens if (m := _RESOLUTION.match(t)))),
        finishes=_kept(_FINISHES.intersection(tokens)),
        # (an edition's letters cut by an ellipsis, "#CE ...", may begin a code)
        editions=_kept(_EDITIONS.intersection(tokens).difference((cut,))),
        download=bool(_DOWNLOAD & set(parsed.all_tokens)),
        lines=_kept(_LINE_WORDS.intersection(tokens)),
        bare=_bare(compared),
        long=_long(compared),
        glued=_kept(frozenset(t for t in compared if _GLUED.match(t))),
        stated=_stated(parsed.all_tokens),
        specs=_specs(content),
        runs=_runs(parsed.all_tokens),
    )


_NOTHING: frozenset[str] = frozenset()


def _kept(found: frozenset[str]) -> frozenset[str]:
    """The set, or one shared empty set (CPython makes a new one each time, 216 bytes):
    most names state none of most things, and a worker keeps tens of thousands of sides."""
    return found or _NOTHING


@functools.lru_cache(maxsize=65536)  # tokens recur from name to name
def _variant_classes(token: str) -> tuple[tuple[str, str], ...]:
    """The variant classes a token names a word of, with that word (a plural read as its
    singular, a platform by its one name)."""
    found = []
    for cls, words in VARIANT_CLASSES.items():
        if token in words or (token.endswith("s") and token[:-1] in words):
            word = token if token in words else token[:-1]
            found.append((cls, PLATFORM_ALIASES.get(word, word)))
    return tuple(found)


@functools.lru_cache(maxsize=65536)  # tokens recur from name to name
def _is_code(token: str) -> bool:
    return (
        len(token) >= 3
        and token not in PLATFORMS  # "x360", "ps3": a platform (a variant), not a model
        and "." not in token  # 802.11n, 6.0: a standard or a version
        and not _GARMENT_SIZE.match(token)
        and not _STANDARD.match(token)
        and bool(_DIGITS.search(token))
        and any(c.isalpha() for c in token)
        and parse_quantity(token) is None
        and not _SPEC.match(token)
    )


# Words before a number that make it a measure, not a model code ("leg 32", "uk 8").
_NOT_A_SERIES = frozenset(
    {"no", "of", "for", "the", "and", "per", "with", "in", "at", "by"}
    | {"leg", "uk", "eu", "us", "usa", "sz", "age"}  # ("Canon USA 774": the maker's arm)
    | {"mp", "gb", "mb", "tb", "hz"}  # "10.0 MP (226545)": a unit, then a shop's number
    | {"sku", "item", "part", "qty"}
    | {"usb", "uhs", "cat", "gen", "spf"}  # "SPF 15": a sun lotion's factor, many have it
    # A seller's word or a colour before a model number ("Brand New! 7705", "Red - 7399"):
    # the number is the model, the word says nothing about its series.
    | {w for w in MARKETING | VARIANT_CLASSES["colour"] if len(w) <= 3}
)


# The number after a series name, maybe with its colour letter ("hd 797r").
_SERIES_NUMBER = re.compile(rf"\d{{2,{SKU_DIGITS - 1}}}[a-z]?")


def _codes(tokens: tuple[str, ...]) -> frozenset[str]:
    """Mixed letter-digit tokens, and a short series name spaced from its number
    (`hd 587` → `hd587`, `hd 797r` → `hd797r`); a code written in other parts on one
    side only (`kx fg2451`) is matched when the pair is compared (`_code_inside`)."""
    codes = {t for t in tokens if _is_code(t)}
    for a, b in itertools.pairwise(tokens):
        series = 2 <= len(a) <= 3 and a.isalpha() and a not in _NOT_A_SERIES
        # (not a specification after it: "hd 720p" is a resolution, not the code hd720p,
        # which two TVs of a line would share)
        if series and _SERIES_NUMBER.fullmatch(b) and not _SPEC.match(b):
            codes.add(a + b)
    return frozenset(codes)


_CUT_THIRD_PARTY = 6  # letters of a third-party word a cut-short name must keep


def _third_party(tokens: tuple[str, ...]) -> bool:
    """A supply that names itself third-party. "For use in X" alone is not that: a maker's
    own cartridge is "for use in" its printers (`_supply` reads the code that follows)."""
    if any(t in THIRD_PARTY or t == "replaces" for t in tokens):
        return True
    # A name cut short in the word ("... Lexmark 18C9003XL remanufa").
    cut = tokens[-1] if tokens else ""
    if (
        len(cut) >= _CUT_THIRD_PARTY
        and cut.isalpha()
        and any(w.startswith(cut) for w in THIRD_PARTY)
    ):
        return True
    return any(len(t) >= 8 and _like_third_party(t) for t in tokens)


_THIRD_PARTY_WORDS = sorted(THIRD_PARTY)


@functools.lru_cache(maxsize=65536)  # tokens recur from name to name
def _like_third_party(token: str) -> bool:
    """A third-party word misspelled ("remanufacured"): one at least 85 alike (one
    rapidfuzz call for them all)."""
    found = process.extractOne(token, _THIRD_PARTY_WORDS, scorer=fuzz.ratio, score_cutoff=85)
    return found is not None


def _targets(tokens: tuple[str, ...]) -> frozenset[str]:
    """The first code after each "for" word ("fits LaserJet P5491DN - CE398A": P5491DN),
    with its series when written apart ("for use in Canon CRG 448A": crg448a), not the
    code after it ("For ML-1665ND - ML-D8552X": the cartridge's own)."""
    found: set[str] = set()
    for i, token in enumerate(tokens):
        if token in _FOR_WORDS:
            reach = tokens[i + 1 : i + 1 + _FOR_REACH]
            pairs = (reach[j : j + 2] for j in range(len(reach)))
            first = next(((pair, c) for pair in pairs if (c := _codes(pair))), None)
            if first is not None:
                pair, codes = first
                found.update(c for c in codes if not (_is_code(pair[0]) and c == pair[-1]))
    return frozenset(found)


def _for_brand(tokens: tuple[str, ...], stripped: tuple[str, ...]) -> bool:
    """Does a brand of the pair (a token `strip_brands` took out) stand within reach of a
    "for" word ("for use in HP CE398A")?"""
    if len(stripped) == len(tokens) or not _FOR_WORDS.intersection(tokens):
        return False
    kept = iter(stripped)
    # The positions of the brands' tokens: `stripped` is `tokens` less some runs.
    following = next(kept, None)
    brands = []
    for i, token in enumerate(tokens):
        if token == following:
            following = next(kept, None)
        else:
            brands.append(i)
    return any(
        0 < b - i <= _FOR_REACH for i, t in enumerate(tokens) if t in _FOR_WORDS for b in brands
    )


def _counts(tokens: tuple[str, ...]) -> dict[str, int]:
    """Counted things, not an upper bound ("expandable up to 6 handsets")."""
    counts: dict[str, int] = {}
    for i, token in enumerate(tokens):
        before = tokens[i - 1] if i else ""
        if m := _COUNTED_GLUED.fullmatch(token):
            counts.setdefault(_COUNTED[m[2]], int(m[1]))
        elif token in _COUNTED and before.isdigit() and (i < 2 or tokens[i - 2] != "to"):
            counts.setdefault(_COUNTED[token], int(before))
    return counts


# --------------------------------------------------------------------------- the pair


@dataclass
class PairFeatures:
    sim_sort: float  # rapidfuzz token_sort_ratio of the brand-stripped names
    sim_set: float  # token_set_ratio: one name's words inside the other's
    cover_min: float  # share of content words the other name explains, worse side
    cover_max: float  # the same, better side
    code_shared: float  # a model code (4+ characters) on both sides
    # Codes on both sides, none shared; or a code of one side that another model of the
    # line on the other side spells almost alike (`_near_code`), shared codes or not.
    code_conflict: float
    code_one_side: float  # a code on one side only, none shared
    code_extra: float  # a code is shared, and another is on one side only (a SKU)
    brand_match: float
    brand_conflict: float
    brand_one_side: float  # a brand known on one side only
    size_match: float
    size_conflict: float
    size_one_side: float
    pack_conflict: float  # different pack counts, or a pack against a single with a size
    # A pack count on one side, the other says neither pack nor size: the store's name
    # (a pack the candidate does not name is another product more often than not), or
    # the candidate's (the store cut its name short).
    pack_store_only: float
    pack_cand_only: float
    bonus_one_side: float  # a promotional size ("+20% free") on one side only
    # Both name a colour/flavour/platform... and they differ; or the store names a colour's
    # finish the candidate's colour lacks ("piano black" / "black"), or an edition.
    variant_conflict: float
    variant_one_side: float  # variant words on one side only
    # Other numbers, counts of one thing (handsets) or video resolutions that differ; a
    # short number with the same letter glued on ("1W" / "3W").
    number_conflict: float
    # One side is a supply for the other's product (`_supply`), the other is not.
    third_party: float
    # Content words the other side does not explain, by the side that says them: the
    # store's (its own label, a shop's description) or the candidate's (the line the
    # store left out, or another product of the line).
    extra_store_words: float
    extra_cand_words: float
    words_swapped: float  # both sides have such a word: one word for another ("low acid")
    noise_words: float  # marketing words, prices, stock notes on one side only
    gtin_conflict: float  # two different global GTINs
    code_colour: float  # codes differ by a last letter a colour word explains (32lg30b)
    provisional: float  # the candidate is a provisional product (a store's name for it)
    # The store's name has a model code the provisional candidate's lacks: another store
    # left the code out, and its name fits every model of the line (a catalog name without
    # the code is the product's own, its code kept elsewhere).
    provisional_uncoded: float
    # The candidate is a catalog product a sync made for a new GTIN, named after that
    # store's own title (`Candidate.store_named`): a GTIN vouches that the product exists,
    # not for its name, which says what one shop wrote (a shop's words, a code left out,
    # a line word cut). Its one-sided evidence is weighed apart from a curated name's:
    # a store code it lacks (as `provisional_uncoded`), and the content words only the
    # store's name (`store_named_store_words`) or only its own (`store_named_cand_words`)
    # says, as `extra_store_words` / `extra_cand_words` count them.
    store_named: float
    store_named_uncoded: float
    store_named_store_words: float
    store_named_cand_words: float
    # The store's name has a model code and the candidate's no code nor any number of
    # three digits or more (a model number, a year, an item number): any candidate, as
    # `provisional_uncoded` for a provisional one. A catalog product a store's GTIN made
    # from its own title is named the same way ("Dyson HEPA bagless Vacuum Cleaner"); a
    # curated device name carries its code.
    code_store_only: float
    # The store's name states a number (not a size, code or shop's item number) the
    # candidate's does not, and the candidate none of its own: a model number ("Stylus
    # 3607"), a year, a version the candidate leaves open.
    number_store_only: float
    # The candidate names a colour's finish ("piano black") the store's colour lacks
    # ("black"): a store may leave the finish out, or sell the plain colour.
    finish_cand_only: float
    # The candidate names an edition ("Collector's Edition", "CE") the store's name does
    # not: the store sells the plain one, or cut the edition off (the store naming an
    # edition the candidate lacks is a conflict, `_finer`).
    edition_cand_only: float
    # The candidate names a pack the store's name does not, and they share a code (maybe
    # with a colour letter, "PG-649B" / "PG-649"): a maker's twin pack often keeps the
    # single's code ("TN-991A ... 2/Pack").
    pack_cand_coded: float
    # Sold as a download, said by the store's name or the candidate's only.
    download_store_only: float
    download_cand_only: float
    # A line word ("classic", `Side.lines`) said by the store's name or the candidate's only.
    line_store_only: float
    line_cand_only: float
    # A model number written as a number alone on both sides ("Nokia 5333 Cell Phone" /
    # "5333 NOKIA CELL PHONE", "- 1788" / "1788 ... Blue"): of three or four digits, not
    # a year (`_number_shared`), or a long one (`Side.long`). A maker whose models are
    # numbers has no code of letters and digits to share (`code_shared`).
    number_shared: float = 0.0
    # Both name the platform, and the same one ("Eternal Kingdom - Wii" / "Nintendo Wii
    # Eternal Kingdom"): the line's other titles are other platforms' (a conflict).
    platform_match: float = 0.0
    # What a supply is for (`_aimed_at`), said on both sides: the same product ("for use
    # in Epson T0761" / "Replaces Epson T0761"), or none in common ("compatible Brother
    # LC74" / "Replaces Lexmark 18C1060": another maker's cartridge).
    target_shared: float = 0.0
    target_apart: float = 0.0
    # A specification's number ("3-User", "4-Port", "12-Cup") one name states and the
    # other states in no form: "Safeguard 2010 3-User" is not "Safeguard 2010", which a
    # store's name may leave the seats out of, and a catalog name rarely does.
    spec_store_only: float = 0.0
    spec_cand_only: float = 0.0
    # The store's price against the candidate's linked products' prices, same currency
    # (`matcher.prices`): near, far (3x or more), and the gap on a log scale, 0–1.
    price_near: float = 0.0
    price_far: float = 0.0
    price_gap: float = 0.0
    # Among the other candidates for the same store product, those that explain it
    # about as well and conflict with it no more (a size left out of a cut-short name
    # fits every size of the line): set by `with_rivals`, 0–1.
    rivals: float = 0.0
    # How this candidate stands against the best of those others (`with_rivals`): its
    # lead in the worse side's coverage and in word-order similarity over theirs, or how
    # far it is behind; and whether one of them explains the name as well while saying
    # less that the store's name does not (no pack, variant, download or words of its
    # own): "Toner Cartridge" against "Toner Cartridge, 2/Pack" for "TN-305A Toner".
    cover_lead: float = 0.0
    cover_behind: float = 0.0
    sim_lead: float = 0.0
    sim_behind: float = 0.0
    plainer_rival: float = 0.0

    def vector(self) -> tuple[float, ...]:
        # Not `astuple`: it deep-copies every field, a hot spot in the worker's scoring.
        vector: tuple[float, ...] = _VECTOR(self)
        return vector


_FIELD_NAMES = tuple(f.name for f in fields(PairFeatures))
_VECTOR = operator.attrgetter(*_FIELD_NAMES)  # the fields' values, as a tuple


FEATURES = _FIELD_NAMES

_CONFLICTS = (
    "code_conflict",
    "brand_conflict",
    "size_conflict",
    "pack_conflict",
    "variant_conflict",
    "number_conflict",
    "third_party",
    "gtin_conflict",
    "price_far",
)


def conflicted(f: PairFeatures) -> bool:
    """Does any evidence say the two are different products?"""
    return any(getattr(f, name) for name in _CONFLICTS)


def with_rivals(candidates: list[PairFeatures]) -> list[PairFeatures]:
    """Sets each candidate's `rivals`, leads and `plainer_rival` from the others in the
    list (a provisional product is no rival: likely a store's name for a catalog
    product), in place: the features of one store product's candidates, made for its
    scoring, and no field the rivals are read from. Returns the list."""
    # The rivals a candidate may have: asked once each, not once per pair.
    open_ = [j for j, f in enumerate(candidates) if not f.provisional and not conflicted(f)]
    said = [_said_alone(f) for f in candidates]
    # The best coverage and similarity of the others: the best of all open candidates,
    # or, for the one that has it, the second best (the two best kept with their index).
    covers = _two_best([(candidates[j].cover_min, j) for j in open_])
    sims = _two_best([(candidates[j].sim_sort, j) for j in open_])
    for i, mine in enumerate(candidates):
        sim_set, cover_max = mine.sim_set - 0.03, mine.cover_max - 0.05
        alike = [
            j
            for j in open_
            if j != i and candidates[j].sim_set >= sim_set and candidates[j].cover_max >= cover_max
        ]
        cover = covers[1][0] if covers[0][1] == i else covers[0][0]
        sim = sims[1][0] if sims[0][1] == i else sims[0][0]
        mine.rivals = min(len(alike), 3) / 3
        mine.cover_lead = max(0.0, mine.cover_min - cover)
        mine.cover_behind = max(0.0, cover - mine.cover_min)
        mine.sim_lead = max(0.0, mine.sim_sort - sim)
        mine.sim_behind = max(0.0, sim - mine.sim_sort)
        floor = mine.cover_min - 0.05
        mine.plainer_rival = float(
            any(said[j] < said[i] and candidates[j].cover_min >= floor for j in alike)
        )
    return candidates


def _two_best(values: list[tuple[float, int]]) -> tuple[tuple[float, int], tuple[float, int]]:
    """The two largest values with their index (the first index of equal ones), padded
    with (0.0, -1): what `max(..., default=0.0)` of all but one index needs."""
    best = second = (0.0, -1)
    for value, j in values:
        if best[1] == -1 or value > best[0]:
            best, second = (value, j), best
        elif second[1] == -1 or value > second[0]:
            second = (value, j)
    return best, second


def _said_alone(f: PairFeatures) -> float:
    """What the candidate's name says that the store's does not."""
    return (
        f.pack_cand_only
        + f.variant_one_side
        + f.download_cand_only
        + f.line_cand_only
        + f.extra_cand_words
        + f.size_one_side
        + f.code_one_side
    )


def pair_features(
    store: Side,
    cand: Side,
    *,
    brand: str | None,
    gtin_conflict: bool,
    provisional: bool = False,
    store_named: bool = False,
    price_ratio: float | None = None,
) -> PairFeatures:
    """`brand` is the brand evidence of the pair: "match", "conflict", "one_side" or None;
    `price_ratio` the store's price against the candidate's (`matcher.prices`)."""
    sim_sort, sim_set = _similarity(store, cand)
    # Each word's explanation by the other side, asked once for the coverage and the
    # unexplained words both.
    store_explained = _explanations(store, cand)
    cand_explained = _explanations(cand, store)
    cover_store = _coverage(store, store_explained)
    cover_cand = _coverage(cand, cand_explained)
    shared = {
        c
        for c in (store.codes & cand.codes)
        | {c for c in store.codes if _code_inside(c, cand)}
        | {c for c in cand.codes if _code_inside(c, store)}
        | _without_prefix(store.codes, cand.codes)
        | _without_prefix(cand.codes, store.codes)
        | _suffixed_shared(store, cand)
        | _suffixed_shared(cand, store)
        | _region_suffixed(store.codes, cand.codes)
        | _region_suffixed(cand.codes, store.codes)
        if len(c) >= STRONG_CODE_LEN
    }
    # Two supplies "for use in" one printer share its code, not their own.
    shared -= store.targets & cand.targets
    store_only = _one_sided_codes(store, cand, shared)
    cand_only = _one_sided_codes(cand, store, shared)
    store_only, cand_only = (
        _untargeted(store_only, store, cand_only),
        _untargeted(cand_only, cand, store_only),
    )
    unprefixed = _short_unprefixed(store_only, cand_only) | _short_unprefixed(cand_only, store_only)
    store_only, cand_only = store_only - unprefixed, cand_only - unprefixed
    colour = _colour_suffixed(store_only, cand_only, store, cand)
    store_only, cand_only = store_only - colour, cand_only - colour
    store_only -= _cut_codes(store, store_only, cand)
    cand_only -= _cut_codes(cand, cand_only, store)
    near = False
    if store_only or cand_only:  # (most pairs have no code on one side only)
        initials = _colour_initials(store, cand)
        near = (
            any(_near_code(c, store, cand, initials) for c in store_only)
            or any(_near_code(c, cand, store, initials) for c in cand_only)
            or any(_alike_codes(a, b) for a in store_only for b in cand_only)
        )
    size_verdict = _sizes(_with_bonus(store), _with_bonus(cand))
    variant_conflict, variant_one_side = _variants(store, cand)
    store_extra = _unexplained(store, store_explained)
    cand_extra = _unexplained(cand, cand_explained)
    packs = _packs(store, cand)
    uncoded = not shared and bool(store_only) and not cand_only
    store_words, cand_words = min(store_extra, 3) / 3, min(cand_extra, 3) / 3
    store_aim, cand_aim = _aimed_at(store), _aimed_at(cand)
    return PairFeatures(
        sim_sort=sim_sort,
        sim_set=sim_set,
        cover_min=min(cover_store, cover_cand),
        cover_max=max(cover_store, cover_cand),
        code_shared=float(bool(shared)),
        code_conflict=float(near or (not shared and bool(store_only) and bool(cand_only))),
        code_one_side=float(not shared and bool(store_only) != bool(cand_only)),
        code_extra=float(bool(shared) and bool(store_only or cand_only)),
        brand_match=float(brand == "match"),
        brand_conflict=float(brand == "conflict"),
        brand_one_side=float(brand == "one_side"),
        size_match=float(size_verdict == "match"),
        size_conflict=float(size_verdict == "conflict"),
        size_one_side=float(size_verdict == "one_side"),
        pack_conflict=float(packs == "conflict"),
        pack_store_only=float(packs == "one_side" and bool(store.pack or store.multi)),
        pack_cand_only=float(packs == "one_side" and bool(cand.pack or cand.multi)),
        bonus_one_side=float((store.bonus_pct is None) != (cand.bonus_pct is None)),
        variant_conflict=float(variant_conflict or _finer(store, cand)),
        variant_one_side=min(variant_one_side, 2) / 2,
        number_conflict=float(
            _numbers_conflict(store, cand, coded=bool(shared))
            or _counts_differ(store, cand)
            or bool(
                store.resolutions
                and cand.resolutions
                and store.resolutions.isdisjoint(cand.resolutions)
            )
        ),
        third_party=float(_supply(store, cand, brand) != _supply(cand, store, brand)),
        extra_store_words=store_words,
        extra_cand_words=cand_words,
        words_swapped=float(store_extra > 0 and cand_extra > 0),
        noise_words=min(len(store.noise ^ cand.noise), 3) / 3,
        gtin_conflict=float(gtin_conflict),
        code_colour=float(bool(colour)),
        provisional=float(provisional),
        provisional_uncoded=float(provisional and uncoded),
        store_named=float(store_named),
        store_named_uncoded=float(store_named and uncoded),
        store_named_store_words=store_words if store_named else 0.0,
        store_named_cand_words=cand_words if store_named else 0.0,
        code_store_only=float(uncoded and not colour and _numberless(cand)),
        number_store_only=float(
            _more(store.bare, cand.stated) and not _more(cand.bare, store.stated)
        ),
        finish_cand_only=float("colour" in store.variants and bool(cand.finishes - store.finishes)),
        edition_cand_only=float(bool(cand.editions) and not store.editions),
        pack_cand_coded=float(
            packs == "one_side" and bool(cand.pack or cand.multi) and bool(shared or colour)
        ),
        download_store_only=float(store.download and not cand.download),
        download_cand_only=float(cand.download and not store.download),
        line_store_only=float(bool(store.lines - cand.lines)),
        line_cand_only=float(bool(cand.lines - store.lines)),
        number_shared=float(_number_shared(store, cand)),
        platform_match=float(
            "platform" in store.variants
            and store.variants["platform"] == cand.variants.get("platform")
        ),
        target_shared=float(not store_aim.isdisjoint(cand_aim)),
        target_apart=float(bool(store_aim and cand_aim) and store_aim.isdisjoint(cand_aim)),
        spec_store_only=float(any(n not in cand.stated for n in store.specs)),
        spec_cand_only=float(any(n not in store.stated for n in cand.specs)),
        price_near=float(price_ratio is not None and price_ratio <= NEAR),
        price_far=float(price_ratio is not None and price_ratio >= FAR),
        price_gap=price_gap(price_ratio),
    )


_LONG_RUN = re.compile(r"\d{3}")


_YEAR = re.compile(r"(?:19[89]|20[0-3])\d\Z")  # "2010": an edition's year, shared by a line
_MODEL_NUMBER_DIGITS = 3


def _number_shared(a: Side, b: Side) -> bool:
    """A model number both names write as a number alone (`PairFeatures.number_shared`)."""
    return any(
        len(n) >= _MODEL_NUMBER_DIGITS and not _YEAR.match(n) and n in b.bare for n in a.bare
    ) or not a.long.keys().isdisjoint(b.long)


def _specs(content: tuple[str, ...]) -> frozenset[str]:
    """The numbers of a name's specifications ("3user": 3, "720p": 720)."""
    return _kept(frozenset(m[0] for t in content if _SPEC.match(t) and (m := _LEADING.match(t))))


def _aimed_at(side: Side) -> frozenset[str]:
    """The codes of what a supply is for: those after "for" ("for use in Epson T0761"),
    and a third-party supply's every code ("compatible Brother LC74"; its own code too,
    which the other side names only when it is that supply)."""
    return side.targets | side.codes if side.third_party else side.targets


def _numberless(side: Side) -> bool:
    """No token of the name holds three digits in a row."""
    return not any(_LONG_RUN.search(t) for t in side.parsed.all_tokens)


def _similarity(a: Side, b: Side) -> tuple[float, float]:
    left, right = " ".join(a.content), " ".join(b.content)
    if not left or not right:
        left, right = " ".join(a.parsed.all_tokens), " ".join(b.parsed.all_tokens)
    if not left or not right:
        return 0.0, 0.0
    return fuzz.token_sort_ratio(left, right) / 100, fuzz.token_set_ratio(left, right) / 100


def _one_sided_codes(a: Side, b: Side, shared: set[str]) -> set[str]:
    """`a`'s codes that `b` does not carry, written whole or in parts (a part of a shared
    code, such as `fg2451` of `kx fg2451`, is not a code of its own)."""
    return {
        c for c in a.codes - b.codes if not _code_inside(c, b) and not any(c in s for s in shared)
    }


def _colour_suffixed(a: set[str], b: set[str], sa: Side, sb: Side) -> set[str]:
    """Codes of one side that are a code of the other plus one last letter, the initial
    of a colour or a colour's finish either name states (`32lg30b` "piano black" /
    `32lg30`, `l743m` / `l743` "Metallic Grey"): the colour's code, not another model
    (`ce505xd` / `ce505x` stays a conflict). Where neither name states a colour, the
    store's code (`a`) that is the candidate's model number plus a letter (`dc11r` /
    `dc11`, `31267s` / `31267`): a shop writes the model with its colour or region
    letter, the catalog the model; a letter after a letter is another model (`ce505xd`),
    and so is a letter that is not the colour named (`32lg30d` "black")."""
    colours = set().union(*(s.variants.get("colour", frozenset()) for s in (sa, sb)))
    # (a finish is a colour's too: "Metallic Grey" is the `m` of `l743m`)
    initials = _colour_letters(colours | sa.finishes | sb.finishes)
    found = set()
    for (longer, shorter), side in (((a, b), sb), ((b, a), sa)):
        for code in longer:
            if code[-1] in initials and _written(code[:-1], shorter, side):
                found |= {code, code[:-1]}
    for code in a if not colours else ():
        base = code[:-1]
        if code[-1].isalpha() and base[-1:].isdigit() and _written(base, b, sb):
            found |= {code, base}
    return found


def _written(code: str, codes: set[str], side: Side) -> bool:
    """`code` among `codes`, or written as a number alone on `side` ("- 31267")."""
    return code in codes or (code.isdigit() and (code in side.long or code in side.bare))


def _cut_codes(a: Side, codes: set[str], b: Side) -> set[str]:
    """`a`'s codes an ellipsis cut (`Side.cut`) that begin a longer code of `b`, alone or
    joined to the tokens before ("KX-TG4..." / KX-TG4193, "Lumix DMC FS01..." /
    DMC-FS01P): the beginning of that code, or of another model's, says neither."""
    if not a.cut or not codes:
        return set()
    tokens = a.parsed.all_tokens
    runs = {"".join(tokens[-k:]) for k in range(1, 4)}
    if not any(o.startswith(run) and o != run for o in b.codes for run in runs):
        return set()
    return {c for c in codes if c.endswith(a.cut)}


def _alike_codes(a: str, b: str) -> bool:
    """Two codes of one length that differ in one or two places (`lsd8gbasbnae` /
    `lsd4gbasbnae`): two models of a line, even where the names share another code."""
    return len(a) == len(b) >= 5 and sum(x != y for x, y in zip(a, b, strict=True)) <= 2


def _suffixed_shared(a: Side, b: Side) -> set[str]:
    """`a`'s codes written as `b`'s code and a hyphenated part (`_suffixed_codes`), with
    that code; not when `a` also spells that code with a letter or two more (`sdsdh 32gb`
    and "SDSDH-32G-A11": its model is another than `b`'s SDSDH32G)."""
    return {
        c
        for pair in a.suffixed
        if pair[0] in a.codes and pair[1] in b.codes and not _extended(*pair, a)
        for c in pair
    }


REGION_LETTERS = 3  # a maker's region or retail letters glued on a full code: this many or more
_REGION_BASE_DIGITS = re.compile(r"(?:\D*\d){3}")  # the full code: three digits or more
_CAPACITY = re.compile(r"x*l\Z")  # "XL", "XXL": a cartridge's capacity, another product


def _region_suffixed(codes: frozenset[str], others: frozenset[str]) -> set[str]:
    """Codes written as another side's full code and a maker's region or retail letters
    glued on ("LN46U689BXZA" / "LN46U689", "SGHU282ZKA" / "SGH-U282"), with that code:
    one model. Not a letter or two (CE505X / CE505XD, PG-755 / PG-755XL: other models),
    a capacity ("XXL") or a variant word ("PRO"), nor a code of fewer than three digits."""
    found: set[str] = set()
    for c in codes:
        for o in others:
            rest = c[len(o) :]
            if (
                len(rest) >= REGION_LETTERS
                and c.startswith(o)
                and rest.isalpha()
                and not _CAPACITY.match(rest)
                and rest not in VARIANT_WORDS
                and _REGION_BASE_DIGITS.match(o)
            ):
                found |= {c, o}
    return found


def _extended(suffixed: str, code: str, side: Side) -> bool:
    """Does `side` spell, in one token or joined ones (`Side.runs`), `code` and one or two
    characters more, other than as its `suffixed` code ("F5D8122-4")?"""
    return any(
        run.startswith(code) and run != suffixed
        for key in ((len(code) + 1, code[:-1]), (len(code) + 2, code))
        for run in side.runs.get(key, ())
    )


def _without_prefix(codes: frozenset[str], others: frozenset[str]) -> set[str]:
    """Codes written without the letters the other side puts before them ("TG9025" /
    "KX-TG9025"): one code, when it keeps letters and digits (5+ characters)."""
    return {
        c
        for c in codes
        if len(c) >= 5 and any(o.endswith(c) and o[: -len(c)].isalpha() for o in others)
    }


SHORT_CODE_LEN = 3  # a code this long or longer, written without its series' letters


def _short_unprefixed(codes: set[str], others: set[str]) -> set[str]:
    """Short codes written without the letters of their series ("H95" / "SDR-H95", "K242"
    / "SGH-K242"), with the code they stand for: one model, too short to be evidence of it
    (`_without_prefix` makes a shared code of five characters or more), so neither is a
    code on one side only."""
    found: set[str] = set()
    for c in codes:
        if not (SHORT_CODE_LEN <= len(c) < 5 and any(ch.isalpha() for ch in c)):
            continue
        longer = {o for o in others if o.endswith(c) and o[: -len(c)].isalpha()}
        if longer:
            found |= {c, *longer}
    return found


def _series(code: str) -> str:
    """The letters a code starts with ("imt238": "imt")."""
    return code[: len(code) - len(code.lstrip(ascii_lowercase))]


def _untargeted(codes: set[str], side: Side, others: set[str]) -> set[str]:
    """A side's one-sided codes less those it names as what the product is for ("Toner
    ... for use in HL-3249DW"): the printer's model is not the cartridge's, and says
    nothing against the other side's own code (TN-679A) unless that code is of the same
    series, the letters it starts with ("Subwoofer for iPod Speaker System - IMT238" /
    "IMT239 ...": the code after "for" is the product's own). Against no code at all it
    stays: the name still names a model the other side does not."""
    if not others or not side.targets & codes:
        return codes  # (a code said alone still says the store names a model)
    series = {_series(o) for o in others}
    return {c for c in codes if c not in side.targets or _series(c) in series}


def _near_code(code: str, mine: Side, other: Side, initials: set[str]) -> bool:
    """Another model of the same line on the other side: a code, or tokens joined in a run
    (`sdsdh 8gb`), as long as `code`, differing in at most its last two characters
    (`f5d7980` / `f5d7988`, `3843p` / `3840p`), or one letter shorter; or a bare number
    of 4+ digits as long as the code's digits, differing (`7182` / `dcc4049`)."""
    if len(code) < 4:
        return False
    # (most codes have no run of their length and start on the other side)
    if (runs := other.runs.get((len(code), code[:-2]))) and any(run != code for run in runs):
        return True
    # The other side's code less a last letter ("sdsdh 16g" / sdsdh16gd, ce505x / ce505xd)
    # is another product; not when the letter is a colour's or a finish's either name
    # states (63260w "wht" / 63260 "white": "wht" reads as white), nor when this side
    # writes both, nor when an ellipsis cut the other side's there ("CE242A3AB...").
    shorter = code[:-1]
    if (
        code[-1].isalpha()
        and code[-1] not in initials
        and shorter != other.cut
        and shorter not in mine.runs.get((len(shorter), shorter[:-2]), ())
        and shorter in other.runs.get((len(shorter), shorter[:-2]), ())
    ):
        return True
    digits = max(_LEADING.findall(code), key=len)
    return len(digits) >= 4 and any(
        len(t) == len(digits) and t != digits and t not in code for t in other.bare
    )


def _colour_initials(a: Side, b: Side) -> set[str]:
    words = set().union(*(s.variants.get("colour", frozenset()) | s.finishes for s in (a, b)))
    return _colour_letters(words)


# A colour's letter in a maker's code that is not its initial: Sony's "/L" for blue
# (DSC-W290/L), "B" being black's.
_COLOUR_LETTERS = {"blue": "l"}


def _colour_letters(words: Iterable[str]) -> set[str]:
    """The letters a code may end with for these colours: their initials, and the
    letters makers use for them (`_COLOUR_LETTERS`)."""
    return {letter for w in words for letter in (w[0], _COLOUR_LETTERS.get(w, w[0]))}


def _runs(tokens: tuple[str, ...]) -> dict[tuple[int, str], tuple[str, ...]]:
    """Runs of one to three tokens joined, with a digit, by (length, all but the last two
    characters): the keys `_near_code` looks a code up by. Each key's runs, distinct, in a
    tuple: one or two at most, asked `in` and iterated, never a set's worth (a frozenset
    apiece was a third of a `Side`'s memory, and a worker keeps tens of thousands)."""
    runs: dict[tuple[int, str], tuple[str, ...]] = {}
    # A run starts with its letters ("sdsdh 8gb") and ends at its first token with a
    # digit, not after a code: from each token, the run up to the next token with a
    # digit, if that is at most two tokens on.
    following = len(tokens)  # the next token with a digit, from the one at hand
    for i in range(len(tokens) - 1, -1, -1):
        if _DIGITS.search(tokens[i]):
            following = i
        if following <= i + 2:
            joined = "".join(tokens[i : following + 1])
            key = (len(joined), joined[:-2])
            found = runs.get(key, ())
            if joined not in found:
                runs[key] = (*found, joined)
    return runs


def _supply(a: Side, b: Side, brand: str | None) -> bool:
    """Is `a` a supply made for another maker's product: it says so, or it is "for" a code
    that `b` carries (`b` is that product, or another supply for it). Not when both are
    "for" one thing ("Subwoofer for iPod Speaker System - IMT238" / "IMT238 Subwoofer for
    iPod"): the code after it is the product's own; nor when it is `a`'s own code by
    `_own_after_for`."""
    if a.third_party:
        return True
    if not a.targets & b.codes:
        return False
    if b.third_party and a.targets & b.targets:
        return True  # for the part `b` replaces ("for use in Acme AC42" / "Replaces Acme AC42")
    return not a.purposes & b.purposes and not _own_after_for(a, b, brand)


def _own_after_for(a: Side, b: Side, brand: str | None) -> bool:
    """The code after `a`'s "for" is its own: the brands agree, `a` names no code but
    the ones after "for", its "for" names no brand of the pair, and `b` carries the code
    as its own (not "for" it, not as a third-party supply). A maker's accessory "for"
    another maker's device ("Acme Dock for Zune Speaker - AD310") gives its own code
    there; a supply for the other side's product names that product's maker after "for"
    ("Toner for use in Acme AD310"), or a code of its own besides, or another brand."""
    return (
        brand == "match"
        and not a.for_brand
        and a.codes <= a.targets
        and not (b.third_party or a.targets & b.targets)
    )


def _finer(store: Side, cand: Side) -> bool:
    """The store names a colour's finish ("piano black") the candidate's colour lacks, or
    an edition ("CE") the candidate does not name."""
    if "colour" in cand.variants and store.finishes - cand.finishes:
        return True
    return bool(store.editions) and not cand.editions


def _counts_differ(a: Side, b: Side) -> bool:
    return any(b.counts.get(thing, n) != n for thing, n in a.counts.items())


_CODE_PARTS = 6  # "af 17 50mm di ii": af1750mmdiii, a lens's code in five parts


def _code_inside(code: str, other: Side) -> bool:
    """The code written in parts on the other side (`kx fg 2451`): its tokens joined in a
    run spell it exactly (never a substring of a longer code)."""
    if code not in other.parsed.compact:
        return False  # a run of its tokens joined is a part of all of them joined
    tokens = other.parsed.all_tokens
    for i in range(len(tokens)):
        if not code.startswith(tokens[i]):
            continue  # no run from here spells it
        joined = ""
        for j in range(i, min(i + _CODE_PARTS, len(tokens))):
            joined += tokens[j]
            if joined == code:
                return True
            if len(joined) >= len(code):
                break
    return False


def _explanations(a: Side, b: Side) -> list[bool]:
    """For each of `a`'s content words, does `b` explain it (`_explained`)?"""
    tokens, codes = b.parsed.all_tokens, b.codes
    # The plain cases first, as `_explained_by` would answer them, without its cache.
    return [w in tokens or w in codes or _explained_by(w, tokens, codes) for w in a.content]


def _coverage(a: Side, explained: list[bool]) -> float:
    """The share of `a`'s content words the other side explains (`_explanations`)."""
    if not a.content:
        return 1.0
    return sum(explained) / len(a.content)


def _unexplained(a: Side, explained: list[bool]) -> int:
    """Plain words of `a` the other side does not explain (`_explanations`; codes,
    numbers, variants aside)."""
    unknown = [w for w, known in zip(a.content, explained, strict=True) if not known]
    if not unknown:
        return 0
    variant_words = set().union(*a.variants.values()) if a.variants else set()
    return sum(
        1
        for w in unknown
        if not _DIGITS.search(w) and w.removesuffix("s") not in variant_words and w not in PLATFORMS
    )


def _explained(word: str, other: Side) -> bool:
    """Does `other` carry this word, maybe misspelled, abbreviated or split differently?"""
    return _explained_by(word, other.parsed.all_tokens, other.codes)


# A worker scores each store name against up to twenty candidates whose words recur from
# list to list: the word-by-word comparisons are most of its time, and they are pure.
@functools.lru_cache(maxsize=65536)
def _explained_by(word: str, tokens: tuple[str, ...], codes: frozenset[str]) -> bool:
    if word in tokens or word in codes:
        return True
    if word.isalpha() and len(word) <= 4 and any(c.startswith(word) for c in codes):
        return True  # the letters of a code written apart: "kx fg2451" / "kxfg2451"
    return (
        typo_of_any(word, tokens)  # one word misspelled as the other
        # (an abbreviation keeps the first letter: only tokens with this one are asked)
        or (word.isalpha() and any(t[0] == word[0] and _abbreviated(word, t) for t in tokens))
        or spelled_apart(word, tokens)
    )


def _abbreviated(word: str, token: str) -> bool:
    """Words only (a code, "mp480", never abbreviates anything): one abbreviates the
    other."""
    return token.isalpha() and (is_abbreviation(word, token) or is_abbreviation(token, word))


def _sizes(a: tuple[Quantity, ...], b: tuple[Quantity, ...]) -> str | None:
    """ "conflict" (for some measure both sides state, none of their sizes agree: a 250 GB
    drive is not the 500 GB one, whatever its 2.5" form factor), "match" (else some size
    of each side agrees), "one_side" (a size on one side only) or None (no size on either
    side)."""
    if not a and not b:
        return None
    by_measure: dict[frozenset[str], list[bool]] = {}
    for q in a:
        for o in b:
            if (v := same_size(q, o)) is not None:
                by_measure.setdefault(measures(q.unit) & measures(o.unit), []).append(v)
    if any(not any(verdicts) for verdicts in by_measure.values()):
        return "conflict"
    return "match" if by_measure else "one_side"


def _with_bonus(side: Side) -> tuple[Quantity, ...]:
    """A promotional size is the base size or the base plus the bonus: a store writes
    "250 g + 20% free", the catalog "300 g (+20% free)"."""
    if not side.bonus_pct:
        return side.sizes
    grown = tuple(Quantity(q.value * (1 + side.bonus_pct / 100), q.unit) for q in side.sizes)
    return side.sizes + grown


_STRENGTHS = frozenset({"mg", "mcg"})


def _packs(a: Side, b: Side) -> str | None:
    """ "conflict": two different counts, or a pack against a single whose size is named;
    "one_side": a pack on one side, the other names no size either (a cut-short name)."""
    if a.multi or b.multi:  # a pack of some count: a conflict only with a single
        other = b if a.multi else a
        if other.multi or (other.pack or 0) > 1:
            return None
        return "conflict" if other.pack == 1 else "one_side"
    if (a.pack or 1) == (b.pack or 1):
        return None
    if a.pack and b.pack:
        return "conflict"
    single = b if (a.pack or 1) > 1 else a
    # A strength ("Ibuprofen 200mg") is no size of the single: tablets come in packs.
    sized = any(q.unit not in _STRENGTHS for q in single.sizes)
    return "conflict" if sized or single.pack == 1 else "one_side"


def _variants(a: Side, b: Side) -> tuple[bool, int]:
    """A conflict is one class named differently on each side; a colour one side names
    more closely ("navy blue" / "navy", "piano black" / "black") is the same colour."""
    # (`_cut_at` is asked only of a pair naming one class on both sides)
    conflict = bool(a.variants.keys() & b.variants.keys()) and _variant_conflict(a, b)
    one_side = sum(len(words) for cls, words in a.variants.items() if cls not in b.variants)
    one_side += sum(len(words) for cls, words in b.variants.items() if cls not in a.variants)
    return conflict, one_side


def _variant_conflict(a: Side, b: Side) -> bool:
    """One class named differently on each side (`_variants`)."""
    after_a, after_b = _cut_at(a, b), _cut_at(b, a)
    return any(
        cls in b.variants
        and words != b.variants[cls]
        and not (cls == "colour" and (words < b.variants[cls] or b.variants[cls] < words))
        and not (words < b.variants[cls] and b.variants[cls] - words <= after_a)
        and not (b.variants[cls] < words and words - b.variants[cls] <= after_b)
        and _differ(words, a, b.variants[cls], b)
        for cls, words in a.variants.items()
    )


_JOINING = frozenset({"and", "with", "in", "of", "or"})  # no name ends with one


def _cut_at(a: Side, b: Side) -> frozenset[str]:
    """`a` cut short mid-word, as a till or a feed cuts a name at its length ("DARK RO"
    for "Dark Roast Ground Coffee"), or right after a joining word ("LEMON &" for "Lemon
    & Lime"): `b`'s words from where `a` was cut; `a` says nothing about them. Else none."""
    tokens, others = a.parsed.all_tokens, b.parsed.all_tokens
    if len(tokens) >= 2 and tokens[-1] in _JOINING:
        # Cut right after a word that joins two ("LEMON &", "CHICKEN WITH"): `b`'s
        # words after the one before it.
        k = next((k for k, word in enumerate(others) if word == tokens[-2]), None)
        return frozenset() if k is None else frozenset(others[k + 1 :])
    if len(tokens) < 2 or tokens[-1] in others:
        return frozenset()
    for k, word in enumerate(others[:-1]):
        if word == tokens[-2] and others[k + 1].startswith(tokens[-1]):
            return frozenset(others[k + 1 :])
    return frozenset()


def _differ(words: frozenset[str], a: Side, others: frozenset[str], b: Side) -> bool:
    """Variant words of one class that the other side does not write some other way: a
    shelf label's abbreviation ("spkl" for sparkling, "smkd" for smoked) says the same."""
    return any(not _variant_written(w, b) for w in words - others) or any(
        not _variant_written(w, a) for w in others - words
    )


def _variant_written(word: str, side: Side) -> bool:
    """An abbreviation or a misspelling of the word that is no variant word itself
    ("berry" is not "blueberry" shortened, nor "unsalted" "salted" misspelled)."""
    return any(
        t not in VARIANT_WORDS and (is_abbreviation(t, word) or is_typo(t, word))
        for t in side.parsed.all_tokens
    )


def _numbers_conflict(a: Side, b: Side, *, coded: bool) -> bool:
    """Bare numbers (not sizes, codes or prices): each side has one the other lacks
    (`36/32` against `30/32`, a waist against a waist; `2 handsets, up to 6` against
    `2 handsets` is one side saying more). `coded`: the two share a model code."""

    if _more(a.bare, b.stated) and _more(b.bare, a.stated):
        return True
    # A long number (a shop's item number, or a model number) only against another, and
    # not where a shared model code names the product: then each is a shop's item number
    # ("Item# 550353 ... M769" / "M769 ... (1428096)").
    if not coded and _more(a.long, b.stated) and _more(b.long, a.stated):
        return True
    return _glued_differ(a.glued, b.glued) or _glued_differ(b.glued, a.glued)


# A number of one or two digits with one letter glued on, the letter the same on both
# sides: a model's mark ("Companion 1W" / "Companion 3W", "QuietComfort 5S" / "2S") or
# a specification ("4K" / "8K"), too short for a model code. A count ("2x") and the
# measures (`parse_quantity`, left out of `content`) are compared elsewhere.
_GLUED = re.compile(r"\d{1,2}[a-wyz]\Z")


def _glued_differ(a: frozenset[str], b: frozenset[str]) -> bool:
    """`a` has such a number that `b` lacks while `b` has another with its letter."""
    return any(t[-1] == o[-1] for t in a - b for o in b - a)


def _more(some: Counter[str], other: Counter[str]) -> bool:
    """Is `some - other` not empty: a number `some` states more often than `other`?"""
    return any(n > other[k] for k, n in some.items())


# A long number with a letter or two glued on ("30195B"): its number is a model number.
_LETTERED = re.compile(rf"(\d{{{SKU_DIGITS},}})[a-z]{{0,2}}\Z")


def _long(words: tuple[str, ...]) -> Counter[str]:
    return Counter(m[1] for t in words if (m := _LETTERED.match(t)))


def _bare(words: tuple[str, ...]) -> Counter[str]:
    # Counted: "waist 32 leg 32" against "waist 34 leg 32" differ in a 32. A count of
    # things ("3 handsets") is compared by `_counts_differ`. A standard's number written
    # on its word ("CL4", "SPF15") is the number "Class 4", "SPF 15" state.
    bare = Counter(
        t
        for i, t in enumerate(words)
        if t.isdigit()
        and len(t) < SKU_DIGITS
        and (i + 1 == len(words) or words[i + 1] not in _COUNTED)
    )
    bare.update(m[1] for t in words if (m := _STANDARD.match(t)))
    return bare


_NUMBER_WORDS = {"two": "2", "three": "3", "four": "4", "five": "5", "six": "6"}
_LEADING = re.compile(r"\d+")
# A model code's number of three digits or more after its letters, written without them
# on the other side ("Z-242" / "242"); not a size's letter and number ("W32": waist 32).
# (A standard's number after its word, "class6", is stated as well: `_STANDARD`.)
_SERIES_DIGITS = re.compile(rf"[a-z]+(\d{{{_MODEL_NUMBER_DIGITS},}})\Z")


def _stated(tokens: tuple[str, ...]) -> Counter[str]:
    """The numbers a name states, alone or glued to a unit ("120hz", "3x"), or in words
    ("three"): a bare number of the other side found here is the same number."""
    stated: Counter[str] = Counter()
    for t in tokens:
        if (m := _LEADING.match(t)) is not None:
            stated[m[0]] += 1
        elif (m := _STANDARD.match(t) or _SERIES_DIGITS.match(t)) is not None:
            stated[m[1]] += 1
        elif t in _NUMBER_WORDS:
            stated[_NUMBER_WORDS[t]] += 1
    return stated
