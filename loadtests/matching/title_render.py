"""How one shop writes a product's title: its word order, spellings of model codes, sizes,
colours and brands, the words it adds (marketing, prices, stock, part numbers, platform
notes) and its slips (abbreviations, typos, truncation)."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

from .title_truth import Spec
from .title_vocab import (
    ABBREV,
    BRAND_ALIASES,
    COLOUR_CODE,
    MAKER_OF,
    MARKETING_BACK,
    MARKETING_FRONT,
    PLATFORMS,
)

Weights = tuple[tuple[str, float], ...]


@dataclass(frozen=True)
class TitleStore:
    """A shop's habits (rates are per item unless said otherwise)."""

    name: str
    prefix: str  # external id prefix
    groups: frozenset[str]
    cases: Weights  # asis, lower, upper, title
    orders: Weights  # std, model_last, model_first, feats_first, noun_first
    brand_title: float  # the brand in the title
    brand_field: float  # the brand in the brand field
    alias: float  # another name for the brand (maker, short or long form)
    codes: Weights  # canon, nohyphen, space, lower, suffix, noprefix, none
    feats: float  # share of the features kept
    synonyms: float  # a phrase said another way
    colour: float  # a colour that is not the product's identity mentioned
    abbrev: float  # per abbreviable word
    sku: float  # the maker's second part number added
    own_code: float  # the shop's own item code in the title
    marketing: float
    price: float  # price pasted into the title
    qty: float  # stock quantity pasted into the title
    notes: float  # platform / media notes
    typo: float
    max_len: int | None
    valid: float  # barcodes: valid, malformed, restricted (the rest missing)
    malformed: float
    restricted: float
    forms: tuple[str, ...]
    model_field: float  # feed attributes
    category_field: float
    price_field: float


def pick(rng: random.Random, weights: Weights) -> str:
    return rng.choices([w[0] for w in weights], [w[1] for w in weights])[0]


def say(rng: random.Random, options: tuple[str, ...], synonyms: float) -> str:
    if len(options) > 1 and rng.random() < synonyms:
        return rng.choice(options[1:])
    return options[0]


def spell_code(code: str, how: str, colour: str, rng: random.Random) -> str:
    if how == "nohyphen":
        return re.sub(r"[-\s]", "", code)
    if how == "space":
        return code.replace("-", " ")
    if how == "lower":
        return re.sub(r"[-\s]", "", code).lower() if rng.random() < 0.6 else code.lower()
    if how == "suffix" and colour in COLOUR_CODE and code[-1:].isdigit():
        return code + ("/" if rng.random() < 0.3 else "") + COLOUR_CODE[colour]
    if how == "noprefix" and "-" in code:
        return code.split("-", 1)[1]
    return code


def spell_size(size: str, rng: random.Random) -> str:
    if size.endswith('"'):
        n = size[:-1]
        return rng.choice((size, f"{n}-inch", f"{n} in.", f"{n}in", f'{n}"', f"{n} Inch"))
    if size.endswith("GB"):
        n = size[:-2]
        return rng.choice((size, f"{n} GB", f"{n}gb", f"{n}G", f"{n}GB"))
    if "Handset" in size:
        n = size[0]
        return rng.choice((size, f"{n}-Handset", f"w/ {n} handsets", f"{n}HS", f"{n} handset"))
    return size


COLOUR_SAY = {"Gray": ("Grey", "gray"), "Metallic Gray": ("Metallic Grey", "gray", "grey"),
              "Tri-Color": ("Color", "tricolor", "3-color", "CMY"), "Piano Black": ("Black",),
              "Stainless Steel": ("stainless", "SS"), "Brushed Chrome": ("Chrome",)}  # fmt: skip
PACK_SAY = ("{n}pk", "{n}-Pack", "Twin Pack", "x{n}", "Value Pack", "Pack of {n}", "Dual Pack",
            "{n}/PK", "({n} pack)")  # fmt: skip
PLATFORM_SAY = {
    "Win/Mac": ("win/mac", "Windows/Mac", "PC/Mac", "hybrid win mac", "(Win/Mac)"),
    "Mac": ("mac", "Mac OS X", "(mac dvd)", "for Macintosh", "MAC"),
    "Windows": ("pc", "Win", "Windows XP/Vista", "win dvd", "PC CD-ROM", "(Win)"),
}
DOWNLOAD_SAY = ("download", "[Download]", "digital download", "ESD", "(Download)")
MEDIA_SAY = ("DVD-ROM", "CD-ROM", "dvd", "(retail box)", "box")


def brand_name(s: Spec, st: TitleStore, rng: random.Random) -> str:
    if rng.random() < st.alias:
        others = BRAND_ALIASES.get(s.brand, ()) + ((MAKER_OF[s.brand],) if s.brand in MAKER_OF
                                                   else ())  # fmt: skip
        if others:
            return rng.choice(others)
    return s.brand


def device_segments(s: Spec, st: TitleStore, rng: random.Random) -> dict[str, str]:
    how = pick(rng, st.codes)
    seg = {"brand": brand_name(s, st, rng) if rng.random() < st.brand_title else ""}
    seg["line"] = s.line if rng.random() < 0.8 else ""
    seg["model"] = "" if how == "none" else spell_code(s.model, how, s.colour, rng)
    seg["size"] = spell_size(s.size, rng) if s.size else ""
    feats = [say(rng, f, st.synonyms) for f in s.feats if rng.random() < st.feats]
    if rng.random() < 0.3:
        rng.shuffle(feats)
    seg["feats"] = " ".join(feats)
    seg["noun"] = say(rng, s.nouns, st.synonyms) if rng.random() < 0.92 else ""
    colour = s.colour if s.colour and (s.colour_named or rng.random() < st.colour) else ""
    seg["colour"] = say(rng, (colour, *COLOUR_SAY.get(colour, ())), st.synonyms) if colour else ""
    seg["pack"] = rng.choice(PACK_SAY).format(n=s.pack) if s.pack > 1 else ""
    if s.host and rng.random() < 0.35:
        seg["host"] = rng.choice(("for {}", "for use in {}", "fits {}", "for {} series")).format(
            s.host if rng.random() < 0.7 else f"{(s.original or s).brand} {s.host}"
        )
    if s.original is not None:
        o = s.original
        om = spell_code(o.model, pick(rng, st.codes[:-1]), "", rng)
        third = s.third if rng.random() < 0.8 else rng.choice(("compatible", "replacement"))
        form = rng.choice((
            "{third} {noun} for {ob} {om}", "{ob} {om} {third} {noun}", "{third} {ob} {om}",
            "{noun} for use in {ob} {om}", "replacement for {ob} {om}", "{third} for {ob} {om}",
        ))  # fmt: skip
        seg["compat"] = form.format(third=third, noun=seg["noun"], ob=brand_name(o, st, rng),
                                    om=om).replace("  ", " ")  # fmt: skip
        seg["noun"] = "" if "{noun}" in form else seg["noun"]
        if rng.random() < 0.6:  # the third-party maker's own code is often left out
            seg["model"] = ""
    return seg


ORDERS = {
    "std": "brand line model size feats noun colour pack compat host",
    "model_last": "brand line size feats noun colour pack compat host - model",
    "model_first": "model brand line noun size feats colour pack compat host",
    "feats_first": "brand feats noun line model size colour pack compat host",
    "noun_first": "noun , brand line model size feats colour pack compat host",
}


def media_title(s: Spec, st: TitleStore, rng: random.Random) -> str:
    brand = brand_name(s, st, rng) if rng.random() < st.brand_title * 0.6 else ""
    title = s.title.replace("and", "&") if rng.random() < st.synonyms * 0.5 else s.title
    if "Edition" in title and rng.random() < st.synonyms:
        title = title.replace("Collector's Edition", rng.choice(("CE", "Collectors Ed.", "LE")))
    if s.group == "games":
        plat = say(rng, (s.platform, *PLATFORMS[s.platform]), 0.6)
        plat = plat if rng.random() < 0.95 else ""
    else:
        plat = say(rng, (s.platform, *PLATFORM_SAY[s.platform]), 0.7)
        plat = plat if rng.random() < st.notes else ""
    media = ""
    if s.download and rng.random() < 0.8:
        media = rng.choice(DOWNLOAD_SAY)
    elif not s.download and rng.random() < st.notes * 0.3:
        media = rng.choice(MEDIA_SAY)
    noun = rng.choice(s.nouns) if rng.random() < 0.3 else ""
    form = rng.choice(("{b} {t} {p} {m}", "{t} ({p}) {m}", "{t} - {p} {m} {n}", "{p} {t} {m}",
                       "{b} {t} {n} for {p} {m}", "{t} {p} {m} - {b}"))  # fmt: skip
    text = form.format(b=brand, t=title, p=plat, m=media, n=noun)
    return text.replace("()", "").replace("for  ", "").strip(" -")


def noise(text: str, s: Spec, st: TitleStore, rng: random.Random, price: float) -> str:
    if s.sku and rng.random() < st.sku:
        text += rng.choice((" ({})", " {}", " - {}", " #{}", " Part# {}")).format(s.sku)
    if rng.random() < st.own_code:
        code = f"{rng.randint(10000, 999999)}"
        text = rng.choice(("Item# {} {}", "[{}] {}", "{1} - SKU {0}")).format(code, text)
    if rng.random() < st.marketing:
        # a third-party supply is not "Genuine" nor "OEM"
        honest = list(MARKETING_FRONT) if s.original is None else ["New", "High Quality", "NEW"]
        if rng.random() < 0.6:
            text = f"{rng.choice(honest)} {text}"
        else:
            back = [w for w in MARKETING_BACK if s.original is None or w != "OEM"]
            text = f"{text} {rng.choice(back)}"
    if rng.random() < st.price:
        text += rng.choice((" - ${:.2f}", " ${:.2f}", " ({:.2f} USD)", " only ${:.0f}!")).format(
            price
        )
    if rng.random() < st.qty:
        text += rng.choice((" (qty {})", " Qty: {}", " - {} in stock", " [{} avail]")).format(
            rng.randint(1, 12)
        )
    words = text.split()
    out = []
    for w in words:
        abbr = ABBREV.get(w.lower())
        out.append(rng.choice(abbr) if abbr and rng.random() < st.abbrev else w)
    text = " ".join(out)
    if rng.random() < st.typo:
        text = typo(text, rng)
    case = pick(rng, st.cases)
    text = {"lower": text.lower(), "upper": text.upper(), "title": text.title()}.get(case, text)
    if st.max_len and len(text) > st.max_len:
        text = text[: st.max_len].rstrip(" -,(") + rng.choice(("", "...", " ..."))
    return text


def typo(text: str, rng: random.Random) -> str:
    words = text.split()
    spots = [i for i, w in enumerate(words) if len(w) >= 4 and w.isalpha()]
    if not spots:
        return text
    i = rng.choice(spots)
    w = words[i]
    j = rng.randrange(1, len(w) - 1)
    kind = rng.randrange(3)
    if kind == 0:  # swapped letters
        w = w[:j] + w[j + 1] + w[j] + w[j + 2 :]
    elif kind == 1:  # a letter dropped
        w = w[:j] + w[j + 1 :]
    else:  # a letter doubled
        w = w[:j] + w[j] + w[j:]
    words[i] = w
    return " ".join(words)


def store_title(s: Spec, st: TitleStore, rng: random.Random, price: float) -> str:
    if s.group in ("games", "software"):
        text = media_title(s, st, rng)
    else:
        seg = device_segments(s, st, rng)
        order = ORDERS[pick(rng, st.orders)]
        words = [seg.get(k, "") if k not in ("-", ",") else k for k in order.split()]
        text = " ".join(w for w in words if w)
        text = re.sub(r"\s+([-,])\s*$", "", text).replace(" , ", ", ").strip(" ,-")
        if text.startswith("- "):
            text = text[2:]
        if seg["colour"] and rng.random() < 0.3 and seg["colour"] in text:  # ", Black" tail
            text = text.replace(f" {seg['colour']}", "") + f", {seg['colour']}"
    return noise(" ".join(text.split()), s, st, rng, price)
