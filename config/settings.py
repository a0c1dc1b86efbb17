"""Typed settings: defaults < TOML file < ``IMGEDGE_*`` environment.

One ``Settings`` object is built at start-up by :func:`load_settings` and passed
explicitly to whatever needs it; nothing reads the environment later. A bad
value raises :class:`SettingsError` whose message is one line naming the setting.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

ENV_PREFIX = "IMGEDGE_"
CONFIG_ENV = "IMGEDGE_CONFIG"
DEFAULT_CONFIG_FILE = Path("config/imgedge.toml")
_HOST_NAME = re.compile(
    r"^(?=.{1,253}\Z)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*\Z"
)


class SettingsError(ValueError):
    """A setting has a bad value; the message names it, in one line."""


def _meta(
    help_: str,
    *,
    lo: float | None = None,
    hi: float | None = None,
    choices: tuple[str, ...] | None = None,
) -> dict[str, Any]:
    return {"help": help_, "lo": lo, "hi": hi, "choices": choices}


@dataclass(frozen=True, slots=True)
class Settings:
    # Fixed names (DESIGN.md).
    database_url: str = field(
        default="sqlite:///var/imgedge.db",
        metadata=_meta("catalog: sqlite:///relative/path, sqlite:////abs/path or postgresql://"),
    )
    cache_url: str = field(
        default="file://var/cache",
        metadata=_meta("shared variant tier: file://dir, redis://… or none"),
    )
    originals_url: str = field(
        default="file://var/originals", metadata=_meta("originals store: file://dir")
    )
    host: str = field(default="127.0.0.1", metadata=_meta("listen address"))
    port: int = field(default=8080, metadata=_meta("listen port", lo=1, hi=65535))
    admin_token: str | None = field(
        default=None, metadata=_meta("curator bearer token (else the demo's generated one)")
    )

    # Variant cache.
    memory_cache_mb: int = field(
        default=256, metadata=_meta("in-process variant LRU, in MiB (0 disables)", lo=0)
    )
    disk_cache_mb: int = field(default=2048, metadata=_meta("disk variant tier bound, MiB", lo=1))
    cache_ttl_s: int = field(
        default=7 * 24 * 3600, metadata=_meta("Redis tier: seconds a variant is kept", lo=1)
    )
    cache_max_item_kb: int = field(
        default=4096, metadata=_meta("Redis tier: largest variant stored, KiB", lo=1)
    )
    cache_prefix: str = field(
        default="imgedge:", metadata=_meta("Redis: prefix of every key and channel")
    )
    cache_retry_s: float = field(
        default=1.0, metadata=_meta("seconds a failed shared tier is skipped before a retry", lo=0)
    )

    # Source limits, checked from the header before any decoding.
    max_source_pixels: int = field(
        default=50_000_000, metadata=_meta("largest original, width × height", lo=1)
    )
    max_source_mb: int = field(default=40, metadata=_meta("largest original, MiB", lo=1))

    # Render pool and encoders. Effort values favour speed: a miss renders inline.
    render_workers: int = field(
        default=max(2, os.cpu_count() or 2),
        metadata=_meta("concurrent renders (threads)", lo=1, hi=256),
    )
    render_timeout_s: float = field(default=20.0, metadata=_meta("deadline for one render", lo=0.1))
    jpeg_quality: int = field(default=82, metadata=_meta("JPEG Q", lo=1, hi=100))
    webp_quality: int = field(default=80, metadata=_meta("WebP Q", lo=1, hi=100))
    webp_effort: int = field(default=4, metadata=_meta("WebP effort 0 (fast)–6", lo=0, hi=6))
    avif_quality: int = field(default=55, metadata=_meta("AVIF Q", lo=1, hi=100))
    avif_effort: int = field(default=2, metadata=_meta("AVIF effort 0 (fast)–9", lo=0, hi=9))
    png_compression: int = field(default=6, metadata=_meta("PNG zlib level", lo=0, hi=9))

    # HTTP caching and resolution cache.
    resolution_ttl_s: float = field(
        default=30.0, metadata=_meta("in-process product → image cache TTL", lo=0)
    )
    resolution_cache_size: int = field(
        default=100_000, metadata=_meta("resolutions kept in process", lo=1)
    )
    img_max_age_s: int = field(default=60, metadata=_meta("max-age of unversioned /img URLs", lo=0))
    img_stale_while_revalidate_s: int = field(
        default=600, metadata=_meta("stale-while-revalidate of unversioned /img URLs", lo=0)
    )
    gtin_map_size: int = field(
        default=500_000, metadata=_meta("GTIN → canonical ids the sync keeps in memory", lo=1)
    )
    match_auto_link: float = field(
        default=85.0, metadata=_meta("matcher: score that links by name", lo=0, hi=100)
    )
    match_suggest: float = field(
        default=70.0, metadata=_meta("matcher: score stored as a suggestion", lo=0, hi=100)
    )
    worker_batch: int = field(default=50, metadata=_meta("matcher: items per claim", lo=1))
    worker_lease_s: float = field(
        default=60.0, metadata=_meta("matcher: seconds an item is held before it returns", lo=1)
    )
    worker_max_attempts: int = field(
        default=3, metadata=_meta("matcher: tries before an item ends as failed", lo=1)
    )
    worker_poll_s: float = field(
        default=0.5, metadata=_meta("matcher: idle wait between queue checks", lo=0.01)
    )
    api_max_age_s: int = field(default=60, metadata=_meta("max-age of product API answers", lo=0))

    # Uploads and remote images (a store's image_url).
    upload_max_mb: int = field(default=20, metadata=_meta("largest uploaded file, MiB", lo=1))
    upload_max_files: int = field(
        default=10, metadata=_meta("files in one upload request", lo=1, hi=100)
    )
    remote_image_hosts: str = field(
        default="",
        metadata=_meta("hosts image_url may be fetched from, comma-separated exact names"),
    )
    remote_fetch_timeout_s: float = field(
        default=10.0, metadata=_meta("deadline for fetching one remote image", lo=0.1)
    )
    remote_fetch_max_redirects: int = field(
        default=3, metadata=_meta("redirects followed per remote image", lo=0, hi=10)
    )

    log_level: str = field(
        default="info",
        metadata=_meta("log level", choices=("debug", "info", "warning", "error")),
    )
    access_log: bool = field(default=False, metadata=_meta("uvicorn access log"))

    def replace(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **changes)

    @property
    def remote_image_host_set(self) -> frozenset[str]:
        return frozenset(
            h for h in (p.strip().lower() for p in self.remote_image_hosts.split(",")) if h
        )

    def encoder_digest(self) -> str:
        """Short digest of every setting that changes rendered bytes (part of cache keys)."""
        parts = (
            self.jpeg_quality,
            self.webp_quality,
            self.webp_effort,
            self.avif_quality,
            self.avif_effort,
            self.png_compression,
        )
        return hashlib.sha256(repr(parts).encode()).hexdigest()[:8]


def _coerce(name: str, raw: Any, typ: str, meta: Mapping[str, Any]) -> Any:
    env_name = ENV_PREFIX + name.upper()
    optional = "None" in typ
    if optional and (raw is None or raw == ""):
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
        kind = typ.split(" ")[0]
        raise SettingsError(f"{env_name}: expected {kind}, got {raw!r}") from None
    lo, hi, choices = meta.get("lo"), meta.get("hi"), meta.get("choices")
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        bounds = f"between {lo} and {hi}" if hi is not None else f"at least {lo}"
        raise SettingsError(f"{env_name}: must be {bounds}, got {raw!r}")
    if choices and value not in choices:
        raise SettingsError(f"{env_name}: must be one of {', '.join(choices)}, got {raw!r}")
    return value


def _validate_urls(s: Settings) -> None:
    if not (s.database_url.startswith("sqlite:///") or s.database_url.startswith("postgresql://")):
        raise SettingsError(
            f"IMGEDGE_DATABASE_URL: expected sqlite:///path or postgresql://…, "
            f"got {s.database_url!r}"
        )
    if not (s.cache_url == "none" or s.cache_url.startswith(("file://", "redis://"))):
        raise SettingsError(
            f"IMGEDGE_CACHE_URL: expected file://dir, redis://… or none, got {s.cache_url!r}"
        )
    if not s.originals_url.startswith("file://") or s.originals_url == "file://":
        raise SettingsError(f"IMGEDGE_ORIGINALS_URL: expected file://dir, got {s.originals_url!r}")


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
    elif CONFIG_ENV in env:
        raise SettingsError(f"{CONFIG_ENV}: no such file {path}")
    known = {f.name: f for f in fields(Settings)}
    for key in layered:
        if key not in known:
            raise SettingsError(f"{path}: unknown setting {key!r}")
    for name in known:
        env_name = ENV_PREFIX + name.upper()
        if env_name in env:
            layered[name] = env[env_name]
    values = {
        name: _coerce(name, raw, str(known[name].type), known[name].metadata)
        for name, raw in layered.items()
    }
    settings = Settings(**values)
    _validate_urls(settings)
    for host in settings.remote_image_host_set:
        if not _HOST_NAME.match(host):
            raise SettingsError(
                f"IMGEDGE_REMOTE_IMAGE_HOSTS: {host!r} is not a plain host name "
                "(no scheme, port, path or user)"
            )
    if settings.match_suggest > settings.match_auto_link:
        raise SettingsError(
            "IMGEDGE_MATCH_SUGGEST: must not be above IMGEDGE_MATCH_AUTO_LINK "
            f"({settings.match_suggest} > {settings.match_auto_link})"
        )
    return settings


def describe() -> list[tuple[str, str, str]]:
    """(environment name, default, meaning) for every setting, for docs and `--help`."""
    return [
        (ENV_PREFIX + f.name.upper(), repr(f.default), f.metadata.get("help", ""))
        for f in fields(Settings)
    ]
