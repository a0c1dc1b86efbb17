"""setuptools' build hook (the metadata is in pyproject.toml): the compiled matcher.

With IMGEDGE_COMPILE=1, a wheel's matcher scoring modules (`COMPILED`) are compiled to C
extensions with mypyc (part of mypy, already the project's type checker): the same source,
its type hints enforced at run time, ~30% less CPU per scored pair. The Docker image is
built so; an editable install (`make install-dev`) always stays pure Python, so an edit to
a module is what runs (README "Compiled matcher").
"""

from __future__ import annotations

import os

from setuptools import setup

# The worker's scoring path: a store name read and compared with each candidate's, and
# the model over the features. The modules around it (catalog, service, worker) wait on I/O.
# mypyc type-checks them with the libraries they import: a new third-party import goes
# into deploy/packaging/imgedge_build.py's TYPED_IMPORTS too.
COMPILED = [
    "matcher/evidence.py",
    "matcher/features.py",
    "matcher/learned.py",
    "matcher/model.py",
    "matcher/normalize.py",
    "matcher/parsing.py",
    "matcher/quantities.py",
    "matcher/reasons.py",
    "matcher/scoring.py",
    "matcher/vocabulary.py",
]


def ext_modules() -> list[object]:
    if os.environ.get("IMGEDGE_COMPILE", "0") != "1":
        return []
    from mypyc.build import mypycify  # a build requirement only then (deploy/packaging)

    return list(mypycify(COMPILED, opt_level="3", group_name="imgedge_matcher"))


setup(ext_modules=ext_modules())
