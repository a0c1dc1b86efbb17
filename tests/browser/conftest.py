"""Real-browser tests: Playwright's Python package driving Debian's Chromium
(/usr/bin/chromium; `.ci/run` installs it) against a real `imgedge serve` over the demo
catalog (`tests/browser/server.py`). Helpers for a test: `tests/browser/helpers.py`.

The server and its catalog are shared by the whole run (seeding the demo takes a while):
a test that changes the catalog picks products no other test relies on. Each test gets a
browser context of its own, so cookies never leak from one test to the next. Without
Playwright or Chromium the tests fail under CI=true and skip elsewhere.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.browser.helpers import WIDTHS
from tests.browser.server import DemoServer, demo_server
from tests.needs import missing

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="session", autouse=True)
def _browser_is_here() -> None:
    """Checked before the demo server is seeded, which takes a while."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing("the playwright package is not installed", " (pip install -e '.[dev]')")
    if not CHROMIUM.exists():
        missing(f"no Chromium at {CHROMIUM}", " (apt-get install chromium)")


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoServer]:
    with demo_server(tmp_path_factory.mktemp("browser-demo")) as running:
        yield running


# Module scope, not session: Playwright's sync API runs an event loop of its own, ended
# here before the asyncio tests of other modules run.
@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A page in a new browser context (no cookies from other tests), desktop-sized."""
    width, height = WIDTHS["desktop"]
    context = browser.new_context(viewport={"width": width, "height": height})
    context.set_default_timeout(15_000)
    try:
        yield context.new_page()
    finally:
        context.close()
