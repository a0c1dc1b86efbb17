"""The scorers' shared vocabulary: a candidate, a scored candidate, the bands."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from catalog.models import PriceRange

Scorer = Literal["rules", "learned"]


@dataclass(frozen=True)
class Candidate:
    canonical_product_id: int
    name: str
    brand: str | None = None
    gtin: str | None = None
    provisional: bool = False  # made by the matcher from a store's name, not confirmed
    # Made by a sync for a new GTIN, named after that store's title (not curated).
    store_named: bool = False
    # Its linked store products' prices per currency (`CatalogRepository.canonical_prices`).
    prices: tuple[PriceRange, ...] = ()


@dataclass(frozen=True)
class Scored:
    canonical_product_id: int
    score: float  # 0–100, after the rules, one decimal
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class Thresholds:
    auto_link: float = 85.0
    suggest: float = 70.0
    # A best score in the link band only links when no *other* canonical product
    # is also in the link band within this many points (then it is a suggestion).
    ambiguity_margin: float = 5.0
    # Which scorer turns pairs into scores: "learned" (`matcher.learned`, weights from
    # `matcher/model.json`, the default) or "rules" (`matcher.rules`).
    scorer: Scorer = "learned"


DEFAULT_THRESHOLDS = Thresholds()

CAP_STEP = 0.1  # "just below" a threshold
