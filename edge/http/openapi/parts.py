"""Pieces the OpenAPI document is built from: references, responses, error answers,
headers, parameters and security requirements, from the code's own constants."""

from __future__ import annotations

import re
from typing import Any

from config import UploadSettings
from edge.application.products import MAX_PAGE, PAGE_SIZE
from edge.http.bodies import MAX_ID
from edge.http.decoding import MAX_JSON_BYTES
from edge.http.picture_query import MAX_PRODUCTS, MAX_SIZES
from edge.http.product_search import IMAGES, MAX_TEXT, STATUSES
from edge.imaging.formats import Format
from edge.imaging.picture import SLOTS
from edge.imaging.sizes import SIZES

Schema = dict[str, Any]

ERROR_CODES_DOC = (
    'Every error is JSON `{"error": {"code", "message"}}`; `code` is a stable '
    "machine-readable word (the codes an operation may answer are listed with each status), "
    "`message` a sentence for humans. Never a traceback. Text a client sends is refused "
    "(`invalid_text`, naming the field) when it holds a lone UTF-16 surrogate (a `\\ud800` "
    "escape), bytes that are not UTF-8, or a NUL; names refuse every control character. Ids "
    "in paths, queries and form fields are 1 to 18 ASCII digits."
)
IMAGE_MEDIA_TYPES = [fmt.media_type for fmt in Format]

CURATOR_OR_STORE: list[dict[str, list[str]]] = [{"curatorToken": []}, {"storeApiKey": []}]
STORE_ONLY: list[dict[str, list[str]]] = [{"storeApiKey": []}]
PUBLIC: list[dict[str, list[str]]] = []


# --- small schema helpers -------------------------------------------------------------


REF_TEMPLATE = "#/components/schemas/{name}"


def ref(name: str) -> Schema:
    return {"$ref": REF_TEMPLATE.format(name=name)}


def integer(minimum: int | None = None, **extra: Any) -> Schema:
    schema: Schema = {"type": "integer", **extra}
    if minimum is not None:
        schema["minimum"] = minimum
    return schema


def string(**extra: Any) -> Schema:
    return {"type": "string", **extra}


# --- responses ------------------------------------------------------------------------

STATUS_TEXT = {
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


def json_answer(schema: Schema, description: str, headers: dict[str, Any] | None = None) -> Schema:
    response: Schema = {
        "description": description,
        "content": {"application/json": {"schema": schema}},
    }
    if headers:
        response["headers"] = headers
    return response


def error_answer(status: int, *codes: str) -> Schema:
    """An error answer with the shared Error schema; `codes` are the codes it may carry."""
    description = STATUS_TEXT[status]
    if codes:
        description += ". Codes: " + ", ".join(f"`{c}`" for c in codes)
    headers = None
    if status == 401:
        headers = {
            "WWW-Authenticate": {
                "description": 'Always `Bearer realm="imgedge"`',
                "required": True,
                "schema": string(pattern="^Bearer"),
            }
        }
    if status == 503:
        headers = {
            "Retry-After": {
                "description": "Seconds after which to try again",
                "required": True,
                "schema": {"type": "integer", "minimum": 1},
            }
        }
    return json_answer(ref("ErrorBody"), description, headers)


def error_answers(*specs: tuple[int, tuple[str, ...]]) -> dict[str, Schema]:
    return {str(status): error_answer(status, *codes) for status, codes in specs}


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
JSON_BODY_400_CODES = ("invalid_json", "body_too_large", "invalid_field", "invalid_text")


def header(description: str, schema: Schema | None = None, required: bool = True) -> Schema:
    return {"description": description, "required": required, "schema": schema or string()}


IMG_HEADERS = {
    "Cache-Control": header(
        "`public, max-age=31536000, immutable` for a `?v=` the product shows; else "
        "`public, max-age=<s>, stale-while-revalidate=<s>`; `public, max-age=<s>` (short) "
        "while the catalog is down and the resolution is stale"
    ),
    "ETag": header("Strong entity tag of the variant", string(pattern='^"')),
    "Vary": header("`Accept` when the format was negotiated", required=False),
}


# --- parameters -----------------------------------------------------------------------


def size_pattern() -> str:
    """A named size or a preset name (`IMGEDGE_PRESETS`; unknown ones are 400)."""
    names = "|".join(re.escape(s) for s in SIZES)
    suffixes = "|".join(sorted({str(f) for f in Format} | {"jpeg"}))
    return f"^({names}|[a-z][a-z0-9]{{0,31}})(@2x)?(\\.({suffixes}))?$"


PARAMETERS: dict[str, Schema] = {
    "product": {
        "name": "product",
        "in": "path",
        "required": True,
        "description": "A store product id (positive integer, at most 18 digits).",
        "schema": integer(1, maximum=MAX_ID, format="int64"),
    },
    "provisional": {
        "name": "provisional",
        "in": "query",
        "required": False,
        "description": "`true`: only the matcher's provisional products; `false`: the others.",
        "schema": string(enum=["true", "false"]),
    },
    "store_named": {
        "name": "store_named",
        "in": "query",
        "required": False,
        "description": (
            "`true`: only the products a sync named after a store's title (no curator has "
            "edited them since); `false`: the others."
        ),
        "schema": string(enum=["true", "false"]),
    },
    "after": {
        "name": "after",
        "in": "query",
        "required": False,
        "description": "Only ids above this one (the last page's `next_after`).",
        "schema": integer(0, maximum=MAX_ID, format="int64"),
    },
    "limit": {
        "name": "limit",
        "in": "query",
        "required": False,
        "description": "At most this many (1–500, default 100).",
        "schema": integer(1, maximum=500, default=100),
    },
    "deliveryStatus": {
        "name": "status",
        "in": "query",
        "required": False,
        "description": "Only deliveries in this state.",
        "schema": string(enum=["pending", "delivered", "failed"]),
    },
    "beforeDelivery": {
        "name": "before",
        "in": "query",
        "required": False,
        "description": "Only deliveries below this id (the last page's `next_before`).",
        "schema": integer(0, maximum=MAX_ID, format="int64"),
    },
    "deliveryLimit": {
        "name": "limit",
        "in": "query",
        "required": False,
        "description": "At most this many (1–100, default 50).",
        "schema": integer(1, maximum=100, default=50),
    },
    "afterQueueItem": {
        "name": "after",
        "in": "query",
        "required": False,
        "description": "Only queue items above this id (the last page's `next_after`).",
        "schema": integer(0, maximum=MAX_ID, format="int64"),
    },
    "reviewLimit": {
        "name": "limit",
        "in": "query",
        "required": False,
        "description": "At most this many items (1–50, default 20): each is scored when asked.",
        "schema": integer(1, maximum=50, default=20),
    },
    "q": {
        "name": "q",
        "in": "query",
        "required": False,
        "description": (
            f"A name substring in any case, or a barcode (as the store sent it, or any form "
            f"of its GTIN); at most {MAX_TEXT} characters."
        ),
        "schema": string(maxLength=MAX_TEXT),
    },
    "store_query": {
        "name": "store",
        "in": "query",
        "required": False,
        "description": "Only this store's (a store id); a store key names only its own (else 403).",
        "schema": integer(1, maximum=MAX_ID, format="int64"),
    },
    "status": {
        "name": "status",
        "in": "query",
        "required": False,
        "description": "A match status, or `unlinked`: no canonical product.",
        "schema": string(enum=list(STATUSES)),
    },
    "image": {
        "name": "image",
        "in": "query",
        "required": False,
        "description": (
            "`none`: shows no image (no custom image in use, no canonical primary); "
            "`custom`: the store's override is on."
        ),
        "schema": string(enum=list(IMAGES)),
    },
    "page": {
        "name": "page",
        "in": "query",
        "required": False,
        "description": f"Page number, {PAGE_SIZE} products a page by id (1–{MAX_PAGE}).",
        "schema": integer(1, maximum=MAX_PAGE, default=1),
    },
    "canonical": {
        "name": "canonical",
        "in": "path",
        "required": True,
        "description": "A canonical product id (positive integer, at most 18 digits).",
        "schema": integer(1, maximum=MAX_ID, format="int64"),
    },
    "store": {
        "name": "store",
        "in": "path",
        "required": True,
        "description": "A store id (positive integer, at most 18 digits).",
        "schema": integer(1, maximum=MAX_ID, format="int64"),
    },
    "size": {
        "name": "size",
        "in": "path",
        "required": True,
        "description": (
            "`<size>[@2x][.<fmt>]`: "
            + ", ".join(f"`{n}` ({w} px wide)" if w else f"`{n}`" for n, w in SIZES.items())
            + ", or a preset the operator named in `IMGEDGE_PRESETS` (a box, fit `contain` "
            "or `cover` cropped to the box); `@2x` doubles the width (a preset: its box), "
            "never beyond the original's; `.<fmt>` forces the format (`jpeg` = `jpg`), else "
            "it is negotiated from `Accept`."
        ),
        "schema": string(pattern=size_pattern()),
    },
    "v": {
        "name": "v",
        "in": "query",
        "required": False,
        "description": (
            "The image version the API hands out (from the content hash): it must name an "
            "image the product shows, and the answer is then immutable. Any other value is "
            "404 version_not_found, except a version the product showed within "
            "IMGEDGE_VERSION_GRACE_S, answered with its primary under the short cache policy."
        ),
        "schema": string(),
    },
    "accept": {
        "name": "Accept",
        "in": "header",
        "required": False,
        "description": "Format negotiation (q-values honoured); missing means `*/*`.",
        "schema": string(),
    },
    "ifNoneMatch": {
        "name": "If-None-Match",
        "in": "header",
        "required": False,
        "description": "An ETag from an earlier answer: `304` when it still matches.",
        "schema": string(),
    },
    "priority": {
        "name": "priority",
        "in": "query",
        "required": False,
        "description": '`1`: eager loading with `fetchpriority="high"` (the page\'s hero image).',
        "schema": string(enum=["0", "1"], default="0"),
    },
    "slot": {
        "name": "slot",
        "in": "query",
        "required": False,
        "description": (
            "Where the image sits: `thumbnail` (tiles of ~150 CSS px: `thumbnail` and `small` "
            "only), `card` (~300-400 px: `small`, `medium`), `hero` (full width: `medium`, "
            "`large`, `original`) or `product` (a product page's column: every size). It "
            "picks the `srcset` candidates and the default `sizes`."
        ),
        "schema": string(enum=list(SLOTS), default="product"),
    },
    "sizes": {
        "name": "sizes",
        "in": "query",
        "required": False,
        "description": (
            "The CSS `sizes` of the markup (default: the slot's): letters, digits, spaces "
            "and `( ) , . : % + - * /` only."
        ),
        "schema": string(minLength=1, maxLength=MAX_SIZES, pattern="^[A-Za-z0-9 (),.:%+*/-]+$"),
    },
    "products": {
        "name": "products",
        "in": "query",
        "required": True,
        "description": (
            f"Product ids, comma-separated (at most {MAX_PRODUCTS} distinct; repeats count "
            "once): the answer keeps their order."
        ),
        "schema": string(pattern="^[0-9]{1,18}(,[0-9]{1,18})*$"),
    },
    "imageId": {
        "name": "imageId",
        "in": "query",
        "required": True,
        "description": "The image to delete.",
        "schema": integer(1, maximum=MAX_ID, format="int64"),
    },
}


def param(name: str) -> Schema:
    return {"$ref": f"#/components/parameters/{name}"}


# --- operations -----------------------------------------------------------------------


def operation(
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


def json_body(schema_name: str) -> Schema:
    return {
        "required": True,
        "content": {"application/json": {"schema": ref(schema_name)}},
        "description": f"A JSON object (at most {MAX_JSON_BYTES} bytes).",
    }


def img_operation(method: str) -> Schema:
    image = {"schema": string(format="binary")} if method == "get" else {}
    ok: Schema = {
        "description": "The variant" + (" (headers only)" if method == "head" else ""),
        "headers": IMG_HEADERS,
        "content": {media_type: image for media_type in IMAGE_MEDIA_TYPES},
    }
    return operation(
        f"{method}Image",
        f"{method.upper()} the image a product shows, at a size, in a format",
        {
            "200": ok,
            "304": {
                "description": "Not modified (`If-None-Match` matched)",
                "headers": IMG_HEADERS,
            },
            **error_answers(
                (400, ("invalid_product_id", "unknown_size", "unknown_format")),
                (
                    404,
                    (
                        "product_not_found",
                        "image_not_found",
                        "version_not_found",
                        "original_missing",
                        "not_found",
                    ),
                ),
                (422, ("source_too_large", "source_unreadable")),
                (503, ("render_timeout", "unavailable")),
            ),
        },
        tag="images",
        security=PUBLIC,
        parameters=[param(p) for p in ("product", "size", "v", "accept", "ifNoneMatch")],
        description=(
            "The store's custom image when its override is on, else its canonical product's "
            "primary image. Without `.<fmt>`: AVIF and WebP only when named in `Accept`, then "
            "JPEG (PNG first for transparent sources)."
        ),
    )


def upload_body() -> Schema:
    defaults = UploadSettings()
    files, mb = defaults.max_files, defaults.max_mb
    form = {
        "allOf": [ref("UploadForm")],
        "type": "object",
        "properties": {
            "file": {
                "type": "array",
                "items": string(format="binary"),
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
