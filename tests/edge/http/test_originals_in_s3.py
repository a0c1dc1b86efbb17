"""The edge on S3 originals (a private moto server per test, so it can be stopped): an
upload through the API lands in the bucket and /img renders from it; once the store
stops, cached variants still serve and an uncached one is a 503, not a traceback."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from config import Settings
from edge.demo.photos import PhotoSpec, photo
from tests.s3_server import S3Server, moto_server


@pytest.fixture
def private_s3(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[S3Server]:
    with moto_server(tmp_path) as server:
        for name, value in server.env().items():
            monkeypatch.setenv(name, value)
        yield server


@pytest.fixture
def settings(settings: Settings, private_s3: S3Server) -> Settings:
    return settings.replace(
        originals_url=f"s3://{private_s3.new_bucket()}/originals", originals_timeout_s=1
    )


async def test_an_upload_lands_in_the_bucket_and_img_renders_from_it(
    client, services, build, curator, settings, private_s3
):
    product = await build.product(None)
    jpeg = photo(PhotoSpec(640, 480, (10, 120, 30), "box"))
    r = await client.post(
        "/api/images/upload",
        data={"canonicalProductId": str(product.canonical_product_id)},
        files=[("file", ("a.jpg", jpeg))],
        headers=curator,
    )
    assert r.status_code in (200, 201), r.text
    digest = hashlib.sha256(jpeg).hexdigest()
    bucket = settings.originals_url.removeprefix("s3://").partition("/")[0]
    assert list(private_s3.keys(bucket)) == [f"originals/{digest[:2]}/{digest[2:4]}/{digest}"]
    img = await client.get(f"/img/{product.id}/thumbnail.png")
    assert img.status_code == 200
    assert img.content.startswith(b"\x89PNG")


async def test_a_stopped_store_fails_uncached_variants_only(client, services, build, private_s3):
    product = await build.product(PhotoSpec(900, 700, (200, 30, 30), "box"))
    cached = await client.get(f"/img/{product.id}/small.jpg")
    assert cached.status_code == 200
    private_s3.stop()

    started = time.monotonic()
    again = await client.get(f"/img/{product.id}/small.jpg")
    assert again.status_code == 200
    assert again.content == cached.content
    uncached = await client.get(f"/img/{product.id}/large.jpg")
    assert uncached.status_code == 503, uncached.text
    assert uncached.json() == {
        "error": {"code": "unavailable", "message": "the originals store is not answering"}
    }
    assert time.monotonic() - started < 30  # bounded by the store's timeout, not hanging
    ready = await client.get("/readyz")
    assert ready.status_code == 503
    assert "originals" in ready.json()["error"]["message"]
