"""The connection layer under the app: the limits uvicorn's httptools protocol lacks.

Measured on uvicorn 0.54 with httptools (`loadtests/attack_transport.py`): a request head
of any size is accumulated (one 48 MB header costs 2.3 s of CPU on the event loop, and
/healthz waits), a connection that sends nothing, or a header byte a second, is kept
forever (the keep-alive timer is armed only after a response), and a request body may
pause forever. uvicorn's own knobs do not close these: `limit_concurrency` answers 503 to
*requests* once *connections* reach the limit, so idle connections would deny service to
everyone; `--http h11` with `h11_max_incomplete_event_size` bounds the head but answers
400, has no head or body timeout and puts a pure-Python parser on the hot path.

`LimitedHttpToolsProtocol` keeps httptools and adds, per connection:

- **head size**: bytes are counted before the parser sees them, so at most
  `max_head_bytes` of a head is ever parsed; past it → 431. One header line (name and
  value) past `max_field_bytes` → 431, a request target past it → 414.
- **head timeout**: a request head must be complete within `head_timeout_s` of the
  connection being ready for it (accepted, or the previous response sent), however
  slowly it trickles → 408 (a connection that sent nothing is closed silently). One
  sweep per server and per `head_timeout_s / 10` (at most 1 s) enforces it: no timer per
  request on the hot path.
- **body timeout**: while a body is received, at most `body_timeout_s` without a byte
  (time the app is not reading, flow control paused, does not count) → 408 when nothing
  was answered yet, then close.
- **connection cap**: at most `max_connections` open. At the cap a new connection evicts
  the oldest idle one (nothing in flight: keep-alive, or still sending its head); when
  every connection is busy the new one is closed at once. Idle connections never deny
  service to a request, as `limit_concurrency` would.

**Early answers**: with `early` given (`edge.http.hits.WireHits`), a request is offered
to it as soon as its head is parsed, and the answer it returns is written without an
ASGI cycle; only a request the app's cycle would answer the same way and in the same
order is offered (`_may_answer_early`).

Rejections are JSON error answers with `Connection: close`; the connection then stops
writing and drains what the client still sends for a moment (a lingering close), so the
client reads the status instead of a reset. Each is logged once, at debug, with its
reason: uvicorn's own warning for a request its parser refused ("Invalid HTTP request
received.", which a limit also raises) is dropped, so a flood of hostile requests is no
flood of warnings.
"""

from __future__ import annotations

import asyncio
import json
import logging
import resource
from dataclasses import dataclass
from typing import ClassVar, Protocol

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from config.settings import ServerSettings
from edge.http.security_headers import ERROR_CSP

log = logging.getLogger(__name__)

# A scope extension: the early answers were offered this request and left it to the app.
ASKED_EARLY = "imgedge.asked_early"
LINGER_S = 2.0  # after a rejection: how long the client's remaining bytes are drained
LINGER_BYTES = 1 << 20  # … and how many


@dataclass(frozen=True, slots=True)
class TransportLimits:
    max_head_bytes: int = 32 * 1024
    max_field_bytes: int = 8 * 1024
    head_timeout_s: float = 10.0
    body_timeout_s: float = 30.0
    max_connections: int = 1000

    @classmethod
    def from_settings(cls, s: ServerSettings) -> TransportLimits:
        return cls(
            max_head_bytes=s.http_max_header_kb * 1024,
            max_field_bytes=s.http_max_header_field_kb * 1024,
            head_timeout_s=s.http_header_timeout_s,
            body_timeout_s=s.http_body_timeout_s,
            max_connections=s.http_max_connections,
        )


Headers = list[tuple[bytes, bytes]]


class EarlyAnswers(Protocol):
    """What may answer a request as soon as its head is parsed (`edge.http.hits`)."""

    def answer(
        self, method: bytes, target: bytes, headers: Headers, default_headers: Headers
    ) -> list[bytes] | None:
        """The whole answer as bytes to write, or None to leave the request to the app."""


class _Rejected(Exception):
    """Raised from a parser callback to stop the parser; the status is on the protocol."""


# What uvicorn's httptools protocol logs at warning for every request its parser refuses;
# `_reject` logs each rejection itself, once, with the real reason.
_UVICORN_PARSER_ERROR = "Invalid HTTP request received."


class _UvicornLog(logging.LoggerAdapter):  # type: ignore[type-arg]
    """uvicorn's error logger, without its per-request parser warning."""

    @property
    def level(self) -> int:  # uvicorn reads `logger.level` to decide on trace logs
        level: int = self.logger.level
        return level

    def warning(self, msg: object, *args: object, **kwargs: object) -> None:
        if msg != _UVICORN_PARSER_ERROR:
            self.logger.warning(msg, *args, **kwargs)


_UVICORN_LOG = _UvicornLog(logging.getLogger("uvicorn.error"), {})


_REASONS = {
    400: ("bad_request", "malformed HTTP request"),
    408: ("request_timeout", "the request was not received in time"),
    414: ("uri_too_long", "request target too long"),
    431: ("headers_too_large", "request headers too large"),
}


def _error_answer(status: int) -> bytes:
    code, message = _REASONS[status]
    body = json.dumps({"error": {"code": code, "message": message}}).encode()
    head = (
        f"HTTP/1.1 {status} {code.replace('_', ' ').title()}\r\n"
        "content-type: application/json\r\n"
        f"content-length: {len(body)}\r\n"
        "x-content-type-options: nosniff\r\n"
        f"content-security-policy: {ERROR_CSP}\r\n"
        "connection: close\r\n\r\n"
    )
    return head.encode() + body


_ANSWERS = {status: _error_answer(status) for status in _REASONS}


class CoalescingTransport:
    """A connection's transport whose writes of one event-loop step leave as one.

    uvicorn writes a response's head and its body separately, and uvloop sends each at
    once: two `send` calls and, with TCP_NODELAY, two segments per small answer (a
    cache hit). Here the writes of a step are kept and handed over together at the end
    of the step (`writelines`: one `writev`, nothing copied); closing or half-closing
    hands them over first, aborting drops them. Everything else is the transport's."""

    __slots__ = ("_loop", "_pending", "_transport")

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._pending: list[bytes] = []

    def write(self, data: bytes) -> None:
        if not data:
            return
        if not self._pending:
            self._loop.call_soon(self.flush)
        self._pending.append(data)

    def writelines(self, parts: list[bytes]) -> None:
        if not self._pending:
            self._loop.call_soon(self.flush)
        self._pending += parts

    def flush(self) -> None:
        if not self._pending:
            return
        pending, self._pending = self._pending, []
        if self._transport.is_closing():
            return  # gone meanwhile: nothing can be sent
        if len(pending) == 1:
            self._transport.write(pending[0])
        else:
            self._transport.writelines(pending)

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def write_eof(self) -> None:
        self.flush()
        self._transport.write_eof()

    def abort(self) -> None:
        self._pending.clear()
        self._transport.abort()

    def get_write_buffer_size(self) -> int:
        return self._transport.get_write_buffer_size() + sum(map(len, self._pending))

    def __getattr__(self, name: str) -> object:
        return getattr(self._transport, name)


class LimitedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with head, timeout and connection limits.

    Use `protocol_class(limits)`: the limits and the idle-connection registry belong to
    one server, so each server gets its own subclass.

    Head timeouts cost no timer per request: a connection waiting for a head sits in
    `idle` (insertion order is the order it started waiting), and one sweep per server
    closes those waiting longer than the limit, oldest first, stopping at the first that
    is not; the same registry names the connections a new one may evict."""

    limits: ClassVar[TransportLimits] = TransportLimits()
    early: ClassVar[EarlyAnswers | None] = None
    # Connections waiting for a head with nothing in flight → since when (loop time).
    idle: ClassVar[dict[LimitedHttpToolsProtocol, float]] = {}
    sweeping: ClassVar[bool] = False

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        # The protocol and its request cycles write through it; flow control (uvicorn's
        # FlowControl, set up above) stays on the transport itself.
        self.transport = CoalescingTransport(transport, self.loop)  # type: ignore[assignment]
        self.logger = _UVICORN_LOG  # type: ignore[assignment]
        self._reading_head = True
        self._head_bytes = 0
        self._in_body = False
        self._last_read = self.loop.time()
        self._status: int | None = None  # the rejection being sent
        self._reason = ""  # … and why, for the log
        self._lingering = 0
        self._body_timer: asyncio.TimerHandle | None = None
        self._answered_early = False  # this request's answer is written: no app cycle
        if len(self.connections) > self.limits.max_connections and not self._evict_one():
            log.warning("connection limit reached and every connection busy: refusing one")
            transport.abort()
            return
        self._wait_for_head()

    def connection_lost(self, exc: Exception | None) -> None:
        self.idle.pop(self, None)
        self._cancel_body_timer()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._status is not None:  # lingering after a rejection: drain, do not parse
            self._lingering += len(data)
            if self._lingering > LINGER_BYTES:
                self.transport.abort()
            return
        while data and self._reading_head:
            room = self.limits.max_head_bytes - self._head_bytes
            if room <= 0:
                self._reject(431, f"request head over {self.limits.max_head_bytes} bytes")
                return
            part, data = data[:room], data[room:]
            self._head_bytes += len(part)
            super().data_received(part)
            if self._status is not None or self.transport.is_closing():
                return
        if data:
            super().data_received(data)  # the body (and any pipelined head: one read at most)
        if self._in_body:
            self._last_read = self.loop.time()
            if self._body_timer is None:
                self._body_timer = self.loop.call_later(
                    self.limits.body_timeout_s, self._body_timeout
                )

    # --- parser callbacks ---------------------------------------------------------------

    def on_headers_complete(self) -> None:
        if self._head_bytes > self.limits.max_field_bytes:  # else no field can be over
            self._check_fields()
        self._reading_head = False
        self._in_body = True
        self.idle.pop(self, None)
        if self.early is not None and self._may_answer_early():
            try:
                answer = self.early.answer(
                    self.parser.get_method(),
                    self.url,
                    self.headers,
                    self.server_state.default_headers,
                )
            except Exception:  # a bug there: logged, and the app answers (the parser
                # would have turned it into a 400 for a request that was fine)
                log.exception("the early answer failed; the app answers instead")
                answer = None
            if answer is not None:
                self._answered_early = True
                self.transport.writelines(answer)
                return
            # An ASGI extension telling the app's own hit path not to ask again.
            self.scope.setdefault("extensions", {})[ASKED_EARLY] = {}
        super().on_headers_complete()

    def _may_answer_early(self) -> bool:
        """Only what the app's cycle would answer the same way, in order: nothing of
        this connection in the app or queued for it, a keep-alive HTTP/1.1 request
        without `Expect` or upgrade, and a client that reads what it is sent (with its
        writes paused the app's cycle waits; a reply written here would pile up)."""
        return (
            (self.cycle is None or self.cycle.response_complete)
            and not self.pipeline
            and not self.expect_100_continue
            and not self.flow.write_paused
            and self.parser.should_keep_alive()
            and self.parser.get_http_version() == "1.1"
            and not self.parser.should_upgrade()
        )

    def on_body(self, body: bytes) -> None:
        if not self._answered_early:  # (a body sent with a GET answered early is dropped)
            super().on_body(body)

    def on_message_complete(self) -> None:
        self._in_body = False
        self._reading_head = True
        self._head_bytes = 0
        self._cancel_body_timer()
        if self._answered_early:
            self._answered_early = False
            self._early_response_complete()
            return
        super().on_message_complete()
        if (
            self.cycle is not None
            and self.cycle.response_complete
            and not self.transport.is_closing()
        ):
            # Answered before its body was read: the rest of the body cancelled uvicorn's
            # keep-alive timer, and `on_response_complete` has passed. The next head's
            # wait starts now, or nothing would ever close a silent connection.
            self._wait_for_head()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if self.transport.is_closing() or not self.cycle.response_complete:
            return  # closing, or a pipelined request has started
        if self._reading_head:  # (not while the rest of an unread body still arrives)
            self._wait_for_head()

    def _early_response_complete(self) -> None:
        """What uvicorn does once a cycle's answer is sent (`on_response_complete`),
        for an answer written early: count it, arm the keep-alive timer, wait."""
        self.server_state.total_requests += 1
        if self.transport.is_closing():
            return
        self._unset_keepalive_if_required()
        self.timeout_keep_alive_task = self.loop.call_later(
            self.timeout_keep_alive, self.timeout_keep_alive_handler
        )
        self._wait_for_head()

    def send_400_response(self, msg: str) -> None:
        """Every parser error ends here, including the ones a limit raised."""
        if self._status is None:
            self._reject(400, "malformed request (HTTP parser error)")
        else:
            self._reject(self._status, self._reason)

    # --- limits -------------------------------------------------------------------------

    def _check_fields(self) -> None:
        """The URL and each header line against the field limit (the parser has kept
        them whole, within the head limit); raising stops the parser."""
        limit = self.limits.max_field_bytes
        if len(self.url) > limit:
            self._status, self._reason = 414, f"request target over {limit} bytes"
            raise _Rejected
        for name, value in self.headers:
            if len(name) + len(value) > limit:
                shown = name[:64].decode("latin-1")
                self._status, self._reason = 431, f"header {shown!r} over {limit} bytes"
                raise _Rejected

    def _wait_for_head(self) -> None:
        self.idle.pop(self, None)  # re-inserted: the registry stays in waiting order
        self.idle[self] = self.loop.time()
        cls = type(self)
        if not cls.sweeping:
            cls.sweeping = True
            self.loop.call_later(cls.sweep_interval(), cls.sweep, self.loop)

    @classmethod
    def sweep_interval(cls) -> float:
        return min(1.0, max(0.05, cls.limits.head_timeout_s / 10))

    @classmethod
    def sweep(cls, loop: asyncio.AbstractEventLoop) -> None:
        """Time out the heads that took too long (oldest first); again while any wait."""
        started_before = loop.time() - cls.limits.head_timeout_s
        late = []
        for conn, since in cls.idle.items():
            if since > started_before:
                break
            late.append(conn)
        for conn in late:
            conn._head_timeout()
        if cls.idle:
            loop.call_later(cls.sweep_interval(), cls.sweep, loop)
        else:
            cls.sweeping = False

    def _evict_one(self) -> bool:
        """Close the oldest idle connection (this new one is not idle yet: not in `idle`)."""
        oldest = next(iter(self.idle), None)
        if oldest is None:
            return False
        del self.idle[oldest]
        oldest.transport.abort()  # nothing in flight: nothing to answer
        return True

    def _head_timeout(self) -> None:
        del self.idle[self]
        if self._head_bytes == 0:
            self.transport.close()  # sent nothing of a request: nothing to answer
        else:
            self._reject(408, f"request head not complete in {self.limits.head_timeout_s} s")

    def _body_timeout(self) -> None:
        self._body_timer = None
        if not self._in_body or self.transport.is_closing():
            return
        left = self._last_read + self.limits.body_timeout_s - self.loop.time()
        if left > 0 or self.flow.read_paused:  # it did send; or the app is not reading
            self._body_timer = self.loop.call_later(
                max(left, self.limits.body_timeout_s / 10), self._body_timeout
            )
            return
        if self.cycle is not None and self.cycle.response_started:
            self.transport.close()
        else:
            self._reject(408, f"request body silent for {self.limits.body_timeout_s} s")

    def _reject(self, status: int, reason: str) -> None:
        """Answer `status`, stop writing and drain the client for a moment, then close."""
        log.debug("rejected a request from %s with %d: %s", self.client, status, reason)
        self._status, self._reason = status, reason
        self._cancel_body_timer()
        self.idle.pop(self, None)
        if self.cycle is not None and not self.cycle.response_complete:
            self.cycle.disconnected = True  # the app's answer, if any, is not sent
            self.cycle.message_event.set()
        if self.transport.is_closing():
            return
        self.transport.write(_ANSWERS[status])
        if self.transport.can_write_eof():
            self.transport.write_eof()
            self.flow.resume_reading()
            self.loop.call_later(LINGER_S, self.transport.close)
        else:
            self.transport.close()

    def _cancel_body_timer(self) -> None:
        if self._body_timer is not None:
            self._body_timer.cancel()
            self._body_timer = None


def protocol_class(
    limits: TransportLimits, early: EarlyAnswers | None = None
) -> type[LimitedHttpToolsProtocol]:
    """A protocol class for one server: its limits, its own idle registry and what may
    answer a request as soon as its head is parsed."""

    class ServerProtocol(LimitedHttpToolsProtocol):
        pass

    ServerProtocol.limits = limits
    ServerProtocol.early = early
    ServerProtocol.idle = {}
    ServerProtocol.sweeping = False
    return ServerProtocol


def ensure_file_limit(connections: int, headroom: int = 256) -> None:
    """Raise the soft open-files limit to fit the connection cap (plus files, database
    and cache sockets); past the hard limit, say so: accept() would fail with EMFILE and
    stall every client instead of the cap evicting idle connections."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = connections + headroom
    if soft != resource.RLIM_INFINITY and soft < wanted:
        new = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (new, hard))
        if new < wanted:
            log.warning(
                "open-files limit %d is below IMGEDGE_HTTP_MAX_CONNECTIONS + %d", new, headroom
            )
