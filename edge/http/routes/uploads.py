"""`POST /api/images/upload`: add images to a canonical product (curator) or a store
product's own custom images (its store, or the curator), as the original ImageUploader.

multipart/form-data fields: `file` (1 to `upload_max_files` of them), exactly one of
`canonicalProductId` / `productId`, `isPrimary` (applies to the first file), `sortOrder`
(of the first file; the next files follow). The body is read with a size limit; every
file is examined (type by magic bytes, header against the pixel limit, a full decode for
the placeholder) before any is stored, so a bad file stores nothing. A custom upload
turns the product's override on: that is what a store uploads its own image for.
"""

from __future__ import annotations

from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Message, Receive

from edge.errors import BadRequest, PayloadTooLarge
from edge.http import payloads
from edge.http.auth import require_actor
from edge.http.bodies import UploadForm
from edge.http.decoding import decode_fields
from edge.http.encoding import json_response
from edge.http.routes import services
from edge.services import Services

MAX_FIELD_BYTES = 1024
FORM_OVERHEAD_BYTES = 64 * 1024  # part headers and the small fields around the files


def _limited(receive: Receive, max_bytes: int) -> Receive:
    """A receive channel that stops the request once its body passes `max_bytes`."""
    seen = 0

    async def limited_receive() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > max_bytes:
                raise PayloadTooLarge(f"upload over {max_bytes} bytes", code="upload_too_large")
        return message

    return limited_receive


async def _read_form(request: Request, svc: Services) -> FormData:
    s = svc.settings.uploads
    max_body = s.max_files * s.max_file_bytes + FORM_OVERHEAD_BYTES
    declared = request.headers.get("content-length", "")
    if declared.isascii() and declared.isdigit() and int(declared) > max_body:
        raise PayloadTooLarge(f"upload over {max_body} bytes", code="upload_too_large")
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise BadRequest("send multipart/form-data", code="invalid_multipart")
    limited = Request(request.scope, receive=_limited(request.receive, max_body))
    # Starlette turns parser errors (too many files or fields, malformed parts) into 400s.
    return await limited.form(max_files=s.max_files, max_fields=20, max_part_size=MAX_FIELD_BYTES)


def _files(form: FormData, svc: Services) -> list[UploadFile]:
    parts = form.getlist("file")
    files = [f for f in parts if isinstance(f, UploadFile)]
    if not files or len(files) != len(parts):
        raise BadRequest("at least one `file` part is required", code="file_missing")
    max_file = svc.settings.uploads.max_file_bytes
    for n, f in enumerate(files):
        if f.size is not None and f.size > max_file:
            raise PayloadTooLarge(
                f"file {n} ({f.filename!r}) is over {max_file} bytes", code="file_too_large"
            )
    return files


async def _read_files(files: list[UploadFile]) -> list[bytes]:
    return [await f.read() for f in files]


async def upload_images(request: Request) -> Response:
    svc = services(request)
    actor = await require_actor(request, svc.settings, svc.catalog)
    form = await _read_form(request, svc)
    try:
        files = _files(form, svc)
        fields = decode_fields(
            {k: v for k, v in form.multi_items() if isinstance(v, str)}, UploadForm
        )
        owner = await svc.images.upload_owner(
            actor, canonical_id=fields.canonicalProductId, product_id=fields.productId
        )
        data = await _read_files(files)
    finally:
        await form.close()
    results = await svc.images.upload(
        owner, data, is_primary=fields.isPrimary, sort_order=fields.sortOrder
    )
    created = any(r.created for r in results)
    return json_response(payloads.upload_result(results), status_code=201 if created else 200)
