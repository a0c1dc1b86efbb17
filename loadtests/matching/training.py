"""Labelled pairs from generated marketplaces, the logistic fit, and offline evaluation.

For every store item, the candidates are what a search would bring: the catalog's
products most similar by name (rapidfuzz over the normalized names, top K), with the
true product added when it is in the catalog but the search missed it. Each (item,
candidate) pair is read by the very function the scorer uses (`matcher.learned.evidence`)
and labelled by the truth. The fit is an L2-regularised logistic regression by
iteratively reweighted least squares (numpy: `pip install -e '.[train]'`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from catalog.names import normalize_name
from matcher.decision import decide
from matcher.features import FEATURES, with_rivals
from matcher.learned import evidence
from matcher.model import Model
from matcher.scoring import DEFAULT_THRESHOLDS, Candidate, Thresholds, score_candidates

from .marketplace import Marketplace, StoreItem

SEARCHED = 10


@dataclass
class Lists:
    """Per store item: its candidates' feature vectors, and which one is the truth
    (None: the truth is not among them, or not in the catalog at all)."""

    candidates: list[list[tuple[float, ...]]]
    truth: list[int | None]

    @property
    def pairs(self) -> int:
        return sum(map(len, self.candidates))


def _catalog(market: Marketplace) -> tuple[list[Candidate], list[str]]:
    catalog = [Candidate(p.key, p.name, p.brand or None) for p in market.products if p.in_catalog]
    return catalog, [normalize_name(c.name) for c in catalog]


def search(item: StoreItem, catalog: list[Candidate], names: list[str]) -> list[Candidate]:
    query = normalize_name(f"{item.brand or ''} {item.name}")
    found = process.extract(query, names, scorer=fuzz.token_set_ratio, limit=SEARCHED)
    return [catalog[index] for _, _, index in found]


def labelled_lists(markets: Iterable[Marketplace]) -> Lists:
    lists = Lists([], [])
    for market in markets:
        catalog, names = _catalog(market)
        for items in market.items.values():
            for item in items:
                found = search(item, catalog, names)
                found = list({c.canonical_product_id: c for c in found}.values())
                features = with_rivals([evidence(item.name, item.brand, c)[0] for c in found])
                rows = [f.vector() for f in features]
                keys = [c.canonical_product_id for c in found]
                lists.candidates.append(rows)
                lists.truth.append(keys.index(item.truth) if item.truth in keys else None)
    return lists


def fit(lists: Lists, l2: float = 1.0, iterations: int = 30) -> tuple[float, dict[str, float]]:
    """The listwise logistic model by Newton steps: P(candidate j is the product) =
    e^{z_j} / (1 + Σ_k e^{z_k}), z = bias + w·x, the 1 standing for "none of them".
    With one candidate it is the plain logistic σ(z). Returns (bias, weights)."""
    import numpy as np

    width = max(map(len, lists.candidates))
    d = len(FEATURES) + 1
    x = np.zeros((len(lists.truth), width, d))
    mask = np.zeros((len(lists.truth), width), dtype=bool)
    y = np.zeros((len(lists.truth), width))
    for i, (rows, truth) in enumerate(zip(lists.candidates, lists.truth, strict=True)):
        if rows:
            x[i, : len(rows), 0] = 1.0
            x[i, : len(rows), 1:] = rows
            mask[i, : len(rows)] = True
        if truth is not None:
            y[i, truth] = 1.0
    w = np.zeros(d)
    penalty = np.eye(d) * l2
    penalty[0, 0] = 0.0  # the bias is not shrunk
    for _ in range(iterations):
        z = np.where(mask, np.clip(x @ w, -30, 30), -np.inf)
        top = np.maximum(z.max(axis=1, initial=0.0), 0.0)[:, None]
        e = np.where(mask, np.exp(z - top), 0.0)
        p = e / (np.exp(-top) + e.sum(axis=1, keepdims=True))
        mean = np.einsum("ij,ijk->ik", p, x)
        gradient = np.einsum("ij,ijk->k", p - y, x) + penalty @ w
        hessian = np.einsum("ij,ijk,ijl->kl", p, x, x) - mean.T @ mean + penalty
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.abs(step).max() < 1e-6:
            break
    return float(w[0]), {name: float(v) for name, v in zip(FEATURES, w[1:], strict=True)}


def log_loss(lists: Lists, model: Model) -> float:
    """Mean negative log-likelihood of the truths ("none" included) under `model`."""
    total = 0.0
    for rows, truth in zip(lists.candidates, lists.truth, strict=True):
        shares = model.shares(rows)
        chosen = 1.0 - sum(shares) if truth is None else shares[truth]
        total -= math.log(max(chosen, 1e-12))
    return total / max(1, len(lists.truth))


# --------------------------------------------------------------------------- evaluation


@dataclass
class Evaluation:
    items: int = 0
    with_truth: int = 0
    linked: int = 0
    linked_right: int = 0
    suggested: int = 0
    review: int = 0
    top1_right: int = 0
    top5_right: int = 0
    deciles: dict[int, list[int]] | None = None  # top score decile → [right, total]

    @property
    def precision(self) -> float:
        return self.linked_right / self.linked if self.linked else 1.0

    @property
    def recall(self) -> float:
        return self.linked_right / self.with_truth if self.with_truth else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def evaluate(market: Marketplace, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> Evaluation:
    """The name path alone, offline: search, score, decide, against the truth."""
    catalog, names = _catalog(market)
    in_catalog = {c.canonical_product_id for c in catalog}
    result = Evaluation(deciles={d: [0, 0] for d in range(10)})
    assert result.deciles is not None
    for items in market.items.values():
        for item in items:
            found = search(item, catalog, names)
            scored = score_candidates(item.name, item.brand, None, found, thresholds=thresholds)
            decision = decide(scored, thresholds)
            result.items += 1
            has_truth = item.truth in in_catalog
            result.with_truth += has_truth
            if scored:
                top = scored[0]
                decile = min(int(top.score // 10), 9)
                result.deciles[decile][0] += top.canonical_product_id == item.truth
                result.deciles[decile][1] += 1
                result.top1_right += top.canonical_product_id == item.truth
                result.top5_right += item.truth in {s.canonical_product_id for s in scored[:5]}
            if decision.kind == "link" and decision.best is not None:
                result.linked += 1
                result.linked_right += decision.best.canonical_product_id == item.truth
            elif decision.kind == "suggest":
                result.suggested += 1
            else:
                result.review += 1
    return result


def report_lines(name: str, e: Evaluation) -> list[str]:
    lines = [
        f"{name}: {e.items:,} items ({e.with_truth:,} with a catalog truth); "
        f"auto-link precision {e.precision:.1%} ({e.linked_right}/{e.linked}), "
        f"recall {e.recall:.1%}, F1 {e.f1:.3f}; suggest {e.suggested / e.items:.1%}, "
        f"review {e.review / e.items:.1%}; top-1 {e.top1_right / max(1, e.with_truth):.1%}, "
        f"top-5 {e.top5_right / max(1, e.with_truth):.1%}",
        "  calibration (top score decile: right/total = observed):",
    ]
    assert e.deciles is not None
    for decile, (right, total) in sorted(e.deciles.items()):
        if total:
            band = f"{decile * 10:>3}–{decile * 10 + 9:<3}"
            lines.append(f"    {band} {right:>5}/{total:<5} = {right / total:.0%}")
    return lines
