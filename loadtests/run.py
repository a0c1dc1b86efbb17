"""`make loadtest`: seed a scale catalog, start an edge and a matcher worker (or use a
running edge), run the Locust scenarios headless, write the report, exit with Locust's
code (0: every threshold met, 3: one missed).

    python -m loadtests.run                       # own edge on var/loadtest/, 5000 products
    python -m loadtests.run --host http://127.0.0.1:8080   # `make run`'s edge
    python -m loadtests.run --shape spike -u 200 -t 10m --workers 2 [UserClass ...]

Its own edge uses the IMGEDGE_* settings of the environment, with the catalog, cache and
originals under `--work` (default var/loadtest/) unless IMGEDGE_DATABASE_URL,
IMGEDGE_CACHE_URL or IMGEDGE_ORIGINALS_URL name others (PostgreSQL, Redis, S3). With
`--host` the catalog is seeded through the environment's settings too: they must be the
running edge's (`make run`'s defaults are). `--workers K` runs Locust distributed: a
master and K worker processes on this machine (see the README for other hosts).
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from contextlib import ExitStack
from pathlib import Path

from loadtests.processes import free_port, stop_process, wait_for_port

ROOT = Path(__file__).resolve().parent.parent
LOCUSTFILE = ROOT / "loadtests" / "locustfile.py"


def _args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--host", help="a running edge (default: start one)")
    p.add_argument("--work", type=Path, default=ROOT / "var" / "loadtest", help="own files")
    p.add_argument("--scale", type=int, default=5000, help="store products to seed")
    p.add_argument("--originals", type=int, help="distinct generated originals (demo --scale)")
    p.add_argument("-u", "--users", type=int, default=50)
    p.add_argument("-r", "--spawn-rate", type=float, default=10)
    p.add_argument("-t", "--run-time", default="2m")
    p.add_argument("--shape", default="constant", choices=("constant", "ramp", "spike", "soak"))
    p.add_argument("--slo", default=str(ROOT / "loadtests" / "slo.toml"))
    p.add_argument("--workers", type=int, default=0, help="Locust worker processes (0: one)")
    p.add_argument("--no-matcher", action="store_true", help="do not start `imgedge worker`")
    p.add_argument("--results", type=Path, help="default <work>/results/<time>")
    p.add_argument("--metrics-interval", type=float, default=10)
    p.add_argument("--warmup", default="0", help="seconds before the statistics restart")
    p.add_argument("--edge-pids", default="", help="with --host: its PIDs, for RSS from /proc")
    p.add_argument("classes", nargs="*", help="user classes to run (default: all, by weight)")
    return p.parse_args(argv)


def edge_environment(work: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [env.get("PYTHONPATH")])])
    env.setdefault("IMGEDGE_DATABASE_URL", f"sqlite:///{work}/imgedge.db")
    env.setdefault("IMGEDGE_CACHE_URL", f"file://{work}/cache")
    env.setdefault("IMGEDGE_ORIGINALS_URL", f"file://{work}/originals")
    env.setdefault("IMGEDGE_LOG_LEVEL", "warning")
    return env


def imgedge(*args: str) -> list[str]:
    return [sys.executable, "-m", "edge.cli", *args]


def _start(
    stack: ExitStack, command: list[str], env: dict[str, str], log: Path
) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        proc = subprocess.Popen(command, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    stack.callback(stop_process, proc)
    return proc


def main(argv: list[str] | None = None) -> int:
    args = _args(argv)
    work = args.work.resolve()
    results = (args.results or work / "results" / time.strftime("%Y%m%d-%H%M%S")).resolve()
    results.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ) if args.host else edge_environment(work)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])
    catalog = work / "catalog.json"
    seed = imgedge("demo", "--scale", str(args.scale), "--out", str(catalog))
    if args.originals:
        seed += ["--originals", str(args.originals)]
    print(f"seeding: {' '.join(seed[2:])}", flush=True)
    subprocess.run(seed, env=env, cwd=ROOT, check=True)

    with ExitStack() as stack:
        pids = [int(p) for p in args.edge_pids.split(",") if p.strip()]
        host = args.host
        if host is None:
            port = free_port()
            edge = _start(
                stack, imgedge("serve"), {**env, "IMGEDGE_PORT": str(port)}, results / "edge.log"
            )
            wait_for_port(port, edge, what="imgedge serve", timeout_s=60)
            host, pids = f"http://127.0.0.1:{port}", [edge.pid]
        if not args.no_matcher:
            _start(stack, imgedge("worker"), env, results / "matcher.log")
        locust = [
            sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless",
            "--host", host, "-u", str(args.users), "-r", str(args.spawn_rate),
            "-t", args.run_time, "--shape", args.shape, "--slo", args.slo,
            "--catalog", str(catalog), "--results-dir", str(results),
            "--metrics-interval", str(args.metrics_interval), "--warmup", args.warmup,
            "--html", str(results / "report.html"), "--csv", str(results / "locust"),
            "--edge-pids", ",".join(map(str, pids)), "--only-summary",
        ]  # fmt: skip
        if args.workers > 0:
            master_port = free_port()
            locust += ["--master", "--expect-workers", str(args.workers),
                       "--master-bind-port", str(master_port)]  # fmt: skip
            for n in range(args.workers):
                worker = [
                    sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--worker",
                    "--master-port", str(master_port), "--catalog", str(catalog),
                ]  # fmt: skip
                _start(stack, worker + args.classes, env, results / f"locust-worker-{n}.log")
        print(f"running: locust {' '.join(locust[4:])} {' '.join(args.classes)}", flush=True)
        code = subprocess.run(locust + args.classes, env=env, cwd=ROOT).returncode
    print(f"report: {results}/report.html and {results}/server.html (exit {code})")
    return code


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stop the children on the way out
    raise SystemExit(main())
