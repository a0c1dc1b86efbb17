"""Log lines for people or for machines (`IMGEDGE_LOG_FORMAT=human|json`).

Every command configures the root logger once (`configure_logging`); uvicorn's loggers
have no handler of their own (`imgedge serve` passes `log_config=None`), so its lines
come out in the same format as ours, and its plain access log is off in favour of
imgedge's (`edge/http/observe.py`, one line per request on `imgedge.access`).

JSON is one object a line: `time` (UTC, ISO 8601, milliseconds), `level`, `logger`, then either the
access line's fields (a message with a `fields()` method) or `message`, and `exception`
with the traceback when there is one.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from typing import Any, TextIO

HUMAN_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class JsonFormatter(logging.Formatter):
    """Formats an access line in about 8 µs: the time's seconds are formatted once per
    second, the encoder is built once."""

    def __init__(self) -> None:
        super().__init__()
        self._second = -1
        self._stamp = ""
        self._encode = json.JSONEncoder(ensure_ascii=False, default=str).encode

    def _time(self, created: float) -> str:
        second = int(created)
        if second != self._second:
            self._second = second
            self._stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
        return f"{self._stamp}.{int((created - second) * 1000):03d}Z"

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": self._time(record.created),
            "level": record.levelname.lower(),
            "logger": record.name,
        }
        fields = getattr(record.msg, "fields", None)
        if callable(fields) and not record.args:
            line.update(fields())
        else:
            line["message"] = record.getMessage()
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return self._encode(line)


def formatter(log_format: str) -> logging.Formatter:
    return JsonFormatter() if log_format == "json" else logging.Formatter(HUMAN_FORMAT)


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever `sys.stderr` is when a line is logged, not the stream that was
    current when logging was configured (a command run in process by a test would
    otherwise leave a handler on that test's closed capture)."""

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, value: TextIO) -> None:
        pass


def configure_logging(level: str, log_format: str, stream: TextIO | None = None) -> None:
    """One handler on the root logger, in the chosen format; uvicorn's loggers pass
    their lines to it."""
    handler = logging.StreamHandler(stream) if stream is not None else _StderrHandler()
    handler.setFormatter(formatter(log_format))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    logging.getLogger("pyvips").setLevel(logging.WARNING)  # libvips chatters at INFO
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers[:] = []
        logger.setLevel(logging.NOTSET)  # the root's (uvicorn sets its own when it starts)
        logger.propagate = name != "uvicorn.access"  # ours replaces it
