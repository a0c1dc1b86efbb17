"""A dependency that fails becomes one clear answer, mapped once at the app: a catalog or
originals outage is a 503 JSON error (never a traceback), and nothing is half-stored."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from catalog.models import ImageOwner
from edge.demo.photos import PhotoSpec, photo


def _block(folder: Path) -> None:
    """A file where the store's folder should be: every write under it fails."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.write_bytes(b"")


UNAVAILABLE = {"code": "unavailable", "message": "the catalog is not answering"}


async def test_a_broken_catalog_is_a_503_on_every_route_that_needs_it(
    client, services, build, curator, settings
):
    product = await build.product()
    # Break the catalog under the running edge: its tables vanish, every query fails.
    with sqlite3.connect(settings.database_url.removeprefix("sqlite:///")) as db:
        for table in ("catalog_meta", "store_products", "product_images"):
            db.execute(f"ALTER TABLE {table} RENAME TO {table}_gone")
    answers = [
        await client.get(f"/img/{product.id + 1}/small"),  # resolution misses the cache
        await client.get(f"/api/products/{product.id}", headers=curator),  # token check
        await client.get(f"/api/products/{product.id}/picture"),
    ]
    for r in answers:
        assert r.status_code == 503, r.text
        assert r.json() == {"error": UNAVAILABLE}


async def test_an_originals_store_that_cannot_write_is_a_503_and_attaches_nothing(
    client, services, build, curator, settings
):
    product = await build.product(None)
    _block(Path(settings.originals_url.removeprefix("file://")))
    jpeg = photo(PhotoSpec(64, 48, (10, 20, 30), "box"))
    r = await client.post(
        "/api/images/upload",
        data={"canonicalProductId": str(product.canonical_product_id)},
        files=[("file", ("a.jpg", jpeg))],
        headers=curator,
    )
    assert r.status_code == 503
    assert r.json() == {
        "error": {"code": "unavailable", "message": "the originals store is not answering"}
    }
    owner = ImageOwner(canonical_product_id=product.canonical_product_id)
    assert await services.catalog.list_images(owner) == []


async def test_an_originals_store_that_cannot_read_is_a_503_on_a_cache_miss(
    client, build, settings
):
    product = await build.product()
    _block(Path(settings.originals_url.removeprefix("file://")))
    r = await client.get(f"/img/{product.id}/small.webp")
    assert r.status_code == 503
    assert r.json()["error"] == {
        "code": "unavailable",
        "message": "the originals store is not answering",
    }


async def test_every_503_says_when_to_retry(client, build, settings):
    """A dependency down is a 503 with `Retry-After`, whichever dependency it is."""
    product = await build.product()
    _block(Path(settings.originals_url.removeprefix("file://")))
    r = await client.get(f"/img/{product.id}/small.webp")  # originals down
    with sqlite3.connect(settings.database_url.removeprefix("sqlite:///")) as db:
        db.execute("ALTER TABLE store_products RENAME TO store_products_gone")
    s = await client.get(f"/img/{product.id + 1}/small")  # catalog down
    for answer in (r, s):
        assert answer.status_code == 503
        assert int(answer.headers["retry-after"]) > 0
