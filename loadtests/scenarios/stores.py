"""The writers: stores pushing sync batches and curators changing images, so the load
test has catalog writes, matcher work and resolution invalidation under the reads.

- `StoreSync`: a store's POS pushes a batch of 20-100 products: new products with new
  GTINs of global circulation (linked at once; their canonical product is new and has
  no image yet), name-only products close to existing names (the matcher worker,
  running during the test, weighs them), and products of its earlier batches sent
  again (idempotent).
- `Curator`: uploads a new image as a store product's own (its override turns on),
  waits until `/api/pictures` shows the new version (the time it took is reported as
  `curator: new image visible`), checks the versioned URL is served immutable, switches
  the override off (canonical image back, when the product had one shown), then deletes
  the uploaded image. What each product shows (an image or none) is unchanged by the
  end, so the shoppers' 404 expectations hold; curators of one run work on distinct
  products (by Locust worker index and per process).
"""

from __future__ import annotations

import itertools
import logging
import random
import time
import uuid
from functools import cache
from typing import Any

from locust import HttpUser, between, events, task
from locust.runners import WorkerRunner

from edge.demo.scale import global_ean13, product_name
from loadtests.scenarios.catalog import LoadCatalog, catalog_path, load_catalog
from loadtests.scenarios.expect import IMG_VERSIONED, auth, expect

VISIBLE_WITHIN_S = 10.0  # a curator's change must show within this (resolution TTLs)
_busy: set[int] = set()  # products a curator of this process is changing


class StoreSync(HttpUser):
    wait_time = between(2, 6)

    def on_start(self) -> None:
        self.rng = random.Random()
        self.catalog: LoadCatalog = load_catalog(catalog_path(self.environment))
        self.store = self.rng.choice(self.catalog.stores)
        self.sent: dict[str, dict[str, Any]] = {}  # external id → item (the last 500)
        self.prefix = f"LT-{uuid.uuid4().hex[:8]}"
        self.counter = itertools.count()

    @task
    def push_batch(self) -> None:
        size = self.rng.randint(20, 100)
        batch = [self._item() for _ in range(size)]
        if self.sent:  # some of its earlier products again (unchanged: idempotent)
            batch += self.rng.sample(list(self.sent.values()), k=min(len(self.sent), size // 5))
        self.sent.update((item["external_id"], item) for item in batch)
        for old in list(self.sent)[: max(0, len(self.sent) - 500)]:
            del self.sent[old]
        with self.client.post(
            "/api/sync/products",
            json={"products": batch},
            headers=auth(self.store.key),
            name="/api/sync/products",
            catch_response=True,
        ) as answer:
            if not expect(answer, (200,)):
                return
            results = answer.json()["results"]
            errors = [r for r in results if "error" in r]
            if len(results) != len(batch) or errors:
                answer.failure(f"{len(results)} results for {len(batch)}; errors {errors[:2]}")

    def _item(self) -> dict[str, Any]:
        n = next(self.counter)
        name, brand = product_name(self.rng.randrange(len(self.catalog.products)))
        item: dict[str, Any] = {"external_id": f"{self.prefix}-{n}", "brand": brand}
        if self.rng.random() < 0.5:  # new: a GTIN nobody sells yet
            item.update(upc=global_ean13(self.rng), name=f"{name} New Edition")
        else:  # name-only, as a POS writes it: for the matcher
            item["name"] = self.rng.choice((name.upper(), name.replace(" ", "  "), name + " NEW"))
        return item


@cache
def _upload_base() -> bytes:
    """A photo-like JPEG of 1200×900 to upload (generated once per process)."""
    from edge.demo.photos import PhotoSpec, photo

    logging.getLogger("pyvips").setLevel(logging.WARNING)  # libvips chatters at INFO
    return photo(PhotoSpec(1200, 900, (200, 60, 40), "bottle", "Curator"), seed=3)


def unique_jpeg(tag: str) -> bytes:
    """The base photo with a JPEG comment segment: other bytes, another content hash,
    the same decoding cost."""
    base = _upload_base()
    comment = tag.encode()[:60000]
    return base[:2] + b"\xff\xfe" + (len(comment) + 2).to_bytes(2, "big") + comment + base[2:]


class Curator(HttpUser):
    wait_time = between(5, 15)

    def on_start(self) -> None:
        self.rng = random.Random()
        self.catalog: LoadCatalog = load_catalog(catalog_path(self.environment))
        # Curators of different Locust workers take different products (pid mod count).
        runner = self.environment.runner
        if isinstance(runner, WorkerRunner):
            count = int(getattr(self.environment.parsed_options, "expect_workers", 1) or 1)
            self.worker = (runner.worker_index % count, count)
        else:
            self.worker = (0, 1)

    def _token(self, product: int) -> str:
        return self.catalog.admin_token or self.catalog.store_of_product(product).key

    def _product(self) -> int | None:
        index, count = self.worker
        for _ in range(100):
            product = self.catalog.popular_shown.draw(self.rng)
            if product % count == index and product not in _busy:
                return product
        return None

    @task
    def replace_image(self) -> None:
        product = self._product()
        if product is None:
            return
        _busy.add(product)
        try:
            self._replace(product, auth(self._token(product)))
        finally:
            _busy.discard(product)

    def _replace(self, product: int, headers: dict[str, str]) -> None:
        images = f"/api/products/{product}/images"
        with self.client.get(
            images, headers=headers, name="/api/products/[id]/images", catch_response=True
        ) as r:
            if not expect(r, (200,)):
                return
            before = r.json()
        with self.client.post(
            "/api/images/upload",
            headers=headers,
            data={"productId": str(product), "isPrimary": "true"},
            files={"file": ("curator.jpg", unique_jpeg(uuid.uuid4().hex), "image/jpeg")},
            name="/api/images/upload",
            catch_response=True,
        ) as r:
            if not expect(r, (201,)):
                return
            uploaded = r.json()["images"][0]
        if not self._visible(product, uploaded["version"], "the upload"):
            return
        if before["source"] == "canonical":  # the override off: the canonical image back
            previous = before["images"][0]["version"]
            if self._patch(product, headers, {"action": "use_canonical_image"}):
                self._visible(product, previous, "the override off")
        with self.client.delete(
            f"{images}?imageId={uploaded['id']}",
            headers=headers,
            name="/api/products/[id]/images?imageId=",
            catch_response=True,
        ) as r:
            expect(r, (200,))

    def _patch(self, product: int, headers: dict[str, str], change: dict[str, Any]) -> bool:
        with self.client.patch(
            f"/api/products/{product}/images",
            json=change,
            headers=headers,
            name="/api/products/[id]/images",
            catch_response=True,
        ) as r:
            return expect(r, (200,))

    def _visible(self, product: int, version: str, after: str) -> bool:
        """Until `/api/pictures` shows `version` and its URL is served immutable;
        reported as a request, `curator: new image visible`, timed."""
        started = time.perf_counter()
        shown = None
        while time.perf_counter() - started < VISIBLE_WITHIN_S:
            answer = self.client.get(
                f"/api/pictures?products={product}&slot=thumbnail",
                name="/api/pictures?slot=thumbnail (curator)",
            )
            pictures = answer.json()["pictures"] if answer.status_code == 200 else []
            shown = pictures[0]["version"] if pictures else None
            if shown == version:
                break
            time.sleep(0.2)
        elapsed_ms = (time.perf_counter() - started) * 1000
        failure = None
        if shown != version:
            failure = AssertionError(f"after {after}: shows {shown}, not {version}")
        if failure is None:
            url = f"/img/{product}/thumbnail.jpg?v={version}"
            with self.client.get(url, name=IMG_VERSIONED + " (curator)", catch_response=True) as r:
                if expect(r, (200,)) and "immutable" not in r.headers.get("cache-control", ""):
                    r.failure("the new version's URL is not immutable")
                    failure = AssertionError("not immutable")
        events.request.fire(
            request_type="CHECK",
            name="curator: new image visible",
            response_time=elapsed_ms,
            response_length=0,
            exception=failure,
            context={},
        )
        return failure is None
