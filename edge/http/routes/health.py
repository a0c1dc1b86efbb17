"""Liveness and readiness.

`/readyz` checks each dependency at once, each within `CHECK_TIMEOUT_S`, and names the
ones that are down, never their error text (that goes to the log): a connection error
can carry host names, users and paths. Not ready (503) when the catalog or the originals
store is down, since an uncached image cannot be served; `degraded` (200) when only the
shared cache tier is down, since every process then serves from memory and renders the
rest (taking all of them out of a load balancer for it would be an outage).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response

from edge.http.bodies import Dependency, ErrorBody, ErrorDetail, Health, Ready
from edge.http.encoding import json_response
from edge.http.routes import services
from edge.imaging.formats import Format
from edge.services import Services
from edge.storage.cache.base import VariantKey

log = logging.getLogger(__name__)

CHECK_TIMEOUT_S = 2.0
_PROBE_KEY = VariantKey("0" * 64, 1, Format.JPEG, "readyz")  # no variant: a read finds nothing
_NOT_READY_WITHOUT: tuple[Dependency, ...] = ("catalog", "originals")


async def healthz(request: Request) -> Response:
    """Alive and started: the lifespan has opened every part, so /img can be served."""
    services(request)
    return json_response(Health("ok"))


async def readyz(request: Request) -> Response:
    checks = _checks(services(request))
    results = await asyncio.gather(*(_is_up(name, check) for name, check in checks.items()))
    down = [name for name, up in zip(checks, results, strict=True) if not up]
    if any(name in _NOT_READY_WITHOUT for name in down):
        error = ErrorDetail("not_ready", f"down: {', '.join(down)}")
        return json_response(ErrorBody(error), status_code=503)
    return json_response(Ready("degraded", down) if down else Ready("ready"))


def _checks(svc: Services) -> dict[Dependency, Callable[[], Awaitable[object]]]:
    checks: dict[Dependency, Callable[[], Awaitable[object]]] = {
        "catalog": svc.catalog.ping,
        "originals": svc.originals.ping,
    }
    shared = svc.cache.shared
    if shared is not None:
        checks["cache"] = lambda: shared.get(_PROBE_KEY)
    return checks


async def _is_up(name: Dependency, check: Callable[[], Awaitable[object]]) -> bool:
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_S):
            await check()
    except TimeoutError:
        log.warning("readyz: %s did not answer within %s s", name, CHECK_TIMEOUT_S)
        return False
    except Exception as exc:  # a probe reports any failure as down; the text stays here
        log.warning("readyz: %s is down: %s", name, exc)
        return False
    return True
