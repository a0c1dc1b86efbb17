"""Start-up checks: the dependencies a command needs, probed before it runs, so that a
wrong URL, a server that is down or a directory it cannot write is one line naming the
setting and the cause (`IMGEDGE_DATABASE_URL: cannot connect to postgresql://…:
connection refused`), not a traceback from deep inside a driver; and `imgedge check`,
the same probes over every configured dependency, one line each.

A probe opens the backend the way the command will, asks one real question of it and
closes it again. It never raises: what went wrong is in its `Probe`. The shape of a URL
(a Redis port that is no number, an S3 bucket name S3 refuses) is checked first, without
the network, by every command, whether it uses that backend or not.

Which commands need what: `serve` and `demo` the catalog, the cache and the originals;
`migrate`, `worker`, `migrate-canonical` and `stores` the catalog alone.
"""

from __future__ import annotations

import secrets
import socket
import urllib.parse
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import anyio

from catalog import open_catalog
from config import Settings
from config.settings import env_name

if TYPE_CHECKING:
    from edge.storage.cache import VariantTier

CATALOG, CACHE, ORIGINALS = "catalog", "cache", "originals"
# A key no variant has (the hash of nothing real) under which the cache probe writes.
_PROBE_HASH = "0" * 64


@dataclass(frozen=True, slots=True)
class Probe:
    component: str  # catalog | cache | originals
    setting: str  # the environment name of the URL it probed
    url: str  # as shown: any password hidden
    problem: str | None = None  # what failed, e.g. "cannot connect to"; None: ok
    cause: str = ""  # why, in a few words
    note: str = ""  # what an ok probe found out (migrations up to date)

    @property
    def ok(self) -> bool:
        return self.problem is None

    def line(self) -> str:
        """`imgedge check`'s line: `ok   catalog   url (note)` or `FAIL cache     url: cause`."""
        if self.problem is None:
            return f"ok   {self.component:<9} {self.url}" + (f" ({self.note})" if self.note else "")
        return f"FAIL {self.component:<9} {self.url}: {self.cause}"

    def error(self) -> str:
        """The start-up line: the setting, what failed on which URL, and why."""
        return f"{self.setting}: {self.problem} {self.url}: {self.cause}"


class StartupError(Exception):
    """A dependency failed its probe; the message is one line naming the setting."""


def shown(url: str) -> str:
    """The URL with its password (if any) replaced by `***`."""
    parts = urllib.parse.urlsplit(url)
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.netloc.rpartition("@")[2]
    return urllib.parse.urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))


def reason(exc: BaseException, *, innermost: bool = True) -> str:
    """A few words on why: the OS's answer when one is in the chain of causes (refused,
    unknown host, timed out, permission denied), else the innermost message (a driver's
    own words), or with `innermost=False` the outermost (an adapter that already says it
    in one line, as the originals stores do)."""
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or current.__context__
    for err in chain:
        if isinstance(err, ConnectionRefusedError):
            return "connection refused"
        if isinstance(err, socket.gaierror):
            return f"unknown host ({err.strerror})"
        if isinstance(err, TimeoutError):
            return "timed out"
    for err in chain:
        if isinstance(err, OSError) and err.strerror:
            return err.strerror.lower()
    chosen = chain[-1] if innermost else chain[0]
    text = str(chosen).strip().splitlines()
    return text[0] if text else type(chosen).__name__


def _failed(probe: Probe, problem: str, exc: BaseException) -> Probe:
    why = reason(exc, innermost=probe.component != ORIGINALS)
    return Probe(probe.component, probe.setting, probe.url, problem, why)


# --- the shape of URLs (no network) -----------------------------------------------------


def malformed(settings: Settings, component: str) -> str | None:
    """Why the URL of `component` is malformed beyond its scheme (which the settings
    check), by the backend's own parser; None when it is not."""
    try:
        if component == CACHE and settings.cache.url.startswith("redis://"):
            from redis.connection import parse_url

            parse_url(settings.cache.url)  # type: ignore[no-untyped-call]
        if component == ORIGINALS and settings.originals_url.startswith("s3://"):
            from edge.storage.originals.s3 import parse_url as parse_s3_url

            parse_s3_url(settings.originals_url)
    except ValueError as exc:
        return str(exc)
    return None


# --- probes -----------------------------------------------------------------------------


async def probe_catalog(settings: Settings, *, migrations: bool = False) -> Probe:
    """Connect and ask one query; with `migrations`, also say whether any are pending."""
    probe = Probe(CATALOG, env_name("database_url"), shown(settings.database_url))
    try:
        catalog = await open_catalog(settings.database_url, timeout_s=settings.database_timeout_s)
    except Exception as exc:
        sqlite = settings.database_url.startswith("sqlite:")
        return _failed(probe, "cannot open" if sqlite else "cannot connect to", exc)
    try:
        await catalog.ping()
        if not migrations:
            return probe
        pending = await catalog.pending_migrations()
    except Exception as exc:
        return _failed(probe, "cannot query", exc)
    finally:
        await catalog.close()
    if pending:
        return Probe(
            probe.component,
            probe.setting,
            probe.url,
            "migrations pending on",
            f"{_pending(pending)}: run `imgedge migrate`",
        )
    return Probe(CATALOG, probe.setting, probe.url, note="migrations up to date")


def _pending(versions: list[str]) -> str:
    if len(versions) == 1:
        return f"migration {versions[0]} pending"
    which = ", ".join(versions) if len(versions) <= 3 else f"{versions[0]} … {versions[-1]}"
    return f"{len(versions)} migrations pending ({which})"


async def probe_cache(settings: Settings) -> Probe:
    """Write, read back and delete one small entry in the shared tier. A disk tier is
    probed in its directory without opening the tier (which lists every file in it: the
    server does that once, when it starts)."""
    from config.backends import opener

    url = settings.cache.url
    probe = Probe(CACHE, env_name("cache_url"), shown(url))
    if (why := malformed(settings, CACHE)) is not None:
        return Probe(CACHE, probe.setting, probe.url, "malformed URL", why)
    open_tier = opener("cache", url)
    if open_tier is None:
        return Probe(CACHE, probe.setting, probe.url, note="memory only")
    data = b"imgedge check " + secrets.token_bytes(8)
    disk = url.startswith("file://")
    back: bytes | None
    try:
        if disk:
            root = Path(url.removeprefix("file://"))
            back = await anyio.to_thread.run_sync(_round_trip_file, root, data)
        else:
            back = await _round_trip_tier(await open_tier(url, settings.cache), data)
    except Exception as exc:
        return _failed(probe, "cannot write to" if disk else "cannot connect to", exc)
    if back != data:
        return Probe(CACHE, probe.setting, probe.url, "cannot use", "an entry was not read back")
    return probe


def _round_trip_file(root: Path, data: bytes) -> bytes:
    """As the disk tier writes (atomically, making the directory): outside its shards,
    under a name of its own, so its scans never count it."""
    from edge.storage.atomic_files import write_atomic

    path = root / f".imgedge-check-{secrets.token_hex(8)}"
    write_atomic(path, data)
    try:
        return path.read_bytes()
    finally:
        path.unlink(missing_ok=True)


async def _round_trip_tier(tier: VariantTier, data: bytes) -> bytes | None:
    from edge.imaging.formats import Format
    from edge.storage.cache import VariantKey

    key = VariantKey(_PROBE_HASH, 1, Format.PNG, "check")
    try:
        await tier.put(key, data)
        back = await tier.get(key)
        await tier.delete(key)
    finally:
        await tier.close()
    return back


async def probe_originals(settings: Settings, *, write: bool = False) -> Probe:
    """Ask the store whether it is usable (`ping`: a writable directory, a listable
    bucket); with `write`, also put, read back and delete one probe object (random bytes,
    so its content-addressed key is no original's)."""
    from edge.storage.originals import open_originals

    url = settings.originals_url
    probe = Probe(ORIGINALS, env_name("originals_url"), shown(url))
    if (why := malformed(settings, ORIGINALS)) is not None:
        return Probe(ORIGINALS, probe.setting, probe.url, "malformed URL", why)
    try:
        store = open_originals(url, timeout_s=settings.originals_timeout_s)
        await store.ping()
    except Exception as exc:
        return _failed(probe, "cannot use", exc)
    if not write:
        return probe
    data = b"imgedge check " + secrets.token_bytes(16)
    try:
        stored = await store.put(data)
        back = await store.get(stored.digest)
        await store.delete(stored.digest)
    except Exception as exc:
        return _failed(probe, "cannot write to", exc)
    if back != data:
        return Probe(
            ORIGINALS, probe.setting, probe.url, "cannot use", "an object put was not read back"
        )
    return Probe(ORIGINALS, probe.setting, probe.url, note="put, get and delete")


# --- for commands -----------------------------------------------------------------------

_PROBES: dict[str, Callable[[Settings], Awaitable[Probe]]] = {
    CATALOG: probe_catalog,
    CACHE: probe_cache,
    ORIGINALS: probe_originals,
}


async def require(settings: Settings, *components: str) -> None:
    """Before a command runs: raise `StartupError` (one line) for the first malformed
    URL of any backend, then for the first of `components` that fails its probe."""
    for component, name in ((CACHE, "cache_url"), (ORIGINALS, "originals_url")):
        if (why := malformed(settings, component)) is not None:
            raise StartupError(f"{env_name(name)}: malformed URL: {why}")
    for component in components:
        probe = await _PROBES[component](settings)
        if not probe.ok:
            raise StartupError(probe.error())


async def check_all(settings: Settings) -> list[Probe]:
    """`imgedge check`: every configured dependency, the deeper probes included."""
    return [
        await probe_catalog(settings, migrations=True),
        await probe_cache(settings),
        await probe_originals(settings, write=True),
    ]
