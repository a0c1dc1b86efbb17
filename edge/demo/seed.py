"""`imgedge demo`: seed a believable marketplace catalog, idempotently.

Three stores sell overlapping subsets of ~60 canonical products (linked by GTIN, so they
share one set of images); one product carries a store's own override image; one image has
transparency, one an EXIF orientation tag; a few store products are not matched yet, and a
few more (name only, as a store's sync sends them) were weighed by the matcher and wait in
the review queue for a person.
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass

from catalog.gtin import normalize_gtin
from catalog.models import MatchStatus, StoreProduct, SyncItem
from catalog.repository import CatalogRepository
from edge.demo.photos import PhotoSpec, photo, random_spec
from edge.http.auth import ADMIN_TOKEN_META, hash_token
from edge.imaging.ingest import ingest_original
from edge.imaging.options import Limits
from edge.services import Services
from matcher.worker import MatchWorker, WorkerOptions

STORES = ("Corner Market", "Green Grocer", "Metro Mart")

_BRANDS = (
    "Acme", "Brightfield", "Northwind", "Sunny Vale", "Oak & Ember", "Blue Harbor",
    "Golden Mill", "Peak", "Riverstone", "Maple Row",
)  # fmt: skip
_ITEMS = (
    ("Cola", "12 oz"), ("Sparkling Water Lemon", "500 ml"), ("Rolled Oats", "1 kg"),
    ("Peanut Butter Crunchy", "340 g"), ("Tomato Ketchup", "500 g"), ("Green Tea", "20 bags"),
    ("Dark Chocolate 70%", "100 g"), ("Olive Oil Extra Virgin", "750 ml"),
    ("Basmati Rice", "2 kg"), ("Orange Juice", "1 l"), ("Dish Soap Citrus", "750 ml"),
    ("Granola Honey Almond", "400 g"), ("Sea Salt Crisps", "150 g"), ("Coffee Beans", "250 g"),
    ("Oat Milk", "1 l"), ("Spaghetti", "500 g"), ("Laundry Liquid", "1.5 l"), ("Honey", "340 g"),
    ("Energy Drink", "250 ml"), ("Hand Soap Lavender", "300 ml"),
)  # fmt: skip

# Per store, name-only products (name, brand) close to demo products but not sure enough
# to link: the matcher suggests a candidate or leaves them for review.
_UNCERTAIN = (
    (("Acme Cola Zero 12oz", "Acme"), ("Peak OJ 1 litre", "Peak")),
    (("Brightfield Honey Squeezy 340g", "Brightfield"), ("Riverstone Dark Choc 85% 100g", None)),
    (("Maple Row Coffee Beans Dark Roast 250g", "Maple Row"), ("Northwind Ketchup 500g", None)),
)


@dataclass(frozen=True, slots=True)
class DemoResult:
    created: bool
    product_ids: list[int]
    admin_token: str | None  # a new token, when one was generated now


def ean13(rng: random.Random) -> str:
    """A random valid EAN-13 (demo data only: real input is never given a check digit)."""
    body = "0" + "".join(str(rng.randrange(10)) for _ in range(11))
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body))
    return body + str((10 - total % 10) % 10)


async def ensure_admin_token(catalog: CatalogRepository, configured: str | None) -> str | None:
    """A configured token wins; otherwise generate one, keep only its hash, return it."""
    if configured:
        return None
    token = secrets.token_urlsafe(32)
    await catalog.set_meta(ADMIN_TOKEN_META, hash_token(token))
    return token


async def seed_demo(svc: Services, products: int = 60, seed: int = 7) -> DemoResult:
    catalog = svc.catalog
    existing = await catalog.get_store_by_name(STORES[0])
    if existing is not None:
        ids = await catalog.list_store_product_ids(existing.id, 12)
        token = await ensure_admin_token(catalog, svc.settings.server.admin_token)
        return DemoResult(False, ids, token)

    rng = random.Random(seed)
    limits = Limits.from_settings(svc.settings)
    stores = [await catalog.create_store(name) for name in STORES]

    canonicals = []
    for i in range(products):
        brand = _BRANDS[i % len(_BRANDS)]
        item, size = _ITEMS[(i * 7) % len(_ITEMS)]
        name = f"{brand} {item} {size}"
        gtin = normalize_gtin(ean13(rng))  # the catalog keeps GTIN-14, as the sync does
        canonical = await catalog.create_canonical_product(gtin=gtin, name=name, brand=brand)
        spec = random_spec(rng, label=f"{brand}\n{item}")
        if i == 1:
            spec = PhotoSpec(1000, 1000, spec.colour, "box", spec.label, transparent=True)
        if i == 2:
            spec = PhotoSpec(1500, 1000, spec.colour, "can", spec.label, orientation=6)
        for n in range(1 + (i % 3 == 0)):  # every third product has a second image
            image = await ingest_original(
                svc.originals,
                photo(spec, seed=i * 10 + n),
                limits,
                canonical_product_id=canonical.id,
            )
            await catalog.add_image(image)
            spec = random_spec(rng, label=spec.label)
        canonicals.append(canonical)

    shown: list[StoreProduct] = []
    for s, store in enumerate(stores):
        carried = rng.sample(canonicals, k=max(1, (len(canonicals) * 2) // 3))
        for n, canonical in enumerate(carried):
            upc = (canonical.gtin or "")[1:]  # stores send EAN-13, not GTIN-14
            name = canonical.name if s != 1 else canonical.name.upper()  # POS shouting
            product = await catalog.upsert_store_product(
                store_id=store.id,
                external_id=f"{store.name.split()[0][:2].upper()}-{1000 + n}",
                upc=upc,
                gtin=canonical.gtin,
                name=name,
                brand=canonical.brand,
            )
            await catalog.link_store_product(product.id, canonical.id, MatchStatus.LINKED, 100.0)
            shown.append(product)
        # A couple of products not matched yet: no barcode, no image (404 until linked).
        for n in range(2):
            await catalog.upsert_store_product(
                store_id=store.id,
                external_id=f"{store.name.split()[0][:2].upper()}-NEW-{n}",
                upc=None,
                gtin=None,
                name=f"House brand item {n + 1}",
            )

    # One override: the first store shows its own photo for one shared product.
    overridden = shown[0]
    custom = await ingest_original(
        svc.originals,
        photo(PhotoSpec(1200, 1200, (240, 200, 20), "box", "Store\nspecial"), seed=999),
        limits,
        store_product_id=overridden.id,
    )
    await catalog.add_image(custom)
    await catalog.set_use_custom_image(overridden.id, True)

    # The review queue: each store syncs a few name-only products and the matcher weighs
    # them, as `imgedge worker` would.
    for store, uncertain in zip(stores, _UNCERTAIN, strict=True):
        prefix = store.name.split()[0][:2].upper()
        items = [
            SyncItem(f"{prefix}-Q-{n}", None, None, name, brand=brand)
            for n, (name, brand) in enumerate(uncertain)
        ]
        await catalog.sync_products(store.id, items, known={})
    await MatchWorker(catalog, WorkerOptions.from_settings(svc.settings)).run(drain=True)

    token = await ensure_admin_token(catalog, svc.settings.server.admin_token)
    return DemoResult(True, [p.id for p in shown[:12]], token)


def describe(result: DemoResult, base_url: str, configured_token: bool) -> list[str]:
    lines = ["demo catalog " + ("seeded" if result.created else "already present")]
    lines.append("example image URLs:")
    sizes = ("thumbnail", "small", "medium@2x", "large.webp", "original")
    for i, product_id in enumerate(result.product_ids[:5]):
        lines.append(f"  {base_url}/img/{product_id}/{sizes[i % len(sizes)]}")
    lines.append(f"  {base_url}/api/products/{result.product_ids[0]}/picture")
    lines.append(f"  {base_url}/api/products/{result.product_ids[0]}  (with the admin token)")
    if result.admin_token:
        lines.append(f"admin token (shown once, stored hashed): {result.admin_token}")
    elif configured_token:
        lines.append("admin token: the one in IMGEDGE_ADMIN_TOKEN")
    return lines
