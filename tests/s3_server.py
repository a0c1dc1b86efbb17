"""A real S3-protocol server for the tests: moto's standalone server (`moto[server]`, a
dev extra) in its own process on a free port, so a test can stop it mid-run or start one
that checks credentials."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from loadtests.processes import free_port, stop_process, wait_for_port
from tests.needs import missing

REGION = "us-east-1"
KEY_ID = "imgedge-test"
SECRET = "imgedge-test-secret"


@dataclass
class S3Server:
    endpoint: str
    proc: subprocess.Popen[bytes]

    def env(self) -> dict[str, str]:
        """The usual AWS variables pointing a client at this server."""
        return {
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_ACCESS_KEY_ID": KEY_ID,
            "AWS_SECRET_ACCESS_KEY": SECRET,
            "AWS_REGION": REGION,
        }

    def client(self) -> Any:
        import boto3  # moto's own dependency: test-only

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id=KEY_ID,
            aws_secret_access_key=SECRET,
            region_name=REGION,
        )

    def new_bucket(self) -> str:
        name = f"imgedge-{uuid.uuid4().hex[:16]}"
        self.client().create_bucket(Bucket=name)
        return name

    def keys(self, bucket: str, prefix: str = "") -> dict[str, int]:
        """Every object under `prefix` with its size."""
        pages = (
            self.client().get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
        )
        return {o["Key"]: o["Size"] for page in pages for o in page.get("Contents", [])}

    def drop_bucket(self, bucket: str) -> None:
        s3 = self.client()
        for key in self.keys(bucket):
            s3.delete_object(Bucket=bucket, Key=key)
        s3.delete_bucket(Bucket=bucket)

    def stop(self) -> None:
        stop_process(self.proc)


@contextmanager
def moto_server(tmp_path: Path, *, check_credentials: bool = False) -> Iterator[S3Server]:
    """A moto server on a free port; with `check_credentials`, it refuses every request
    whose access key its IAM does not know (all of them: it knows none)."""
    if importlib.util.find_spec("moto") is None or importlib.util.find_spec("flask") is None:
        missing("moto[server] is not installed", " (pip install -e '.[dev]')")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    if check_credentials:
        env["INITIAL_NO_AUTH_ACTION_COUNT"] = "0"
    log = (tmp_path / f"moto-{port}.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    server = S3Server(f"http://127.0.0.1:{port}", proc)
    try:
        wait_for_port(port, proc, what="moto server", timeout_s=60)
        yield server
    finally:
        server.stop()
        log.close()


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    with moto_server(tmp_path_factory.mktemp("moto")) as server:
        yield server


@pytest.fixture
def s3_url(s3_server: S3Server, monkeypatch: pytest.MonkeyPatch) -> str:
    """`s3://<fresh bucket>/<prefix>` with the AWS variables pointing at the server."""
    for name, value in s3_server.env().items():
        monkeypatch.setenv(name, value)
    for name in ("AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT", "AWS_DEFAULT_REGION", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    return f"s3://{s3_server.new_bucket()}/some/prefix"
