"""Figures as people read them: shares as percentages, bytes, ages and moments."""

from __future__ import annotations

from datetime import datetime

_BYTE_UNITS = ("bytes", "KiB", "MiB", "GiB", "TiB")


def percent(share: float | None) -> str:
    """0.7234 → "72.3%"; None (a share of nothing) → "–"."""
    return "–" if share is None else f"{share * 100:.1f}%"


def size(n: int) -> str:
    """Bytes in the largest binary unit that keeps the number at least 1: "3.4 MiB"."""
    value, unit = float(n), _BYTE_UNITS[0]
    for unit in _BYTE_UNITS:
        if value < 1024 or unit == _BYTE_UNITS[-1]:
            break
        value /= 1024
    return f"{n} bytes" if unit == "bytes" else f"{value:.1f} {unit}"


def age(seconds: float | None) -> str:
    """How long something has waited: "45 s", "12 min", "3 h 5 min", "2 d 4 h"."""
    if seconds is None:
        return "–"
    s = int(seconds)
    if s < 60:
        return f"{s} s"
    minutes, hours, days = s // 60, s // 3600, s // 86400
    if s < 3600:
        return f"{minutes} min"
    if s < 86400:
        return f"{hours} h {minutes % 60} min"
    return f"{days} d {hours % 24} h"


def moment(when: datetime | None) -> str:
    """A timestamp in UTC to the minute: "2026-12-02 10:54 UTC" ("never" for None)."""
    return "never" if when is None else when.strftime("%Y-%m-%d %H:%M UTC")
