"""Settings for every imgedge command: defaults < TOML file < IMGEDGE_* environment."""

from config.settings import (
    CacheSettings,
    ConsoleSettings,
    MatcherSettings,
    RemoteFetchSettings,
    RenderSettings,
    ServerSettings,
    Settings,
    SettingsError,
    UploadSettings,
    WorkerSettings,
    build_settings,
    describe,
    load_settings,
)

__all__ = [
    "CacheSettings",
    "ConsoleSettings",
    "MatcherSettings",
    "RemoteFetchSettings",
    "RenderSettings",
    "ServerSettings",
    "Settings",
    "SettingsError",
    "UploadSettings",
    "WorkerSettings",
    "build_settings",
    "describe",
    "load_settings",
]
