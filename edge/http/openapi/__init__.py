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
from typing import Any

import msgspec
from starlette.requests import Request
from starlette.responses import JSONResponse

from edge.http import bodies
from edge.http.openapi.parts import ERROR_CODES_DOC, PARAMETERS, REF_TEMPLATE, Schema
from edge.http.openapi.paths import paths

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
        "tags": [
            {"name": name}
            for name in ("images", "products", "sync", "match", "stores", "operations")
        ],
        "paths": paths(),
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
