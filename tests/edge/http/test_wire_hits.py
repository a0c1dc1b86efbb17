"""Cache hits answered by the connection (`WireHits` under `LimitedHttpToolsProtocol`),
on real uvicorn servers in the test's loop: the same answers as the app's, in order,
observed the same way, and everything else left to the app."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import httpx
import pytest

from edge.demo.photos import PhotoSpec
from edge.http import hits as hits_module
from edge.http.app import EdgeApp, create_app
from edge.http.hits import WireHits
from edge.http.transport import TransportLimits, protocol_class
from edge.logs import JsonFormatter
from tests.edge.http.test_hits import CHROME_ACCEPT
from tests.edge.http.test_observe import IMG, sample, scrape

# Set per answer: compared apart from the rest of the headers.
PER_ANSWER = {"date", "x-request-id"}


@pytest.fixture
async def edge(settings, services) -> AsyncIterator[EdgeApp]:
    app = create_app(settings, services=services)
    app.state.services = services
    yield app


@pytest.fixture
def start(edge, uvicorn_servers) -> Callable[..., object]:
    """Start a uvicorn server on `edge`: with the connection's hit path (`early=True`),
    or with every request going to the app."""

    async def _start(*, early: bool) -> tuple[int, WireHits | None]:
        hits = edge.wire_hits() if early else None
        port = await uvicorn_servers(
            edge, http=protocol_class(TransportLimits(), hits), log_config=None
        )
        return port, hits

    return _start


@dataclass
class Wire:
    """A server on `edge` answering hits on the wire, and a client of it."""

    port: int
    hits: WireHits
    http: httpx.AsyncClient


@pytest.fixture
async def wire(start) -> AsyncIterator[Wire]:
    port, hits = await start(early=True)
    assert hits is not None
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
        yield Wire(port, hits, http)


def comparable(response: httpx.Response) -> list[tuple[str, str]]:
    return [(k, v) for k, v in response.headers.multi_items() if k not in PER_ANSWER]


async def test_the_connection_answers_hits_304s_and_heads_as_the_app_does(start, build):
    port, hits = await start(early=True)
    app_port, _ = await start(early=False)
    assert hits is not None
    opaque = await build.product()
    alpha = await build.product(PhotoSpec(600, 400, (20, 90, 200), "box", transparent=True))
    async with (
        httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as wire,
        httpx.AsyncClient(base_url=f"http://127.0.0.1:{app_port}") as app,
    ):
        for product in (opaque, alpha):
            for size in ("thumbnail", "small@2x", "medium.webp", "small.jpg"):
                for accept in (CHROME_ACCEPT, "image/webp,*/*", None):
                    url = f"/img/{product.id}/{size}"
                    headers = {"accept": accept} if accept else {}
                    warm = await app.get(url, headers=headers)  # resolves, renders, caches
                    etag = warm.headers["etag"]
                    for method, extra in (
                        ("GET", {}),
                        ("HEAD", {}),
                        ("GET", {"if-none-match": etag}),
                        ("GET", {"if-none-match": '"other"'}),
                    ):
                        before = hits.answered
                        got = await wire.request(method, url, headers={**headers, **extra})
                        assert hits.answered == before + 1, (method, url, extra)
                        want = await app.request(method, url, headers={**headers, **extra})
                        assert got.status_code == want.status_code
                        assert comparable(got) == comparable(want)
                        assert got.content == want.content
                        assert len(got.headers["x-request-id"]) == 16


async def test_what_is_not_a_fresh_hit_goes_to_the_app(wire, build, services):
    http, hits = wire.http, wire.hits
    product = await build.product()
    url = f"/img/{product.id}/small"
    first = await http.get(url)  # nothing cached: the app resolves and renders
    assert first.status_code == 200 and hits.answered == 0
    assert (await http.get(url)).content == first.content and hits.answered == 1
    for bad, status in (
        (f"/img/{product.id}/huge", 400),
        ("/img/999999/small", 404),
        (f"/img/{product.id}/small/extra", 404),
    ):
        r = await http.get(bad)
        assert r.status_code == status and r.json()["error"]["code"], bad
    assert (await http.post(url)).status_code == 405
    escaped = await http.get(f"/img/{product.id}/sm%61ll")  # the app decodes it
    assert escaped.content == first.content
    closing = await http.get(url, headers={"connection": "close"})
    assert closing.status_code == 200 and closing.headers["connection"] == "close"
    await services.cache.memory.close()  # a memory miss: the app reads the disk
    assert (await http.get(url)).content == first.content
    assert hits.answered == 1


async def test_a_miss_is_looked_for_once(wire, build, monkeypatch):
    """A request the connection asked about and left to the app is not asked about again
    by the app's own hit path (`HitFastPath`), which still answers what the connection
    does not ask about (here a `Connection: close`)."""
    asked: list[str] = []
    look = hits_module.find_hit

    def find_hit(state, method, path, *rest):
        asked.append(path)
        return look(state, method, path, *rest)

    monkeypatch.setattr(hits_module, "find_hit", find_hit)
    product = await build.product()
    url = f"/img/{product.id}/small"
    assert (await wire.http.get(url)).status_code == 200  # rendered by the app
    assert asked == [url]
    closing = await wire.http.get(url, headers={"connection": "close"})
    assert closing.status_code == 200 and asked == [url, url]
    assert wire.hits.answered == 0


async def read_answers(reader: asyncio.StreamReader, n: int) -> list[tuple[int, bytes]]:
    """`n` answers (status, body) read off a keep-alive connection, in order."""
    answers = []
    for _ in range(n):
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        fields = dict(line.lower().split(": ", 1) for line in lines[1:] if line)
        length = int(fields["content-length"])
        answers.append((int(lines[0].split()[1]), await reader.readexactly(length)))
    return answers


async def test_pipelined_requests_are_answered_in_order(wire, build):
    """A hit behind a request still in the app waits its turn; a GET's body is read and
    dropped, and the connection goes on."""
    http, hits = wire.http, wire.hits
    cached, fresh = await build.product(), await build.product()
    await http.get(f"/img/{cached.id}/small")
    small = (await http.get(f"/img/{cached.id}/small")).content
    assert hits.answered == 1

    def get(path: str, body: bytes = b"") -> bytes:
        length = b"content-length: %d\r\n" % len(body) if body else b""
        return b"GET " + path.encode() + b" HTTP/1.1\r\nhost: t\r\n" + length + b"\r\n" + body

    reader, writer = await asyncio.open_connection("127.0.0.1", wire.port)
    try:
        writer.write(
            get(f"/img/{cached.id}/small")  # a hit, answered at once
            + get(f"/img/{fresh.id}/small")  # a render, in the app
            + get(f"/img/{cached.id}/small", b"ignored body")  # a hit, queued behind it
            + get("/healthz")
        )
        answers = await asyncio.wait_for(read_answers(reader, 4), 30)
        assert [status for status, _ in answers] == [200, 200, 200, 200]
        assert answers[0][1] == answers[2][1] == small
        assert answers[1][1] != small and json.loads(answers[3][1])
        writer.write(get(f"/img/{cached.id}/small", b"a body") + get(f"/img/{cached.id}/small"))
        assert await asyncio.wait_for(read_answers(reader, 2), 10) == [(200, small)] * 2
    finally:
        writer.close()
    assert hits.answered == 4  # the first, and the last two; the queued one went to the app


async def test_a_hit_on_the_wire_is_logged_and_counted_as_the_apps(wire, build, edge, caplog):
    caplog.set_level(logging.INFO, logger="imgedge.access")
    http, hits = wire.http, wire.hits
    product = await build.product()
    url = f"/img/{product.id}/small@2x"
    accept = {"accept": "image/webp,*/*"}
    await http.get(url, headers=accept)  # the app renders
    hit = await http.get(url, headers=accept | {"x-request-id": "from-the-proxy.1"})
    assert hits.answered == 1 and hit.headers["x-request-id"] == "from-the-proxy.1"
    got = await scrape(http)
    lines = [r for r in caplog.records if r.name == "imgedge.access"]
    line = json.loads(JsonFormatter().format(lines[1]))
    assert (line["route"], line["format"], line["served_from"]) == (IMG, "webp", "memory")
    assert line["path"] == url and line["status"] == 200
    assert line["bytes"] == len(hit.content) and line["request_id"] == "from-the-proxy.1"
    counted = sample(
        "imgedge_http_requests_total", route=IMG, method="GET", status="200", format="webp"
    )
    assert got[counted] == 2


async def test_a_remembered_hit_follows_the_product_and_the_memory_tier(wire, build, services):
    http, hits = wire.http, wire.hits
    product = await build.product()
    url = f"/img/{product.id}/small"
    old = (await http.get(url)).content  # the app
    assert [(await http.get(url)).content for _ in range(3)] == [old] * 3
    assert hits.answered == 3  # found, then remembered twice
    canonical = {"canonical_product_id": product.canonical_product_id}
    image = await build.image(canonical, PhotoSpec(500, 500, (200, 30, 30), "box"))
    await services.catalog.set_primary_image(image.id)
    services.resolver.invalidate(product.id)  # as the management API does on a change
    new = (await http.get(url)).content  # resolved again by the app
    assert new != old and hits.answered == 3
    assert (await http.get(url)).content == new and hits.answered == 4
    assert (await http.get(url)).content == new and hits.answered == 5
    await services.cache.memory.close()  # evicted: the app reads the disk tier
    assert (await http.get(url)).content == new and hits.answered == 5
    # The disk read put it back in memory; HEAD is found, then remembered apart from GET
    head = await http.head(url)
    head_again = await http.head(url)
    assert head.content == head_again.content == b"" and hits.answered == 7
    assert head_again.headers["content-length"] == str(len(new))


async def test_a_remembered_304_needs_the_same_etag_and_the_same_image(wire, build, services):
    http, hits = wire.http, wire.hits
    product = await build.product()
    url = f"/img/{product.id}/small"
    etag = (await http.get(url)).headers["etag"]  # the app
    asks = [await http.get(url, headers={"if-none-match": etag}) for _ in range(3)]
    assert [r.status_code for r in asks] == [304] * 3 and hits.answered == 3
    assert all(r.content == b"" and r.headers["etag"] == etag for r in asks)
    other = await http.get(url, headers={"if-none-match": '"other"'})
    assert other.status_code == 200 and other.headers["etag"] == etag
    assert hits.answered == 4  # found anew: a 200 from memory
    again = await http.get(url, headers={"if-none-match": f'"x", {etag}'})
    assert again.status_code == 304 and hits.answered == 5
    image = await build.image(
        {"canonical_product_id": product.canonical_product_id},
        PhotoSpec(500, 500, (200, 30, 30), "box"),
    )
    await services.catalog.set_primary_image(image.id)
    services.resolver.invalidate(product.id)
    changed = await http.get(url, headers={"if-none-match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag
    assert hits.answered == 5  # resolved again by the app


async def test_a_failing_hit_path_is_logged_and_the_app_answers(wire, build, caplog):
    http, hits = wire.http, wire.hits
    product = await build.product()
    url = f"/img/{product.id}/small"

    def broken(*args: object) -> None:
        raise RuntimeError("a bug in the hit path")

    hits.answer = broken  # type: ignore[method-assign]
    assert (await http.get(url)).status_code == 200
    assert (await http.get(url)).status_code == 200  # the app, again
    failed = [r for r in caplog.records if r.name == "edge.http.transport"]
    assert len(failed) == 2 and failed[0].levelno == logging.ERROR
