"""Transport attacks against a real `imgedge serve`, with /healthz probed throughout.

Numbers, not a timed test. Each attack runs while a probe opens a fresh connection to
`/healthz` every 100 ms; the table shows what the attack got (status line, or how the
server closed the connection and when), how many of its connections the server still
held at the end, the server's CPU seconds and peak RSS during the attack, and the
probe's p50 / p99 / max latency and failures (no answer within 5 s).

Attacks:
- accept-4.7mb: five `GET /img/<id>/medium`, each with a different 4.7 MB `Accept` header.
- headers-48mb: one request carrying 48 MB of headers (6,000 × 8 KB `X-Pad-*`).
- header-48mb-one: one request with a single 48 MB header.
- idle-1500: 1,500 connections that send nothing, held for --hold seconds.
- slowloris-300: 300 connections sending a request head one header byte per second.
- slow-body-50: 50 POSTs announcing 1 MB bodies: a byte a second for 5 s, then silence
  (use --hold 40 to outlast the default 30 s body timeout).

Run from the repository root (starts its own demo server in a temporary directory):

    .venv/bin/python loadtests/attack_transport.py
    .venv/bin/python loadtests/attack_transport.py --only idle-1500 --hold 30
    .venv/bin/python loadtests/attack_transport.py --url http://127.0.0.1:8080 --pid 1234

Environment variables reach the server, so e.g. `IMGEDGE_HTTP_MAX_CONNECTIONS=200` tries
another setting.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from rendering.servers import free_port, imgedge_env, process_cpu_seconds, seed_demo, server

PROBE_TIMEOUT_S = 5.0


@dataclass
class Probe:
    """Fresh-connection GET /healthz every `interval`; latencies in seconds."""

    host: str
    port: int
    interval: float = 0.1
    latencies: list[float] = field(default_factory=list)
    failures: int = 0

    async def once(self) -> None:
        started = time.perf_counter()
        try:
            async with asyncio.timeout(PROBE_TIMEOUT_S):
                reader, writer = await asyncio.open_connection(self.host, self.port)
                writer.write(b"GET /healthz HTTP/1.1\r\nHost: probe\r\nConnection: close\r\n\r\n")
                answer = await reader.read()
                writer.close()
            if not answer.startswith(b"HTTP/1.1 200"):
                raise ConnectionError(answer[:40])
            self.latencies.append(time.perf_counter() - started)
        except (OSError, TimeoutError):
            self.failures += 1

    async def run(self, stop: asyncio.Event) -> None:
        tasks: set[asyncio.Task[None]] = set()
        while not stop.is_set():
            task = asyncio.create_task(self.once())
            tasks.add(task)
            task.add_done_callback(tasks.discard)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.interval)
        if tasks:
            await asyncio.wait(tasks)

    def summary(self) -> str:
        if not self.latencies:
            return f"no answer ({self.failures} failed)"
        ms = sorted(x * 1000 for x in self.latencies)
        p99 = ms[min(len(ms) - 1, int(len(ms) * 0.99))]
        return (
            f"p50 {statistics.median(ms):.1f} ms, p99 {p99:.1f} ms, max {ms[-1]:.1f} ms, "
            f"{len(ms)} ok, {self.failures} failed"
        )


@dataclass(frozen=True)
class Target:
    host: str
    port: int
    pid: int | None
    product: int
    token: str


async def read_answer(reader: asyncio.StreamReader, wait_s: float) -> str:
    """The status line, or how the connection ended."""
    started = time.perf_counter()
    try:
        async with asyncio.timeout(wait_s):
            line = await reader.readline()
    except TimeoutError:
        return f"no answer in {wait_s:.0f} s"
    except OSError as exc:
        return f"reset after {time.perf_counter() - started:.1f} s ({type(exc).__name__})"
    if not line:
        return f"closed after {time.perf_counter() - started:.1f} s"
    return line.decode("latin-1").strip()


async def send_request(t: Target, head: bytes, wait_s: float = 60) -> str:
    """Send `head` (possibly huge) and return the answer's status line and timing."""
    started = time.perf_counter()
    reader, writer = await asyncio.open_connection(t.host, t.port)
    sent = 0
    try:
        view = memoryview(head)
        for offset in range(0, len(head), 1 << 20):
            writer.write(view[offset : offset + (1 << 20)])
            await writer.drain()
            sent = offset + min(1 << 20, len(head) - offset)
    except OSError:
        pass
    answer = await read_answer(reader, wait_s)
    writer.close()
    elapsed = time.perf_counter() - started
    return f"{answer} [{elapsed:.2f} s, {sent / 1e6:.1f} MB sent]"


async def attack_accept(t: Target, hold: float) -> tuple[str, str]:
    ranges = ",".join(f"image/x-{i};q=0.{i % 10}" for i in range(300_000))
    answers = []
    for n in range(5):  # a different header each time: no cache can help
        accept = f"image/n{n},{ranges}"[:4_700_000].encode()
        head = (
            (
                f"GET /img/{t.product}/medium HTTP/1.1\r\nHost: attack\r\nConnection: close\r\n"
            ).encode()
            + b"Accept: "
            + accept
            + b"\r\n\r\n"
        )
        answers.append(await send_request(t, head))
    return "; ".join(answers), "-"


async def attack_headers(t: Target, hold: float) -> tuple[str, str]:
    pad = b"x" * 8000
    lines = b"".join(b"X-Pad-%d: %s\r\n" % (i, pad) for i in range(6000))
    head = b"GET /healthz HTTP/1.1\r\nHost: attack\r\n" + lines + b"\r\n"
    return await send_request(t, head, wait_s=120), "-"


async def attack_one_header(t: Target, hold: float) -> tuple[str, str]:
    head = b"GET /healthz HTTP/1.1\r\nHost: attack\r\nX-Pad: " + b"x" * 48_000_000 + b"\r\n\r\n"
    return await send_request(t, head, wait_s=120), "-"


Conn = tuple[asyncio.StreamReader, asyncio.StreamWriter]


async def _open_many(t: Target, count: int) -> list[Conn]:
    conns = []
    for _ in range(count):
        try:
            conns.append(await asyncio.open_connection(t.host, t.port))
        except OSError:
            break
    return conns


async def _hold(
    conns: list[Conn],
    hold: float,
    tick: Callable[[int], Awaitable[None]] | None = None,
) -> str:
    """Hold the connections for `hold` seconds; note when the server closed them."""
    readers = [asyncio.create_task(reader.read()) for reader, _ in conns]
    started = time.perf_counter()
    closed_at: list[float] = []
    for task in readers:
        task.add_done_callback(lambda _: closed_at.append(time.perf_counter() - started))
    second = 0
    while time.perf_counter() - started < hold:
        await asyncio.sleep(1)
        second += 1
        if tick is not None:
            await tick(second)
    still = sum(1 for task in readers if not task.done())
    for task in readers:
        task.cancel()
    for _, writer in conns:
        writer.close()
    if closed_at:
        early = sum(1 for t in closed_at if t < 2)
        median = statistics.median(closed_at)
        when = f"closed by server: {len(closed_at)} ({early} within 2 s), median at {median:.1f} s"
    else:
        when = "none closed by server"
    return f"{len(conns)} opened; {when}; {still} still open after {hold:.0f} s"


async def attack_idle(t: Target, hold: float) -> tuple[str, str]:
    conns = await _open_many(t, 1500)
    outcome = await _hold(conns, hold)
    return outcome, str(len(conns))


async def attack_slowloris(t: Target, hold: float) -> tuple[str, str]:
    conns = await _open_many(t, 300)
    for _, writer in conns:
        writer.write(b"GET /healthz HTTP/1.1\r\nHost: attack\r\nX-Slow: ")

    async def drip(_: int) -> None:
        for _, writer in conns:
            if not writer.is_closing():
                with contextlib.suppress(OSError):
                    writer.write(b"a")

    return await _hold(conns, hold, drip), str(len(conns))


async def attack_slow_body(t: Target, hold: float) -> tuple[str, str]:
    conns = await _open_many(t, 50)
    head = (
        "POST /api/sync/products HTTP/1.1\r\nHost: attack\r\n"
        f"Authorization: Bearer {t.token}\r\nContent-Type: application/json\r\n"
        "Content-Length: 1000000\r\n\r\n{"
    ).encode()
    for _, writer in conns:
        writer.write(head)

    async def drip(second: int) -> None:
        for _, writer in conns:
            if second <= 5 and not writer.is_closing():
                with contextlib.suppress(OSError):
                    writer.write(b" ")

    return await _hold(conns, hold, drip), str(len(conns))


ATTACKS: dict[str, Callable[[Target, float], Awaitable[tuple[str, str]]]] = {
    "accept-4.7mb": attack_accept,
    "headers-48mb": attack_headers,
    "header-48mb-one": attack_one_header,
    "idle-1500": attack_idle,
    "slowloris-300": attack_slowloris,
    "slow-body-50": attack_slow_body,
}


def rss_peak_mb(pid: int | None) -> str:
    if pid is None:
        return "-"
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return f"{int(line.split()[1]) / 1024:.0f}"
    return "-"


async def run_attack(name: str, t: Target, hold: float) -> dict[str, str]:
    probe = Probe(t.host, t.port)
    stop = asyncio.Event()
    probing = asyncio.create_task(probe.run(stop))
    await asyncio.sleep(0.5)
    cpu_before = process_cpu_seconds(t.pid) if t.pid else None
    started = time.perf_counter()
    outcome, _ = await ATTACKS[name](t, hold)
    elapsed = time.perf_counter() - started
    cpu_after = process_cpu_seconds(t.pid) if t.pid else None
    await asyncio.sleep(0.5)
    stop.set()
    await probing
    cpu = "-"
    if cpu_before is not None and cpu_after is not None:
        cpu = f"{cpu_after - cpu_before:.2f}"
    return {
        "attack": name,
        "outcome": outcome,
        "seconds": f"{elapsed:.1f}",
        "server cpu s": cpu,
        "peak rss MB": rss_peak_mb(t.pid),
        "/healthz during": probe.summary(),
    }


async def run_all(names: list[str], t: Target, hold: float) -> None:
    for name in names:
        row = await run_attack(name, t, hold)
        print(f"\n## {row.pop('attack')}")
        for key, value in row.items():
            print(f"  {key:<16} {value}")
        sys.stdout.flush()
        await asyncio.sleep(2)  # let the server settle between attacks


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--only", action="append", choices=sorted(ATTACKS), help="repeatable")
    parser.add_argument("--hold", type=float, default=20, help="seconds connection attacks hold")
    parser.add_argument("--url", help="attack a running server instead of starting one")
    parser.add_argument("--pid", type=int, help="the running server's pid (CPU, RSS)")
    parser.add_argument("--product", type=int, default=1, help="product id for /img")
    parser.add_argument("--token", default="attack-token", help="curator token (slow body)")
    args = parser.parse_args(argv)
    names = args.only or list(ATTACKS)
    if args.url:
        parts = urlsplit(args.url)
        host, port = parts.hostname or "127.0.0.1", parts.port or 80
        t = Target(host, port, args.pid, args.product, args.token)
        asyncio.run(run_all(names, t, args.hold))
        return 0
    with tempfile.TemporaryDirectory(prefix="imgedge-attack-") as tmp_name:
        tmp = Path(tmp_name)
        port = free_port()
        env = imgedge_env(tmp, port)
        env["IMGEDGE_ADMIN_TOKEN"] = args.token
        product = seed_demo(env, tmp)
        argv_ = [sys.executable, "-m", "edge.cli", "serve"]
        with server("imgedge", argv_, env, tmp, port) as pid:
            t = Target("127.0.0.1", port, pid, product, args.token)
            asyncio.run(run_all(names, t, args.hold))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
