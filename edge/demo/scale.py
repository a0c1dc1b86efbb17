"""`imgedge demo --scale N`: a marketplace of N store products for the load tests.

- **Stores**: N/200 of them (at least 3), each with its own API key; sizes vary, since
  each canonical product picks its sellers at random.
- **Sharing**: canonical products (by GTIN) are sold by 1 to 30 stores, most by several
  (a fifth by one store only); about 3% of store products come name-only (no barcode)
  and go through the matcher, as a POS feed's house brands do.
- **Images**: most canonical products have 1 to 3 images, some (8%) none, so their
  store products answer 404; 5% of the linked store products show a custom image of
  their store's (the override on).
- **Originals**: a bounded pool of distinct photo-like originals (`originals`, default
  N/500 within 6..200) of 2 to 12 megapixels and varied aspect ratios, some PNG with
  alpha, some JPEG stored rotated with an EXIF orientation, generated with libvips and
  reused: content-addressed, each is stored once, so 100k products need no 100k images.
  The distinct variants are bounded by the pool (pool × sizes × formats): a larger pool
  makes a longer cold tail for the variant cache.
- **Fast**: one `sync_products` transaction per store batch and one `add_images` per
  chunk of canonical images, as a store's sync and a bulk import would write them.

The secrets and ids a load test needs (the admin token, each store's key and products,
which products show an image) go to a JSON file (`catalog.json`), written by the CLI.
Seeding again over a seeded catalog adds nothing: the store keys are rotated (only their
hashes are stored) and the file is written again from the catalog.
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass, field, replace
from typing import Any

from catalog.gtin import normalize_gtin
from catalog.models import ImageSource, NewImage, Resolution, SyncItem
from edge.application.actors import CURATOR
from edge.application.stores import BY_CLI
from edge.demo.photos import SHAPES, PhotoSpec, photo
from edge.demo.seed import _BRANDS, _ITEMS, ensure_admin_token
from edge.imaging.ingest import ingest_original
from edge.imaging.options import Limits
from edge.services import Services
from matcher.worker import MatchWorker, WorkerOptions

STORE_NAME = "Scale store {:04d}"
PRODUCTS_PER_STORE = 200
NAME_ONLY_SHARE = 0.03
NO_IMAGE_SHARE = 0.08
CUSTOM_SHARE = 0.05
CHUNK = 500  # rows per transaction

_FLAVOURS = (
    "Classic", "Original", "Light", "Organic", "Smoky", "Vanilla", "Mint", "Spicy",
    "Family Pack", "Zero", "Wholegrain", "Unsalted", "Double", "Mild", "Roasted", "Fresh",
)  # fmt: skip
# Sizes of the originals stores upload: (width, height), 2 to 12 megapixels.
_PHOTO_SIZES = (
    (1600, 1600), (2400, 1600), (3000, 2000), (2000, 3000), (4000, 3000),
    (1536, 2048), (2048, 2048), (3264, 2448), (1800, 1200),
)  # fmt: skip


# GS1 prefixes of global circulation (Germany, UK, France, Netherlands, ...): only such
# codes link products of different stores (`catalog.gtin.circulation`).
_GS1_PREFIXES = ("400", "500", "300", "871", "760", "690", "590", "800", "480", "729")


def global_ean13(rng: random.Random) -> str:
    """A random valid EAN-13 of global circulation (generated data only)."""
    body = rng.choice(_GS1_PREFIXES) + "".join(str(rng.randrange(10)) for _ in range(9))
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body))
    return body + str((10 - total % 10) % 10)


def store_count(products: int) -> int:
    return max(3, products // PRODUCTS_PER_STORE)


def pool_size(products: int) -> int:
    return min(200, max(6, products // 500))


def product_name(index: int) -> tuple[str, str]:
    """A believable (name, brand) for canonical product `index`, distinct per index."""
    brand = _BRANDS[index % len(_BRANDS)]
    item, size = _ITEMS[(index // len(_BRANDS)) % len(_ITEMS)]
    flavour = _FLAVOURS[(index // (len(_BRANDS) * len(_ITEMS))) % len(_FLAVOURS)]
    edition = index // (len(_BRANDS) * len(_ITEMS) * len(_FLAVOURS))
    line = f" No. {edition + 1}" if edition else ""
    return f"{brand} {flavour} {item}{line} {size}", brand


def pool_spec(rng: random.Random, n: int) -> PhotoSpec:
    """The pool's n-th original: every 7th a PNG with alpha (at most 4 MP: PNGs are
    big), every 5th a JPEG stored rotated with an EXIF orientation tag."""
    width, height = rng.choice(_PHOTO_SIZES)
    colour = (rng.randrange(30, 220), rng.randrange(30, 220), rng.randrange(30, 220))
    brand = _BRANDS[n % len(_BRANDS)]
    if n % 7 == 1:
        side = min(width, height, 2000)
        return PhotoSpec(side, side, colour, rng.choice(SHAPES), brand, transparent=True)
    orientation = rng.choice((6, 8)) if n % 5 == 2 else 1
    return PhotoSpec(width, height, colour, rng.choice(SHAPES), brand, orientation=orientation)


def sellers_count(rng: random.Random, stores: int) -> int:
    """How many stores sell one canonical product: 20% one, most a few, a long tail."""
    draw = rng.random()
    if draw < 0.20:
        k = 1
    elif draw < 0.55:
        k = rng.randint(2, 3)
    elif draw < 0.90:
        k = rng.randint(4, 8)
    else:
        k = rng.randint(9, 30)
    return min(k, stores)


@dataclass(frozen=True, slots=True)
class ScaleStore:
    id: int
    name: str
    key: str


@dataclass(slots=True)
class ScaleCatalog:
    """What the load tests read: written as JSON by `as_json`."""

    created: bool
    admin_token: str | None
    stores: list[ScaleStore]
    products: list[tuple[int, int, bool]] = field(default_factory=list)  # id, store, shown
    canonical_ids: list[int] = field(default_factory=list)  # their images shown by some
    originals: int = 0

    def as_json(self, base_url: str) -> dict[str, Any]:
        return {
            "base_url": base_url,
            "admin_token": self.admin_token,
            "stores": [{"id": s.id, "name": s.name, "key": s.key} for s in self.stores],
            # [product id, index into stores, 1 when it shows an image (else /img is 404)]
            "products": [[pid, store, int(shown)] for pid, store, shown in self.products],
            "canonical_ids": self.canonical_ids,
            "originals": self.originals,
        }


async def seed_scale(
    svc: Services, products: int, *, originals: int | None = None, seed: int = 11
) -> ScaleCatalog:
    if products < 10:
        raise ValueError("--scale needs at least 10 products")
    existing = await svc.catalog.get_store_by_name(STORE_NAME.format(0))
    if existing is not None:
        return await _describe_existing(svc, existing.id)
    rng = random.Random(seed)
    stores = [
        await svc.stores.create(CURATOR, STORE_NAME.format(i), by=BY_CLI)
        for i in range(store_count(products))
    ]
    catalog = ScaleCatalog(
        True,
        await ensure_admin_token(svc.catalog, svc.settings.server.admin_token),
        [ScaleStore(s.store.id, s.store.name, s.key) for s in stores],
    )
    pool = await _originals_pool(svc, rng, originals or pool_size(products))
    catalog.originals = len(pool)

    # Which stores sell which canonical product (index), until the products are placed.
    linked_target = int(products * (1 - NAME_ONLY_SHARE))
    carried: list[list[int]] = [[] for _ in stores]
    placed = canonicals = 0
    while placed < linked_target:
        k = min(sellers_count(rng, len(stores)), linked_target - placed)
        for s in rng.sample(range(len(stores)), k):
            carried[s].append(canonicals)
        placed += k
        canonicals += 1
    gtins = list(dict.fromkeys(normalize_gtin(global_ean13(rng)) for _ in range(canonicals)))
    if len(gtins) < canonicals:  # a collision in 10^9: draw again, deterministically
        raise ValueError("GTIN collision; seed the scale catalog with another seed")
    name_only = products - placed

    known: dict[str, int] = {}
    product_store: dict[int, int] = {}
    by_canonical: dict[int, list[int]] = {}
    for s, store in enumerate(catalog.stores):
        items = [_item(s, n, index, gtins[index], rng) for n, index in enumerate(carried[s])]
        items += [
            SyncItem(
                f"S{s}-H{n}", None, None, f"House brand {product_name(rng.randrange(10**6))[0]}"
            )
            for n in range(name_only // len(stores) + (s < name_only % len(stores)))
        ]
        for start in range(0, len(items), CHUNK):
            results = await svc.catalog.sync_products(store.id, items[start : start + CHUNK], known)
            for item, result in zip(items[start : start + CHUNK], results, strict=True):
                product_store[result.product_id] = s
                if item.gtin is not None and result.canonical_product_id is not None:
                    known[item.gtin] = result.canonical_product_id
                    by_canonical.setdefault(result.canonical_product_id, []).append(
                        result.product_id
                    )

    # Canonical images: 1 to 3 from the pool for most, none for some.
    new_images: list[NewImage] = []
    for canonical_id in sorted(by_canonical):
        if rng.random() < NO_IMAGE_SHARE:
            continue
        for n, image in enumerate(rng.sample(pool, k=min(len(pool), rng.choice((1, 1, 2, 3))))):
            new_images.append(replace(image, canonical_product_id=canonical_id, is_primary=n == 0))
    for start in range(0, len(new_images), CHUNK):
        await svc.catalog.add_images(new_images[start : start + CHUNK])
    # Custom images, each with its override on (a transaction per product, as an upload).
    linked = [pid for pids in by_canonical.values() for pid in pids]
    for pid in rng.sample(linked, k=int(len(linked) * CUSTOM_SHARE)):
        custom = replace(
            rng.choice(pool), canonical_product_id=None, store_product_id=pid, is_primary=True
        )
        await svc.catalog.add_images([custom], use_custom_image=pid)

    # The name-only products, weighed by the matcher as `imgedge worker` would.
    await MatchWorker(svc.catalog, WorkerOptions.from_settings(svc.settings)).run(drain=True)
    await _add_products(svc, catalog, product_store)
    return catalog


def _item(store: int, n: int, index: int, gtin: str, rng: random.Random) -> SyncItem:
    """A store's line for canonical product `index`: EAN-13 as stores send it, and the
    name as its POS writes it (some shout, some drop the brand)."""
    name, brand = product_name(index)
    style = store % 3
    if style == 1:
        name = name.upper()
    elif style == 2 and rng.random() < 0.5:
        name = name.removeprefix(brand).strip()
    return SyncItem(f"S{store}-{n}", gtin[1:], gtin, name, brand=brand)


async def _originals_pool(svc: Services, rng: random.Random, count: int) -> list[NewImage]:
    """`count` distinct originals, generated two at a time (libvips frees the GIL)."""
    limits = Limits.from_settings(svc.settings)
    specs = [pool_spec(rng, n) for n in range(count)]
    gate = asyncio.Semaphore(2)

    async def one(n: int, spec: PhotoSpec) -> NewImage:
        async with gate:
            data = await asyncio.to_thread(photo, spec, 1000 + n)
            # An owner to fill in per use (`replace`); the bytes are not kept.
            return await ingest_original(svc.originals, data, limits, canonical_product_id=0)

    return list(await asyncio.gather(*(one(n, spec) for n, spec in enumerate(specs))))


async def _describe_existing(svc: Services, first_store_id: int) -> ScaleCatalog:
    """A seeded catalog: new keys for its stores (the old ones stop working), its
    products and which of them show an image, from the catalog."""
    stores = []
    for i in range(10**6):
        found = await svc.catalog.get_store_by_name(STORE_NAME.format(i))
        if found is None:
            break
        issued = await svc.stores.rotate(CURATOR, found.id, by=BY_CLI)
        stores.append(ScaleStore(found.id, found.name, issued.key))
    catalog = ScaleCatalog(
        False, await ensure_admin_token(svc.catalog, svc.settings.server.admin_token), stores
    )
    product_store: dict[int, int] = {}
    for s, store in enumerate(stores):
        for pid in await svc.catalog.list_store_product_ids(store.id, 10**7):
            product_store[pid] = s
    await _add_products(svc, catalog, product_store)
    return catalog


async def _add_products(
    svc: Services, catalog: ScaleCatalog, product_store: dict[int, int]
) -> None:
    """Sets `catalog.products` (which of them show an image, resolved) and
    `catalog.canonical_ids` (the canonical products whose images some product shows)."""
    ids = sorted(product_store)
    found: list[Resolution] = []
    for start in range(0, len(ids), CHUNK):
        batch = await svc.catalog.resolve_many(ids[start : start + CHUNK])
        found += [r for r in batch.values() if r.image is not None]
    shown = {r.product_id for r in found}
    catalog.products = [(pid, product_store[pid], pid in shown) for pid in ids]
    catalog.canonical_ids = sorted(
        {
            r.canonical_product_id
            for r in found
            if r.canonical_product_id is not None
            and r.image is not None
            and r.image.source is ImageSource.CANONICAL
        }
    )
