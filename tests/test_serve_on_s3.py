"""A real `imgedge serve` process with its originals in S3 (a moto server): a store syncs a
product, the curator uploads its image through the API, the bytes land in the bucket
under their SHA-256, and /img renders from them."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from edge.demo.photos import PhotoSpec, photo
from loadtests.processes import free_port, stop_process, wait_for_port
from tests.s3_server import S3Server

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "curator-token-for-the-s3-process-test"


@pytest.fixture
def env(s3_server: S3Server, tmp_path: Path) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(ROOT),
        "IMGEDGE_DATABASE_URL": f"sqlite:///{tmp_path}/catalog.db",
        "IMGEDGE_CACHE_URL": "none",
        "IMGEDGE_ORIGINALS_URL": f"s3://{s3_server.new_bucket()}/originals",
        "IMGEDGE_ADMIN_TOKEN": TOKEN,
        "IMGEDGE_LOG_LEVEL": "error",
        **s3_server.env(),
    }


@pytest.fixture
def edge(env: dict[str, str], tmp_path: Path) -> Iterator[str]:
    port = free_port()
    log = (tmp_path / "edge.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "edge.cli", "serve"],
        env={**env, "IMGEDGE_PORT": str(port)}, cwd=tmp_path, stdout=log,
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        wait_for_port(port, proc, what="imgedge serve", timeout_s=60)
        yield f"http://127.0.0.1:{port}"
    finally:
        stop_process(proc)
        log.close()


def test_upload_and_render_through_s3(
    s3_server: S3Server, env: dict[str, str], edge: str, tmp_path: Path
) -> None:
    created = subprocess.run(
        [sys.executable, "-m", "edge.cli", "stores", "create", "corner shop"],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    store_key = created.stdout.strip().splitlines()[-1]
    jpeg = photo(PhotoSpec(900, 600, (30, 90, 200), "box"))
    with httpx.Client(base_url=edge, timeout=30) as http:
        synced = http.post(
            "/api/sync/products",
            json={
                "products": [{"external_id": "sku-1", "name": "Lemon water", "upc": "012345678905"}]
            },
            headers={"authorization": f"Bearer {store_key}"},
        )
        assert synced.status_code == 200, synced.text
        item = synced.json()["results"][0]
        uploaded = http.post(
            "/api/images/upload",
            data={"canonicalProductId": str(item["canonical_product_id"])},
            files=[("file", ("lemon.jpg", jpeg))],
            headers={"authorization": f"Bearer {TOKEN}"},
        )
        assert uploaded.status_code in (200, 201), uploaded.text
        img = http.get(f"/img/{item['product_id']}/small.jpg")
        assert img.status_code == 200, img.text
        assert img.headers["content-type"] == "image/jpeg"
        assert img.content.startswith(b"\xff\xd8")
        assert http.get("/readyz").status_code == 200

    digest = hashlib.sha256(jpeg).hexdigest()
    bucket = env["IMGEDGE_ORIGINALS_URL"].removeprefix("s3://").partition("/")[0]
    assert s3_server.keys(bucket) == {f"originals/{digest[:2]}/{digest[2:4]}/{digest}": len(jpeg)}
