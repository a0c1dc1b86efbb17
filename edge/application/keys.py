"""Store API keys and bearer tokens: generated random, stored only as SHA-256 hashes.

The plain key is handed out once (on creation or rotation) and never stored; whoever
loses it gets a new one. Checking a presented token is the HTTP layer's
(`edge/http/auth.py`).
"""

from __future__ import annotations

import hashlib
import secrets

STORE_KEY_PREFIX = "imgedge_sk_"


def hash_token(token: str) -> str:
    """Tokens are random and long, so one SHA-256 is the right hash (no password KDF)."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_store_key() -> str:
    return STORE_KEY_PREFIX + secrets.token_urlsafe(32)
