"""The front-end package in `clients/js/`: installed with `npm ci` from its lock file (the
npm registry; skipped again while the lock file is unchanged) and built once per run
(the `js_package` fixture in tests/conftest.py). Without node or npm the tests that need
it skip, and fail under CI=true."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.needs import missing

PACKAGE = Path(__file__).resolve().parents[2] / "clients" / "js"
_STAMP = PACKAGE / "node_modules" / ".imgedge-lock-sha256"


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("npm_")}
    return subprocess.run(
        ["npm", *args], cwd=PACKAGE, capture_output=True, text=True, timeout=300,
        env={**env, "CI": "true", "NO_COLOR": "1"},
    )  # fmt: skip


def _output(done: subprocess.CompletedProcess[str]) -> str:
    return f"npm {' '.join(done.args[1:])} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"


def npm(*args: str) -> subprocess.CompletedProcess[str]:
    """`npm <args>` in the package; fails the test with npm's output when it fails."""
    done = _run(*args)
    if done.returncode != 0:
        pytest.fail(_output(done))
    return done


def installed_and_built() -> Path:
    """The package, installed and built (`dist/` and the browser bundle)."""
    for tool in ("node", "npm"):
        if shutil.which(tool) is None:
            missing(f"no {tool} on PATH for clients/js", " (apt-get install nodejs npm)")
    lock = hashlib.sha256((PACKAGE / "package-lock.json").read_bytes()).hexdigest()
    if not _STAMP.exists() or _STAMP.read_text() != lock:
        installed = _run("ci", "--no-audit", "--no-fund")
        if installed.returncode != 0:  # most often: no way to the npm registry
            missing("cannot install clients/js from its lock file", "\n" + _output(installed))
        _STAMP.write_text(lock)
    npm("run", "build")
    npm("run", "bundle")
    return PACKAGE
