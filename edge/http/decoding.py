"""Requests in: a JSON body or form fields decoded into their declared `edge.http.bodies`
type, with a size limit; anything else is a 400 naming the field.

After decoding, every string of the body is checked once here (`edge.http.text`): broken
text (a lone surrogate, a NUL) is a 400 `invalid_text` naming the field, so no route and
no backend ever sees it. msgspec refuses a lone-surrogate escape as malformed JSON; the
standard library's parser, which takes it, then tells which field it was in
(`loose_json`), so the client learns what to fix. Integer form fields are parsed by
`edge.http.ids` (ASCII digits only), like ids in paths and queries.
"""

from __future__ import annotations

import json
import re
from collections.abc import Hashable, Mapping
from functools import cache
from typing import Any, NoReturn, TypeVar, cast

import msgspec
from starlette.requests import Request

from edge.errors import BadRequest
from edge.http.ids import parse_int
from edge.http.text import broken_text, shown

T = TypeVar("T")
MAX_JSON_BYTES = 1024 * 1024
_PATH = re.compile(r" - at `\$\.?(?P<path>[^`]*)`\Z")
_MISSING = re.compile(r"\AObject missing required field `(?P<field>[^`]+)`")
TOO_DEEP = "body is nested too deeply"


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
    return BadRequest(shown(str(exc)), code="invalid_action" if field == "action" else code)


def bad_text(found: tuple[str, str]) -> BadRequest:
    field, problem = found
    return BadRequest(f"{field or 'body'} {problem}", code="invalid_text")


async def read_bytes(request: Request, max_bytes: int = MAX_JSON_BYTES) -> bytes:
    """The request body, read with a size limit."""
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > max_bytes:
            raise BadRequest(f"body over {max_bytes} bytes", code="body_too_large")
    return bytes(body)


async def read_body(
    request: Request,
    type_: type[T],
    *,
    max_bytes: int = MAX_JSON_BYTES,
    invalid: str = "invalid_field",
) -> T:
    """The request body as JSON of `type_`, read with a size limit; `invalid` is the error
    code of a body that is JSON but not of that type."""
    return decode_json(await read_bytes(request, max_bytes), type_, invalid=invalid)


def decode_json(data: bytes, type_: type[T], *, invalid: str = "invalid_field") -> T:
    try:
        decoded = msgspec.json.decode(data, type=type_)
    except msgspec.ValidationError as exc:
        raise bad_field(exc, invalid) from None
    except msgspec.DecodeError:
        not_json(data)
    except RecursionError:
        raise BadRequest(TOO_DEEP, code="invalid_json") from None
    if (found := broken_text(decoded)) is not None:
        raise bad_text(found)
    return decoded


def not_json(data: bytes) -> NoReturn:
    """The 400 for a body msgspec refused: `invalid_text` naming the field when only broken
    text stood in the way, else `invalid_json`."""
    loose = loose_json(data)
    if loose is not None and (found := broken_text(loose[0])) is not None:
        raise bad_text(found)
    raise BadRequest("body is not valid JSON (UTF-8)", code="invalid_json")


def _no_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not JSON")


def loose_json(data: bytes) -> tuple[Any] | None:
    """`data` parsed as JSON that may hold broken text (lone-surrogate escapes are kept as
    such, bytes that are not UTF-8 become lone surrogates, see `edge.http.text`), in a
    1-tuple; None if it is not JSON even so. Only for bodies msgspec refused."""
    try:
        text = data.decode("utf-8", "surrogateescape")
        return (json.loads(text, parse_constant=_no_constant),)
    except RecursionError:
        raise BadRequest(TOO_DEEP, code="invalid_json") from None
    except ValueError:  # json.JSONDecodeError, NaN or Infinity
        return None


@cache
def _int_fields(type_: Hashable) -> frozenset[str]:
    """The fields of a struct that take an integer (alone or in a union)."""
    info = msgspec.inspect.type_info(type_)
    assert isinstance(info, msgspec.inspect.StructType)
    names = set()
    for f in info.fields:
        kinds = f.type.types if isinstance(f.type, msgspec.inspect.UnionType) else (f.type,)
        while any(isinstance(kind, msgspec.inspect.Metadata) for kind in kinds):
            kinds = tuple(k.type if isinstance(k, msgspec.inspect.Metadata) else k for k in kinds)
        if any(isinstance(kind, msgspec.inspect.IntType) for kind in kinds):
            names.add(f.encode_name)
    return frozenset(names)


def decode_fields(fields: Mapping[str, str], type_: type[T]) -> T:
    """Form fields (strings) as `type_`; an empty field counts as absent. Integers are
    ASCII digits (`edge.http.ids`); their range is the declaration's."""
    if (found := broken_text(dict(fields))) is not None:
        raise bad_text(found)
    present: dict[str, Any] = {name: value for name, value in fields.items() if value != ""}
    for name in _int_fields(cast(Hashable, type_)) & present.keys():
        present[name] = parse_int(present[name], name)
    try:
        return msgspec.convert(present, type_, strict=False)
    except msgspec.ValidationError as exc:
        raise bad_field(exc) from None
