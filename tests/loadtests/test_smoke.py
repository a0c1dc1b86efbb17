"""A few seconds of every load-test scenario against a real edge (uvicorn on a free
port, a matcher worker beside it, a `demo --scale` catalog), so the load tests never
rot: the run exits 0 with every class making requests, a missed threshold exits 3, and
a distributed run (a master and 2 worker processes, through `loadtests.run`) works."""

from __future__ import annotations

import csv
import importlib.util
import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from loadtests.private_edge import ROOT, EdgeProcess, edge_env
from loadtests.processes import stop_process, wait_for_port
from tests.needs import missing

CLASSES = ("ListingShopper", "ProductPageShopper", "CdnRevalidator", "StoreSync", "Curator")
# Latency is left to real runs; failures are judged by `_only_overload` below.
SMOKE_SLO = 'max_error_rate = 0.2\n[p95_ms]\n"/api/pictures?slot=thumbnail" = 60000\n'
# What a loaded machine may answer under a burst of cold renders (not a scenario's bug).
OVERLOAD = ("render_busy", "render_timeout", "Connection reset", "Connection aborted")


@dataclass(frozen=True)
class Stand:
    url: str
    work: Path
    env: dict[str, str]
    catalog: Path
    slo: Path


@pytest.fixture(scope="module")
def stand(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stand]:
    if importlib.util.find_spec("locust") is None:
        missing("locust is not installed", " (pip install -e '.[loadtest]')")
    work = tmp_path_factory.mktemp("loadtest")
    env = edge_env(
        database_url=f"sqlite:///{work}/catalog.db",
        cache_url=f"file://{work}/cache",
        originals_url=f"file://{work}/originals",
    )
    catalog = work / "catalog.json"
    seed = ["demo", "--scale", "300", "--originals", "2", "--out", str(catalog)]
    subprocess.run([sys.executable, "-m", "edge.cli", *seed], env=env, cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL, timeout=120)  # fmt: skip
    edge = EdgeProcess(env, work / "edge.log")
    edge.start()
    assert edge.proc is not None
    with (work / "matcher.log").open("ab") as log:
        matcher = subprocess.Popen(
            [sys.executable, "-m", "edge.cli", "worker"], env=env, cwd=ROOT, stdout=log,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
    slo = work / "smoke-slo.toml"
    slo.write_text(SMOKE_SLO)
    try:
        wait_for_port(edge.port, edge.proc, what="imgedge serve", timeout_s=30)
        yield Stand(edge.url, work, env, catalog, slo)
    finally:
        stop_process(matcher)
        edge.stop()


def _locust(stand: Stand, results: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [
        sys.executable, "-m", "locust", "-f", str(ROOT / "loadtests" / "locustfile.py"),
        "--headless", "--host", stand.url, "--catalog", str(stand.catalog),
        "--results-dir", str(results), "--csv", str(results / "locust"),
        "--metrics-interval", "1", "--only-summary", *args,
    ]  # fmt: skip
    return subprocess.run(command, env=stand.env, cwd=ROOT, capture_output=True, text=True,
                          timeout=90)  # fmt: skip


def _only_overload(results: Path) -> None:
    """Every failure of the run is the machine's overload, none a scenario's mistake
    (an unexpected 404, a wrong version, a missing field)."""
    with (results / "locust_failures.csv").open() as f:
        failures = [row["Error"] for row in csv.DictReader(f)]
    assert all(any(o in error for o in OVERLOAD) for error in failures), failures


def _stats(results: Path) -> dict[str, int]:
    with (results / "locust_stats.csv").open() as f:
        return {row["Name"]: int(row["Request Count"]) for row in csv.DictReader(f)}


def test_every_scenario_runs_clean(stand: Stand, tmp_path: Path) -> None:
    users = json.dumps([{"user_class_name": name, "fixed_count": 1} for name in CLASSES])
    done = _locust(stand, tmp_path, "-u", "5", "-r", "5", "-t", "5s", "--slo", str(stand.slo),
                   *CLASSES, "--config-users", users)  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    _only_overload(tmp_path)
    stats = _stats(tmp_path)
    for route in (
        "/api/pictures?slot=thumbnail",  # ListingShopper
        "/img/[id]/[size].[fmt]?v=",  # shoppers' picks
        "/api/pictures?slot=hero",  # ProductPageShopper
        "/api/sync/products",  # StoreSync
        "/api/images/upload",  # Curator
        "curator: new image visible",
    ):
        assert stats.get(route, 0) > 0, (route, stats)
    # CdnRevalidator learns a versioned URL from the page data as it starts, then picks
    # its tasks at random: in 5 s it may not have revalidated yet, but it has learnt.
    revalidator = ["/api/pictures?slot=card"] + [r for r in stats if r.endswith("(If-None-Match)")]
    assert sum(stats.get(route, 0) for route in revalidator) > 0, stats
    summary = (tmp_path / "server_summary.csv").read_text()
    assert (
        "variant hit ratio (any tier)" in summary and "n/a" not in summary.split("renders,")[1][:20]
    )
    assert "every threshold met" in (tmp_path / "server.html").read_text()


def test_a_missed_threshold_fails_the_run(stand: Stand, tmp_path: Path) -> None:
    impossible = tmp_path / "impossible.toml"
    impossible.write_text('[p95_ms]\n"/api/pictures?slot=thumbnail" = 0.001\n')
    done = _locust(stand, tmp_path, "-u", "2", "-r", "2", "-t", "2s", "--slo", str(impossible),
                   "ListingShopper")  # fmt: skip
    assert done.returncode == 3, done.stderr[-3000:]
    verdicts = (tmp_path / "slo.csv").read_text()
    assert "/api/pictures?slot=thumbnail p95,≤ 0.001 ms" in verdicts and ",NO" in verdicts


def test_distributed_run_with_two_workers(stand: Stand, tmp_path: Path) -> None:
    command = [
        sys.executable, "-m", "loadtests.run", "--host", stand.url, "--work", str(stand.work),
        "--scale", "300", "--no-matcher", "--workers", "2", "--shape", "spike",
        "-u", "4", "-r", "4", "-t", "4s", "--slo", str(stand.slo), "--results", str(tmp_path),
        "--metrics-interval", "2", "--warmup", "2", "ListingShopper", "CdnRevalidator",
    ]  # fmt: skip
    done = subprocess.run(command, env=stand.env, cwd=ROOT, capture_output=True, text=True,
                          timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    _only_overload(tmp_path)
    assert "2 workers connected" in done.stderr
    assert "warm-up over: statistics restart" in done.stderr
    assert _stats(tmp_path)["/api/pictures?slot=thumbnail"] > 0
    for n in (0, 1):  # each worker ran users
        assert (tmp_path / f"locust-worker-{n}.log").exists()
    assert (tmp_path / "report.html").stat().st_size > 10_000
