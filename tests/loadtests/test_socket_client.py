"""The benchmarks' socket client against a scripted server on a real socket."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from loadtests.rendering.socket_client import SocketClient


@contextmanager
def scripted(*replies: list[bytes]) -> Iterator[tuple[int, list[bytes]]]:
    """A server that answers the n-th request head with the parts of replies[n], sent one
    `send` each (a pause between them), and records each head it read."""
    listener = socket.create_server(("127.0.0.1", 0))
    heads: list[bytes] = []

    def serve() -> None:
        conn, _ = listener.accept()
        with conn:
            pending = b""
            for parts in replies:
                while b"\r\n\r\n" not in pending:
                    pending += conn.recv(4096)
                head, _, pending = pending.partition(b"\r\n\r\n")
                heads.append(head)
                for part in parts:
                    conn.sendall(part)
                    time.sleep(0.01)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1], heads
    finally:
        thread.join(timeout=5)
        listener.close()


def test_answers_split_across_reads_and_kept_alive() -> None:
    first = [
        b"HTTP/1.1 200 OK\r\nContent-Type: image/webp\r\nCon",
        b"tent-Length: 6\r\n\r\nab",
        b"cdef",
    ]
    second = [b"HTTP/1.1 404 Not Found\r\ncontent-length: 2\r\nX-A: 1\r\nx-a: 2\r\n\r\n{}"]
    with scripted(first, second) as (port, heads):
        client = SocketClient("127.0.0.1", port)
        a = client.get("/img/1/small.webp")
        b = client.get("/img/2/small")
        client.close()
    assert (a.status, a.headers["content-type"], a.body) == (200, "image/webp", b"abcdef")
    assert (b.status, b.body, b.headers["x-a"]) == (404, b"{}", "2")  # the last one wins
    assert heads == [
        b"GET /img/1/small.webp HTTP/1.1\r\nHost: 127.0.0.1:%d" % port,
        b"GET /img/2/small HTTP/1.1\r\nHost: 127.0.0.1:%d" % port,
    ]


def test_bytes_past_an_answer_start_the_next_one() -> None:
    both = b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nxHTTP/1.1 304 Not Modified\r\n"
    with scripted([both], [b"Content-Length: 0\r\n\r\n"]) as (port, _):
        client = SocketClient("127.0.0.1", port)
        assert client.get("/a").body == b"x"
        answer = client.get("/b")
        client.close()
    assert (answer.status, answer.body) == (304, b"")


def test_an_answer_it_cannot_read_is_an_error() -> None:
    with scripted([b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"]) as (port, _):
        client = SocketClient("127.0.0.1", port)
        with pytest.raises(ValueError, match="Content-Length"):
            client.get("/chunked")
        client.close()
    with scripted([b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nshort"]) as (port, _):
        client = SocketClient("127.0.0.1", port)
        with pytest.raises(ConnectionError):
            client.get("/cut")
        client.close()
