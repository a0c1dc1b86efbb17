"""Requests in: a JSON body or form fields decoded into their declared `edge.http.bodies`
type, with a size limit; anything else is a 400 naming the field."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TypeVar

import msgspec
from starlette.requests import Request

from edge.errors import BadRequest

T = TypeVar("T")
MAX_JSON_BYTES = 1024 * 1024
_PATH = re.compile(r" - at `\$\.?(?P<path>[^`]*)`\Z")
_MISSING = re.compile(r"\AObject missing required field `(?P<field>[^`]+)`")


def field_of(exc: msgspec.ValidationError) -> str | None:
    """The field a validation error is about (`products[3].name`), None for the body."""
    message = str(exc)
    if (at := _PATH.search(message)) is not None:
        return at["path"] or None
    if (missing := _MISSING.match(message)) is not None:
        return missing["field"]
    return None


def bad_field(exc: msgspec.ValidationError, code: str = "invalid_field") -> BadRequest:
    """A 400 for a body that decoded as JSON but breaks its declaration. A missing or
    unknown `action` (the tag of the PATCH and match bodies) has its own code."""
    field = field_of(exc)
    if field is None and str(exc).startswith("Expected `object`"):
        return BadRequest("body must be a JSON object", code="invalid_json")
    return BadRequest(str(exc), code="invalid_action" if field == "action" else code)


async def read_body(
    request: Request,
    type_: type[T],
    *,
    max_bytes: int = MAX_JSON_BYTES,
    invalid: str = "invalid_field",
) -> T:
    """The request body as JSON of `type_`, read with a size limit; `invalid` is the error
    code of a body that is JSON but not of that type."""
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > max_bytes:
            raise BadRequest(f"body over {max_bytes} bytes", code="body_too_large")
    return decode_json(bytes(body), type_, invalid=invalid)


def decode_json(data: bytes, type_: type[T], *, invalid: str = "invalid_field") -> T:
    try:
        return msgspec.json.decode(data, type=type_)
    except msgspec.ValidationError as exc:
        raise bad_field(exc, invalid) from None
    except msgspec.DecodeError:
        raise BadRequest("body is not valid JSON (UTF-8)", code="invalid_json") from None


def decode_fields(fields: Mapping[str, str], type_: type[T]) -> T:
    """Form fields (strings) as `type_`; an empty field counts as absent."""
    present = {name: value for name, value in fields.items() if value != ""}
    try:
        return msgspec.convert(present, type_, strict=False)
    except msgspec.ValidationError as exc:
        raise bad_field(exc) from None
