"""`deploy/compose.yaml`, checked statically (Docker has no daemon here): pinned images,
health checks, a start order that is a DAG in the right order, known settings only, named
volumes, secrets only from the env file, and the proxy running the tested nginx recipe.
`docker compose config` runs too where the compose plugin is installed."""

from __future__ import annotations

import graphlib
import json
import re
import shutil
import subprocess
import tomllib
from typing import Any
from urllib.parse import urlsplit

import pytest

from config.settings import describe
from tests.deploy.compose import (
    COMPOSE_FILE,
    DEPLOY,
    DOCKERFILE,
    EXAMPLE_ENV,
    NGINX_COMPOSE_CONF,
    MissingVariable,
    compose_nginx_conf,
    depends_on,
    dockerfile,
    healthcheck_command,
    interpolate,
    is_one_shot,
    load_compose,
    read_env_file,
    replicas,
    variables,
)

COMPOSE = load_compose()
PYPROJECT = tomllib.loads((DEPLOY.parent / "pyproject.toml").read_text())
SERVICES: dict[str, dict[str, Any]] = COMPOSE["services"]
IMGEDGE = {name for name, s in SERVICES.items() if "build" in s}
LONG_RUNNING = {name for name, s in SERVICES.items() if not is_one_shot(s)}
# An exact version: digits and dots (a Debian or Alpine suffix allowed), or MinIO's
# RELEASE.<timestamp>, or a digest.
PINNED_TAG = re.compile(r"^(\d+\.\d+(\.\d+)*(-[a-z0-9.]+)?|RELEASE\.\d{4}-\d\d-\d\dT[\d-]+Z)$")


def _tag(image: str) -> str:
    name, _, tag = image.rpartition(":")
    return tag if name and "/" not in tag else ""


def test_the_topology_is_what_the_readme_describes():
    assert set(SERVICES) == {
        "db", "redis", "s3", "s3-bucket", "migrate", "edge", "worker", "proxy"
    }  # fmt: skip
    assert {"migrate", "edge", "worker"} == IMGEDGE
    assert {n: SERVICES[n]["command"] for n in sorted(IMGEDGE)} == {
        "edge": ["imgedge", "serve"],
        "migrate": ["imgedge", "migrate"],
        "worker": ["imgedge", "worker"],
    }
    assert replicas(SERVICES["edge"]) == 2
    assert {"db", "redis", "s3", "edge", "worker", "proxy"} == LONG_RUNNING
    # Only the proxy is published; the edges are reached through it.
    assert [n for n, s in SERVICES.items() if s.get("ports")] == ["proxy"]


def test_every_image_is_pinned_or_built_from_the_dockerfile():
    for name, service in SERVICES.items():
        if name in IMGEDGE:
            build = service["build"]
            assert (DEPLOY / build["context"] / build["dockerfile"]).resolve() == DOCKERFILE
            # Tagged with the package's version, never `latest`.
            assert service["image"] == f"imgedge:{PYPROJECT['project']['version']}"
            continue
        image = service["image"]
        assert "@sha256:" in image or PINNED_TAG.match(_tag(image)), (name, image)
    assert "latest" not in COMPOSE_FILE.read_text()


def test_long_running_services_have_health_checks_with_a_start_period():
    for name in LONG_RUNNING:
        check = SERVICES[name].get("healthcheck")
        assert check and not check.get("disable"), name
        assert check.get("start_period"), name
        assert healthcheck_command(SERVICES[name])
        assert SERVICES[name].get("restart") == "unless-stopped", name


def test_the_edges_check_is_the_images_own():
    [image_check] = [i.args for i in dockerfile() if i.keyword == "HEALTHCHECK"]
    command = json.loads(image_check[image_check.index("CMD ") + 4 :])
    assert healthcheck_command(SERVICES["edge"]) == command


def test_start_order_is_a_dag_infrastructure_then_migrate_then_processes_then_proxy():
    graph = {name: set(depends_on(s)) for name, s in SERVICES.items()}
    order = list(graphlib.TopologicalSorter(graph).static_order())  # raises on a cycle

    def before(name: str) -> set[str]:
        seen: set[str] = set()
        todo = list(graph[name])
        while todo:
            dep = todo.pop()
            if dep not in seen:
                seen.add(dep)
                todo.extend(graph[dep])
        return seen

    assert before("migrate") >= {"db"}
    assert before("edge") >= {"db", "redis", "s3", "s3-bucket", "migrate"}
    assert before("worker") >= {"db", "migrate"}
    assert before("proxy") >= {"edge"}
    assert order.index("proxy") == len(order) - 1
    # Waiting means healthy for a server and finished (exit 0) for a one-shot.
    for name, service in SERVICES.items():
        for dep, condition in depends_on(service).items():
            wanted = "service_healthy" if dep in LONG_RUNNING else "service_completed_successfully"
            assert condition == wanted, (name, dep, condition)


def test_every_imgedge_variable_is_a_known_setting():
    known = {name for name, _, _ in describe()}
    used = {
        (service_name, var)
        for service_name, service in SERVICES.items()
        for var in service.get("environment") or {}
        if var.startswith("IMGEDGE_")
    }
    assert used, "no IMGEDGE_* setting found"
    assert {var for _, var in used} <= known, sorted(used)
    # And in the Dockerfile's ENV defaults.
    docker_env = " ".join(i.args for i in dockerfile() if i.keyword == "ENV")
    assert set(re.findall(r"\bIMGEDGE_[A-Z0-9_]+", docker_env)) <= known


def test_imgedge_processes_share_one_environment_pointing_at_the_compose_services():
    envs = [SERVICES[name]["environment"] for name in sorted(IMGEDGE)]
    assert all(env == envs[0] for env in envs)
    env = envs[0]
    assert urlsplit(env["IMGEDGE_DATABASE_URL"]).hostname == "db"
    assert urlsplit(env["IMGEDGE_DATABASE_URL"]).scheme == "postgresql"
    assert urlsplit(env["IMGEDGE_CACHE_URL"]).hostname == "redis"
    assert urlsplit(env["AWS_ENDPOINT_URL_S3"]).hostname == "s3"
    # The bucket the one-shot creates is the bucket the originals live in.
    bucket = urlsplit(env["IMGEDGE_ORIGINALS_URL"]).hostname
    assert SERVICES["s3-bucket"]["command"][-1] == f"s3/{bucket}"
    # The S3 credentials are the store's own.
    s3 = SERVICES["s3"]["environment"]
    assert (env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"]) == (
        s3["MINIO_ROOT_USER"],
        s3["MINIO_ROOT_PASSWORD"],
    )


def test_secrets_come_from_the_env_file_and_are_required():
    text = COMPOSE_FILE.read_text()
    required = {name for name, op in variables(text).items() if op in (":?", "?")}
    assert required == {"POSTGRES_PASSWORD", "S3_ACCESS_KEY", "S3_SECRET_KEY",
                        "IMGEDGE_ADMIN_TOKEN"}  # fmt: skip
    assert required <= set(read_env_file(EXAMPLE_ENV))
    # Every other variable has a default.
    assert all(op in (":?", "?", ":-", "-") for op in variables(text).values())
    with pytest.raises(MissingVariable, match="IMGEDGE_ADMIN_TOKEN"):
        interpolate(text, {**read_env_file(EXAMPLE_ENV), "IMGEDGE_ADMIN_TOKEN": ""})
    # The real env file is never committed.
    assert ".env" in (DEPLOY / ".gitignore").read_text().split()
    done = subprocess.run(
        ["git", "check-ignore", "-q", str(DEPLOY / ".env")], cwd=DEPLOY, check=False
    )
    assert done.returncode == 0


def test_volumes_are_named_and_declared():
    declared = set(COMPOSE["volumes"])
    used = set()
    for service in SERVICES.values():
        for volume in service.get("volumes") or []:
            source = volume.split(":", 1)[0]
            if source.startswith((".", "/")):
                assert (DEPLOY / source).exists(), source  # a file of the kit, read-only
                assert volume.endswith(":ro"), volume
            else:
                used.add(source)
    assert used == declared == {"pgdata", "s3data", "nginx-cache"}


def test_the_proxy_runs_the_nginx_recipe_with_the_edges_service_name():
    assert NGINX_COMPOSE_CONF.read_text() == compose_nginx_conf(), (
        "deploy/nginx/compose.conf is out of step with imgedge.conf: "
        "python -m tests.deploy.compose > deploy/nginx/compose.conf"
    )
    mounts = SERVICES["proxy"]["volumes"]
    assert "./nginx/compose.conf:/etc/nginx/conf.d/default.conf:ro" in mounts
    # `resolve` (re-resolving `edge` as edges scale) needs nginx 1.27.3 or later.
    version = tuple(int(p) for p in _tag(SERVICES["proxy"]["image"]).split("-")[0].split("."))
    assert version >= (1, 27, 3)


def test_docker_compose_config_accepts_the_file(tmp_path):
    docker = shutil.which("docker")
    if docker is None:
        pytest.skip("docker is not installed (optional: the checks above do not need it)")
    probe = subprocess.run([docker, "compose", "version"], capture_output=True, text=True)
    if probe.returncode != 0:
        # Not `missing()`: Docker is optional everywhere, CI included; the static checks
        # above stand in for it.
        pytest.skip("the docker compose plugin is not installed (optional)")
    done = subprocess.run(
        [docker, "compose", "--env-file", str(EXAMPLE_ENV), "-f", str(COMPOSE_FILE),
         "config", "--quiet"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
