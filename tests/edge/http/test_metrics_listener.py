"""`IMGEDGE_METRICS_PORT` on real processes: `imgedge serve` answers `/metrics` on that
port only (the main port's is a 404) and logs JSON lines, uvicorn's included; a port in
use is one line naming the setting; `imgedge worker` serves its counters there too."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx

from loadtests.private_edge import ROOT, EdgeProcess, edge_env, seed_demo
from loadtests.processes import free_port, stop_process, wait_for_port


def _env(tmp_path: Path, **more: str) -> dict[str, str]:
    return edge_env(
        database_url=f"sqlite:///{tmp_path}/catalog.db",
        cache_url=f"file://{tmp_path}/cache",
        originals_url=f"file://{tmp_path}/originals",
        render_workers="1",
        **more,
    )


async def test_serve_answers_metrics_on_its_own_port_only(tmp_path):
    metrics_port = free_port()
    env = _env(tmp_path, metrics_port=str(metrics_port), log_format="json", log_level="info")
    seed_demo(env, products=1, log=tmp_path / "demo.log")
    edge = EdgeProcess(env, tmp_path / "edge.log")
    edge.start()
    try:
        async with httpx.AsyncClient(timeout=30) as http:
            await edge.wait_ready(http)
            img = await http.get(f"{edge.url}/img/1/small", headers={"accept": "image/webp"})
            assert img.status_code == 200
            assert (await http.get(f"{edge.url}/metrics")).status_code == 404
            side = f"http://127.0.0.1:{metrics_port}"
            scraped = await http.get(f"{side}/metrics")
            assert scraped.status_code == 200
            assert scraped.headers["content-type"].startswith("text/plain")
            assert (
                'imgedge_http_requests_total{format="webp",method="GET",'
                'route="/img/{product}/{size}",status="200"} 1.0'
            ) in scraped.text
            assert 'route="/metrics"' not in scraped.text  # not a route of the main app
            assert (await http.get(f"{side}/img/1/small")).status_code == 404
    finally:
        edge.stop()
    lines = [json.loads(line) for line in edge.log.read_text().splitlines() if line.strip()]
    loggers = {line["logger"] for line in lines}
    assert {"uvicorn.error", "imgedge.access"} <= loggers
    assert not any(name == "uvicorn.access" for name in loggers)
    [img_line] = [x for x in lines if x.get("route") == "/img/{product}/{size}"]
    assert img_line["served_from"] == "render" and img_line["format"] == "webp"
    assert any(f"metrics on http://127.0.0.1:{metrics_port}" in x.get("message", "") for x in lines)


def test_serve_says_in_one_line_when_the_metrics_port_is_taken(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = _env(tmp_path, port=str(free_port()), metrics_port=str(port))
        run = subprocess.run(
            [sys.executable, "-m", "edge.cli", "serve"],
            env=env, cwd=ROOT, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
    assert run.returncode == 1
    [line] = run.stderr.strip().splitlines()
    assert line.startswith("imgedge serve: IMGEDGE_METRICS_PORT: cannot listen on 127.0.0.1:")


def test_the_worker_serves_its_counters_and_the_queues(tmp_path):
    metrics_port = free_port()
    env = _env(tmp_path, metrics_port=str(metrics_port))
    seed_demo(env, products=2, log=tmp_path / "demo.log")
    with (tmp_path / "worker.log").open("wb") as log:
        worker = subprocess.Popen(
            [sys.executable, "-m", "edge.cli", "worker"],
            env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        wait_for_port(metrics_port, worker, what="imgedge worker metrics", timeout_s=60)
        text = httpx.get(f"http://127.0.0.1:{metrics_port}/metrics", timeout=30).text
        for name in (
            'imgedge_matcher_items_total{outcome="link"}',
            'imgedge_matcher_items_total{outcome="lease_lost"}',
            "imgedge_matcher_lease_expiries_total",
            'imgedge_match_queue_depth{queue="matcher"}',
            'imgedge_match_queue_oldest_age_seconds{queue="review"}',
        ):
            assert name in text, name
        worker.send_signal(signal.SIGTERM)  # finishes the item in hand, then stops
        assert worker.wait(timeout=30) == 0
    finally:
        stop_process(worker)
