"""Fit the matcher's weights on the candidates the worker really sees, and judge them.

    .venv/bin/pip install -e '.[train]'          # numpy, for the fit
    .venv/bin/python loadtests/train_matcher.py                # fit, evaluate, print
    .venv/bin/python loadtests/train_matcher.py --write        # ... and write matcher/model.json

Harvests training lists from every generator's marketplaces for --train-seeds through
the real pipeline on each --backends (`matching.harvest`: the worker's own trigram
candidates, deciding with the shipped model; provisional and sync-made canonical
products included), fits, then runs the pipeline again with the fitted weights on
--test-seed, which no fit saw, and reports it as bench_matching does. --rounds > 1
harvests again with the weights just fitted (the candidates a worker meets depend on
the provisional products its decisions made).

Then it calibrates the shares: the pipeline runs with the weights on
--calibration-seeds (seen by no weight fit either), and an isotonic regression of "the best
candidate is the product" on its share gives the map the scorer applies
(`Model.calibrated`), so that a score of 90 is right about 90% of the time.
--keep-weights calibrates the shipped weights without refitting them.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import json
import logging
from pathlib import Path
from typing import Any

from matching.generators import GENERATORS
from matching.harvest import harvest
from matching.training import Lists, fit, isotonic, log_loss

import matcher.learned
from matcher.features import FEATURES
from matcher.model import Model, load_model

MODEL_PATH = Path(__file__).resolve().parent.parent / "matcher" / "model.json"
SHOWN = (
    "  auto-link PRECISION (target ≥ 99%)",
    "  recall (true canonical exists)",
    "  F1 of auto-links",
    "  left for a person (suggest + review + provisional)",
    "  top-1 / top-5 right (true canonical exists)",
)


def use(model: Model) -> None:
    """Score with `model` from now on (the scorer reads it through this name)."""
    matcher.learned.load_model = lambda: model  # type: ignore[assignment]


def market(name: str, seed: int, args: argparse.Namespace):  # type: ignore[no-untyped-def]
    return GENERATORS[name](seed, args.products, args.stores, args.new_share)


async def harvest_all(names: list[str], seeds: list[int], args: argparse.Namespace) -> Lists:
    lists = Lists([], [])
    for backend_name in args.backends.split(","):
        for name in names:
            for seed in seeds:
                lists.extend((await harvest(market(name, seed, args), backend_name, args)).lists)
    return lists


async def main() -> None:
    logging.basicConfig(level=logging.WARNING)
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--generators", default=",".join(GENERATORS))
    parser.add_argument("--train-seeds", default="11,12")
    parser.add_argument("--test-seed", type=int, default=1)
    parser.add_argument("--products", type=int, default=800)
    parser.add_argument("--stores", type=int, default=6)
    parser.add_argument("--new-share", type=float, default=0.1)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--l2", type=float, default=1.0)
    parser.add_argument("--admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--database", default="imgedge_train_match")
    parser.add_argument("--calibration-seeds", default="2,3,4")
    parser.add_argument("--keep-weights", action="store_true", help="calibrate only")
    parser.add_argument("--write", action="store_true", help="write matcher/model.json")
    args = parser.parse_args()
    args.scorer, args.keep = "learned", False
    names = args.generators.split(",")
    seeds = [int(s) for s in args.train_seeds.split(",")]

    shipped = load_model()
    model = Model(shipped.bias, shipped.weights)  # uncalibrated
    use(model)
    data = json.loads(MODEL_PATH.read_text())
    if not args.keep_weights:
        model, data = await refit(model, names, seeds, args)
    calibration_seeds = [int(s) for s in args.calibration_seeds.split(",")]
    points = await calibration_points(names, calibration_seeds, args)
    model = Model(model.bias, model.weights, tuple(isotonic(points)))
    print_calibration(model, points)
    data["calibration"] = {
        "seeds": calibration_seeds,
        "backends": args.backends.split(","),
        "products": args.products,
        "best_candidates": len(points),
        "points": written(model.calibration),
    }
    use(model)
    summary: dict[str, dict[str, str]] = {}
    for name in names:
        for backend_name in args.backends.split(","):
            report = (await harvest(market(name, args.test_seed, args), backend_name, args)).report
            rows = {label.strip(): report.rows[label] for label in SHOWN}
            summary[f"{name}/{backend_name}"] = rows
            print(f"{name} (seed {args.test_seed}) on {backend_name}, calibrated:")
            print("\n".join(f"  {label}: {value}" for label, value in rows.items()))
    data["test"] = {"seed": args.test_seed, **summary}
    if args.write:
        MODEL_PATH.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
        print(f"wrote {MODEL_PATH}")


async def refit(
    model: Model, names: list[str], seeds: list[int], args: argparse.Namespace
) -> tuple[Model, dict[str, Any]]:
    """New weights from the training seeds' lists (harvested with `model` deciding)."""
    for round_ in range(1, args.rounds + 1):
        use(model)
        lists = await harvest_all(names, seeds, args)
        bias, weights = fit(lists, args.l2)
        model = Model(bias, tuple(weights[f] for f in FEATURES))
        found = sum(t is not None for t in lists.truth)
        print(
            f"round {round_}: {len(lists.truth):,} store items ({lists.pairs:,} pairs; the "
            f"truth among the candidates for {found:,}) from {', '.join(names)} seeds {seeds} "
            f"on {args.backends}; log loss {log_loss(lists, model):.4f}"
        )
    print(f"  bias {bias:+.2f}; " + ", ".join(f"{k} {v:+.2f}" for k, v in weights.items()))
    data: dict[str, Any] = {
        "trained": datetime.date.today().isoformat(),
        "generators": names,
        "seeds": seeds,
        "products": args.products,
        "backends": args.backends.split(","),
        "rounds": args.rounds,
        "items": len(lists.truth),
        "pairs": lists.pairs,
        "l2": args.l2,
        "bias": round(bias, 4),
        "weights": {k: round(v, 4) for k, v in weights.items()},
    }
    return model, data


def written(points: tuple[tuple[float, float], ...]) -> list[list[float]]:
    """The breakpoints rounded for model.json, which must increase in share: of two that
    round to one share (shares near 1 at --products 3000), the later, likelier one."""
    out: list[list[float]] = []
    for x, y in points:
        point = [round(x, 4), round(y, 4)]
        if out and out[-1][0] == point[0]:
            out.pop()
        out.append(point)
    return out


async def calibration_points(
    names: list[str], seeds: list[int], args: argparse.Namespace
) -> list[tuple[float, bool]]:
    """(share, is the product) of the best competing candidate of each store product the
    worker met on `seeds`."""
    points: list[tuple[float, bool]] = []
    for name in names:
        each: list[tuple[float, bool]] = []
        for backend_name in args.backends.split(","):
            for seed in seeds:
                each += (await harvest(market(name, seed, args), backend_name, args)).shares
        print_calibration(None, each, name)
        points += each
    return points


def print_calibration(
    model: Model | None, points: list[tuple[float, bool]], what: str = "all"
) -> None:
    """Per decile of the raw share: the candidates, how often right, and (given the
    model) the calibrated score the scorer now gives (its mean)."""
    print(f"{what}: {len(points):,} best candidates by share decile: right, calibrated")
    for decile in range(9, -1, -1):
        inside = [(x, y) for x, y in points if min(int(x * 10), 9) == decile]
        if inside:
            right = sum(y for _, y in inside) / len(inside)
            after = sum((model or Model(0, ())).calibrated(x) for x, _ in inside) / len(inside)
            print(f"  {decile * 10:>2}–{decile * 10 + 9:<3} {len(inside):>6,}  "
                  f"{right:6.1%}  {after:6.1%}")  # fmt: skip


if __name__ == "__main__":
    asyncio.run(main())
