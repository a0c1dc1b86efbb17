"""Cache hits: imgedge's /img against a real nginx serving the same bytes as a static file.

`imgedge demo --products 6` seeds a throw-away catalog; one variant (`/img/<id>/small.webp`)
is warmed into the memory tier and the same bytes are written under the same path into an
nginx root (Debian's `nginx-light`, `sendfile on`, no access log). Then, in one run:

- nginx, 1 worker process pinned to core 0;
- imgedge, 1 worker (`imgedge serve`) pinned to core 0;
- imgedge, 2 workers (`imgedge serve --workers 2`) on cores 0-1;
- nginx, 2 worker processes on cores 0-1;

each driven by `wrk` (a C client: `apt-get install wrk`) with 32 keep-alive connections
for a fixed time. With one server core the client is pinned to the other core; with two,
the client has no core of its own (a 2-core machine), which caps the scaling both servers
can show; the 2-core figures compare imgedge's scaling with nginx's under the same handicap.

`--core-budget F` stands a CPU budget in for cores (see cpu_budget.py): "one core" is F of
a CPU for the server's whole process tree, "two cores" 2F, nothing is pinned, and the
client keeps the rest of the machine. With F = 0.45 on 2 cores the client has at least
1.1 CPUs, so the 2-worker ÷ 1-worker ratio shows the scaling the pinned runs cannot.

Prints req/s, p50/p99 and server CPU µs per request for each, imgedge ÷ nginx on one core
(target ≥ 0.30, p99 within 3×) and imgedge 2 workers ÷ 1 worker (target ≥ 1.8 where the
client has its own cores).

    .venv/bin/python loadtests/bench_hits.py                      # 10 s per run
    .venv/bin/python loadtests/bench_hits.py --duration 20 --connections 64
    .venv/bin/python loadtests/bench_hits.py --core-budget 0.45     # scaling, 2-core machine
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import cpu_budget
import httpx
from rendering.servers import (
    free_port,
    imgedge_env,
    process_cpu_seconds,
    seed_demo,
    server,
    stop,
    wait_healthy,
)

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
CORES = os.cpu_count() or 1


@dataclass(frozen=True, slots=True)
class Run:
    name: str
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    cpu_us: float | None  # server CPU (every process of it) per request


def pinned(cores: str, argv: list[str]) -> list[str]:
    return ["taskset", "-c", cores, *argv] if shutil.which("taskset") and CORES > 1 else argv


@contextlib.contextmanager
def placed(
    name: str, cores: str, argv: list[str], core_budget: float | None
) -> Iterator[list[str]]:
    """The server's argv on its cores: pinned to them, or held to a CPU budget of
    `core_budget` per core (then nothing is pinned)."""
    if core_budget is None:
        yield pinned(cores, argv)
        return
    with cpu_budget.budget(name, core_budget * (cores.count(",") + 1)) as enter:
        yield [*enter, *argv]


def tree_cpu_seconds(pid: int) -> float:
    """CPU of a process and its descendants (the workers of a supervisor or nginx)."""
    total = process_cpu_seconds(pid) or 0.0
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return total
    return total + sum(tree_cpu_seconds(int(child)) for child in children)


_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([0-9.]+)(us|ms|s)", text).groups()  # type: ignore[union-attr]
    return float(number) * _UNITS[unit]


def wrk(name: str, url: str, pid: int, cores: str | None, connections: int, duration: float) -> Run:
    """`cores`: the client's cores, or None for anywhere (two threads)."""
    argv = ["wrk", "-t", "1" if cores is not None and "," not in cores else "2"]
    argv += ["-c", str(connections), "-d", f"{duration:g}s", "--latency", url]
    before = tree_cpu_seconds(pid)
    argv = pinned(cores, argv) if cores is not None else argv
    out = subprocess.run(argv, capture_output=True, text=True, check=True).stdout
    cpu = tree_cpu_seconds(pid) - before
    rps = float(re.search(r"Requests/sec:\s+([0-9.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"\s50%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"\s99%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    total = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", out))
    errors += sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    return Run(name, rps, p50, p99, errors, cpu / total * 1e6 if total else None)


def nginx_config(root: Path, port: int, workers: int) -> Path:
    user = "user root root;\n" if os.geteuid() == 0 else ""
    config = root / "nginx.conf"
    config.write_text(
        f"{user}worker_processes {workers};\npid {root}/nginx.pid;\n"
        f"error_log {root}/error.log warn;\n"
        "events { worker_connections 1024; }\n"
        "http {\n"
        "  access_log off; sendfile on; tcp_nopush on; keepalive_requests 1000000;\n"
        "  types { image/webp webp; }\n"
        + "".join(f"  {kind}_temp_path {root}/temp;\n"
                  for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
        + f"  server {{ listen 127.0.0.1:{port}; root {root}/www;\n"
        "    location / { add_header Cache-Control \"public, max-age=60\"; } }\n"
        "}\n"
    )  # fmt: skip
    return config


def run_nginx(tmp: Path, path: str, body: bytes, cores: str, args: argparse.Namespace) -> Run:
    root = tmp / f"nginx-{cores.replace(',', '')}"
    (root / "temp").mkdir(parents=True)
    static = root / "www" / path.lstrip("/")
    static.parent.mkdir(parents=True)
    static.write_bytes(body)
    port = free_port()
    workers = cores.count(",") + 1
    argv = [NGINX, "-p", str(root), "-c", str(nginx_config(root, port, workers))]
    log = root / "nginx.log"
    argv = [*argv, "-g", "daemon off;"]
    with placed(f"nginx{workers}", cores, argv, args.core_budget) as argv:
        with log.open("wb") as out:
            proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT)
        try:
            url = f"http://127.0.0.1:{port}{path}"
            wait_healthy(proc, url, log)
            if httpx.get(url).content != body:
                raise RuntimeError("nginx does not serve the same bytes")
            name = f"nginx {workers} worker{'s' * (workers > 1)}"
            client = client_cores(cores, args.core_budget)
            return wrk(name, url, proc.pid, client, args.connections, args.duration)
        finally:
            stop(proc)


def client_cores(server_cores: str, core_budget: float | None) -> str | None:
    """The core(s) the client runs on: the other one if the server has one core; any
    (None) when the server runs on a budget."""
    if core_budget is not None:
        return None
    if "," in server_cores or CORES < 2:
        return ",".join(str(c) for c in range(CORES))
    return str((int(server_cores) + 1) % CORES)


def run_edge(
    env: dict[str, str], tmp: Path, path: str, body: bytes, cores: str, args: argparse.Namespace
) -> Run:
    workers = cores.count(",") + 1
    port = free_port()
    env = dict(env, IMGEDGE_PORT=str(port), IMGEDGE_WORKERS=str(workers))
    argv = [sys.executable, "-m", "edge.cli", "serve"]
    with (
        placed(f"imgedge{workers}", cores, argv, args.core_budget) as argv,
        server(f"imgedge-{workers}", argv, env, tmp, port) as pid,
    ):
        url = f"http://127.0.0.1:{port}{path}"
        # Warm every worker's memory tier (new connections spread over the workers).
        for _ in range(20 * workers):
            if httpx.get(url, timeout=60).content != body:
                raise RuntimeError("imgedge does not serve the bytes nginx serves")
        name = f"imgedge {workers} worker{'s' * (workers > 1)}"
        client = client_cores(cores, args.core_budget)
        return wrk(name, url, pid, client, args.connections, args.duration)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per run (10)")
    parser.add_argument("--connections", type=int, default=32, help="connections (32)")
    parser.add_argument(
        "--core-budget",
        type=float,
        metavar="F",
        help="hold each server to F of a CPU per core instead of pinning it (cpu_budget.py)",
    )
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        print("bench_hits: wrk is not installed (apt-get install wrk)", file=sys.stderr)
        return 2
    if args.core_budget is not None and (why := cpu_budget.available()):
        print(f"bench_hits: --core-budget: {why}", file=sys.stderr)
        return 2
    tmp = Path(tempfile.mkdtemp(prefix="imgedge-hits-"))
    try:
        env = imgedge_env(tmp, free_port())
        env["IMGEDGE_ACCESS_LOG"] = "false"
        product = seed_demo(env, tmp)
        path = f"/img/{product}/small.webp"
        port = int(env["IMGEDGE_PORT"])
        with server("imgedge-seed", [sys.executable, "-m", "edge.cli", "serve"], env, tmp, port):
            body = httpx.get(f"http://127.0.0.1:{port}{path}", timeout=120).content
        load = os.getloadavg()[0]
        print(f"cache hits on {path} ({len(body)} bytes), wrk {args.connections} connections, "
              f"{args.duration:g} s per run; load average {load:.1f} on {CORES} cores")  # fmt: skip
        if args.core_budget is not None:
            print(f"servers held to {args.core_budget:g} CPU per core (cgroup CPU budget), "
                  "nothing pinned; the client has the rest of the machine")  # fmt: skip
        two = "0,1" if CORES > 1 else "0"
        runs = [
            run_nginx(tmp, path, body, "0", args),
            run_edge(env, tmp, path, body, "0", args),
            run_edge(env, tmp, path, body, two, args),
            run_nginx(tmp, path, body, two, args),
        ]
        print_table(runs, budget=args.core_budget is not None)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


def print_table(runs: list[Run], *, budget: bool) -> None:
    print(f"\n{'server':<20}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}{'CPU µs/req':>12}")
    for r in runs:
        cpu = f"{r.cpu_us:.0f}" if r.cpu_us is not None else "n/a"
        print(f"{r.name:<20}{r.rps:>10.0f}{r.p50_ms:>9.2f}{r.p99_ms:>9.2f}{r.errors:>8}{cpu:>12}")
    nginx1, edge1, edge2, nginx2 = runs
    print(f"\nimgedge ÷ nginx, one core: req/s {edge1.rps / nginx1.rps:.2f}× (target ≥ 0.30), "
          f"p99 {edge1.p99_ms / nginx1.p99_ms:.1f}× nginx's (target ≤ 3)")  # fmt: skip
    if edge1.cpu_us and nginx1.cpu_us:
        print(f"  server CPU per request: {edge1.cpu_us / nginx1.cpu_us:.1f}× nginx's")
    client = "the client has the rest of the machine" if budget else "the client shares the 2 cores"
    print(f"2 workers ÷ 1: imgedge {edge2.rps / edge1.rps:.2f}× (target ≥ 1.8), "
          f"nginx {nginx2.rps / nginx1.rps:.2f}× ({client})")  # fmt: skip
    print(f"imgedge ÷ nginx, two cores: {edge2.rps / nginx2.rps:.2f}×")


if __name__ == "__main__":
    raise SystemExit(main())
