"""`/img` under IMGEDGE_AVIF_POLICY and IMGEDGE_WARM_VARIANTS, with real renders:
- `fallback`: a negotiated AVIF not cached yet is answered at once with the best other
  format cached, else JPEG (the quickest to encode), short-lived and never immutable;
  the AVIF is encoded behind it for the next request;
- `wait` (the default) and forced `.avif` URLs wait for the AVIF;
- an uploaded image's listing variants are rendered before its first shopper asks."""

from __future__ import annotations

import pytest

from config import Settings, SettingsError
from edge.demo.photos import PhotoSpec, photo
from edge.imaging.formats import Format
from edge.services import warm_variants

BROWSER = "image/avif,image/webp,image/apng,image/*,*/*;q=0.8"
IMMUTABLE = "public, max-age=31536000, immutable"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.replace(
        avif_policy="fallback", warm_variants="thumbnail.avif,thumbnail.webp,small.avif"
    )


async def test_first_answer_is_jpeg_short_lived_then_avif(client, build, services):
    product = await build.product()
    url = f"/img/{product.id}/medium"
    first = await client.get(url, headers={"accept": BROWSER})
    assert first.status_code == 200
    assert first.headers["content-type"] == "image/jpeg"
    assert first.headers["cache-control"] == "public, max-age=10"
    assert first.headers["vary"] == "Accept"
    assert ".jpg" in first.headers["etag"]
    await services.variants.background.settled()
    await services.cache.settled()
    second = await client.get(url, headers={"accept": BROWSER})
    assert second.headers["content-type"] == "image/avif"
    assert second.content[4:12] == b"ftypavif"
    assert "stale-while-revalidate" in second.headers["cache-control"]
    assert second.headers["etag"] != first.headers["etag"]
    metrics = (await client.get("/metrics")).text
    assert "imgedge_avif_fallbacks_total 1.0" in metrics


async def test_a_cached_webp_stands_in_and_answers_304_to_its_own_etag(client, build, services):
    product = await build.product()
    url = f"/img/{product.id}/small"
    services.variants.background.close()  # the AVIF never comes in this test
    await client.get(f"{url}.webp")
    first = await client.get(url, headers={"accept": BROWSER})
    assert first.headers["content-type"] == "image/webp"  # cached: better than a new JPEG
    again = await client.get(
        url, headers={"accept": BROWSER, "if-none-match": first.headers["etag"]}
    )
    assert again.status_code == 304
    assert again.headers["cache-control"] == "public, max-age=10"
    only_avif = await client.get(url, headers={"accept": "image/avif"})
    assert only_avif.headers["content-type"] == "image/jpeg"  # as when nothing is acceptable


async def test_a_versioned_url_is_never_immutable_while_it_falls_back(client, build, services):
    product = await build.product()
    image = await services.resolver.resolve(product.id)
    url = f"/img/{product.id}/small?v={image.version}"
    first = await client.get(url, headers={"accept": BROWSER})
    assert first.headers["content-type"] == "image/jpeg"
    assert "immutable" not in first.headers["cache-control"]
    await services.variants.background.settled()
    second = await client.get(url, headers={"accept": BROWSER})
    assert (second.headers["content-type"], second.headers["cache-control"]) == (
        "image/avif",
        IMMUTABLE,
    )


async def test_a_forced_avif_url_waits_for_the_avif(client, build, services):
    product = await build.product()
    r = await client.get(f"/img/{product.id}/small.avif", headers={"accept": BROWSER})
    assert r.headers["content-type"] == "image/avif"
    assert services.variants.fallbacks == 0


async def test_wait_policy_serves_avif_first(client, build, services):
    object.__setattr__(services, "settings", services.settings.replace(avif_policy="wait"))
    product = await build.product()
    r = await client.get(f"/img/{product.id}/small", headers={"accept": BROWSER})
    assert r.headers["content-type"] == "image/avif"
    assert services.variants.fallbacks == 0


async def test_an_uploaded_image_is_warm_for_its_first_shopper(client, build, services, curator):
    product = await build.product(None)
    variants = services.variants
    jpeg = photo(PhotoSpec(900, 600, (200, 50, 50), "box"))
    r = await client.post(
        "/api/images/upload",
        data={"productId": str(product.id), "isPrimary": "true"},
        files=[("file", ("a.jpg", jpeg, "image/jpeg"))],
        headers=curator,
    )
    assert r.status_code == 201, r.text
    await variants.background.settled()
    renders = variants.renders
    assert renders == 3
    for size, media_type in (("thumbnail", "image/avif"), ("small", "image/avif")):
        first = await client.get(f"/img/{product.id}/{size}", headers={"accept": BROWSER})
        assert first.headers["content-type"] == media_type
    assert (variants.renders, variants.fallbacks) == (renders, 0)  # hits, no fallback


def test_warm_variants_name_sizes_and_presets_known_at_start(settings):
    with_preset = settings.replace(presets="tile=300x300:cover-centre", warm_variants="tile.webp")
    [(size, fmt)] = warm_variants(with_preset)
    assert (size.size, size.preset is not None, fmt) == ("tile", True, Format.WEBP)
    with pytest.raises(SettingsError) as info:
        warm_variants(settings.replace(warm_variants="huge.avif"))
    assert str(info.value).startswith("IMGEDGE_WARM_VARIANTS")
