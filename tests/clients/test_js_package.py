"""`clients/js` as its users get it: the TypeScript type-checks, the Vitest suite passes,
and the build emits the JavaScript and the `.d.ts` files `package.json` points at."""

from __future__ import annotations

import json
from pathlib import Path

from tests.clients.package import npm


def test_types_check_and_vitest_passes(js_package: Path) -> None:
    npm("run", "typecheck")
    done = npm("test")
    assert " passed" in done.stdout and "failed" not in done.stdout, done.stdout


def test_every_export_is_built_with_its_types(js_package: Path) -> None:
    manifest = json.loads((js_package / "package.json").read_text())
    assert manifest["name"] == "@imgedge/react"
    assert manifest["peerDependencies"]["react"] == ">=18"
    targets = [manifest["main"], manifest["types"]]
    for entry in manifest["exports"].values():
        if isinstance(entry, dict):
            targets += entry.values()
    for target in targets:
        assert (js_package / target).is_file(), target
    index = (js_package / "dist" / "index.d.ts").read_text()
    for name in ("ProductImage", "fetchPictures", "imgedgeLoader", "Picture"):
        assert name in index
