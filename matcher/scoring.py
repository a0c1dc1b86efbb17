"""Scoring a store product against canonical candidates (pure, no I/O): the entry point.

`matcher.service` fetches candidates (trigram search) and the facts `decide` needs,
calls `score_candidates`, then `matcher.decision.decide`. Two scorers, chosen by
`Thresholds.scorer` (`IMGEDGE_MATCH_SCORER`):

* `learned` (default, `matcher.learned`): the pair's evidence (`matcher.features`)
  weighed by a logistic model trained offline on generated marketplaces
  (`matcher/model.json`, `loadtests/train_matcher.py`); the candidates of one product
  compete, so the score reads as a probability. Conflicts still cap.
* `rules` (`matcher.rules`): rapidfuzz similarity with caps that keep any one-sided
  evidence out of the link band. Precise, and cautious: recall comes from the suggest
  band, where a person confirms (on retailer titles four in five products wait for one).

Both give a float in 0–100 with one decimal, after their caps, and reasons from
`matcher.reasons`.
"""

from __future__ import annotations

from collections.abc import Sequence

from matcher.learned import score_by_model
from matcher.prices import Price
from matcher.rules import score_by_rules
from matcher.scoring_types import (
    CAP_STEP,
    DEFAULT_THRESHOLDS,
    Candidate,
    Scored,
    Scorer,
    Thresholds,
)

SCORERS = {"rules": score_by_rules, "learned": score_by_model}

__all__ = [
    "CAP_STEP",
    "DEFAULT_THRESHOLDS",
    "Candidate",
    "Price",
    "Scored",
    "Scorer",
    "Thresholds",
    "score_candidates",
]


def score_candidates(
    name: str,
    brand: str | None,
    gtin: str | None,
    candidates: Sequence[Candidate],
    *,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
    price: Price | None = None,
) -> list[Scored]:
    """Score each candidate for a store product; best first, one entry per canonical id.

    `thresholds` positions the caps ("just below auto-link / suggest") and picks the
    scorer; pass the same object to `decide`. `price`: the store product's, compared with
    each candidate's `prices`. Ties go to the lower id (deterministic).
    """
    scored = SCORERS[thresholds.scorer](name, brand, gtin, candidates, thresholds, price)
    best: dict[int, Scored] = {}
    for s in scored:
        kept = best.get(s.canonical_product_id)
        if kept is None or s.score > kept.score:
            best[s.canonical_product_id] = s
    return sorted(best.values(), key=lambda s: (-s.score, s.canonical_product_id))
