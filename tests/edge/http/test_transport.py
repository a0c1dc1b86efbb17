"""The transport limits, on a real uvicorn server in the test's loop with raw sockets."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Callable

import pytest

from edge.http.transport import LINGER_S, CoalescingTransport, TransportLimits, protocol_class

LIMITS = TransportLimits(
    max_head_bytes=4096,
    max_field_bytes=1024,
    head_timeout_s=0.4,
    body_timeout_s=0.4,
    max_connections=1000,
)


class App:
    """`/` answers ok, `/echo` the length of the body, `/block` waits for `release`."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.blocked = 0
        self.all_blocked = asyncio.Event()
        self.expect_blocked = 0

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return
        body = b"ok"
        if scope["path"] == "/echo":
            size, more = 0, True
            while more:
                message = await receive()
                if message["type"] == "http.disconnect":
                    return
                size += len(message.get("body", b""))
                more = message.get("more_body", False)
            body = str(size).encode()
        elif scope["path"] == "/block":
            self.blocked += 1
            if self.blocked == self.expect_blocked:
                self.all_blocked.set()
            await self.release.wait()
        headers = [(b"content-type", b"text/plain"), (b"content-length", b"%d" % len(body))]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})


@pytest.fixture
def start(uvicorn_servers) -> Callable[..., object]:
    async def _start(limits: TransportLimits = LIMITS, keep_alive: int = 5) -> tuple[int, App]:
        app = App()
        port = await uvicorn_servers(
            app, http=protocol_class(limits), timeout_keep_alive=keep_alive
        )
        return port, app

    return _start


async def exchange(port: int, data: bytes, wait_s: float = 5) -> bytes:
    """Send `data`, return everything the server sends until it closes."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(data)
    try:
        async with asyncio.timeout(wait_s):
            return await reader.read()
    finally:
        writer.close()


def status(answer: bytes) -> int:
    return int(answer.split(b" ", 2)[1]) if answer else 0


def head(path: str = "/", *lines: bytes) -> bytes:
    return b"GET " + path.encode() + b" HTTP/1.1\r\nHost: t\r\n" + b"".join(lines) + b"\r\n"


async def test_a_head_over_the_total_limit_is_431_as_json_and_closed(start):
    port, _ = await start()
    pads = [b"X-Pad-%d: %s\r\n" % (i, b"x" * 900) for i in range(5)]  # 4.6 KB, each < 1 KB
    answer = await exchange(port, head("/", *pads, b"Connection: keep-alive\r\n"))
    assert status(answer) == 431
    headers, _, body = answer.partition(b"\r\n\r\n")
    assert b"connection: close" in headers
    assert b"x-content-type-options: nosniff" in headers
    assert b"content-security-policy: default-src 'none'" in headers
    assert json.loads(body)["error"]["code"] == "headers_too_large"


async def test_one_header_over_the_field_limit_is_431(start):
    port, _ = await start()
    answer = await exchange(port, head("/", b"Accept: " + b"a" * 1100 + b"\r\n"))
    assert status(answer) == 431


async def test_a_long_target_is_414(start):
    port, _ = await start()
    answer = await exchange(port, head("/img/" + "a" * 1100))
    assert status(answer) == 414


async def test_a_head_within_the_limits_is_served(start):
    port, _ = await start()
    pads = [b"X-Pad-%d: %s\r\n" % (i, b"x" * 900) for i in range(4)]  # 3.7 KB
    answer = await exchange(port, head("/", *pads, b"Connection: close\r\n"))
    assert status(answer) == 200


async def test_a_body_does_not_count_as_head(start):
    port, _ = await start()
    body = b"b" * 200_000
    request = (
        b"POST /echo HTTP/1.1\r\nHost: t\r\nConnection: close\r\n"
        b"Content-Length: %d\r\n\r\n%s" % (len(body), body)
    )
    answer = await exchange(port, request)
    assert status(answer) == 200
    assert answer.endswith(b"200000")


async def test_a_head_trickled_past_the_timeout_is_408(start):
    port, _ = await start()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    started = time.monotonic()
    writer.write(b"GET / HTTP/1.1\r\nHost: t\r\nX-Slow: ")
    for _ in range(20):  # a byte every 0.1 s: each one would reset an idle timer
        await asyncio.sleep(0.1)
        with contextlib.suppress(OSError):
            writer.write(b"a")
        if reader.at_eof():
            break
    answer = await asyncio.wait_for(reader.read(), 5)
    writer.close()
    assert status(answer) == 408
    assert time.monotonic() - started < 0.4 + LINGER_S + 1


async def test_a_silent_connection_is_closed_without_an_answer(start):
    port, _ = await start()
    started = time.monotonic()
    assert await exchange(port, b"") == b""
    assert 0.3 < time.monotonic() - started < 2


async def test_a_stalled_body_is_408(start):
    port, _ = await start()
    request = b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\n0123456789"
    answer = await exchange(port, request)
    assert status(answer) == 408


async def test_keep_alive_and_pipelining_still_work(start):
    port, _ = await start(keep_alive=1)
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(head() + head())  # two pipelined requests
    first = await asyncio.wait_for(reader.readuntil(b"ok"), 5)
    second = await asyncio.wait_for(reader.readuntil(b"ok"), 5)
    assert status(first) == status(second) == 200
    await asyncio.sleep(0.2)  # well inside keep-alive and the head timeout
    writer.write(head())
    assert status(await asyncio.wait_for(reader.readuntil(b"ok"), 5)) == 200
    started = time.monotonic()
    assert await asyncio.wait_for(reader.read(), 5) == b""  # idle: closed, no answer
    assert time.monotonic() - started < 2
    writer.close()


async def test_at_the_cap_a_new_connection_evicts_the_oldest_idle_one(start):
    port, _ = await start(TransportLimits(max_connections=3, head_timeout_s=30))
    idle = [await asyncio.open_connection("127.0.0.1", port) for _ in range(3)]
    await asyncio.sleep(0.1)
    answer = await exchange(port, head("/", b"Connection: close\r\n"))
    assert status(answer) == 200  # served at once, not after the idle ones time out
    oldest_reader = idle[0][0]
    assert await asyncio.wait_for(oldest_reader.read(), 2) == b""
    assert not idle[2][0].at_eof()
    for _, writer in idle:
        writer.close()


async def test_at_the_cap_with_every_connection_busy_a_new_one_is_refused(start):
    port, app = await start(TransportLimits(max_connections=2, head_timeout_s=30))
    app.expect_blocked = 2
    busy = [await asyncio.open_connection("127.0.0.1", port) for _ in range(2)]
    for _, writer in busy:
        writer.write(head("/block"))
    await asyncio.wait_for(app.all_blocked.wait(), 5)
    with contextlib.suppress(ConnectionResetError):
        assert await exchange(port, head()) == b""  # refused: nothing to evict
    app.release.set()
    for reader, writer in busy:
        assert status(await asyncio.wait_for(reader.readuntil(b"ok"), 5)) == 200
        writer.close()


async def test_a_slow_answer_is_not_a_slow_head(start):
    port, app = await start()  # head timeout 0.4 s
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(head("/block"))
    await asyncio.sleep(1.0)  # the app takes longer than a head may
    app.release.set()
    assert status(await asyncio.wait_for(reader.readuntil(b"ok"), 5)) == 200
    await asyncio.sleep(0.2)  # the next head's clock starts at the answer
    writer.write(head("/", b"Connection: close\r\n"))
    assert status(await asyncio.wait_for(reader.read(), 5)) == 200
    writer.close()


async def test_a_body_the_app_is_not_reading_is_not_stalled(start):
    port, app = await start()  # body timeout 0.4 s
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    body = b"b" * 1_000_000  # over uvicorn's 64 KiB buffer: reading pauses while blocked
    writer.write(
        b"POST /block HTTP/1.1\r\nHost: t\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
    )
    await asyncio.sleep(1.0)
    app.release.set()
    assert status(await asyncio.wait_for(reader.readuntil(b"ok"), 5)) == 200
    writer.close()


def test_the_open_files_limit_is_raised_to_fit_the_cap():
    import resource

    from edge.http.transport import ensure_file_limit

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY or soft < 1000:
        pytest.skip("an open-files limit too small (or none) to play with")
    low = soft - 200
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (low, hard))  # lowering is always allowed
        ensure_file_limit(low + 100 - 256)  # wants low + 100 with its headroom
        assert resource.getrlimit(resource.RLIMIT_NOFILE)[0] == low + 100
        ensure_file_limit(10)  # never lowered
        assert resource.getrlimit(resource.RLIMIT_NOFILE)[0] == low + 100
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


async def test_a_body_cut_off_by_the_transport_is_a_quiet_answer(
    settings, services, build, curator, caplog
):
    # The transport's body timeout disconnects the app's receive(): not a logged 500.
    from edge.http.app import create_app

    product = await build.product()
    app = create_app(settings, services=services)
    app.state.services = services
    sent: list[dict[str, object]] = []

    async def receive() -> dict[str, object]:
        return {"type": "http.disconnect"}

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "PATCH",
        "scheme": "http",
        "path": f"/api/products/{product.id}/images",
        "raw_path": f"/api/products/{product.id}/images".encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"t"),
            (b"content-type", b"application/json"),
            (b"content-length", b"100"),
            *((k.encode(), v.encode()) for k, v in curator.items()),
        ],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
        "state": {},
    }
    await app(scope, receive, send)
    assert sent[0]["status"] == 400
    assert b"client_disconnected" in sent[1]["body"]
    assert not [r for r in caplog.records if r.levelname in ("ERROR", "CRITICAL")]


async def test_each_rejection_is_logged_once_at_debug_with_its_reason(start, caplog):
    """uvicorn's warning per refused request would be a log flood under attack."""
    port, _ = await start()
    uvicorn_log = logging.getLogger("uvicorn.error")  # uvicorn's config stops propagation
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="uvicorn.error")
    uvicorn_log.addHandler(caplog.handler)
    try:
        for _ in range(5):
            answer = await exchange(port, head("/", b"Accept: " + b"a" * 1100 + b"\r\n"))
            assert status(answer) == 431
        assert status(await exchange(port, b"NOT HTTP AT ALL\r\n\r\n")) == 400
        assert status(await exchange(port, head("/img/" + "a" * 1100))) == 414
    finally:
        uvicorn_log.removeHandler(caplog.handler)
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.INFO] == []
    rejections = [r.getMessage() for r in caplog.records if "rejected" in r.getMessage()]
    assert len(rejections) == 7
    assert sum("431: header 'accept' over 1024 bytes" in m for m in rejections) == 5
    assert "400: malformed request" in rejections[5]
    assert "414: request target over 1024 bytes" in rejections[6]


async def test_a_body_finished_after_the_answer_then_silence_is_closed(start):
    # The app answers before reading the body; the rest of the body arrives later (which
    # cancels uvicorn's keep-alive timer), then nothing: the next head's wait must start.
    port, _ = await start()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(b"POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\n12345")
        assert status(await reader.readuntil(b"ok")) == 200
        writer.write(b"67890")
        async with asyncio.timeout(3):
            assert await reader.read() == b""  # closed by the server, without an answer
    finally:
        writer.close()


class _RecordingTransport:
    def __init__(self) -> None:
        self.calls: list[tuple[str, object]] = []
        self.closing = False

    def write(self, data: bytes) -> None:
        self.calls.append(("write", data))

    def writelines(self, data: list[bytes]) -> None:
        self.calls.append(("writelines", list(data)))

    def is_closing(self) -> bool:
        return self.closing

    def close(self) -> None:
        self.calls.append(("close", None))
        self.closing = True

    def abort(self) -> None:
        self.calls.append(("abort", None))
        self.closing = True

    def get_write_buffer_size(self) -> int:
        return 0

    def get_extra_info(self, name: str) -> str:
        return f"info {name}"


async def test_writes_of_one_step_leave_together_and_close_flushes_first():
    raw = _RecordingTransport()
    transport = CoalescingTransport(raw, asyncio.get_running_loop())  # type: ignore[arg-type]
    transport.write(b"HTTP/1.1 200 OK\r\n\r\n")
    transport.write(b"body")
    assert raw.calls == [] and transport.get_write_buffer_size() == 23
    await asyncio.sleep(0)  # the end of the step
    assert raw.calls == [("writelines", [b"HTTP/1.1 200 OK\r\n\r\n", b"body"])]
    transport.write(b"last")
    transport.close()
    assert raw.calls[1:] == [("write", b"last"), ("close", None)]
    await asyncio.sleep(0)
    assert len(raw.calls) == 3  # nothing twice
    assert transport.get_extra_info("peername") == "info peername"

    aborted = _RecordingTransport()
    transport = CoalescingTransport(aborted, asyncio.get_running_loop())  # type: ignore[arg-type]
    transport.write(b"never sent")
    transport.abort()
    await asyncio.sleep(0)
    assert aborted.calls == [("abort", None)]
