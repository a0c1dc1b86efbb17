"""Webhook signatures: `Imgedge-Signature: t=<unix seconds>,v1=<hex>`, where `v1` is
HMAC-SHA256 with the shared secret over `<t>.` followed by the raw body bytes.

A receiver recomputes `v1` over the body exactly as received (before any JSON parsing),
compares in constant time, and refuses a `t` too far from its own clock: a captured
request cannot be replayed later. Each attempt is signed anew, with its own `t`.
"""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE_HEADER = "Imgedge-Signature"
TOLERANCE_S = 300.0  # how far `t` may be from the receiver's clock


def _mac(secret: str, timestamp: int, body: bytes) -> str:
    signed = f"{timestamp}.".encode() + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def sign(secret: str, body: bytes, now: float) -> str:
    """The `Imgedge-Signature` value for `body` sent at `now` (Unix time)."""
    timestamp = int(now)
    return f"t={timestamp},v1={_mac(secret, timestamp, body)}"


def verify(
    secret: str, header: str, body: bytes, *, now: float, tolerance_s: float = TOLERANCE_S
) -> bool:
    """What a receiver does: True when `header` signs `body` with `secret` and its time
    is within `tolerance_s` of `now`. Several `v1` values are accepted (any may match)."""
    parts = [p.partition("=") for p in header.split(",")]
    stamps = [v for k, _, v in parts if k.strip() == "t"]
    macs = [v.strip() for k, _, v in parts if k.strip() == "v1"]
    if len(stamps) != 1 or not stamps[0].strip().isdigit() or not macs:
        return False
    timestamp = int(stamps[0])
    if abs(now - timestamp) > tolerance_s:
        return False
    expected = _mac(secret, timestamp, body)
    return any(hmac.compare_digest(expected, m) for m in macs)
