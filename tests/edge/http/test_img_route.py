"""`GET|HEAD /img/<product>/<size>`: resolution, negotiation, headers, caching, bad input."""

from __future__ import annotations

import asyncio

import pytest
import pyvips

from catalog.models import ImageOwner, MatchStatus
from edge.demo.photos import PhotoSpec
from edge.http.caching import IMMUTABLE
from edge.imaging.failures import FailureMemory

CHROME_ACCEPT = "image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8"


def decoded(body: bytes) -> pyvips.Image:
    return pyvips.Image.new_from_buffer(body, "")


def reddish(image: pyvips.Image) -> bool:
    """Whether red outweighs blue over the image (the photos' backgrounds are grey)."""
    return image.extract_band(0).avg() > image.extract_band(2).avg() + 10


def bluish(image: pyvips.Image) -> bool:
    return image.extract_band(2).avg() > image.extract_band(0).avg() + 10


async def test_serves_canonical_primary_negotiated(client, build):
    product = await build.product()
    r = await client.get(f"/img/{product.id}/small", headers={"accept": CHROME_ACCEPT})
    assert r.status_code == 200
    assert r.headers["content-type"] == "image/avif"
    assert r.headers["vary"] == "Accept"
    assert int(r.headers["content-length"]) == len(r.content)
    assert decoded(r.content).width == 400


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        (None, "image/jpeg"),
        ("*/*", "image/jpeg"),
        ("image/webp,*/*", "image/webp"),
        ("image/avif;q=0,image/webp,*/*;q=0.8", "image/webp"),
        ("image/png", "image/png"),
    ],
)
async def test_accept_header_picks_format(client, build, accept, media_type):
    product = await build.product()
    headers = {"accept": accept} if accept is not None else {}
    r = await client.get(f"/img/{product.id}/thumbnail", headers=headers)
    assert r.status_code == 200
    assert r.headers["content-type"] == media_type


async def test_explicit_format_has_no_vary(client, build):
    product = await build.product()
    r = await client.get(f"/img/{product.id}/medium.webp", headers={"accept": "image/jpeg"})
    assert r.headers["content-type"] == "image/webp"
    assert "vary" not in r.headers
    assert decoded(r.content).width == 800


async def test_retina_is_capped_at_original_width(client, build):
    product = await build.product(PhotoSpec(1000, 700, (20, 90, 200), "can"))
    r = await client.get(f"/img/{product.id}/medium@2x.jpg")
    assert decoded(r.content).width == 1000
    r = await client.get(f"/img/{product.id}/small@2x.jpg")
    assert decoded(r.content).width == 800


async def test_transparent_source_negotiates_png_over_jpeg(client, build):
    product = await build.product(PhotoSpec(600, 600, (20, 90, 200), "box", transparent=True))
    r = await client.get(f"/img/{product.id}/small", headers={"accept": "*/*"})
    assert r.headers["content-type"] == "image/png"
    assert decoded(r.content).hasalpha()


async def test_custom_image_wins_only_while_override_is_set(client, build, services):
    product = await build.product(PhotoSpec(800, 800, (200, 0, 0), "box"))
    custom = await build.image(
        {"store_product_id": product.id}, PhotoSpec(800, 800, (0, 0, 200), "can")
    )
    canonical_body = (await client.get(f"/img/{product.id}/small.jpg")).content

    await services.catalog.set_use_custom_image(product.id, True)
    services.resolver.invalidate(product.id)
    r = await client.get(f"/img/{product.id}/small.jpg")
    assert r.content != canonical_body
    assert custom.content_hash[:16] in r.headers["etag"]

    await services.catalog.set_use_custom_image(product.id, False)
    services.resolver.invalidate(product.id)
    assert (await client.get(f"/img/{product.id}/small.jpg")).content == canonical_body


async def test_override_without_custom_image_falls_back_to_canonical(client, build, services):
    product = await build.product(PhotoSpec(1000, 800, (200, 0, 0), "box"))
    catalog = services.catalog
    # Another store sells the same canonical product with its own (blue, square) photo:
    # it must not leak into this product's fallback.
    other_store = await catalog.create_store("S2")
    other = await catalog.upsert_store_product(
        store_id=other_store.id, external_id="other", upc=None, gtin=None, name="p"
    )
    await catalog.link_store_product(
        other.id, product.canonical_product_id, MatchStatus.LINKED, 100.0
    )
    custom = await build.image(
        {"store_product_id": other.id}, PhotoSpec(800, 800, (0, 0, 200), "can")
    )
    await catalog.set_use_custom_image(other.id, True)
    (canonical,) = await catalog.list_images(ImageOwner(product.canonical_product_id, None))

    await catalog.set_use_custom_image(product.id, True)
    r = await client.get(f"/img/{product.id}/small.jpg")
    assert r.status_code == 200
    assert canonical.version in r.headers["etag"]
    image = decoded(r.content)
    assert (image.width, image.height) == (400, 320)  # the canonical's 5:4, not 1:1
    assert reddish(image)

    r = await client.get(f"/img/{other.id}/small.jpg")  # the tell-tale image is served there
    assert custom.version in r.headers["etag"]
    image = decoded(r.content)
    assert (image.width, image.height) == (400, 400)
    assert bluish(image)


async def test_unknown_product_and_product_without_image_are_404_json(client, build):
    r = await client.get("/img/987654/small")
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "product_not_found"
    bare = await build.product(spec=None)
    r = await client.get(f"/img/{bare.id}/small")
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "image_not_found"


async def test_unlinked_product_has_no_image(client, build, services):
    product = await build.product()
    await services.catalog.link_store_product(product.id, None, MatchStatus.REVIEW)
    services.resolver.invalidate(product.id)
    r = await client.get(f"/img/{product.id}/small")
    assert r.status_code == 404


@pytest.mark.parametrize(
    ("path", "status", "code"),
    [
        ("/img/1/huge", 400, "unknown_size"),
        ("/img/1/small.gif", 400, "unknown_format"),
        ("/img/1/small@3x", 400, "unknown_size"),
        ("/img/abc/small", 400, "invalid_product_id"),
        ("/img/0/small", 400, "invalid_product_id"),
        ("/img/-1/small", 400, "invalid_product_id"),
        ("/img/1.0/small", 400, "invalid_product_id"),
        ("/img/..%2F..%2Fetc%2Fpasswd/small", 404, "not_found"),
        ("/img/../../etc/passwd", 404, "not_found"),
        ("/img/%2e%2e/small", 400, "invalid_product_id"),
        ("/img/1/small/extra", 404, "not_found"),
    ],
)
async def test_bad_urls_get_json_errors(client, build, path, status, code):
    await build.product()
    r = await client.get(path)
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/json"
    assert r.json()["error"]["code"] == code


async def test_etag_and_304(client, build):
    product = await build.product()
    url = f"/img/{product.id}/small"
    first = await client.get(url, headers={"accept": "image/webp"})
    etag = first.headers["etag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    again = await client.get(url, headers={"accept": "image/webp", "if-none-match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    assert again.headers["vary"] == "Accept"
    weak = await client.get(url, headers={"accept": "image/webp", "if-none-match": f"W/{etag}"})
    assert weak.status_code == 304
    # Another format is another representation: its ETag differs, no 304.
    other = await client.get(url, headers={"accept": "image/jpeg", "if-none-match": etag})
    assert other.status_code == 200
    assert other.headers["etag"] != etag


async def test_a_304_reads_no_variant_bytes_from_any_tier(client, build, services):
    """The ETag comes from the resolution (content hash, box, format, pipeline): a
    revalidation is answered without reading the variant from memory or disk."""
    product = await build.product()
    url = f"/img/{product.id}/small"
    etag = (await client.get(url, headers={"accept": "image/webp"})).headers["etag"]
    cache = services.cache
    disk_reads = []
    real_get, real_read_now = cache.shared.get, cache.shared.read_now

    async def counting_get(key):
        disk_reads.append(key)
        return await real_get(key)

    def counting_read_now(key):  # a miss's own render thread reads the disk this way
        disk_reads.append(key)
        return real_read_now(key)

    cache.shared.get, cache.shared.read_now = counting_get, counting_read_now
    await cache.memory.close()  # the variant is now only on disk
    before = dict(cache.stats)
    for _ in range(3):
        again = await client.get(url, headers={"accept": "image/webp", "if-none-match": etag})
        assert again.status_code == 304
    assert dict(cache.stats) == before  # no memory lookup either
    assert disk_reads == []
    # The counter does see a read: a 200 for the same URL goes to the disk.
    assert (await client.get(url, headers={"accept": "image/webp"})).status_code == 200
    assert len(disk_reads) == 1 and cache.stats["memory_miss"] == before["memory_miss"] + 1


async def test_head_matches_get_without_body(client, build):
    product = await build.product()
    url = f"/img/{product.id}/medium.webp"
    get = await client.get(url)
    head = await client.head(url)
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-length"] == str(len(get.content))
    assert head.headers["etag"] == get.headers["etag"]
    assert head.headers["content-type"] == "image/webp"


async def test_only_the_current_version_is_immutable(client, build, services, curator):
    product = await build.product()
    body = (await client.get(f"/api/products/{product.id}", headers=curator)).json()
    url = body["image"]["urls"]["small"]
    version = body["image"]["version"]
    assert url.endswith(f"?v={version}")

    versioned = await client.get(url)
    assert versioned.headers["cache-control"] == IMMUTABLE
    plain = await client.get(f"/img/{product.id}/small")
    assert "immutable" not in plain.headers["cache-control"]
    assert "stale-while-revalidate=" in plain.headers["cache-control"]

    # The product's image changes: the old version is now stale and must not be immutable.
    await build.image({"store_product_id": product.id}, PhotoSpec(500, 500, (0, 200, 0), "bottle"))
    await services.catalog.set_use_custom_image(product.id, True)
    services.resolver.invalidate(product.id)
    stale = await client.get(url)
    assert stale.status_code == 200
    assert "immutable" not in stale.headers["cache-control"]
    again = await client.get(f"/api/products/{product.id}", headers=curator)
    new_version = again.json()["image"]["version"]
    assert new_version != version


async def test_twenty_concurrent_requests_render_once(client, build, services):
    product = await build.product(PhotoSpec(1600, 1200, (10, 10, 10), "bottle"))
    url = f"/img/{product.id}/large.avif"
    responses = await asyncio.gather(*(client.get(url) for _ in range(20)))
    assert {r.status_code for r in responses} == {200}
    assert len({r.content for r in responses}) == 1
    assert services.variants.renders == 1


async def test_cache_hit_makes_no_catalog_query_and_no_render(client, build, services):
    product = await build.product()
    url = f"/img/{product.id}/thumbnail.webp"
    await client.get(url)
    queries, renders = services.resolver.queries, services.variants.renders

    async def fail(*args, **kwargs):
        raise AssertionError("the hot path touched the catalog or the originals")

    services.catalog.resolve = fail  # type: ignore[method-assign]
    services.originals.get = fail  # type: ignore[method-assign]
    services.cache.shared.get = fail  # type: ignore[union-attr]
    for _ in range(5):
        assert (await client.get(url)).status_code == 200
    assert services.resolver.queries == queries
    assert services.variants.renders == renders


async def test_corrupt_original_is_422_remembered_briefly_and_not_cached(client, build, services):
    now = [0.0]
    services.variants.failures = FailureMemory(60.0, 100, clock=lambda: now[0])
    product = await build.product()
    image = await services.resolver.resolve(product.id)
    path = services.originals._path(image.content_hash)  # type: ignore[attr-defined]
    good = path.read_bytes()
    path.write_bytes(good[: len(good) // 3])
    r = await client.get(f"/img/{product.id}/small.jpg")
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "source_unreadable"
    # Asked again within the failure TTL: the same answer, without a render.
    path.write_bytes(good)
    again = await client.get(f"/img/{product.id}/small.jpg")
    assert (again.status_code, again.json()) == (422, r.json())
    assert services.variants.renders == 1
    # Nothing was cached: once the TTL is over, the same URL renders fine.
    now[0] += 61
    assert (await client.get(f"/img/{product.id}/small.jpg")).status_code == 200
    assert services.variants.renders == 2


async def test_pixel_bomb_is_refused_before_decoding(client, build, services):
    product = await build.product(spec=None)
    bomb = pyvips.Image.black(8000, 8000).pngsave_buffer(compression=9)
    digest = (await services.originals.put(bomb)).digest
    from catalog.models import NewImage

    await services.catalog.add_image(
        NewImage(digest, 8000, 8000, False, len(bomb), "image/png", store_product_id=product.id)
    )
    await services.catalog.set_use_custom_image(product.id, True)
    limited = services.settings.replace(max_source_pixels=10_000_000)
    services.variants._limits = type(services.variants._limits).from_settings(limited)
    r = await client.get(f"/img/{product.id}/small.jpg")
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "source_too_large"
