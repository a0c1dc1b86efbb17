"""Fault tests start and kill their own servers (never the machine's shared ones):
`loadtests/private_pg.py`'s PostgreSQL, in a fresh temporary directory per test, and
`private_redis` (tests/conftest.py). A full filesystem is a tiny tmpfs mounted for the
test (root only). Whatever is missing fails the run under CI=true and skips elsewhere."""

from __future__ import annotations

import os
import pwd
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from loadtests.private_fs import TmpfsUnavailable, mount_tmpfs, unmount
from loadtests.private_pg import PG_BIN, PrivatePostgres
from tests.needs import missing


@pytest.fixture
def private_postgres() -> Iterator[PrivatePostgres]:
    if not (PG_BIN / "initdb").exists():
        missing(f"no PostgreSQL binaries in {PG_BIN}", " (set IMGEDGE_TEST_PG_BIN)")
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            missing("running as root without a postgres user to run initdb as")
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


@pytest.fixture
def tiny_filesystem() -> Iterator[Path]:
    """A 2 MiB tmpfs of this test's own: a filesystem that fills up for real (ENOSPC)."""
    try:
        mountpoint = mount_tmpfs("2m")
    except TmpfsUnavailable as exc:
        missing(str(exc))
    try:
        yield mountpoint
    finally:
        unmount(mountpoint)
