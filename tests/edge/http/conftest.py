"""HTTP tests on a chosen catalog backend: a module that must hold on each marks itself
`pytestmark = pytest.mark.parametrize("settings", ["sqlite", "postgresql"], indirect=True)`;
the others keep the root `settings` (SQLite)."""

from __future__ import annotations

import pytest

from config import Settings


@pytest.fixture
def settings(request: pytest.FixtureRequest, settings: Settings) -> Settings:
    if getattr(request, "param", "sqlite") == "postgresql":
        return settings.replace(database_url=request.getfixturevalue("postgres_url"))
    return settings
