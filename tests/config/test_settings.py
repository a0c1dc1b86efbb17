"""Settings: defaults < TOML file < environment; bad values name the setting."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from config import (
    CacheSettings,
    MatcherSettings,
    RemoteFetchSettings,
    ServerSettings,
    Settings,
    SettingsError,
    describe,
    load_settings,
)
from config.settings import unknown_env
from edge.imaging.options import EncodeOptions
from edge.imaging.render import variant_pipeline


def test_defaults_without_file_or_environment(tmp_path: Path):
    s = load_settings({}, config_file=tmp_path / "absent.toml")
    assert s == Settings()
    assert s.database_url == "sqlite:///var/imgedge.db"
    assert s.cache.url == "file://var/cache"
    assert (s.server.host, s.server.port) == ("127.0.0.1", 8080)


def test_file_then_environment_wins(tmp_path: Path):
    f = tmp_path / "imgedge.toml"
    f.write_text('port = 9000\nhost = "0.0.0.0"\navif_effort = 5\n')
    s = load_settings({"IMGEDGE_PORT": "9100", "IMGEDGE_CONFIG": str(f)})
    assert (s.server.port, s.server.host, s.render.avif_effort) == (9100, "0.0.0.0", 5)


@pytest.mark.parametrize(
    ("env", "needle"),
    [
        ({"IMGEDGE_PORT": "eighty"}, "IMGEDGE_PORT"),
        ({"IMGEDGE_PORT": "70000"}, "IMGEDGE_PORT"),
        ({"IMGEDGE_AVIF_EFFORT": "12"}, "IMGEDGE_AVIF_EFFORT"),
        ({"IMGEDGE_DATABASE_URL": "mysql://x"}, "IMGEDGE_DATABASE_URL"),
        ({"IMGEDGE_CACHE_URL": "memcached://x"}, "IMGEDGE_CACHE_URL"),
        ({"IMGEDGE_ACCESS_LOG": "maybe"}, "IMGEDGE_ACCESS_LOG"),
        ({"IMGEDGE_LOG_LEVEL": "loud"}, "IMGEDGE_LOG_LEVEL"),
        ({"IMGEDGE_REMOTE_IMAGE_HOSTS": "shop.example@evil.test"}, "IMGEDGE_REMOTE_IMAGE_HOSTS"),
        ({"IMGEDGE_REMOTE_IMAGE_HOSTS": "https://shop.example"}, "IMGEDGE_REMOTE_IMAGE_HOSTS"),
        ({"IMGEDGE_REMOTE_IMAGE_HOSTS": "shop.example:8443"}, "IMGEDGE_REMOTE_IMAGE_HOSTS"),
        ({"IMGEDGE_LOG_FORMAT": "xml"}, "IMGEDGE_LOG_FORMAT: must be one of human, json"),
        ({"IMGEDGE_METRICS_PORT": "0"}, "IMGEDGE_METRICS_PORT: must be between 1 and 65535"),
        ({"IMGEDGE_METRICS_PORT": "8080"}, "IMGEDGE_METRICS_PORT: must differ from IMGEDGE_PORT"),
        ({"IMGEDGE_SERVER_TIMING": "sometimes"}, "IMGEDGE_SERVER_TIMING: expected bool"),
    ],
)
def test_bad_values_name_the_setting(tmp_path: Path, env, needle):
    with pytest.raises(SettingsError) as info:
        load_settings(env, config_file=tmp_path / "absent.toml")
    message = str(info.value)
    assert message.startswith(needle)
    assert "\n" not in message


def test_unknown_key_in_file_is_refused_with_the_closest_name(tmp_path: Path):
    f = tmp_path / "c.toml"
    f.write_text("prot = 1\n")
    with pytest.raises(SettingsError, match=r"'prot' \(did you mean port\?\)"):
        load_settings({}, config_file=f)
    f.write_text("zzzzzz = 1\n")
    with pytest.raises(SettingsError, match=r"'zzzzzz'$"):
        load_settings({}, config_file=f)


def test_unknown_environment_variables_are_named_with_the_closest_setting():
    env = {
        "IMGEDGE_PROT": "1",
        "IMGEDGE_CACHE_UR": "x",
        "IMGEDGE_PORT": "9",  # a setting
        "IMGEDGE_QQQQQQ": "1",
        "IMGEDGE_CONFIG": "c.toml",  # not settings, not typos either
        "IMGEDGE_TEST_POSTGRES_URL": "x",
        "IMGEDGE_LOAD_PRODUCTS": "1-9",
        "PORT": "1",
    }
    assert unknown_env(env) == [
        "IMGEDGE_CACHE_UR is not a setting; ignored (did you mean IMGEDGE_CACHE_URL?)",
        "IMGEDGE_PROT is not a setting; ignored (did you mean IMGEDGE_PORT?)",
        "IMGEDGE_QQQQQQ is not a setting; ignored",
    ]
    assert unknown_env({"IMGEDGE_port": "1"}) != []  # environment names are upper case


def test_no_imgedge_variable_the_repository_uses_is_warned_about():
    """Every `IMGEDGE_*` name in the code, scripts and deployment files is a setting or
    one of the known others (a new test variable would otherwise warn at every start)."""
    root = Path(__file__).resolve().parents[2]
    typos = {"test_settings.py", "test_startup.py"}  # their typos are on purpose
    kinds = ("*.py", "*.toml", "*.yml", "*.yaml", "*.sh", "Makefile", "Dockerfile*", "run")
    used: set[str] = set()
    for kind in kinds:
        for path in root.rglob(kind):
            skip = {".venv", "node_modules", ".git", "var"} & set(path.parts)
            if not skip and path.is_file() and path.name not in typos:
                used |= set(re.findall(r"\bIMGEDGE_[A-Z0-9_]+", path.read_text()))
    names = {name for name in used if not name.endswith("_")}  # prefixes: IMGEDGE_TEST_
    assert {"IMGEDGE_DATABASE_URL", "IMGEDGE_CONFIG", "IMGEDGE_TEST_POSTGRES_URL"} <= names
    assert unknown_env(dict.fromkeys(names, "x")) == []


def test_missing_named_config_file_is_refused(tmp_path: Path):
    with pytest.raises(SettingsError, match="IMGEDGE_CONFIG"):
        load_settings({"IMGEDGE_CONFIG": str(tmp_path / "nope.toml")})


def test_encoder_settings_and_only_they_change_the_variant_pipeline():
    def pipeline(s: Settings) -> str:
        return variant_pipeline(EncodeOptions.from_settings(s))

    assert pipeline(Settings().replace(avif_quality=60)) != pipeline(Settings())
    assert pipeline(Settings().replace(png_compression=9)) != pipeline(Settings())
    assert pipeline(Settings().replace(port=1234, render_workers=7)) == pipeline(Settings())
    assert pipeline(Settings()) == "2.ec335d15"  # the key shape of the cached variants


def test_each_component_checks_its_own_rules():
    with pytest.raises(SettingsError, match="IMGEDGE_MATCH_SUGGEST"):
        MatcherSettings(auto_link=80, suggest=90)
    with pytest.raises(SettingsError, match="IMGEDGE_CACHE_URL"):
        CacheSettings(url="memcached://x")
    with pytest.raises(SettingsError, match="IMGEDGE_REMOTE_IMAGE_HOSTS"):
        RemoteFetchSettings(hosts="https://shop.example")
    with pytest.raises(SettingsError, match="IMGEDGE_ORIGINALS_URL"):
        Settings(originals_url="file://")
    with pytest.raises(SettingsError, match="IMGEDGE_HTTP_MAX_HEADER_FIELD_KB"):
        ServerSettings(http_max_header_kb=4, http_max_header_field_kb=8)


def test_setting_names_are_unique_and_replace_keeps_the_rest():
    names = [name for name, _, _ in describe()]
    assert len(names) == len(set(names)) > 40
    s = Settings().replace(jpeg_quality=90, worker_batch=7)
    assert (s.render.jpeg_quality, s.worker.batch) == (90, 7)
    assert s.replace(port=1).values() == {**s.values(), "port": 1}
    with pytest.raises(SettingsError, match="prot"):
        s.replace(prot=1)


def test_cli_stops_with_one_line_naming_the_setting(tmp_path: Path):
    env = {"IMGEDGE_PORT": "nope", "PATH": "/usr/bin:/bin"}
    run = subprocess.run(
        [sys.executable, "-m", "edge.cli", "migrate"],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert run.returncode == 2
    assert run.stderr.strip().count("\n") == 0
    assert "IMGEDGE_PORT" in run.stderr


def test_remote_image_hosts_are_a_lowercase_set(tmp_path: Path):
    s = load_settings(
        {"IMGEDGE_REMOTE_IMAGE_HOSTS": " Shop.Example, cdn.shop.example,,"},
        config_file=tmp_path / "absent.toml",
    )
    assert s.remote.host_set == frozenset({"shop.example", "cdn.shop.example"})


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [
        ("https://cdn.example.com", "https://cdn.example.com"),
        ("https://CDN.example.com/", "https://cdn.example.com"),
        ("http://127.0.0.1:8081/images//", "http://127.0.0.1:8081/images"),
    ],
)
def test_public_base_url_is_normalized(tmp_path: Path, raw, normalized):
    env = {"IMGEDGE_PUBLIC_BASE_URL": raw}
    assert load_settings(env, tmp_path / "none.toml").server.url_base == normalized


@pytest.mark.parametrize(
    "raw",
    [
        "cdn.example.com",
        "ftp://cdn.example.com",
        "https://",
        "https://cdn.example.com/?a=1",
        "https://cdn.example.com/#x",
        "https://user:pw@cdn.example.com",
        "https://cdn.example.com:99999",
        'https://cdn.example.com/"onerror',
        "https://cdn.example.com/a b",
    ],
)
def test_bad_public_base_urls_are_refused(tmp_path: Path, raw):
    with pytest.raises(SettingsError, match="IMGEDGE_PUBLIC_BASE_URL"):
        load_settings({"IMGEDGE_PUBLIC_BASE_URL": raw}, tmp_path / "none.toml")


def test_unset_public_base_url_means_relative_urls():
    assert Settings().server.url_base == ""


def test_presets_are_parsed_and_checked(tmp_path: Path):
    env = {
        "IMGEDGE_PRESETS": "tile=300x300:cover-attention, card=400x300:cover-centre,wide=1200x400"
    }
    presets = load_settings(env, tmp_path / "none.toml").render.preset_map
    assert [p.spec for p in presets.values()] == [
        "tile=300x300:cover-attention",
        "card=400x300:cover-centre",
        "wide=1200x400:contain",
    ]
    for bad in (
        "tile=300x300:cover",  # the crop must be named
        "small=300x300",  # a size name
        "tile=300x300,tile=200x200",
        "tile=10x300",
        "tile=300x9000",
        "Tile=300x300",
        "tile=300",
    ):
        with pytest.raises(SettingsError, match="IMGEDGE_PRESETS"):
            load_settings({"IMGEDGE_PRESETS": bad}, tmp_path / "none.toml")


def test_webhooks_are_off_until_a_url_is_set_and_then_need_a_secret(tmp_path: Path):
    none = tmp_path / "none.toml"
    assert not load_settings({}, none).webhooks.enabled
    env = {
        "IMGEDGE_WEBHOOK_URL": "https://Hooks.Example.com/in/",
        "IMGEDGE_WEBHOOK_SECRET": "x" * 16,
    }
    hooks = load_settings(env, none).webhooks
    assert hooks.enabled and hooks.url == "https://hooks.example.com/in/"  # path kept
    for secret in ({}, {"IMGEDGE_WEBHOOK_SECRET": "short"}):
        with pytest.raises(SettingsError, match="IMGEDGE_WEBHOOK_SECRET"):
            load_settings({"IMGEDGE_WEBHOOK_URL": "https://hooks.example.com/"} | secret, none)
    for url in ("hooks.example.com", "ftp://hooks.example.com/", "https://u:p@h.example/"):
        with pytest.raises(SettingsError, match="IMGEDGE_WEBHOOK_URL"):
            load_settings(env | {"IMGEDGE_WEBHOOK_URL": url}, none)


def test_observability_defaults_and_an_empty_metrics_port(tmp_path: Path):
    server = load_settings({"IMGEDGE_METRICS_PORT": ""}, config_file=tmp_path / "a.toml").server
    assert (server.metrics_port, server.log_format, server.server_timing) == (None, "human", False)
    assert server.access_log is True
    chosen = load_settings({"IMGEDGE_METRICS_PORT": "9464"}, config_file=tmp_path / "a.toml")
    assert chosen.server.metrics_port == 9464


@pytest.mark.parametrize(
    "env",
    [
        {"IMGEDGE_AVIF_POLICY": "later"},
        {"IMGEDGE_WARM_VARIANTS": "thumbnail"},  # a format is required
        {"IMGEDGE_WARM_VARIANTS": "small.webp,thumbnail.gif"},
    ],
)
def test_background_render_settings_are_checked(tmp_path: Path, env):
    with pytest.raises(SettingsError) as info:
        load_settings(env, config_file=tmp_path / "absent.toml")
    assert str(info.value).startswith(next(iter(env)))


def test_warm_variants_none_and_list(tmp_path: Path):
    absent = tmp_path / "absent.toml"
    assert (
        load_settings({"IMGEDGE_WARM_VARIANTS": "none"}, config_file=absent).render.warm_segments
        == ()
    )
    listed = load_settings({"IMGEDGE_WARM_VARIANTS": "small@2x.avif, tile.jpg"}, config_file=absent)
    assert listed.render.warm_segments == ("small@2x.avif", "tile.jpg")
