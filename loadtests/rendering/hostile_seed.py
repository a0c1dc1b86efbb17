"""Seeds the hostile bench's catalog, run as a script with the server's code on
PYTHONPATH (so `--code` can point it at another checkout): the demo catalog, then a
few heavy originals (40-50 MP CMYK JPEGs, as a store might upload), each shown by a
store product of its own. Prints one JSON line: {"ordinary": [...], "heavy": [...]},
store product ids, one per distinct image.
"""

from __future__ import annotations

import asyncio
import json
import sys

import pyvips

from catalog.models import MatchStatus
from config import load_settings
from edge.demo.seed import seed_demo
from edge.imaging.ingest import ingest_original
from edge.imaging.options import Limits
from edge.services import open_services

HEAVY_SIZES = ((8160, 6000), (7680, 6000), (7200, 6000))  # 49, 46 and 43 MP


def cmyk_photo(width: int, height: int, seed: int) -> bytes:
    """Smooth noise in four bands: a photo-like CMYK JPEG of ~15-25 MB."""
    bands = [
        pyvips.Image.gaussnoise(width // 8, height // 8, sigma=40, mean=128 + 10 * (seed + b))
        .resize(8, kernel="linear")
        .cast("uchar")
        for b in range(4)
    ]
    image = bands[0].bandjoin(bands[1:]).copy(interpretation="cmyk")
    data: bytes = image.jpegsave_buffer(Q=85)
    return data


async def main(products: int) -> None:
    settings = load_settings()
    async with open_services(settings) as svc:
        await seed_demo(svc, products=products)
        catalog = svc.catalog
        store = await catalog.create_store("Heavy Uploads Ltd")
        heavy: list[int] = []
        for n, (w, h) in enumerate(HEAVY_SIZES):
            canonical = await catalog.create_canonical_product(
                gtin=None, name=f"Poster print {n}", brand="Heavy"
            )
            image = await ingest_original(
                svc.originals,
                cmyk_photo(w, h, n),
                Limits.from_settings(settings),
                canonical_product_id=canonical.id,
            )
            await catalog.add_image(image)
            product = await catalog.upsert_store_product(
                store_id=store.id, external_id=f"HV-{n}", upc=None, gtin=None, name=canonical.name
            )
            await catalog.link_store_product(product.id, canonical.id, MatchStatus.LINKED, 100.0)
            heavy.append(product.id)
        ordinary: list[int] = []
        seen: set[str] = set()
        for product_id in range(1, heavy[0]):
            resolution = await catalog.resolve(product_id)
            shown = resolution.image if resolution is not None else None
            if shown is not None and shown.content_hash not in seen:
                seen.add(shown.content_hash)
                ordinary.append(product_id)
    print(json.dumps({"ordinary": ordinary, "heavy": heavy}))


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))
