"""A copy of an imgedge checkout with the matcher compiled in place (setup.py's
`COMPILED` modules, mypyc), to run or benchmark the code as the Docker image runs it
without ever putting compiled modules into a working tree, where they would shadow the
edited sources.

    python -m loadtests.compiled_copy DIR [--from CHECKOUT]
    python -m loadtests.compiled_copy --digest     # in a copy, or in a checkout

`bench_worker.py --compiled` drains with such a copy of this checkout;
tests/matcher/test_compiled.py runs the matcher's tests in one and compares its scores
with the pure modules' (`scores_digest`). It needs mypy (the dev extra) and a C compiler.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# What a copy leaves out: environments, caches, outputs, the JS client's packages.
_SKIPPED = shutil.ignore_patterns(
    ".git", ".venv", "var", "build", "__pycache__", "*.so", "node_modules", ".*_cache"
)


def cannot_compile() -> str | None:
    """Why a compiled copy cannot be built here (None: it can)."""
    if importlib.util.find_spec("mypyc") is None:
        return "mypyc (mypy, the dev extra) is not installed"
    cc = (sysconfig.get_config_var("CC") or "cc").split()[0]
    if shutil.which(cc) is None:
        return f"no C compiler ({cc})"
    if not (Path(sysconfig.get_paths()["include"]) / "Python.h").is_file():
        return "no Python headers (Python.h)"
    return None


def compiled_copy(into: Path, checkout: Path = ROOT) -> Path:
    """`checkout` copied to `into` (which must not exist) and its matcher compiled there;
    returns `into`. Raises CalledProcessError with the build's output when it fails."""
    shutil.copytree(checkout, into, ignore=_SKIPPED)
    subprocess.run(
        [sys.executable, "setup.py", "--quiet", "build_ext", "--inplace"],
        cwd=into,
        env=os.environ | {"IMGEDGE_COMPILE": "1"},
        check=True,
        capture_output=True,
        text=True,
    )
    return into


def compiled() -> bool:
    """Are the matcher's scoring modules the compiled ones here?"""
    import matcher.features

    return not matcher.features.__file__.endswith(".py")


def scores_digest(seed: int = 5, products: int = 300, candidates: int = 12) -> str:
    """A digest of every score and reason `score_candidates` gives the titles generator's
    store items (their barcodes left out) against their `candidates` likeliest catalog
    names by rapidfuzz, every fifth of them a provisional product: equal digests, equal
    scoring."""
    from rapidfuzz import fuzz, process

    from loadtests.matching.generators import GENERATORS
    from matcher.scoring import Candidate, Price, score_candidates

    market = GENERATORS["titles"](seed, products, 3, 0.1)
    catalog = [p for p in market.products if p.in_catalog]
    names = [p.name for p in catalog]
    digest = hashlib.sha256()
    for items in market.items.values():
        for item in items:
            found = process.extract(item.name, names, scorer=fuzz.WRatio, limit=candidates)
            listed = [
                Candidate(i, names[i], catalog[i].brand, None, i % 5 == 0, False, ())
                for _, _, i in found
            ]
            amount, currency = item.extra.get("price"), item.extra.get("currency")
            price = Price(float(amount), currency) if amount and currency else None
            for s in score_candidates(item.name, item.brand, None, listed, price=price):
                digest.update(f"{s.canonical_product_id}:{s.score}:{s.reasons};".encode())
    return digest.hexdigest()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dir", type=Path, nargs="?", help="where the copy goes (must not exist)")
    parser.add_argument("--from", dest="checkout", type=Path, default=ROOT)
    parser.add_argument(
        "--digest", action="store_true", help="print `scores_digest()` of the code here instead"
    )
    args = parser.parse_args()
    if args.digest:
        print("compiled" if compiled() else "pure", scores_digest())
        return
    if args.dir is None:
        parser.error("a directory for the copy, or --digest")
    try:
        print(compiled_copy(args.dir.resolve(), args.checkout.resolve()))
    except subprocess.CalledProcessError as exc:
        sys.exit(f"compiling failed:\n{exc.stdout}{exc.stderr}")


if __name__ == "__main__":
    main()
