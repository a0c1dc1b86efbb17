"""The build backend (pyproject.toml `backend-path`): setuptools', plus mypy as a build
requirement of a compiled wheel (IMGEDGE_COMPILE=1, see setup.py), and an editable install
that is never compiled (a compiled module would shadow its edited source)."""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path
from typing import Any

from setuptools import build_meta
from setuptools.build_meta import *  # noqa: F403 (the rest of the backend, unchanged)

# mypyc ships in mypy's distribution; the release the compiled matcher was tested with.
MYPYC = "mypy==2.4.1"
# mypyc type-checks what it compiles: the libraries those modules import, as pyproject.toml
# asks for them (their types decide the compiled code).
TYPED_IMPORTS = ("rapidfuzz",)


def _compiling() -> bool:
    return os.environ.get("IMGEDGE_COMPILE", "0") == "1"


def get_requires_for_build_wheel(config_settings: dict[str, Any] | None = None) -> list[str]:
    if _compiling():  # (setuptools' own would run setup.py, which needs mypyc then)
        return [MYPYC, *_dependencies(TYPED_IMPORTS)]
    return build_meta.get_requires_for_build_wheel(config_settings)


def _pure() -> None:
    """An editable install is pure Python, whatever IMGEDGE_COMPILE says (module doc):
    each of its hooks (pip runs each in a process of its own) drops the variable."""
    os.environ.pop("IMGEDGE_COMPILE", None)


def get_requires_for_build_editable(config_settings: dict[str, Any] | None = None) -> list[str]:
    _pure()
    return build_meta.get_requires_for_build_editable(config_settings)


def prepare_metadata_for_build_editable(
    metadata_directory: str, config_settings: dict[str, Any] | None = None
) -> str:
    _pure()
    return build_meta.prepare_metadata_for_build_editable(metadata_directory, config_settings)


def build_editable(
    wheel_directory: str,
    config_settings: dict[str, Any] | None = None,
    metadata_directory: str | None = None,
) -> str:
    _pure()
    return build_meta.build_editable(wheel_directory, config_settings, metadata_directory)


def _dependencies(names: tuple[str, ...]) -> list[str]:
    """The runtime dependencies named, as pyproject.toml pins them."""
    pyproject = tomllib.loads(Path("pyproject.toml").read_text(encoding="utf-8"))
    return [
        spec
        for spec in pyproject["project"]["dependencies"]
        if (name := re.match(r"[A-Za-z0-9._-]+", spec)) and name[0] in names
    ]
