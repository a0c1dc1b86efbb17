"""The compiled matcher (setup.py's `COMPILED` modules, mypyc; the Docker image's) is the
pure one: in a compiled copy of this checkout the matcher's tests pass and every score
comes out the same. And no compiled module sits in this checkout, shadowing its source."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from loadtests.compiled_copy import ROOT, compiled, compiled_copy, scores_digest
from tests.needs import needs_compiler


@pytest.fixture(scope="module")
def copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    needs_compiler()
    into = tmp_path_factory.mktemp("compiled") / "imgedge"
    try:
        return compiled_copy(into)
    except subprocess.CalledProcessError as exc:
        pytest.fail(f"compiling the matcher failed:\n{exc.stdout}{exc.stderr}")


def _run(copy: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.run(
        [sys.executable, *args], cwd=copy, env=env, capture_output=True, text=True, timeout=600
    )


def test_the_matcher_tests_pass_compiled(copy: Path) -> None:
    done = _run(
        copy,
        *("-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/matcher"),
        "--ignore=tests/matcher/test_compiled.py",
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert " passed" in done.stdout


def test_compiled_scores_are_the_pure_ones(copy: Path) -> None:
    assert not compiled()  # this process runs the sources
    done = _run(copy, "-m", "loadtests.compiled_copy", "--digest")
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["compiled", scores_digest()]


def test_no_compiled_module_shadows_a_source_here() -> None:
    """An extension module beside its source is imported instead of it: edits to the
    source would not run (build compiled copies elsewhere: loadtests/compiled_copy.py)."""
    package = ROOT / "matcher"
    shadowing = [
        p.name
        for p in package.iterdir()
        if p.suffix in (".so", ".pyd") and (package / f"{p.name.split('.')[0]}.py").is_file()
    ]
    assert shadowing == [], f"delete {shadowing}: they shadow their sources"
