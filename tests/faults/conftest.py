"""Fault tests start and kill their own PostgreSQL (never the machine's shared one):
`loadtests/private_pg.py`'s server, in a fresh temporary directory per test."""

from __future__ import annotations

import os
import pwd
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from loadtests.private_pg import PG_BIN, PrivatePostgres


@pytest.fixture
def private_postgres() -> Iterator[PrivatePostgres]:
    if not (PG_BIN / "initdb").exists():
        pytest.skip(f"no PostgreSQL binaries in {PG_BIN} (set IMGEDGE_TEST_PG_BIN)")
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root without a postgres user to run initdb as")
    # Not under pytest's base temp: that is private to root, and the server runs as
    # postgres.
    root = Path(tempfile.mkdtemp(prefix="imgedge-pg-"))
    server = PrivatePostgres(root)
    try:
        server.init()
        server.start()
        yield server
    finally:
        if server.is_running():
            server.stop("immediate")
        shutil.rmtree(root, ignore_errors=True)
