"""How two parsed quantities compare: the same size in the same or another unit.

`normalize.parse_quantity` reads a token (`1.5l` → 1.5 l); this module says
whether two such sizes are the same (12 oz ≈ 355 ml ≈ 340 g) and rewrites a
name's size tokens to the other name's spelling before the names are compared.
"""

from __future__ import annotations

from collections.abc import Sequence

from matcher.normalize import Quantity, parse_quantity

# Units and how they compare: unit → (dimension, factor to the dimension's base).
# `oz` is both a weight and a fluid ounce in POS data, so it compares with both.
_UNIT_DIMENSIONS: dict[str, tuple[tuple[str, float], ...]] = {
    "mg": (("mass", 0.001),),
    "mcg": (("mass", 0.000001),),
    "g": (("mass", 1.0),),
    "kg": (("mass", 1000.0),),
    "lb": (("mass", 453.59237),),
    "oz": (("mass", 28.349523), ("volume", 29.573530)),
    "ml": (("volume", 1.0),),
    "cl": (("volume", 10.0),),
    "l": (("volume", 1000.0),),
    # US or imperial measure: a British label's "2 Pints" is 1.136 l, an American's 946 ml.
    "gal": (("volume", 3785.41), ("volume", 4546.09)),
    "qt": (("volume", 946.353), ("volume", 1136.52)),
    "pt": (("volume", 473.176), ("volume", 568.261)),
    "ct": (("count", 1.0),),
    "mm": (("length", 1.0),),
    "cm": (("length", 10.0),),
    "in": (("length", 25.4),),
    "gb": (("storage", 1.0),),
    "tb": (("storage", 1000.0),),
    "pct": (("percent", 1.0),),
}
# Two quantities in different units are the same size within this relative
# tolerance (12 oz ≈ 355 ml ≈ 340 g); the same unit must match exactly.
_CROSS_UNIT_TOLERANCE = 0.02


def measures(unit: str) -> frozenset[str]:
    """What a unit measures ("oz": mass and volume; "gb": storage)."""
    return frozenset(dim for dim, _ in _UNIT_DIMENSIONS.get(unit, ()))


def same_size(x: Quantity, y: Quantity) -> bool | None:
    """True/False when comparable, None when the units measure different things."""
    if x.unit == y.unit:
        return abs(x.value - y.value) < 1e-9
    verdict: bool | None = None
    for dim_x, factor_x in _UNIT_DIMENSIONS.get(x.unit, ()):
        for dim_y, factor_y in _UNIT_DIMENSIONS.get(y.unit, ()):
            if dim_x != dim_y:
                continue
            bx, by = x.value * factor_x, y.value * factor_y
            if abs(bx - by) <= _CROSS_UNIT_TOLERANCE * max(bx, by):
                return True
            verdict = False
    return verdict


def align_quantities(tokens: Sequence[str], reference: Sequence[Quantity]) -> list[str]:
    """Rewrite size tokens equal to one in `reference` to its spelling (`1000ml` → `1l`)."""
    if not reference:
        return list(tokens)
    aligned = []
    for token in tokens:
        quantity = parse_quantity(token)
        if quantity is not None:
            token = next((r.token for r in reference if same_size(quantity, r)), token)
        aligned.append(token)
    return aligned
