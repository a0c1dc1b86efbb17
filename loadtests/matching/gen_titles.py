"""A second, independent marketplace generator: retailer titles of consumer electronics,
office and media products (`build_titles`, picked by `bench_matching.py --generator titles`).

The POS generator (families, pos_names, stores) writes grocery-style short names; this
one writes what shops' product feeds look like when several retailers describe the same
products in their own words (the shape of the public Abt-Buy and Amazon-Google
entity-matching sets). Modules: title_vocab (kinds, makers, code patterns, phrases),
title_truth (true products and the catalog retailer's titles), title_render (a shop's
title), this one (the shops, barcodes, feed attributes, the marketplace).

True products (per family = one maker's product line; rates are shares of products):
- 17 kinds in 10 groups: all-in-one / laser printers and fax machines, ink and toner,
  cell and cordless phones, cameras, camcorders, lenses, TVs, speakers, headphones,
  receivers, memory cards, USB drives, external drives, routers, coffee makers, vacuums,
  software boxes and video games (supplies ≈ 17%, games ≈ 11%, software ≈ 5%);
- near-duplicates kept distinct: sibling models of a line (DCR-SR45 / DCR-SR47, ~45% of
  families have 2–4 models), sizes and capacities of one model (8GB / 16GB, 42" / 46",
  2 / 3 handsets), colour variants with their own code suffix (KX-TG6432B / KX-TG6432S,
  ~15% of device models), standard and high-yield supplies (CE505A / CE505X, 40% of
  supply lines), a twin pack of a cartridge also sold singly (CE505X / CE505XD, ~30% of
  black cartridges), versions / editions / platforms of software (Windows / Mac / Win-Mac
  hybrid, 12% download editions) and the platforms of one game (PS3 / Xbox 360 / Wii);
- third-party compatible or remanufactured supplies named after the maker's part (~40%
  of original cartridges have one), at 30–60% of its price;
- catalog titles ("catalog retailer" style): brand first for ~92% (games ~30%), the
  colour when it is not the identity 50%, the maker's part number 20–30%, three layouts;
- new_share of the products are not in the catalog; a new product is sold by two or more
  shops 75% of the time (so one shop's new product must serve the next).

Shops (6; each product sold by 1–4 of those carrying its group, 40/35/18/7%):
- Bayside Electronics: title case, model last and compacted (`... Cordless Phone -
  KXTG6432M`), no brand field, few synonyms; feed model 50%, price 60%;
- ShopWave: brand field 90% with the maker or long form 30% (`Sony` for `Sony Ericsson`),
  model first or features first 40%, part numbers 30%, marketing 10%;
- PriceHound: comparison-site titles, lower case 70%, brand missing in title 40% and in
  the field 70%, synonyms 60%, prices pasted 15%, truncated at 70 characters;
- DealBarn: marketplace sellers, upper case 40%, marketing words 40% (`BRAND NEW`,
  `free shipping`), price 20%, stock quantity 15%, abbreviations 35% (`blk`, `w/`), typos
  12%, own item codes 15%, restricted in-store barcodes 6%;
- OfficeHub: office supplies and devices, part number first 50%, maker part numbers 40%,
  abbreviations (`yld`, `cart`) 30%, truncated at 60 characters;
- GameVault: games, software, memory and audio; platform / media notes 90% (`(mac dvd)`,
  `win/mac`, `PS3`, `download`), brand rarely in the title.
All shops: model codes as written (`KX-TG6432`), without hyphens (`KXTG6432`), spaced
(`KX TG6432`), lower case, with a colour suffix (`KX-TG6432B`, `DSC-W290/B`), without
their series prefix (`SR45`) or left out, per the shop's weights; features kept 50–90%
and said another way 20–60%; a non-identity colour mentioned 30–60%; word order per
layout; a third-party supply as `compatible toner for HP CE505X`, `remanufactured HP
CE505X`, `for use in ...`, its own code left out 60%; packs as `2pk`, `Twin Pack`, `x2`,
`Value Pack`, `Pack of 2`; printer supplies name their printer (`for use in PIXMA MX700`)
35%; typos 2–12% (swapped, dropped, doubled letter).

Barcodes (the name path is the point): valid 5–25% per shop (UPC-A, EAN-13 or GTIN-14
with correct check digits), malformed 10–30% (wrong check digit, Excel notation,
truncated, "N/A"), restricted-circulation in-store codes 1–6% (EAN prefix 2, UPC number
system 2 or 4) drawn from one small pool, so two shops reuse a code for different
products (`barcode_kind="restricted:<kind>"`), the rest missing.

Measured over the store items (seed 1, 3,000 products, 5,828 items): brand in the title
71%, a brand field 46% (another name than the catalog's 4%), price in the title 7%, stock
quantity 3%, marketing words 12%, third-party supplies 4%; barcodes missing 65%,
malformed 17%, valid 16%, restricted 2%; feed model/mpn 34%, price 54%, category 34%; 72%
of the new products sold by two or more shops.

Feed attributes in `extra` (sometimes): `model` or `mpn` (spelled as the shop spells
codes), `category` (the shop's own names), `price` (±20% between shops, promotions and
pack confusion as `prices.noisy` draws them, as a number or a string) with `currency`.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

from .barcodes import assign_gtins, check_digit, printed_barcode
from .marketplace import Marketplace, StoreItem
from .prices import noisy
from .products import Part, TrueProduct
from .title_render import TitleStore, brand_name, spell_code, store_title
from .title_truth import Spec, build_specs
from .title_vocab import KINDS, MAKER_OF

ELECTRONICS = frozenset({"printers", "supplies", "phones", "cameras", "tv_audio", "memory",
                         "networking", "appliances"})  # fmt: skip
ALL = ELECTRONICS | {"software", "games"}
CODES_PLAIN = (("canon", 0.5), ("nohyphen", 0.15), ("space", 0.05), ("lower", 0.05),
               ("suffix", 0.15), ("noprefix", 0.03), ("none", 0.07))  # fmt: skip
CODES_MESSY = (("canon", 0.3), ("nohyphen", 0.25), ("space", 0.1), ("lower", 0.15),
               ("suffix", 0.1), ("noprefix", 0.05), ("none", 0.05))  # fmt: skip
TITLE_STORES = (
    TitleStore(
        "Bayside Electronics", "BE", ELECTRONICS | {"software"}, cases=(("asis", 0.9),
        ("title", 0.1)), orders=(("model_last", 0.6), ("std", 0.4)), brand_title=0.95,
        brand_field=0.0, alias=0.05, codes=(("nohyphen", 0.5), ("canon", 0.2), ("suffix", 0.25),
        ("none", 0.05)), feats=0.7, synonyms=0.25, colour=0.5, abbrev=0.0, sku=0.05,
        own_code=0.0, marketing=0.02, price=0.0, qty=0.0, notes=0.5, typo=0.02, max_len=None,
        valid=0.15, malformed=0.2, restricted=0.01, forms=("native", "ean13"), model_field=0.5,
        category_field=0.3, price_field=0.6,
    ),
    TitleStore(
        "ShopWave", "SW", ALL, cases=(("asis", 1.0),), orders=(("std", 0.6),
        ("model_first", 0.2), ("feats_first", 0.2)), brand_title=0.9, brand_field=0.9,
        alias=0.3, codes=CODES_PLAIN, feats=0.9, synonyms=0.45, colour=0.6, abbrev=0.0, sku=0.3,
        own_code=0.0, marketing=0.1, price=0.02, qty=0.0, notes=0.6, typo=0.03, max_len=None,
        valid=0.25, malformed=0.15, restricted=0.01, forms=("native", "gtin14"),
        model_field=0.4, category_field=0.5, price_field=0.5,
    ),
    TitleStore(
        "PriceHound", "PH", ALL, cases=(("lower", 0.7), ("asis", 0.3)), orders=(("std", 0.5),
        ("feats_first", 0.3), ("noun_first", 0.2)), brand_title=0.6, brand_field=0.3,
        alias=0.2, codes=CODES_MESSY, feats=0.5, synonyms=0.6, colour=0.4, abbrev=0.05,
        sku=0.25, own_code=0.05, marketing=0.15, price=0.15, qty=0.05, notes=0.7, typo=0.06,
        max_len=70, valid=0.05, malformed=0.1, restricted=0.01, forms=("native",),
        model_field=0.2, category_field=0.2, price_field=0.8,
    ),
    TitleStore(
        "DealBarn", "DB", ALL, cases=(("upper", 0.4), ("asis", 0.4), ("lower", 0.2)),
        orders=(("std", 0.5), ("feats_first", 0.3), ("model_last", 0.2)), brand_title=0.75,
        brand_field=0.4, alias=0.25, codes=CODES_MESSY, feats=0.6, synonyms=0.4, colour=0.5,
        abbrev=0.35, sku=0.2, own_code=0.15, marketing=0.4, price=0.2, qty=0.15, notes=0.6,
        typo=0.12, max_len=80, valid=0.1, malformed=0.3, restricted=0.06,
        forms=("native", "int"), model_field=0.1, category_field=0.1, price_field=0.3,
    ),
    TitleStore(
        "OfficeHub", "OH", frozenset({"printers", "supplies", "phones", "memory", "networking",
        "software"}), cases=(("asis", 0.7), ("upper", 0.3)), orders=(("model_first", 0.5),
        ("std", 0.5)), brand_title=0.85, brand_field=0.7, alias=0.1, codes=CODES_PLAIN,
        feats=0.6, synonyms=0.3, colour=0.5, abbrev=0.3, sku=0.4, own_code=0.1, marketing=0.03,
        price=0.0, qty=0.05, notes=0.5, typo=0.04, max_len=60, valid=0.2, malformed=0.15,
        restricted=0.02, forms=("native", "ean13"), model_field=0.7, category_field=0.6,
        price_field=0.5,
    ),
    TitleStore(
        "GameVault", "GV", frozenset({"games", "software", "memory", "tv_audio"}),
        cases=(("asis", 0.8), ("lower", 0.2)), orders=(("std", 0.7), ("noun_first", 0.3)),
        brand_title=0.4, brand_field=0.7, alias=0.3, codes=CODES_PLAIN, feats=0.6,
        synonyms=0.4, colour=0.5, abbrev=0.05, sku=0.1, own_code=0.05, marketing=0.1,
        price=0.05, qty=0.02, notes=0.9, typo=0.05, max_len=None, valid=0.2, malformed=0.1,
        restricted=0.04, forms=("native", "nolead"), model_field=0.3, category_field=0.6,
        price_field=0.5,
    ),
)  # fmt: skip

CATEGORIES = {"ink": ("Ink", "Printer Ink & Toner", "Office > Ink Cartridges"),
              "toner": ("Toner", "Printer Ink & Toner", "Office > Laser Toner"),
              "software": ("Software", "Computer Software", "Software > Productivity"),
              "game": ("Video Games", "Games", "Video Games > Console")}  # fmt: skip
CATEGORIES |= {k.name: k.categories for k in KINDS}
BAD_KINDS = ("check", "check", "excel", "short", "na")


def restricted_pool(rng: random.Random, n: int) -> list[tuple[str, str]]:
    """In-store codes (prefix 2 EAN-13, UPC number system 2 or 4) shops assign themselves."""
    pool = []
    for _ in range(n):
        kind = rng.choice(("ean-prefix-2", "upc-ns-2", "upc-ns-4"))
        body = {"ean-prefix-2": "2", "upc-ns-2": "2", "upc-ns-4": "4"}[kind]
        body += "".join(rng.choice("0123456789") for _ in range(11 if "ean" in kind else 10))
        pool.append((body + check_digit(body), kind))
    return pool


def barcode(
    p: TrueProduct, st: TitleStore, rng: random.Random, pool: list[tuple[str, str]]
) -> tuple[str | int | None, str]:
    r = rng.random()
    printed = printed_barcode(
        p, r, rng, valid=st.valid, malformed=st.malformed, forms=st.forms, bad_kinds=BAD_KINDS
    )
    if printed is not None:
        return printed
    if r < st.valid + st.malformed + st.restricted:
        code, kind = rng.choice(pool)
        return code, f"restricted:{kind}"
    return None, "missing"


def feed_extra(s: Spec, st: TitleStore, rng: random.Random, price: float) -> dict[str, Any]:
    extra: dict[str, Any] = {}
    code = s.model or s.sku
    if code and rng.random() < st.model_field:
        how = rng.choice(("canon", "canon", "nohyphen", "lower", "suffix"))
        key = "model" if s.model and rng.random() < 0.6 else "mpn"
        extra[key] = spell_code(code if key == "model" else s.sku or code, how, s.colour, rng)
    if rng.random() < st.category_field:
        names = CATEGORIES[s.kind]
        extra["category"] = names[sum(map(ord, st.name)) % len(names)]
    if rng.random() < st.price_field:
        extra["price"] = price if rng.random() < 0.8 else f"{price:.2f}"
        extra["currency"] = "USD" if rng.random() < 0.9 else "usd"
    return extra


def true_product(s: Spec, rng: random.Random, in_catalog: bool) -> TrueProduct:
    first = rng.random() < (0.3 if s.group == "games" else 0.92)
    return TrueProduct(
        s.key, s.group, s.brand, (Part("brand"), Part("line", catalog_title(s, rng))),
        brand_in_name=first, in_catalog=in_catalog, maker=MAKER_OF.get(s.brand),
    )  # fmt: skip


def build_titles(seed: int, n_products: int, n_stores: int, new_share: float) -> Marketplace:
    rng = random.Random(f"{seed}:titles")
    price_rng = random.Random(f"{seed}:titles:prices")
    specs, families = build_specs(rng, n_products)
    products = [true_product(s, rng, rng.random() >= new_share) for s in specs]
    products = assign_gtins(products, rng)
    stores = list(TITLE_STORES[:n_stores])
    pool = restricted_pool(rng, 10 + n_products // 200)
    items: dict[str, list[StoreItem]] = {st.name: [] for st in stores}
    for s, p in zip(specs, products, strict=True):
        carriers = [st.name for st in stores if s.group in st.groups]
        for name in pick_stores(rng, carriers, not p.in_catalog):
            st = next(x for x in stores if x.name == name)
            price = noisy(round(s.price * rng.uniform(0.8, 1.2), 2), s.pack, price_rng)
            upc, kind = barcode(p, st, rng, pool)
            brand = None
            if rng.random() < st.brand_field:
                brand = store_brand(s, st, rng)
            external_id = f"{st.prefix}{len(items[name]) + 1:06d}"
            title = store_title(s, st, rng, price)
            extra = feed_extra(s, st, rng, price)
            items[name].append(StoreItem(name, external_id, title, brand, upc, kind, s.key, extra))
    return Marketplace(products, families, stores, items)  # type: ignore[arg-type]


def store_brand(s: Spec, st: TitleStore, rng: random.Random) -> str:
    name = brand_name(s, st, rng)
    return name.upper() if rng.random() < 0.1 else name


def catalog_title(s: Spec, rng: random.Random) -> str:
    """The catalog retailer's title, without the brand (the caller may put it first)."""
    colour = s.colour if s.colour and (s.colour_named or rng.random() < 0.5) else ""
    if s.group == "games":
        return f"{s.title} ({s.platform})" if rng.random() < 0.7 else f"{s.title} - {s.platform}"
    if s.group == "software":
        plat = {"Win/Mac": "(Win/Mac)", "Mac": "for Mac", "Windows": "for Windows"}[s.platform]
        return f"{s.title} {plat}" + (" [Download]" if s.download else "")
    feats = " ".join(f[0] for f in s.feats)
    noun = s.nouns[0]
    if s.original is not None:
        o = s.original
        return f"{s.model} {s.third.title()} {feats} {noun}, {s.colour} (Replaces {o.brand} " \
               f"{o.model})".replace("  ", " ")  # fmt: skip
    pack = f", {s.pack}/Pack" if s.pack > 1 else ""
    tail = f", {colour}" if colour else ""
    if s.group == "supplies":
        text = f"{s.line} {s.model} {feats} {colour} {noun}{pack}"
        if s.line and rng.random() < 0.5:
            text = f"{s.line} {feats} {colour} {noun}{pack} ({s.model})"
        return " ".join((text + (f" ({s.sku})" if s.sku and rng.random() < 0.3 else "")).split())
    r = rng.random()
    if r < 0.6:
        text = f"{s.line} {s.model} {s.size} {feats} {noun}{tail}"
    elif r < 0.85:
        text = f"{s.line} {s.size} {feats} {noun}{tail} - {s.model}"
    else:
        text = f"{s.line} {noun} {s.model} {s.size} {feats}{tail}"
    if rng.random() < 0.2:
        text += f" ({s.sku})"
    return " ".join(text.split())


def pick_stores(rng: random.Random, stores: Sequence[str], new: bool) -> list[str]:
    """How many shops sell one product: most one or two, new ones more often several."""
    k = rng.choices((1, 2, 3, 4), (0.25, 0.4, 0.25, 0.1) if new else (0.4, 0.35, 0.18, 0.07))[0]
    return rng.sample(list(stores), min(k, len(stores)))
