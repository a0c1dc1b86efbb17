"""`imgedge originals migrate`, the real command against a real S3-protocol server: every
original copied and checked, a second run copies nothing, an interrupted or damaged
target is completed, a damaged source original fails the run with a summary, and the way
back (S3 to files) works the same."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

from edge.storage.originals import LocalOriginals
from edge.storage.originals.s3 import parse_url
from tests.s3_server import S3Server

ROOT = Path(__file__).resolve().parents[3]
BLOBS = [f"original number {n} ".encode() * (n + 1) for n in range(5)]


def _migrate(
    server: S3Server, cwd: Path, source: str, target: str
) -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), **server.env()}
    command = ["originals", "migrate", "--from", source, "--to", target]
    return subprocess.run(
        [sys.executable, "-m", "edge.cli", *command],
        env=env, cwd=cwd, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def _key(prefix: str, digest: str) -> str:
    return f"{prefix}/{digest[:2]}/{digest[2:4]}/{digest}"


async def test_migrate_to_s3_and_back(s3_server: S3Server, s3_url: str, tmp_path: Path) -> None:
    local = LocalOriginals(tmp_path / "originals")
    digests = [(await local.put(blob)).digest for blob in BLOBS]
    source = f"file://{tmp_path / 'originals'}"
    bucket, prefix = parse_url(s3_url)
    s3 = s3_server.client()

    first = _migrate(s3_server, tmp_path, source, s3_url)
    assert first.returncode == 0, first.stderr
    assert "5 originals: 5 copied, 0 already there, 0 failed" in first.stdout
    assert s3_server.keys(bucket, prefix + "/") == {
        _key(prefix, d): len(b) for d, b in zip(digests, BLOBS, strict=True)
    }
    for digest, blob in zip(digests, BLOBS, strict=True):
        body = s3.get_object(Bucket=bucket, Key=_key(prefix, digest))["Body"].read()
        assert body == blob

    again = _migrate(s3_server, tmp_path, source, s3_url)
    assert again.returncode == 0, again.stderr
    assert "5 originals: 0 copied, 5 already there, 0 failed" in again.stdout

    # An interrupted run (one missing) and a damaged copy (wrong size) are completed.
    s3.delete_object(Bucket=bucket, Key=_key(prefix, digests[0]))
    s3.put_object(Bucket=bucket, Key=_key(prefix, digests[1]), Body=b"truncated")
    resumed = _migrate(s3_server, tmp_path, source, s3_url)
    assert resumed.returncode == 0, resumed.stderr
    assert "5 originals: 2 copied, 3 already there, 0 failed" in resumed.stdout
    body = s3.get_object(Bucket=bucket, Key=_key(prefix, digests[1]))["Body"].read()
    assert body == BLOBS[1]

    # A source original whose bytes no longer match their name is not copied: exit 1.
    (tmp_path / "originals" / digests[2][:2] / digests[2][2:4] / digests[2]).write_bytes(b"rot")
    s3.delete_object(Bucket=bucket, Key=_key(prefix, digests[2]))
    failed = _migrate(s3_server, tmp_path, source, s3_url)
    assert failed.returncode == 1
    assert "5 originals: 0 copied, 4 already there, 1 failed" in failed.stderr
    assert f"failed {digests[2]}: the source's bytes do not match their hash" in failed.stderr
    assert _key(prefix, digests[2]) not in s3_server.keys(bucket, prefix)

    # And back: S3 to a fresh directory.
    back = tmp_path / "back"
    home = _migrate(s3_server, tmp_path, s3_url, f"file://{back}")
    assert home.returncode == 0, home.stderr
    assert "4 originals: 4 copied, 0 already there, 0 failed" in home.stdout
    restored = LocalOriginals(back)
    for digest, blob in zip(digests, BLOBS, strict=True):
        if digest != digests[2]:
            assert await restored.get(digest) == blob
            assert hashlib.sha256(blob).hexdigest() == digest


def test_migrate_refuses_bad_arguments_in_one_line(s3_server: S3Server, tmp_path: Path) -> None:
    for source, target, says in [
        ("ftp://x", f"file://{tmp_path}/a", "--from: expected"),
        (f"file://{tmp_path}/a", f"file://{tmp_path}/a", "the same store"),
        (
            f"file://{tmp_path}/a",
            "s3://no-such-bucket-here/x",
            "--to: originals store is not usable: bucket 'no-such-bucket-here' does not exist",
        ),
    ]:
        done = _migrate(s3_server, tmp_path, source, target)
        assert done.returncode != 0
        assert len(done.stderr.strip().splitlines()) == 1, done.stderr
        assert says in done.stderr
