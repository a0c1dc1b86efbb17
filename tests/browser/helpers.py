"""What browser tests do on a page: sign in, take screenshots at desktop and phone widths,
check accessibility with axe-core."""

from __future__ import annotations

import re
from dataclasses import dataclass
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


def watch_errors(page: Page) -> list[str]:
    """A list that fills with what goes wrong in `page` from now on: console errors
    (Chromium reports Content-Security-Policy violations and failed loads there) and
    uncaught exceptions. Assert it is empty after the steps."""
    problems: list[str] = []
    page.on(
        "console",
        lambda m: problems.append(f"console error: {m.text}") if m.type == "error" else None,
    )
    page.on("pageerror", lambda exc: problems.append(f"uncaught: {exc}"))
    return problems


# Every control a keyboard user should reach, tagged so the walk below can name them.
_CONTROLS = """() => {
    const selector = 'a[href], button, input:not([type=hidden]), select, textarea, summary, '
        + '[tabindex]:not([tabindex="-1"])';
    const shown = el => el.getClientRects().length > 0
        && getComputedStyle(el).visibility !== 'hidden' && !el.closest('[inert]');
    return [...document.querySelectorAll(selector)]
        .filter(el => !el.disabled && shown(el))
        .map((el, i) => {
            el.dataset.kbd = String(i);
            const name = (el.getAttribute('aria-label') || el.innerText || el.value
                || el.name || el.id || '').trim().replace(/\\s+/g, ' ').slice(0, 60);
            return `${el.tagName.toLowerCase()} "${name}"`;
        });
}"""
_FOCUSED = """() => {
    const el = document.activeElement;
    if (!el || el === document.body) return null;
    const style = getComputedStyle(el);
    const ring = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0
        || style.boxShadow !== 'none';
    return {id: el.dataset.kbd ?? null, tag: el.tagName.toLowerCase(), ring};
}"""


@dataclass(frozen=True, slots=True)
class TabWalk:
    controls: list[str]  # every visible control, in document order
    reached: list[int]  # indexes into `controls` of those Tab reached, in order
    without_ring: list[int]  # those among them that showed no focus indicator

    def names(self, indexes: list[int]) -> list[str]:
        return [f"#{i} {self.controls[i]}" for i in indexes]

    @property
    def missed(self) -> list[int]:
        return [i for i in range(len(self.controls)) if i not in self.reached]


def tab_through(page: Page, *, limit: int = 400) -> TabWalk:
    """Presses Tab from the top of `page` until focus comes round again, noting which of
    its visible controls were reached and whether each showed a focus indicator."""
    controls: list[str] = page.evaluate(_CONTROLS)
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    reached: list[int] = []
    without_ring: list[int] = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(_FOCUSED)
        if focused is None or focused["id"] is None:
            continue  # the browser's own UI, or an element added since
        control = int(focused["id"])
        if control in reached:
            break
        reached.append(control)
        if not focused["ring"]:
            without_ring.append(control)
    return TabWalk(controls, reached, without_ring)
