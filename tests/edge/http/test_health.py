"""`/readyz` names what is down, never its error text."""

from __future__ import annotations

import asyncio
import shutil

import pytest

from catalog.repository import CatalogError
from edge.http.routes import health
from edge.storage.cache.base import CacheTierError
from edge.storage.originals.base import OriginalsError

SECRET = "connect to db.internal:5432 as imgedge password=hunter2 failed"


def _failing(exc: Exception):
    async def fail(*args: object) -> None:
        raise exc

    return fail


async def test_ready_when_everything_answers(client):
    answer = await client.get("/readyz")
    assert answer.status_code == 200
    assert answer.json() == {"status": "ready"}


async def test_a_catalog_outage_is_named_without_its_error_text(client, services, monkeypatch):
    monkeypatch.setattr(services.catalog, "ping", _failing(CatalogError(SECRET)))
    answer = await client.get("/readyz")
    assert answer.status_code == 503
    assert answer.json() == {"error": {"code": "not_ready", "message": "down: catalog"}}
    assert "hunter2" not in answer.text and "db.internal" not in answer.text


async def test_every_dependency_that_is_down_is_named(client, services, monkeypatch):
    monkeypatch.setattr(services.catalog, "ping", _failing(CatalogError(SECRET)))
    monkeypatch.setattr(services.originals, "ping", _failing(OriginalsError(SECRET)))
    monkeypatch.setattr(services.cache.shared, "get", _failing(CacheTierError(SECRET)))
    answer = await client.get("/readyz")
    assert answer.status_code == 503
    assert answer.json()["error"]["message"] == "down: catalog, originals, cache"
    assert "hunter2" not in answer.text


async def test_a_shared_cache_outage_is_degraded_not_unready(client, services, monkeypatch):
    # Every process serves from memory then: pulling them all out would be the outage.
    monkeypatch.setattr(services.cache.shared, "get", _failing(CacheTierError(SECRET)))
    answer = await client.get("/readyz")
    assert answer.status_code == 200
    assert answer.json() == {"status": "degraded", "down": ["cache"]}


async def test_a_dependency_that_hangs_is_down_within_the_check_timeout(
    client, services, monkeypatch
):
    async def hang() -> None:
        await asyncio.sleep(60)

    monkeypatch.setattr(services.catalog, "ping", hang)
    monkeypatch.setattr(health, "CHECK_TIMEOUT_S", 0.05)
    answer = await asyncio.wait_for(client.get("/readyz"), 5)
    assert answer.status_code == 503
    assert answer.json()["error"]["message"] == "down: catalog"


@pytest.mark.parametrize("path", ["/readyz", "/healthz"])
async def test_probes_carry_the_security_headers(client, path):
    answer = await client.get(path)
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert "default-src 'none'" in answer.headers["content-security-policy"]


async def test_an_originals_directory_that_is_gone_is_not_ready(client, settings):
    shutil.rmtree(settings.originals_url.removeprefix("file://"))
    answer = await client.get("/readyz")
    assert answer.status_code == 503
    assert answer.json()["error"]["message"] == "down: originals"
