"""The grocery generator's retailers and how each one titles a product in its own words."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

from .grocery_products import TO_BASE, Spec, num
from .grocery_words import ABBREV, BRAND_ALIASES, NOISE, SAME, SHOE_SIZES

GROCER = frozenset({"grocery", "fresh", "beauty"})


@dataclass(frozen=True)
class Retailer:
    name: str
    prefix: str  # external id prefix
    groups: frozenset[str]
    sells: float  # share of its groups' products it sells
    own_label: str = ""
    case: str = "asis"  # asis, upper, lower; caps: share of ALL CAPS titles
    caps: float = 0.0
    brand_in_name: float = 0.9
    brand_field: float = 0.5
    alias: float = 0.1
    orders: tuple[tuple[str, float], ...] = (("standard", 1.0),)
    sizes: tuple[str, ...] = ("compact",)  # compact spaced word convert imperial
    packs: tuple[str, ...] = ("n_x",)  # n_x x_n npk packof npack
    counts: tuple[str, ...] = ("pack",)  # pack ct packof x s
    wear: tuple[str, ...] = ("plain",)  # plain word gender size
    same: float = 0.3  # per equivalent spelling
    abbreviate: float = 0.0  # per abbreviable word
    drop_line: float = 0.1
    typo: float = 0.03
    noise: float = 0.05
    price_tag: float = 0.0
    max_len: int | None = None
    valid: float = 0.6  # barcodes: valid, malformed, otherwise missing
    malformed: float = 0.05
    forms: tuple[str, ...] = ("native",)
    bad_kinds: tuple[str, ...] = ("check",)
    plu: str = "ean20"  # in-store weighed codes: ean20 (20 + PLU) or upc2 (2 + PLU)
    coupon: float = 0.0
    extra: float = 0.5  # share of items carrying feed attributes
    currency: str = "GBP"
    category: str = "path"  # path, leaf, upper


RETAILERS = (
    Retailer(
        "Greenbasket", "GB", GROCER, 0.55, own_label="Greenbasket Finest", brand_in_name=0.95,
        brand_field=0.9, orders=(("standard", 0.8), ("variant_last", 0.2)),
        sizes=("compact", "spaced"), packs=("n_x", "npack"), counts=("pack", "packof"),
        noise=0.12, price_tag=0.0, valid=0.7, forms=("native", "ean13"), extra=0.8,
    ),
    Retailer(
        "ValuKing", "VK", GROCER, 0.4, own_label="ValuKing Best", case="upper", brand_in_name=0.7,
        brand_field=0.2, alias=0.3, orders=(("standard", 0.5), ("noun_first", 0.3),
        ("size_first", 0.2)), sizes=("compact",), packs=("npk", "x_n"), counts=("s", "pack"),
        same=0.4, abbreviate=0.6, drop_line=0.5, typo=0.06, noise=0.15, price_tag=0.1,
        max_len=30, valid=0.4, malformed=0.15, forms=("native", "nolead"),
        bad_kinds=("check", "excel", "short"), plu="upc2", coupon=0.03, extra=0.3,
        category="upper",
    ),
    Retailer(
        "Threadline", "TL", frozenset({"apparel"}), 0.6, own_label="Threadline Basics",
        brand_in_name=0.4, brand_field=0.95, orders=(("apparel_dash", 1.0),),
        wear=("plain", "word"), same=0.4, noise=0.1, price_tag=0.05, valid=0.5, extra=0.8,
    ),
    Retailer(
        "Market Square", "MS", frozenset({"grocery", "fresh"}), 0.5,
        own_label="Market Square Essentials", caps=0.3, brand_in_name=0.8, brand_field=0.6,
        orders=(("noun_first", 0.5), ("standard", 0.5)), sizes=("word", "convert", "spaced"),
        packs=("x_n", "packof"), counts=("pack", "ct"), same=0.5, abbreviate=0.15,
        drop_line=0.3, typo=0.05, noise=0.1, price_tag=0.1, valid=0.55, malformed=0.08,
        forms=("native", "gtin14"), bad_kinds=("check", "zeros"), coupon=0.01, extra=0.5,
        category="leaf",
    ),
    Retailer(
        "Pantry Express", "PX", frozenset({"grocery", "fresh", "beauty"}), 0.35,
        case="lower", brand_in_name=0.5, brand_field=0.5, alias=0.2,
        orders=(("standard", 0.6), ("brand_last", 0.4)), sizes=("imperial", "compact"),
        packs=("npk", "packof"), counts=("ct",), same=0.3, abbreviate=0.2, drop_line=0.4,
        typo=0.1, noise=0.08, max_len=40, valid=0.35, malformed=0.1, forms=("int", "native"),
        bad_kinds=("check", "na", "excel"), plu="upc2", coupon=0.02, extra=0.4,
        currency="USD",
    ),
    Retailer(
        "StyleDash", "SD", frozenset({"apparel", "beauty"}), 0.45, caps=0.2, brand_in_name=0.9,
        brand_field=0.3, alias=0.2, orders=(("apparel_run", 1.0),), sizes=("compact",),
        counts=("pack",), wear=("gender", "size", "plain"), same=0.5, abbreviate=0.4,
        drop_line=0.4, typo=0.04, noise=0.15, max_len=60, valid=0.3, malformed=0.05,
        forms=("native",), extra=0.6, category="upper",
    ),
    Retailer(
        "Hale & Well Pharmacy", "HW", frozenset({"beauty"}), 0.75, own_label="Hale & Well",
        brand_in_name=0.9, brand_field=1.0, orders=(("standard", 0.7), ("variant_last", 0.3)),
        sizes=("spaced", "compact"), packs=("n_x", "packof"), counts=("s", "x", "ct"),
        same=0.3, abbreviate=0.1, noise=0.2, price_tag=0.05, valid=0.85,
        forms=("native", "gtin14"), extra=0.7, category="leaf",
    ),
)  # fmt: skip


def metric_alt(value: float, unit: str) -> tuple[float, str]:
    """The same quantity in the other metric unit (500 g → 0.5 kg, 2 L → 2000 ml)."""
    swap = {"g": ("kg", 0.001), "kg": ("g", 1000), "ml": ("l", 0.001), "l": ("ml", 1000)}
    if unit == "pint":
        return round(value * 0.568, 2), "l"
    if unit not in swap:
        return value, unit
    other, factor = swap[unit]
    return round(value * factor, 3), other


def imperial(value: float, unit: str, rng: random.Random) -> str:
    grams = value * TO_BASE[unit]
    if unit in ("g", "kg"):
        oz = grams / 28.3495
        if oz >= 16 and rng.random() < 0.5:
            lb, rest = divmod(round(oz), 16)
            return f"{lb} lb {rest} oz" if rest else f"{lb} lb"
        return f"{oz:.1f} oz".replace(".0 oz", " oz")
    return f"{grams / 29.5735:.1f} fl oz".replace(".0 fl", " fl")


def one_size(value: float, unit: str, r: Retailer, rng: random.Random) -> str:
    style = rng.choice(r.sizes)
    if style == "convert" and rng.random() < 0.6:
        value, unit = metric_alt(value, unit)
    if style == "imperial" and unit != "pint":
        return imperial(value, unit, rng)
    short = {"l": "L", "pint": "pt"}.get(unit, unit)
    if style == "word":
        words = {"g": "Grams", "kg": "Kilo", "ml": "ml", "l": "Litre", "pint": "Pints"}
        return f"{num(value)} {words[unit]}"
    if style == "spaced" or unit == "pint":
        return f"{num(value)} {short if unit != 'pint' else 'Pints'}"
    return f"{num(value)}{short}"


def count(n: int, r: Retailer, noun: str, rng: random.Random) -> str:
    if n == 12 and noun == "Eggs" and rng.random() < 0.5:
        return "Dozen"
    style = rng.choice(r.counts)
    return {"pack": f"{n} Pack", "ct": f"{n} ct", "packof": f"Pack of {n}", "x": f"x{n}",
            "s": f"{n}s"}[style]  # fmt: skip


def size_text(s: Spec, r: Retailer, rng: random.Random) -> str:
    assert s.size is not None
    value, unit = s.size
    single = count(int(value), r, s.kind.noun, rng) if unit == "ct" else one_size(*s.size, r, rng)
    if s.bonus:
        base = one_size(round(value / (1 + s.bonus / 100)), unit, r, rng)
        return rng.choice((f"{single} (+{s.bonus}% Free)", f"Bonus Size {single}",
                           f"{base} + {s.bonus}% Extra Free", single))  # fmt: skip
    if s.pack == 1:
        return single
    n = s.pack
    style = rng.choice(r.packs)
    return {"n_x": f"{n} x {single}", "x_n": f"{single} x{n}", "npk": f"{n}pk",
            "packof": f"Pack of {n} x {single}", "npack": f"{n} Pack {single}"}[style]  # fmt: skip


def wear_text(s: Spec, r: Retailer, rng: random.Random) -> str:
    sizing, key = s.wear
    style = rng.choice(r.wear)
    if sizing == "letter":
        words = {"XS": "X-Small", "S": "Small", "M": "Medium", "L": "Large", "XL": "Extra Large",
                 "XXL": "2XL"}  # fmt: skip
        gender = "Mens" if s.kind.noun.startswith("Mens") else "Womens"
        return {"plain": key, "word": words[key], "gender": f"{gender} {key}",
                "size": f"Size {key}"}[style]  # fmt: skip
    if sizing == "waist":
        w, leg = key.split("/")
        forms = (f"{w}W {leg}L", f"W{w} L{leg}", f"{w}x{leg}", f"{w}/{leg}", f"Waist {w} Leg {leg}")
        return rng.choice(forms)
    eu = num(dict(SHOE_SIZES)[int(key)])
    return rng.choice((f"UK {key} / EU {eu}", f"UK{key}", f"EU {eu}", f"Size {key}", f"{key} UK"))


def spelled(text: str, table: dict[str, object], rate: float, rng: random.Random) -> str:
    for key, alt in table.items():
        pattern = rf"(?<!\w){re.escape(key)}(?!\w)"
        if rate and re.search(pattern, text) and rng.random() < rate:
            choice = alt if isinstance(alt, str) else rng.choice(alt)
            text = re.sub(pattern, choice, text)
    return text


def typo(text: str, rng: random.Random) -> str:
    words = text.split(" ")
    long = [i for i, w in enumerate(words) if len(w) > 4 and w.isalpha()]
    if not long:
        return text
    i = rng.choice(long)
    w, j = words[i], rng.randrange(1, len(words[i]) - 1)
    how = rng.randrange(3)
    words[i] = (w[:j] + w[j + 1] + w[j] + w[j + 2 :], w[:j] + w[j + 1 :], w[:j] + w[j] + w[j:])[how]
    return " ".join(words)


def shown_brand(s: Spec, r: Retailer, rng: random.Random) -> str:
    if s.brand in BRAND_ALIASES and rng.random() < r.alias:
        return rng.choice(BRAND_ALIASES[s.brand])
    return s.brand


def weighed_title(s: Spec, r: Retailer, rng: random.Random) -> str:
    unit = s.kind.weighed
    marks = {"kg": ("Loose", "per kg", "/kg", "Loose kg", "Loose (approx 1kg)", "per lb"),
             "100g": ("per 100g", "Sliced at the Counter", "(Deli)", "from the Deli", "100g"),
             "each": ("Each", "In-Store Bakery", "Freshly Baked", "")}[unit]  # fmt: skip
    mark = rng.choice(marks)
    if mark == "per lb" and r.currency != "USD":
        mark = "per kg"
    head = f"{s.kind.noun} {s.variant}" if rng.random() < 0.4 else f"{s.variant} {s.kind.noun}"
    return f"{head} {mark}".strip()


def store_title(s: Spec, r: Retailer, rng: random.Random, price: float) -> str:
    if s.kind.weighed:
        title = weighed_title(s, r, rng)
    else:
        own = bool(s.own_label)
        brand = shown_brand(s, r, rng) if own or rng.random() < r.brand_in_name else ""
        line = "" if rng.random() < r.drop_line and not own else s.line
        order = rng.choices([o for o, _ in r.orders], [w for _, w in r.orders])[0]
        if s.kind.sizing:
            head = " ".join(w for w in (brand, line, s.kind.noun) if w)
            colour, size = s.variant, wear_text(s, r, rng)
            title = (f"{head} - {colour} - {size}" if order == "apparel_dash"
                     else f"{head} {colour} {size}")  # fmt: skip
        else:
            size = size_text(s, r, rng)
            attrs = " ".join(s.attrs)
            variant = "" if s.variant == "Original" and rng.random() < 0.5 else s.variant
            words = {
                "standard": (brand, line, attrs, variant, s.kind.noun, size),
                "variant_last": (brand, line, attrs, s.kind.noun, variant, size),
                "noun_first": (brand, s.kind.noun, attrs, variant, line, size),
                "size_first": (size, brand, line, attrs, variant, s.kind.noun),
            }.get(order, (line, attrs, variant, s.kind.noun, size))
            title = " ".join(w for w in words if w)
            if order == "brand_last" and brand:
                title += f" - {brand}"
    title = spelled(title, SAME, r.same, rng)
    title = spelled(title, ABBREV, r.abbreviate, rng)
    if rng.random() < r.noise:
        tag = rng.choice(NOISE)
        title = f"{tag} {title}" if rng.random() < 0.4 else f"{title} - {tag}"
    if rng.random() < r.price_tag:
        sign = "$" if r.currency == "USD" else "£"
        tag = rng.choice((f"{sign}{price:.2f}", f"was {sign}{price * 1.2:.2f}", "Save 30p"))
        title = f"{title} {tag}"
    if rng.random() < r.typo:
        title = typo(title, rng)
    if r.case == "upper" or rng.random() < r.caps:
        title = title.upper()
    elif r.case == "lower":
        title = title.lower()
    if r.max_len and len(title) > r.max_len:
        title = title[: r.max_len].rstrip()
    return title
