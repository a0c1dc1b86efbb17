"""The Dockerfile, `.dockerignore` and `requirements.lock`, checked statically with rules in
the spirit of hadolint (its rule ids in brackets), plus hadolint itself where installed.
Docker has no daemon on the machines these tests run on, so nothing is built here."""

from __future__ import annotations

import fnmatch
import importlib.metadata
import json
import re
import shutil
import subprocess
import tomllib

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from tests.deploy.compose import (
    DOCKERFILE,
    ROOT,
    Instruction,
    dockerfile,
    env_of,
    global_args,
    stages,
)

INSTRUCTIONS = dockerfile()
STAGES = stages(INSTRUCTIONS)
RUNTIME = STAGES[-1]
LOCK = ROOT / "requirements.lock"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
IGNORED = [
    line.strip()
    for line in (ROOT / ".dockerignore").read_text().splitlines()
    if line.strip() and not line.startswith("#")
]


def _from(stage: list[Instruction]) -> tuple[str, str | None]:
    """(image with global ARGs substituted, stage name)."""
    words = stage[0].args.split()
    image = re.sub(r"\$\{(\w+)\}", lambda m: global_args(INSTRUCTIONS)[m[1]], words[0])
    name = words[2] if len(words) == 3 and words[1].upper() == "AS" else None
    return image, name


def _keywords(stage: list[Instruction]) -> list[str]:
    return [i.keyword for i in stage]


def test_every_base_image_is_pinned_by_tag_and_digest():  # [DL3006, DL3007]
    names: set[str] = set()
    for stage in STAGES:
        image, name = _from(stage)
        if image not in names:  # an earlier stage, or an image
            assert re.fullmatch(r"[\w./-]+:\d+\.\d+\.\d+[\w.-]*@sha256:[0-9a-f]{64}", image), image
            assert ":latest" not in image
        if name:
            names.add(name)
    assert _from(RUNTIME)[0].startswith("python:3.12.")


def test_runs_as_a_non_root_user_set_before_cmd():  # [DL3002]
    users = [i for i in RUNTIME if i.keyword == "USER"]
    assert users, "no USER in the final stage"
    user = users[-1].args.split(":")[0]
    assert user not in ("root", "0")
    keywords = _keywords(RUNTIME)
    assert keywords.index("USER") < keywords.index("CMD")


def test_cmd_and_healthcheck_use_the_exec_form_and_a_start_period():  # [DL3025]
    [cmd] = [i for i in RUNTIME if i.keyword == "CMD"]
    assert json.loads(cmd.args) == ["imgedge", "serve"]
    [check] = [i for i in RUNTIME if i.keyword == "HEALTHCHECK"]
    options, _, command = check.args.partition("CMD ")
    assert re.search(r"--start-period=\d+s", options)
    assert re.search(r"--timeout=\d+s", options)
    assert json.loads(command)[0] == "python"  # no curl in a slim image
    assert "/healthz" in command


def test_the_lock_is_installed_before_the_code_is_copied():
    flat = [(n, i) for n, stage in enumerate(STAGES) for i in stage]
    lock_copy = next(k for k, (_, i) in enumerate(flat) if "requirements.lock" in i.args)
    code_copies = [
        k for k, (_, i) in enumerate(flat)
        if i.keyword == "COPY" and re.search(r"\b(pyproject\.toml|edge|catalog)\b", i.args)
    ]  # fmt: skip
    installs = [
        k for k, (_, i) in enumerate(flat)
        if i.keyword == "RUN" and "--require-hashes" in i.args and "requirements.lock" in i.args
    ]  # fmt: skip
    assert code_copies and installs
    assert lock_copy < installs[0] < min(code_copies)
    # The code goes in without dependencies: every one came from the lock.
    code_installs = [i for i in RUNTIME if i.keyword == "RUN" and "pip install" in i.args]
    assert code_installs and all("--no-deps" in i.args for i in code_installs)


def test_pip_never_keeps_its_cache():  # [DL3042]
    for instruction in INSTRUCTIONS:
        if instruction.keyword == "RUN" and re.search(r"\bpip (install|wheel)\b", instruction.args):
            assert "--no-cache-dir" in instruction.args, instruction


def test_no_add_only_copy():  # [DL3020]; ADD of a URL fetches unpinned bytes
    assert "ADD" not in {i.keyword for i in INSTRUCTIONS}


def test_workdir_volume_expose_and_listen_defaults():  # [DL3000]
    assert all(i.args.startswith("/") for i in INSTRUCTIONS if i.keyword == "WORKDIR")
    [volume] = [i for i in RUNTIME if i.keyword == "VOLUME"]
    assert json.loads(volume.args) == ["/app/var"]
    env = env_of(RUNTIME)
    assert env["IMGEDGE_HOST"] == "0.0.0.0"
    [expose] = [i for i in RUNTIME if i.keyword == "EXPOSE"]
    assert expose.args == env["IMGEDGE_PORT"]


def test_the_image_holds_every_package_and_nothing_ignored():
    """Each COPY from the context names a file or directory that exists and that
    .dockerignore lets through; the packages copied are the ones pyproject installs."""
    copied = set()
    for instruction in INSTRUCTIONS:
        if instruction.keyword != "COPY" or instruction.args.startswith("--from"):
            continue
        *sources, _ = instruction.args.split()
        for source in sources:
            assert (ROOT / source).exists(), source
            assert not any(fnmatch.fnmatch(source, pattern) for pattern in IGNORED), source
            copied.add(source)
    packages = {
        p.rstrip("*") for p in PYPROJECT["tool"]["setuptools"]["packages"]["find"]["include"]
    }
    assert packages <= copied
    assert {"pyproject.toml", "README.md", "LICENSE", "requirements.lock"} <= copied


def test_dockerignore_keeps_local_state_out_of_the_context():
    for entry in (".git", ".venv", "var", "node_modules", "clients/js/node_modules",
                  ".pytest_cache", ".mypy_cache", ".ruff_cache", "deploy/.env"):  # fmt: skip
        assert entry in IGNORED, entry


def test_hadolint_accepts_the_dockerfile():
    hadolint = shutil.which("hadolint")
    if hadolint is None:
        # Optional everywhere (CI too): the rules above are its main ones, checked here.
        pytest.skip("hadolint is not installed (optional; the rules above stand in)")
    done = subprocess.run([hadolint, str(DOCKERFILE)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


# --- requirements.lock ------------------------------------------------------------------


def _pins() -> dict[str, tuple[Version, int]]:
    """Every `name==version` in the lock with how many hashes it carries."""
    pins: dict[str, tuple[Version, int]] = {}
    current = ""
    for line in LOCK.read_text().splitlines():
        pinned = re.match(r"^([A-Za-z0-9_.-]+)==([^\s\\;]+)", line)
        if pinned:
            current = canonicalize_name(pinned[1])
            pins[current] = (Version(pinned[2]), 0)
        elif line.strip().startswith("--hash=sha256:"):
            version, hashes = pins[current]
            pins[current] = (version, hashes + 1)
    return pins


PINS = _pins()
RUNTIME_DEPS = [Requirement(r) for r in PYPROJECT["project"]["dependencies"]]
IMAGE_ENV = {"python_version": "3.12", "sys_platform": "linux", "platform_system": "Linux",
             "implementation_name": "cpython", "platform_python_implementation": "CPython",
             "platform_machine": "x86_64", "os_name": "posix"}  # fmt: skip


def test_every_runtime_dependency_is_pinned_in_the_lock_with_hashes():
    for requirement in RUNTIME_DEPS:
        name = canonicalize_name(requirement.name)
        assert name in PINS, f"{name} is not in requirements.lock: regenerate it (README)"
        version, _ = PINS[name]
        assert requirement.specifier.contains(version, prereleases=True), (name, version)
    assert all(hashes > 0 for _, hashes in PINS.values())


def test_the_lock_holds_the_extras_of_runtime_dependencies():
    """`uvicorn[standard]` and `pyvips[binary]` pull packages of their own (read from the
    installed distributions' metadata)."""
    for requirement in RUNTIME_DEPS:
        for extra in requirement.extras:
            try:
                needs = importlib.metadata.requires(requirement.name) or []
            except importlib.metadata.PackageNotFoundError:
                continue
            for raw in needs:
                needed = Requirement(raw)
                marker = needed.marker or Marker("extra == ''")
                if marker.evaluate({**IMAGE_ENV, "extra": extra}) and "extra" in str(marker):
                    assert canonicalize_name(needed.name) in PINS, (requirement.name, needed.name)


def test_the_lock_holds_no_development_tools_and_targets_the_images_python():
    dev = PYPROJECT["project"]["optional-dependencies"]["dev"]
    tools = {canonicalize_name(Requirement(r).name) for r in dev}
    assert not tools & {"pytest", "ruff", "mypy", "hypothesis"} & set(PINS)
    assert canonicalize_name("imgedge") not in PINS
    header = LOCK.read_text().split("\n", 2)[1]
    assert "uv pip compile pyproject.toml" in header and "--generate-hashes" in header
    python = re.search(r"--python-version (\d+\.\d+)", header)
    assert python is not None
    assert _from(RUNTIME)[0].startswith(f"python:{python[1]}.")
