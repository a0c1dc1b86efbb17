"""A second, independent marketplace generator: supermarket, deli, pharmacy and fashion.

`build_grocery(seed, n_products, n_stores, new_share)` returns a `Marketplace` like
`build_marketplace`, with its own vocabulary (grocery_words), true products
(grocery_products) and retailers (grocery_stores); none of it comes from families.py or
pos_names.py.  Rates below are per line, per product or per store item as stated.

True products (groups by line: grocery 50%, fresh 20%, beauty 22%, apparel 8%):
  * a line (brand + line name + kind) has 1-3 variants (flavour, scent, fat content,
    roast, shade number, SPF, colour); per variant: another size of the line (35%), a
    multipack of the first size (35% where the kind has packs: 4/6/12/24 x), a twin that
    adds Organic / Decaf / Sugar Free / Gluten Free / Lactose Free / SPF 30... (25%), a
    bonus pack "+20% Free" with 1.2x the size (6%, g/ml); all different products;
  * a store's own label copying a national line word for word, sold by that store only
    (15% of non-loose lines, a different product);
  * fresh: deli, bakery and produce sold loose (about half the fresh lines): no GTIN,
    sold per kg / per 100g / each under in-store restricted-circulation codes;
  * apparel: 2-4 colours x 2-4 sizes (letters, waist/leg, UK/EU shoe sizes);
  * the catalog title carries the brand for 85% (own labels always); `new_share` of the
    products are not in the catalog (any store may sell them).
Store items (seven retailers, habits in grocery_stores.RETAILERS; 35-75% of their groups):
  * sizes as 500g / 500 g / 0.5 kg / 500 Grams / 17.6 oz / 1 lb 2 oz / 2 Pints / 1.14L;
    multipacks 6 x 330ml / 330ml x6 / 6pk / Pack of 6 x ... / 6 Pack 330ml; counts
    12 Pack / 12 ct / Pack of 12 / x12 / 12s / Dozen; bonus packs 4 ways;
  * apparel sizes M / Medium / Mens M / Size M, 32W 30L / W32 L30 / 32x30 / 32/30,
    UK 8 / EU 42 / UK8 / EU 42 / Size 8;
  * word order (4 orders + brand last), line name dropped (10-50%), "Original" dropped
    (50%), equivalent spellings (30-50% each: Yogurt, Semi-Skimmed, Navy Blue, and...),
    abbreviations (0-60% per word: S/Skim, Choc, Straw, Wmns...), brand aliases (10-30%),
    brand in the title 40-95% and in the brand field 20-100%;
  * noise words (5-20%: New, Improved Recipe, Family Favourite, Save 30p, Online
    Exclusive...), price tags (0-10%: £2.50, was £3.00), typos (3-10%), ALL CAPS (one
    store always, two 20-30%), lower case (one store), truncation at 30 / 40 / 60 chars;
  * barcodes: valid 30-85% (EAN-13, UPC-A, GTIN-14, lost leading zeros, JSON numbers),
    malformed 5-15% (check digit, Excel notation, short, N/A, zeros), else missing;
    loose items carry the store's own PLU code (85%: `20`+PLU EAN-13 or `2`+PLU UPC-A,
    `restricted:weighed`; stores sharing a format reuse codes for other products);
    coupon codes (UPC number system 5, EAN 98/99) in 1-3% (`restricted:coupon`);
  * feed attributes in `extra` for 30-80% of items: category, size and unit as the feed
    states them, price (±25% between stores, a multipack about n x 0.9 singles; promotions
    and pack confusion as `prices.noisy` draws them) and currency (one store in USD).
"""

from __future__ import annotations

import random

from .barcodes import check_digit, store_barcode
from .grocery_products import Spec, build_specs, true_products
from .grocery_stores import RETAILERS, Retailer, metric_alt, store_title
from .marketplace import Marketplace, StoreItem
from .prices import noisy
from .products import TrueProduct


def plu_codes(specs: list[Spec], r: Retailer, rng: random.Random) -> dict[int, str]:
    """The store's in-store codes for its loose products: small PLU numbers, own choice."""
    loose = [s.key for s in specs if s.kind.weighed]
    plus = rng.sample(range(100, 100 + 2 * len(loose) + 10), len(loose))
    codes = {}
    for key, plu in zip(loose, plus, strict=True):
        body = f"20{plu:05d}00000" if r.plu == "ean20" else f"2{plu:05d}00000"
        codes[key] = body + check_digit(body)
    return codes


def coupon(rng: random.Random) -> str:
    """A coupon: UPC-A number system 5 or an EAN-13 with prefix 98/99."""
    lead = rng.choice(("5", "98", "99"))
    body = lead + "".join(rng.choices("0123456789", k=11 if lead == "5" else 10))
    return body + check_digit(body)


def barcode(
    p: TrueProduct, s: Spec, r: Retailer, plus: dict[int, str], rng: random.Random
) -> tuple[str | int | None, str]:
    if s.kind.weighed:
        return (plus[s.key], "restricted:weighed") if rng.random() < 0.85 else (None, "missing")
    if rng.random() < r.coupon:
        return coupon(rng), "restricted:coupon"
    return store_barcode(p, r, rng)


def feed_size(s: Spec, rng: random.Random) -> dict[str, object]:
    if s.kind.weighed:
        return {"unit": s.kind.weighed}
    if s.size is None:
        return {"size": s.wear[1]}
    value, unit = s.size if rng.random() < 0.7 else metric_alt(*s.size)
    size = f"{s.pack} x {value:g}" if s.pack > 1 else value
    return {"size": size, "unit": unit}


def extras(s: Spec, r: Retailer, rng: random.Random, price: float) -> dict[str, object]:
    if rng.random() >= r.extra:
        return {}
    out: dict[str, object] = {}
    if rng.random() < 0.8:
        cat = s.kind.category
        out["category"] = {"path": cat.replace("/", " > "), "leaf": cat.split("/")[-1],
                           "upper": cat.upper().replace("/", " | ")}[r.category]  # fmt: skip
    if rng.random() < 0.6:
        out |= feed_size(s, rng)
    if rng.random() < 0.7:
        out |= {"price": price, "currency": r.currency}
    return out


def retailer_items(
    specs: list[Spec], products: dict[int, TrueProduct], r: Retailer, seed: int
) -> list[StoreItem]:
    rng = random.Random(f"{seed}:grocery:{r.name}")
    price_rng = random.Random(f"{seed}:grocery:{r.name}:prices")
    plus = plu_codes(specs, r, rng)
    items = []
    for s in specs:
        if s.own_label:
            sells = s.own_label == r.name and rng.random() < 0.9
        else:
            sells = s.group in r.groups and rng.random() < r.sells
        if not sells:
            continue
        p = products[s.key]
        price = round(s.price * rng.uniform(0.8, 1.25) * (1.27 if r.currency == "USD" else 1), 2)
        price = noisy(price, s.pack, price_rng)
        name = store_title(s, r, rng, price)
        in_field = s.brand and (s.own_label or rng.random() < r.brand_field)
        upc, kind = barcode(p, s, r, plus, rng)
        items.append(
            StoreItem(
                r.name, f"{r.prefix}{len(items) + 1:06d}", name, s.brand if in_field else None,
                upc, kind, s.key, extras(s, r, rng, price),
            )
        )  # fmt: skip
    return items


def build_grocery_specs(
    seed: int, n_products: int, new_share: float
) -> tuple[list[Spec], list[TrueProduct], int]:
    rng = random.Random(f"{seed}:grocery")
    specs, lines = build_specs(rng, n_products, new_share)
    return specs, true_products(specs, rng), lines


def build_grocery(seed: int, n_products: int, n_stores: int, new_share: float) -> Marketplace:
    specs, products, lines = build_grocery_specs(seed, n_products, new_share)
    by_key = {p.key: p for p in products}
    stores = list(RETAILERS[:n_stores])
    items = {r.name: retailer_items(specs, by_key, r, seed) for r in stores}
    return Marketplace(products, lines, stores, items)  # type: ignore[arg-type]
