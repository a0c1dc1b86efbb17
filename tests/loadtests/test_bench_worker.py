"""`loadtests/bench_worker.py --against`: two versions' drains, interleaved, and their
medians; `--compiled` (a small SQLite queue; the figures themselves are the benchmark's,
not a test's)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.needs import needs_compiler

ROOT = Path(__file__).resolve().parents[2]
BENCH = [sys.executable, str(ROOT / "loadtests" / "bench_worker.py"), "--backend", "sqlite"]
SMALL = ["--catalog", "300", "--items", "30", "--workers", "1"]


def test_two_checkouts_are_drained_in_turn_and_their_medians_compared(tmp_path: Path) -> None:
    run = subprocess.run(
        [*BENCH, *SMALL, "--rounds", "2", "--against", str(ROOT)],
        capture_output=True, text=True, timeout=120, cwd=tmp_path,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    rows = [line.split()[0] for line in run.stdout.splitlines() if "30/30" in line]
    assert rows == ["sqlite", "sqlite*", "sqlite", "sqlite*"]  # this, against, in turn
    assert "this    (2 drains)" in run.stdout and "against (2 drains)" in run.stdout
    assert "sqlite     1 worker(s): this / against " in run.stdout


def test_an_against_that_is_no_checkout_is_refused(tmp_path: Path) -> None:
    run = subprocess.run(
        [*BENCH, *SMALL, "--against", str(tmp_path)], capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 2
    assert "not an imgedge checkout" in run.stderr


def test_compiled_runs_this_code_compiled_against_the_pure_one(tmp_path: Path) -> None:
    needs_compiler()
    run = subprocess.run(
        [*BENCH, *SMALL, "--compiled", "--against", str(ROOT)],
        capture_output=True, text=True, timeout=300, cwd=tmp_path,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    # The worker processes' matcher, loaded as they load it: an extension module.
    [module] = [line.split(": ", 1)[1] for line in run.stdout.splitlines() if "compiled: " in line]
    assert module.endswith(".so") and "/matcher/features." in module
    rows = [line.split()[0] for line in run.stdout.splitlines() if "30/30" in line]
    assert rows == ["sqlite", "sqlite*"]
