"""Fit the matcher's weights on generated marketplaces and say how they generalize.

    .venv/bin/pip install -e '.[train]'          # numpy, for the fit
    .venv/bin/python loadtests/train_matcher.py                # fit, evaluate, print
    .venv/bin/python loadtests/train_matcher.py --write        # ... and write matcher/model.json

Trains on every generator's marketplaces for --train-seeds, evaluates offline (search,
score, decide; the name path alone) on --test-seed of every generator, and, to show how
much the weights owe to each generator, fits once per generator without it and
evaluates on it (leave one generator out).
"""

from __future__ import annotations

import argparse
import datetime
import json
from pathlib import Path

from matching.generators import GENERATORS
from matching.training import evaluate, fit, labelled_lists, log_loss, report_lines

import matcher.learned
from matcher.features import FEATURES
from matcher.model import Model
from matcher.scoring import Thresholds

MODEL_PATH = Path(__file__).resolve().parent.parent / "matcher" / "model.json"
RULES, LEARNED = Thresholds(scorer="rules"), Thresholds(scorer="learned")


def use(model: Model) -> None:
    """Score with `model` from now on (the scorer reads it through this name)."""
    matcher.learned.load_model = lambda: model  # type: ignore[assignment]


def markets(names: list[str], seeds: list[int], args: argparse.Namespace) -> list:
    return [
        GENERATORS[name](seed, args.products, args.stores, args.new_share)
        for name in names
        for seed in seeds
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--generators", default=",".join(GENERATORS))
    parser.add_argument("--train-seeds", default="11,12")
    parser.add_argument("--test-seed", type=int, default=1)
    parser.add_argument("--products", type=int, default=1500)
    parser.add_argument("--stores", type=int, default=6)
    parser.add_argument("--new-share", type=float, default=0.1)
    parser.add_argument("--l2", type=float, default=1.0)
    parser.add_argument("--write", action="store_true", help="write matcher/model.json")
    args = parser.parse_args()
    names = args.generators.split(",")
    seeds = [int(s) for s in args.train_seeds.split(",")]

    lists = labelled_lists(markets(names, seeds, args))
    bias, weights = fit(lists, args.l2)
    model = Model(bias, tuple(weights[f] for f in FEATURES))
    found = sum(t is not None for t in lists.truth)
    print(
        f"trained on {len(lists.truth):,} store items ({lists.pairs:,} pairs; the truth "
        f"among the candidates for {found:,}) from {', '.join(names)} seeds {seeds}; "
        f"log loss {log_loss(lists, model):.4f}"
    )
    print(f"  bias {bias:+.2f}; " + ", ".join(f"{k} {v:+.2f}" for k, v in weights.items()))
    use(model)
    summary = {}
    for name in names:
        market = GENERATORS[name](args.test_seed, args.products, args.stores, args.new_share)
        baseline = evaluate(market, RULES)
        print(report_lines(f"{name} (seed {args.test_seed}), rules", baseline)[0])
        result = evaluate(market, LEARNED)
        summary[name] = {"precision": result.precision, "recall": result.recall, "f1": result.f1}
        print("\n".join(report_lines(f"{name} (seed {args.test_seed}), learned", result)))
    if len(names) > 1:
        print("\nleave one generator out (fit without it, evaluate on it):")
        for held in names:
            rest = [n for n in names if n != held]
            b, w = fit(labelled_lists(markets(rest, seeds, args)), args.l2)
            use(Model(b, tuple(w[f] for f in FEATURES)))
            result = evaluate(
                GENERATORS[held](args.test_seed, args.products, args.stores, args.new_share),
                LEARNED,
            )
            print("\n".join(report_lines(f"{held} held out", result)[:1]))
        use(model)
    if args.write:
        MODEL_PATH.write_text(
            json.dumps(
                {
                    "trained": datetime.date.today().isoformat(),
                    "generators": names,
                    "seeds": seeds,
                    "products": args.products,
                    "items": len(lists.truth),
                    "pairs": lists.pairs,
                    "l2": args.l2,
                    "test": {"seed": args.test_seed, **summary},
                    "bias": round(bias, 4),
                    "weights": {k: round(v, 4) for k, v in weights.items()},
                },
                indent=2,
            )
            + "\n"
        )
        print(f"wrote {MODEL_PATH}")


if __name__ == "__main__":
    main()
