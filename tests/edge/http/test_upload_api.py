"""`POST /api/images/upload`: the type from the bytes, limits before storing, once per
owner, all files checked before any is stored, and who may upload where."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import pytest
import pyvips

from catalog.models import ImageOwner
from catalog.repository import CatalogError
from edge.demo.photos import PhotoSpec, photo

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bomb(width: int = 40_000, height: int = 40_000) -> bytes:
    """A valid PNG header announcing width × height pixels, with almost no data: decoding
    it would need gigabytes; the header alone must get it refused."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 1024)
    return PNG_SIGNATURE + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")


def encoded(suffix: str, width: int = 64, height: int = 48, bands: int = 3) -> bytes:
    image = pyvips.Image.black(width, height, bands=bands) + [40, 120, 200, 255][:bands]
    return image.cast("uchar").write_to_buffer(suffix)


def stored_originals(root: Path) -> set[str]:
    return {p.name for p in root.rglob("*") if p.is_file()}


@pytest.fixture
async def setup(services, build, curator, settings):
    key_a = await build.store_key("A")
    key_b = await build.store_key("B")
    product = await build.product(None, store="A")
    return {
        "product": product,
        "canonical": product.canonical_product_id,
        "curator": curator,
        "a": {"authorization": f"Bearer {key_a}"},
        "b": {"authorization": f"Bearer {key_b}"},
        "originals": Path(settings.originals_url.removeprefix("file://")),
    }


async def upload(client, headers, files, **fields):
    return await client.post(
        "/api/images/upload",
        data={k: str(v) for k, v in fields.items()},
        files=[("file", f) for f in files],
        headers=headers,
    )


async def test_curator_uploads_several_files_once_each(client, setup, services):
    jpeg = photo(PhotoSpec(900, 600, (200, 50, 50), "box"))
    png = encoded(".png", 120, 80, bands=4)
    r = await upload(
        client,
        setup["curator"],
        [("a.jpg", jpeg, "image/jpeg"), ("b.png", png, "image/png")],
        canonicalProductId=setup["canonical"],
        isPrimary="true",
    )
    assert r.status_code == 201, r.text
    first, second = r.json()["images"]
    assert (first["width"], first["height"], first["media_type"]) == (900, 600, "image/jpeg")
    assert (second["width"], second["height"], second["has_alpha"]) == (120, 80, True)
    assert first["created"] and second["created"]
    assert first["is_primary"] and not second["is_primary"]
    for image in (first, second):
        assert image["placeholder"].startswith("data:image/webp;base64,")
        assert len(image["placeholder"]) < 1500
        assert await services.originals.exists(image["content_hash"])

    # The same bytes again: the existing image comes back, nothing new is stored.
    before = stored_originals(setup["originals"])
    again = await upload(
        client,
        setup["curator"],
        [("renamed.jpg", jpeg, "image/jpeg")],
        canonicalProductId=setup["canonical"],
    )
    assert again.status_code == 200, again.text
    assert again.json()["images"][0]["id"] == first["id"]
    assert again.json()["images"][0]["created"] is False
    assert stored_originals(setup["originals"]) == before
    owner = ImageOwner(canonical_product_id=setup["canonical"])
    assert len(await services.catalog.list_images(owner)) == 2
    # The product shows the uploaded primary at once.
    served = await client.get(f"/img/{setup['product'].id}/small.jpg")
    assert served.status_code == 200 and first["version"] in served.headers["etag"]


@pytest.mark.parametrize(
    ("suffix", "media_type"),
    [(".webp", "image/webp"), (".avif", "image/avif"), (".gif", "image/gif")],
)
async def test_every_accepted_type(client, setup, suffix, media_type):
    r = await upload(
        client,
        setup["curator"],
        [("x", encoded(suffix), "application/octet-stream")],
        canonicalProductId=setup["canonical"],
    )
    assert r.status_code == 201, r.text
    assert r.json()["images"][0]["media_type"] == media_type


SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


@pytest.mark.parametrize(
    ("name", "data", "declared", "status", "code"),
    [
        ("x.svg", SVG, "image/svg+xml", 415, "unsupported_type"),
        ("x.jpg", SVG, "image/jpeg", 415, "unsupported_type"),
        ("x.jpg", b"GIF8 not really", "image/jpeg", 415, "unsupported_type"),
        ("x.jpg", b"%PDF-1.7\n", "image/jpeg", 415, "unsupported_type"),
        ("x.tif", b"II*\x00" + b"\x00" * 64, "image/tiff", 415, "unsupported_type"),
        ("x.png", png_bomb(), "image/png", 422, "source_too_large"),
        (
            "x.jpg",
            photo(PhotoSpec(400, 300, (1, 2, 3), "box"))[:900],
            "image/jpeg",
            422,
            "source_unreadable",
        ),
        ("x.png", PNG_SIGNATURE + b"garbage" * 10, "image/png", 422, "source_unreadable"),
    ],
)
async def test_refused_files_store_nothing(
    client, setup, services, name, data, declared, status, code
):
    good = photo(PhotoSpec(300, 300, (5, 5, 5), "can"))
    r = await upload(
        client,
        setup["curator"],
        [("good.jpg", good, "image/jpeg"), (name, data, declared)],
        canonicalProductId=setup["canonical"],
    )
    assert (r.status_code, r.json()["error"]["code"]) == (status, code), r.text
    assert stored_originals(setup["originals"]) == set()
    owner = ImageOwner(canonical_product_id=setup["canonical"])
    assert await services.catalog.list_images(owner) == []


async def test_size_limits(client, setup, services):
    object.__setattr__(
        services,
        "settings",
        services.settings.replace(upload_max_mb=1, upload_max_files=2),
    )
    big = b"\xff\xd8\xff" + b"\x00" * (1024 * 1024 + 10)
    r = await upload(
        client,
        setup["curator"],
        [("big.jpg", big, "image/jpeg")],
        canonicalProductId=setup["canonical"],
    )
    assert (r.status_code, r.json()["error"]["code"]) == (413, "file_too_large")

    # Over the whole-request bound: refused from Content-Length, before reading.
    r = await upload(
        client,
        setup["curator"],
        [("big.jpg", big * 3, "image/jpeg")],
        canonicalProductId=setup["canonical"],
    )
    assert (r.status_code, r.json()["error"]["code"]) == (413, "upload_too_large")

    # Without Content-Length (chunked), a file is cut off while it streams: as soon as
    # its bytes pass the per-file limit, not at the end of the body.
    boundary = "imgedge-boundary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="canonicalProductId"\r\n\r\n'
        f"{setup['canonical']}\r\n--{boundary}\r\nContent-Disposition: form-data; "
        'name="file"; filename="big.jpg"\r\nContent-Type: image/jpeg\r\n\r\n'
    ).encode()
    sent = 0

    async def chunks(first: bytes):
        nonlocal sent
        yield first
        for _ in range(400):
            sent += 256 * 1024
            yield b"\x00" * (256 * 1024)
        yield f"\r\n--{boundary}--\r\n".encode()

    multipart = setup["curator"] | {"content-type": f"multipart/form-data; boundary={boundary}"}
    r = await client.post("/api/images/upload", content=chunks(head), headers=multipart)
    assert (r.status_code, r.json()["error"]["code"]) == (413, "file_too_large")
    assert "file 0 ('big.jpg')" in r.json()["error"]["message"]
    assert sent <= 1024 * 1024 + 2 * 256 * 1024  # 1 MiB and a chunk, not 100 MiB

    # Bytes outside any file (an epilogue the parser skips) count against the body bound.
    sent = 0
    ended = head + f"x\r\n--{boundary}--\r\n".encode()  # a one-byte file, then the end
    r = await client.post("/api/images/upload", content=chunks(ended), headers=multipart)
    assert (r.status_code, r.json()["error"]["code"]) == (413, "upload_too_large")
    assert sent <= 2 * 1024 * 1024 + 64 * 1024 + 256 * 1024

    files = [(f"{n}.png", encoded(".png", 10 + n, 10), "image/png") for n in range(3)]
    r = await upload(client, setup["curator"], files, canonicalProductId=setup["canonical"])
    assert r.status_code == 400 and "Too many files" in r.json()["error"]["message"]
    assert stored_originals(setup["originals"]) == set()


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({}, "invalid_owner"),
        ({"canonicalProductId": "1", "productId": "1"}, "invalid_owner"),
        ({"canonicalProductId": "-3"}, "invalid_field"),
        ({"canonicalProductId": "1", "isPrimary": "perhaps"}, "invalid_field"),
        ({"canonicalProductId": "1", "sortOrder": "x"}, "invalid_field"),
    ],
)
async def test_bad_fields(client, setup, fields, code):
    files = [("a.png", encoded(".png"), "image/png")]
    r = await upload(client, setup["curator"], files, **fields)
    assert (r.status_code, r.json()["error"]["code"]) == (400, code)


async def test_missing_file_and_not_multipart(client, setup):
    r = await client.post(
        "/api/images/upload",
        data={"canonicalProductId": str(setup["canonical"])},
        files=[("note", (None, b"no file here"))],
        headers=setup["curator"],
    )
    assert (r.status_code, r.json()["error"]["code"]) == (400, "file_missing")
    r = await client.post("/api/images/upload", json={"file": "x"}, headers=setup["curator"])
    assert (r.status_code, r.json()["error"]["code"]) == (400, "invalid_multipart")


@pytest.mark.parametrize(
    ("who", "owner_field", "status", "code"),
    [
        (None, "canonicalProductId", 401, "token_missing"),
        ("wrong", "canonicalProductId", 401, "token_invalid"),
        ("a", "canonicalProductId", 403, "curator_only"),
        ("b", "productId", 403, "not_your_product"),
    ],
)
async def test_who_may_upload_where(client, setup, services, who, owner_field, status, code):
    headers = {
        None: {},
        "wrong": {"authorization": "Bearer nope"},
        "a": setup["a"],
        "b": setup["b"],
    }[who]
    owner_id = setup["canonical"] if owner_field == "canonicalProductId" else setup["product"].id
    files = [("a.png", encoded(".png"), "image/png")]
    r = await upload(client, headers, files, **{owner_field: owner_id})
    assert (r.status_code, r.json()["error"]["code"]) == (status, code)
    assert stored_originals(setup["originals"]) == set()
    product = await services.catalog.get_store_product(setup["product"].id)
    assert product.use_custom_image is False


async def test_a_store_uploads_its_own_image_and_the_product_shows_it(client, setup, services):
    product = setup["product"]
    files = [("own.png", encoded(".png", 200, 100), "image/png")]
    r = await upload(client, setup["a"], files, productId=product.id)
    assert r.status_code == 201, r.text
    image = r.json()["images"][0]
    assert (image["source"], image["store_product_id"]) == ("custom", product.id)
    assert (await services.catalog.get_store_product(product.id)).use_custom_image
    served = await client.get(f"/img/{product.id}/thumbnail.png")
    assert served.status_code == 200 and image["version"] in served.headers["etag"]
    r = await upload(client, setup["a"], files, productId=987654)
    assert (r.status_code, r.json()["error"]["code"]) == (404, "product_not_found")
    r = await upload(client, setup["curator"], files, canonicalProductId=987654)
    assert (r.status_code, r.json()["error"]["code"]) == (404, "canonical_not_found")


@pytest.mark.parametrize("sort_order", ["2147483648", "1000000001", "-1"])
async def test_out_of_range_sort_order_is_refused_before_any_write(client, setup, sort_order):
    files = [("a.png", encoded(".png"), "image/png")]
    r = await upload(
        client, setup["curator"], files, canonicalProductId=setup["canonical"], sortOrder=sort_order
    )
    assert (r.status_code, r.json()["error"]["code"]) == (400, "invalid_field")
    assert stored_originals(setup["originals"]) == set()


async def test_the_last_file_of_an_upload_must_fit_the_sort_order_range(client, setup):
    files = [(f"{n}.png", encoded(".png", 10 + n, 10), "image/png") for n in range(2)]
    r = await upload(
        client, setup["curator"], files, canonicalProductId=setup["canonical"], sortOrder=10**9
    )
    assert (r.status_code, r.json()["error"]["code"]) == (400, "invalid_field")
    assert stored_originals(setup["originals"]) == set()


async def test_a_failed_commit_stores_no_file_and_keeps_what_others_reference(
    client, setup, services, build, monkeypatch
):
    """All files or none: the originals are written first, the rows in one transaction;
    when that fails, the originals this upload wrote go, one another row holds stays."""
    spec = PhotoSpec(300, 300, (9, 90, 9), "can")
    other = await build.product(None)
    await build.image({"canonical_product_id": other.canonical_product_id}, spec)
    shared = photo(spec)
    before = stored_originals(setup["originals"])
    new = encoded(".png", 90, 60)

    async def down(*args, **kwargs):
        raise CatalogError("PostgreSQL: connection lost")

    monkeypatch.setattr(services.catalog, "add_images", down)
    files = [
        ("new.png", new, "image/png"),
        ("shared.jpg", shared, "image/jpeg"),
        ("new-again.png", new, "image/png"),
    ]
    r = await upload(client, setup["curator"], files, canonicalProductId=setup["canonical"])
    assert r.status_code == 503, r.text
    assert stored_originals(setup["originals"]) == before  # the new one went, shared stayed
    assert (
        await services.catalog.list_images(ImageOwner(canonical_product_id=setup["canonical"]))
        == []
    )


async def test_uploading_bytes_whose_file_was_lost_restores_it(client, setup, services):
    data = encoded(".png", 70, 70)
    files = [("a.png", data, "image/png")]
    product = setup["product"]
    r = await upload(client, setup["a"], files, productId=product.id)
    digest = r.json()["images"][0]["content_hash"]
    await services.originals.delete(digest)  # lost (e.g. by an old race, or by hand)
    assert (await client.get(f"/img/{product.id}/small.png")).status_code == 404

    again = await upload(client, setup["a"], files, productId=product.id)
    assert (again.status_code, again.json()["images"][0]["created"]) == (200, False)
    assert await services.originals.exists(digest)
    assert (await client.get(f"/img/{product.id}/small.png")).status_code == 200
