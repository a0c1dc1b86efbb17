"""The operations of the OpenAPI document: every route, its parameters, bodies, answers
and the error codes it may give."""

from __future__ import annotations

from edge.http.bodies import MAX_BATCH
from edge.http.openapi.parts import (
    AUTH_401,
    CURATOR_OR_STORE,
    FETCH_502_REASONS,
    JSON_BODY_400_CODES,
    NOT_YOURS_403,
    PRODUCT_ID_400,
    PUBLIC,
    SOURCE_422_CODES,
    STORE_ONLY,
    UNAVAILABLE_503,
    Schema,
    error_answers,
    header,
    img_operation,
    json_answer,
    json_body,
    operation,
    param,
    ref,
    string,
    upload_body,
)

# --- operations -----------------------------------------------------------------------


def _product_paths() -> dict[str, Schema]:
    """A product and its markup."""
    product = [param("product")]
    return {
        "/api/products": {
            "get": operation(
                "listProducts",
                "Search store products: a page by id, each with its thumbnail",
                {
                    "200": json_answer(
                        ref("ProductList"),
                        "A page (past the last: no products, the total still given)",
                        {"Cache-Control": header("`private, max-age=<s>`")},
                    ),
                    **error_answers(
                        (400, ("invalid_field", "invalid_text")),
                        AUTH_401,
                        (403, ("not_your_store",)),
                        UNAVAILABLE_503,
                    ),
                },
                tag="products",
                security=CURATOR_OR_STORE,
                parameters=[param(p) for p in ("q", "store_query", "status", "image", "page")],
                description="Every filter given narrows the list. A store sees its own only.",
            )
        },
        "/api/products/{product}": {
            "get": operation(
                "getProduct",
                "A store product, its canonical link and the image it shows",
                {
                    "200": json_answer(
                        ref("Product"),
                        "The product",
                        {"Cache-Control": header("`private, max-age=<s>`")},
                    ),
                    **error_answers(
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
            "get": operation(
                "getPicture",
                "Responsive `<picture>` markup for the image a product shows",
                {
                    "200": {
                        "description": "The `<picture>` element",
                        "headers": PICTURE_HEADERS,
                        "content": {"text/html": {"schema": string(pattern="^<picture>")}},
                    },
                    "304": NOT_MODIFIED,
                    **error_answers(
                        (400, ("invalid_product_id", "invalid_field", *PICTURE_400_CODES)),
                        (404, ("product_not_found", "image_not_found", "no_image")),
                        UNAVAILABLE_503,
                    ),
                },
                tag="products",
                security=PUBLIC,
                parameters=[*product, *(param(p) for p in PICTURE_PARAMS), param("priority")],
            )
        },
        "/api/pictures": {
            "get": operation(
                "getPictures",
                "Responsive image data for a page of products, in one call",
                {
                    "200": json_answer(
                        ref("Pictures"),
                        "Each product's picture in the order asked; `missing`: ids that are "
                        "unknown or show no image. URLs start with IMGEDGE_PUBLIC_BASE_URL "
                        "when set.",
                        PICTURE_HEADERS,
                    ),
                    "304": NOT_MODIFIED,
                    **error_answers(
                        (400, ("invalid_products", "too_many_products", *PICTURE_400_CODES)),
                        UNAVAILABLE_503,
                    ),
                },
                tag="products",
                security=PUBLIC,
                parameters=[param("products"), *(param(p) for p in PICTURE_PARAMS)],
            )
        },
    }


PICTURE_PARAMS = ("slot", "sizes", "ifNoneMatch")
PICTURE_400_CODES = ("invalid_slot", "invalid_sizes")
PICTURE_HEADERS = {
    "Cache-Control": header("`public, max-age=<s>, stale-while-revalidate=<s>`"),
    "ETag": header("Strong entity tag of the answer's bytes", string(pattern='^"')),
}
NOT_MODIFIED = {"description": "Not modified (`If-None-Match` matched)", "headers": PICTURE_HEADERS}


def _image_paths() -> dict[str, Schema]:
    """A product's images, and uploads."""
    product = [param("product")]
    images_errors = error_answers(
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
    images_ok = {
        "200": json_answer(ref("ProductImages"), "The images the product shows, primary first")
    }
    return {
        "/api/products/{product}/images": {
            "get": operation(
                "listImages",
                "The images a product shows, primary first, with versioned URLs",
                {
                    **images_ok,
                    **error_answers(
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
            "patch": operation(
                "changeImages",
                "Set the primary, reorder, or turn the store's override on or off",
                {**images_ok, **images_errors},
                tag="images",
                security=CURATOR_OR_STORE,
                parameters=product,
                body=json_body("ImagesPatch"),
                description=(
                    "`reorder` takes the full list of the shown set (or of `source`). "
                    "`use_custom_image` with `image_url` (or the synced one) fetches "
                    "the image from an allowed host first. Canonical images are the curator's."
                ),
            ),
            "delete": operation(
                "deleteImage",
                "Remove one image; the next becomes primary",
                {
                    **images_ok,
                    **error_answers(
                        (400, ("invalid_product_id", "invalid_field")),
                        AUTH_401,
                        (403, ("not_your_product", "curator_only")),
                        (404, ("product_not_found", "image_not_found")),
                        UNAVAILABLE_503,
                    ),
                },
                tag="images",
                security=CURATOR_OR_STORE,
                parameters=[*product, param("imageId")],
            ),
        },
        "/api/images/upload": {
            "post": operation(
                "uploadImages",
                "Add images to a canonical product (curator) or a store product's own images",
                {
                    "200": json_answer(ref("UploadResult"), "Every file was already there"),
                    "201": json_answer(ref("UploadResult"), "At least one new image"),
                    **error_answers(
                        (
                            400,
                            (
                                "invalid_multipart",
                                "file_missing",
                                "invalid_field",
                                "invalid_text",
                                "invalid_owner",
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
                body=upload_body(),
                description=(
                    "Every file is checked (type by magic bytes, header against the pixel "
                    "limit, a small full decode) before any is stored, and bounded while it "
                    "streams (413 `file_too_large` at once). All files are stored or none. "
                    "A custom upload turns the product's override on."
                ),
            )
        },
    }


def _sync_and_match_paths() -> dict[str, Schema]:
    """Stores' sync pushes and the review of matches."""
    return {
        "/api/sync/products": {
            "post": operation(
                "syncProducts",
                "A store's batch of products (the store is the API key's); idempotent",
                {
                    "200": json_answer(
                        ref("SyncAnswer"), "Each item's product and match status, or its error"
                    ),
                    **error_answers(
                        (400, ("invalid_json", "body_too_large", "invalid_batch")),
                        (401, ("token_missing", "token_invalid (the curator token included)")),
                        UNAVAILABLE_503,
                    ),
                },
                tag="sync",
                security=STORE_ONLY,
                body={
                    "required": True,
                    "content": {"application/json": {"schema": ref("SyncRequest")}},
                    "description": (
                        f"Up to {MAX_BATCH} products. A bad item is reported in its result and "
                        "the others are stored; a bad barcode only warns (matched by name). "
                        "An item holding broken text in any field (a lone surrogate such as "
                        "`\\ud800`, bytes that are not UTF-8, a NUL) is a bad item, never a "
                        "failed batch."
                    ),
                },
            )
        },
        "/api/images/match": {
            "post": operation(
                "findMatches",
                "Scored canonical suggestions for a product, best first",
                {
                    "200": json_answer(ref("MatchSuggestions"), "The suggestions"),
                    **error_answers(
                        (400, JSON_BODY_400_CODES),
                        AUTH_401,
                        NOT_YOURS_403,
                        (404, ("product_not_found",)),
                        UNAVAILABLE_503,
                    ),
                },
                tag="match",
                security=CURATOR_OR_STORE,
                body=json_body("MatchRequest"),
            ),
            "put": operation(
                "decideMatch",
                "Confirm (to a candidate, a given or a new canonical product) or reject",
                {
                    "200": json_answer(ref("MatchDecided"), "The decision"),
                    **error_answers(
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
                body=json_body("MatchDecision"),
            ),
        },
        "/api/review-queue": {
            "get": operation(
                "reviewQueue",
                "Uncertain matches waiting for a person, oldest first, with their candidates",
                {
                    "200": json_answer(ref("ReviewQueuePage"), "A page of the queue"),
                    **error_answers(
                        (400, ("invalid_field",)),
                        AUTH_401,
                        (403, ("not_your_store",)),
                        UNAVAILABLE_503,
                    ),
                },
                tag="match",
                security=CURATOR_OR_STORE,
                parameters=[param(p) for p in ("store_query", "afterQueueItem", "reviewLimit")],
                description=(
                    "Items the matcher suggested or sent to review, by queue item id. A store "
                    "sees its own only (`store` may name nothing else). Each item's candidates "
                    "are searched and scored now, by the matcher's rules, with their reasons "
                    "and the score the matcher recorded. Decide with `PUT /api/images/match`."
                ),
            )
        },
        "/api/canonical-products": {
            "get": operation(
                "listCanonicalProducts",
                "Canonical products by id, a page at a time (e.g. the provisional ones)",
                {
                    "200": json_answer(ref("CanonicalProductPage"), "A page"),
                    **error_answers(
                        (400, ("invalid_field",)),
                        AUTH_401,
                        (403, ("curator_only",)),
                        UNAVAILABLE_503,
                    ),
                },
                tag="match",
                security=CURATOR_OR_STORE,
                parameters=[param(p) for p in ("provisional", "store_named", "after", "limit")],
                description="Curator only.",
            )
        },
        "/api/canonical-products/{canonical}": {
            "patch": operation(
                "patchCanonicalProduct",
                "Repair a canonical product's name or brand",
                {
                    "200": json_answer(ref("CanonicalProductBody"), "The product as it is now"),
                    **error_answers(
                        (400, ("invalid_canonical_product_id", *JSON_BODY_400_CODES)),
                        AUTH_401,
                        (403, ("curator_only",)),
                        (404, ("canonical_not_found",)),
                        UNAVAILABLE_503,
                    ),
                },
                tag="match",
                security=CURATOR_OR_STORE,
                parameters=[param("canonical")],
                body=json_body("CanonicalProductPatch"),
                description=(
                    "Curator only. The fields given change; `brand: null` clears the brand. "
                    "The name the matcher searches follows at once. The name is a "
                    "curator's from then on, even with no field given: `store_named` "
                    "clears."
                ),
            ),
            "delete": operation(
                "deleteCanonicalProduct",
                "Delete a canonical product nothing links to",
                {
                    "204": {"description": "Deleted, with its images"},
                    **error_answers(
                        (400, ("invalid_canonical_product_id",)),
                        AUTH_401,
                        (403, ("curator_only",)),
                        (404, ("canonical_not_found",)),
                        (409, ("canonical_in_use",)),
                        UNAVAILABLE_503,
                    ),
                },
                tag="match",
                security=CURATOR_OR_STORE,
                parameters=[param("canonical")],
                description=(
                    "Curator only. Refused (409 `canonical_in_use`, the message says how "
                    "many) while store products link to it: merge it into another instead. "
                    "Its images go with it; their originals leave storage unless other "
                    "images hold the same bytes."
                ),
            ),
        },
        "/api/canonical-products/{canonical}/merge": {
            "post": operation(
                "mergeCanonicalProducts",
                "Fold a canonical product into another (links, images and GTIN move)",
                {
                    "200": json_answer(ref("CanonicalProductBody"), "The product that stays"),
                    **error_answers(
                        (400, ("invalid_canonical_product_id", *JSON_BODY_400_CODES)),
                        AUTH_401,
                        (403, ("curator_only",)),
                        (404, ("canonical_not_found",)),
                        (409, ("cannot_merge",)),
                        UNAVAILABLE_503,
                    ),
                },
                tag="match",
                security=CURATOR_OR_STORE,
                parameters=[param("canonical")],
                body=json_body("MergeRequest"),
                description=(
                    "Curator only. Two entries for one product (a provisional one the "
                    "matcher made, say): the store products' links, the images (bytes the "
                    "target has are dropped) and the GTIN move to `into`; the source is "
                    "deleted. Two different GTINs are two trade items: 409."
                ),
            )
        },
    }


def _store_paths() -> dict[str, Schema]:
    """Stores and their keys (the curator's), and the dashboard's figures."""
    store = [param("store")]
    no_store = {"Cache-Control": header("`no-store`: the key is a secret")}
    key_errors = error_answers(
        (400, ("invalid_store_id",)),
        AUTH_401,
        (403, ("curator_only",)),
        (404, ("store_not_found",)),
        UNAVAILABLE_503,
    )
    curator_only = "Curator only: a store's key gets 403 `curator_only`."
    return {
        "/api/stores": {
            "get": operation(
                "listStores",
                "Every store, with its product count, last sync and whether a key works",
                {
                    "200": json_answer(ref("StoreList"), "The stores, by name"),
                    **error_answers(AUTH_401, (403, ("curator_only",)), UNAVAILABLE_503),
                },
                tag="stores",
                security=CURATOR_OR_STORE,
                description=curator_only,
            ),
            "post": operation(
                "createStore",
                "A new store and its API key, shown this once",
                {
                    "201": json_answer(ref("IssuedStoreKey"), "Created", no_store),
                    **error_answers(
                        (400, JSON_BODY_400_CODES),
                        AUTH_401,
                        (403, ("curator_only",)),
                        (409, ("store_exists",)),
                        UNAVAILABLE_503,
                    ),
                },
                tag="stores",
                security=CURATOR_OR_STORE,
                body=json_body("NewStore"),
                description=curator_only + " Only the key's hash is stored: a lost key is "
                "replaced (rotate), never shown again.",
            ),
        },
        "/api/stores/{store}/key": {
            "post": operation(
                "rotateStoreKey",
                "A new API key for the store (rotate); the old one stops working at once",
                {
                    "200": json_answer(ref("IssuedStoreKey"), "The new key", no_store),
                    **key_errors,
                },
                tag="stores",
                security=CURATOR_OR_STORE,
                parameters=store,
                description=curator_only + " Also issues a key to a store whose key was revoked.",
            ),
            "delete": operation(
                "revokeStoreKey",
                "Revoke the store's API key: no key works until a new one is issued",
                {"204": {"description": "Revoked; the store and its products stay"}, **key_errors},
                tag="stores",
                security=CURATOR_OR_STORE,
                parameters=store,
                description=curator_only,
            ),
        },
        "/api/stores/{store}/key-events": {
            "get": operation(
                "listStoreKeyEvents",
                "The store's key audit trail: each key created, rotated or revoked, by whom",
                {
                    "200": json_answer(ref("KeyEventList"), "The events, newest first"),
                    **key_errors,
                },
                tag="stores",
                security=CURATOR_OR_STORE,
                parameters=store,
                description=curator_only + " The keys themselves are never recorded.",
            ),
        },
        "/api/stats": {
            "get": operation(
                "getStats",
                "The dashboard's figures: image sharing, storage saved, matches, queues",
                {
                    "200": json_answer(
                        ref("StatsAnswer"),
                        "The figures",
                        {"Cache-Control": header("`no-store`")},
                    ),
                    **error_answers(AUTH_401, UNAVAILABLE_503),
                },
                tag="stores",
                security=CURATOR_OR_STORE,
                description=(
                    "The curator gets the whole marketplace (computed at most a few seconds "
                    "ago, `computed_at`); a store gets its own products' figures (sharing "
                    "counts products of any other store) and `storage: null`. Targets are "
                    "the original system's: 70% of products sharing images, 50% of storage "
                    "saved. The same figures are Prometheus gauges on /metrics."
                ),
            )
        },
    }


def _webhook_paths() -> dict[str, Schema]:
    """Change notifications, as sent."""
    query = ("store_query", "deliveryStatus", "beforeDelivery", "deliveryLimit")
    store_401 = (401, ("token_missing", "token_invalid (the curator token included)"))
    off_or_none = (404, ("store_webhooks_off", "webhook_not_found"))
    own = (
        "The store's own endpoint (with `IMGEDGE_STORE_WEBHOOKS=true`; else 404 "
        "`store_webhooks_off`): its products' events go there too, signed with its own "
        "secret, checked like the operator's (http(s), public addresses only, judged when "
        "connecting)."
    )
    return {
        "/api/webhook": {
            "put": operation(
                "putWebhook",
                "Register (or replace) the store's own webhook URL; its new secret, shown once",
                {
                    "200": json_answer(
                        ref("IssuedWebhook"),
                        "Registered",
                        {"Cache-Control": header("`no-store`")},
                    ),
                    **error_answers(
                        (400, (*JSON_BODY_400_CODES, "invalid_url")),
                        store_401,
                        (404, ("store_webhooks_off",)),
                        UNAVAILABLE_503,
                    ),
                },
                tag="stores",
                security=STORE_ONLY,
                body=json_body("WebhookRegistration"),
                description=own,
            ),
            "get": operation(
                "getWebhook",
                "The store's own webhook URL (never its secret)",
                {
                    "200": json_answer(ref("StoreWebhookBody"), "Registered"),
                    **error_answers(store_401, off_or_none, UNAVAILABLE_503),
                },
                tag="stores",
                security=STORE_ONLY,
                description=own,
            ),
            "delete": operation(
                "deleteWebhook",
                "Remove the store's own webhook URL; its pending deliveries fail",
                {
                    "204": {"description": "Removed"},
                    **error_answers(store_401, off_or_none, UNAVAILABLE_503),
                },
                tag="stores",
                security=STORE_ONLY,
                description=own,
            ),
        },
        "/api/webhooks/deliveries": {
            "get": operation(
                "listWebhookDeliveries",
                "Change notifications sent or waiting, newest first, with their outcome",
                {
                    "200": json_answer(ref("WebhookDeliveryPage"), "A page of deliveries"),
                    **error_answers(
                        (400, ("invalid_field",)),
                        AUTH_401,
                        (403, ("not_your_store",)),
                        UNAVAILABLE_503,
                    ),
                },
                tag="stores",
                security=CURATOR_OR_STORE,
                parameters=[param(p) for p in query],
                description=(
                    "With `IMGEDGE_WEBHOOK_URL` set, every change of the image a store "
                    "product shows is POSTed there as a signed `product.image_changed` "
                    "event (its body is `event`; see the README for the signature). Failed "
                    "tries are retried with exponential backoff, then given up (`failed`). "
                    "A store sees its own products' deliveries only."
                ),
            )
        },
    }


def _operation_paths() -> dict[str, Schema]:
    """Health, metrics and this document."""
    return {
        "/healthz": {
            "get": operation(
                "healthz",
                "Alive and started",
                {"200": json_answer(ref("Health"), "Started")},
                tag="operations",
                security=PUBLIC,
            )
        },
        "/readyz": {
            "get": operation(
                "readyz",
                "Ready: catalog and originals answer (`degraded`: the shared cache tier is down)",
                {
                    "200": json_answer(ref("Ready"), "Ready"),
                    "503": json_answer(
                        ref("ErrorBody"), "Not ready (the message names what is down): `not_ready`"
                    ),
                },
                tag="operations",
                security=PUBLIC,
            )
        },
        "/metrics": {
            "get": operation(
                "metrics",
                "Prometheus text: cache events per tier, renders, resolutions, shared cache up",
                {
                    "200": {
                        "description": "Prometheus exposition format",
                        "content": {"text/plain": {"schema": string()}},
                    }
                },
                tag="operations",
                security=PUBLIC,
            )
        },
        "/openapi.json": {
            "get": operation(
                "openapi",
                "This document",
                {"200": json_answer({"type": "object"}, "OpenAPI 3.1")},
                tag="operations",
                security=PUBLIC,
            )
        },
    }


def paths() -> dict[str, Schema]:
    return {
        "/img/{product}/{size}": {"get": img_operation("get"), "head": img_operation("head")},
        **_product_paths(),
        **_image_paths(),
        **_sync_and_match_paths(),
        **_store_paths(),
        **_webhook_paths(),
        **_operation_paths(),
    }
