"""Statuses judged per request: each scenario names the statuses a request may get
(200, 304, 404 only where the catalog says so); anything else is a failure, with the
start of the answer in the message. Requests are named by route template."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

IMG_VERSIONED = "/img/[id]/[size].[fmt]?v="
IMG = "/img/[id]/[size]"


def expect(response: Any, statuses: Collection[int], why: str = "") -> bool:
    """Marks a `catch_response` answer: success when its status is one of `statuses`."""
    code = response.status_code
    if code in statuses:
        response.success()
        return True
    body = (response.text or "")[:200] if code else str(getattr(response, "error", ""))
    expected = "/".join(map(str, sorted(statuses)))
    response.failure(f"status {code}, expected {expected}{why}: {body}")
    return False


def auth(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}
