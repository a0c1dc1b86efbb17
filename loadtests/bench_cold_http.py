"""Cold requests through HTTP against the pyvips floor, per format and size.

A corpus of 15 photo-like JPEGs (2.4 to 12 MP, generated with libvips by
`edge.demo.photos`) is put into a throw-away catalog, one store product per image. Then:

- the floor: `edge.imaging.render.render` on the original's bytes with the edge's encoder
  settings and libvips' operation cache off (every render cold), in a child process
  started on core 0 exactly as the server is (`taskset -c 0`), at the CPU priority of
  the server's render threads: both run libvips with the thread pool it sizes for one
  core, and the AVIF encoder (libheif/aom) without worker threads of its own. (The floor
  used to run in this process, which pinned only its calling thread, after libvips had
  started its workers: they and aom's encoder threads ran on both cores, so an AVIF
  took ~12% more CPU there and less wall time than one core can give.)
- HTTP: `imgedge serve` pinned to core 0 with an empty cache directory each round
  (restarted), this client on core 1, one request at a time on a keep-alive connection:
  `GET /img/<id>/<size>.<fmt>` for every image, size and format. Each product's
  resolution is cached first (a `?v=` it does not show: a 404 that renders nothing), so
  a request pays the original's read, the render, the cache write and HTTP, as a cold
  request for a known product does. Before each floor render the client waits a moment
  (`SETTLE_S`) for the last answer's cache write to end. Every answer is checked: 200,
  the format's Content-Type, the size's width and the original's orientation.
- The client: HTTP/1.1 on one keep-alive socket (`rendering/socket_client.py`): the
  request sent in one `send`, the answer read until its head and Content-Length bytes
  are in, the head split once, as a C client would. A client's own CPU lands in "HTTP
  ms" and the floor has no counterpart for it: httpx's `Client` (the yardstick until
  issue 16's stop 22) cost ~1.2 ms per request, the standard library's `http.client`
  (until stop 27) ~0.25 ms more than this one (its request building and its
  `email.parser` head: measured per miss, from the server's `writev` to the answer in
  hand, 0.38 against 0.20 ms). More rounds with those clients (`--stdlib-rounds`, 1 by
  default; `--httpx-rounds`, 0) are printed apart, so the change of yardstick stays
  visible.

Prints, per format and size, the median ms of each, the ratio HTTP ÷ floor (issue 16's
targets: ≤ 1.10 for every format, ≤ 1.25 at 150 px), the server's own render time (its
`Server-Timing`: admission, the original's read and the render in its thread) and the
load average.

    .venv/bin/python loadtests/bench_cold_http.py               # 3 rounds (+1 http.client)
    .venv/bin/python loadtests/bench_cold_http.py --rounds 1 --images 5 --stdlib-rounds 0
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

import httpx
from rendering.servers import free_port, imgedge_env, server
from rendering.socket_client import Answer, SocketClient

FORMATS = ("jpg", "webp", "avif")
SIZES = ("thumbnail", "small", "medium")
SHAPES = ((3000, 2000), (2000, 3000), (4000, 3000), (2400, 1600), (3000, 3000))
CORES = os.cpu_count() or 1
# The edge writes a fresh variant to its disk tier just after answering (a thread of its
# own at nice 0: the write, the fsync, the rename). Without a pause that work ran on core 0
# during the next floor render (nice 5), slowing the floor, not the request.
SETTLE_S = 0.03


def corpus(n: int) -> list[bytes]:
    from edge.demo.photos import SHAPES as SILHOUETTES
    from edge.demo.photos import PhotoSpec, photo

    out = []
    for i in range(n):
        w, h = SHAPES[i % len(SHAPES)]
        colour = (40 + 11 * i % 180, 200 - 9 * i % 160, 60 + 13 * i % 170)
        spec = PhotoSpec(w, h, colour, SILHOUETTES[i % len(SILHOUETTES)], f"Cold\n{i}")
        out.append(photo(spec, seed=i))
    return out


async def seed(env: dict[str, str], sources: list[bytes]) -> list[int]:
    """One canonical product and one store product per source; the store product ids."""
    from catalog.models import MatchStatus
    from config import load_settings
    from edge.imaging.ingest import ingest_original
    from edge.imaging.options import Limits
    from edge.services import open_services

    settings = load_settings(environ=env)
    ids = []
    async with open_services(settings) as svc:
        catalog = svc.catalog
        store = await catalog.create_store("Cold")
        for i, data in enumerate(sources):
            canonical = await catalog.create_canonical_product(
                gtin=None, name=f"cold {i}", brand=None
            )
            image = await ingest_original(
                svc.originals,
                data,
                Limits.from_settings(settings),
                canonical_product_id=canonical.id,
            )
            await catalog.add_image(image)
            product = await catalog.upsert_store_product(
                store_id=store.id, external_id=f"c{i}", upc=None, gtin=None, name=f"cold {i}"
            )
            await catalog.link_store_product(product.id, canonical.id, MatchStatus.LINKED, 100.0)
            ids.append(product.id)
    return ids


def on_core_0(argv: list[str]) -> list[str]:
    """`argv` started on core 0 alone: the server and the floor alike."""
    if shutil.which("taskset") and CORES > 1:
        return ["taskset", "-c", "0", *argv]
    return argv


class Floor:
    """`render` as the edge calls it, in a child process started like the server."""

    def __init__(self, env: dict[str, str], sources: list[Path]) -> None:
        argv = on_core_0([sys.executable, __file__, "--floor"])
        self._proc = subprocess.Popen(
            argv, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        self._sources = sources

    def __call__(self, index: int, size: str, fmt_name: str) -> tuple[float, float]:
        """(wall ms, CPU ms of the floor's process: libvips' threads included)."""
        assert self._proc.stdin is not None and self._proc.stdout is not None
        self._proc.stdin.write(f"{self._sources[index]} {size} {fmt_name}\n")
        self._proc.stdin.flush()
        answer = self._proc.stdout.readline().split()
        if len(answer) != 2:
            raise RuntimeError(f"the floor process ended ({self._proc.wait()})")
        return float(answer[0]), float(answer[1])

    def close(self) -> None:
        if self._proc.stdin is not None:
            self._proc.stdin.close()
        self._proc.wait(timeout=30)


def floor_process() -> int:
    """The floor's side: renders each `path size format` line read, answers `wall cpu`
    (ms). Importing `edge.imaging.render` turns libvips' operation cache off, as in the
    edge; the process takes the CPU priority of the edge's render threads before libvips
    starts its own (they inherit it): on a quiet machine that changes nothing, on a busy
    one both yield alike to the other processes."""
    import pyvips

    from config import load_settings
    from edge.imaging.formats import Format
    from edge.imaging.options import EncodeOptions, Limits
    from edge.imaging.render import render
    from edge.imaging.sizes import SizeRequest
    from edge.imaging.variants import LIGHT_NICE

    os.setpriority(os.PRIO_PROCESS, 0, LIGHT_NICE)
    settings = load_settings()
    options, limits = EncodeOptions.from_settings(settings), Limits.from_settings(settings)
    read: dict[str, bytes] = {}
    for line in sys.stdin:
        path, size, fmt_name = line.split()
        source = read.get(path) or read.setdefault(path, Path(path).read_bytes())
        width = SizeRequest(size, 1, None).target_width(
            pyvips.Image.new_from_buffer(source, "").width
        )
        cpu, started = time.process_time(), time.perf_counter()
        render(source, width, Format(fmt_name), options, limits, time.monotonic() + 60)
        wall_ms, cpu_ms = (time.perf_counter() - started) * 1e3, (time.process_time() - cpu) * 1e3
        print(f"{wall_ms} {cpu_ms}", flush=True)
    return 0


Times = dict[tuple[str, str], list[float]]


def cpu_ms(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1e3 / os.sysconf("SC_CLK_TCK")


class Client(Protocol):
    def get(self, path: str) -> Answer: ...

    def close(self) -> None: ...


class StdlibClient:
    """`http.client` on one keep-alive connection: the yardstick of stops 22-26."""

    def __init__(self, host: str, port: int) -> None:
        self._conn = http.client.HTTPConnection(host, port, timeout=120)

    def get(self, path: str) -> Answer:
        self._conn.request("GET", path)
        response = self._conn.getresponse()
        body = response.read()
        headers = {name.lower(): value for name, value in response.getheaders()}
        return Answer(response.status, headers, body)

    def close(self) -> None:
        self._conn.close()


class HttpxClient:
    """httpx's synchronous `Client`: the yardstick until stop 22."""

    def __init__(self, host: str, port: int) -> None:
        self._client = httpx.Client(base_url=f"http://{host}:{port}", timeout=120)

    def get(self, path: str) -> Answer:
        response = self._client.get(path)
        return Answer(response.status_code, response.headers, response.content)

    def close(self) -> None:
        self._client.close()


def server_render_ms(path: str, answer: Answer) -> float:
    """The `render` duration of the answer's Server-Timing."""
    for metric in answer.headers.get("server-timing", "").split(","):
        name, _, duration = metric.strip().partition(";dur=")
        if name == "render":
            return float(duration)
    raise RuntimeError(f"{path}: no render in Server-Timing (was it cached?)")


def check_answer(path: str, answer: Answer, fmt_name: str, width: int, wide: bool) -> None:
    """200, the format's media type, the size's width, the original's orientation."""
    import pyvips

    from edge.imaging.formats import Format

    if answer.status != 200:
        raise RuntimeError(f"{path}: {answer.status} {answer.body[:200]!r}")
    media_type = Format(fmt_name).media_type
    if answer.headers.get("content-type") != media_type:
        raise RuntimeError(f"{path}: {answer.headers.get('content-type')}, not {media_type}")
    image = pyvips.Image.new_from_buffer(answer.body, "")
    if image.width != width or (image.width >= image.height) != wide:
        raise RuntimeError(f"{path}: {image.width}×{image.height}, wanted {width} px wide")


def cold_round(client: Client, pid: int, ids: list[int], shapes: list[tuple[int, int]],
               floor: Floor, wall: dict[str, Times], cpu: dict[str, Times]) -> None:  # fmt: skip
    """Each variant once through HTTP (client on core 1), and rendered by the floor on
    the server's core just before: the pair sees the same machine load."""
    from edge.imaging.sizes import SizeRequest

    for product in ids:  # cache the resolutions: a version the product does not show
        assert client.get(f"/img/{product}/thumbnail?v=cold").status == 404
    for index, product in enumerate(ids):
        width, height = shapes[index]
        for size in SIZES:
            for fmt_name in FORMATS:
                cell, path = (fmt_name, size), f"/img/{product}/{size}.{fmt_name}"
                time.sleep(SETTLE_S)  # the last answer's cache write ends before the floor
                f_wall, f_cpu = floor(index, size, fmt_name)
                server_cpu, started = cpu_ms(pid), time.perf_counter()
                answer = client.get(path)
                elapsed = (time.perf_counter() - started) * 1e3
                server_cpu = cpu_ms(pid) - server_cpu
                wanted = SizeRequest(size, 1, None).target_width(width)
                check_answer(path, answer, fmt_name, wanted, width >= height)
                wall["floor"].setdefault(cell, []).append(f_wall)
                cpu["floor"].setdefault(cell, []).append(f_cpu)
                wall["http"].setdefault(cell, []).append(elapsed)
                wall["server render"].setdefault(cell, []).append(server_render_ms(path, answer))
                cpu["http"].setdefault(cell, []).append(server_cpu)


def measure(client_class: Callable[[str, int], Client], rounds: int, first: int,
            env: dict[str, str], tmp: Path, ids: list[int], shapes: list[tuple[int, int]],
            floor: Floor) -> tuple[dict[str, Times], dict[str, Times]]:  # fmt: skip
    """`rounds` rounds with this client, each on a new server and an empty cache directory."""
    wall: dict[str, Times] = {"floor": {}, "http": {}, "server render": {}}
    cpu: dict[str, Times] = {"floor": {}, "http": {}}
    argv_serve = on_core_0([sys.executable, "-m", "edge.cli", "serve"])
    for r in range(first, first + rounds):
        port = free_port()
        round_env = dict(env, IMGEDGE_PORT=str(port), IMGEDGE_CACHE_URL=f"file://{tmp}/cache{r}")
        with server(f"imgedge-{r}", argv_serve, round_env, tmp, port) as pid:
            client = client_class("127.0.0.1", port)
            try:
                cold_round(client, pid, ids, shapes, floor, wall, cpu)
            finally:
                client.close()
    return wall, cpu


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="rounds (3)")
    parser.add_argument("--images", type=int, default=15, help="corpus size (15)")
    parser.add_argument(
        "--stdlib-rounds", type=int, default=1, help="more rounds with http.client, apart (1)"
    )
    parser.add_argument(
        "--httpx-rounds", type=int, default=0, help="more rounds with httpx's Client, apart (0)"
    )
    parser.add_argument("--floor", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.floor:
        return floor_process()
    if CORES > 1:
        os.sched_setaffinity(0, {1})  # the client; the server and the floor take core 0
    tmp = Path(tempfile.mkdtemp(prefix="imgedge-cold-"))
    try:
        env = imgedge_env(tmp, free_port())
        env.update(IMGEDGE_ACCESS_LOG="false", IMGEDGE_SERVER_TIMING="true")
        sources = corpus(args.images)
        ids = asyncio.run(seed(env, sources))
        paths = [tmp / f"source{i}.jpg" for i in range(len(sources))]
        for path, data in zip(paths, sources, strict=True):
            path.write_bytes(data)
        mp = statistics.median(len(s) for s in sources) / 1e6
        shapes = [SHAPES[i % len(SHAPES)] for i in range(len(sources))]
        del sources
        print(f"{len(paths)} photos (median {mp:.1f} MB JPEG), {args.rounds} round(s); "
              f"load average {os.getloadavg()[0]:.1f} on {CORES} cores")  # fmt: skip
        floor = Floor(env, paths)
        for fmt_name in FORMATS:  # codec start-up, untimed
            floor(0, "thumbnail", fmt_name)
        try:
            wall, cpu = measure(SocketClient, args.rounds, 0, env, tmp, ids, shapes, floor)
            others, first = [], args.rounds
            for name, client_class, rounds in yardsticks(args):
                if rounds:
                    others.append((name, rounds, *measure(
                        client_class, rounds, first, env, tmp, ids, shapes, floor
                    )))  # fmt: skip
                    first += rounds
        finally:
            floor.close()
        print_table(wall, cpu)
        for name, rounds, other_wall, other_cpu in others:
            print(f"\nthe same with {name}, {rounds} round(s): whose own CPU lands in 'HTTP ms'")
            print_table(other_wall, other_cpu, notes=False)
        print(f"load average {os.getloadavg()[0]:.1f} at the end")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


def yardsticks(args: argparse.Namespace) -> list[tuple[str, Callable[[str, int], Client], int]]:
    """The earlier clients, each with its number of rounds."""
    return [
        ("http.client (the yardstick of stops 22-26)", StdlibClient, args.stdlib_rounds),
        ("httpx's Client (the yardstick until stop 22)", HttpxClient, args.httpx_rounds),
    ]


def print_table(wall: dict[str, Times], cpu: dict[str, Times], *, notes: bool = True) -> None:
    """Medians of wall time, and CPU per request summed per cell (the server's CPU is
    read in clock ticks: per request too coarse, per cell fine)."""
    print(f"\n{'format':<7}{'size':<11}{'floor ms':>9}{'HTTP ms':>9}{'ratio':>7}"
          f"{'in render':>10}{'floor CPU':>11}{'server CPU':>12}{'ratio':>7}")  # fmt: skip
    for fmt_name in FORMATS:
        for size in (*SIZES, "all"):
            cells = [(fmt_name, s) for s in (SIZES if size == "all" else (size,))]
            f, h, s = (
                statistics.median([t for c in cells for t in wall[k][c]])
                for k in ("floor", "http", "server render")
            )
            fc, hc = (
                statistics.mean([t for c in cells for t in cpu[k][c]]) for k in ("floor", "http")
            )
            row = f"{fmt_name:<7}{size:<11}{f:>9.1f}{h:>9.1f}{h / f:>7.2f}{s:>10.1f}"
            print(f"{row}{fc:>11.1f}{hc:>12.1f}{hc / fc:>7.2f}")
    if not notes:
        return
    print("\ntargets (wall medians): ratio ≤ 1.10 per format, ≤ 1.25 at thumbnail (150 px);")
    print("'in render': the server's own Server-Timing render (admission, the original's read,")
    print("the render in its thread); the CPU columns (mean ms per variant) are steadier on a")
    print("loaded machine")


if __name__ == "__main__":
    raise SystemExit(main())
