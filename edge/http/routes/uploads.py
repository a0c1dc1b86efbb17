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

from typing import Any

from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import Message, Receive

from catalog.models import ImageOwner, ProductImage
from catalog.repository import CatalogError
from catalog.sql_catalog import owner_change
from edge.errors import BadRequest, Forbidden, NotFound, PayloadTooLarge, Unavailable
from edge.http.auth import Actor, require_actor
from edge.http.routes import own_product, services
from edge.imaging.ingest import Examined, attach, examine_off_loop
from edge.imaging.render import Limits
from edge.services import Services
from edge.storage.originals import OriginalsError

MAX_FIELD_BYTES = 1024
FORM_OVERHEAD_BYTES = 64 * 1024  # part headers and the small fields around the files


def image_payload(image: ProductImage) -> dict[str, Any]:
    return {
        "id": image.id,
        "source": str(image.source),
        "canonical_product_id": image.canonical_product_id,
        "store_product_id": image.store_product_id,
        "content_hash": image.content_hash,
        "version": image.version,
        "width": image.width,
        "height": image.height,
        "has_alpha": image.has_alpha,
        "media_type": image.media_type,
        "byte_size": image.byte_size,
        "is_primary": image.is_primary,
        "sort_order": image.sort_order,
        "placeholder": image.placeholder,
    }


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
    s = svc.settings
    max_body = s.upload_max_files * s.upload_max_mb * 1024 * 1024 + FORM_OVERHEAD_BYTES
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_body:
        raise PayloadTooLarge(f"upload over {max_body} bytes", code="upload_too_large")
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise BadRequest("send multipart/form-data", code="invalid_multipart")
    limited = Request(request.scope, receive=_limited(request.receive, max_body))
    # Starlette turns parser errors (too many files or fields, malformed parts) into 400s.
    return await limited.form(
        max_files=s.upload_max_files, max_fields=20, max_part_size=MAX_FIELD_BYTES
    )


def _files(form: FormData, svc: Services) -> list[UploadFile]:
    parts = form.getlist("file")
    files = [f for f in parts if isinstance(f, UploadFile)]
    if not files or len(files) != len(parts):
        raise BadRequest("at least one `file` part is required", code="file_missing")
    max_file = svc.settings.upload_max_mb * 1024 * 1024
    for n, f in enumerate(files):
        if f.size is not None and f.size > max_file:
            raise PayloadTooLarge(
                f"file {n} ({f.filename!r}) is over {max_file} bytes", code="file_too_large"
            )
    return files


def _int_field(form: FormData, name: str) -> int | None:
    raw = form.get(name)
    if raw is None or raw == "":
        return None
    if not isinstance(raw, str) or not raw.isdigit() or len(raw) > 18:
        raise BadRequest(f"{name} must be a non-negative integer", code="invalid_field")
    return int(raw)


def _bool_field(form: FormData, name: str) -> bool:
    raw = form.get(name)
    if raw is None or raw == "":
        return False
    if isinstance(raw, str) and raw.lower() in ("true", "1"):
        return True
    if isinstance(raw, str) and raw.lower() in ("false", "0"):
        return False
    raise BadRequest(f"{name} must be true or false", code="invalid_field")


async def _owner(form: FormData, svc: Services, actor: Actor) -> ImageOwner:
    canonical_id = _int_field(form, "canonicalProductId")
    product_id = _int_field(form, "productId")
    if (canonical_id is None) == (product_id is None):
        raise BadRequest(
            "give exactly one of canonicalProductId and productId", code="invalid_owner"
        )
    if canonical_id is not None:
        if not actor.is_curator:
            raise Forbidden("only a curator changes canonical images", code="curator_only")
        if await svc.catalog.get_canonical_product(canonical_id) is None:
            raise NotFound(f"no canonical product {canonical_id}", code="canonical_not_found")
        return ImageOwner(canonical_product_id=canonical_id)
    assert product_id is not None
    await own_product(svc, actor, product_id)
    return ImageOwner(store_product_id=product_id)


async def _examine_all(files: list[UploadFile], limits: Limits) -> list[Examined]:
    examined = []
    for f in files:
        data = await f.read()
        examined.append(await examine_off_loop(data, limits))
    return examined


async def upload_images(request: Request) -> JSONResponse:
    svc = services(request)
    actor = await require_actor(request, svc.settings, svc.catalog)
    form = await _read_form(request, svc)
    try:
        files = _files(form, svc)
        is_primary = _bool_field(form, "isPrimary")
        sort_order = _int_field(form, "sortOrder")
        try:
            owner = await _owner(form, svc, actor)
        except CatalogError as exc:
            raise Unavailable("the catalog is not answering") from exc
        examined = await _examine_all(files, Limits.from_settings(svc.settings))
    finally:
        await form.close()
    results: list[tuple[ProductImage, bool]] = []
    try:
        for n, item in enumerate(examined):
            results.append(
                await attach(
                    svc.catalog,
                    svc.originals,
                    item,
                    owner,
                    is_primary=is_primary and n == 0,
                    sort_order=None if sort_order is None else sort_order + n,
                )
            )
        if owner.store_product_id is not None:
            await svc.catalog.set_use_custom_image(owner.store_product_id, True)
    except CatalogError as exc:
        raise Unavailable("the catalog is not answering") from exc
    except OriginalsError as exc:
        raise Unavailable("the originals store is not answering") from exc
    # This process sees its own change at once, before the change feed echoes it.
    svc.resolver.apply(owner_change(owner.canonical_product_id, owner.store_product_id))
    created = any(new for _, new in results)
    body = {"images": [image_payload(image) | {"created": new} for image, new in results]}
    return JSONResponse(body, status_code=201 if created else 200)
