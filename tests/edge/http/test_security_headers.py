"""`nosniff` on every answer, `default-src 'none'` on everything but images and the
`<picture>` page (which gets the policy it needs), no redirect that reflects `Host`."""

from __future__ import annotations

import httpx
import pytest
from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Route

from edge.http.security_headers import ERROR_CSP, PICTURE_CSP, SecurityHeaders

NONE = "default-src 'none'"


async def test_an_image_gets_nosniff_and_no_policy(client, build):
    product = await build.product()
    answer = await client.get(f"/img/{product.id}/thumbnail.jpg")
    assert answer.status_code == 200
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert "content-security-policy" not in answer.headers


async def test_json_answers_and_errors_load_nothing(client, build, curator):
    product = await build.product()
    for path, status in [
        (f"/api/products/{product.id}", 200),
        ("/img/999999/medium", 404),  # an error on the image route is JSON too
        ("/img/abc/medium", 400),
        ("/nowhere", 404),
        ("/openapi.json", 200),
    ]:
        answer = await client.get(path, headers=curator)
        assert answer.status_code == status, path
        assert answer.headers["x-content-type-options"] == "nosniff", path
        assert answer.headers["content-security-policy"] == ERROR_CSP, path
        assert answer.headers["content-security-policy"].startswith(NONE)


async def test_the_picture_page_may_show_its_images_and_placeholder(client, build):
    product = await build.product()
    answer = await client.get(f"/api/products/{product.id}/picture")
    assert answer.status_code == 200
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers.get_list("content-security-policy") == [PICTURE_CSP]
    assert "img-src 'self' data:" in PICTURE_CSP  # /img URLs and the data: placeholder


async def test_an_html_error_gets_the_strict_policy():
    async def page(request):
        return Response("<p>gone</p>", status_code=410, media_type="text/html")

    app = SecurityHeaders(Starlette(routes=[Route("/", page)]))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://t") as h:
        answer = await h.get("/")
    assert answer.headers["content-security-policy"] == ERROR_CSP
    assert answer.headers["x-content-type-options"] == "nosniff"


async def test_an_unexpected_error_carries_the_headers_too(settings, services, monkeypatch):
    # The 500 comes from Starlette's outermost middleware: the headers wrap even that.
    from edge.http.app import create_app

    monkeypatch.setattr("edge.http.routes.health._is_up", _raise)
    app = create_app(settings, services=services)
    app.state.services = services
    transport = httpx.ASGITransport(app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        answer = await http.get("/readyz")
    assert answer.status_code == 500
    assert answer.json()["error"]["code"] == "internal_error"
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["content-security-policy"] == ERROR_CSP


async def _raise(*args: object) -> bool:
    raise RuntimeError("not translated")


@pytest.mark.parametrize("path", ["/healthz/", "//evil.example/", "/img/1/medium/"])
async def test_a_trailing_slash_is_a_404_not_a_redirect(client, path):
    # A full URL keeps `//evil.example/` a path (a relative Location would be off-site).
    answer = await client.get(
        httpx.URL(f"http://edge.test{path}"), headers={"host": "evil.example"}
    )
    assert answer.status_code == 404
    assert "location" not in answer.headers
    assert answer.json()["error"]["code"] == "not_found"
    assert "evil.example" not in answer.text
