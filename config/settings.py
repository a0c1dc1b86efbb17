"""Typed settings by component: defaults < TOML file < ``IMGEDGE_*`` environment.

One ``Settings`` object is built at start-up by :func:`load_settings` and passed
explicitly to whatever needs it; nothing reads the environment later. Each component
(server, cache, render, uploads, remote fetch, matcher, worker) declares its fields with
their setting name, bounds and help, and checks its own cross-field rules when built.
A bad value raises :class:`SettingsError` whose message is one line naming the setting.
The names are flat and unchanged (``IMGEDGE_JPEG_QUALITY``, or ``jpeg_quality`` in the
TOML file), whatever component holds them.
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
import urllib.parse
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from config.backends import check_url
from config.presets import Preset, parse_presets

ENV_PREFIX = "IMGEDGE_"
CONFIG_ENV = "IMGEDGE_CONFIG"
DEFAULT_CONFIG_FILE = Path("config/imgedge.toml")
# `IMGEDGE_*` variables that are not settings, so never warned about: the config file's
# path, the test suite's service URLs (tests/needs.py), the load tests' (loadtests/) and
# the build's (IMGEDGE_COMPILE, setup.py: a compiled matcher).
OTHER_ENV_PREFIXES = (CONFIG_ENV, "IMGEDGE_TEST_", "IMGEDGE_LOAD_", "IMGEDGE_COMPILE")
MIB = 1024 * 1024
_HOST_NAME = re.compile(
    r"^(?=.{1,253}\Z)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*\Z"
)


class SettingsError(ValueError):
    """A setting has a bad value; the message names it, in one line."""


def setting(
    name: str,
    default: Any,
    help_: str,
    *,
    lo: float | None = None,
    hi: float | None = None,
    choices: tuple[str, ...] | None = None,
) -> Any:
    """A field known as `name` in the TOML file and `IMGEDGE_<NAME>` in the environment."""
    meta = {"name": name, "help": help_, "lo": lo, "hi": hi, "choices": choices}
    return field(default=default, metadata=meta)


def env_name(name: str) -> str:
    return ENV_PREFIX + name.upper()


@dataclass(frozen=True, slots=True)
class ServerSettings:
    """The edge process: where it listens, who is curator, what it keeps in process and
    how long browsers and CDNs may keep its answers."""

    host: str = setting("host", "127.0.0.1", "listen address")
    port: int = setting("port", 8080, "listen port", lo=1, hi=65535)
    admin_token: str | None = setting(
        "admin_token", None, "curator bearer token (else the demo's generated one)"
    )
    log_level: str = setting(
        "log_level", "info", "log level", choices=("debug", "info", "warning", "error")
    )
    access_log: bool = setting(
        "access_log", True, "one access line per request (imgedge's; uvicorn's own is off)"
    )
    log_format: str = setting(
        "log_format", "human", "log lines: human (text) or json (one object a line)",
        choices=("human", "json"),
    )  # fmt: skip
    metrics_port: int | None = setting(
        "metrics_port",
        None,
        "serve /metrics on this port only (on IMGEDGE_HOST), not on the main one; "
        "for `worker` too (unset: serve on the main port, worker none); with "
        "IMGEDGE_WORKERS=N, edge worker i on this port + i",
        lo=1,
        hi=65535,
    )
    server_timing: bool = setting(
        "server_timing", False, "a Server-Timing header on /img answers (resolve, cache, render)"
    )
    workers: int = setting(
        "workers",
        1,
        "edge processes sharing the port (SO_REUSEPORT), each with its own memory tier",
        lo=1,
        hi=64,
    )
    malloc_arena_max: int = setting(
        "malloc_arena_max",
        1,
        "glibc malloc arenas per edge process (0: glibc's default, 8 per core; more than "
        "one: RSS swings as thread arenas' heaps are unmapped and faulted in again)",
        lo=0,
        hi=64,
    )
    malloc_keep_freed: bool = setting(
        "malloc_keep_freed",
        True,
        "glibc keeps what renders free for the next ones (fixed thresholds: RSS flat at the "
        "renders' high-water; past start + memory tier + render budget it is trimmed); "
        "false: glibc's dynamic defaults",
    )
    resolution_ttl_s: float = setting(
        "resolution_ttl_s", 30.0, "in-process product → image cache TTL", lo=0
    )
    resolution_cache_size: int = setting(
        "resolution_cache_size", 100_000, "resolutions kept in process", lo=1
    )
    resolution_stale_s: float = setting(
        "resolution_stale_s",
        900.0,
        "past its TTL, a resolution still served while the catalog is down (0: never)",
        lo=0,
    )
    stale_max_age_s: int = setting(
        "stale_max_age_s", 5, "max-age of /img answers from a stale resolution", lo=0
    )
    version_grace_s: float = setting(
        "version_grace_s", 600.0, "a ?v= the product no longer shows still served (0: 404)", lo=0
    )
    img_max_age_s: int = setting("img_max_age_s", 60, "max-age of unversioned /img URLs", lo=0)
    img_stale_while_revalidate_s: int = setting(
        "img_stale_while_revalidate_s", 600, "stale-while-revalidate of unversioned /img", lo=0
    )
    api_max_age_s: int = setting("api_max_age_s", 60, "max-age of product API answers", lo=0)
    public_base_url: str | None = setting(
        "public_base_url",
        None,
        "origin (and path) every handed-out /img URL starts with, e.g. a CDN "
        "(https://cdn.example.com); unset: relative URLs",
    )
    gtin_map_size: int = setting(
        "gtin_map_size", 500_000, "GTIN → canonical ids the sync keeps in memory", lo=1
    )
    # Transport (edge.http.transport): what one connection may cost before the app runs.
    http_max_header_kb: int = setting(
        "http_max_header_kb",
        32,
        "largest request head (line + headers), KiB; past → 431",
        lo=1,
        hi=1024,
    )
    http_max_header_field_kb: int = setting(
        "http_max_header_field_kb",
        8,
        "largest header line or URL, KiB; past → 431 (URL 414)",
        lo=1,
        hi=1024,
    )
    http_header_timeout_s: float = setting(
        "http_header_timeout_s",
        10.0,
        "seconds to send a whole request head; past → 408",
        lo=0.1,
    )
    http_body_timeout_s: float = setting(
        "http_body_timeout_s",
        30.0,
        "longest silence while a request body arrives, seconds",
        lo=0.1,
    )
    http_keepalive_timeout_s: int = setting(
        "http_keepalive_timeout_s",
        5,
        "idle keep-alive connections close after, seconds",
        lo=1,
        hi=3600,
    )
    http_max_connections: int = setting(
        "http_max_connections",
        1000,
        "open connections; at the cap the oldest idle one goes",
        lo=1,
    )

    @property
    def url_base(self) -> str:
        """What every handed-out URL starts with: the public base URL, or "" (relative)."""
        return self.public_base_url or ""

    def __post_init__(self) -> None:
        if self.metrics_port is not None and self.metrics_port == self.port:
            raise SettingsError(
                f"{env_name('metrics_port')}: must differ from {env_name('port')} "
                f"({self.metrics_port})"
            )
        if self.public_base_url is not None:
            # frozen: the normalized form replaces the given one once, here
            object.__setattr__(self, "public_base_url", _base_url(self.public_base_url))
        if self.http_max_header_field_kb > self.http_max_header_kb:
            raise SettingsError(
                f"{env_name('http_max_header_field_kb')}: must not be above "
                f"{env_name('http_max_header_kb')} "
                f"({self.http_max_header_field_kb} > {self.http_max_header_kb})"
            )


def _base_url(raw: str) -> str:
    """`http(s)://host[:port][/path]` without a trailing slash, query, fragment or user."""
    return _http_url(raw, env_name("public_base_url"))


def _http_url(raw: str, name: str, *, path: bool = False) -> str:
    """An `http(s)://host[:port][/path]` URL without query, fragment or user, its host
    lowercased; the path as given (`path`) or without its trailing slash."""
    try:
        parts = urllib.parse.urlsplit(raw)
        parts.port  # noqa: B018 (raises on a bad port)
    except ValueError:
        raise SettingsError(f"{name}: {raw[:80]!r} is not a URL") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SettingsError(f"{name}: must be an http:// or https:// URL with a host")
    if parts.query or parts.fragment or "?" in raw or "#" in raw:
        raise SettingsError(f"{name}: must have no query or fragment")
    if parts.username is not None or parts.password is not None:
        raise SettingsError(f"{name}: must not carry a user or password")
    if any(c.isspace() or c in "\"'<>" for c in raw) or not raw.isascii():
        raise SettingsError(f"{name}: must be plain ASCII without spaces or quotes")
    kept = parts.path if path else parts.path.rstrip("/")
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc.lower(), kept, "", ""))


@dataclass(frozen=True, slots=True)
class CacheSettings:
    """Variant cache: the memory tier and the shared tier (disk or Redis)."""

    url: str = setting(
        "cache_url", "file://var/cache", "shared tier: file://dir, redis://… or none"
    )
    memory_mb: int = setting(
        "memory_cache_mb", 256, "in-process variant LRU, in MiB (0 disables)", lo=0
    )
    disk_mb: int = setting("disk_cache_mb", 2048, "disk variant tier bound, MiB", lo=1)
    disk_rescan_s: float = setting(
        "disk_cache_rescan_s",
        60.0,
        "disk tier: seconds between rescans of the directory's real size (shared by processes)",
        lo=0,
    )
    ttl_s: int = setting("cache_ttl_s", 7 * 24 * 3600, "Redis tier: seconds kept", lo=1)
    max_item_kb: int = setting(
        "cache_max_item_kb", 4096, "Redis tier: largest variant stored, KiB", lo=1
    )
    prefix: str = setting("cache_prefix", "imgedge:", "Redis: prefix of every key and channel")
    retry_s: float = setting(
        "cache_retry_s", 1.0, "seconds a failed shared tier is skipped before a retry", lo=0
    )

    def __post_init__(self) -> None:
        check_url("cache", self.url, env_name("cache_url"), SettingsError)


def _check_each(name: str, items: Iterable[str], pattern: re.Pattern[str], shape: str) -> None:
    """Every item of a list setting `name` matches `pattern`, else a `SettingsError`."""
    for item in items:
        if not pattern.match(item):
            raise SettingsError(f"{env_name(name)}: {item!r} is not {shape}")


_WARM_SEGMENT = re.compile(r"^[a-z][a-z0-9]*(@2x)?\.(avif|webp|jpg|jpeg|png)\Z")


@dataclass(frozen=True, slots=True)
class RenderSettings:
    """Source limits (checked from the header before decoding), the render pool and the
    encoders. Efforts favour speed: a miss renders inline."""

    max_source_pixels: int = setting(
        "max_source_pixels", 50_000_000, "largest original, width × height", lo=1
    )
    max_source_mb: int = setting("max_source_mb", 40, "largest original, MiB", lo=1)
    workers: int = setting(
        "render_workers", max(2, os.cpu_count() or 2), "concurrent renders (threads)", lo=1, hi=256
    )
    timeout_s: float = setting("render_timeout_s", 20.0, "deadline for one render", lo=0.1)
    # Admission (edge/imaging/admission.py): renders wait for room by estimated cost.
    memory_budget_mb: int = setting(
        "render_memory_budget_mb", 1024, "estimated working memory of renders at once, MiB", lo=64
    )
    heavy_workers: int = setting(
        "render_heavy_workers", 1, "concurrent heavy renders (own lane)", lo=1, hi=64
    )
    heavy_source_pixels: int = setting(
        "render_heavy_source_pixels", 12_000_000, "a source over this renders as heavy", lo=1
    )
    queue_size: int = setting(
        "render_queue_size", 32, "renders waiting for room, per lane (then 503)", lo=0
    )
    queue_wait_s: float = setting(
        "render_queue_wait_s", 5.0, "longest wait for render room (then 503)", lo=0
    )
    avif_max_pixels: int = setting(
        "avif_max_pixels", 8_000_000, "AVIF output is capped at this many pixels", lo=10_000
    )
    failure_ttl_s: float = setting(
        "render_failure_ttl_s", 60.0, "a failed render is answered from memory this long", lo=0
    )
    failure_cache_size: int = setting(
        "render_failure_cache_size", 10_000, "failed renders remembered", lo=1
    )
    # Renders nobody waits for (edge/imaging/background.py): lowest priority, bounded.
    avif_policy: str = setting(
        "avif_policy",
        "wait",
        "a negotiated AVIF not cached yet: wait for its encode, or fall back (serve WebP/JPEG "
        "at once with a short max-age, encode the AVIF in the background)",
        choices=("wait", "fallback"),
    )
    avif_fallback_max_age_s: int = setting(
        "avif_fallback_max_age_s", 10, "max-age of an answer standing in for AVIF", lo=0
    )
    warm_variants: str = setting(
        "warm_variants",
        "thumbnail.avif,thumbnail.webp,small.avif,small.webp",
        "variants rendered in the background when an image is added: /img size segments "
        "with a format (<size>[@2x].<fmt>), comma-separated, or `none`",
    )
    background_queue_size: int = setting(
        "background_queue_size", 256, "background renders waiting (more are dropped)", lo=0
    )
    jpeg_quality: int = setting("jpeg_quality", 82, "JPEG Q", lo=1, hi=100)
    webp_quality: int = setting("webp_quality", 80, "WebP Q", lo=1, hi=100)
    webp_effort: int = setting("webp_effort", 4, "WebP effort 0 (fast)–6", lo=0, hi=6)
    avif_quality: int = setting("avif_quality", 55, "AVIF Q", lo=1, hi=100)
    avif_effort: int = setting("avif_effort", 2, "AVIF effort 0 (fast)–9", lo=0, hi=9)
    png_compression: int = setting("png_compression", 6, "PNG zlib level", lo=0, hi=9)
    presets: str = setting(
        "presets",
        "",
        "named boxes usable as /img sizes: name=<w>x<h>[:contain|cover-attention|cover-centre], "
        "comma-separated (config/presets.py)",
    )

    def __post_init__(self) -> None:
        try:
            parse_presets(self.presets)
        except ValueError as exc:
            raise SettingsError(f"{env_name('presets')}: {exc}") from None
        _check_each(
            "warm_variants", self.warm_segments, _WARM_SEGMENT,
            "<size>[@2x].<fmt> (fmt: avif, webp, jpg or png)",
        )  # fmt: skip

    @property
    def warm_segments(self) -> tuple[str, ...]:
        """IMGEDGE_WARM_VARIANTS split (size names are checked against the presets when the
        edge starts: `edge.imaging.sizes`)."""
        if self.warm_variants.strip().lower() in ("", "none"):
            return ()
        return tuple(item.strip() for item in self.warm_variants.split(","))

    @property
    def preset_map(self) -> dict[str, Preset]:
        """The presets by name (parse once and keep: this parses the setting again)."""
        return parse_presets(self.presets)

    @property
    def max_source_bytes(self) -> int:
        return self.max_source_mb * MIB

    @property
    def memory_budget_bytes(self) -> int:
        return self.memory_budget_mb * MIB


@dataclass(frozen=True, slots=True)
class UploadSettings:
    max_mb: int = setting("upload_max_mb", 20, "largest uploaded file, MiB", lo=1)
    max_files: int = setting("upload_max_files", 10, "files in one upload request", lo=1, hi=100)
    originals_grace_s: float = setting(
        "originals_grace_s",
        3600.0,
        "an original no image references is removed only once not put for this long",
        lo=0,
    )
    originals_sweep_s: float = setting(
        "originals_sweep_s",
        3600.0,
        "seconds between sweeps of unreferenced originals and temporary files (0: start-up only)",
        lo=0,
    )

    @property
    def max_file_bytes(self) -> int:
        return self.max_mb * MIB


@dataclass(frozen=True, slots=True)
class RemoteFetchSettings:
    """Fetching a store's `image_url`: only from these hosts, within these limits."""

    hosts: str = setting(
        "remote_image_hosts", "", "hosts image_url may be fetched from, comma-separated"
    )
    timeout_s: float = setting(
        "remote_fetch_timeout_s", 10.0, "deadline for fetching one remote image", lo=0.1
    )
    max_redirects: int = setting(
        "remote_fetch_max_redirects", 3, "redirects followed per remote image", lo=0, hi=10
    )

    def __post_init__(self) -> None:
        _check_hosts(self.host_set, "remote_image_hosts")

    @property
    def host_set(self) -> frozenset[str]:
        return _host_set(self.hosts)


def _host_set(raw: str) -> frozenset[str]:
    return frozenset(h for h in (p.strip().lower() for p in raw.split(",")) if h)


def _check_hosts(hosts: frozenset[str], name: str) -> None:
    _check_each(name, hosts, _HOST_NAME, "a plain host name (no scheme, port, path or user)")


@dataclass(frozen=True, slots=True)
class MatcherSettings:
    auto_link: float = setting(
        "match_auto_link", 85.0, "matcher: score that links by name", lo=0, hi=100
    )
    suggest: float = setting(
        "match_suggest", 70.0, "matcher: score stored as a suggestion", lo=0, hi=100
    )
    scorer: str = setting(
        "match_scorer",
        "learned",
        "matcher: rules (cautious caps) or learned (weighed evidence, matcher/model.json)",
        choices=("rules", "learned"),
    )

    def __post_init__(self) -> None:
        if self.suggest > self.auto_link:
            raise SettingsError(
                f"{env_name('match_suggest')}: must not be above {env_name('match_auto_link')} "
                f"({self.suggest} > {self.auto_link})"
            )


@dataclass(frozen=True, slots=True)
class WorkerSettings:
    batch: int = setting("worker_batch", 200, "matcher: items per claim", lo=1)
    lease_s: float = setting(
        "worker_lease_s", 60.0, "matcher: seconds an item is held before it returns", lo=1
    )
    max_attempts: int = setting(
        "worker_max_attempts", 3, "matcher: tries before an item ends as failed", lo=1
    )
    poll_s: float = setting(
        "worker_poll_s", 0.5, "matcher: idle wait between queue checks", lo=0.01
    )


@dataclass(frozen=True, slots=True)
class ConsoleSettings:
    """The curator console at /console: on by default, signed-in sessions that expire."""

    enabled: bool = setting("console", True, "serve the curator console at /console")
    console_session_ttl_s: int = setting(
        "console_session_ttl_s", 12 * 3600, "a console sign-in lasts this long, seconds", lo=60
    )
    console_session_secret: str | None = setting(
        "console_session_secret",
        None,
        "key signing console sessions (else one generated and kept in the catalog)",
    )

    def __post_init__(self) -> None:
        secret = self.console_session_secret
        if secret is not None and len(secret) < 32:
            raise SettingsError(
                f"{env_name('console_session_secret')} must be at least 32 characters"
            )


@dataclass(frozen=True, slots=True)
class WebhookSettings:
    """Change notifications: a signed JSON event to one URL when a product's shown image
    changes (`edge.application.webhooks`); off while `webhook_url` is unset."""

    url: str | None = setting(
        "webhook_url", None, "URL receiving product.image_changed events (unset: none sent)"
    )
    secret: str | None = setting(
        "webhook_secret", None, "HMAC-SHA256 key signing each event (Imgedge-Signature)"
    )
    stores: bool = setting(
        "store_webhooks",
        False,
        "stores may register their own URL (PUT /api/webhook) for their products' events",
    )
    store_hosts: str = setting(
        "store_webhook_hosts",
        "",
        "hosts stores' own webhook URLs may name, comma-separated (empty: any public host)",
    )
    timeout_s: float = setting(
        "webhook_timeout_s", 10.0, "deadline for one delivery attempt, seconds", lo=0.1
    )
    max_attempts: int = setting(
        "webhook_max_attempts", 8, "tries before a delivery ends as failed", lo=1, hi=100
    )
    backoff_s: float = setting(
        "webhook_backoff_s", 10.0, "wait before the first retry; doubles each time", lo=0.01
    )
    backoff_max_s: float = setting(
        "webhook_backoff_max_s", 3600.0, "longest wait between two tries", lo=0.01
    )
    poll_s: float = setting(
        "webhook_poll_s", 2.0, "idle wait between outbox checks, seconds", lo=0.01
    )
    keep_days: float = setting(
        "webhook_keep_days", 30.0, "delivered and failed deliveries kept this long, days", lo=0
    )

    @property
    def enabled(self) -> bool:
        """Changes are recorded and events sent: to the URL, to stores' own, or both."""
        return self.url is not None or self.stores

    @property
    def store_host_set(self) -> frozenset[str]:
        return _host_set(self.store_hosts)

    def __post_init__(self) -> None:
        _check_hosts(self.store_host_set, "store_webhook_hosts")
        if self.url is None:
            return
        name = env_name("webhook_url")
        object.__setattr__(self, "url", _http_url(self.url, name, path=True))
        if self.secret is None or len(self.secret) < 16:
            raise SettingsError(
                f"{env_name('webhook_secret')}: must be set, at least 16 characters, with {name}"
            )


@dataclass(frozen=True, slots=True)
class Settings:
    # Fixed names (DESIGN.md).
    database_url: str = setting(
        "database_url",
        "sqlite:///var/imgedge.db",
        "catalog: sqlite:///relative/path, sqlite:////abs/path or postgresql://",
    )
    database_timeout_s: float = setting(
        "database_timeout_s",
        5.0,
        "catalog: longest wait for a connection, a statement or SQLite's lock (then 503)",
        lo=0.01,
    )
    originals_url: str = setting(
        "originals_url", "file://var/originals", "originals store: file://dir or s3://bucket/prefix"
    )
    originals_timeout_s: float = setting(
        "originals_timeout_s",
        10.0,
        "originals in S3: longest wait for one request, retries included (then 503)",
        lo=0.1,
    )
    server: ServerSettings = field(default_factory=ServerSettings)
    cache: CacheSettings = field(default_factory=CacheSettings)
    render: RenderSettings = field(default_factory=RenderSettings)
    uploads: UploadSettings = field(default_factory=UploadSettings)
    remote: RemoteFetchSettings = field(default_factory=RemoteFetchSettings)
    matcher: MatcherSettings = field(default_factory=MatcherSettings)
    worker: WorkerSettings = field(default_factory=WorkerSettings)
    console: ConsoleSettings = field(default_factory=ConsoleSettings)
    webhooks: WebhookSettings = field(default_factory=WebhookSettings)

    def __post_init__(self) -> None:
        check_url("database", self.database_url, env_name("database_url"), SettingsError)
        check_url("originals", self.originals_url, env_name("originals_url"), SettingsError)

    def replace(self, **changes: Any) -> Settings:
        """A copy with settings changed by their flat names (`jpeg_quality=90`)."""
        return build_settings({**self.values(), **changes})

    def values(self) -> dict[str, Any]:
        """Every setting by its flat name."""
        return {spec.name: getattr(owner, spec.attr) for spec, owner in _bound(self)}


# --- loading --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Spec:
    component: str | None  # the Settings field holding it; None: on Settings itself
    attr: str
    name: str  # the flat name
    type: str
    meta: Mapping[str, Any]
    default: Any


# The components, by the name of the `Settings` field that holds each.
COMPONENTS: dict[str, type[Any]] = {
    "server": ServerSettings,
    "cache": CacheSettings,
    "render": RenderSettings,
    "uploads": UploadSettings,
    "remote": RemoteFetchSettings,
    "matcher": MatcherSettings,
    "worker": WorkerSettings,
    "console": ConsoleSettings,
    "webhooks": WebhookSettings,
}


def _specs() -> Iterator[_Spec]:
    owners: list[tuple[str | None, type[Any]]] = [(None, Settings), *COMPONENTS.items()]
    for component, cls in owners:
        for f in fields(cls):
            if "name" in f.metadata:
                meta = f.metadata
                yield _Spec(component, f.name, meta["name"], str(f.type), meta, f.default)


SPECS: tuple[_Spec, ...] = tuple(_specs())
_BY_NAME = {spec.name: spec for spec in SPECS}


def _bound(settings: Settings) -> Iterator[tuple[_Spec, Any]]:
    for spec in SPECS:
        yield spec, settings if spec.component is None else getattr(settings, spec.component)


def _coerce(spec: _Spec, raw: Any) -> Any:
    name, typ, meta = env_name(spec.name), spec.type, spec.meta
    if "None" in typ and (raw is None or raw == ""):
        return None
    try:
        if typ.startswith("int"):
            if isinstance(raw, (bool, float)):
                raise ValueError
            value: Any = int(raw)
        elif typ.startswith("float"):
            if isinstance(raw, bool):
                raise ValueError
            value = float(raw)
        elif typ.startswith("bool"):
            if isinstance(raw, bool):
                value = raw
            elif str(raw).strip().lower() in ("1", "true", "yes", "on"):
                value = True
            elif str(raw).strip().lower() in ("0", "false", "no", "off"):
                value = False
            else:
                raise ValueError
        else:
            if not isinstance(raw, str):
                raise ValueError
            value = raw.strip()
    except (TypeError, ValueError):
        raise SettingsError(f"{name}: expected {typ.split(' ')[0]}, got {raw!r}") from None
    lo, hi, choices = meta.get("lo"), meta.get("hi"), meta.get("choices")
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        bounds = f"between {lo} and {hi}" if hi is not None else f"at least {lo}"
        raise SettingsError(f"{name}: must be {bounds}, got {raw!r}")
    if choices and value not in choices:
        raise SettingsError(f"{name}: must be one of {', '.join(choices)}, got {raw!r}")
    return value


def build_settings(raw: Mapping[str, Any]) -> Settings:
    """Settings from flat names (values as read from TOML or the environment); every
    value is coerced and checked, then each component checks its own rules."""
    unknown = sorted(set(raw) - set(_BY_NAME))
    if unknown:
        raise SettingsError(f"unknown setting {unknown[0]!r}")
    top: dict[str, Any] = {}
    parts: dict[str, dict[str, Any]] = {}
    for name, value in raw.items():
        spec = _BY_NAME[name]
        coerced = _coerce(spec, value)
        if spec.component is None:
            top[spec.attr] = coerced
        else:
            parts.setdefault(spec.component, {})[spec.attr] = coerced
    components = {name: cls(**parts.get(name, {})) for name, cls in COMPONENTS.items()}
    return Settings(**top, **components)


def load_settings(
    environ: Mapping[str, str] | None = None, config_file: Path | None = None
) -> Settings:
    """Build settings from defaults, then the TOML file, then the environment."""
    env = os.environ if environ is None else environ
    path = config_file or Path(env.get(CONFIG_ENV) or DEFAULT_CONFIG_FILE)
    layered: dict[str, Any] = {}
    if path.exists():
        try:
            layered.update(tomllib.loads(path.read_text()))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise SettingsError(f"{CONFIG_ENV}: cannot read {path}: {exc}") from None
        unknown = sorted(set(layered) - set(_BY_NAME))
        if unknown:
            hint = _closest(unknown[0], list(_BY_NAME))
            raise SettingsError(f"{path}: unknown setting {unknown[0]!r}{hint}")
    elif CONFIG_ENV in env:
        raise SettingsError(f"{CONFIG_ENV}: no such file {path}")
    for name in _BY_NAME:
        if env_name(name) in env:
            layered[name] = env[env_name(name)]
    return build_settings(layered)


def _closest(name: str, known: list[str]) -> str:
    """ " (did you mean X?)" for the known name nearest `name`, or "" if none is near."""
    near = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    return f" (did you mean {near[0]}?)" if near else ""


def unknown_env(environ: Mapping[str, str] | None = None) -> list[str]:
    """One warning per `IMGEDGE_*` variable that names no setting (a typo is otherwise
    silently ignored), each with the closest setting's name."""
    env = os.environ if environ is None else environ
    warnings = []
    for var in sorted(env):
        name = var.removeprefix(ENV_PREFIX).lower()
        if var.startswith(ENV_PREFIX) and not var.startswith(OTHER_ENV_PREFIXES):
            if env_name(name) == var and name in _BY_NAME:
                continue
            # Compared without the common prefix, which would make every name look near.
            near = difflib.get_close_matches(name, list(_BY_NAME), n=1, cutoff=0.6)
            hint = f" (did you mean {env_name(near[0])}?)" if near else ""
            warnings.append(f"{var} is not a setting; ignored{hint}")
    return warnings


def describe() -> list[tuple[str, str, str]]:
    """(environment name, default, meaning) for every setting, for docs and `--help`."""
    return [(env_name(s.name), repr(s.default), s.meta.get("help", "")) for s in SPECS]
