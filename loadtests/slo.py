"""The thresholds of `slo.toml`, judged against a finished run: Locust's statistics
(p95/p99 per route, error rate) and the edge's figures (hit ratio)."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from loadtests.server_metrics import HIT_RATIO

DEFAULT_SLO = Path(__file__).resolve().parent / "slo.toml"
_PERCENTILE = re.compile(r"p(\d+(?:\.\d+)?)_ms\Z")


@dataclass(frozen=True, slots=True)
class Check:
    what: str
    limit: str
    measured: str
    ok: bool


def load_slo(path: str | Path) -> dict[str, Any]:
    with open(path, "rb") as file:
        slo = tomllib.load(file)
    unknown = set(slo) - {"max_error_rate", "min_hit_ratio"}
    if bad := {k for k in unknown if not _PERCENTILE.match(k)}:
        raise ValueError(f"{path}: unknown thresholds {sorted(bad)}")
    return slo


def judge(slo: dict[str, Any], stats: Any, server: dict[str, Any]) -> list[Check]:
    """`stats`: Locust's `RequestStats`; `server`: the whole run's server figures."""
    checks: list[Check] = []
    total = stats.total
    if "max_error_rate" in slo:
        rate = total.num_failures / total.num_requests if total.num_requests else 0.0
        limit = float(slo["max_error_rate"])
        checks.append(
            Check(
                "error rate", f"≤ {limit:.2%}", f"{rate:.2%} of {total.num_requests}", rate <= limit
            )
        )
    if "min_hit_ratio" in slo:
        limit = float(slo["min_hit_ratio"])
        hit = server.get(HIT_RATIO)
        if isinstance(hit, float):
            checks.append(Check(HIT_RATIO, f"≥ {limit:.2f}", f"{hit:.3f}", hit >= limit))
        else:
            checks.append(Check(HIT_RATIO, f"≥ {limit:.2f}", "not measured", True))
    for key, routes in slo.items():
        match = _PERCENTILE.match(key)
        if match is None:
            continue
        percentile = float(match.group(1)) / 100
        for route, limit_ms in routes.items():
            entry = next((e for e in stats.entries.values() if e.name == route), None)
            if entry is None or entry.num_requests == 0:
                continue  # not exercised by this run
            ms = entry.get_response_time_percentile(percentile)
            checks.append(
                Check(f"{route} {key.removesuffix('_ms')}", f"≤ {limit_ms} ms", f"{ms:.0f} ms",
                      ms <= float(limit_ms))
            )  # fmt: skip
    return checks
