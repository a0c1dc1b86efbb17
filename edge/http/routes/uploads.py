"""`POST /api/images/upload`: add images to a canonical product (curator) or a store
product's own custom images (its store, or the curator), as the original ImageUploader.

multipart/form-data fields: `file` (1 to `upload_max_files` of them), exactly one of
`canonicalProductId` / `productId`, `isPrimary` (applies to the first file), `sortOrder`
(of the first file; the next files follow). The body is read with a size limit; every
file is examined (type by magic bytes, header against the pixel limit, a full decode for
the placeholder) before any is stored, so a bad file stores nothing; each file is
bounded while it streams (`upload_max_mb`), the whole body too. The files are stored
all or none (`Images.upload`). A custom upload turns the product's override on: that
is what a store uploads its own image for.
"""

from __future__ import annotations

from starlette.datastructures import FormData, UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Message, Receive

from config.settings import UploadSettings
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


def limited_receive(receive: Receive, max_bytes: int, what: str = "upload") -> Receive:
    """A receive channel that stops the request once its body passes `max_bytes` (413,
    code `<what>_too_large`)."""
    seen = 0

    async def limited_receive() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > max_bytes:
                raise PayloadTooLarge(f"{what} over {max_bytes} bytes", code=f"{what}_too_large")
        return message

    return limited_receive


class _BoundedMultipart(MultiPartParser):
    """Starlette's multipart parser, with each file bounded while it streams (its own
    `max_part_size` bounds only the small fields): an oversized file is refused as soon
    as its bytes pass the limit, not after the whole request was received."""

    def __init__(self, request: Request, receive: Receive, settings: UploadSettings) -> None:
        limited = Request(request.scope, receive=receive)
        super().__init__(
            request.headers,
            limited.stream(),
            max_files=settings.max_files,
            max_fields=20,
            max_part_size=MAX_FIELD_BYTES,
        )
        self._max_file_bytes = settings.max_file_bytes
        self._file_bytes = 0

    def on_part_begin(self) -> None:
        super().on_part_begin()
        self._file_bytes = 0

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        upload = self._current_part.file
        if upload is not None:
            self._file_bytes += end - start
            if self._file_bytes > self._max_file_bytes:
                raise PayloadTooLarge(
                    f"file {self._current_files - 1} ({upload.filename!r}) is over "
                    f"{self._max_file_bytes} bytes",
                    code="file_too_large",
                )
        super().on_part_data(data, start, end)


async def read_upload_form(request: Request, svc: Services) -> FormData:
    s = svc.settings.uploads
    max_body = s.max_files * s.max_file_bytes + FORM_OVERHEAD_BYTES
    declared = request.headers.get("content-length", "")
    if declared.isascii() and declared.isdigit() and int(declared) > max_body:
        raise PayloadTooLarge(f"upload over {max_body} bytes", code="upload_too_large")
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise BadRequest("send multipart/form-data", code="invalid_multipart")
    parser = _BoundedMultipart(request, limited_receive(request.receive, max_body), s)
    try:
        return await parser.parse()
    except MultiPartException as exc:  # too many files or fields, malformed parts
        raise BadRequest(exc.message, code="invalid_multipart") from None


def upload_files(form: FormData) -> list[UploadFile]:
    parts = form.getlist("file")
    files = [f for f in parts if isinstance(f, UploadFile)]
    if not files or len(files) != len(parts):
        raise BadRequest("at least one `file` part is required", code="file_missing")
    return files


async def read_upload_files(files: list[UploadFile]) -> list[bytes]:
    return [await f.read() for f in files]


async def upload_images(request: Request) -> Response:
    svc = services(request)
    actor = await require_actor(request, svc.settings, svc.catalog)
    form = await read_upload_form(request, svc)
    try:
        files = upload_files(form)
        fields = decode_fields(
            {k: v for k, v in form.multi_items() if isinstance(v, str)}, UploadForm
        )
        owner = await svc.images.upload_owner(
            actor, canonical_id=fields.canonicalProductId, product_id=fields.productId
        )
        data = await read_upload_files(files)
    finally:
        await form.close()
    results = await svc.images.upload(
        owner, data, is_primary=fields.isPrimary, sort_order=fields.sortOrder
    )
    created = any(r.created for r in results)
    return json_response(payloads.upload_result(results), status_code=201 if created else 200)
