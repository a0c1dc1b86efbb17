"""What a test needs from the machine (a server, a binary, a privilege)."""

from __future__ import annotations

import os
from typing import NoReturn

import pytest


def missing(reason: str, hint: str = "") -> NoReturn:
    """A service, binary or privilege a test needs is not here: fail under CI=true (real
    services are required there), skip with the reason elsewhere."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason} (CI=true: real services are required)", pytrace=False)
    pytest.skip(f"{reason}{hint}")


def needs_compiler() -> None:
    """The compiled matcher can be built here (mypyc and a C compiler with Python's
    headers: loadtests/compiled_copy.py), else `missing`."""
    from loadtests.compiled_copy import cannot_compile

    if (reason := cannot_compile()) is not None:
        missing(f"the compiled matcher cannot be built here: {reason}")
