"""`edge.logs`: JSON lines carry time, level, logger and message (or an access line's
fields) and the traceback; `configure_logging` sends uvicorn's lines through the same
handler and silences uvicorn's access log."""

from __future__ import annotations

import io
import json
import logging
import re
import sys
from collections.abc import Iterator

import pytest

from edge.logs import JsonFormatter, configure_logging


@pytest.fixture
def restored_logging() -> Iterator[None]:
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    loggers = [logging.getLogger(n) for n in ("uvicorn", "uvicorn.error", "uvicorn.access")]
    uvicorn = {lg.name: (lg.handlers[:], lg.propagate, lg.level) for lg in loggers}
    yield
    root.handlers[:], level = saved
    root.setLevel(level)
    for name, (handlers, propagate, own_level) in uvicorn.items():
        logger = logging.getLogger(name)
        logger.handlers[:] = handlers
        logger.propagate = propagate
        logger.setLevel(own_level)


def _record(msg: object, *args: object, exc: bool = False) -> logging.LogRecord:
    info = None
    if exc:
        try:
            raise ValueError("boom")
        except ValueError:
            info = sys.exc_info()
    return logging.LogRecord("imgedge.test", logging.WARNING, __file__, 1, msg, args, info)


def test_a_message_with_its_traceback_is_one_json_line():
    line = JsonFormatter().format(_record("cache %s failing\nnext", "disk", exc=True))
    assert "\n" not in line
    parsed = json.loads(line)
    assert parsed["level"] == "warning" and parsed["logger"] == "imgedge.test"
    assert parsed["message"] == "cache disk failing\nnext"
    assert "ValueError: boom" in parsed["exception"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", parsed["time"])


def test_an_object_with_fields_is_spread_into_the_line():
    class Line:
        def fields(self) -> dict[str, object]:
            return {"status": 200, "route": "/img/{product}/{size}"}

    parsed = json.loads(JsonFormatter().format(_record(Line())))
    assert parsed["status"] == 200 and "message" not in parsed


@pytest.mark.usefixtures("restored_logging")
def test_uvicorn_logs_in_our_format_and_its_access_log_is_silent():
    logging.getLogger("uvicorn.error").setLevel(logging.WARNING)  # as a past uvicorn left it
    out = io.StringIO()
    configure_logging("info", "json", stream=out)
    logging.getLogger("uvicorn.error").info("Started server process [%d]", 1)
    logging.getLogger("uvicorn.access").info("plain access line")
    logging.getLogger("pyvips").info("chatter")
    [line] = out.getvalue().splitlines()
    assert json.loads(line)["message"] == "Started server process [1]"
