"""Settings for every imgedge command: defaults < TOML file < IMGEDGE_* environment."""

from config.settings import Settings, SettingsError, describe, load_settings

__all__ = ["Settings", "SettingsError", "describe", "load_settings"]
