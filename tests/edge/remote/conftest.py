"""The local test server, started per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.edge.remote.local_web import LocalServer, running


@pytest.fixture
def server() -> Iterator[LocalServer]:
    with running(LocalServer()) as httpd:
        yield httpd
