"""`/img/<id>/<preset>[@2x][.<fmt>]` with `IMGEDGE_PRESETS` set: the named sizes keep
working, presets render their box, unknown names stay 400."""

from __future__ import annotations

import pytest
import pyvips

from config import Settings
from edge.demo.photos import PhotoSpec


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.replace(presets="tile=300x300:cover-attention,strip=400x100")


async def test_presets_render_their_box_beside_the_sizes(client, build, services):
    product = await build.product(PhotoSpec(1000, 800, (90, 30, 30), "box"))
    version = (await services.resolver.resolve(product.id)).version
    expected = {
        "tile.webp": (300, 300),
        "tile@2x.jpg": (600, 600),
        "strip.png": (125, 100),
        "small.webp": (400, 320),
    }
    for segment, size in expected.items():
        r = await client.get(f"/img/{product.id}/{segment}?v={version}")
        assert r.status_code == 200, (segment, r.text)
        image = pyvips.Image.new_from_buffer(r.content, "")
        assert (image.width, image.height) == size, segment
        assert r.headers["cache-control"] == "public, max-age=31536000, immutable"
    negotiated = await client.get(f"/img/{product.id}/tile", headers={"accept": "image/avif"})
    assert negotiated.headers["content-type"] == "image/avif"
    assert negotiated.headers["vary"] == "Accept"
    small = await client.get(f"/img/{product.id}/small.webp")
    tile = await client.get(f"/img/{product.id}/tile.webp")
    assert small.headers["etag"] != tile.headers["etag"]
    r = await client.get(f"/img/{product.id}/banner")
    assert (r.status_code, r.json()["error"]["code"]) == (400, "unknown_size")
    assert "tile" in r.json()["error"]["message"]
