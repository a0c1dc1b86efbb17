"""Benchmarks for the two costs that matter on the edge: a cold render and a cache hit.

Part A — render overhead. One photo-like 3000×2000 JPEG is rendered at every named size
(thumbnail, small, medium, large, original) in every format (avif, webp, jpg, png) by
`edge.imaging.render.render` (default `EncodeOptions`, generous limits, far deadline) and by the
bare libvips equivalent (`thumbnail_buffer` + `write_to_buffer` with the same save
options). The two are interleaved in one process, in alternating order, with libvips'
operation cache off so every run is a cold render. The table shows both medians, their
ratio (pipeline overhead: header probe, colour/alpha steps, deadline checks) and whether
the bytes are identical; the last line is the geometric mean of the ratios.

Part B — cache-hit throughput. `imgedge demo --products 6` seeds a throw-away catalog,
`imgedge serve` runs in a subprocess, one variant is warmed, and a load generator in a
second process (asyncio + httpx, N keep-alive connections) requests it for a fixed time.
The same is then done against a bare Starlette app on uvicorn that returns the same bytes
and headers from memory. Both report req/s, p50/p99 latency and the server's CPU time per
request; the ratio imgedge/bare shows what the /img hot path costs over the framework.
On a small machine the load generator shares the CPUs with the server, so compare the
ratio and CPU per request rather than the absolute numbers.

Run from the repository root:

    .venv/bin/python loadtests/bench_render.py                 # both parts
    .venv/bin/python loadtests/bench_render.py --repeat 3 --skip-slow --skip-http
    .venv/bin/python loadtests/bench_render.py --skip-render --duration 5 --connections 64
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import AsyncExitStack, contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

import httpx

# pyvips and edge.* are imported inside the Part A functions, so that the load-generator
# process (this file run with --loadgen) starts quickly and stays small.

ROOT = Path(__file__).resolve().parent.parent
SOURCE_SIZE = (3000, 2000)
SIZE_NAMES = ("thumbnail", "small", "medium", "large", "original")
FORMAT_NAMES = ("avif", "webp", "jpg", "png")
SLOW_CELLS = {("original", "avif"), ("original", "png")}  # ~0.2–1 s each per render
HEADERS_TO_COPY = ("content-type", "cache-control", "etag", "vary")


# ----------------------------------------------------------------------------- Part A


@dataclass(frozen=True, slots=True)
class RenderRow:
    size: str
    fmt: str
    width: int
    render_ms: float
    bare_ms: float
    out_bytes: int
    identical: bool

    @property
    def ratio(self) -> float:
        return self.render_ms / self.bare_ms


def make_source() -> bytes:
    from edge.demo.photos import PhotoSpec, photo

    width, height = SOURCE_SIZE
    return photo(PhotoSpec(width, height, (200, 120, 40), "bottle", "Bench\nBottle"), seed=42)


def timed(fn: Callable[[], bytes]) -> tuple[float, bytes]:
    started = time.perf_counter()
    out = fn()
    return (time.perf_counter() - started) * 1e3, out


def bench_cell(source: bytes, size: str, fmt_name: str, repeat: int) -> RenderRow:
    import pyvips

    from edge.imaging.formats import Format
    from edge.imaging.render import EncodeOptions, Limits, render
    from edge.imaging.sizes import SizeRequest

    fmt = Format(fmt_name)
    options = EncodeOptions()
    limits = Limits(max_pixels=200_000_000, max_bytes=1 << 30)
    width = SizeRequest(size, 1, fmt).target_width(SOURCE_SIZE[0])
    suffix, save_kwargs = options.save_args(fmt)

    def with_render() -> bytes:
        return render(source, width, fmt, options, limits, time.monotonic() + 3600)

    def bare() -> bytes:
        image = pyvips.Image.thumbnail_buffer(source, width, height=10_000_000, size="down")
        return image.write_to_buffer(suffix, **save_kwargs)

    # One untimed round of each (codec start-up), then alternate which goes first.
    rendered, plain = with_render(), bare()
    render_times: list[float] = []
    bare_times: list[float] = []
    for i in range(repeat):
        pair = ((with_render, render_times), (bare, bare_times))
        for fn, times in pair if i % 2 == 0 else reversed(pair):
            elapsed, _ = timed(fn)
            times.append(elapsed)
    return RenderRow(
        size=size,
        fmt=fmt_name,
        width=width,
        render_ms=statistics.median(render_times),
        bare_ms=statistics.median(bare_times),
        out_bytes=len(rendered),
        identical=rendered == plain,
    )


def format_row(row: RenderRow) -> str:
    same = "yes" if row.identical else "NO"
    return (
        f"  {row.size:<10}{row.fmt:<6}{row.width:>6}{row.render_ms:>11.1f}{row.bare_ms:>10.1f}"
        f"{row.ratio:>8.3f}{row.out_bytes / 1024:>9.1f}  {same}"
    )


def run_render_bench(repeat: int, skip_slow: bool) -> list[RenderRow]:
    import pyvips

    pyvips.cache_set_max(0)  # cold renders: no reuse of earlier operations
    source = make_source()
    w, h = SOURCE_SIZE
    print(f"Part A: render vs bare libvips, {w}x{h} JPEG source ({len(source) / 1e6:.1f} MB)")
    libvips = ".".join(str(pyvips.version(i)) for i in range(3))
    print(
        f"  median of {repeat} interleaved cold runs each; libvips {libvips}, {os.cpu_count()} CPUs"
    )
    print(f"\n  {'size':<10}{'fmt':<6}{'width':>6}{'render ms':>11}{'bare ms':>10}", end="")
    print(f"{'ratio':>8}{'out KB':>9}  same bytes")
    rows = []
    for size in SIZE_NAMES:
        for fmt_name in FORMAT_NAMES:
            if skip_slow and (size, fmt_name) in SLOW_CELLS:
                print(f"  {size:<10}{fmt_name:<6}  (skipped: --skip-slow)")
                continue
            row = bench_cell(source, size, fmt_name, repeat)
            rows.append(row)
            print(format_row(row), flush=True)
    geomean = math.exp(statistics.fmean(math.log(r.ratio) for r in rows))
    print(f"\n  geometric mean ratio render/bare: {geomean:.3f} over {len(rows)} cells\n")
    return rows


# ----------------------------------------------------------------------------- Part B


@dataclass(frozen=True, slots=True)
class LoadResult:
    requests: int
    errors: int
    seconds: float
    p50_ms: float
    p99_ms: float
    client_cpu: float  # load generator CPU seconds / wall seconds

    @property
    def rps(self) -> float:
        return self.requests / self.seconds


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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def imgedge_env(tmp: Path, port: int) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("IMGEDGE_CONFIG", None)
    env.update(
        IMGEDGE_HOST="127.0.0.1",
        IMGEDGE_PORT=str(port),
        IMGEDGE_DATABASE_URL=f"sqlite:///{tmp}/db.sqlite",
        IMGEDGE_CACHE_URL=f"file://{tmp}/cache",
        IMGEDGE_ORIGINALS_URL=f"file://{tmp}/originals",
        IMGEDGE_LOG_LEVEL="warning",
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
    )
    return env


def seed_demo(env: dict[str, str], cwd: Path) -> int:
    """Seed the demo catalog; return the first product id it prints."""
    done = subprocess.run(
        [sys.executable, "-m", "edge.cli", "demo", "--products", "6"],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if done.returncode != 0:
        raise RuntimeError(f"imgedge demo failed ({done.returncode}):\n{done.stderr[-2000:]}")
    match = re.search(r"/img/(\d+)/", done.stdout)
    return int(match.group(1)) if match else 1


@contextmanager
def server(name: str, argv: list[str], env: dict[str, str], cwd: Path, port: int) -> Iterator[int]:
    """Start a server subprocess, wait for /healthz, yield its pid; stop it on exit."""
    log_path = cwd / f"{name}.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(argv, env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_healthy(proc, f"http://127.0.0.1:{port}/healthz", log_path)
        yield proc.pid
    finally:
        stop(proc)


def wait_healthy(proc: subprocess.Popen[bytes], url: str, log_path: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args} exited with {proc.returncode}:\n{tail(log_path)}")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} not healthy after 60 s:\n{tail(log_path)}")


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def tail(path: Path, chars: int = 2000) -> str:
    try:
        return path.read_text(errors="replace")[-chars:]
    except OSError:
        return "(no log)"


def process_cpu_seconds(pid: int) -> float | None:
    """User + system CPU of a process (Linux /proc), or None where unavailable."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(target: Target, connections: int, duration: float) -> tuple[LoadResult, float | None]:
    """Run the load generator in a second process; also return server CPU µs per request."""
    cpu_before = process_cpu_seconds(target.pid)
    argv = [sys.executable, __file__, "--loadgen", target.url]
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


# ----------------------------------------------------------------------------- load generator


async def generate_load(url: str, connections: int, duration: float) -> LoadResult:
    """`connections` workers, each with its own keep-alive connection, for `duration` s.

    One client per worker: a single httpx pool shared by many tasks spends its time on
    pool bookkeeping (about 3× fewer requests/s on loopback).
    """
    async with AsyncExitStack() as stack:
        clients = [
            await stack.enter_async_context(
                httpx.AsyncClient(limits=httpx.Limits(max_connections=1), timeout=30)
            )
            for _ in range(connections)
        ]
        expected = len((await clients[0].get(url)).content)
        await asyncio.gather(*(client.get(url) for client in clients))  # connect them all
        latencies: list[float] = []
        errors = 0
        cpu_start, started = time.process_time(), time.perf_counter()
        stop_at = started + duration

        async def worker(client: httpx.AsyncClient) -> None:
            nonlocal errors
            while time.perf_counter() < stop_at:
                sent = time.perf_counter()
                try:
                    response = await client.get(url)
                    ok = response.status_code == 200 and len(response.content) == expected
                except httpx.HTTPError:
                    ok = False
                latencies.append(time.perf_counter() - sent)
                errors += not ok

        await asyncio.gather(*(worker(client) for client in clients))
        seconds = time.perf_counter() - started
        cpu = time.process_time() - cpu_start
    latencies.sort()
    return LoadResult(
        requests=len(latencies),
        errors=errors,
        seconds=seconds,
        p50_ms=percentile(latencies, 0.50) * 1e3,
        p99_ms=percentile(latencies, 0.99) * 1e3,
        client_cpu=cpu / seconds,
    )


def percentile(ordered: list[float], q: float) -> float:
    if not ordered:
        return math.nan
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def loadgen_main(url: str, connections: int, duration: float) -> int:
    try:
        import uvloop  # the same event loop uvicorn uses, when installed
    except ImportError:
        result = asyncio.run(generate_load(url, connections, duration))
    else:
        result = uvloop.run(generate_load(url, connections, duration))
    print(json.dumps(asdict(result)))
    return 0


# ----------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="examples:" + __doc__.split("Run from the repository root:")[1].rstrip(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per cell (default 5)")
    parser.add_argument(
        "--skip-slow", action="store_true", help="skip original × avif/png in Part A"
    )
    parser.add_argument("--skip-render", action="store_true", help="skip Part A")
    parser.add_argument("--skip-http", action="store_true", help="skip Part B")
    parser.add_argument(
        "--duration", type=float, default=10.0, help="seconds per load run (default 10)"
    )
    parser.add_argument(
        "--connections", type=int, default=32, help="concurrent connections (default 32)"
    )
    parser.add_argument("--loadgen", metavar="URL", help=argparse.SUPPRESS)  # internal
    args = parser.parse_args(argv)
    if args.repeat < 1 or args.duration <= 0 or args.connections < 1:
        parser.error("--repeat, --duration and --connections must be positive")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.loadgen:
        return loadgen_main(args.loadgen, args.connections, args.duration)
    if not args.skip_render:
        run_render_bench(args.repeat, args.skip_slow)
    if not args.skip_http:
        run_http_bench(args.connections, args.duration)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
