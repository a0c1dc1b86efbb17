"""What browser tests do on a page: sign in, take screenshots at desktop and phone widths,
check accessibility with axe-core."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from loadtests.private_edge import ROOT
from tests.browser.server import DemoServer

if TYPE_CHECKING:  # the tests skip (or fail under CI) without Playwright: see conftest.py
    from playwright.sync_api import Page

SCREENSHOTS = ROOT / "var" / "test-artifacts" / "screenshots"
WIDTHS = {"desktop": (1280, 800), "phone": (390, 844)}
_AXE = Path(__file__).parent / "vendor" / "axe.min.js"
_BLOCKING = ("serious", "critical")


def sign_in(page: Page, server: DemoServer, token: str, *, next_path: str = "") -> None:
    """Signs in through the console's form with a curator token or a store key; fails
    when the console does not let the token in."""
    query = f"?next={next_path}" if next_path else ""
    page.goto(f"{server.url}/console/sign-in{query}")
    page.fill("input[name=token]", token)
    with page.expect_navigation():
        page.click("form[action='/console/sign-in'] [type=submit]")
    if "/console/sign-in" in page.url:
        raise AssertionError(f"sign-in refused: {page.inner_text('main')}")


def screenshots(page: Page, name: str) -> list[Path]:
    """Full-page PNGs of what `page` shows at desktop and phone widths, saved as
    `<name>-desktop.png` and `<name>-phone.png` in var/test-artifacts/screenshots/;
    the viewport is put back afterwards."""
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", name):
        raise ValueError(f"screenshot name {name!r}: lower-case letters, digits, - and _")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    before = page.viewport_size
    saved = []
    try:
        for label, (width, height) in WIDTHS.items():
            page.set_viewport_size({"width": width, "height": height})
            path = SCREENSHOTS / f"{name}-{label}.png"
            page.screenshot(path=path, full_page=True, animations="disabled")
            saved.append(path)
    finally:
        if before is not None:
            page.set_viewport_size(before)
    return saved


@cache
def _axe_source() -> str:
    return _AXE.read_text(encoding="utf-8")


def axe_violations(page: Page, *, include_minor: bool = False) -> list[dict[str, Any]]:
    """axe-core's violations on what `page` shows now (serious and critical ones unless
    `include_minor`). axe is evaluated through the DevTools protocol, which the page's
    Content-Security-Policy does not govern, so the page under test stays unchanged."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(_axe_source())
    found: list[dict[str, Any]] = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
    )
    return [v for v in found if include_minor or v.get("impact") in _BLOCKING]


def describe_violations(violations: list[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        lines.append(f"[{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
        for node in v["nodes"]:
            lines.append(f"    at {' '.join(map(str, node['target']))}")
            lines.append(f"      {node['html'][:200]}")
            for reason in (node.get("failureSummary") or "").splitlines():
                lines.append(f"      {reason}")
    return "\n".join(lines)


def assert_accessible(page: Page) -> None:
    """Fails with a readable list when axe-core finds a serious or critical violation."""
    violations = axe_violations(page)
    if violations:
        listed = describe_violations(violations)
        raise AssertionError(f"accessibility violations on {page.url}:\n{listed}")
