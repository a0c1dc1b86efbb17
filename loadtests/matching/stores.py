"""Store styles: which groups each store sells and its POS habits (names, brands, barcodes)."""

from __future__ import annotations

from dataclasses import dataclass


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
