"""The request observer (`edge/http/observe.py`) and what it reads: metrics by route
template, status and format after real misses and hits, cache lookups per tier, the
access line (parsed from the JSON formatter), request ids, Server-Timing on and off."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from starlette.applications import Starlette

from edge.http.app import create_app
from edge.http.auth import hash_token, new_store_key
from edge.logs import JsonFormatter
from edge.services import Services, open_services
from tests.conftest import CatalogBuilder

IMG = "/img/{product}/{size}"


async def scrape(client: httpx.AsyncClient) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample of `/metrics`, by name and labels."""
    r = await client.get("/metrics")
    assert r.status_code == 200
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(r.text)
        for s in family.samples
    }


def sample(name: str, **labels: str) -> tuple[str, frozenset[tuple[str, str]]]:
    return name, frozenset(labels.items())


def client_of(app: Starlette, **transport: bool) -> httpx.AsyncClient:
    """A client of an app that runs without lifespan (the services are the test's)."""
    asgi = httpx.ASGITransport(app=app, **transport)
    return httpx.AsyncClient(transport=asgi, base_url="http://edge.test")


def requests(route: str, status: str, fmt: str = "", method: str = "GET") -> tuple:
    return sample(
        "imgedge_http_requests_total", route=route, method=method, status=status, format=fmt
    )


async def test_requests_are_counted_by_route_template_status_and_format(client, build):
    product = await build.product()
    miss = await client.get(f"/img/{product.id}/small.webp")
    hit = await client.get(f"/img/{product.id}/small.webp")
    assert miss.content == hit.content
    assert (await client.get("/img/999999/small.webp")).status_code == 404
    assert (await client.get("/no/such/path-123")).status_code == 404
    assert (await client.request("BREW", "/healthz")).status_code == 405

    got = await scrape(client)
    assert got[requests(IMG, "200", "webp")] == 2
    assert got[sample(
        "imgedge_http_request_duration_seconds_count",
        route=IMG, method="GET", status="200", format="webp",
    )] == 2  # fmt: skip
    assert got[requests(IMG, "404")] == 1  # no image: no format answered
    assert got[requests("unmatched", "404")] == 1
    assert got[requests("/healthz", "405", method="other")] == 1
    routes = {dict(labels).get("route") for _, labels in got}
    assert not any(r and "path-123" in r for r in routes)  # never a raw path as a label
    # The miss rendered once and missed both tiers; the repeat was a memory hit.
    assert got[sample("imgedge_render_duration_seconds_count", format="webp", size="small")] == 1
    assert got[sample("imgedge_render_queue_wait_seconds_count", lane="light")] == 1
    assert got[sample("imgedge_cache_lookups_total", tier="memory", result="hit")] == 1
    assert got[sample("imgedge_cache_lookups_total", tier="memory", result="miss")] == 1
    assert got[sample("imgedge_cache_lookups_total", tier="disk", result="miss")] == 1
    assert got[sample("imgedge_cache_lookups_total", tier="disk", result="hit")] == 0
    # The product: asked of the catalog once, then from the cache; the unknown one missed.
    assert got[sample("imgedge_resolution_cache_lookups_total", result="hit")] == 1
    assert got[sample("imgedge_resolution_cache_lookups_total", result="miss")] == 2


async def test_the_access_line_says_where_the_bytes_came_from(client, build, services, caplog):
    caplog.set_level(logging.INFO, logger="imgedge.access")
    product = await build.product()
    url = f"/img/{product.id}/medium@2x"
    headers = {"accept": "image/webp,*/*", "x-request-id": "edge-req.42:a_b"}
    miss = await client.get(url, headers=headers)
    hit = await client.get(url, headers={"accept": "image/webp,*/*"})
    await services.cache.settled()  # the disk write happens behind the answer
    await services.cache.memory.close()  # emptied: the next one comes from disk
    disk = await client.get(url, headers={"accept": "image/webp"})
    lines = [
        json.loads(JsonFormatter().format(r)) for r in caplog.records if r.name == "imgedge.access"
    ]
    assert [line["served_from"] for line in lines] == ["render", "memory", "disk"]
    first = lines[0]
    assert first["request_id"] == "edge-req.42:a_b" == miss.headers["x-request-id"]
    assert (first["method"], first["path"], first["route"], first["status"]) == (
        "GET", url, IMG, 200,
    )  # fmt: skip
    assert (first["format"], first["bytes"]) == ("webp", len(miss.content))
    assert 0 < first["render_ms"] <= first["duration_ms"]
    assert (first["level"], first["logger"]) == ("info", "imgedge.access")
    assert lines[1]["format"] == "webp" and lines[1]["bytes"] == len(hit.content)
    assert lines[1]["render_ms"] is None and lines[2]["render_ms"] is None
    assert lines[2]["bytes"] == len(disk.content) == len(miss.content)
    assert lines[1]["request_id"] == hit.headers["x-request-id"] != first["request_id"]
    # The access lines' own, not the last record: the test client's "HTTP Request" line
    # may come after it.
    human = str([r for r in caplog.records if r.name == "imgedge.access"][-1].msg)
    assert human.startswith(f"GET {url} 200 {len(disk.content)}B ")
    assert "route=/img/{product}/{size} format=webp from=disk id=" in human
    got = await scrape(client)
    assert got[sample("imgedge_cache_lookups_total", tier="disk", result="hit")] == 1


@pytest.mark.parametrize(
    "sent", ["", "has space", "<script>", "x" * 129, "ünïcode", "a\tb"], ids=repr
)
async def test_an_insane_request_id_is_replaced(client, sent):
    r = await client.get("/healthz", headers={"x-request-id": sent.encode("utf-8")})
    echoed = r.headers["x-request-id"]
    assert echoed != sent and len(echoed) == 16 and int(echoed, 16) >= 0


async def test_every_answer_has_a_request_id_of_its_own(client):
    ids = {(await client.get("/healthz")).headers["x-request-id"] for _ in range(5)}
    assert len(ids) == 5
    assert (await client.get("/nope")).headers["x-request-id"]


async def test_a_crash_is_counted_and_logged_as_the_500_it_answers(
    settings, services, build, caplog, monkeypatch
):
    caplog.set_level(logging.INFO, logger="imgedge.access")
    product = await build.product()

    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(services.resolver, "lookup", broken)
    app = create_app(settings, services=services)
    app.state.services = services
    async with client_of(app, raise_app_exceptions=False) as http:
        r = await http.get(f"/img/{product.id}/small")
        assert r.status_code == 500
        assert r.headers["x-request-id"]
        got = await scrape(http)
    assert got[requests(IMG, "500")] == 1
    first = next(r for r in caplog.records if r.name == "imgedge.access")
    assert json.loads(JsonFormatter().format(first))["status"] == 500


async def test_sync_items_are_counted_by_outcome(client, services):
    key = new_store_key()
    await services.catalog.create_store("Corner", api_key_hash=hash_token(key))
    body = {
        "products": [
            {"external_id": "a1", "upc": "036000291452", "name": "Cola 12 oz"},
            {"external_id": "a2", "name": "House granola"},
            {"external_id": "a3", "upc": "036000291452"},  # no name: invalid
        ]
    }
    auth = {"authorization": f"Bearer {key}"}
    r = await client.post("/api/sync/products", json=body, headers=auth)
    assert r.status_code == 200, r.text
    summary = r.json()["summary"]
    got = await scrape(client)
    for outcome in ("linked", "queued", "kept"):
        assert got[sample("imgedge_sync_items_total", outcome=outcome)] == summary.get(outcome, 0)
    assert got[sample("imgedge_sync_items_total", outcome="invalid")] == 1
    assert summary["stored"] == 2 and summary["errors"] == 1


async def test_metrics_port_takes_metrics_off_the_main_app(settings, services):
    app = create_app(settings.replace(metrics_port=9999), services=services)
    app.state.services = services
    async with client_of(app) as http:
        r = await http.get("/metrics")
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "not_found"


@pytest.fixture
async def timed(settings) -> AsyncIterator[tuple[httpx.AsyncClient, Services]]:
    timing = settings.replace(server_timing=True)
    async with open_services(timing) as svc:
        app = create_app(timing, services=svc)
        app.state.services = svc
        async with client_of(app) as http:
            yield http, svc


def timings(header: str) -> dict[str, float]:
    parts = (item.strip().split(";dur=") for item in header.split(","))
    return {name: float(ms) for name, ms in parts}


async def test_server_timing_says_resolve_cache_and_render(timed):
    http, svc = timed
    product = await CatalogBuilder(svc).product()
    url = f"/img/{product.id}/small.jpg"
    miss = await http.get(url)
    assert set(timings(miss.headers["server-timing"])) == {"resolve", "cache", "render"}
    assert timings(miss.headers["server-timing"])["render"] > 0
    hit = await http.get(url)
    assert set(timings(hit.headers["server-timing"])) == {"resolve", "cache"}
    not_modified = await http.get(url, headers={"if-none-match": hit.headers["etag"]})
    assert not_modified.status_code == 304
    assert "resolve" in timings(not_modified.headers["server-timing"])


async def test_server_timing_is_off_by_default(client, build):
    product = await build.product()
    r = await client.get(f"/img/{product.id}/small.jpg")
    assert r.status_code == 200
    assert "server-timing" not in r.headers
