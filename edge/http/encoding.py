"""Answers out: a declared body (`edge.http.bodies`) encoded as JSON."""

from __future__ import annotations

from collections.abc import Mapping

import msgspec
from starlette.responses import Response

ENCODER = msgspec.json.Encoder()


def json_response(
    body: msgspec.Struct, status_code: int = 200, headers: Mapping[str, str] | None = None
) -> Response:
    return Response(
        ENCODER.encode(body),
        status_code=status_code,
        headers=headers,
        media_type="application/json",
    )
