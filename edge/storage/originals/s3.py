"""Originals in an S3-compatible bucket (AWS, MinIO, R2, Ceph): `<prefix>/<ab>/<cd>/<sha256>`.

Keys are built only from a validated hash, so two edge hosts can only ever write the same
bytes under one key; every PUT carries its SHA-256 (`x-amz-checksum-sha256`), so the store
refuses bytes damaged on the way. A PUT is atomic (a multipart upload too, at its
completion): there are no temporary objects to clean.

The put time is user metadata (`imgedge-put-at`, microseconds, this host's clock): S3's
`Last-Modified` has whole seconds and is reset by a copy. Every `put` writes the object
again with a fresh put time, even when the bytes are there (an idempotent overwrite).

S3 cannot rename, so the removal `base` describes is a copy and a delete:

1. HEAD: put after the cutoff, or gone → keep;
2. COPY to `<sha256>.removing` (the put time travels with it), then DELETE the key — the
   one delete of a referenced key this store ever does, sent within `_LEASE_S` of the copy
   or not at all;
3. the key back (a put since the delete), a fresh put time on the copy, or `still_used`
   → copy back and keep; else drop the copy.

A `put` racing step 2 could see its bytes deleted, so after its PUT it looks for the copy
aside: while one is there and the key still is too, the delete may be on its way, so it
waits (at most `_LEASE_S` plus a request timeout) and then writes again. A copy aside left
by a crashed removal is put back by `clean_leftovers` once older than the grace period.

Known limit: two puts of the same bytes in flight at once leave the stamp of whichever
the store applied last, which can be the earlier one. An uploader cleaning up after its
failed commit (`put_before` = its own put time) could then remove the other's copy if
that one's row commits after the catalog was asked: a window of one request's latency,
for identical bytes uploaded within it (the local store has the same, in microseconds).
The sweep's cutoff (`now - grace`) is not affected.
"""

from __future__ import annotations

import contextlib
import os
import re
import time
from collections.abc import AsyncIterator, Iterator, Mapping
from datetime import timedelta
from typing import TYPE_CHECKING

import anyio
import obstore
from obstore.exceptions import BaseError, PermissionDeniedError, UnauthenticatedError
from obstore.store import S3Store

from edge.storage.originals.base import (
    OriginalNotFound,
    OriginalsError,
    StillUsed,
    Stored,
    check_hash,
    content_hash,
)

if TYPE_CHECKING:
    from obstore.store import ClientConfig, RetryConfig

ASIDE_SUFFIX = ".removing"
PUT_AT = "imgedge-put-at"  # user metadata: x-amz-meta-imgedge-put-at
_BATCH = 500
_LEASE_S = 2.0  # a removal deletes the key within this long of its copy aside, or keeps it
_POLL_S = 0.05
# Listing shows S3's Last-Modified (whole seconds, the store's clock); an object whose
# Last-Modified is this near the cutoff is asked for its exact put time (a HEAD).
_CLOCK_SLACK_S = 300.0
# obstore raises the built-in FileNotFoundError for a 404 (its NotFoundError is deprecated);
# a GET's 404 can also mean the bucket is missing, which is no missing original.
_NotFound = FileNotFoundError
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\Z")
_CODE = re.compile(r"<Code>([A-Za-z]+)</Code>")
_REFUSED = {
    "AccessDenied",
    "InvalidAccessKeyId",
    "SignatureDoesNotMatch",
    "InvalidToken",
    "ExpiredToken",
}


def parse_url(url: str) -> tuple[str, str]:
    """`s3://bucket/some/prefix` → ("bucket", "some/prefix"); raises ValueError."""
    rest = url.removeprefix("s3://")
    bucket, _, prefix = rest.partition("/")
    if not _BUCKET.match(bucket):
        raise ValueError(f"{url}: {bucket!r} is not an S3 bucket name")
    prefix = prefix.strip("/")
    if prefix and any(part in ("", ".", "..") for part in prefix.split("/")):
        raise ValueError(f"{url}: {prefix!r} is not a usable key prefix")
    return bucket, prefix


def endpoint_from_env(env: Mapping[str, str] = os.environ) -> str | None:
    """The endpoint the client will use (the AWS SDKs' order), for messages and for
    allowing plain HTTP to a local MinIO or test server."""
    for name in ("AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL", "AWS_ENDPOINT"):
        if env.get(name):
            return env[name]
    return None


def make_store(url: str, *, timeout_s: float) -> S3Store:
    """The client: credentials, region, endpoint and addressing style come from the usual
    AWS variables, which obstore reads itself (see the README's settings section)."""
    bucket, prefix = parse_url(url)
    endpoint = endpoint_from_env()
    client: ClientConfig = {
        "timeout": timedelta(seconds=timeout_s),
        "connect_timeout": timedelta(seconds=min(timeout_s, 3.0)),
        "allow_http": bool(endpoint and endpoint.startswith("http://")),
    }
    retry: RetryConfig = {
        "max_retries": 2,
        "retry_timeout": timedelta(seconds=timeout_s),
        "backoff": {
            "init_backoff": timedelta(milliseconds=100),
            "max_backoff": timedelta(seconds=1),
            "base": 2,
        },
    }
    return S3Store(
        bucket,
        prefix=prefix or None,
        client_options=client,
        retry_config=retry,
        checksum_algorithm="sha256",
    )


class S3Originals:
    def __init__(self, store: S3Store, url: str, *, timeout_s: float) -> None:
        self._store = store
        self._url = url
        self._timeout_s = timeout_s

    @classmethod
    def open(cls, url: str, *, timeout_s: float) -> S3Originals:
        return cls(make_store(url, timeout_s=timeout_s), url, timeout_s=timeout_s)

    def _key(self, digest: str) -> str:
        check_hash(digest)
        return f"{digest[:2]}/{digest[2:4]}/{digest}"

    async def put(self, data: bytes) -> Stored:
        digest = content_hash(data)
        key = self._key(digest)
        with self._mapped("cannot store original"):
            existed = await self._put_at(key) is not None
            put_at = await self._write(key, data)
            if await self._wait_out_removal(key):
                put_at = await self._write(key, data)  # its delete may have hit our write
        return Stored(digest, not existed, put_at)

    async def get(self, digest: str) -> bytes:
        key = self._key(digest)
        with self._mapped("cannot read original"):
            for path in (key, key + ASIDE_SUFFIX):  # aside: a removal is deciding
                try:
                    result = await obstore.get_async(self._store, path)
                    return bytes(await result.bytes_async())
                except _NotFound as exc:
                    if "NoSuchBucket" in str(exc):
                        raise
                    continue
        raise OriginalNotFound(digest)

    async def exists(self, digest: str) -> bool:
        key = self._key(digest)
        with self._mapped("cannot look up original"):
            return await self._exists(key)

    async def size(self, digest: str) -> int | None:
        key = self._key(digest)
        with self._mapped("cannot look up original"):
            try:
                return (await obstore.head_async(self._store, key))["size"]
            except _NotFound:
                return None

    async def ping(self) -> None:
        """One listing request under a name no original has: the bucket is there and
        the credentials may list it (a write is not tried: `ping` writes nothing)."""
        with self._mapped("originals store is not usable"):
            await obstore.list_with_delimiter_async(self._store, prefix="imgedge-ping")

    async def delete(self, digest: str) -> None:
        key = self._key(digest)
        with self._mapped("cannot delete original"):
            await obstore.delete_async(self._store, key)

    async def remove_unreferenced(
        self, digest: str, still_used: StillUsed, *, put_before: float
    ) -> bool:
        key = self._key(digest)
        aside = key + ASIDE_SUFFIX
        cutoff = round(put_before * 1e6)
        with self._mapped("cannot remove original"):
            put_at = await self._put_at(key)
            if put_at is None or put_at > cutoff:
                return False
            started = time.monotonic()
            try:
                await obstore.copy_async(self._store, key, aside)
            except _NotFound:
                return False  # removed meanwhile
            if time.monotonic() - started > _LEASE_S:  # a put may have stopped waiting
                await obstore.delete_async(self._store, aside)
                return False
            await obstore.delete_async(self._store, key)
            keep = True  # unless every answer says otherwise (no answer: catalog down)
            try:
                if not await self._exists(key):
                    aside_at = await self._put_at(aside)
                    fresh = aside_at is None or aside_at > cutoff
                    keep = fresh or await still_used(digest)
            finally:
                if keep:
                    with anyio.CancelScope(shield=True):
                        await self._put_back(aside, key)
            if keep:
                return False
            await obstore.delete_async(self._store, aside)
        return True

    async def put_before(self, cutoff: float) -> AsyncIterator[list[str]]:
        cutoff_us = round(cutoff * 1e6)
        batch: list[str] = []
        with self._mapped("cannot list originals"):
            async for page in obstore.list(self._store, chunk_size=1000):
                for meta in page:
                    digest = _digest_of(meta["path"])
                    if digest is None:
                        continue
                    listed = meta["last_modified"].timestamp()
                    if listed > cutoff + _CLOCK_SLACK_S:
                        continue
                    if listed >= cutoff - _CLOCK_SLACK_S:  # near: ask for the exact time
                        put_at = await self._put_at(meta["path"])
                        if put_at is None or put_at > cutoff_us:
                            continue
                    batch.append(digest)
                    if len(batch) >= _BATCH:
                        yield batch
                        batch = []
        if batch:
            yield batch

    async def clean_leftovers(self, older_than: float) -> int:
        """Puts back the copies aside of removals interrupted before `older_than`; a
        younger one may belong to a removal still deciding. Incomplete multipart uploads
        are the bucket's lifecycle rule's to abort (see the README)."""
        handled = 0
        with self._mapped("cannot clean originals"):
            async for page in obstore.list(self._store, chunk_size=1000):
                for meta in page:
                    path = meta["path"]
                    if not path.endswith(ASIDE_SUFFIX):
                        continue
                    if meta["last_modified"].timestamp() > older_than:
                        continue
                    await self._put_back(path, path.removesuffix(ASIDE_SUFFIX))
                    handled += 1
        return handled

    async def _write(self, key: str, data: bytes) -> float:
        us = time.time_ns() // 1000
        await obstore.put_async(
            self._store,
            key,
            data,
            attributes={"Content-Type": "application/octet-stream", PUT_AT: str(us)},
        )
        return us / 1e6

    async def _wait_out_removal(self, key: str) -> bool:
        """After a write: True when a removal had the key aside, so that its delete may
        have removed the write (write again)."""
        aside = key + ASIDE_SUFFIX
        if not await self._exists(aside):
            return False
        deadline = time.monotonic() + _LEASE_S + self._timeout_s
        while time.monotonic() < deadline and await self._exists(aside):
            if not await self._exists(key):
                break  # its delete has been done: nothing more can remove our write
            await anyio.sleep(_POLL_S)
        return True

    async def _put_back(self, aside: str, key: str) -> None:
        """Copy back unless a put wrote the key meanwhile; gone already if another
        process's `clean_leftovers` put it back first."""
        try:
            if not await self._exists(key):
                await obstore.copy_async(self._store, aside, key)
            await obstore.delete_async(self._store, aside)
        except _NotFound:
            pass

    async def _exists(self, path: str) -> bool:
        try:
            await obstore.head_async(self._store, path)
        except _NotFound:
            return False
        return True

    async def _put_at(self, path: str) -> int | None:
        """The put time in microseconds, None when there is no such object (an object
        without one, written by another tool, counts as put at its Last-Modified)."""
        try:
            result = await obstore.get_async(self._store, path, options={"head": True})
        except _NotFound:
            return None
        stamp = result.attributes.get(PUT_AT)
        if stamp is not None and stamp.isdigit():
            return int(stamp)
        return round(result.meta["last_modified"].timestamp() * 1e6)

    @contextlib.contextmanager
    def _mapped(self, action: str) -> Iterator[None]:
        """obstore's errors become `OriginalsError`, one line saying what went wrong."""
        try:
            yield
        except (BaseError, OSError, TimeoutError) as exc:
            raise OriginalsError(f"{action}: {self.explain(exc)}") from exc

    def explain(self, exc: BaseException) -> str:
        text = str(exc)
        found = _CODE.search(text)
        code = found.group(1) if found else ""
        where = endpoint_from_env() or "the AWS endpoint"
        if code == "NoSuchBucket":
            return f"bucket {parse_url(self._url)[0]!r} does not exist at {where}"
        if code in _REFUSED or isinstance(exc, PermissionDeniedError | UnauthenticatedError):
            return (
                f"{where} refused the credentials ({code or '403'}): check "
                "AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and the bucket policy"
            )
        if code:
            return f"{where} answered {code}"
        if "error sending request" in text or "operation timed out" in text:
            return f"cannot reach {where} (connection refused or timed out)"
        first = text.splitlines()[0] if text else type(exc).__name__
        return first[:300]


def _digest_of(path: str) -> str | None:
    name = path.rpartition("/")[2]
    if len(name) != 64:
        return None
    try:
        return check_hash(name)
    except ValueError:
        return None
