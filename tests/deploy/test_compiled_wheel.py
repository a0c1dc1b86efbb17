"""The compiled wheel the Docker image installs: the build backend
(deploy/packaging/imgedge_build.py) asks for mypy and the libraries mypyc type-checks
with only for a compiled wheel, never compiles an editable install, and a wheel built
with IMGEDGE_COMPILE=1 in pip's isolated build environment, as the image's build stage
builds it, holds every module setup.py compiles."""

from __future__ import annotations

import ast
import importlib.util
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from tests.deploy.compose import ROOT
from tests.needs import missing, needs_compiler

# The backend from its file, as pip loads it from its backend-path (sys.path untouched).
_SPEC = importlib.util.spec_from_file_location(
    "imgedge_build", ROOT / "deploy" / "packaging" / "imgedge_build.py"
)
assert _SPEC is not None and _SPEC.loader is not None
imgedge_build = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(imgedge_build)


def _compiled_modules() -> list[str]:
    """setup.py's COMPILED, read without running setup()."""
    tree = ast.parse((ROOT / "setup.py").read_text())
    [listed] = [
        node.value
        for node in tree.body
        if isinstance(node, ast.Assign) and ast.unparse(node.targets[0]) == "COMPILED"
    ]
    return list(ast.literal_eval(listed))


def test_only_a_compiled_wheel_asks_for_mypy_and_the_typed_imports(monkeypatch):
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("IMGEDGE_COMPILE", "1")
    compiled = imgedge_build.get_requires_for_build_wheel()
    assert imgedge_build.MYPYC in compiled
    assert any(r.startswith("rapidfuzz>=") for r in compiled)  # as pyproject.toml pins it
    monkeypatch.delenv("IMGEDGE_COMPILE")
    assert not any(
        r.startswith(("mypy", "rapidfuzz")) for r in imgedge_build.get_requires_for_build_wheel()
    )


def test_an_editable_install_is_never_compiled(monkeypatch):
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("IMGEDGE_COMPILE", "1")
    requires = imgedge_build.get_requires_for_build_editable()
    assert "IMGEDGE_COMPILE" not in os.environ  # setup.py then lists no extension
    assert not any(r.startswith("mypy") for r in requires)


def test_the_compiled_wheel_holds_every_compiled_module(tmp_path: Path):
    needs_compiler()
    source = tmp_path / "src"  # the files the image's build stage copies
    source.mkdir()
    for name in ("pyproject.toml", "setup.py", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, source / name)
    for tree in ("deploy/packaging", "config", "catalog", "edge", "matcher"):
        shutil.copytree(ROOT / tree, source / tree, ignore=shutil.ignore_patterns("__pycache__"))
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--wheel-dir", str(tmp_path)]
    built = subprocess.run(
        [*command, str(source)],
        env=os.environ | {"IMGEDGE_COMPILE": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1"},
        capture_output=True,
        text=True,
        timeout=600,
    )
    if built.returncode != 0 and "No matching distribution" in built.stdout + built.stderr:
        missing("the package index is out of reach (the build needs mypy)")
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    [wheel] = tmp_path.glob("imgedge-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    for module in _compiled_modules():
        stem = module.removesuffix(".py")
        assert any(n.startswith(f"{stem}.") and n.endswith((".so", ".pyd")) for n in names), module
    assert any(n.startswith("imgedge_matcher__mypyc.") for n in names)
    assert "matcher/model.json" in names
