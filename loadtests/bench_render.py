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

The parts live in loadtests/rendering/; this file keeps the command line.

Run from the repository root:

    .venv/bin/python loadtests/bench_render.py                 # both parts
    .venv/bin/python loadtests/bench_render.py --repeat 3 --skip-slow --skip-http
    .venv/bin/python loadtests/bench_render.py --skip-render --duration 5 --connections 64
"""

from __future__ import annotations

import argparse

from rendering.cache_hit import run_http_bench
from rendering.loadgen import loadgen_main
from rendering.overhead import run_render_bench


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
