"""Reading the deployment kit as Docker would: `deploy/compose.yaml` with its `${...}`
interpolated, the Dockerfile's instructions, and the nginx configuration the compose file
mounts (the recipe, `deploy/nginx/imgedge.conf`, with the edges' service name).

`python -m tests.deploy.compose` prints that nginx configuration (to regenerate
`deploy/nginx/compose.conf` after changing the recipe)."""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from loadtests.private_nginx import recipe_for

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
COMPOSE_FILE = DEPLOY / "compose.yaml"
EXAMPLE_ENV = DEPLOY / "example.env"
DOCKERFILE = ROOT / "Dockerfile"
NGINX_COMPOSE_CONF = DEPLOY / "nginx" / "compose.conf"

# Docker's embedded DNS server on a compose network: nginx asks it again for `edge`'s
# addresses, so scaled or restarted edges are found without reloading the proxy.
_NGINX_HEADER = """\
# GENERATED from imgedge.conf by `python -m tests.deploy.compose` (a test checks it):
# the recipe with its `# EDIT` lines set for deploy/compose.yaml. Edit imgedge.conf.
resolver 127.0.0.11 valid=10s ipv6=off;

"""

_VARIABLE = re.compile(
    r"\$(?:(?P<escaped>\$)|\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}"
    r"|(?P<bare>[A-Za-z_][A-Za-z0-9_]*))"
)


class MissingVariable(ValueError):
    pass


def read_env_file(path: Path = EXAMPLE_ENV) -> dict[str, str]:
    """`NAME=value` lines (comments and blank lines skipped), as compose reads `.env`."""
    values = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            values[name.strip()] = value.strip()
    return values


def interpolate(text: str, values: Mapping[str, str]) -> str:
    """Compose's interpolation: `$$`, `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`,
    `${VAR:?error}`, `${VAR?error}`."""

    def one(m: re.Match[str]) -> str:
        if m["escaped"]:
            return "$"
        name = m["braced"] or m["bare"]
        op, arg, value = m["op"], m["arg"], values.get(name)
        unset = value is None or (op is not None and op.startswith(":") and value == "")
        if op is not None and op.endswith("?") and unset:
            raise MissingVariable(f"{name}: {arg}")
        if op is not None and op.endswith("-") and unset:
            return arg
        return value or ""

    return _VARIABLE.sub(one, text)


def variables(text: str) -> dict[str, str | None]:
    """Every variable the text interpolates, with its operator (`:?`, `:-`, ... or None)."""
    found: dict[str, str | None] = {}
    for m in _VARIABLE.finditer(text):
        if not m["escaped"]:
            found[m["braced"] or m["bare"]] = m["op"]
    return found


def load_compose(values: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The compose file as Docker sees it, interpolated with `values` (default: the
    example env file)."""
    text = COMPOSE_FILE.read_text()
    loaded: dict[str, Any] = yaml.safe_load(
        interpolate(text, read_env_file() if values is None else values)
    )
    return loaded


def depends_on(service: Mapping[str, Any]) -> dict[str, str]:
    """A service's dependencies and their conditions (the short list form counts as
    `service_started`)."""
    deps = service.get("depends_on") or {}
    if isinstance(deps, list):
        return {name: "service_started" for name in deps}
    return {name: spec.get("condition", "service_started") for name, spec in deps.items()}


def is_one_shot(service: Mapping[str, Any]) -> bool:
    return str(service.get("restart", "no")) == "no"


def replicas(service: Mapping[str, Any]) -> int:
    return int((service.get("deploy") or {}).get("replicas", 1))


def healthcheck_command(service: Mapping[str, Any]) -> list[str]:
    """The healthcheck's `CMD` form as an argument list (`CMD-SHELL` as `sh -c`)."""
    test = service["healthcheck"]["test"]
    if isinstance(test, str):
        return ["sh", "-c", test]
    kind, *args = test
    return ["sh", "-c", args[0]] if kind == "CMD-SHELL" else list(args)


def compose_nginx_conf() -> str:
    """What `deploy/nginx/compose.conf` must hold: the recipe, its edges found through
    Docker's DNS under the compose service name, its cache on the proxy's volume."""
    body = recipe_for(["edge:8080 resolve"], "/var/cache/nginx/imgedge", "80")
    return _NGINX_HEADER + body


# --- the Dockerfile -------------------------------------------------------------------


@dataclass(frozen=True)
class Instruction:
    line: int  # where it starts, 1-based
    keyword: str  # upper case
    args: str


def dockerfile(path: Path = DOCKERFILE) -> list[Instruction]:
    """The instructions, continuation lines joined, comments and the parser directive
    dropped."""
    result: list[Instruction] = []
    pending: list[str] = []
    start = 0
    for number, raw in enumerate(path.read_text().splitlines(), 1):
        stripped = raw.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if pending and stripped.startswith("#"):
            continue  # a comment inside a continued instruction
        if not pending:
            start = number
        if stripped.endswith("\\"):
            pending.append(stripped[:-1].strip())
            continue
        pending.append(stripped)
        keyword, _, args = " ".join(pending).partition(" ")
        result.append(Instruction(start, keyword.upper(), args.strip()))
        pending = []
    return result


def stages(instructions: list[Instruction]) -> list[list[Instruction]]:
    """The instructions split at each FROM (global ARGs before the first FROM dropped)."""
    split: list[list[Instruction]] = []
    for instruction in instructions:
        if instruction.keyword == "FROM":
            split.append([])
        if split:
            split[-1].append(instruction)
    return split


def global_args(instructions: list[Instruction]) -> dict[str, str]:
    """ARGs declared before the first FROM, with their defaults."""
    args: dict[str, str] = {}
    for instruction in instructions:
        if instruction.keyword == "FROM":
            break
        if instruction.keyword == "ARG":
            name, _, default = instruction.args.partition("=")
            args[name] = default
    return args


def env_of(stage: list[Instruction]) -> dict[str, str]:
    """The `ENV name=value ...` pairs a stage sets (`$PATH`-style references kept)."""
    env: dict[str, str] = {}
    for instruction in stage:
        if instruction.keyword == "ENV":
            for pair in shlex.split(instruction.args):
                name, _, value = pair.partition("=")
                env[name] = value
    return env


if __name__ == "__main__":
    print(compose_nginx_conf(), end="")
