"""How a store writes a true product's name and brand: abbreviations, units, order, typos."""

from __future__ import annotations

import random

from .products import (
    COMPACT_UNITS,
    SPACED_UNITS,
    WORD_UNITS,
    Part,
    Size,
    TrueProduct,
    metric,
    num,
)
from .stores import StoreStyle

APPAREL_STORE = {
    "S": ("S", "SM", "Small"), "M": ("M", "MD", "Med"), "L": ("L", "LG", "Large"),
    "XL": ("XL", "X-Large", "Extra Large"),
}  # fmt: skip


ABBREVIATIONS = {
    "chocolate": ("Choc",), "original": ("Orig",), "organic": ("Org",),
    "vanilla": ("Van", "Vnla"), "strawberry": ("Straw", "Strwbry"), "blueberry": ("Blubry",),
    "chicken": ("Chkn",), "cheese": ("Chs",), "cheddar": ("Ched",), "cereal": ("Cer", "Cerl"),
    "cinnamon": ("Cinn",), "honey": ("Hny",), "garlic": ("Grlc",), "tomato": ("Tom", "Tmto"),
    "mushroom": ("Mush", "Mshrm"), "marinara": ("Marin",), "traditional": ("Trad",),
    "premium": ("Prem",), "natural": ("Nat", "Ntrl"), "classic": ("Clsc",), "light": ("Lt",),
    "sugar": ("Sgr",), "caffeine": ("Caff",), "sparkling": ("Sprkl", "Spkl"),
    "water": ("Wtr",), "yogurt": ("Ygrt", "Yog"), "greek": ("Grk",), "nonfat": ("NF",),
    "potato": ("Pot", "Pto"), "chips": ("Chps",), "crunchy": ("Crnchy",), "creamy": ("Crmy",),
    "cookies": ("Cks", "Cookie"), "granola": ("Gran", "Grnla"), "roast": ("Rst",),
    "medium": ("Med",), "breakfast": ("Bkfst",), "coffee": ("Coff", "Cof"), "ground": ("Grnd",),
    "condensed": ("Cond",), "vegetable": ("Veg",), "detergent": ("Det", "Dtrgnt"),
    "laundry": ("Lndry",), "liquid": ("Liq",), "lavender": ("Lav",),
    "concentrated": ("Conc",), "toothpaste": ("Tpaste", "Tthpst"), "whitening": ("Whtng",),
    "sensitive": ("Sens",), "shampoo": ("Shmp", "Shamp"), "conditioner": ("Cond", "Cndtnr"),
    "moisturizing": ("Moist",), "volumizing": ("Vol",), "towels": ("Twls",), "paper": ("Ppr",),
    "kitchen": ("Ktchn",), "batteries": ("Batt", "Btry"), "diapers": ("Dprs",),
    "black": ("Blk",), "white": ("Wht",), "silver": ("Slvr",), "blue": ("Blu",),
    "grey": ("Gry",), "green": ("Grn",), "wireless": ("Wrls",), "headphones": ("Hdphn",),
    "earbuds": ("Earbud",), "cartridge": ("Cart", "Ctg"), "ultra": ("Ult",),
    "extreme": ("Xtrm",), "memory": ("Mem",), "cable": ("Cbl",), "t-shirt": ("Tee", "TShirt"),
    "sweatshirt": ("Swtshrt",), "heather": ("Hthr",), "navy": ("Nvy",),
    "pepperoni": ("Pepp",), "sausage": ("Saus",), "crust": ("Crst",), "frozen": ("Frz",),
    "peppermint": ("Pepmint",), "assorted": ("Asst",), "mint": ("Mnt",),
}  # fmt: skip
PHRASES = {
    "peanut butter": ("PB",), "noise canceling": ("NC",), "noise cancelling": ("NC",),
    "sour cream & onion": ("SC&O", "Sour Crm Onion"), "sea salt & vinegar": ("Salt Vinegar",),
    "whole grain": ("WG",), "zero sugar": ("Zero",), "caffeine free": ("CF",),
}  # fmt: skip
DEFAULT_VARIANTS = frozenset({"Original", "Classic", "Regular", "Pure", "Plain"})
KEYBOARD = "qwertyuiop asdfghjkl zxcvbnm"


def brand_alias(brand: str, rng: random.Random) -> str:
    options = [brand.upper()]
    if "'" in brand:
        options += [brand.replace("'", ""), brand.split("'")[0]]
    if "&" in brand:
        options += [brand.replace("&", "and"), brand.replace(" & ", "&")]
    if " " in brand:
        options += [brand.replace(" ", ""), brand.replace(" ", "-")]
    if "-" in brand:
        options.append(brand.replace("-", " "))
    return rng.choice(options)


def render_size(size: Size, style: str, rng: random.Random) -> str:
    if style == "metric":
        size = metric(size)
        style = "spaced"
    value = num(size.value)
    if style == "compact":
        return f"{value}{COMPACT_UNITS[size.unit]}"
    if style == "words":
        return f"{value}{rng.choice(' -')}{rng.choice(WORD_UNITS[size.unit])}"
    return f"{value} {rng.choice(SPACED_UNITS[size.unit])}"


def render_pack(n: int, word: str, style: str, rng: random.Random) -> str:
    if word == "Count" or style == "ct":
        return rng.choice((f"{n}CT", f"{n} ct", f"{n} Count", f"{n}-Count"))
    if style == "pk":
        return rng.choice((f"{n}PK", f"{n} pk"))
    if style == "packof":
        return f"Pack of {n}"
    return rng.choice((f"{n}-Pack", f"{n} Pack", f"{n} pack"))


def size_and_pack(p: TrueProduct, style: StoreStyle, rng: random.Random) -> tuple[str, str]:
    """(size text, pack text); `6/12OZ` and `6 x 355 ml` put both in the size text."""
    unit_style = rng.choice(style.units)
    size = render_size(p.size, unit_style, rng) if p.size else ""
    if not p.pack:
        return size, ""
    pack_style = rng.choice(style.packs)
    if size and p.pack_word == "Pack" and pack_style == "slash":
        return f"{p.pack}/{render_size(p.size, 'compact', rng)}", ""  # type: ignore[arg-type]
    if size and p.pack_word == "Pack" and pack_style == "x":
        return f"{p.pack} x {size}", ""
    return size, render_pack(p.pack, p.pack_word, pack_style, rng)


def reorder(parts: list[Part], how: str) -> list[Part]:
    moves = {
        "noun_first": ({"noun"}, True), "size_first": ({"size", "pack"}, True),
        "model_first": ({"model"}, True), "variant_last": ({"variant"}, False),
        "brand_last": ({"brand"}, False),
    }  # fmt: skip
    if how not in moves:
        return parts
    kinds, first = moves[how]
    moved = [p for p in parts if p.kind in kinds]
    rest = [p for p in parts if p.kind not in kinds]
    return moved + rest if first else rest + moved


def abbreviate(text: str, share: float, rng: random.Random) -> str:
    if share <= 0:
        return text
    lowered = text.lower()
    for phrase, short in PHRASES.items():
        if phrase in lowered and rng.random() < share:
            start = lowered.index(phrase)
            text = text[:start] + rng.choice(short) + text[start + len(phrase) :]
            lowered = text.lower()
    words = []
    for word in text.split():
        options = ABBREVIATIONS.get(word.lower())
        words.append(rng.choice(options) if options and rng.random() < share else word)
    return " ".join(words)


def model_spelling(code: str, share: float, rng: random.Random) -> str:
    if rng.random() >= share:
        return code
    return rng.choice((code.replace("-", ""), code.replace("-", " "), code.lower()))


def typo(words: list[str], rng: random.Random) -> list[str]:
    """One keyboard slip in one alphabetic word of 5+ letters (never in digits)."""
    eligible = [i for i, w in enumerate(words) if w.isalpha() and len(w) >= 5]
    if not eligible:
        return words
    i = rng.choice(eligible)
    w = words[i]
    j = rng.randrange(1, len(w) - 1)
    op = rng.choice(("swap", "drop", "double", "near"))
    if op == "swap":
        w = w[:j] + w[j + 1] + w[j] + w[j + 2 :]
    elif op == "drop":
        w = w[:j] + w[j + 1 :]
    elif op == "double":
        w = w[:j] + w[j] + w[j:]
    else:
        k = KEYBOARD.find(w[j].lower())
        near = KEYBOARD[k + 1] if 0 <= k < len(KEYBOARD) - 1 and KEYBOARD[k + 1] != " " else "e"
        w = w[:j] + near + w[j + 1 :]
    return [*words[:i], w, *words[i + 1 :]]


def apply_case(name: str, case: str, rng: random.Random) -> str:
    if case == "mixed":
        case = rng.choice(("upper", "asis", "lower"))
    if case == "upper":
        return name.upper()
    if case == "lower":
        return name.lower()
    return name


def dropped(part: Part, p: TrueProduct, style: StoreStyle, rng: random.Random) -> bool:
    """Does the store leave this part out (a generic noun, "Original", a description)?"""
    if part.kind == "noun":  # only when a line or flavour still says what it is
        described = any(
            q.kind in ("line", "variant") and q.text not in DEFAULT_VARIANTS for q in p.parts
        )
        return described and p.generic_noun and rng.random() < style.drop_noun
    if part.kind == "variant":
        return part.text in DEFAULT_VARIANTS and rng.random() < style.drop_default
    return part.kind == "desc" and rng.random() < style.drop_desc


def store_name(p: TrueProduct, style: StoreStyle, rng: random.Random) -> str:
    orders, weights = zip(*style.orders, strict=True)
    parts = reorder(list(p.parts), rng.choices(orders, weights)[0])
    brand = brand_alias(p.brand, rng) if rng.random() < style.alias else p.brand
    keep_brand = rng.random() < style.brand_in_name
    size, pack = size_and_pack(p, style, rng)
    segments: list[str] = []
    for part in parts:
        kind, text = part.kind, part.text
        if kind == "brand":
            text = brand if keep_brand else ""
        elif kind == "size":
            text = size
        elif kind == "pack":
            text = pack
        elif kind == "model":
            text = model_spelling(text, style.code_style, rng)
        elif kind == "apparel":
            text = rng.choice(APPAREL_STORE[text])
        elif dropped(part, p, style, rng):
            text = ""
        else:
            text = abbreviate(text, style.abbreviate, rng)
            if kind == "line" and "+" in text and rng.random() < 0.5:
                text = text.replace("+", " Plus")
        if text:
            segments.append(text)
    words = " ".join(segments).split()
    if rng.random() < style.typo:
        words = typo(words, rng)
    if style.extras and rng.random() < style.extra_share:
        words.append(rng.choice(style.extras))
    name = " ".join(words)
    if style.max_len and len(name) > style.max_len:
        name = name[: style.max_len].rstrip(" ,-/")
    return apply_case(name, style.case, rng)


def store_brand(p: TrueProduct, style: StoreStyle, rng: random.Random) -> str | None:
    r = rng.random()
    if r < style.brand_field:
        if p.maker and rng.random() < style.maker_field:
            return p.maker
        return brand_alias(p.brand, rng) if rng.random() < style.alias else p.brand
    return "N/A" if rng.random() < 0.1 else None
