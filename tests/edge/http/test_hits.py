"""The /img cache-hit fast path (`edge.http.hits`) answers exactly as the route does."""

from __future__ import annotations

import json
import logging

import httpx
import pytest

from edge.demo.photos import PhotoSpec
from edge.http.app import create_app
from edge.http.hits import HitFastPath
from edge.http.observe import HttpMetrics, ObserveRequests
from edge.logs import JsonFormatter
from tests.edge.http.test_observe import IMG, sample, scrape

CHROME_ACCEPT = "image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8"


@pytest.fixture
async def both(settings, services):
    """(fast, app, fast path): clients on the whole app and on the app behind the path."""
    app = create_app(settings, services=services)
    app.state.services = services
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://edge.test"
    ) as fast:
        await fast.get("/healthz")  # builds the middleware stack
        observer = app.middleware_stack
        assert isinstance(observer, ObserveRequests)
        path = observer.app
        assert isinstance(path, HitFastPath)
        # The same observer (request id, access line, metrics) around the app, without the path
        observed = ObserveRequests(path.app, HttpMetrics(), log_access=False)

        async def behind(scope, receive, send):  # as Starlette.__call__ does
            scope["app"] = app
            await observed(scope, receive, send)

        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=behind), base_url="http://edge.test"
        ) as slow:
            yield fast, slow, path


async def test_hits_304s_and_heads_are_answered_as_the_route_answers(both, build):
    fast, slow, path = both
    opaque = await build.product()
    alpha = await build.product(PhotoSpec(600, 400, (20, 90, 200), "box", transparent=True))
    cases = []
    for product in (opaque, alpha):
        for size in ("thumbnail", "small@2x", "medium.webp", "small.jpg"):
            for accept in (CHROME_ACCEPT, "image/webp,*/*", None):
                cases.append((f"/img/{product.id}/{size}", accept))
    for url, accept in cases:
        headers = {"x-request-id": "one-id"} | ({"accept": accept} if accept else {})
        warm = await slow.get(url, headers=headers)  # renders and caches
        assert warm.status_code == 200
        etag = warm.headers["etag"]
        for method, extra in (
            ("GET", {}),
            ("HEAD", {}),
            ("GET", {"if-none-match": etag}),
            ("GET", {"if-none-match": f'"other", W/{etag}'}),
            ("GET", {"if-none-match": '"other"'}),
        ):
            before = path.answered
            got = await fast.request(method, url, headers={**headers, **extra})
            assert path.answered == before + 1, (method, url, extra)
            want = await slow.request(method, url, headers={**headers, **extra})
            assert got.status_code == want.status_code
            assert got.headers.multi_items() == want.headers.multi_items()
            assert got.content == want.content


async def test_everything_but_a_fresh_hit_goes_to_the_app(both, build, services):
    fast, _, path = both
    product = await build.product()
    url = f"/img/{product.id}/small"
    first = await fast.get(url)  # resolution not cached yet, variant not rendered
    assert first.status_code == 200 and path.answered == 0
    assert (await fast.get(url)).status_code == 200 and path.answered == 1
    for bad, status in (
        (f"/img/{product.id}/huge", 400),
        (f"/img/x{product.id}/small", 400),
        ("/img/999999/small", 404),
        (f"/img/{product.id}/small?v=nope", 404),
        (f"/img/{product.id}/small/extra", 404),
    ):
        r = await fast.get(bad)
        assert r.status_code == status and r.json()["error"]["code"]
    r = await fast.post(url)
    assert r.status_code == 405
    await services.cache.memory.close()  # a memory miss: the app reads the disk
    assert (await fast.get(url)).content == first.content
    assert path.answered == 1


async def test_a_fast_hit_is_logged_and_counted_as_the_route_would(both, build, caplog):
    fast, _, path = both
    caplog.set_level(logging.INFO, logger="imgedge.access")
    product = await build.product()
    url = f"/img/{product.id}/small@2x"
    accept = {"accept": "image/webp,*/*"}
    await fast.get(url, headers=accept)  # the route renders
    hit = await fast.get(url, headers=accept)
    assert path.answered == 1
    lines = [r for r in caplog.records if r.name == "imgedge.access"]
    line = json.loads(JsonFormatter().format(lines[-1]))
    assert (line["route"], line["format"], line["served_from"]) == (IMG, "webp", "memory")
    assert line["bytes"] == len(hit.content) and line["request_id"] == hit.headers["x-request-id"]
    got = await scrape(fast)
    counted = sample(
        "imgedge_http_requests_total", route=IMG, method="GET", status="200", format="webp"
    )
    assert got[counted] == 2
