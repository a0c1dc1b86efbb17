"""GTINs of the true products and the shapes, right or wrong, that stores export them in."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from typing import Protocol

from .products import TrueProduct


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


def printed_barcode(
    p: TrueProduct,
    roll: float,
    rng: random.Random,
    *,
    valid: float,
    malformed: float,
    forms: Sequence[str],
    bad_kinds: Sequence[str],
) -> tuple[str | int, str] | None:
    """A store's barcode for `p` by its rates, `roll` in [0, 1): valid in one of its
    forms, malformed in one of its ways, or None (the caller's other cases)."""
    if roll < valid:
        form = rng.choice(forms)
        return valid_form(p, form), f"valid:{form}"
    if roll < valid + malformed:
        kind = rng.choice(bad_kinds)
        return malformed_form(p, kind, rng), f"bad:{kind}"
    return None


class BarcodeHabits(Protocol):
    """How often a store prints a valid or malformed barcode, and in which forms."""

    @property
    def valid(self) -> float: ...
    @property
    def malformed(self) -> float: ...
    @property
    def forms(self) -> Sequence[str]: ...
    @property
    def bad_kinds(self) -> Sequence[str]: ...


def store_barcode(
    p: TrueProduct, habits: BarcodeHabits, rng: random.Random
) -> tuple[str | int | None, str]:
    """A store's barcode for `p` by its habits, or (None, "missing")."""
    printed = printed_barcode(
        p,
        rng.random(),
        rng,
        valid=habits.valid,
        malformed=habits.malformed,
        forms=habits.forms,
        bad_kinds=habits.bad_kinds,
    )
    return printed or (None, "missing")
