"""The listwise logistic fit of the matcher's weights, on labelled candidate lists.

The lists come from `harvest` (the worker's own candidates, through the real pipeline);
the fit is an L2-regularised logistic regression by Newton steps (numpy: `pip install -e
'.[train]'`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from matcher.features import FEATURES
from matcher.model import Model


@dataclass
class Lists:
    """Per store item: its candidates' feature vectors, and which one is the truth
    (None: the truth is not among them, or not in the catalog at all)."""

    candidates: list[list[tuple[float, ...]]]
    truth: list[int | None]

    @property
    def pairs(self) -> int:
        return sum(map(len, self.candidates))

    def extend(self, other: Lists) -> None:
        self.candidates += other.candidates
        self.truth += other.truth


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


def isotonic(points: list[tuple[float, bool]], per_bin: int = 40) -> list[tuple[float, float]]:
    """Isotonic regression (pool adjacent violators) of the outcome on the share: the
    breakpoints (mean share, observed rate) of blocks whose rates strictly increase.
    The points are first binned `per_bin` at a time (by share), so no breakpoint rests
    on a handful of candidates."""
    ordered = sorted(points)
    blocks: list[list[float]] = []  # [sum of shares, sum of outcomes, count]
    for i in range(0, len(ordered), per_bin):
        chunk = ordered[i : i + per_bin]
        blocks.append([sum(x for x, _ in chunk), float(sum(y for _, y in chunk)), len(chunk)])
        while len(blocks) > 1 and (
            blocks[-2][1] / blocks[-2][2] >= blocks[-1][1] / blocks[-1][2]
            or blocks[-2][0] / blocks[-2][2] >= blocks[-1][0] / blocks[-1][2]
        ):
            last = blocks.pop()
            blocks[-1] = [a + b for a, b in zip(blocks[-1], last, strict=True)]
    return [(sx / n, sy / n) for sx, sy, n in blocks]
