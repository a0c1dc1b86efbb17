"""What only the S3 originals store has to get right: refused credentials and a missing
bucket said plainly, a store that stops mid-run, puts of the same bytes from many hosts at
once, and puts racing a removal (the copy aside S3 needs instead of a rename)."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import time
from pathlib import Path

import anyio
import pytest

from config import Settings
from edge.services import open_services
from edge.storage.originals import OriginalsError, Stored, open_originals
from edge.storage.originals.s3 import ASIDE_SUFFIX, parse_url
from tests.s3_server import S3Server, moto_server

ROOT = Path(__file__).resolve().parents[3]
JPEG = b"\xff\xd8\xff\xe0 pretend this is a photo \xff\xd9"


async def _never(digest: str) -> bool:
    return False


def test_urls_name_a_bucket_and_a_clean_prefix() -> None:
    assert parse_url("s3://my.bucket-1/a/b/") == ("my.bucket-1", "a/b")
    assert parse_url("s3://bucket") == ("bucket", "")
    for bad in ("s3://B/x", "s3://ab", "s3://bucket/a//b", "s3://bucket/../x", "s3:///x"):
        with pytest.raises(ValueError):
            parse_url(bad)


async def test_wrong_credentials_are_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with moto_server(tmp_path, check_credentials=True) as server:
        for name, value in server.env().items():
            monkeypatch.setenv(name, value)
        store = open_originals("s3://some-bucket/p", timeout_s=5)
        with pytest.raises(OriginalsError) as ping:
            await store.ping()
        with pytest.raises(OriginalsError) as put:
            await store.put(JPEG)
    for error in (ping.value, put.value):
        message = str(error)
        assert "refused the credentials" in message
        assert "AWS_ACCESS_KEY_ID" in message
        assert "\n" not in message
        assert server.endpoint in message


async def test_a_missing_bucket_stops_start_up_with_one_line(
    s3_server: S3Server, s3_url: str, settings: Settings
) -> None:
    missing = "s3://no-such-bucket-here/originals"
    with pytest.raises(OriginalsError) as raised:
        async with open_services(settings.replace(originals_url=missing)):
            pass
    message = str(raised.value)
    assert message.startswith("IMGEDGE_ORIGINALS_URL: ")
    assert "bucket 'no-such-bucket-here' does not exist" in message
    assert "\n" not in message


def test_serve_with_a_missing_bucket_exits_with_one_line(
    s3_server: S3Server, tmp_path: Path
) -> None:
    env = {
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": str(ROOT),
        "IMGEDGE_DATABASE_URL": f"sqlite:///{tmp_path}/catalog.db",
        "IMGEDGE_CACHE_URL": "none",
        "IMGEDGE_ORIGINALS_URL": "s3://no-such-bucket-here/originals",
        **s3_server.env(),
    }
    done = subprocess.run(
        [sys.executable, "-m", "edge.cli", "serve"],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode != 0
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "IMGEDGE_ORIGINALS_URL" in lines[0]
    assert "does not exist" in lines[0]


async def test_an_unreachable_store_fails_within_its_timeout(
    s3_server: S3Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    from loadtests.processes import free_port

    # Credentials set: without them the client would ask the instance metadata address.
    for name, value in s3_server.env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{free_port()}")  # nothing there
    store = open_originals("s3://some-bucket/p", timeout_s=1)
    digest = hashlib.sha256(JPEG).hexdigest()
    started = time.monotonic()
    for attempt in (store.ping, lambda: store.get(digest), lambda: store.put(JPEG)):
        with pytest.raises(OriginalsError, match="cannot reach"):
            await attempt()
    assert time.monotonic() - started < 30  # bounded (generous: the machine is shared)


async def test_hosts_putting_the_same_bytes_at_once_store_one_object(
    s3_server: S3Server, s3_url: str
) -> None:
    hosts = [open_originals(s3_url, timeout_s=5) for _ in range(3)]  # one client each
    results = []

    async def put(n: int) -> None:
        results.append(await hosts[n % 3].put(JPEG))

    async with anyio.create_task_group() as tasks:
        for n in range(12):
            tasks.start_soon(put, n)
    digest = hashlib.sha256(JPEG).hexdigest()
    assert {r.digest for r in results} == {digest}
    assert any(r.created for r in results)
    bucket, prefix = parse_url(s3_url)
    assert list(s3_server.keys(bucket, prefix + "/")) == [
        f"{prefix}/{digest[:2]}/{digest[2:4]}/{digest}"
    ]
    for host in hosts:
        assert await host.get(digest) == JPEG


async def test_puts_racing_a_removal_keep_their_original(s3_server: S3Server, s3_url: str) -> None:
    """The uploader that created an original removes it (its commit failed: the cutoff is
    its own put time) while another host puts the same bytes: whatever the interleaving
    with the copy aside and the delete, the other host's original is there afterwards."""
    store = open_originals(s3_url, timeout_s=5)
    other = open_originals(s3_url, timeout_s=5)
    bucket, prefix = parse_url(s3_url)

    async def remove(first: Stored) -> None:
        await store.remove_unreferenced(first.digest, _never, put_before=first.put_at)

    async def put(delay: float) -> None:
        await anyio.sleep(delay)
        await other.put(JPEG)

    for round_ in range(8):
        first = await store.put(JPEG)  # returned before the other host's put begins
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(remove, first)
            tasks.start_soon(put, 0.003 * round_)
        assert await other.get(first.digest) == JPEG, f"round {round_}"
        assert await store.exists(first.digest)
        assert not [k for k in s3_server.keys(bucket, prefix) if k.endswith(ASIDE_SUFFIX)]


async def test_an_interrupted_removal_is_put_back_by_the_sweep(
    s3_server: S3Server, s3_url: str
) -> None:
    store = open_originals(s3_url, timeout_s=5)
    stored = await store.put(JPEG)
    bucket, prefix = parse_url(s3_url)
    key = f"{prefix}/{stored.digest[:2]}/{stored.digest[2:4]}/{stored.digest}"
    s3 = s3_server.client()
    # What a removal that died between its copy aside and its decision leaves.
    s3.copy_object(Bucket=bucket, Key=key + ASIDE_SUFFIX, CopySource={"Bucket": bucket, "Key": key})
    s3.delete_object(Bucket=bucket, Key=key)
    assert await store.get(stored.digest) == JPEG  # readers still find it aside
    assert await store.clean_leftovers(time.time() - 3600) == 0  # young: may be deciding
    assert await store.clean_leftovers(time.time() + 5) == 1
    assert set(s3_server.keys(bucket, prefix)) == {key}
    assert await store.exists(stored.digest)


async def test_the_sweep_removes_only_unreferenced_originals_from_the_bucket(
    s3_server: S3Server, s3_url: str, settings: Settings
) -> None:
    from catalog.models import ImageOwner
    from edge.application.originals import OriginalsKeeper
    from edge.demo.photos import PhotoSpec, photo
    from tests.conftest import CatalogBuilder

    async with open_services(settings.replace(originals_url=s3_url)) as svc:
        product = await CatalogBuilder(svc).product(None)
        kept = photo(PhotoSpec(64, 48, (1, 2, 3), "box"))
        owner = ImageOwner(canonical_product_id=product.canonical_product_id)
        await svc.images.upload(owner, [kept])
        orphan = await svc.originals.put(b"bytes an upload that crashed before its commit left")
        bucket, prefix = parse_url(s3_url)
        assert len(s3_server.keys(bucket, prefix)) == 2

        young = await svc.keeper.sweep()  # within the grace period: nothing goes
        assert (young.leftovers, young.removed) == (0, 0)
        later = OriginalsKeeper(svc.originals, svc.catalog, 3600, clock=lambda: time.time() + 7200)
        report = await later.sweep()
        assert (report.leftovers, report.removed) == (0, 1)
        assert not await svc.originals.exists(orphan.digest)
        assert await svc.originals.get(hashlib.sha256(kept).hexdigest()) == kept
        assert len(s3_server.keys(bucket, prefix)) == 1
