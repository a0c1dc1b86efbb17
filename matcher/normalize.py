"""Name normalization shared by the catalog (stored `normalized_name`) and the scorer.

Two functions with different jobs:

* `normalize_name` (defined in `catalog.names`, re-exported here) is what the
  catalog stores as `normalized_name` and what the candidate search (pg_trgm /
  FTS5 trigram) runs on. It only folds case and accents and turns punctuation
  into spaces; it must stay that simple because stored rows depend on it.
* `normalize_for_scoring` is for the fuzzy scorer only: on top of the above it
  unifies unit spellings (`12 fl. oz.` / `12-ounce` → `12oz`), pack counts
  (`6 pack` / `6-ct` / `6 x` → `6ct`), decimals (`1,5 l` → `1.5l`), joins
  hyphenated model codes (`KDL-40V4100` → `kdl40v4100`) and expands a small
  table of POS abbreviations. Its output is never stored.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from catalog.names import fold as _fold
from catalog.names import normalize_name as normalize_name  # re-exported for callers

# --------------------------------------------------------------------------- units

# Canonical unit → spellings (regex fragments, matched after a number). Longer
# spellings first inside each group; groups are tried in this order so that
# `fl oz` wins over `oz`, `ml` over `l`, `kg`/`mg` over `g`, and so on.
_UNIT_SPELLINGS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("oz", (r"fl\.?\s*oz\.?", r"fluid\s+ounces?", r"ounces?", r"oz\.?")),
    ("ml", (r"millilit(?:re|er)s?", r"mls?")),
    ("cl", (r"centilit(?:re|er)s?", r"cl")),
    ("mg", (r"milligrams?", r"mg")),
    ("mcg", (r"micrograms?", r"mcg")),
    ("kg", (r"kilograms?", r"kilos?", r"kgs?")),
    ("g", (r"grammes?", r"grams?", r"grm?s?", r"gms?", r"g")),
    ("l", (r"lit(?:re|er)s?", r"ltrs?", r"lt", r"l")),
    ("lb", (r"pounds?", r"lbs?\.?")),
    ("gal", (r"gallons?", r"gal")),
    ("qt", (r"quarts?", r"qt")),
    ("pt", (r"pints?", r"pt")),
    ("ct", (r"counts?", r"packs?", r"pk", r"ct", r"pcs?", r"pieces?")),
    ("mm", (r"millimet(?:re|er)s?", r"mm")),
    ("cm", (r"centimet(?:re|er)s?", r"cm")),
    ("in", (r"inch(?:es)?", r"in\b", r'"')),
    ("gb", (r"gb",)),
    ("tb", (r"tb",)),
    ("pct", (r"%", r"percent", r"pct")),
)

_SPELLING_TO_UNIT: list[tuple[re.Pattern[str], str]] = [
    (re.compile(spelling + r"\Z"), unit)
    for unit, spellings in _UNIT_SPELLINGS
    for spelling in spellings
]
_UNIT_ALTERNATION = "|".join(spelling for _, spellings in _UNIT_SPELLINGS for spelling in spellings)
_NUMBER = r"\d+(?:\.\d+)?"
# A number, an optional space or hyphen, a unit spelling, and no letter or digit after it
# (so `2 large`, `5 grain` and `12 original` are left alone).
_QUANTITY = re.compile(
    # Not before "-ear", "-cup"...: "624 In-Ear" names no length. Not a number with a
    # leading zero ("0516G", "064G"): a part of a maker's code, no shelf writes a size so.
    rf"(?<![\w.])(?!0\d)({_NUMBER})\s*-?\s*({_UNIT_ALTERNATION})(?![a-z0-9])(?!-[a-z])",
)
_DOZEN = re.compile(rf"(?<![\w.])({_NUMBER})\s*-?\s*(?:dozen|doz)(?![a-z0-9])")
# `6 x 330ml`, `12x12 oz` → a count; `pack of 6` / `case of 24` → a count.
# Not before a code: "no. 13 x492g60ga" names cartridge 13, not thirteen of them; nor
# in one token with four digits or more and no unit ("82X8040": a maker's part number),
# nor before the platform "X360" ("Star Storm 3 X360": the third game, not three).
_TIMES_PREFIX = re.compile(
    r"(?<![\w.])(\d+)(?!x\d{4,}(?![\w.]))(?!\s+x360(?![\w.]))"
    r"\s*x\s*(?=\d+(?:\.\d+)?(?:[a-z]+)?(?![a-z0-9]))"
)
_PACK_OF = re.compile(r"\b(?:pack|pk|case|box)\s+of\s+(\d+)\b")
_PER_PACK = re.compile(r"(?<![\w.])(\d+)\s*/\s*(?:packs?|pk|pkg|case|box)\b")  # "2/Pack"
# `330ml x 6` (a count after a quantity token produced above).
_TIMES_SUFFIX = re.compile(r"(\d[a-z]+)\s*x\s*(\d+)(?![\w.])")
# A weight in pounds and ounces ("1 lb 2 oz", after the units are read): one size.
_POUNDS_OUNCES = re.compile(rf"(?<![\w.])(\d+)lb\s+({_NUMBER})oz(?![\w.])")

_DECIMAL_COMMA = re.compile(r"(?<=\d),(?=\d{1,2}(?!\d))")
_THOUSANDS_COMMA = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")
_LEADING_DOT = re.compile(r"(?<![\w.])\.(?=\d)")
# Not after a letter: "SD4/8GB" is a maker's code and its capacity, not half a gigabyte.
_FRACTION = re.compile(r"(?<![\w./])(\d)\s*/\s*(\d{1,2})(?![\d./])")
_APOSTROPHES = re.compile(r"['’‘`´]")
# Hyphenated/dotted runs of letters and digits: joined when they form a code.
_HYPHEN_RUN = re.compile(r"(?<![\w-])[a-z0-9]+(?:-[a-z0-9]+)+(?![\w-])")
# Anything that is not a word character, except a dot between two digits.
_TRAILING_PLUS = re.compile(r"(?<=[a-z0-9])\+(?![a-z0-9])")
_PUNCT = re.compile(r"[^\w.]+|(?<!\d)\.|\.(?!\d)|_")

# A small, honest table of POS abbreviations (whole tokens only). Words that are
# also common brands or codes (`lg`, `sm`, `van`) are deliberately absent.
ABBREVIATIONS: dict[str, str] = {
    "choc": "chocolate",
    "org": "organic",
    "asst": "assorted",
    "asstd": "assorted",
    "assrtd": "assorted",
    "btl": "bottle",
    "lite": "light",
    "decaffeinated": "decaf",
    "gray": "grey",
    # Colours as listings shorten them (not "wh": a watt-hour; not "sil").
    "blk": "black",
    "bk": "black",
    "wht": "white",
    "slvr": "silver",
    "ss": "stainless",  # stainless steel, as appliances are listed
    "barbecue": "bbq",
    "barbeque": "bbq",
    "chkn": "chicken",
    "orig": "original",
    "reg": "regular",
    "xtra": "extra",
    # One thing, two words for it.
    "ladies": "womens",
    "sneakers": "trainers",
    "hummus": "houmous",
}

# Brand values that mean "no brand".
_PLACEHOLDER_BRANDS = frozenset({"", "na", "n a", "none", "unknown", "generic", "no brand", "null"})


@dataclass(frozen=True)
class Quantity:
    """One size token of a name, e.g. `12oz` → Quantity(12.0, "oz")."""

    value: float
    unit: str

    @property
    def token(self) -> str:
        return f"{_format_number(self.value)}{self.unit}"


_UNITS = tuple(unit for unit, _ in _UNIT_SPELLINGS)
_QUANTITY_TOKEN = re.compile(
    rf"(?!0\d)({_NUMBER})({'|'.join(sorted(_UNITS, key=len, reverse=True))})\Z"
)


def _format_number(value: float) -> str:
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return text or "0"


@lru_cache(maxsize=1024)  # a few dozen spellings, asked for every size in a name
def _unit_for(spelling: str) -> str:
    for pattern, unit in _SPELLING_TO_UNIT:
        if pattern.match(spelling):
            return unit
    raise ValueError(spelling)  # pragma: no cover - the alternation only matches known spellings


# A year before "PC" is a software edition for the PC ("Norton 2009 PC"), not 2009 pieces.
_YEAR = re.compile(r"(?:19|20)\d\d\Z")
_DISC_AFTER = re.compile(r"\s+(?:dvd|cd)(?:rom)?\b")
_SPACED_HYPHEN = re.compile(r"\s-\s")


def _quantity_sub(match: re.Match[str]) -> str:
    number, spelling = match.group(1), match.group(2)
    # "Office 2010 PC", "Frozen Racers 2 PC DVD", "Star Saga 4 - PC": the platform after
    # an edition's year or a title's number (before its disc, or parted from the number
    # by a spaced hyphen), not a count of pieces.
    if spelling.startswith("pc") and (
        _YEAR.match(number)
        or _DISC_AFTER.match(match.string, match.end())
        or _SPACED_HYPHEN.search(match[0])
    ):
        return match[0]
    return f" {_format_number(float(number))}{_unit_for(spelling)} "


def _ounces_sub(match: re.Match[str]) -> str:
    pounds, ounces = match.group(1), match.group(2)
    return f" {_format_number(16 * float(pounds) + float(ounces))}oz "


def _fraction_sub(match: re.Match[str]) -> str:
    numerator, denominator = int(match.group(1)), int(match.group(2))
    if denominator == 0 or numerator >= denominator:
        return match.group(0)
    return _format_number(numerator / denominator)


def _join_code(match: re.Match[str]) -> str:
    run = match.group(0)
    joined = run.replace("-", "")
    if any(c.isdigit() for c in joined) and any(c.isalpha() for c in joined):
        return joined
    # Digit groups one of which is an item number's length ("340345-1444"): a maker's part
    # number, one number, not a number of the product beside it ("1444" / "Companion 8").
    if joined.isdigit() and any(len(part) >= SKU_DIGITS for part in run.split("-")):
        return joined
    return run.replace("-", " ")


def _join_model_code(match: re.Match[str]) -> str:
    """A hyphenated run with a letters-and-digits segment that is no size is one model code
    (`sdsquab-064g-gn6ma`): joined before the size rules could split `064g` out of it."""
    run = match.group(0)
    segments = run.split("-")
    if any(_mixed(seg) and parse_quantity(seg) is None for seg in segments):
        return "".join(segments)
    return run


def _mixed(token: str) -> bool:
    return any(c.isdigit() for c in token) and any(c.isalpha() for c in token)


def _dozen_sub(match: re.Match[str]) -> str:
    return f" {_format_number(float(match.group(1)) * 12)}ct "


# A shelf offer pasted into a name ("3 for £5"): its numbers are no size nor model.
_MULTIBUY = re.compile(r"\b\d+\s*for\s*[£$€]\s?\d+(?:[.,]\d\d)?", re.IGNORECASE)
_CURRENCIES = frozenset("£$€")  # one of them is in every multibuy
_Rewrite = tuple[str, re.Pattern[str], str | Callable[[re.Match[str]], str]]
# The rewrites of a folded name, in order, each with a string its pattern cannot match
# without ("": always tried). Most names have no hyphen, comma, slash...: a substring
# test skips the regex scan and leaves the text as the rewrite would.
_REWRITES: tuple[_Rewrite, ...] = (
    ("-", _HYPHEN_RUN, _join_model_code),
    # "S22+" is another model than "S22": keep the plus as a word (a tier variant).
    ("+", _TRAILING_PLUS, " plus "),
    ("&", re.compile("&"), " and "),
    ("w/", re.compile(r"\bw/\s*o\b"), " without "),
    ("w/", re.compile(r"\bw/"), " with "),
    (",", _DECIMAL_COMMA, "."),
    (",", _THOUSANDS_COMMA, ""),
    (".", _LEADING_DOT, "0."),
    ("/", _FRACTION, _fraction_sub),
    ("of", _PACK_OF, r" \1ct "),
    ("/", _PER_PACK, r" \1ct "),
    ("x", _TIMES_PREFIX, r" \1ct "),
    ("doz", _DOZEN, _dozen_sub),
    ("", _QUANTITY, _quantity_sub),
    ("lb", _POUNDS_OUNCES, _ounces_sub),
    ("x", _TIMES_SUFFIX, r"\1 \2ct"),
    ("-", _HYPHEN_RUN, _join_code),
)


@lru_cache(maxsize=32768)  # a candidate's name is read once per store product it meets
def normalize_for_scoring(name: str) -> str:
    """Normalize a product name for fuzzy scoring (never stored; see the module doc)."""
    if _CURRENCIES.intersection(name):
        name = _MULTIBUY.sub(" ", name)
    text = _APOSTROPHES.sub("", _fold(name))
    for needle, pattern, replacement in _REWRITES:
        if needle in text:
            text = pattern.sub(replacement, text)
    tokens = _PUNCT.sub(" ", text).split()
    return " ".join(ABBREVIATIONS.get(token, token) for token in tokens)


@lru_cache(maxsize=8192)  # asked twice per scored pair; brands recur
def normalize_brand(brand: str | None) -> str | None:
    """The scoring form of a brand, or None for a missing or placeholder brand."""
    if brand is None:
        return None
    normalized = normalize_for_scoring(brand)
    if normalize_name(brand) in _PLACEHOLDER_BRANDS or not normalized:
        return None
    return normalized


def parse_quantity(token: str) -> Quantity | None:
    """The quantity a scoring token stands for (`1.5l` → 1.5 l), or None."""
    match = _QUANTITY_TOKEN.match(token)
    if match is None or _MODEL_NUMBER.match(token):
        return None
    return Quantity(float(match.group(1)), match.group(2))


# A number of five digits or more is a shop's item number (a SKU) or a model number: it
# names no series ("box 34990") and conflicts only with another such number ("34184" /
# "30184"), never with a short one ("34990" / "PlayStation 3"); a hyphenated run with a
# group this long is one part number ("340345-1444").
SKU_DIGITS = 5
# Five digits or more with one letter glued on ("35418L", "12345G"): a model number with
# its colour or region letter, not 35,418 litres; no shelf writes a size that way.
_MODEL_NUMBER = re.compile(r"\d{5,}[a-z]\Z")
