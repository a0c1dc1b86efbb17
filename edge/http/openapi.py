"""`GET /openapi.json`: the HTTP contract as an OpenAPI 3.1 document.

The bodies' schemas are generated from their declarations (`edge.http.bodies`); the
paths, parameters and statuses are written here from the code's own constants (sizes,
formats, limits). `tests/edge/http/test_openapi.py` checks that every route is
documented and runs schemathesis against the app: a response the document does not
describe fails the suite.

Limits that are settings (upload size and count, source size) are documented with their
defaults; a deployment may change them.
"""

from __future__ import annotations

import functools
import json
import re
from typing import Any

import msgspec
from starlette.requests import Request
from starlette.responses import JSONResponse

from config import UploadSettings
from edge.http import bodies
from edge.http.bodies import MAX_BATCH, MAX_ID
from edge.http.decoding import MAX_JSON_BYTES
from edge.imaging.formats import Format
from edge.imaging.sizes import SIZES

Schema = dict[str, Any]

ERROR_CODES_DOC = (
    'Every error is JSON `{"error": {"code", "message"}}`; `code` is a stable '
    "machine-readable word (the codes an operation may answer are listed with each status), "
    "`message` a sentence for humans. Never a traceback."
)
IMAGE_MEDIA_TYPES = [fmt.media_type for fmt in Format]

CURATOR_OR_STORE: list[dict[str, list[str]]] = [{"curatorToken": []}, {"storeApiKey": []}]
STORE_ONLY: list[dict[str, list[str]]] = [{"storeApiKey": []}]
PUBLIC: list[dict[str, list[str]]] = []


# --- small schema helpers -------------------------------------------------------------


REF_TEMPLATE = "#/components/schemas/{name}"


def _ref(name: str) -> Schema:
    return {"$ref": REF_TEMPLATE.format(name=name)}


def _nullable(schema: Schema) -> Schema:
    """`schema` or null (3.1: a type list for plain types, else anyOf)."""
    if isinstance(schema.get("type"), str) and "$ref" not in schema:
        return {**schema, "type": [schema["type"], "null"]}
    return {"anyOf": [schema, {"type": "null"}]}


def _obj(
    properties: dict[str, Schema], *, optional: tuple[str, ...] = (), closed: bool = True
) -> Schema:
    """An object whose properties are all required except `optional`; a closed one (the
    answers) fails validation when the code grows a field the document does not name."""
    schema: Schema = {
        "type": "object",
        "properties": properties,
        "required": [name for name in properties if name not in optional],
    }
    if closed:
        schema["additionalProperties"] = False
    return schema


def _int(minimum: int | None = None, **extra: Any) -> Schema:
    schema: Schema = {"type": "integer", **extra}
    if minimum is not None:
        schema["minimum"] = minimum
    return schema


def _str(**extra: Any) -> Schema:
    return {"type": "string", **extra}


# Ids have at most 18 digits in paths, forms and JSON bodies (`edge.http.bodies.MAX_ID`).
ID = _int(1, maximum=MAX_ID, format="int64")
BOOL: Schema = {"type": "boolean"}


# --- responses ------------------------------------------------------------------------

_STATUS_TEXT = {
    400: "Bad request",
    401: "Missing or wrong bearer token",
    403: "The token may not do this",
    404: "Not found",
    409: "Conflicts with the catalog's state",
    413: "Upload too large",
    415: "Not an accepted image type (judged by the bytes)",
    422: "Image refused (over the limits, undecodable, or a refused image URL)",
    502: "The store's remote image could not be fetched",
    503: "A dependency is down, or the render missed its deadline",
}


def _json(schema: Schema, description: str, headers: dict[str, Any] | None = None) -> Schema:
    response: Schema = {
        "description": description,
        "content": {"application/json": {"schema": schema}},
    }
    if headers:
        response["headers"] = headers
    return response


def _error(status: int, *codes: str) -> Schema:
    """An error answer with the shared Error schema; `codes` are the codes it may carry."""
    description = _STATUS_TEXT[status]
    if codes:
        description += ". Codes: " + ", ".join(f"`{c}`" for c in codes)
    headers = None
    if status == 401:
        headers = {
            "WWW-Authenticate": {
                "description": 'Always `Bearer realm="imgedge"`',
                "required": True,
                "schema": _str(pattern="^Bearer"),
            }
        }
    return _json(_ref("ErrorBody"), description, headers)


def _errors(*specs: tuple[int, tuple[str, ...]]) -> dict[str, Schema]:
    return {str(status): _error(status, *codes) for status, codes in specs}


PRODUCT_ID_400 = (400, ("invalid_product_id",))
AUTH_401 = (401, ("token_missing", "token_invalid"))
NOT_YOURS_403 = (403, ("not_your_product",))
UNAVAILABLE_503 = (503, ("unavailable",))
# edge.remote.errors codes that are the remote host's (edge.application.images answers 502).
FETCH_502_REASONS = (
    "http_status",
    "too_large",
    "too_many_redirects",
    "timeout",
    "connect_failed",
    "transfer_failed",
)
SOURCE_422_CODES = ("source_too_large", "source_unreadable", "type_mismatch")
JSON_BODY_400_CODES = ("invalid_json", "body_too_large", "invalid_field")


def _header(description: str, schema: Schema | None = None, required: bool = True) -> Schema:
    return {"description": description, "required": required, "schema": schema or _str()}


IMG_HEADERS = {
    "Cache-Control": _header(
        "`public, max-age=31536000, immutable` for the current `?v=`; else "
        "`public, max-age=<s>, stale-while-revalidate=<s>`"
    ),
    "ETag": _header("Strong entity tag of the variant", _str(pattern='^"')),
    "Vary": _header("`Accept` when the format was negotiated", required=False),
}


# --- parameters -----------------------------------------------------------------------


def _size_pattern() -> str:
    names = "|".join(re.escape(s) for s in SIZES)
    suffixes = "|".join(sorted({str(f) for f in Format} | {"jpeg"}))
    return f"^({names})(@2x)?(\\.({suffixes}))?$"


PARAMETERS: dict[str, Schema] = {
    "product": {
        "name": "product",
        "in": "path",
        "required": True,
        "description": "A store product id (positive integer, at most 18 digits).",
        "schema": _int(1, maximum=MAX_ID, format="int64"),
    },
    "size": {
        "name": "size",
        "in": "path",
        "required": True,
        "description": (
            "`<size>[@2x][.<fmt>]`: "
            + ", ".join(f"`{n}` ({w} px wide)" if w else f"`{n}`" for n, w in SIZES.items())
            + "; `@2x` doubles the width, never beyond the original's; `.<fmt>` forces "
            "the format (`jpeg` = `jpg`), else it is negotiated from `Accept`."
        ),
        "schema": _str(pattern=_size_pattern()),
    },
    "v": {
        "name": "v",
        "in": "query",
        "required": False,
        "description": (
            "The image version the API hands out (from the content hash). The current one "
            "makes the answer immutable; a stale or unknown one gets the short cache policy."
        ),
        "schema": _str(),
    },
    "accept": {
        "name": "Accept",
        "in": "header",
        "required": False,
        "description": "Format negotiation (q-values honoured); missing means `*/*`.",
        "schema": _str(),
    },
    "ifNoneMatch": {
        "name": "If-None-Match",
        "in": "header",
        "required": False,
        "description": "An ETag from an earlier answer: `304` when it still matches.",
        "schema": _str(),
    },
    "priority": {
        "name": "priority",
        "in": "query",
        "required": False,
        "description": '`1`: eager loading with `fetchpriority="high"` (the page\'s hero image).',
        "schema": _str(enum=["0", "1"], default="0"),
    },
    "imageId": {
        "name": "imageId",
        "in": "query",
        "required": True,
        "description": "The image to delete.",
        "schema": _int(1, maximum=MAX_ID, format="int64"),
    },
}


def _param(name: str) -> Schema:
    return {"$ref": f"#/components/parameters/{name}"}


# --- schemas: generated from the declared bodies ----------------------------------------

_RENAMED = {"SyncRequest_SyncProduct_": "SyncRequest"}  # msgspec's name for the generic


def _schemas() -> dict[str, Schema]:
    """`components.schemas`, generated from `edge.http.bodies` (plus the PATCH union)."""
    (patch, *_), schemas = msgspec.json.schema_components(
        bodies.COMPONENTS, ref_template=REF_TEMPLATE
    )
    schemas["ImagesPatch"] = patch
    text = json.dumps(schemas)
    for old, new in _RENAMED.items():
        text = text.replace(f'/{old}"', f'/{new}"')
    renamed: dict[str, Schema] = {
        _RENAMED.get(name, name): schema for name, schema in json.loads(text).items()
    }
    renamed["ErrorBody"]["description"] = ERROR_CODES_DOC
    return renamed


# --- operations -----------------------------------------------------------------------


def _op(
    op_id: str,
    summary: str,
    responses: dict[str, Schema],
    *,
    tag: str,
    security: list[dict[str, list[str]]],
    parameters: list[Schema] | None = None,
    body: Schema | None = None,
    description: str | None = None,
) -> Schema:
    op: Schema = {"operationId": op_id, "summary": summary, "tags": [tag]}
    if description:
        op["description"] = description
    if parameters:
        op["parameters"] = parameters
    if body is not None:
        op["requestBody"] = body
    op["responses"] = responses
    op["security"] = security
    return op


def _json_body(schema_name: str) -> Schema:
    return {
        "required": True,
        "content": {"application/json": {"schema": _ref(schema_name)}},
        "description": f"A JSON object (at most {MAX_JSON_BYTES} bytes).",
    }


def _img_op(method: str) -> Schema:
    image = {"schema": _str(format="binary")} if method == "get" else {}
    ok: Schema = {
        "description": "The variant" + (" (headers only)" if method == "head" else ""),
        "headers": IMG_HEADERS,
        "content": {media_type: image for media_type in IMAGE_MEDIA_TYPES},
    }
    return _op(
        f"{method}Image",
        f"{method.upper()} the image a product shows, at a size, in a format",
        {
            "200": ok,
            "304": {
                "description": "Not modified (`If-None-Match` matched)",
                "headers": IMG_HEADERS,
            },
            **_errors(
                (400, ("invalid_product_id", "unknown_size", "unknown_format")),
                (404, ("product_not_found", "image_not_found", "original_missing", "not_found")),
                (422, ("source_too_large", "source_unreadable")),
                (503, ("render_timeout", "unavailable")),
            ),
        },
        tag="images",
        security=PUBLIC,
        parameters=[_param(p) for p in ("product", "size", "v", "accept", "ifNoneMatch")],
        description=(
            "The store's custom image when its override is on, else its canonical product's "
            "primary image. Without `.<fmt>`: AVIF and WebP only when named in `Accept`, then "
            "JPEG (PNG first for transparent sources)."
        ),
    )


def _upload_body() -> Schema:
    defaults = UploadSettings()
    files, mb = defaults.max_files, defaults.max_mb
    form = {
        "allOf": [_ref("UploadForm")],
        "type": "object",
        "properties": {
            "file": {
                "type": "array",
                "items": _str(format="binary"),
                "minItems": 1,
                "maxItems": files,
                "description": (
                    f"1 to {files} image files (IMGEDGE_UPLOAD_MAX_FILES), {mb} MiB each "
                    "(IMGEDGE_UPLOAD_MAX_MB): JPEG, PNG, WebP, AVIF or GIF by their bytes."
                ),
            },
        },
        "required": ["file"],
        "oneOf": [{"required": ["canonicalProductId"]}, {"required": ["productId"]}],
    }
    return {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": form,
                "encoding": {"file": {"contentType": "application/octet-stream"}},
            }
        },
    }


def _paths() -> dict[str, Schema]:
    product = [_param("product")]
    images_errors = _errors(
        (400, ("invalid_product_id", *JSON_BODY_400_CODES, "invalid_action", "invalid_order")),
        AUTH_401,
        (403, ("not_your_product", "curator_only")),
        (404, ("product_not_found", "image_not_found")),
        (409, ("no_images", "no_custom_image")),
        (415, ("unsupported_type",)),
        (
            422,
            (
                *SOURCE_422_CODES,
                "image_url_bad_url",
                "image_url_host_not_allowed",
                "image_url_address_not_public",
            ),
        ),
        (502, tuple(f"image_url_{r}" for r in FETCH_502_REASONS)),
        UNAVAILABLE_503,
    )
    images_ok = {"200": _json(_ref("ProductImages"), "The images the product shows, primary first")}
    return {
        "/img/{product}/{size}": {"get": _img_op("get"), "head": _img_op("head")},
        "/api/products/{product}": {
            "get": _op(
                "getProduct",
                "A store product, its canonical link and the image it shows",
                {
                    "200": _json(
                        _ref("Product"),
                        "The product",
                        {"Cache-Control": _header("`private, max-age=<s>`")},
                    ),
                    **_errors(
                        PRODUCT_ID_400,
                        AUTH_401,
                        NOT_YOURS_403,
                        (404, ("product_not_found",)),
                        UNAVAILABLE_503,
                    ),
                },
                tag="products",
                security=CURATOR_OR_STORE,
                parameters=product,
            )
        },
        "/api/products/{product}/picture": {
            "get": _op(
                "getPicture",
                "Responsive `<picture>` markup for the image a product shows",
                {
                    "200": {
                        "description": "The `<picture>` element",
                        "headers": {"Cache-Control": _header("Short, with stale-while-revalidate")},
                        "content": {"text/html": {"schema": _str(pattern="^<picture>")}},
                    },
                    **_errors(
                        (400, ("invalid_product_id", "invalid_field")),
                        (404, ("product_not_found", "image_not_found", "no_image")),
                        UNAVAILABLE_503,
                    ),
                },
                tag="products",
                security=PUBLIC,
                parameters=[*product, _param("priority")],
            )
        },
        "/api/products/{product}/images": {
            "get": _op(
                "listImages",
                "The images a product shows, primary first, with versioned URLs",
                {
                    **images_ok,
                    **_errors(
                        PRODUCT_ID_400,
                        AUTH_401,
                        NOT_YOURS_403,
                        (404, ("product_not_found",)),
                        UNAVAILABLE_503,
                    ),
                },
                tag="images",
                security=CURATOR_OR_STORE,
                parameters=product,
            ),
            "patch": _op(
                "changeImages",
                "Set the primary, reorder, or turn the store's override on or off",
                {**images_ok, **images_errors},
                tag="images",
                security=CURATOR_OR_STORE,
                parameters=product,
                body=_json_body("ImagesPatch"),
                description=(
                    "`reorder` takes the full list of the shown set (or of `source`). "
                    "`use_custom_image` with `image_url` (or the synced one) fetches "
                    "the image from an allowed host first. Canonical images are the curator's."
                ),
            ),
            "delete": _op(
                "deleteImage",
                "Remove one image; the next becomes primary",
                {
                    **images_ok,
                    **_errors(
                        (400, ("invalid_product_id", "invalid_field")),
                        AUTH_401,
                        (403, ("not_your_product", "curator_only")),
                        (404, ("product_not_found", "image_not_found")),
                        UNAVAILABLE_503,
                    ),
                },
                tag="images",
                security=CURATOR_OR_STORE,
                parameters=[*product, _param("imageId")],
            ),
        },
        "/api/images/upload": {
            "post": _op(
                "uploadImages",
                "Add images to a canonical product (curator) or a store product's own images",
                {
                    "200": _json(_ref("UploadResult"), "Every file was already there"),
                    "201": _json(_ref("UploadResult"), "At least one new image"),
                    **_errors(
                        (
                            400,
                            (
                                "invalid_multipart",
                                "file_missing",
                                "invalid_field",
                                "invalid_owner",
                                "http_error",
                            ),
                        ),
                        AUTH_401,
                        (403, ("curator_only", "not_your_product")),
                        (404, ("canonical_not_found", "product_not_found")),
                        (413, ("upload_too_large", "file_too_large")),
                        (415, ("unsupported_type",)),
                        (422, SOURCE_422_CODES),
                        (503, ("unavailable",)),
                    ),
                },
                tag="images",
                security=CURATOR_OR_STORE,
                body=_upload_body(),
                description=(
                    "Every file is checked (type by magic bytes, header against the pixel "
                    "limit, a small full decode) before any is stored. A custom upload turns "
                    "the product's override on."
                ),
            )
        },
        "/api/sync/products": {
            "post": _op(
                "syncProducts",
                "A store's batch of products (the store is the API key's); idempotent",
                {
                    "200": _json(
                        _ref("SyncAnswer"), "Each item's product and match status, or its error"
                    ),
                    **_errors(
                        (400, ("invalid_json", "body_too_large", "invalid_batch")),
                        (401, ("token_missing", "token_invalid (the curator token included)")),
                        UNAVAILABLE_503,
                    ),
                },
                tag="sync",
                security=STORE_ONLY,
                body={
                    "required": True,
                    "content": {"application/json": {"schema": _ref("SyncRequest")}},
                    "description": (
                        f"Up to {MAX_BATCH} products. A bad item is reported in its result and "
                        "the others are stored; a bad barcode only warns (matched by name)."
                    ),
                },
            )
        },
        "/api/images/match": {
            "post": _op(
                "findMatches",
                "Scored canonical suggestions for a product, best first",
                {
                    "200": _json(_ref("MatchSuggestions"), "The suggestions"),
                    **_errors(
                        (400, JSON_BODY_400_CODES),
                        AUTH_401,
                        NOT_YOURS_403,
                        (404, ("product_not_found",)),
                        UNAVAILABLE_503,
                    ),
                },
                tag="match",
                security=CURATOR_OR_STORE,
                body=_json_body("MatchRequest"),
            ),
            "put": _op(
                "decideMatch",
                "Confirm (to a candidate, a given or a new canonical product) or reject",
                {
                    "200": _json(_ref("MatchDecided"), "The decision"),
                    **_errors(
                        (400, (*JSON_BODY_400_CODES, "invalid_action", "invalid_barcode")),
                        AUTH_401,
                        NOT_YOURS_403,
                        (404, ("queue_item_not_found", "product_not_found", "canonical_not_found")),
                        (409, ("conflict",)),
                        UNAVAILABLE_503,
                    ),
                },
                tag="match",
                security=CURATOR_OR_STORE,
                body=_json_body("MatchDecision"),
            ),
        },
        "/healthz": {
            "get": _op(
                "healthz",
                "Alive and started",
                {"200": _json(_ref("Health"), "Started")},
                tag="operations",
                security=PUBLIC,
            )
        },
        "/readyz": {
            "get": _op(
                "readyz",
                "Ready: the catalog answers",
                {
                    "200": _json(_ref("Ready"), "Ready"),
                    "503": _json(_ref("ErrorBody"), "Not ready. Codes: `not_ready`"),
                },
                tag="operations",
                security=PUBLIC,
            )
        },
        "/metrics": {
            "get": _op(
                "metrics",
                "Prometheus text: cache events per tier, renders, resolutions, shared cache up",
                {
                    "200": {
                        "description": "Prometheus exposition format",
                        "content": {"text/plain": {"schema": _str()}},
                    }
                },
                tag="operations",
                security=PUBLIC,
            )
        },
        "/openapi.json": {
            "get": _op(
                "openapi",
                "This document",
                {"200": _json({"type": "object"}, "OpenAPI 3.1")},
                tag="operations",
                security=PUBLIC,
            )
        },
    }


@functools.cache
def openapi_document() -> dict[str, Any]:
    """The OpenAPI document (computed once; treat it as read-only)."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "imgedge",
            "version": "0.1.0",
            "description": (
                "Image-serving edge for multi-store marketplaces: one canonical catalog, "
                "every format, from cache. " + ERROR_CODES_DOC
            ),
        },
        "tags": [{"name": name} for name in ("images", "products", "sync", "match", "operations")],
        "paths": _paths(),
        "components": {
            "schemas": _schemas(),
            "parameters": PARAMETERS,
            "securitySchemes": {
                "curatorToken": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": (
                        "The curator token (IMGEDGE_ADMIN_TOKEN, or the one `imgedge demo` "
                        "prints): may do everything."
                    ),
                },
                "storeApiKey": {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "imgedge_sk_…",
                    "description": (
                        "A store API key (`imgedge stores create NAME`): its own products and "
                        "their custom images only; 403 elsewhere."
                    ),
                },
            },
        },
    }


async def openapi_json(request: Request) -> JSONResponse:
    return JSONResponse(openapi_document())
