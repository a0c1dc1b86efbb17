"""Matching and sync benchmark: a synthetic marketplace whose truth is known.

    .venv/bin/python loadtests/bench_matching.py                      # both backends
    .venv/bin/python loadtests/bench_matching.py --quick              # smoke run (seconds)
    .venv/bin/python loadtests/bench_matching.py --backend postgresql --keep --dump out.jsonl

Per backend (SQLite in a temporary directory; PostgreSQL in a fresh database
`imgedge_bench_match` on 127.0.0.1:5432, dropped afterwards unless --keep):

1. Generates (deterministically, --seed) a few thousand true products: groceries and
   household goods (brand, line, flavour/scent, size, pack), electronics with model codes
   (TVs, headphones, phones, ink, memory cards, cables), batteries and apparel, with their
   near-variants (same line in another size, colour, flavour, tier or model code).
2. Seeds the canonical catalog (name, brand, GTIN) with most of them; the rest are new
   products no catalog knows yet.
3. Each store sells a subset under its own POS habits: abbreviations, unit spellings,
   word order, brand dropped/added/aliased or the maker in the brand field, typos,
   truncation, extra tokens; barcodes as UPC-A, EAN-13, GTIN-14, lost leading zeros,
   spaced, JSON numbers, or missing or malformed (wrong check digit, Excel notation...).
4. Pushes every store's products through `POST /api/sync/products` (in process:
   httpx.ASGITransport → `create_app` on real `open_services`), drains the queue with
   `MatchWorker`, reads every product back and compares with the truth.
5. Times the sync of --sync-n products per path (new GTINs, known GTINs with a cold and
   a warm GTIN map, no barcode) and the worker's fuzzy matches per second.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import math
import os
import random
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import httpx
from scratch_db import drop_database, recreate_database

from catalog.models import MatchStatus, QueueStatus
from config import Settings
from edge.http.app import create_app
from edge.http.auth import hash_token, new_store_key
from edge.services import Services, open_services
from matcher.scoring import Candidate, score_candidates
from matcher.worker import MatchWorker, WorkerOptions

ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
BATCH = 1000  # the API's maximum batch
PRECISION_TARGET = 0.99
SYNC_TARGET = 5000.0  # products/s, GTIN path, PostgreSQL

# --------------------------------------------------------------------------- sizes


@dataclass(frozen=True)
class Size:
    value: float
    unit: str  # oz (weight), floz, g, kg, ml, l, lb, qt, gal, ct, in, gb, ft


def num(value: float) -> str:
    return f"{value:g}"


CANON_UNITS = {
    "oz": "oz", "floz": "fl oz", "g": "g", "kg": "kg", "ml": "mL", "l": "L", "lb": "lb",
    "qt": "qt", "gal": "gal", "ct": "Count", "gb": "GB", "ft": "ft",
}  # fmt: skip
COMPACT_UNITS = {
    "oz": "OZ", "floz": "OZ", "g": "G", "kg": "KG", "ml": "ML", "l": "L", "lb": "LB",
    "qt": "QT", "gal": "GAL", "ct": "CT", "in": "IN", "gb": "GB", "ft": "FT",
}  # fmt: skip
SPACED_UNITS = {
    "oz": ("oz", "oz."), "floz": ("fl oz", "fl. oz.", "FL OZ"), "g": ("g", "gr"),
    "kg": ("kg",), "ml": ("ml", "mL"), "l": ("L", "ltr"), "lb": ("lb", "lbs."),
    "qt": ("qt", "qt."), "gal": ("gal", "gal."), "ct": ("ct", "ct."), "in": ("in", "in."),
    "gb": ("GB",), "ft": ("ft", "ft."),
}  # fmt: skip
WORD_UNITS = {
    "oz": ("Ounce", "Ounces"), "floz": ("Fl Oz", "Fluid Ounce"), "g": ("Grams", "Gram"),
    "kg": ("Kilogram",), "ml": ("Milliliter",), "l": ("Liter", "Litre"), "lb": ("Pound",),
    "qt": ("Quart",), "gal": ("Gallon",), "ct": ("Count",), "in": ("Inch",), "gb": ("GB",),
    "ft": ("Foot", "Feet"),
}  # fmt: skip
TO_METRIC = {"floz": ("ml", 29.5735), "oz": ("g", 28.3495), "lb": ("g", 453.592),
             "qt": ("ml", 946.353), "gal": ("ml", 3785.41)}  # fmt: skip


def canonical_size(size: Size) -> str:
    if size.unit == "in":
        return f'{num(size.value)}"'
    if size.unit == "gb":
        return f"{num(size.value)}GB"
    return f"{num(size.value)} {CANON_UNITS[size.unit]}"


def metric(size: Size) -> Size:
    """What a metric-labelling store prints for a US size (12 fl oz → 355 ml)."""
    if size.unit not in TO_METRIC:
        return size
    unit, factor = TO_METRIC[size.unit]
    value = size.value * factor
    if value >= 1000:
        return Size(round(value / 1000, 2), "l" if unit == "ml" else "kg")
    return Size(round(value), unit)


# --------------------------------------------------------------------------- true products


@dataclass(frozen=True)
class Part:
    """One piece of a product name: brand, line, variant, noun, desc, model, size, pack,
    apparel (a clothing size letter)."""

    kind: str
    text: str = ""


@dataclass(frozen=True)
class TrueProduct:
    key: int
    group: str  # grocery, household, electronics, apparel
    brand: str
    parts: tuple[Part, ...]
    size: Size | None = None
    pack: int | None = None
    pack_word: str = "Pack"
    generic_noun: bool = True  # the noun only says what it is; a store may leave it out
    gtin: str = ""  # GTIN-14
    printed: str = ""  # the barcode as printed: UPC-A (12) or EAN-13 (13 digits)
    in_catalog: bool = True
    brand_in_name: bool = True  # the catalog name carries the brand
    maker: str | None = None  # the company behind the brand

    @property
    def name(self) -> str:
        """The catalog's name: parts in order, a trailing size/pack group after commas."""
        words: list[str] = []
        tail = ("size", "pack", "apparel")
        for i, part in enumerate(self.parts):
            text = self._canonical_text(part)
            if not text:
                continue
            trailing = all(p.kind in tail for p in self.parts[i:])
            if trailing and words:
                words[-1] += ","
            words.append(text)
        return " ".join(words)

    def _canonical_text(self, part: Part) -> str:
        if part.kind == "brand":
            return self.brand if self.brand_in_name else ""
        if part.kind == "size":
            return canonical_size(self.size) if self.size else ""
        if part.kind == "pack":
            return f"{self.pack} {self.pack_word}" if self.pack else ""
        if part.kind == "apparel":
            return APPAREL_CANON[part.text]
        return part.text


@dataclass(frozen=True)
class Category:
    """A grocery or household category: families are (brand, line); products are the
    variants × size/pack options of a family."""

    group: str
    nouns: tuple[str, ...]
    lines: tuple[str, ...]
    variants: tuple[str, ...]
    options: tuple[tuple[Size | None, int | None], ...]
    order: str = "brand line variant noun size pack"
    brands: tuple[str, ...] = ()
    pack_word: str = "Pack"


def oz(v: float) -> Size:
    return Size(v, "oz")


def floz(v: float) -> Size:
    return Size(v, "floz")


def ct(v: float) -> Size:
    return Size(v, "ct")


GROCERY_BRANDS = (
    "Harvest Lane", "Blue Harbor", "Sunny Vale", "Oak & Ember", "Golden Mill", "Red Barn",
    "Maple Row", "Prairie Gold", "Cedar Creek", "True North", "Little Farm", "Silver Spoon",
    "Highland", "Riverstone", "Green Valley", "Nature's Table", "Mama Rosa's", "Baker's Choice",
    "Fizzco", "Crystal Springs", "Polar Peak", "Morning Glory", "Sweet Meadow", "Happy Cow",
    "Farmer John's", "Kettle King", "Crunch Time", "Bella Italia", "Old Mill", "Sunrise",
    "Frosty Farms", "Brewster's", "Top Shelf", "Everyday Value", "Market Select",
    "Simply Good", "Kellogg's", "Heinz", "Barilla", "Lay's",
)  # fmt: skip
HOUSEHOLD_BRANDS = (
    "CleanWave", "Fresh & Bright", "Purelle", "Sparkle", "BrightSmile", "Dentex", "SilkLocks",
    "HydraCare", "SoftTouch", "Strongbag", "TuffGuard", "LittleSteps", "Snuggle Baby", "Tide",
    "Colgate", "Everyday Value", "Market Select",
)  # fmt: skip
MAKERS = ("Allied Foods Inc", "Northstar Brands", "Consolidated Household Co", "Unified Goods")

CATEGORIES = (
    Category(
        "grocery", ("Cereal",),
        ("Frosted Flakes", "Corn Flakes", "Honey Oat Clusters", "Raisin Bran", "Crispy Rice",
         "Toasted Oats", "Granola Crunch", "Bran Flakes"),
        ("Original", "Honey Nut", "Chocolate", "Cinnamon", "Mixed Berry", "Frosted"),
        ((oz(10.8), None), (oz(12), None), (oz(18), None), (oz(24), None)),
    ),
    Category(
        "grocery", ("Potato Chips",),
        ("Kettle Cooked", "Wavy", "Classic", "Baked", "Thin & Crispy", "Ridged"),
        ("Original", "Sea Salt & Vinegar", "Sour Cream & Onion", "Barbecue", "Jalapeño",
         "Cheddar & Sour Cream", "Salt & Pepper", "Lightly Salted"),
        ((oz(1), None), (oz(2.5), None), (oz(7.75), None), (oz(8), None), (oz(13), None)),
    ),
    Category(
        "grocery", ("Soda",),
        ("Cola", "Lemon-Lime", "Root Beer", "Ginger Ale", "Orange", "Cream Soda"),
        ("", "Diet", "Zero Sugar", "Cherry", "Vanilla", "Caffeine Free"),
        ((floz(12), 6), (floz(12), 12), (floz(12), 24), (floz(20), None), (Size(2, "l"), None)),
        order="brand variant line noun size pack",
    ),
    Category(
        "grocery", ("Sparkling Water",),
        ("", "Essence", "Mineral"),
        ("Pure", "Lime", "Lemon", "Grapefruit", "Black Cherry", "Mango", "Berry", "Coconut"),
        ((floz(12), 8), (floz(12), 12), (Size(1, "l"), None), (floz(16.9), None)),
    ),
    Category(
        "grocery", ("Greek Yogurt",),
        ("Nonfat", "Whole Milk", "Low Fat", "Blended", "Fruit on the Bottom"),
        ("Plain", "Vanilla", "Strawberry", "Blueberry", "Peach", "Honey", "Black Cherry"),
        ((oz(5.3), None), (oz(5.3), 4), (oz(32), None)),
    ),
    Category(
        "grocery", ("Peanut Butter",),
        ("Creamy", "Crunchy", "Natural Creamy", "Natural Crunchy", "Reduced Fat Creamy"),
        ("", "Honey Roasted"),
        ((oz(16), None), (oz(28), None), (oz(40), None)),
    ),
    Category(
        "grocery", ("Pasta Sauce",),
        ("", "Organic", "Premium"),
        ("Marinara", "Traditional", "Tomato Basil", "Four Cheese", "Roasted Garlic", "Mushroom",
         "Spicy Marinara", "Vodka"),
        ((oz(24), None), (oz(45), None)),
    ),
    Category(
        "grocery", ("Pasta",),
        ("", "Whole Grain", "Protein+", "Gluten Free"),
        ("Spaghetti", "Penne Rigate", "Rotini", "Elbows", "Linguine", "Farfalle", "Fettuccine",
         "Angel Hair"),
        ((oz(16), None), (Size(2, "lb"), None)),
    ),
    Category(
        "grocery", ("Ground Coffee", "Coffee Pods"),
        ("", "Organic"),
        ("Medium Roast", "Dark Roast", "Breakfast Blend", "Colombian", "French Roast",
         "House Blend", "Decaf Medium Roast"),
        ((oz(12), None), (oz(24.2), None), (ct(12), None), (ct(24), None), (ct(48), None)),
    ),
    Category(
        "grocery", ("Ice Cream",),
        ("", "Light", "Premium"),
        ("Vanilla", "Chocolate", "Cookies & Cream", "Mint Chocolate Chip", "Strawberry",
         "Butter Pecan", "Rocky Road", "Salted Caramel"),
        ((Size(1.5, "qt"), None), (floz(14), None)),
    ),
    Category(
        "grocery", ("Orange Juice",),
        ("", "Premium", "Not From Concentrate"),
        ("No Pulp", "Some Pulp", "Lots of Pulp", "Calcium & Vitamin D", "Low Acid"),
        ((floz(12), None), (floz(52), None), (floz(89), None)),
    ),
    Category(
        "grocery", ("Cookies",),
        ("", "Soft Baked", "Thins", "Mini"),
        ("Chocolate Chip", "Double Chocolate", "Oatmeal Raisin", "Peanut Butter", "Sugar",
         "Snickerdoodle"),
        ((oz(7), None), (oz(13), None), (oz(18), None)),
    ),
    Category(
        "grocery", ("Granola Bars",),
        ("Chewy", "Crunchy", "Protein", "Soft Baked"),
        ("Oats & Honey", "Peanut Butter", "Dark Chocolate", "Chocolate Chip", "Almond",
         "Cranberry Almond"),
        ((ct(6), None), (ct(12), None), (ct(24), None)),
    ),
    Category(
        "grocery", ("Purified Drinking Water",),
        ("",),
        ("",),
        ((floz(16.9), 24), (floz(16.9), 32), (floz(16.9), 40), (Size(1, "gal"), None),
         (Size(1.5, "l"), None)),
    ),
    Category(
        "grocery", ("Soup",),
        ("Condensed", "Chunky", "Homestyle", "Low Sodium"),
        ("Chicken Noodle", "Tomato", "Cream of Mushroom", "Minestrone", "Clam Chowder",
         "Beef Barley", "Vegetable"),
        ((oz(10.75), None), (oz(18.6), None), (oz(19), None)),
        order="brand line variant noun size pack",
    ),
    Category(
        "grocery", ("Chocolate Bar",),
        ("Milk Chocolate", "Dark Chocolate", "Extra Dark"),
        ("", "Almond", "Sea Salt", "Caramel", "Hazelnut", "Crisped Rice", "Mint"),
        ((oz(1.55), None), (oz(3.5), None), (oz(4.4), None), (oz(1.55), 6)),
    ),
    Category(
        "grocery", ("Frozen Pizza",),
        ("Rising Crust", "Thin Crust", "Stuffed Crust"),
        ("Pepperoni", "Four Cheese", "Supreme", "Margherita", "Sausage", "BBQ Chicken"),
        ((oz(21.6), None), (oz(26), None), (oz(31.5), None)),
    ),
    Category(
        "grocery", ("Tea Bags",),
        ("", "Organic"),
        ("Green", "Black", "Earl Grey", "Chamomile", "Peppermint", "English Breakfast",
         "Jasmine Green"),
        ((ct(20), None), (ct(40), None), (ct(100), None)),
    ),
    Category(
        "household", ("Liquid Laundry Detergent",),
        ("", "Free & Clear", "Ultra Concentrated", "Plus Oxi"),
        ("Original", "Spring Meadow", "Lavender", "Fresh Linen", "Mountain Breeze"),
        ((floz(46), None), (floz(92), None), (floz(150), None)),
    ),
    Category(
        "household", ("Dish Soap",),
        ("", "Ultra", "Platinum"),
        ("Original", "Lemon", "Apple Blossom", "Lavender", "Free & Clear"),
        ((floz(19.4), None), (floz(28), None), (floz(38), None)),
    ),
    Category(
        "household", ("Toothpaste",),
        ("Total", "Advanced Whitening", "Cavity Protection", "Sensitive", "Optic White"),
        ("", "Fresh Mint", "Clean Mint", "Charcoal", "Gel"),
        ((oz(4), None), (oz(4.8), None), (oz(6), None), (oz(4.8), 2)),
    ),
    Category(
        "household", ("Shampoo", "Conditioner"),
        ("Moisturizing", "Volumizing", "Clarifying", "Anti-Dandruff", "Color Care",
         "Smooth & Silky"),
        ("", "Coconut", "Argan Oil", "Tea Tree", "Lavender", "Citrus"),
        ((floz(12), None), (floz(20), None), (floz(33.8), None)),
    ),
    Category(
        "household", ("Paper Towels",),
        ("Select-A-Size", "Full Sheet"),
        ("Double Rolls", "Mega Rolls", "Triple Rolls"),
        ((None, 2), (None, 6), (None, 8), (None, 12)),
        order="brand line noun variant pack",
    ),
    Category(
        "household", ("Tall Kitchen Trash Bags", "Large Trash Bags"),
        ("", "Drawstring", "Flex"),
        ("", "Unscented", "Lavender", "Fresh Clean"),
        ((Size(13, "gal"), 40), (Size(13, "gal"), 80), (Size(30, "gal"), 40),
         (Size(33, "gal"), 25)),
        pack_word="Count",
    ),
    Category(
        "household", ("Diapers",),
        ("Swaddlers", "Cruisers", "Baby Dry", "Pure Protection"),
        ("Size 1", "Size 2", "Size 3", "Size 4", "Size 5", "Size 6"),
        ((None, 84), (None, 124), (None, 168)),
        order="brand line noun variant pack",
        pack_word="Count",
    ),
    Category(
        "household", ("Batteries",),
        ("Coppertop", "Quantum", "MAX", "Ultimate Lithium", "Recharge"),
        ("AA", "AAA", "C", "D", "9V"),
        ((None, 4), (None, 8), (None, 16), (None, 24)),
        order="brand line variant noun pack",
        brands=("Duracell", "Energizer", "PowerCell", "Everyday Value"),
    ),
)  # fmt: skip
SHARED_LINE_SHARE = 0.3  # a line another brand (often the store brand) also makes

APPAREL_CANON = {"S": "Small", "M": "Medium", "L": "Large", "XL": "X-Large"}
APPAREL_STORE = {
    "S": ("S", "SM", "Small"), "M": ("M", "MD", "Med"), "L": ("L", "LG", "Large"),
    "XL": ("XL", "X-Large", "Extra Large"),
}  # fmt: skip


def identity(p: TrueProduct) -> tuple[object, ...]:
    """What makes a product itself: a model code (with colour and pack) pins it down;
    otherwise its brand, words, size and pack, whether or not the name shows the brand."""
    model = next((q.text.lower() for q in p.parts if q.kind == "model"), None)
    if model is not None:
        variant = tuple(q.text for q in p.parts if q.kind in ("variant", "apparel"))
        return (p.brand, model, variant, p.pack)
    words = tuple((q.kind, q.text) for q in p.parts if q.kind != "brand")
    return (p.brand, words, p.size, p.pack)


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


# --------------------------------------------------------------------------- barcodes


def check_digit(body: str) -> str:
    """GS1 mod-10 check digit of a code without its check digit."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return str((10 - total % 10) % 10)


def assign_gtins(products: list[TrueProduct], rng: random.Random) -> list[TrueProduct]:
    """UPC-A (US brands, number system 0/7/8) or EAN-13 (European prefixes) per brand."""
    prefixes: dict[str, str] = {}
    counters: Counter[str] = Counter()
    out = []
    for p in products:
        if p.brand not in prefixes:
            i = len(prefixes) + 1
            company = f"{(i * 7919 + 10007) % 90000 + 10000:05d}"
            if rng.random() < 0.25:
                prefixes[p.brand] = rng.choice(("40", "50", "54", "76", "80")) + company
            else:
                prefixes[p.brand] = rng.choice("00078") + company
        counters[p.brand] += 1
        body = prefixes[p.brand] + f"{counters[p.brand]:05d}"
        printed = body + check_digit(body)
        out.append(replace(p, gtin=printed.zfill(14), printed=printed))
    return out


def valid_form(p: TrueProduct, form: str) -> str | int:
    """A correct barcode in one of the shapes stores export."""
    code = p.printed
    if form == "ean13":
        return p.gtin[1:]
    if form == "gtin14":
        return p.gtin
    if form == "nolead":  # a spreadsheet dropped the leading zeros
        return p.gtin.lstrip("0")
    if form == "int":  # a JSON number
        return int(p.gtin)
    if form == "spaced":
        return f"{code[0]} {code[1:6]} {code[6:11]} {code[11:]}" if len(code) == 12 else code
    if form == "hyphen":
        return f"{code[:1]}-{code[1:7]}-{code[7:]}"
    return code


def malformed_form(p: TrueProduct, kind: str, rng: random.Random) -> str:
    """A barcode the normalizer must refuse (so the product goes to name matching)."""
    code = p.printed
    if kind == "check":
        wrong = (int(code[-1]) + rng.randint(1, 9)) % 10
        return code[:-1] + str(wrong)
    if kind == "excel":
        return f"{int(code):.5E}"
    if kind == "zeros":
        return "0" * len(code)
    if kind == "short":
        return code[-6:]
    return rng.choice(("N/A", "NONE", "-"))


# --------------------------------------------------------------------------- store habits


@dataclass(frozen=True)
class StoreStyle:
    name: str
    prefix: str  # external id prefix
    groups: frozenset[str]
    sells: float  # share of the groups' products the store sells
    case: str = "asis"  # upper, lower, asis, mixed
    brand_in_name: float = 0.9
    brand_field: float = 0.5
    maker_field: float = 0.0  # the maker instead of the brand, when there is one
    alias: float = 0.2  # brand spelled differently (Kelloggs, Oak and Ember, ...)
    abbreviate: float = 0.0  # per abbreviable word
    units: tuple[str, ...] = ("spaced",)
    packs: tuple[str, ...] = ("pack",)
    orders: tuple[tuple[str, float], ...] = (("standard", 1.0),)
    typo: float = 0.05
    drop_noun: float = 0.0
    drop_default: float = 0.5  # "Original" and friends
    drop_desc: float = 0.0
    code_style: float = 0.0  # model codes without hyphens / with spaces
    extras: tuple[str, ...] = ()
    extra_share: float = 0.0
    max_len: int | None = None
    valid: float = 0.6
    malformed: float = 0.05
    forms: tuple[str, ...] = ("native",)
    bad_kinds: tuple[str, ...] = ("check",)


ALL_GROUPS = frozenset({"grocery", "household", "electronics", "apparel"})
STORES = (
    StoreStyle(
        "Corner Mart", "CM", frozenset({"grocery", "household"}), 0.55, case="upper",
        brand_in_name=0.85, brand_field=0.0, alias=0.3, abbreviate=0.6, units=("compact",),
        packs=("pk", "slash"), orders=(("standard", 0.8), ("size_first", 0.2)), typo=0.05,
        drop_noun=0.4, drop_default=0.7, drop_desc=0.3, extras=("EA",), extra_share=0.3,
        max_len=36, valid=0.55, malformed=0.10, forms=("native",), bad_kinds=("check", "short"),
    ),
    StoreStyle(
        "FreshWay Grocers", "FW", frozenset({"grocery", "household"}), 0.5,
        brand_in_name=0.25, brand_field=0.95, alias=0.2, abbreviate=0.1,
        units=("spaced", "words"), packs=("pack", "ct"),
        orders=(("standard", 0.6), ("variant_last", 0.4)), typo=0.08, drop_noun=0.2,
        valid=0.5, malformed=0.05, forms=("nolead",), bad_kinds=("excel",),
    ),
    StoreStyle(
        "Maple Market", "MM", frozenset({"grocery", "household", "apparel"}), 0.45,
        brand_in_name=0.9, brand_field=0.5, abbreviate=0.15, units=("metric",),
        packs=("x", "pack"), orders=(("standard", 0.6), ("noun_first", 0.4)),
        valid=0.45, malformed=0.05, forms=("ean13", "gtin14"), bad_kinds=("check", "zeros"),
    ),
    StoreStyle(
        "QuickStop", "QS", frozenset({"grocery", "household", "electronics"}), 0.35,
        case="mixed", brand_in_name=0.7, brand_field=0.3, maker_field=0.3, abbreviate=0.3,
        units=("words", "compact"), packs=("slash", "pk", "packof"), typo=0.2,
        drop_desc=0.3, extras=("CAN", "BTL", "1CT"), extra_share=0.25,
        valid=0.4, malformed=0.15, forms=("native", "int"), bad_kinds=("check", "na", "excel"),
    ),
    StoreStyle(
        "Tech Depot", "TD", frozenset({"electronics"}), 0.7, case="upper", brand_in_name=0.9,
        brand_field=0.8, abbreviate=0.5, units=("compact",), packs=("pk",),
        orders=(("standard", 0.6), ("model_first", 0.4)), drop_desc=0.5, code_style=0.5,
        valid=0.5, malformed=0.1, forms=("gtin14", "native"), bad_kinds=("check", "short"),
    ),
    StoreStyle(
        "Big Box Online", "BB", ALL_GROUPS, 0.5, brand_in_name=0.95, brand_field=0.9,
        alias=0.1, units=("words", "spaced"), packs=("packof", "pack"),
        orders=(("standard", 0.7), ("brand_last", 0.3)), typo=0.03, drop_default=0.2,
        extras=("(New)", "- Value Size"), extra_share=0.05,
        valid=0.65, malformed=0.05, forms=("spaced", "hyphen", "native"), bad_kinds=("check",),
    ),
    StoreStyle(
        "Village Pantry", "VP", frozenset({"grocery"}), 0.3, case="lower", brand_in_name=0.5,
        brand_field=0.5, abbreviate=0.4, units=("compact", "spaced"), packs=("pk", "ct"),
        typo=0.1, drop_noun=0.3, valid=0.2, malformed=0.05, forms=("native",),
    ),
    StoreStyle(
        "Campus Shop", "CS", frozenset({"grocery", "electronics", "apparel"}), 0.3,
        case="upper", brand_in_name=0.8, brand_field=0.2, abbreviate=0.5, units=("compact",),
        packs=("pk",), typo=0.1, drop_desc=0.5, code_style=0.3, max_len=30,
        valid=0.5, malformed=0.1, forms=("native", "nolead"), bad_kinds=("check", "short"),
    ),
)  # fmt: skip

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


@dataclass(frozen=True)
class StoreItem:
    store: str
    external_id: str
    name: str
    brand: str | None
    upc: str | int | None
    barcode_kind: str  # valid:<form>, bad:<kind>, missing
    truth: int  # the true product's key

    def payload(self) -> dict[str, Any]:
        item: dict[str, Any] = {"external_id": self.external_id, "name": self.name}
        if self.brand is not None:
            item["brand"] = self.brand
        if self.upc is not None:
            item["upc"] = self.upc
        return item


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


def store_barcode(
    p: TrueProduct, style: StoreStyle, rng: random.Random
) -> tuple[str | int | None, str]:
    r = rng.random()
    if r < style.valid:
        form = rng.choice(style.forms)
        return valid_form(p, form), f"valid:{form}"
    if r < style.valid + style.malformed:
        kind = rng.choice(style.bad_kinds)
        return malformed_form(p, kind, rng), f"bad:{kind}"
    return None, "missing"


def store_items(products: Sequence[TrueProduct], style: StoreStyle, seed: int) -> list[StoreItem]:
    rng = random.Random(f"{seed}:{style.name}")
    items = []
    for p in products:
        if p.group not in style.groups or rng.random() >= style.sells:
            continue
        upc, kind = store_barcode(p, style, rng)
        external_id = f"{style.prefix}{len(items) + 1:06d}"
        name = store_name(p, style, rng)
        items.append(
            StoreItem(style.name, external_id, name, store_brand(p, style, rng), upc, kind, p.key)
        )
    return items


@dataclass
class Marketplace:
    products: list[TrueProduct]
    families: int
    stores: list[StoreStyle]
    items: dict[str, list[StoreItem]]  # store name → its products

    @property
    def n_items(self) -> int:
        return sum(len(v) for v in self.items.values())


def build_marketplace(seed: int, n_products: int, n_stores: int, new_share: float) -> Marketplace:
    rng = random.Random(seed)
    products, families = build_truth(rng, n_products, new_share)
    stores = list(STORES[:n_stores])
    items = {s.name: store_items(products, s, seed) for s in stores}
    return Marketplace(products, families, stores, items)


# --------------------------------------------------------------------------- backends


def base_settings(tmp: Path, database_url: str) -> Settings:
    return Settings().replace(
        database_url=database_url,
        cache_url=f"file://{tmp}/cache",
        originals_url=f"file://{tmp}/originals",
        memory_cache_mb=8,
        disk_cache_mb=16,
        render_workers=2,
    )


@contextlib.asynccontextmanager
async def backend(name: str, args: argparse.Namespace) -> AsyncIterator[Settings]:
    with tempfile.TemporaryDirectory(prefix="imgedge-bench-match-") as tmp:
        if name == "sqlite":
            yield base_settings(Path(tmp), f"sqlite:///{tmp}/catalog.db")
            return
        url = await recreate_database(args.admin_url, args.database)
        try:
            yield base_settings(Path(tmp), url)
        finally:
            if not args.keep:
                await drop_database(args.admin_url, args.database)


# --------------------------------------------------------------------------- the API


class SyncClient:
    """Pushes pre-encoded batches through POST /api/sync/products (in process)."""

    def __init__(self, http: httpx.AsyncClient, concurrency: int) -> None:
        self.http = http
        self.concurrency = concurrency

    async def push(self, key: str, payloads: Sequence[dict[str, Any]]) -> tuple[list[dict], float]:
        """Every product's answer (in order) and the wall time of the requests alone."""
        bodies = [
            json.dumps({"products": list(payloads[i : i + BATCH])}).encode()
            for i in range(0, len(payloads), BATCH)
        ]
        headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
        answers: list[list[dict]] = [[] for _ in bodies]
        todo = iter(range(len(bodies)))

        async def sender() -> None:
            for i in todo:
                resp = await self.http.post(
                    "/api/sync/products", content=bodies[i], headers=headers
                )
                if resp.status_code != 200:
                    raise RuntimeError(f"sync answered {resp.status_code}: {resp.text[:300]}")
                answers[i] = resp.json()["results"]

        started = time.perf_counter()
        await asyncio.gather(*(sender() for _ in range(self.concurrency)))
        elapsed = time.perf_counter() - started
        return [a for batch in answers for a in batch], elapsed


async def create_store(svc: Services, name: str) -> str:
    key = new_store_key()
    await svc.catalog.create_store(name, hash_token(key))
    return key


@contextlib.asynccontextmanager
async def running(
    settings: Settings, concurrency: int
) -> AsyncIterator[tuple[Services, SyncClient]]:
    async with open_services(settings) as svc:
        app = create_app(settings, services=svc)
        app.state.services = svc
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://bench.test", timeout=600
        ) as http:
            yield svc, SyncClient(http, concurrency)


# --------------------------------------------------------------------------- evaluation


@dataclass
class Outcome:
    item: StoreItem
    product_id: int
    via_gtin: bool  # linked at sync time by its barcode
    canonical_id: int | None = None
    status: str = ""
    confidence: float | None = None
    top: tuple[tuple[int, float], ...] = ()


@dataclass
class Report:
    backend: str
    rows: dict[str, str] = field(default_factory=dict)
    wrong: list[str] = field(default_factory=list)
    precision: float | None = None
    gtin_sync_rate: float | None = None


async def seed_catalog(svc: Services, products: Iterable[TrueProduct]) -> dict[int, int]:
    """Canonical products for the catalog's share of the truth: canonical id → true key."""
    truth_of: dict[int, int] = {}
    for p in products:
        if p.in_catalog:
            c = await svc.catalog.create_canonical_product(gtin=p.gtin, name=p.name, brand=p.brand)
            truth_of[c.id] = p.key
    return truth_of


async def sync_marketplace(
    svc: Services, client: SyncClient, market: Marketplace, truth_of: dict[int, int]
) -> tuple[list[Outcome], float]:
    outcomes: list[Outcome] = []
    elapsed = 0.0
    for style in market.stores:
        items = market.items[style.name]
        key = await create_store(svc, style.name)
        answers, took = await client.push(key, [i.payload() for i in items])
        elapsed += took
        for item, answer in zip(items, answers, strict=True):
            if "error" in answer:
                raise RuntimeError(f"{style.name} {item.external_id}: {answer['error']}")
            via_gtin = answer["match_status"] == "linked"
            if answer["created_canonical"]:
                truth_of[answer["canonical_product_id"]] = item.truth
            outcomes.append(Outcome(item, answer["product_id"], via_gtin))
    return outcomes, elapsed


async def drain(svc: Services, workers: int) -> tuple[Counter[str], float]:
    options = WorkerOptions.from_settings(svc.settings)
    pool = [MatchWorker(svc.catalog, options) for _ in range(workers)]
    started = time.perf_counter()
    results = await asyncio.gather(*(w.run(drain=True) for w in pool))
    elapsed = time.perf_counter() - started
    total: Counter[str] = Counter()
    for stats in results:
        total.update(stats)
    return total, elapsed


async def read_back(svc: Services, outcomes: list[Outcome]) -> None:
    for o in outcomes:
        product = await svc.catalog.get_store_product(o.product_id)
        assert product is not None
        o.canonical_id = product.canonical_product_id
        o.status = str(product.match_status)
        o.confidence = product.match_confidence
        if not o.via_gtin:
            item = await svc.catalog.get_match_item_for_product(o.product_id)
            if item is not None:
                o.top = item.candidates
                if item.status is QueueStatus.FAILED:
                    o.status = "failed"


def pct(part: float, whole: float) -> str:
    return f"{part / whole:.1%}" if whole else "n/a"


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """95% Wilson score interval of a proportion k/n."""
    if n == 0:
        return 0.0, 1.0
    p = k / n
    centre = p + z * z / (2 * n)
    spread = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return (centre - spread) / (1 + z * z / n), (centre + spread) / (1 + z * z / n)


def ratio(part: int, whole: int) -> str:
    return f"{pct(part, whole)} ({part:,}/{whole:,})"


@dataclass
class Truth:
    """What the evaluation needs to know about the canonical catalog after the sync."""

    by_key: dict[int, TrueProduct]
    truth_of: dict[int, int]  # canonical id → true key
    seeded: set[int]  # canonical ids seeded from the truth (the rest a sync created)

    def __post_init__(self) -> None:
        self.canonical_of = {t: c for c, t in self.truth_of.items()}

    def right(self, o: Outcome) -> bool:
        return o.canonical_id is not None and self.truth_of.get(o.canonical_id) == o.item.truth

    def exists(self, o: Outcome) -> bool:
        return o.item.truth in self.canonical_of


def sync_rows(outcomes: list[Outcome], truth: Truth, rows: dict[str, str]) -> None:
    gtin = [o for o in outcomes if o.via_gtin]
    rows["store products synced"] = f"{len(outcomes):,}"
    rows["  linked by GTIN at sync"] = ratio(len(gtin), len(outcomes))
    rows["  GTIN links correct"] = ratio(sum(map(truth.right, gtin)), len(gtin))
    rows["  queued for name matching"] = ratio(len(outcomes) - len(gtin), len(outcomes))


def name_rows(queued: list[Outcome], truth: Truth, report: Report) -> list[Outcome]:
    """Rows about the name path; returns the wrong auto-links."""
    rows = report.rows
    linked = [o for o in queued if o.status == MatchStatus.LINKED]
    right = [o for o in linked if truth.right(o)]
    wrong = [o for o in linked if not truth.right(o)]
    report.precision = len(right) / len(linked) if linked else None
    rows["name path: auto-linked (of queued)"] = ratio(len(linked), len(queued))
    low, high = wilson(len(right), len(linked))
    rows["  auto-link PRECISION (target ≥ 99%)"] = (
        f"{ratio(len(right), len(linked))} 95% CI {low:.1%}–{high:.1%}"
    )
    no_truth = sum(not truth.exists(o) for o in wrong)
    pos_named = sum(o.canonical_id not in truth.seeded for o in wrong)
    rows["    wrong: truth absent / POS-named target"] = f"{no_truth:,} / {pos_named:,}"
    rows["  recall (true canonical exists)"] = ratio(len(right), sum(map(truth.exists, queued)))
    suggested = [o for o in queued if o.status == MatchStatus.SUGGESTED]
    rows["  suggested (of queued)"] = ratio(len(suggested), len(queued))
    with_truth = [o for o in suggested if truth.exists(o)]
    top1 = sum(bool(o.top) and o.top[0][0] == truth.canonical_of[o.item.truth] for o in with_truth)
    top5 = sum(truth.canonical_of[o.item.truth] in {c for c, _ in o.top} for o in with_truth)
    rows["    top suggestion right"] = ratio(top1, len(with_truth))
    rows["    true product in top 5"] = ratio(top5, len(with_truth))
    review = [o for o in queued if o.status == MatchStatus.REVIEW]
    rows["  review (of queued)"] = ratio(len(review), len(queued))
    absent = sum(not truth.exists(o) for o in review)
    rows["    of which truly new products"] = ratio(absent, len(review))
    left = len(queued) - len(linked) - len(suggested) - len(review)
    rows["  failed or not processed"] = f"{left:,}"
    return wrong


def overall_rows(outcomes: list[Outcome], truth: Truth, rows: dict[str, str]) -> None:
    rows["recall, GTIN + name"] = ratio(
        sum(map(truth.right, outcomes)), sum(map(truth.exists, outcomes))
    )
    in_use = Counter(o.canonical_id for o in outcomes if o.canonical_id is not None)
    n_linked = sum(in_use.values())
    ideal = len(outcomes) / len({o.item.truth for o in outcomes})
    rows["dedup: store products / canonical"] = (
        f"{n_linked / max(1, len(in_use)):.2f} ({n_linked:,}/{len(in_use):,}; "
        f"{ideal:.2f} if all linked right)"
    )


async def evaluate(
    svc: Services, outcomes: list[Outcome], truth: Truth, report: Report, show_wrong: int
) -> None:
    sync_rows(outcomes, truth, report.rows)
    wrong = name_rows([o for o in outcomes if not o.via_gtin], truth, report)
    overall_rows(outcomes, truth, report.rows)
    report.wrong = [await describe_wrong(svc, o, truth) for o in wrong[:show_wrong]]
    if len(wrong) > show_wrong:
        report.wrong.append(f"  ... and {len(wrong) - show_wrong} more (--show-wrong N)")


async def describe_wrong(svc: Services, o: Outcome, truth: Truth) -> str:
    """The store's name and brand, the canonical product it was linked to (with the reasons
    the scorer gives for that pair now) and the truth."""
    assert o.canonical_id is not None
    linked = await svc.catalog.get_canonical_product(o.canonical_id)
    assert linked is not None
    scored = score_candidates(
        o.item.name, o.item.brand, None, [Candidate(linked.id, linked.name, linked.brand)]
    )
    reasons = ",".join(scored[0].reasons) if scored else ""
    origin = "" if linked.id in truth.seeded else " (created by a sync from a POS name)"
    where = "has a canonical" if truth.exists(o) else "no canonical yet"
    return (
        f"  {o.item.store}: {o.item.name!r} [brand {o.item.brand!r}] → {linked.name!r} "
        f"[brand {linked.brand!r}]{origin} score {o.confidence} ({reasons}); "
        f"truth {truth.by_key[o.item.truth].name!r} ({where})"
    )


def dump(path: Path, backend_name: str, outcomes: list[Outcome], truth_of: dict[int, int]) -> None:
    with path.open("a") as f:
        for o in outcomes:
            record = {
                "backend": backend_name, "store": o.item.store, "name": o.item.name,
                "brand": o.item.brand, "upc": o.item.upc, "barcode": o.item.barcode_kind,
                "truth": o.item.truth, "via_gtin": o.via_gtin, "status": o.status,
                "canonical": o.canonical_id, "canonical_truth": truth_of.get(o.canonical_id or 0),
                "confidence": o.confidence, "top": o.top,
            }  # fmt: skip
            f.write(json.dumps(record) + "\n")


# --------------------------------------------------------------------------- throughput


def throughput_payloads(market: Marketplace, n: int, gtins: bool, seed: int) -> list[dict]:
    """`n` realistic products; with `gtins`, new valid EAN-13s (prefix 97, never used above)."""
    rng = random.Random(f"{seed}:sync")
    payloads = []
    for i in range(n):
        p = market.products[i % len(market.products)]
        style = market.stores[i % len(market.stores)]
        item: dict[str, Any] = {"external_id": f"T{i:07d}", "name": store_name(p, style, rng)}
        item["brand"] = p.brand
        if gtins:
            body = f"97{i:010d}"
            item["upc"] = body + check_digit(body)
        payloads.append(item)
    return payloads


async def sync_throughput(
    svc: Services, client: SyncClient, market: Marketplace, n: int, seed: int, report: Report
) -> None:
    with_gtin = throughput_payloads(market, n, gtins=True, seed=seed)
    phases = (
        ("new GTINs (canonical created)", with_gtin, False),
        ("known GTINs, cold GTIN map", with_gtin, True),
        ("known GTINs, warm GTIN map", with_gtin, False),
        ("no barcode (queued for matching)", throughput_payloads(market, n, False, seed), False),
    )
    for i, (label, payloads, clear_map) in enumerate(phases):
        if clear_map:
            svc.sync.gtin_map.clear()
        key = await create_store(svc, f"Sync bench {i}")
        answers, elapsed = await client.push(key, payloads)
        statuses = Counter(a.get("match_status", "error") for a in answers)
        expected = "queued" if "no barcode" in label else "linked"
        if statuses[expected] != n:
            raise RuntimeError(f"{label}: unexpected outcomes {dict(statuses)}")
        rate = n / elapsed
        rows_label = f"  {label}"
        report.rows[rows_label] = f"{rate:,.0f}/s ({elapsed:.1f} s)"
        if "known GTINs, cold" in label:
            report.gtin_sync_rate = rate


# --------------------------------------------------------------------------- one backend


async def run_backend(name: str, market: Marketplace, args: argparse.Namespace) -> Report:
    report = Report(name)
    async with (
        backend(name, args) as settings,
        running(settings, args.concurrency) as (svc, client),
    ):
        started = time.perf_counter()
        truth_of = await seed_catalog(svc, market.products)
        seeded = set(truth_of)
        log(f"[{name}] catalog seeded with {len(truth_of):,} canonical products "
            f"in {time.perf_counter() - started:.1f} s")  # fmt: skip
        outcomes, sync_s = await sync_marketplace(svc, client, market, truth_of)
        log(f"[{name}] marketplace synced: {len(outcomes):,} products in {sync_s:.1f} s")
        stats, drain_s = await drain(svc, args.workers)
        decided = stats["link"] + stats["suggest"] + stats["review"]
        log(f"[{name}] queue drained: {dict(stats)} in {drain_s:.1f} s")
        await read_back(svc, outcomes)
        truth = Truth({p.key: p for p in market.products}, truth_of, seeded)
        await evaluate(svc, outcomes, truth, report, args.show_wrong)
        report.rows["worker: fuzzy matches/s"] = (
            f"{decided / drain_s:,.0f}/s ({decided:,} in {drain_s:.1f} s, {args.workers} worker)"
        )
        if args.dump:
            dump(Path(args.dump), name, outcomes, truth_of)
        report.rows[f"sync throughput, {args.sync_n:,} products"] = ""
        await sync_throughput(svc, client, market, args.sync_n, args.seed, report)
    return report


# --------------------------------------------------------------------------- output


def log(message: str) -> None:
    """Progress, on stderr: the report on stdout stays a clean table."""
    print(message, file=sys.stderr, flush=True)


def print_header(market: Marketplace, args: argparse.Namespace) -> None:
    in_catalog = sum(p.in_catalog for p in market.products)
    groups = Counter(p.group for p in market.products)
    kinds = Counter(i.barcode_kind.split(":")[0] for items in market.items.values() for i in items)
    n = market.n_items
    print(
        f"synthetic marketplace (seed {args.seed}): {len(market.products):,} true products in "
        f"{market.families:,} families ({', '.join(f'{g} {c:,}' for g, c in groups.items())}); "
        f"{in_catalog:,} in the canonical catalog, {len(market.products) - in_catalog:,} new"
    )
    stores = ", ".join(f"{s.name} {len(market.items[s.name]):,}" for s in market.stores)
    print(f"{len(market.stores)} stores, {n:,} store products: {stores}")
    print(
        f"barcodes: valid {pct(kinds['valid'], n)}, malformed {pct(kinds['bad'], n)}, "
        f"missing {pct(kinds['missing'], n)}"
    )
    print(
        f"API: POST /api/sync/products in process (httpx.ASGITransport → create_app + "
        f"open_services), batches of {BATCH}, {args.concurrency} request(s) in flight; "
        f"matcher: MatchWorker drain, thresholds 85/70; {os.cpu_count()} CPUs, "
        f"load average {os.getloadavg()[0]:.1f} at start"
    )


def print_reports(reports: list[Report]) -> None:
    labels = list(dict.fromkeys(label for r in reports for label in r.rows))
    width = max(len(label) for label in labels) + 2
    cols = [max(30, *(len(r.rows.get(label, "")) for label in labels)) + 2 for r in reports]
    print()
    print("".ljust(width) + "".join(r.backend.ljust(c) for r, c in zip(reports, cols, strict=True)))
    for label in labels:
        values = "".join(r.rows.get(label, "").ljust(c) for r, c in zip(reports, cols, strict=True))
        print(label.ljust(width) + values.rstrip())
    for r in reports:
        if r.wrong:
            print(f"\nwrong auto-links by name ({r.backend}):")
            print("\n".join(r.wrong))
    print()
    for r in reports:
        checks = []
        if r.precision is not None:
            verdict = "met" if r.precision >= PRECISION_TARGET else "MISSED"
            checks.append(f"precision {r.precision:.2%} (≥ 99%: {verdict})")
        if r.backend == "postgresql" and r.gtin_sync_rate is not None:
            verdict = "met" if r.gtin_sync_rate >= SYNC_TARGET else "MISSED"
            checks.append(f"GTIN sync {r.gtin_sync_rate:,.0f}/s (≥ 5,000/s: {verdict})")
        print(f"targets, {r.backend}: " + "; ".join(checks))


# --------------------------------------------------------------------------- main


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--products", type=int, default=3000, help="true products")
    parser.add_argument("--stores", type=int, default=6, choices=range(1, len(STORES) + 1))
    parser.add_argument("--new-share", type=float, default=0.1, help="products not in the catalog")
    parser.add_argument("--sync-n", type=int, default=100_000, help="products per sync phase")
    parser.add_argument("--workers", type=int, default=1, help="matcher workers while draining")
    parser.add_argument("--concurrency", type=int, default=1, help="sync requests in flight")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="800 products, --sync-n 5000")
    parser.add_argument("--show-wrong", type=int, default=8, help="wrong links to print each")
    parser.add_argument("--dump", help="append every store product's outcome here (JSONL)")
    parser.add_argument("--admin-url", default=ADMIN_URL, help="PostgreSQL admin database")
    parser.add_argument("--database", default="imgedge_bench_match")
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL database")
    args = parser.parse_args()
    if args.quick:
        args.products, args.sync_n = min(args.products, 800), min(args.sync_n, 5000)
    return args


async def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    args = parse_args()
    market = build_marketplace(args.seed, args.products, args.stores, args.new_share)
    print_header(market, args)
    names = ("sqlite", "postgresql") if args.backend == "both" else (args.backend,)
    reports = [await run_backend(name, market, args) for name in names]
    print_reports(reports)


if __name__ == "__main__":
    asyncio.run(main())
