"""The retail-title generator's true products: product lines with their near-variants
(sibling models, sizes, colours, yields, packs, platforms, versions), third-party supplies,
and the catalog retailer's title for each."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field, replace

from .title_vocab import (
    COLOUR_CODE,
    EXCLUSIVE,
    FOCALS,
    GAME_WORDS,
    INK_COLOURS,
    KINDS,
    PLATFORMS,
    PUBLISHERS,
    SOFTWARE,
    SUPPLY_MAKERS,
    THIRD_PARTY,
    THIRD_PARTY_CODE,
    Kind,
)

INK_NOUNS = ("Ink Cartridge", "ink cartridge", "ink", "Inkjet Cartridge", "ink tank")
TONER_NOUNS = ("Toner Cartridge", "toner", "Laser Toner", "toner cartridge", "toner cart")
SOFTWARE_NOUNS = ("Software", "software", "")
GAME_NOUNS = ("Video Game", "game", "")
HIGH_YIELD = ("High Yield", "high-yield", "HY", "high capacity")


@dataclass
class Spec:
    """One true product as the generator knows it (richer than the catalog's title)."""

    group: str
    kind: str
    brand: str
    key: int = 0
    family: int = 0
    line: str = ""
    model: str = ""  # canonical model / part code ("" for software and games)
    nouns: tuple[str, ...] = ()
    feats: list[tuple[str, ...]] = field(default_factory=list)
    size: str = ""
    colour: str = ""
    colour_named: bool = False  # siblings in other colours exist: the colour is identity
    sku: str = ""  # the maker's second part number
    pack: int = 1
    original: Spec | None = None  # the maker's part a third-party supply replaces
    third: str = ""  # compatible / remanufactured
    host: str = ""  # a printer the supply fits
    title: str = ""  # software / game title words
    platform: str = ""
    download: bool = False
    price: float = 0.0


def fill(pattern: str, rng: random.Random, size: str = "") -> str:
    """A code from its pattern; `%` stays for the size when none is given."""
    digits = re.sub(r"\D", "", size) or "%"
    out = []
    for i, ch in enumerate(pattern):
        if ch == "#":
            first = i == 0 or pattern[i - 1] not in "#0123456789"
            out.append(str(rng.randint(1 if first else 0, 9)))
        elif ch == "@":
            out.append(rng.choice("ABCDEFGHJKLMNPRSTUVWXZ"))
        elif ch == "%":
            out.append(digits)
        elif ch == "~":
            out.append(rng.choice(FOCALS))
        else:
            out.append(ch)
    return "".join(out)


def sibling(code: str, rng: random.Random, step: int | None = None) -> str:
    """A near model code: its last run of digits changed (DCR-SR45 → DCR-SR47)."""
    runs = list(re.finditer(r"\d+", code))
    if not runs:
        return code + rng.choice("ABCDE")
    run = runs[-1]
    n = int(run.group())
    width = len(run.group())
    m = n + (step if step is not None else rng.choice((1, 2, 5, 10, 20, 50, 150)))
    new = str(m % 10**width).zfill(width)
    return code[: run.start()] + new + code[run.end() :]


class Builder:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.specs: list[Spec] = []
        self.families = 0
        self.models: set[tuple[str, str]] = set()

    def add(self, spec: Spec) -> Spec | None:
        ident = (spec.brand, spec.model or spec.title + spec.platform, spec.colour if
                 spec.colour_named else "", spec.size, spec.pack, spec.download)  # fmt: skip
        if str(ident) in self.models:
            return None
        self.models.add(str(ident))
        spec.key = len(self.specs) + 1
        spec.family = self.families
        self.specs.append(spec)
        return spec

    def price(self, lo: int, hi: int) -> float:
        return round(self.rng.uniform(lo, hi)) - self.rng.choice((0.01, 0.05, 0.0, 0.01))


def device_family(b: Builder, kind: Kind) -> None:
    rng = b.rng
    maker = rng.choice(kind.makers)
    base = fill(maker.code, rng, "")
    feats = rng.sample(kind.features, min(len(kind.features), rng.randint(2, 4)))
    n_models = rng.choice((1, 1, 1, 2, 2, 3, 4))
    for m in range(n_models):
        code = sibling(base, rng) if "~" not in maker.code else fill(maker.code, rng)
        code = base if m == 0 else code
        mfeats = list(feats)
        if m and kind.features and rng.random() < 0.5:  # a sibling adds or drops a feature
            extra = rng.choice(kind.features)
            mfeats = [f for f in mfeats if f != extra] if extra in mfeats else [*mfeats, extra]
        mfeats = compatible(mfeats)
        sizes = [""]
        if kind.sizes:
            start = rng.randrange(len(kind.sizes))
            sizes = list(kind.sizes[start : start + rng.choice((1, 1, 2, 3))])
        colours = [""]
        if kind.colours:
            r = rng.random()
            two = r < 0.15 and len(kind.colours) > 1
            colours = rng.sample(kind.colours, 2) if two else [rng.choice(kind.colours)]
        price = b.price(*kind.price)
        for j, size in enumerate(sizes):
            scode = code
            if "%" in code:
                scode = code.replace("%", re.sub(r"\D", "", size))
            elif j:
                scode = sibling(code, rng, step=j)
            for colour in colours:
                named = len(colours) > 1
                ccode = scode + COLOUR_CODE.get(colour, "") if named else scode
                b.add(Spec(
                    kind.group, kind.name, maker.brand, line=maker.line, model=ccode,
                    nouns=kind.nouns, feats=mfeats, size=size, colour=colour, colour_named=named,
                    sku=sku(maker.sku, ccode, rng), price=round(price * (1 + 0.4 * j), 2),
                ))  # fmt: skip


def sku(pattern: str, model: str, rng: random.Random) -> str:
    if pattern.startswith("="):
        return re.sub(r"[-\s]", "", model) + pattern[1:]
    size = re.search(r"\d+", model)  # the size in a pattern's `%` (memory, TVs)
    return fill(pattern, rng, size.group() if size and "%" in pattern else "")


def compatible(feats: list[tuple[str, ...]]) -> list[tuple[str, ...]]:
    """Without features that exclude one another (720p and 1080p)."""
    out: list[tuple[str, ...]] = []
    for f in feats:
        if not any({f[0], g[0]} <= group for group in EXCLUSIVE for g in out):
            out.append(f)
    return out


def supply_family(b: Builder) -> None:
    rng = b.rng
    brand = rng.choice(list(SUPPLY_MAKERS))
    ink_code, toner_code, sku, short = SUPPLY_MAKERS[brand]
    ink = rng.random() < 0.55
    base = fill(ink_code if ink else toner_code, rng)
    number = fill(short, rng)
    nouns = INK_NOUNS if ink else TONER_NOUNS
    printer = next((k for k in KINDS if k.name == ("printer" if ink else "laser")), KINDS[0])
    hosts = [m for m in printer.makers if m.brand == brand]
    host = f"{hosts[0].line} {fill(hosts[0].code, rng)}".strip() if hosts else ""
    colours = ["Black"]
    if rng.random() < 0.5:
        colours = list(INK_COLOURS[:4]) if rng.random() < 0.6 else ["Black", "Tri-Color"]
    yields = ["", "High Yield"] if rng.random() < 0.4 else [""]
    price = b.price(15, 45) if ink else b.price(60, 180)
    for i, colour in enumerate(colours):
        code = sibling(base, rng, step=i) if i else base
        line = sibling(number, rng, step=i) if i and number else number
        for y in yields:
            suffix = ("XL" if ink else "X") if y else ("" if ink else "A")
            ycode = code + suffix
            yline = line + suffix if line and brand == "HP" else line
            feats = [HIGH_YIELD] if y else []
            p = round(price * (1.6 if y else 1.0), 2)
            spec = Spec(
                "supplies", "ink" if ink else "toner", brand, line=yline, model=ycode,
                nouns=nouns, feats=feats, colour=colour, colour_named=len(colours) > 1,
                sku=fill(sku, rng), host=host, price=p,
            )  # fmt: skip
            original = b.add(spec)
            if original is None:
                continue
            if colour == "Black" and rng.random() < 0.3:  # also sold as a twin pack
                pack_code = ycode + "D" if brand == "HP" else ycode
                b.add(replace(spec, model=pack_code, sku=fill(sku, rng), pack=2,
                              price=round(p * 1.85, 2)))  # fmt: skip
            if rng.random() < 0.4:
                third_party(b, original)


def third_party(b: Builder, original: Spec) -> None:
    rng = b.rng
    brand = rng.choice(THIRD_PARTY)
    code = fill(THIRD_PARTY_CODE[brand], rng)
    third = rng.choice(("compatible", "compatible", "remanufactured"))
    price = round(original.price * rng.uniform(0.3, 0.6), 2)
    b.add(replace(original, brand=brand, line="", model=code, sku="", original=original,
                  third=third, price=price))  # fmt: skip


def software_family(b: Builder) -> None:
    rng = b.rng
    publisher, product, versions, editions, sku = rng.choice(SOFTWARE)
    vs = rng.sample(versions, rng.choice((1, 1, 2)))
    eds = rng.sample(editions, min(len(editions), rng.choice((1, 1, 2))))
    r = rng.random()
    platforms = ["Windows"] if r < 0.45 else ["Win/Mac"] if r < 0.7 else ["Windows", "Mac"]
    if publisher == "Apple":
        platforms = ["Mac"]
    price = b.price(29, 399)
    for v in vs:
        for ed in eds:
            for platform in platforms:
                title = " ".join(w for w in (product, v, ed) if w)
                b.add(Spec(
                    "software", "software", publisher, nouns=SOFTWARE_NOUNS, title=title,
                    platform=platform, download=rng.random() < 0.12, sku=fill(sku, rng),
                    price=round(price * (0.6 if "Upgrade" in ed else 1), 2),
                ))  # fmt: skip


def game_family(b: Builder) -> None:
    rng = b.rng
    publisher = rng.choice(PUBLISHERS)
    title = f"{rng.choice(GAME_WORDS[0])} {rng.choice(GAME_WORDS[1])}"
    if rng.random() < 0.4:
        title += f" {rng.randint(2, 4)}"
    if rng.random() < 0.3:
        first, second = (rng.choice([w for w in ws if w not in title]) for ws in GAME_WORDS)
        title += f": {first} {second}"
    platforms = rng.sample(list(PLATFORMS), rng.choice((1, 2, 2, 3)))
    editions = [""] + (["Collector's Edition"] if rng.random() < 0.2 else [])
    price = rng.choice((19.99, 29.99, 39.99, 49.99, 59.99))
    for platform in platforms:
        for ed in editions:
            full = f"{title} {ed}".strip()
            b.add(Spec(
                "games", "game", publisher, nouns=GAME_NOUNS, title=full, platform=platform,
                sku=fill("#####", rng), price=price + (20 if ed else 0),
            ))  # fmt: skip


def build_specs(rng: random.Random, n: int) -> tuple[list[Spec], int]:
    b = Builder(rng)
    kinds: list[Kind | str] = [*KINDS, "supplies", "software", "games"]
    weights = [k.weight for k in KINDS] + [6, 6, 6]
    while len(b.specs) < n:
        b.families += 1
        kind = rng.choices(kinds, weights)[0]
        if kind == "supplies":
            supply_family(b)
        elif kind == "software":
            software_family(b)
        elif kind == "games":
            game_family(b)
        else:
            assert isinstance(kind, Kind)
            device_family(b, kind)
    specs = b.specs[:n]
    return specs, len({s.family for s in specs})
