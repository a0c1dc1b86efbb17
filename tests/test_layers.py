"""Which package imports which: the layers stay apart.

    config  ◀─ catalog ◀─ matcher ◀─ edge
    edge: http ▶ application ▶ imaging, storage, remote (never the other way)

Run `python tests/test_layers.py` to print the graph between packages (and `edge`'s rooms).
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("config", "catalog", "matcher", "edge")
ROOMS = ("http", "application", "imaging", "storage", "remote", "demo")


# Leaf modules every room may use: the error hierarchy, the output formats (an enum
# that names cached variants as much as rendered ones) and the metrics' histograms.
SHARED = frozenset({"edge.errors", "edge.imaging.formats", "edge.instruments"})


def _unit(module: str) -> str | None:
    """`edge.http.routes.img` → `edge.http`; `catalog.sql.images` → `catalog`; the edge's
    composition root (`edge.services`, `edge.cli`) → `edge`."""
    parts = module.split(".")
    if parts[0] not in PACKAGES:
        return None
    if module in SHARED:
        return "edge.shared"
    if parts[0] == "edge" and len(parts) > 1 and parts[1] in ROOMS:
        return f"edge.{parts[1]}"
    return parts[0]


def _module_name(path: Path) -> str:
    name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
    return name.removesuffix(".__init__")


def imports() -> dict[str, set[str]]:
    """Module → the project modules it imports (at any depth in the file)."""
    found: dict[str, set[str]] = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            targets: set[str] = set()
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if isinstance(node, ast.Import):
                    targets |= {alias.name for alias in node.names}
                elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                    targets.add(node.module)
            found[_module_name(path)] = {t for t in targets if _unit(t) is not None}
    return found


def graph() -> dict[str, set[str]]:
    """Unit (package, or room of `edge`) → the units it imports."""
    edges: dict[str, set[str]] = defaultdict(set)
    for module, targets in imports().items():
        source = _unit(module)
        assert source is not None
        edges[source] |= {u for t in targets if (u := _unit(t)) is not None and u != source}
    return edges


def _allowed(source: str, target: str) -> bool:
    order = {"config": 0, "catalog": 1, "matcher": 2}
    if source in order:
        return target in order and order[target] < order[source]
    # The edge's rooms: http on top; application below it; imaging, storage and remote
    # below that (imaging may use storage: variants live in the cache).
    rooms = {"edge.http", "edge.application", "edge.imaging", "edge.storage", "edge.remote"}
    below = {
        "edge": rooms | {"edge.demo"},  # the composition root opens everything
        "edge.demo": {"edge", "edge.http", "edge.imaging", "edge.application"},
        "edge.http": {"edge", "edge.application", "edge.imaging", "edge.storage"},
        "edge.application": {"edge.imaging", "edge.storage", "edge.remote"},
        "edge.imaging": {"edge.storage"},
    }
    return target in order or target == "edge.shared" or target in below.get(source, set())


def test_packages_import_only_the_layers_below() -> None:
    wrong = sorted(
        f"{source} → {target}"
        for source, targets in graph().items()
        for target in targets
        if not _allowed(source, target)
    )
    assert wrong == []


def test_only_rendering_imports_libvips() -> None:
    renders = {"edge.imaging.render", "edge.demo.photos"}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            tree = ast.parse(path.read_text())
            names = {
                alias.name
                for node in ast.walk(tree)
                if isinstance(node, ast.Import)
                for alias in node.names
            } | {
                node.module
                for node in ast.walk(tree)
                if isinstance(node, ast.ImportFrom) and node.module
            }
            if "pyvips" in names:
                assert _module_name(path) in renders, f"{path} imports pyvips"


def test_the_cli_leaves_redis_out_until_a_redis_tier_opens() -> None:
    """A matcher worker starts through `edge.cli`, once per process: importing redis
    would cost it ~50 ms of CPU for nothing."""
    code = "import sys, edge.cli; assert 'redis' not in sys.modules, 'edge.cli imports redis'"
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)


if __name__ == "__main__":
    for source, targets in sorted(graph().items()):
        print(f"{source:<18} → {', '.join(sorted(targets)) or '(nothing)'}")
    sys.exit(0)
