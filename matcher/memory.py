"""What the matcher remembers of curators' decisions (pure; the catalog keeps them, per
deployment, in `match_decisions`).

A decision is keyed by the store product's name as the matcher reads it (its described
name) and its brand, both normalized (`decision_key`). A later product from any store
with the same key:

* links where a person confirmed that name: the canonical product scores 100 with
  `curator_confirmed`, found or not by the search (two canonical products confirmed for
  one name are both 100: ambiguous, a suggestion);
* never links where a person rejected it: that candidate's score is capped just below
  the suggest band with `curator_rejected` (`matcher.decision` blocks its link whatever
  the thresholds).

Everything else is scored as before: the memory is exact, so it can only be as wrong as
the people were or as the name is ambiguous (a name cut short that two products share;
the same-store rule still turns a second SKU of one store into a suggestion).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from catalog.models import CuratorDecision
from catalog.names import normalize_name
from matcher.reasons import CURATOR_CONFIRMED, CURATOR_REJECTED
from matcher.scoring_types import CAP_STEP, Scored, Thresholds

CONFIRMED_SCORE = 100.0


def decision_key(name: str, brand: str | None) -> tuple[str, str]:
    """The key a decision is kept and looked up by: normalized name and brand."""
    return normalize_name(name), normalize_name(brand or "")


def confirmed_ids(decisions: Iterable[CuratorDecision]) -> list[int]:
    return [d.canonical_id for d in decisions if d.confirmed]


def remember(
    scored: Sequence[Scored], decisions: Sequence[CuratorDecision], thresholds: Thresholds
) -> list[Scored]:
    """`scored` (one per canonical product) with the decisions applied, best first.
    `decisions`: the latest per canonical product for this product's key."""
    if not decisions:
        return list(scored)
    verdict = {d.canonical_id: d.confirmed for d in decisions}
    below_suggest = thresholds.suggest - CAP_STEP
    result: dict[int, Scored] = {}
    for s in scored:
        confirmed = verdict.get(s.canonical_product_id)
        if confirmed is False:
            capped = min(s.score, below_suggest)
            s = Scored(s.canonical_product_id, capped, (*s.reasons, CURATOR_REJECTED))
        result[s.canonical_product_id] = s
    for canonical_id in confirmed_ids(decisions):
        result[canonical_id] = Scored(canonical_id, CONFIRMED_SCORE, (CURATOR_CONFIRMED,))
    return sorted(result.values(), key=lambda s: (-s.score, s.canonical_product_id))
