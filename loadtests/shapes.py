"""Load shapes, chosen with `--shape` (or `IMGEDGE_LOAD_SHAPE`) and played by the
locustfile's `MarketplaceShape`: each scales the users (`-u`) and the run time (`-t`,
default 10 minutes) it is given.

- `constant` (default): `-u` users spawned at `-r`/s for `-t`, as plain Locust.
- `ramp`: 25%, 50%, 75%, 100% of `-u`, each step a fifth of `-t`, then 100% to the
  end: where latency bends is the knee.
- `spike`: 25% of `-u`; from 40% to 60% of `-t` all of `-u` at once (spawned in about
  a second); then 25% again: how fast the tail recovers.
- `soak`: `-u` reached within the first 5% of `-t` (at most 5 minutes), held to the
  end: leaks, cache churn, queue drift over hours.
"""

from __future__ import annotations

from collections.abc import Callable

SHAPES = ("constant", "ramp", "spike", "soak")
DEFAULT_RUN_TIME_S = 600

# (elapsed share of the run, users, spawn rate) → users and spawn rate at that moment
Plan = Callable[[float, int, float], tuple[int, float]]


def constant(_: float, users: int, rate: float) -> tuple[int, float]:
    return users, rate


def ramp(share: float, users: int, rate: float) -> tuple[int, float]:
    step = min(4, int(share * 5) + 1)
    return max(1, users * step // 4), rate


def spike(share: float, users: int, _: float) -> tuple[int, float]:
    if 0.4 <= share < 0.6:
        return users, float(users)  # all at once
    return max(1, users // 4), float(users)


def soak(_: float, users: int, rate: float) -> tuple[int, float]:
    return users, rate  # the spawn rate is set to reach `users` early (see tick)


PLANS: dict[str, Plan] = {"constant": constant, "ramp": ramp, "spike": spike, "soak": soak}
