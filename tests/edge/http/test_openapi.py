"""`GET /openapi.json`: a valid document, every route documented, and the running app
answering as it says (schemathesis, in process, on a real SQLite catalog and disk cache).

Wiring: schemathesis 4 drives an ASGI app from its own event-loop thread and runs the
app's lifespan there, so the app under test is `create_app(settings)` opening its own
services (the `settings` fixture's temporary SQLite catalog, originals and cache). The
catalog is seeded beforehand through the shared fixtures (`build`, `curator`), which write
to the same files; the two sets of services never share a loop. Operations are driven
with `operation.as_strategy()` under plain Hypothesis `@given` (schemathesis' own pytest
plugin, `from_fixture`, reads `Function._nodeid`, which pytest 9.2 no longer has).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
)
from starlette.routing import Route

from catalog.models import ImageOwner
from config import Settings
from edge.demo.photos import PhotoSpec
from edge.http.app import create_app
from edge.http.openapi import openapi_document

CURATOR_TOKEN = "curator-token-for-tests"  # the `curator` fixture's token (tests/conftest.py)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    ignored_auth,  # the same request without the token must get a 401
    unsupported_method,  # other methods on the path get a 405
]
EXAMPLES = {GenerationMode.POSITIVE: 30, GenerationMode.NEGATIVE: 15}  # per operation
METHODS = {"get", "head", "post", "put", "patch", "delete"}


def _operations(document: dict[str, Any]) -> set[tuple[str, str]]:
    return {
        (path, method.upper())
        for path, item in document["paths"].items()
        for method in item
        if method in METHODS
    }


def _is_id(value: object) -> bool:
    if isinstance(value, list):
        return bool(value) and all(_is_id(v) for v in value)
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


ODD_IDS = ["²", "８２", "9223372036854775808"]  # int() reads the first two
BROKEN_TEXT = ["Cola \ud800 12 oz", "Cola\x00", "\udfff"]


def _broken(value: Any, texts: list[str] = BROKEN_TEXT, n: int = 0) -> Any:
    """`value` with every string replaced by broken text (a lone surrogate, a NUL)."""
    if isinstance(value, str):
        return texts[n % len(texts)]
    if isinstance(value, dict):
        return {k: _broken(v, texts, n + i) for i, (k, v) in enumerate(value.items())}
    if isinstance(value, list):
        return [_broken(v, texts, n + i) for i, v in enumerate(value)]
    return value


# --- the document ----------------------------------------------------------------------


def test_document_is_valid_openapi() -> None:
    document = openapi_document()
    schema = schemathesis.openapi.from_dict(json.loads(json.dumps(document)))
    schema.validate()  # against the OpenAPI 3.1 meta-schema
    loaded = [result.ok() for result in schema.get_all_operations()]  # raises on a bad one
    assert {(op.path, op.method.upper()) for op in loaded} == _operations(document)


def test_every_reference_resolves() -> None:
    document = openapi_document()

    def refs(node: object) -> Iterator[str]:
        if isinstance(node, dict):
            if isinstance(node.get("$ref"), str):
                yield node["$ref"]
            for value in node.values():
                yield from refs(value)
        elif isinstance(node, list):
            for value in node:
                yield from refs(value)

    for ref in refs(document):
        target: Any = document
        for part in ref.removeprefix("#/").split("/"):
            assert part in target, f"unresolved {ref}"
            target = target[part]


def test_every_route_is_documented_and_nothing_else(settings: Settings) -> None:
    app = create_app(settings)
    served: set[tuple[str, str]] = set()
    for route in app.routes:
        if route.path.startswith("/console"):  # type: ignore[attr-defined]
            continue  # the console's HTML pages are not part of the JSON API
        assert isinstance(route, Route), f"not a plain route: {route!r}"
        methods = set(route.methods or ())
        if "GET" in methods:
            methods.discard("HEAD")  # Starlette adds HEAD to every GET route
            if route.path.startswith("/img/"):
                methods.add("HEAD")  # /img documents HEAD on its own
        served |= {(route.path, method) for method in methods}
    documented = _operations(openapi_document())
    assert served - documented == set(), "routes missing from /openapi.json"
    assert documented - served == set(), "documented operations the app does not serve"


def test_authenticated_operations_declare_bearer_security() -> None:
    document = openapi_document()
    public = {"/img/{product}/{size}", "/api/products/{product}/picture", "/api/pictures"}
    public |= {"/healthz", "/readyz", "/metrics", "/openapi.json"}
    for path, item in document["paths"].items():
        for method, op in item.items():
            if path in public:
                assert op["security"] == [], (path, method)
            else:
                assert op["security"], (path, method)
                assert "401" in op["responses"], (path, method)


# --- the running app -------------------------------------------------------------------


@pytest.fixture
async def seeded(services, build, curator) -> dict[str, Any]:
    """A store with an API key, and its product linked to a canonical product with two
    small images (small: every /img render stays quick)."""
    key = await build.store_key("S1")
    product = await build.product(PhotoSpec(240, 180, (180, 40, 40), "box"), store="S1")
    assert product.canonical_product_id is not None
    owner = {"canonical_product_id": product.canonical_product_id}
    await build.image(owner, PhotoSpec(200, 200, (20, 90, 200), "circle"))
    images = await services.catalog.list_images(
        ImageOwner(canonical_product_id=product.canonical_product_id)
    )
    assert len(images) == 2
    return {
        "product": product.id,
        "canonical": product.canonical_product_id,
        "images": [image.id for image in images],
        "store_key": key,
        "curator": curator,
    }


@pytest.fixture
def app_schema(settings: Settings, seeded: dict[str, Any]) -> Iterator[Any]:
    """The document as the running app serves it, bound to that app."""
    app = create_app(settings)
    try:
        schema = schemathesis.openapi.from_asgi("/openapi.json", app)

        @schema.hook
        def flatmap_path_parameters(context, path_parameters):
            # A third of the cases name the seeded product, so the 200 paths are exercised
            # too; a third an id in digits that are not ASCII (a 400, never a 500).
            if not isinstance((path_parameters or {}).get("product"), int):
                return st.just(path_parameters)
            seeded_product = {**path_parameters, "product": seeded["product"]}
            odd = st.sampled_from(ODD_IDS).map(lambda odd: {**path_parameters, "product": odd})
            return st.one_of(st.sampled_from([path_parameters, seeded_product]), odd)

        @schema.hook
        def flatmap_query(context, query):
            # Ids in queries: also in digits that are not ASCII, or past 2**63.
            if not isinstance(query, dict) or not {"imageId", "after"} & query.keys():
                return st.just(query)
            odd = st.sampled_from(ODD_IDS).map(
                lambda odd: {k: odd if k in ("imageId", "after") else v for k, v in query.items()}
            )
            return st.one_of(st.just(query), odd)

        @schema.hook
        def flatmap_body(context, body):
            # Half the bodies that name ids name the seeded ones, so the changes can succeed.
            if not isinstance(body, dict):
                return st.just(body)
            seeded_ids = {
                "productId": seeded["product"],
                "canonicalProductId": seeded["canonical"],
                "imageId": seeded["images"][-1],
                "imageIds": list(reversed(seeded["images"])),
            }
            replaced = {
                name: seeded_ids[name] if _is_id(value) and name in seeded_ids else value
                for name, value in body.items()
            }
            # And bodies whose every string is broken text: a 400 naming the field, or in
            # a sync each item's error, never a 5xx.
            # (A form cannot carry a lone surrogate: the client encodes it as UTF-8.)
            form = context.operation.path == "/api/images/upload"
            return st.sampled_from(
                [body, replaced, _broken(body, ["a\x00"] if form else BROKEN_TEXT)]
            )

        yield schema
    finally:
        asgi.shutdown_lifespans()  # closes the app's services (the lifespan outlives the call)


def test_app_answers_as_documented(app_schema: Any, seeded: dict[str, Any]) -> None:
    """Every operation, valid and invalid requests: no 500, only documented statuses,
    content types and headers, and bodies that match their schemas."""

    def call(case: Any) -> None:
        # The sync takes store keys only (the curator token gets a 401 there, as documented).
        token = seeded["store_key"] if case.path == "/api/sync/products" else CURATOR_TOKEN
        case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)

    failures: list[str] = []
    for result in app_schema.get_all_operations():
        operation = result.ok()
        for mode, examples in EXAMPLES.items():
            run = given(case=operation.as_strategy(generation_mode=mode))(call)
            run = settings(
                max_examples=examples,
                deadline=None,
                suppress_health_check=list(HealthCheck),
                database=None,
            )(run)
            try:
                run()
            except Unsatisfiable:  # no parameters and no body: nothing to make invalid
                assert mode is GenerationMode.NEGATIVE, operation.label
            except (Exception, BaseExceptionGroup) as exc:  # checks raise a FailureGroup
                failures.append(f"{operation.label} ({mode.value}):\n{exc}")
    assert not failures, "\n\n".join(failures)


HUGE = 2**63  # past any id: once a 500 (SQLite OverflowError), found by schemathesis


@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        ("POST", "/api/images/match", {"productId": HUGE}),
        ("PUT", "/api/images/match", {"queueItemId": HUGE, "action": "reject"}),
        ("PATCH", "/api/products/{product}/images", {"action": "set_primary", "imageId": HUGE}),
        ("PATCH", "/api/products/{product}/images", {"action": "reorder", "imageIds": [HUGE]}),
    ],
)
async def test_huge_ids_in_json_bodies_are_a_400(
    services, settings, seeded, method, url, body
) -> None:
    app = create_app(settings, services=services)
    app.state.services = services
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://edge.test") as http:
        r = await http.request(
            method, url.format(product=seeded["product"]), json=body, headers=seeded["curator"]
        )
    assert r.status_code == 400, r.text


async def test_missing_token_is_a_documented_401(client, seeded) -> None:
    """Every authenticated operation, called without a token: a 401 with
    `WWW-Authenticate: Bearer` and the Error body, as the document describes it."""
    schema = schemathesis.openapi.from_dict(json.loads(json.dumps(openapi_document())))
    ids = {"product": seeded["product"], "canonical": seeded["canonical"], "store": 1}
    checked = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        if not operation.definition.raw.get("security"):
            continue
        path = operation.path.format(**ids)
        r = await client.request(operation.method.upper(), path)
        assert r.status_code == 401, (operation.label, r.text)
        assert r.headers["www-authenticate"].startswith("Bearer"), operation.label
        assert r.json()["error"]["code"] == "token_missing", operation.label
        named = {k: v for k, v in ids.items() if f"{{{k}}}" in operation.path}
        case = operation.Case(path_parameters=named)
        case.validate_response(r, checks=CHECKS[1:5])  # documented status, type, headers, body
        checked += 1
    # 19 + key-events, webhook deliveries, and PUT|GET|DELETE /api/webhook
    assert checked == 24


async def test_openapi_json_is_served(client) -> None:
    r = await client.get("/openapi.json")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/json")
    assert r.json() == json.loads(json.dumps(openapi_document()))
