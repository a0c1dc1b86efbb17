"""The learned weights that turn a pair's evidence into a calibrated score.

A listwise logistic model over `matcher.features.FEATURES`: z = b + Σ wᵢ·xᵢ per candidate,
and the candidates of one store product share the probability (`Model.shares`).
Only the candidates nothing blocks compete (`matcher.learned.competing`), so the
conflict features weigh nothing. It is trained offline on the candidates the worker's
own search returned for generated marketplaces whose truth is known
(`loadtests/train_matcher.py`, which writes `matcher/model.json` with the weights, what
they were trained on and how they did on a held-out seed), and shipped in the package:
nothing is downloaded or learned at run time. Chosen over boosted trees because a dozen weights on
features in 0–1 can be read and argued with, calibrate by construction on the training
distribution, and need no library at run time.
"""

from __future__ import annotations

import bisect
import itertools
import json
import math
import operator
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from matcher.features import FEATURES

_SHARE = operator.itemgetter(0)  # a calibration breakpoint's share


@dataclass(frozen=True)
class Model:
    bias: float
    weights: tuple[float, ...]  # one per FEATURES name, in that order
    # Isotonic calibration of a candidate's share (`calibrated`): (share, how often a
    # candidate with that share was the product) breakpoints, both increasing, fitted
    # on held-out marketplaces; empty: the shares are used as they are.
    calibration: tuple[tuple[float, float], ...] = ()

    def calibrated(self, share: float) -> float:
        """The share as the probability observed for it: linear between breakpoints (so
        the order of candidates is kept), from 0 below the first, flat above the last."""
        points = self.calibration
        if not points:
            return share
        if share <= points[0][0]:
            x0, y0 = points[0]
            return y0 * share / x0 if x0 > 0 else y0
        # The first breakpoint at or above the share (one call per candidate scored: a
        # bisection, not a walk along the ~50 breakpoints).
        i = bisect.bisect_left(points, share, 1, key=_SHARE)
        if i == len(points):
            return points[-1][1]
        (x0, y0), (x1, y1) = points[i - 1], points[i]
        return y0 + (y1 - y0) * (share - x0) / (x1 - x0)

    def logit(self, vector: Sequence[float]) -> float:
        if len(vector) != len(self.weights):
            raise ValueError(f"{len(vector)} features for {len(self.weights)} weights")
        # The products summed in order, as `sum(w * x for ...)` would, a third as fast.
        z: float = self.bias + sum(map(operator.mul, self.weights, vector))
        return max(-30.0, min(30.0, z))

    def shares(self, vectors: Sequence[Sequence[float]]) -> list[float]:
        """The candidates of one store product compete: P(j is the product) =
        e^{z_j} / (1 + Σ e^{z_k}), the 1 standing for "none of them" (as trained); with
        one candidate it is σ(z). `vectors`: `PairFeatures.vector()` of each."""
        return shares_of([self.logit(v) for v in vectors])

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Model:
        named: dict[str, float] = data["weights"]
        unknown = set(named) - set(FEATURES)
        if unknown:
            raise ValueError(f"model.json names unknown features: {sorted(unknown)}")
        # A feature the file does not know weighs nothing (added after training).
        weights = tuple(float(named.get(f, 0.0)) for f in FEATURES)
        points = data.get("calibration", {}).get("points", [])
        calibration = tuple((float(x), float(y)) for x, y in points)
        if any(b[0] <= a[0] or b[1] < a[1] for a, b in itertools.pairwise(calibration)):
            raise ValueError("model.json: calibration points must increase")
        return cls(float(data["bias"]), weights, calibration)


def shares_of(z: Sequence[float]) -> list[float]:
    """`Model.shares` of the candidates whose logits are `z`."""
    top = max([0.0, *z])
    weights = [math.exp(v - top) for v in z]
    norm = math.exp(-top) + sum(weights)
    return [w / norm for w in weights]


@cache
def load_model() -> Model:
    text = resources.files("matcher").joinpath("model.json").read_text()
    return Model.from_json(json.loads(text))
