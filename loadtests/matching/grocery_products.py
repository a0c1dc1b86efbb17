"""The grocery generator's true products: lines of a kind, their siblings, catalog titles."""

from __future__ import annotations

import random
from dataclasses import dataclass, replace

from .barcodes import check_digit
from .grocery_words import (
    GROUP_SHARE,
    KINDS,
    LETTER_SIZES,
    OWN_LABELS,
    SHOE_SIZES,
    WAIST_SIZES,
    Kind,
)
from .products import Part, TrueProduct

TO_BASE = {"g": 1, "kg": 1000, "ml": 1, "l": 1000, "pint": 568, "ct": 1}
CANON_UNIT = {"g": "g", "kg": "kg", "ml": "ml", "l": "L", "pint": "Pints", "ct": "Pack"}


@dataclass(frozen=True)
class Spec:
    """One true product as the generator knows it (TrueProduct is what the benchmark sees)."""

    kind: Kind
    brand: str  # "" for loose produce
    line: str
    variant: str
    attrs: tuple[str, ...] = ()  # twin attributes: Organic, Decaf, SPF 30 ...
    size: tuple[float, str] | None = None
    pack: int = 1  # a multipack of `pack` units of `size`
    bonus: int = 0  # "+20% free": size already includes it
    wear: tuple[str, str] = ("", "")  # apparel: sizing, size key ("M", "32/30", "8")
    own_label: str = ""  # the store whose own label this is
    price: float = 0.0
    key: int = 0
    in_catalog: bool = True

    @property
    def group(self) -> str:
        return self.kind.group


def num(v: float) -> str:
    return f"{v:g}"


def canon_size(s: Spec) -> str:
    if s.kind.weighed:
        return "each" if s.kind.weighed == "each" else f"per {s.kind.weighed}"
    assert s.size is not None
    value, unit = s.size
    one = f"{num(value)} {CANON_UNIT[unit]}" if unit in ("pint", "ct") else f"{num(value)} {unit}"
    if unit == "l":
        one = f"{num(value)} L"
    text = f"{s.pack} x {one}" if s.pack > 1 else one
    return f"{text} (+{s.bonus}% Free)" if s.bonus else text


def wear_canon(s: Spec) -> str:
    sizing, key = s.wear
    if sizing == "letter":
        return dict(LETTER_SIZES)[key]
    if sizing == "waist":
        w, leg = key.split("/")
        return f"W{w} L{leg}"
    eu = dict(SHOE_SIZES)[int(key)]
    return f"UK {key} / EU {num(eu)}"


def canon_title(s: Spec) -> str:
    """The catalog's title without the brand."""
    if s.kind.sizing:
        head = " ".join(w for w in (s.line, s.kind.noun) if w)
        return f"{head}, {s.variant}, {wear_canon(s)}"
    if s.kind.weighed:
        where = s.line
        words = [s.variant, s.kind.noun] if where else ["Loose", s.variant, s.kind.noun]
        title = " ".join(words)
        return f"{title}, {where}, {canon_size(s)}" if where else f"{title}, {canon_size(s)}"
    words = [s.line, *s.attrs, s.variant, s.kind.noun]
    return f"{' '.join(w for w in words if w)}, {canon_size(s)}"


def base_amount(size: tuple[float, str]) -> float:
    return size[0] * TO_BASE[size[1]]


def priced(s: Spec) -> Spec:
    k = s.kind
    price = k.price
    if s.size and k.sizes:  # a pack unit smaller than the first size costs less
        price *= (base_amount(s.size) / base_amount(k.sizes[0])) ** 0.85
    price *= s.pack * 0.9 if s.pack > 1 else 1
    price *= 1.25 if s.attrs else 1.0
    price *= 0.7 if s.own_label else 1.0
    return replace(s, price=round(price, 2))


def wear_keys(kind: Kind, rng: random.Random) -> list[str]:
    n = rng.randint(2, 4)
    if kind.sizing == "letter":
        return [k for k, _ in rng.sample(LETTER_SIZES, n)]
    if kind.sizing == "waist":
        return [f"{w}/{leg}" for w, leg in rng.sample(WAIST_SIZES, n)]
    return [str(uk) for uk, _ in rng.sample(SHOE_SIZES, n)]


def line_specs(kind: Kind, rng: random.Random) -> list[Spec]:
    """One line (a brand's take on a kind) and its sibling products."""
    brand, line = rng.choice(kind.brands), rng.choice(kind.lines)
    n_var = min(len(kind.variants), rng.choice((1, 1, 2, 2, 3)))
    variants = rng.sample(kind.variants, n_var)
    if kind.sizing:  # apparel: colours x sizes
        keys = wear_keys(kind, rng)
        return [Spec(kind, brand, line, c, wear=(kind.sizing, k)) for c in variants for k in keys]
    if kind.weighed:
        return [Spec(kind, "", line, v) for v in variants]
    out = []
    for v in variants:
        size = kind.sizes[0] if rng.random() < 0.6 else rng.choice(kind.sizes)
        out.append(Spec(kind, brand, line, v, size=size))
        if len(kind.sizes) > 1 and rng.random() < 0.35:  # the same line in another size
            other = rng.choice([s for s in kind.sizes if s != size])
            out.append(Spec(kind, brand, line, v, size=other))
        if kind.packs and rng.random() < 0.35:  # a multipack: n singles
            unit = kind.unit or kind.sizes[0]
            out.append(Spec(kind, brand, line, v, size=unit, pack=rng.choice(kind.packs)))
        if kind.twins and rng.random() < 0.25:  # organic / decaf / sugar free twin
            out.append(Spec(kind, brand, line, v, attrs=(rng.choice(kind.twins),), size=size))
        if size[1] in ("g", "ml") and rng.random() < 0.06:  # a bonus pack: +20% free
            out.append(Spec(kind, brand, line, v, size=(round(size[0] * 1.2), size[1]), bonus=20))
    return out


def own_label_copy(specs: list[Spec], rng: random.Random) -> Spec | None:
    """A store's own label copying the line's name word for word (a different product)."""
    first = specs[0]
    labels = [(store, label) for store, label, groups in OWN_LABELS if first.group in groups]
    if not labels or first.kind.weighed or rng.random() >= 0.15:
        return None
    store, label = rng.choice(labels)
    return replace(first, brand=label, own_label=store)


def gtin_for(brand: str, prefixes: dict[str, str], counters: dict[str, int], rng) -> str:
    if brand not in prefixes:
        company = f"{(len(prefixes) * 7919 + 31337) % 90000 + 10000:05d}"
        r = rng.random()
        lead = "50" if r < 0.65 else rng.choice(("40", "87", "80", "54")) if r < 0.85 else "0"
        prefixes[brand] = lead + rng.choice("078") + company if lead == "0" else lead + company
    counters[brand] = counters.get(brand, 0) + 1
    body = prefixes[brand] + f"{counters[brand]:05d}"
    return body + check_digit(body)


def build_specs(rng: random.Random, n_products: int, new_share: float) -> tuple[list[Spec], int]:
    groups = list(GROUP_SHARE)
    weights = [GROUP_SHARE[g] for g in groups]
    specs: list[Spec] = []
    lines = 0
    while len(specs) < n_products:
        group = rng.choices(groups, weights)[0]
        kind = rng.choice([k for k in KINDS if k.group == group])
        family = line_specs(kind, rng)
        copy = own_label_copy(family, rng)
        specs += family + ([copy] if copy else [])
        lines += 1
    out = []
    for i, s in enumerate(specs[:n_products]):
        out.append(priced(replace(s, key=i + 1, in_catalog=rng.random() >= new_share)))
    return out, lines


def true_products(specs: list[Spec], rng: random.Random) -> list[TrueProduct]:
    prefixes: dict[str, str] = {}
    counters: dict[str, int] = {}
    out = []
    for s in specs:
        printed = "" if s.kind.weighed else gtin_for(s.brand, prefixes, counters, rng)
        in_name = bool(s.brand) and (bool(s.own_label) or rng.random() < 0.85)
        parts = (
            (Part("brand"), Part("line", canon_title(s)))
            if in_name
            else (Part("line", canon_title(s)),)
        )
        out.append(
            TrueProduct(
                s.key, s.group, s.brand, parts, brand_in_name=in_name,
                gtin=printed.zfill(14) if printed else "", printed=printed,
                in_catalog=s.in_catalog, generic_noun=False,
            )
        )  # fmt: skip
    return out
