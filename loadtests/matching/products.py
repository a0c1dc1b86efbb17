"""True products: what a product is, how the canonical catalog names it, its size."""

from __future__ import annotations

from dataclasses import dataclass


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


APPAREL_CANON = {"S": "Small", "M": "Medium", "L": "Large", "XL": "X-Large"}


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


def identity(p: TrueProduct) -> tuple[object, ...]:
    """What makes a product itself: a model code (with colour and pack) pins it down;
    otherwise its brand, words, size and pack, whether or not the name shows the brand."""
    model = next((q.text.lower() for q in p.parts if q.kind == "model"), None)
    if model is not None:
        variant = tuple(q.text for q in p.parts if q.kind in ("variant", "apparel"))
        return (p.brand, model, variant, p.pack)
    words = tuple((q.kind, q.text) for q in p.parts if q.kind != "brand")
    return (p.brand, words, p.size, p.pack)
