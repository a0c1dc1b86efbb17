"""No request of any shape yields a 500: property tests throwing malformed JSON, broken
text, odd headers, malformed multipart and weird path and query ids at every route of the
running app (in process, Starlette's TestClient), on both catalog backends. Every
dependency is up here, so any 5xx is a bug (a 503 too: it would be an input reported as
an outage).

The app opens its own services in the TestClient's loop; the catalog is seeded first
through the shared fixtures, which write to the same database (as `test_openapi.py`)."""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from starlette.exceptions import StarletteDeprecationWarning
from starlette.routing import Mount, Route

with warnings.catch_warnings():  # starlette would have httpx2; httpx serves these tests
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from starlette.testclient import TestClient

from config import Settings
from edge.demo.photos import PhotoSpec, photo
from edge.http.app import create_app

CURATOR_TOKEN = "curator-token-for-tests"  # the `curator` fixture's token (tests/conftest.py)
EXAMPLES = 120  # per test and backend


# Each catalog backend (tests/edge/http/conftest.py reads the parameter).
pytestmark = pytest.mark.parametrize("settings", ["sqlite", "postgresql"], indirect=True)


@pytest.fixture
async def seeded(services, build, curator) -> dict[str, Any]:
    key = await build.store_key("S1")
    product = await build.product(PhotoSpec(160, 120, (180, 40, 40), "box"), store="S1")
    return {"product": product.id, "canonical": product.canonical_product_id, "store": key}


@pytest.fixture
def http(settings: Settings, seeded: dict[str, Any]) -> Iterator[TestClient]:
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        yield client


# --- what is thrown ---------------------------------------------------------------------

WEIRD_IDS = [
    "²", "８２", "٣", "0", "-1", "+1", " 1", "1 ", "01", "1.0", "1e3", "1_0", "0x1",
    "9223372036854775807", "9223372036854775808", "1" * 40, "", "%00", "%FF", "%ED%A0%80",
    "..", "%2e%2e", "null", "[]", "true",
]  # fmt: skip


def _segment(seeded: dict[str, Any]) -> st.SearchStrategy[str]:
    """A path segment: a seeded id, a size, an odd id, or any text (percent-encoded,
    lone surrogates included)."""
    text = st.text(max_size=30).map(lambda s: quote(s, safe="", errors="surrogatepass"))
    seeded_ids = st.sampled_from([str(seeded["product"]), str(seeded["canonical"])])
    weird = st.sampled_from(WEIRD_IDS)
    return st.one_of(
        seeded_ids,
        seeded_ids,
        st.sampled_from(["small", "original.webp", "thumbnail@2x.avif", "large.png", "x@3x"]),
        weird,
        weird,
        st.integers(min_value=-(2**70), max_value=2**70).map(str),
        text,
    )


QUERY_NAMES = {
    "/api/canonical-products": ["after", "limit", "provisional"],
    "/api/products/{product}/images": ["imageId"],
    "/api/products/{product}/picture": ["priority"],
    "/img/{product}/{size}": ["v"],
}


def _query(seeded: dict[str, Any], path: str) -> st.SearchStrategy[str]:
    """Query strings of the names the route reads (and one it does not), odd values."""
    names = st.sampled_from([*QUERY_NAMES.get(path, []), "x"])
    value = st.one_of(
        _segment(seeded), st.sampled_from(WEIRD_IDS), st.sampled_from(["true", "0", "500"])
    )
    pairs = st.lists(st.tuples(names, value), max_size=3)
    return pairs.map(lambda ps: "&".join(f"{k}={v}" for k, v in ps))


def _odd_strings() -> st.SearchStrategy[str]:
    return st.one_of(
        st.text(max_size=20),
        st.sampled_from(["\ud800", "Cola \udfff 12 oz", "\x00", "a\x07b", "\ud83d\ude00"]),
        st.sampled_from(["http://[", "http://a:b@[x]/", "https://a.test:99999/", "http://%zz/"]),
        st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF),
    )


def _json_values(seeded: dict[str, Any]) -> st.SearchStrategy[Any]:
    ids = st.one_of(
        st.sampled_from([seeded["product"], seeded["canonical"], 1, 0, -1]),
        st.integers(min_value=-(2**80), max_value=2**80),
    )
    leaves = st.one_of(st.none(), st.booleans(), ids, st.floats(allow_nan=False), _odd_strings())
    return st.recursive(
        leaves,
        lambda inner: st.one_of(
            st.lists(inner, max_size=4), st.dictionaries(_odd_strings(), inner, max_size=4)
        ),
        max_leaves=12,
    )


FIELDS = [
    "productId", "queueItemId", "action", "canonicalProductId", "newProductData", "imageId",
    "imageIds", "source", "image_url", "into", "products", "external_id", "name", "upc",
    "brand", "price", "category",
]  # fmt: skip
ACTIONS = ["confirm", "reject", "set_primary", "reorder", "use_custom_image", "x"]


def _json_body(seeded: dict[str, Any]) -> st.SearchStrategy[bytes]:
    """Objects shaped like the API's bodies (known fields, odd values), any JSON, JSON
    made malformed, and deep nesting; lone surrogates are sent as `\\udXXX` escapes."""
    values = _json_values(seeded)
    shaped = st.dictionaries(
        st.sampled_from(FIELDS), st.one_of(values, st.sampled_from(ACTIONS)), max_size=5
    )
    sync = st.lists(shaped, min_size=1, max_size=4).map(lambda items: {"products": items})
    documents = st.one_of(shaped, sync, values).map(lambda v: json.dumps(v).encode())
    depth = st.integers(min_value=1, max_value=300_000)
    deep = st.tuples(depth, st.sampled_from([b"[", b'{"a":'])).map(
        lambda d: b'{"products":' + d[1] * d[0] + b"1" + (b"]" if d[1] == b"[" else b"}") * d[0]
    )
    cut = st.tuples(documents, st.integers(min_value=0, max_value=200)).map(lambda d: d[0][: d[1]])
    return st.one_of(documents, deep, cut, st.binary(max_size=200))


def _multipart(seeded: dict[str, Any]) -> st.SearchStrategy[tuple[str, bytes]]:
    """(content type, body): forms with odd fields and files, truncated or with a
    boundary that does not match."""
    jpeg = photo(PhotoSpec(32, 24, (1, 2, 3), "box"))
    field = st.sampled_from(["canonicalProductId", "productId", "isPrimary", "sortOrder", "file"])
    value = st.one_of(
        _segment(seeded).map(str.encode),
        st.sampled_from([b"2147483648", b"true", b"\x00", b"\xed\xa0\x80", b"\xff"]),
    )
    filename = st.sampled_from(['; filename="a.jpg"', '; filename="\x00.jpg"', ""])
    content = st.one_of(st.just(jpeg), st.binary(max_size=64))
    part = st.tuples(field, filename, st.one_of(value, content))
    boundary = st.sampled_from(["b0undary", "x" * 71, ""])

    def build(parts: list[tuple[str, str, bytes]], b: str, cut: int | None, sent: str) -> Any:
        body = (
            b"".join(
                f'--{b}\r\nContent-Disposition: form-data; name="{n}"{f}\r\n\r\n'.encode()
                + data
                + b"\r\n"
                for n, f, data in parts
            )
            + f"--{b}--\r\n".encode()
        )
        return (f"multipart/form-data; boundary={sent}", body[:cut])

    return st.builds(
        build,
        st.lists(part, max_size=4),
        boundary,
        st.none() | st.integers(min_value=0, max_value=400),
        st.one_of(boundary, st.just("other")),
    )


def _headers(seeded: dict[str, Any]) -> st.SearchStrategy[dict[str, str]]:
    tokens = st.sampled_from([f"Bearer {CURATOR_TOKEN}", f"Bearer {seeded['store']}", "Bearer"])
    latin = st.text(st.characters(min_codepoint=32, max_codepoint=255), max_size=40)
    return st.fixed_dictionaries(
        {},
        optional={
            "authorization": st.one_of(tokens, latin),
            "accept": st.one_of(latin, st.sampled_from(["image/avif;q=0", "*/*;q=x", "," * 200])),
            "if-none-match": latin,
            "content-type": st.one_of(
                latin, st.sampled_from(["application/json", "application/json; charset=utf-16"])
            ),
        },
    )


def _operations() -> list[tuple[str, str]]:
    """Every route and method the app serves (the console's too; not its static files)."""
    found = []
    for route in create_app(Settings()).routes:
        if isinstance(route, Mount):
            assert route.path == "/console/static", f"an unexpected mount: {route!r}"
            continue
        assert isinstance(route, Route)
        found += [(method, route.path) for method in sorted(route.methods or ())]
    return found


OPERATIONS = _operations()
WITH_BODY = [op for op in OPERATIONS if op[0] in ("POST", "PUT", "PATCH")]


def _call(http: TestClient, method: str, template: str, segments: list[str], query: str, **kw):
    path = template
    for segment in segments:
        if "{" not in path:
            break
        start = path.index("{")
        path = path[:start] + segment + path[path.index("}", start) + 1 :]
    url = f"{path}?{query}" if query else path
    headers = {k: v.encode("latin-1") for k, v in kw.pop("headers", {}).items()}
    r = http.request(method, url, headers=headers, **kw)
    assert r.status_code < 500, (method, url, r.status_code, r.text[:300])
    return r


def _examples(n: int) -> Any:
    return hypothesis_settings(
        max_examples=n, deadline=None, suppress_health_check=list(HealthCheck), database=None
    )


def _auth(seeded: dict[str, Any], path: str) -> dict[str, str]:
    """A token the route takes: the sync takes store keys only."""
    token = seeded["store"] if path == "/api/sync/products" else CURATOR_TOKEN
    return {"authorization": f"Bearer {token}"}


@pytest.mark.parametrize("op", WITH_BODY, ids=" ".join)
def test_json_bodies_of_any_shape(http: TestClient, seeded: dict[str, Any], op) -> None:
    segments = st.lists(_segment(seeded), min_size=2, max_size=2)
    kinds = st.sampled_from(["application/json", "text/plain", ""])

    @_examples(40)
    @given(segments=segments, body=_json_body(seeded), content_type=kinds)
    def run(segments, body, content_type) -> None:
        headers = {**_auth(seeded, op[1]), "content-type": content_type}
        _call(http, *op, segments, "", content=body, headers=headers)

    run()


@pytest.mark.parametrize("op", OPERATIONS, ids=" ".join)
def test_ids_and_queries_of_any_shape(http: TestClient, seeded: dict[str, Any], op) -> None:
    segments = st.lists(_segment(seeded), min_size=2, max_size=2)

    @_examples(40)
    @given(segments=segments, query=_query(seeded, op[1]))
    def run(segments, query) -> None:
        _call(http, *op, segments, query, headers=_auth(seeded, op[1]))

    run()


def test_headers_of_any_shape(http: TestClient, seeded: dict[str, Any]) -> None:
    @_examples(150)
    @given(
        op=st.sampled_from(OPERATIONS),
        segments=st.lists(_segment(seeded), min_size=2, max_size=2),
        headers=_headers(seeded),
    )
    def run(op, segments, headers) -> None:
        _call(http, *op, segments, "", headers={**_auth(seeded, op[1]), **headers})

    run()


def test_multipart_of_any_shape(http: TestClient, seeded: dict[str, Any]) -> None:
    @_examples(150)
    @given(form=_multipart(seeded), token=st.sampled_from([CURATOR_TOKEN, seeded["store"]]))
    def run(form, token) -> None:
        content_type, body = form
        headers = {"authorization": f"Bearer {token}", "content-type": content_type}
        _call(http, "POST", "/api/images/upload", [], "", content=body, headers=headers)

    run()


@pytest.mark.parametrize("op", OPERATIONS, ids=" ".join)
def test_every_odd_id_in_every_slot(http: TestClient, seeded: dict[str, Any], op) -> None:
    """Not left to chance: each odd id in each path slot and each query name the route
    reads, with the other slots valid."""
    method, path = op
    valid = {"product": str(seeded["product"]), "canonical": str(seeded["canonical"])}
    valid["size"] = "small"
    slots = [name for name in valid if f"{{{name}}}" in path]
    auth = _auth(seeded, path)
    for odd in WEIRD_IDS:
        for slot in slots:
            segments = [odd if s == slot else valid[s] for s in slots]
            _call(http, method, path, segments, "", headers=auth)
        for name in QUERY_NAMES.get(path, []):
            segments = [valid[s] for s in slots]
            _call(http, method, path, segments, f"{name}={odd}", headers=auth)
