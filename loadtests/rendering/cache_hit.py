"""Part B, cache-hit throughput: imgedge's /img hot path against a bare Starlette app
serving the same bytes.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import httpx

from .loadgen import LoadResult
from .servers import ROOT, free_port, imgedge_env, process_cpu_seconds, seed_demo, server

HEADERS_TO_COPY = ("content-type", "cache-control", "etag", "vary")
ENTRY = ROOT / "loadtests" / "bench_render.py"  # runs the load generator with --loadgen


@dataclass(frozen=True, slots=True)
class Target:
    name: str
    url: str
    pid: int


BARE_APP = '''\
"""Bare Starlette: the same image bytes and headers from memory, nothing else."""
import json
import os
from pathlib import Path

from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Route

BODY = Path(os.environ["BENCH_BODY"]).read_bytes()
HEADERS = json.loads(os.environ["BENCH_HEADERS"])
MEDIA_TYPE = HEADERS.pop("content-type")


async def image(request):
    return Response(BODY, headers=HEADERS, media_type=MEDIA_TYPE)


async def healthz(request):
    return Response(b"ok")


app = Starlette(routes=[Route("/img/{product}/{size}", image), Route("/healthz", healthz)])
'''


def measure(target: Target, connections: int, duration: float) -> tuple[LoadResult, float | None]:
    """Run the load generator in a second process; also return server CPU µs per request."""
    cpu_before = process_cpu_seconds(target.pid)
    argv = [sys.executable, str(ENTRY), "--loadgen", target.url]
    argv += ["--connections", str(connections), "--duration", str(duration)]
    done = subprocess.run(
        argv,
        capture_output=True,
        text=True,
        timeout=duration + 120,
    )
    cpu_after = process_cpu_seconds(target.pid)
    if done.returncode != 0:
        raise RuntimeError(f"load generator failed:\n{done.stderr[-2000:]}")
    result = LoadResult(**json.loads(done.stdout.strip().splitlines()[-1]))
    cpu_per_request = None
    if cpu_before is not None and cpu_after is not None and result.requests:
        cpu_per_request = (cpu_after - cpu_before) / result.requests * 1e6
    return result, cpu_per_request


def warm(url: str) -> tuple[bytes, dict[str, str]]:
    response = httpx.get(url, timeout=120)
    if response.status_code != 200:
        raise RuntimeError(f"warming {url}: HTTP {response.status_code}: {response.text[:300]}")
    headers = {k: response.headers[k] for k in HEADERS_TO_COPY if k in response.headers}
    return response.content, headers


def run_http_bench(connections: int, duration: float) -> None:
    print(f"Part B: cache-hit requests/s, {connections} connections × {duration:g} s each,")
    print("  load generator (asyncio + httpx) in its own process\n")
    tmp = Path(tempfile.mkdtemp(prefix="imgedge-bench-"))
    try:
        env = imgedge_env(tmp, free_port())
        product = seed_demo(env, tmp)
        port = int(env["IMGEDGE_PORT"])
        path = f"/img/{product}/small.webp"
        argv = [sys.executable, "-m", "edge.cli", "serve"]
        results: dict[str, tuple[LoadResult, float | None]] = {}
        with server("imgedge", argv, env, tmp, port) as pid:
            url = f"http://127.0.0.1:{port}{path}"
            body, headers = warm(url)
            warm(url)  # now from the memory tier
            print(f"  warmed {path}: {len(body)} bytes, {headers}")
            results["imgedge"] = measure(Target("imgedge", url, pid), connections, duration)

        bare_port = free_port()
        (tmp / "bare_app.py").write_text(BARE_APP)
        (tmp / "body.bin").write_bytes(body)
        bare_env = dict(env, BENCH_BODY=str(tmp / "body.bin"), BENCH_HEADERS=json.dumps(headers))
        bare_argv = [sys.executable, "-m", "uvicorn", "bare_app:app", "--host", "127.0.0.1"]
        bare_argv += ["--port", str(bare_port), "--log-level", "warning", "--no-access-log"]
        with server("bare", bare_argv, bare_env, tmp, bare_port) as pid:
            url = f"http://127.0.0.1:{bare_port}{path}"
            bare_body, _ = warm(url)
            assert bare_body == body
            results["bare"] = measure(Target("bare", url, pid), connections, duration)

        print_http_table(results)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def print_http_table(results: dict[str, tuple[LoadResult, float | None]]) -> None:
    head = ("server", "req/s", "p50 ms", "p99 ms", "errors", "server CPU µs/req", "client CPU")
    print("\n  {:<10}{:>9}{:>9}{:>9}{:>8}{:>19}{:>12}".format(*head))
    for name, (r, cpu) in results.items():
        cpu_text = f"{cpu:.0f}" if cpu is not None else "n/a"
        cells = (name, f"{r.rps:.0f}", f"{r.p50_ms:.2f}", f"{r.p99_ms:.2f}", r.errors, cpu_text)
        print("  {:<10}{:>9}{:>9}{:>9}{:>8}{:>19}".format(*cells) + f"{r.client_cpu:>12.0%}")
    (edge, edge_cpu), (bare, bare_cpu) = results["imgedge"], results["bare"]
    line = f"\n  imgedge/bare: throughput {edge.rps / bare.rps:.2f}×"
    if edge_cpu and bare_cpu:
        line += f", server CPU per request {edge_cpu / bare_cpu:.2f}×"
    print(line)
    if max(edge.client_cpu, bare.client_cpu) > 0.9:
        print("  note: the load generator used ~a full CPU; throughput may be client-bound.")
