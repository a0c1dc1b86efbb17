"""Builds the true products family by family, each with its near-variants."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from .barcodes import assign_gtins
from .categories import (
    CATEGORIES,
    GROCERY_BRANDS,
    HOUSEHOLD_BRANDS,
    MAKERS,
    SHARED_LINE_SHARE,
    Category,
)
from .products import APPAREL_CANON, Part, Size, TrueProduct, identity


class Builder:
    """Collects true products family by family (a family keeps its near-variants)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.products: list[TrueProduct] = []
        self.families = 0
        self._seen: set[object] = set()

    def add(self, product: TrueProduct) -> None:
        """Keep it unless an earlier family made the same product (or the same name)."""
        keys = (product.name, identity(product))
        if any(k in self._seen for k in keys):
            return
        self._seen.update(keys)
        self.products.append(product)

    def key(self) -> int:
        return len(self.products) + 1


def pick(rng: random.Random, seq: Sequence[Any], lo: int, hi: int) -> list[Any]:
    """Between lo and hi distinct elements of seq (fewer when seq is shorter)."""
    return rng.sample(list(seq), min(len(seq), rng.randint(lo, hi)))


def parts_of(order: str, values: dict[str, str]) -> tuple[Part, ...]:
    parts = []
    for kind in order.split():
        text = values.get(kind, "")
        if kind in ("size", "pack", "brand") or text:
            parts.append(Part(kind, text))
    return tuple(parts)


def grocery_family(b: Builder, cat: Category) -> None:
    rng = b.rng
    brand = rng.choice(
        cat.brands or (GROCERY_BRANDS if cat.group == "grocery" else HOUSEHOLD_BRANDS)
    )
    line = rng.choice(cat.lines)
    brands = [brand]
    if rng.random() < SHARED_LINE_SHARE:
        brands.append(rng.choice(("Everyday Value", "Market Select", *GROCERY_BRANDS[:12])))
    variants = pick(rng, cat.variants, 2, 5)
    options = pick(rng, cat.options, 1, 3)
    nouns = cat.nouns if len(cat.nouns) > 1 and rng.random() < 0.6 else (rng.choice(cat.nouns),)
    for brand_name in dict.fromkeys(brands):
        in_name = rng.random() < 0.85
        maker = rng.choice(MAKERS) if rng.random() < 0.3 else None
        for noun in nouns:
            for variant in variants:
                for size, pack in options:
                    values = {"line": line, "variant": variant, "noun": noun}
                    b.add(
                        TrueProduct(
                            b.key(), cat.group, brand_name, parts_of(cat.order, values),
                            size, pack, cat.pack_word, len(cat.nouns) == 1,
                            brand_in_name=in_name, maker=maker,
                        )
                    )  # fmt: skip
    b.families += 1


TV_MAKERS = (
    ("Sony", "Bravia", "KDL-{s}{x}", ("W650D", "X750H", "X80J")),
    ("Samsung", "Crystal UHD", "UN{s}{x}", ("TU7000FXZA", "AU8000FXZA", "CU7000FXZA")),
    ("LG", "UHD", "{s}{x}", ("UP7000PUA", "UQ7570PUJ", "UR9000PUA")),
    ("TCL", "4-Series", "{s}S{x}", ("425", "435", "455")),
    ("Vizio", "V-Series", "V{s}5-{x}", ("J01", "H1")),
)
TV_NOUNS = ("4K UHD Smart LED TV", "LED HDTV", "4K Ultra HD Smart TV")


def tv_family(b: Builder) -> None:
    rng = b.rng
    brand, line, pattern, series = rng.choice(TV_MAKERS)
    noun = rng.choice(TV_NOUNS)
    for x in pick(rng, series, 1, 2):
        for s in sorted(pick(rng, (32, 40, 43, 50, 55, 65, 75), 2, 4)):
            model = pattern.format(s=s, x=x)
            values = {"line": line, "noun": noun, "model": model}
            parts = parts_of("brand line size noun model", values)
            b.add(TrueProduct(b.key(), "electronics", brand, parts, Size(s, "in"), None))
    b.families += 1


HEADPHONES = (
    ("Sony", (("WH-1000XM4", "Wireless Noise Canceling", "Over-Ear Headphones"),
              ("WH-1000XM5", "Wireless Noise Canceling", "Over-Ear Headphones"),
              ("WH-CH720N", "Wireless Noise Canceling", "Headphones"),
              ("WF-1000XM4", "True Wireless Noise Canceling", "Earbuds"),
              ("WF-C500", "True Wireless", "Earbuds")),
     ("Black", "Silver", "Midnight Blue", "White")),
    ("Bose", (("QC45", "QuietComfort Wireless Noise Cancelling", "Headphones"),
              ("QC35 II", "QuietComfort Wireless", "Headphones"),
              ("QC Earbuds II", "QuietComfort Noise Cancelling", "Earbuds")),
     ("Black", "White Smoke", "Triple Black", "Soapstone")),
    ("JBL", (("Tune 510BT", "Wireless On-Ear", "Headphones"),
             ("Tune 760NC", "Wireless Noise Cancelling", "Headphones"),
             ("Live 660NC", "Wireless Over-Ear", "Headphones")),
     ("Black", "Blue", "White", "Purple")),
    ("Beats", (("Studio3", "Wireless Noise Cancelling", "Headphones"),
               ("Solo3", "Wireless On-Ear", "Headphones"),
               ("Powerbeats Pro", "Totally Wireless", "Earphones")),
     ("Black", "White", "Red", "Blue")),
)  # fmt: skip


def headphone_family(b: Builder) -> None:
    rng = b.rng
    brand, models, colours = rng.choice(HEADPHONES)
    for model, desc, noun in pick(rng, models, 1, 3):
        for colour in pick(rng, colours, 2, 4):
            values = {"model": model, "desc": desc, "noun": noun, "variant": colour}
            parts = parts_of("brand model desc noun variant", values)
            b.add(TrueProduct(b.key(), "electronics", brand, parts, generic_noun=False))
    b.families += 1


PHONES = (
    ("Apple", ("iPhone 13", "iPhone 14"), ("", "mini", "Plus", "Pro", "Pro Max"),
     (128, 256, 512), ("Midnight", "Starlight", "Blue", "Graphite", "Sierra Blue", "Purple")),
    ("Samsung", ("Galaxy S22", "Galaxy S23"), ("", "+", " Ultra"), (128, 256),
     ("Phantom Black", "Phantom White", "Green", "Lavender")),
    ("Google", ("Pixel 7", "Pixel 8"), ("", " Pro"), (128, 256),
     ("Obsidian", "Snow", "Lemongrass", "Hazel")),
)  # fmt: skip


def phone_family(b: Builder) -> None:
    rng = b.rng
    brand, lines, tiers, storage, colours = rng.choice(PHONES)
    line = rng.choice(lines)
    for tier in pick(rng, tiers, 2, 3):
        if tier in ("mini", "Plus", "Pro", "Pro Max"):
            tier = " " + tier
        for gb in pick(rng, storage, 1, 2):
            for colour in pick(rng, colours, 1, 3):
                values = {"line": f"{line}{tier}", "variant": colour}
                parts = parts_of("brand line size variant", values)
                b.add(TrueProduct(b.key(), "electronics", brand, parts, Size(gb, "gb"), None))
    b.families += 1


INK = (
    ("HP", (("63", "63XL"), ("64", "64XL"), ("67", "67XL"), ("952", "952XL")),
     ("Black", "Tri-color")),
    ("Canon", (("PG-245", "PG-245XL"), ("PG-275", "PG-275XL")), ("Black",)),
    ("Canon", (("CL-246", "CL-246XL"), ("CL-276", "CL-276XL")), ("Color",)),
    ("Epson", (("212", "212XL"), ("232", "232XL")), ("Black", "Cyan", "Magenta", "Yellow")),
)  # fmt: skip


def ink_family(b: Builder) -> None:
    rng = b.rng
    brand, models, colours = rng.choice(INK)
    for model in rng.choice(models):
        desc = "High Yield" if model.endswith("XL") else ""
        for colour in colours:
            for pack in pick(rng, (None, 2), 1, 2):
                values = {"model": model, "desc": desc, "variant": colour, "noun": "Ink Cartridge"}
                parts = parts_of("brand model desc variant noun pack", values)
                b.add(TrueProduct(b.key(), "electronics", brand, parts, None, pack))
    b.families += 1


MEMORY = (
    ("SanDisk", "Ultra", "SDSQUAB-{c:03d}G-GN6MA"),
    ("SanDisk", "Extreme", "SDSQXAV-{c:03d}G-GN6MA"),
    ("Samsung", "EVO Select", "MB-ME{c}KA"),
    ("Samsung", "PRO Plus", "MB-MD{c}KA"),
    ("Kingston", "Canvas Select Plus", "SDCS2/{c}GB"),
)


def memory_family(b: Builder) -> None:
    rng = b.rng
    brand, line, pattern = rng.choice(MEMORY)
    for cap in sorted(pick(rng, (32, 64, 128, 256, 512), 2, 4)):
        noun = "microSDHC UHS-I Memory Card" if cap <= 32 else "microSDXC UHS-I Memory Card"
        values = {"line": line, "noun": noun, "model": pattern.format(c=cap)}
        parts = parts_of("brand line size noun model", values)
        b.add(TrueProduct(b.key(), "electronics", brand, parts, Size(cap, "gb"), None))
    b.families += 1


CABLES = (
    ("Anker", ("PowerLine III", "PowerLine II")),
    ("Belkin", ("BoostCharge", "BoostCharge Pro")),
)
CABLE_TYPES = ("USB-C to USB-C Cable", "USB-C to Lightning Cable", "USB-A to USB-C Cable")


def cable_family(b: Builder) -> None:
    rng = b.rng
    brand, lines = rng.choice(CABLES)
    line = rng.choice(lines)
    kind = rng.choice(CABLE_TYPES)
    base = rng.randrange(100, 999)
    for length in pick(rng, (3, 6, 10), 2, 3):
        for i, colour in enumerate(pick(rng, ("Black", "White"), 1, 2)):
            code = (
                f"A8{base}{length % 10}{i + 1}1"
                if brand == "Anker"
                else f"CAB{base}bt{length}{colour[:2].upper()}"
            )
            values = {"line": line, "noun": kind, "variant": colour, "model": code}
            parts = parts_of("brand line noun size variant model", values)
            b.add(TrueProduct(b.key(), "electronics", brand, parts, Size(length, "ft"), None))
    b.families += 1


APPAREL = (
    ("Hanes", ("ComfortSoft Crew T-Shirt", "Heavyweight Pocket T-Shirt", "EcoSmart Sweatshirt")),
    ("Fruit of the Loom", ("Crew T-Shirt", "Pocket T-Shirt", "Fleece Sweatpants")),
    ("Champion", ("Powerblend Hoodie", "Jersey Shorts", "Classic T-Shirt")),
)


def apparel_family(b: Builder) -> None:
    rng = b.rng
    brand, lines = rng.choice(APPAREL)
    line = rng.choice(lines)
    audience = rng.choice(("Men's", "Women's"))
    for colour in pick(rng, ("White", "Black", "Navy", "Heather Grey", "Red"), 2, 3):
        for letter in pick(rng, tuple(APPAREL_CANON), 2, 4):
            values = {"desc": audience, "line": line, "variant": colour, "apparel": letter}
            parts = parts_of("brand desc line variant apparel", values)
            b.add(TrueProduct(b.key(), "apparel", brand, parts, generic_noun=False))
    b.families += 1


# (weight, family builder): about 55% grocery, 20% household, 18% electronics, 7% apparel.
FAMILIES: tuple[tuple[float, Callable[[Builder], None]], ...] = (
    *((2.3, lambda b, c=c: grocery_family(b, c)) for c in CATEGORIES if c.group == "grocery"),
    *((1.5, lambda b, c=c: grocery_family(b, c)) for c in CATEGORIES if c.group == "household"),
    (7.0, tv_family),
    (7.0, headphone_family),
    (6.0, phone_family),
    (4.5, ink_family),
    (4.5, memory_family),
    (3.0, cable_family),
    (7.0, apparel_family),
)


def build_truth(rng: random.Random, n: int, new_share: float) -> tuple[list[TrueProduct], int]:
    """`n` true products with GTINs; `new_share` of them are unknown to the catalog."""
    b = Builder(rng)
    weights = [w for w, _ in FAMILIES]
    while len(b.products) < n:
        rng.choices(FAMILIES, weights)[0][1](b)
    products = assign_gtins(b.products[:n], rng)
    return [replace(p, in_catalog=rng.random() >= new_share) for p in products], b.families
