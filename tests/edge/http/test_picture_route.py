"""`GET /api/products/<id>/picture`: markup for the image the product shows now."""

from __future__ import annotations

from html.parser import HTMLParser

from edge.demo.photos import PhotoSpec


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def parse(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = Tags()
    parser.feed(html)
    return parser.tags


async def test_markup_follows_the_shown_image_and_every_url_serves_it(client, build, services):
    product = await build.product(PhotoSpec(1000, 800, (90, 30, 30), "box"))
    r = await client.get(f"/api/products/{product.id}/picture")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert "immutable" not in r.headers["cache-control"]
    tags = parse(r.text)
    assert [t for t, _ in tags] == ["picture", "source", "source", "img"]
    img = tags[-1][1]
    assert (img["width"], img["height"], img["loading"]) == ("1000", "800", "lazy")
    assert img["alt"] == product.name
    assert "data:image/webp;base64," in (img["style"] or "")
    version = (await services.resolver.resolve(product.id)).version
    for tag, attrs in tags[1:]:
        for candidate in (attrs["srcset"] or "").split(", "):
            url, _width = candidate.split(" ")
            assert url.endswith(f"?v={version}")
            got = await client.get(url)
            assert got.status_code == 200
            assert got.headers["cache-control"] == "public, max-age=31536000, immutable"
            if tag == "source":
                assert got.headers["content-type"] == attrs["type"]

    eager = parse((await client.get(f"/api/products/{product.id}/picture?priority=1")).text)
    assert eager[-1][1]["loading"] == "eager"
    assert eager[-1][1]["fetchpriority"] == "high"


async def test_no_image_unknown_product_and_bad_query(client, build):
    bare = await build.product(None)
    r = await client.get(f"/api/products/{bare.id}/picture")
    assert (r.status_code, r.json()["error"]["code"]) == (404, "image_not_found")
    r = await client.get("/api/products/999999/picture")
    assert (r.status_code, r.json()["error"]["code"]) == (404, "product_not_found")
    r = await client.get(f"/api/products/{bare.id}/picture?priority=yes")
    assert (r.status_code, r.json()["error"]["code"]) == (400, "invalid_field")
    r = await client.get("/api/products/..%2Fetc/picture")
    assert r.status_code in (400, 404)
