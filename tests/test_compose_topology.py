"""`deploy/compose.yaml`'s topology as processes on this machine (Docker has no daemon
here): PostgreSQL (a fresh database on the shared server), Redis (the shared server, a
key prefix of this test's own), an S3 server (moto), the one-shot `migrate`, the edges
(as many as the file's replicas), the matcher worker and nginx in front with the same
recipe. Each process gets the compose file's environment for its service, with only the
addresses of the compose services swapped for the local ones, so the file and this test
cannot drift apart; the compose file's own health-check commands are run against them.

Then, through the proxy: stores sync, the curator uploads, the worker links a second
store's product to the first one's canonical product, and /img is served by both edges
from one render (the second edge from the shared Redis tier, renders from the shared S3
originals)."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from edge.demo.photos import PhotoSpec, photo
from loadtests.private_edge import EdgeProcess
from loadtests.private_nginx import PrivateNginx, nginx_binary
from loadtests.processes import stop_process, wait_for_port
from tests.deploy.compose import (
    dockerfile,
    env_of,
    healthcheck_command,
    load_compose,
    read_env_file,
    replicas,
    stages,
)
from tests.needs import missing
from tests.s3_server import S3Server

ROOT = Path(__file__).resolve().parent.parent
SERVICES = load_compose()["services"]
TOKEN = read_env_file()["IMGEDGE_ADMIN_TOKEN"]  # what compose interpolates
CURATOR = {"authorization": f"Bearer {TOKEN}"}


def service_env(service: str, local: dict[str, str], extra: dict[str, str]) -> dict[str, str]:
    """The environment of `service`'s container: the image's `IMGEDGE_*` defaults, then the
    compose file's environment; a value that addresses a compose service (or names the
    bucket) is replaced by `local`'s, and every such value must have a replacement."""
    image = {k: v for k, v in env_of(stages(dockerfile())[-1]).items() if k.startswith("IMGEDGE_")}
    compose = SERVICES[service]["environment"]
    assert set(local) <= set(compose), "a replacement for a variable compose no longer sets"
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": str(ROOT)}
    for name, value in {**image, **compose}.items():
        host = urlsplit(value).hostname if "://" in value else None
        if host in SERVICES or name in local:
            assert name in local, f"{name}={value} addresses compose service {host!r}"
            value = local[name]
        env[name] = value
    return {**env, **extra}


def _cli(command: list[str], env: dict[str, str], cwd: Path) -> str:
    """A compose `command` (`imgedge ...`) run to completion; its output."""
    assert command[0] == "imgedge"
    done = subprocess.run(
        [sys.executable, "-m", "edge.cli", *command[1:]],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout


def _healthcheck(service: str, env: dict[str, str], cwd: Path) -> int:
    """The compose file's health check of `service`, run with its environment."""
    command = healthcheck_command(SERVICES[service])
    if command[0] == "python":
        command = [sys.executable, *command[1:]]
    return subprocess.run(command, env=env, cwd=cwd, capture_output=True, timeout=30).returncode


@dataclass
class Topology:
    http: httpx.Client  # to the proxy
    edges: list[EdgeProcess]
    worker_env: dict[str, str]
    s3: S3Server
    bucket: str
    redis_url: str
    cache_prefix: str
    root: Path


@pytest.fixture
def topology(
    empty_postgres_url: str, redis_prefix: tuple[str, str], s3_server: S3Server, tmp_path: Path
) -> Iterator[Topology]:
    if nginx_binary() is None:
        missing("nginx is not installed", " (apt-get install nginx-light)")
    redis_url, cache_prefix = redis_prefix
    bucket = s3_server.new_bucket()  # what the s3-bucket one-shot does
    prefix = urlsplit(SERVICES["edge"]["environment"]["IMGEDGE_ORIGINALS_URL"]).path
    local = {
        "IMGEDGE_DATABASE_URL": empty_postgres_url,
        "IMGEDGE_CACHE_URL": redis_url,
        "IMGEDGE_ORIGINALS_URL": f"s3://{bucket}{prefix}",
        "AWS_ENDPOINT_URL_S3": s3_server.endpoint,
    }
    # Not every interface of the test machine; the shared Redis under this test's prefix.
    extra = {"IMGEDGE_HOST": "127.0.0.1", "IMGEDGE_CACHE_PREFIX": cache_prefix}
    env = {name: service_env(name, local, extra) for name in ("migrate", "edge", "worker")}
    assert "applied" in _cli(SERVICES["migrate"]["command"], env["migrate"], tmp_path)

    assert SERVICES["edge"]["command"] == ["imgedge", "serve"]  # what EdgeProcess runs
    edges = [
        EdgeProcess(env["edge"], tmp_path / f"edge{i}.log")
        for i in range(replicas(SERVICES["edge"]))
    ]
    worker_log = (tmp_path / "worker.log").open("wb")
    worker: subprocess.Popen[bytes] | None = None
    nginx = PrivateNginx(tmp_path / "nginx", upstream=[f"127.0.0.1:{e.port}" for e in edges])
    try:
        for edge in edges:
            edge.start()
            assert edge.proc is not None
            wait_for_port(edge.port, edge.proc, what="imgedge serve", timeout_s=60)
        worker_cmd = SERVICES["worker"]["command"]
        worker = subprocess.Popen(
            [sys.executable, "-m", "edge.cli", *worker_cmd[1:]],
            env=env["worker"], cwd=ROOT, stdout=worker_log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        nginx.start()
        with httpx.Client(base_url=nginx.url, timeout=30) as http:
            yield Topology(
                http, edges, env["worker"], s3_server, bucket, redis_url, cache_prefix, tmp_path
            )
        assert worker.poll() is None, f"the worker exited; see {tmp_path / 'worker.log'}"
    finally:
        nginx.stop()
        if worker is not None:
            stop_process(worker)
        worker_log.close()
        for edge in edges:
            edge.stop()


def _metrics(http: httpx.Client, edge: EdgeProcess) -> dict[str, float]:
    """`imgedge_renders_total` and the variant cache events of one edge."""
    text = http.get(f"{edge.url}/metrics").text
    found = {"renders": 0.0}
    for line in text.splitlines():
        if line.startswith("imgedge_renders_total "):
            found["renders"] = float(line.split()[-1])
        event = re.match(r'imgedge_variant_cache_events_total\{event="(\w+)"\} (\S+)', line)
        if event:
            found[event[1]] = float(event[2])
    return found


def test_the_compose_health_checks_pass_on_the_running_processes(topology):
    for edge in topology.edges:
        assert (
            _healthcheck("edge", {**edge.env, "IMGEDGE_PORT": str(edge.port)}, topology.root) == 0
        )
    assert _healthcheck("worker", topology.worker_env, topology.root) == 0
    # And they can fail: no edge on the port, no database at the URL.
    gone = {**topology.edges[0].env, "IMGEDGE_PORT": "9"}
    assert _healthcheck("edge", gone, topology.root) != 0
    unreachable = {**topology.worker_env, "IMGEDGE_DATABASE_URL": "postgresql://x@127.0.0.1:9/x"}
    assert _healthcheck("worker", unreachable, topology.root) != 0
    assert topology.http.get("/healthz").status_code == 200  # the proxy's own check


def test_sync_upload_match_and_serve_through_the_proxy_from_both_edges(topology):
    http, edges = topology.http, topology.edges
    keys = {
        name: _cli(["imgedge", "stores", "create", name], topology.worker_env, topology.root)
        .strip()
        .splitlines()[-1]
        for name in ("North", "South")
    }

    def sync(store: str, product: dict[str, str]) -> dict:
        answer = http.post(
            "/api/sync/products",
            json={"products": [product]},
            headers={"authorization": f"Bearer {keys[store]}"},
        )
        assert answer.status_code == 200, answer.text
        return answer.json()["results"][0]

    north = sync("North", {"external_id": "oats-1", "name": "Brightfield Rolled Oats 1 kg",
                           "brand": "Brightfield", "upc": "012345678905"})  # fmt: skip
    assert north["match_status"] == "linked"
    canonical = north["canonical_product_id"]
    jpeg = photo(PhotoSpec(900, 700, (200, 160, 40), "box"), seed=7)
    uploaded = http.post(
        "/api/images/upload",
        headers=CURATOR,
        data={"canonicalProductId": str(canonical), "isPrimary": "true"},
        files={"file": ("oats.jpg", jpeg, "image/jpeg")},
    )
    assert uploaded.status_code == 201, uploaded.text
    digest = hashlib.sha256(jpeg).hexdigest()
    prefix = urlsplit(topology.worker_env["IMGEDGE_ORIGINALS_URL"]).path.strip("/")
    assert topology.s3.keys(topology.bucket) == {
        f"{prefix}/{digest[:2]}/{digest[2:4]}/{digest}": len(jpeg)
    }

    # Another store's spelling, no barcode: queued, then linked by the worker.
    south = sync("South", {"external_id": "o-9", "name": "Rolled Oats Brightfield 1kg"})
    assert south["match_status"] == "queued"
    deadline = time.monotonic() + 60
    while True:
        product = http.get(f"/api/products/{south['product_id']}", headers=CURATOR).json()
        if product["match_status"] == "linked":
            break
        assert time.monotonic() < deadline, f"the worker did not link it: {product}"
        time.sleep(0.2)
    assert product["canonical_product_id"] == canonical

    # Through the proxy: one render, then nginx's cache.
    before = [_metrics(http, e) for e in edges]
    # (small.jpg and the sizes below are not among the variants warmed on upload,
    # IMGEDGE_WARM_VARIANTS: they are rendered on request)
    url = f"/img/{south['product_id']}/small.jpg"
    first = http.get(url)
    assert (first.status_code, first.headers["x-cache-status"]) == (200, "MISS"), first.text
    assert http.get(url).headers["x-cache-status"] == "HIT"
    # Each edge directly: the same bytes, rendered once in all; the edge that did not
    # render it took it from the shared Redis tier.
    for edge in edges:
        direct = http.get(edge.url + url)
        assert (direct.status_code, direct.content) == (200, first.content)
    after = [_metrics(http, e) for e in edges]
    rendered = [a["renders"] - b["renders"] for a, b in zip(after, before, strict=True)]
    assert sorted(rendered) == [0, 1]
    other = rendered.index(0)
    assert after[other].get("shared_hit", 0) - before[other].get("shared_hit", 0) >= 1

    # New variants through the proxy go to both edges in turn, each rendering from the
    # shared originals in S3.
    for size in ("medium.webp", "large.jpg", "medium.jpg", "large.webp"):
        answer = http.get(f"/img/{south['product_id']}/{size}")
        assert (answer.status_code, answer.headers["x-cache-status"]) == (200, "MISS")
    final = [_metrics(http, e) for e in edges]
    assert all(f["renders"] > a["renders"] for f, a in zip(final, after, strict=True)), final
