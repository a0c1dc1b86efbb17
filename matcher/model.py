"""The learned weights that turn a pair's evidence into a calibrated score.

A logistic regression over `matcher.features.FEATURES`: score = 100 · σ(b + Σ wᵢ·xᵢ).
It is trained offline on generated marketplaces whose truth is known
(`loadtests/train_matcher.py`, which writes `matcher/model.json` with the weights, what
they were trained on and how they did), and shipped in the package: nothing is
downloaded or learned at run time. Chosen over boosted trees because a dozen weights on
features in 0–1 can be read and argued with, calibrate by construction on the training
distribution, and need no library at run time.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from matcher.features import FEATURES, PairFeatures


@dataclass(frozen=True)
class Model:
    bias: float
    weights: tuple[float, ...]  # one per FEATURES name, in that order

    def probability(self, features: PairFeatures) -> float:
        z = self.bias + sum(w * x for w, x in zip(self.weights, features.vector(), strict=True))
        if z < -30:
            return 0.0
        return 1.0 / (1.0 + math.exp(-z))

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Model:
        named: dict[str, float] = data["weights"]
        unknown = set(named) - set(FEATURES)
        if unknown:
            raise ValueError(f"model.json names unknown features: {sorted(unknown)}")
        # A feature the file does not know weighs nothing (added after training).
        return cls(float(data["bias"]), tuple(float(named.get(f, 0.0)) for f in FEATURES))


@cache
def load_model() -> Model:
    text = resources.files("matcher").joinpath("model.json").read_text()
    return Model.from_json(json.loads(text))
