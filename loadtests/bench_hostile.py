"""Hostile bench: do heavy renders starve ordinary ones? Numbers, not a timed test.

A throw-away catalog is seeded like the demo, plus three heavy originals (43-49 MP CMYK
JPEGs, within the default source limits), and `imgedge serve` runs in a subprocess
with its default settings. Two phases, each on variants never rendered before:

- quiet: one client requests ordinary cold misses (thumbnail…large, WebP and JPEG) one
  after another (0.1 s apart), while another requests one cached variant every 20 ms;
- hostile: the same, on other products, while N clients loop on the heaviest allowed
  renders of the heavy originals (original and large@2x, in WebP, AVIF and JPEG).

It prints p50/p95 of the cold misses and p50/p99 of the hits in both phases with their
ratio against the targets (cold-miss p95 within 3× of quiet, hit p99 within 1.5×), the
server's peak RSS against the render memory budget plus its idle RSS, and the hostile
clients' answers by status. `--code` runs another checkout's edge (e.g. the main
branch, for a before/after comparison): the seeding and the server import from it.

Run from the repository root:

    .venv/bin/python loadtests/bench_hostile.py
    .venv/bin/python loadtests/bench_hostile.py --hostile 8 --phase-s 60
    .venv/bin/python loadtests/bench_hostile.py --code ../main    # before
"""

from __future__ import annotations

import argparse
from pathlib import Path

from rendering.hostile import Options, report, run

ROOT = Path(__file__).resolve().parents[1]


def parse_args(argv: list[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="examples:" + __doc__.split("Run from the repository root:")[1].rstrip(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--code", type=Path, default=ROOT, help="checkout the server runs")
    parser.add_argument("--products", type=int, default=30, help="demo products (default 30)")
    parser.add_argument("--hostile", type=int, default=4, help="hostile clients (default 4)")
    parser.add_argument(
        "--phase-s", type=float, default=20.0, help="seconds each phase measures (20)"
    )
    parser.add_argument(
        "--budget-mb", type=int, default=1024, help="IMGEDGE_RENDER_MEMORY_BUDGET_MB (1024)"
    )
    args = parser.parse_args(argv)
    if args.products < 4 or args.hostile < 0 or args.phase_s <= 0:
        parser.error("--products must be at least 4, --phase-s positive")
    return Options(args.code.resolve(), args.products, args.hostile, args.phase_s, args.budget_mb)


def main(argv: list[str] | None = None) -> None:
    options = parse_args(argv)
    print(f"hostile bench: server code {options.code}, {options.hostile} hostile clients, "
          f"phases of {options.phase_s:g} s")  # fmt: skip
    quiet, loud, idle_mb = run(options)
    report(options, quiet, loud, idle_mb)


if __name__ == "__main__":
    main()
