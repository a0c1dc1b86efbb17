"""Reading the console's forms (every change but an upload, which has its own reader):
the body is bounded before it is parsed, and no form carries a file. Sign-in takes forms
from anyone, and Starlette's defaults would keep up to a thousand 1 MB fields in memory
and spool any number of files to disk before a handler could refuse them."""

from __future__ import annotations

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request

from edge.errors import BadRequest, PayloadTooLarge
from edge.http.routes.uploads import limited_receive

# A reorder names every image of a set (the largest form): far below this.
MAX_FORM_BYTES = 256 * 1024
MAX_FORM_FIELDS = 2000


async def read_form(request: Request) -> FormData:
    declared = request.headers.get("content-length", "")
    if declared.isascii() and declared.isdigit() and int(declared) > MAX_FORM_BYTES:
        raise PayloadTooLarge(f"form over {MAX_FORM_BYTES} bytes", code="form_too_large")
    bounded = Request(request.scope, limited_receive(request.receive, MAX_FORM_BYTES, "form"))
    try:
        return await bounded.form(
            max_files=0, max_fields=MAX_FORM_FIELDS, max_part_size=MAX_FORM_BYTES
        )
    except HTTPException as exc:  # Starlette's for a malformed form, too many parts, a file
        raise BadRequest(f"the form was refused: {exc.detail}", code="invalid_form") from None
