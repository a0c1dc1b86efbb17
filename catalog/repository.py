"""The catalog repository: protocols by concern, and their union `CatalogRepository`.

Every backend (`SQLCatalog` over the SQLite or PostgreSQL connector) implements all of
them; a caller that needs one concern may ask for just that protocol. The contract test
suite (`tests/catalog/test_repository_contract.py`) runs against each backend. Callers
validate input at the boundary; the repository trusts its types.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Protocol

from catalog.errors import (
    CatalogError,
    CatalogUnavailable,
    ConflictError,
    ContentionError,
    InUseError,
    NotFoundError,
)
from catalog.models import (
    CanonicalProduct,
    CatalogStats,
    CuratorDecision,
    Delivery,
    DeliveryStatus,
    ImageOwner,
    KeyEvent,
    LinkQuestion,
    MatchOutcome,
    MatchStatus,
    NewDelivery,
    NewImage,
    PictureFacts,
    PriceRange,
    PrimaryShown,
    ProductImage,
    ProductPage,
    ProductSearch,
    QueueItem,
    QueueStatus,
    Resolution,
    ResolutionChange,
    ReviewItem,
    Store,
    StoreProduct,
    StoreSummary,
    StoreWebhook,
    SyncItem,
    SyncResult,
    WatchedProduct,
    WebhookChange,
)

__all__ = [
    "CatalogError",
    "CatalogRepository",
    "CatalogUnavailable",
    "ConflictError",
    "ContentionError",
    "ImageRepository",
    "InUseError",
    "MatchQueue",
    "NotFoundError",
    "ProductRepository",
    "ResolutionReader",
    "StoreRepository",
    "WebhookOutbox",
]


class ResolutionReader(Protocol):
    """What `/img` needs: the images a product shows, and word when that may change."""

    async def resolve(self, product_id: int) -> Resolution | None:
        """The image a store product shows, or None when the product does not exist."""
        ...

    async def resolve_many(self, product_ids: Sequence[int]) -> dict[int, Resolution]:
        """`resolve` for many products in one query: the products that exist, by id."""
        ...

    async def listen(self, on_change: Callable[[ResolutionChange], None]) -> None:
        """Call `on_change` for every committed change that may alter a resolution.

        Every backend calls it in process right after its own commits, before the write
        call returns. PostgreSQL also delivers across processes (LISTEN/NOTIFY; its own
        changes come back that way too, a second time) and, after a lost connection,
        sends a catch-all change (everything may be stale).
        """
        ...


class StoreRepository(Protocol):
    """Stores, and small facts about the catalog (meta)."""

    async def create_store(
        self, name: str, api_key_hash: str | None = None, *, actor: str | None = None
    ) -> Store:
        """With `actor` and a key: a `created` key event too, in the same transaction."""
        ...

    async def get_store_by_name(self, name: str) -> Store | None: ...

    async def get_store_by_api_key_hash(self, api_key_hash: str) -> Store | None: ...

    async def list_stores(self) -> list[StoreSummary]:
        """Every store by name, with its product count and last sync (one query)."""
        ...

    async def set_store_key(
        self, store_id: int, api_key_hash: str | None, *, actor: str | None = None
    ) -> Store:
        """Replace the store's key hash (rotate) or clear it (None: revoke); the old key
        stops working when this returns. Products stay. NotFoundError: no such store.
        With `actor`: a `rotated` or `revoked` key event too, in the same transaction."""
        ...

    async def key_events(self, store_id: int | None = None, limit: int = 100) -> list[KeyEvent]:
        """The key audit trail, newest first: one store's, or every store's (None)."""
        ...

    async def catalog_stats(self, store_id: int | None = None) -> CatalogStats:
        """The dashboard's figures: the whole marketplace (None) or one store's products
        (`stored_bytes` None: originals are shared, no store has its own share of them)."""
        ...

    async def get_meta(self, key: str) -> str | None: ...

    async def set_meta(self, key: str, value: str) -> None: ...


class ProductRepository(Protocol):
    """Canonical products, store products and the store sync that links them."""

    async def create_canonical_product(
        self, *, gtin: str | None, name: str, brand: str | None
    ) -> CanonicalProduct: ...

    async def get_canonical_product(self, canonical_id: int) -> CanonicalProduct | None: ...

    async def get_canonical_products(
        self, canonical_ids: Sequence[int]
    ) -> dict[int, CanonicalProduct]:
        """The canonical products of these ids that exist, by id (one query)."""
        ...

    async def get_canonical_product_by_gtin(self, gtin: str) -> CanonicalProduct | None: ...

    async def list_canonical_products(
        self,
        *,
        provisional: bool | None = None,
        store_named: bool | None = None,
        after_id: int = 0,
        limit: int = 100,
    ) -> list[CanonicalProduct]:
        """By id after `after_id` (keyset paging); only provisional ones, only confirmed
        ones, or (None) all; likewise by `store_named`."""
        ...

    async def merge_canonical_products(self, source_id: int, target_id: int) -> CanonicalProduct:
        """Fold `source_id` into `target_id` (links, images, GTIN; the source is deleted)
        and return the target. NotFoundError for an unknown id; ConflictError for the
        same id twice or two different GTINs."""
        ...

    async def rename_canonical_product(
        self, canonical_id: int, *, name: str, brand: str | None
    ) -> CanonicalProduct:
        """Set its name and brand (a curator's repair, which makes the name curated: no
        longer `store_named`); NotFoundError for an unknown id."""
        ...

    async def delete_canonical_product(self, canonical_id: int) -> list[ProductImage]:
        """Delete one no store product links to, with its images (returned: their
        originals may now be unreferenced). NotFoundError for an unknown id; InUseError
        (with the number of linked products) when products link to it."""
        ...

    async def search_canonical_candidates(
        self, name: str, limit: int = 10
    ) -> list[tuple[CanonicalProduct, float]]:
        """Canonical products whose names look like `name`, best first, with the backend's
        own score (trigram similarity on PostgreSQL, bm25 on SQLite): recall, not truth."""
        ...

    async def search_canonical_candidates_many(
        self, names: Sequence[str], limit: int = 10
    ) -> list[list[tuple[CanonicalProduct, float]]]:
        """`search_canonical_candidates` for each name, in order: the same answers, in as
        few statements as the backend can (a matcher worker's batch)."""
        ...

    async def fold_name_words(self) -> int:
        """Keep the name search quick as canonical names change (the matcher worker calls
        it beside each batch's search; a bulk loader until it returns 0): how many
        pending changes it took in, 0 when there were none or the backend keeps none."""
        ...

    async def search_canonical_by_codes_many(
        self, queries: Sequence[tuple[str, Sequence[str]]], limit: int = 10
    ) -> list[list[tuple[CanonicalProduct, float]]]:
        """For each (name, model codes), in order, the canonical products whose name
        carries one of the codes, its spaces and punctuation aside (`KX-FG2451`,
        `kx fg2451` and `kxfg2451` each carry `KX FG2451`; `CE505XD` carries `CE505X`, a
        prefix: another product, which the scorer tells apart), best `limit` first by
        the backend's own score (trigram similarity of the whole name on PostgreSQL, bm25
        of the codes on SQLite). Codes of fewer than `catalog.names.SHORTEST_CODE`
        letters and digits are not searched, nor one that more than
        `catalog.sql_catalog.CODE_SCAN` products carry: it identifies none (`1080p`).
        Every name in as few statements as the backend can."""
        ...

    async def upsert_store_product(
        self,
        *,
        store_id: int,
        external_id: str,
        upc: str | None,
        gtin: str | None,
        name: str,
        brand: str | None = None,
        image_url: str | None = None,
    ) -> StoreProduct: ...

    async def sync_products(
        self,
        store_id: int,
        items: Sequence[SyncItem],
        known: Mapping[str, int],
        *,
        dry_run: bool = False,
    ) -> list[SyncResult]:
        """Upsert a store's batch (idempotent by external id) in one transaction: items with
        a GTIN link to its canonical product (created if new: one per GTIN even under
        concurrent syncs); items without one join the match queue unless already linked.
        `known` is the caller's GTIN → canonical id map. Results follow `items` order.

        `dry_run`: the same statements and results, then a rollback; nothing is stored
        and no listener is told. (Ids of rows it would create are the ones it saw, which
        a later real run need not reuse: PostgreSQL sequences do not roll back.)"""
        ...

    async def get_store_product(self, product_id: int) -> StoreProduct | None: ...

    async def get_store_products(self, product_ids: Sequence[int]) -> dict[int, StoreProduct]:
        """The products of these ids that exist, by id (one query)."""
        ...

    async def list_store_product_ids(self, store_id: int, limit: int) -> list[int]: ...

    async def picture_facts(self, shown: Sequence[tuple[int, int]]) -> dict[int, PictureFacts]:
        """For (product id, image id) pairs, in one query: each existing product's name
        and the placeholder of that image (None if it has none or is gone), by product."""
        ...

    async def search_store_products(
        self, search: ProductSearch, *, offset: int = 0, limit: int = 50
    ) -> ProductPage:
        """The products matching every filter of `search`, by id, `limit` of them after
        the first `offset`, and how many match in all (one statement, or two when the
        page is past the end). A text matches a name as a substring in any case
        (SQLite folds ASCII letters only), or a barcode: the raw upc or, when the text
        is one, its normalized GTIN."""
        ...

    async def link_store_product(
        self,
        product_id: int,
        canonical_id: int | None,
        status: MatchStatus,
        confidence: float | None = None,
    ) -> None:
        """Set (or clear, with None) the canonical link; keeps product counts right."""
        ...

    async def set_use_custom_image(self, product_id: int, use_custom_image: bool) -> None: ...


class ImageRepository(Protocol):
    """Images of an owner: a canonical product, or one store product (custom)."""

    async def add_image(self, image: NewImage) -> ProductImage:
        """Attach an image; the owner's first image, or `is_primary`, becomes the primary.

        Bytes the owner already has are not attached twice: the existing image is returned
        (made primary if asked). Under a race the unique index answers with ConflictError."""
        ...

    async def add_images(
        self, new_images: Sequence[NewImage], *, use_custom_image: int | None = None
    ) -> list[tuple[ProductImage, bool]]:
        """`add_image` for each, in order, in one transaction: all are attached or none.
        Each comes back with True when attached now (False: the owner had those bytes).
        `use_custom_image`: a store product whose override is turned on in the same
        transaction (a store's own upload)."""
        ...

    async def referenced_hashes(self, content_hashes: Sequence[str]) -> set[str]:
        """The content hashes of these that some image references (one query)."""
        ...

    async def get_image(self, image_id: int) -> ProductImage | None: ...

    async def set_primary_image(self, image_id: int) -> ProductImage:
        """Make this image its owner's primary (the one products show)."""
        ...

    async def list_images(self, owner: ImageOwner) -> list[ProductImage]:
        """The owner's images, primary first, then by sort order."""
        ...

    async def find_image_by_hash(
        self, owner: ImageOwner, content_hash: str
    ) -> ProductImage | None: ...

    async def reorder_images(
        self, owner: ImageOwner, image_ids: Sequence[int]
    ) -> list[ProductImage]:
        """Raises ConflictError unless `image_ids` names each of the owner's images once."""
        ...

    async def delete_image(self, image_id: int) -> tuple[ProductImage, bool]:
        """Delete it (promoting the next primary); True when its bytes are still used."""
        ...

    async def set_image_fetch_error(self, product_id: int, error: str | None) -> None: ...


class MatchQueue(Protocol):
    """Store products waiting to be matched; leases fenced by the attempt number."""

    async def claim_matches(
        self, limit: int, lease_s: float, *, now: datetime | None = None
    ) -> list[QueueItem]:
        """Take up to `limit` pending (or lease-expired) items; no two callers get one item.

        Leases are judged by the database's clock, one clock for every worker host; `now`
        replaces it (tests move time instead of sleeping)."""
        ...

    async def finish_match(
        self,
        item: QueueItem,
        status: QueueStatus,
        *,
        canonical_id: int | None = None,
        confidence: float | None = None,
        candidates: Sequence[tuple[int, float]] = (),
    ) -> bool: ...

    async def finish_matches(self, outcomes: Sequence[MatchOutcome]) -> list[bool]:
        """`finish_match` for each outcome, in one transaction; per outcome (in order),
        False when its item's lease was lost: that one records nothing, the others do."""
        ...

    async def fail_match(
        self, item: QueueItem, error: str, max_attempts: int
    ) -> QueueStatus | None: ...

    async def get_match_item(self, item_id: int) -> QueueItem | None: ...

    async def get_match_item_for_product(self, product_id: int) -> QueueItem | None: ...

    async def decide_match(
        self,
        item: QueueItem,
        *,
        canonical_id: int | None,
        product_status: MatchStatus,
        decisions: Sequence[CuratorDecision] = (),
    ) -> None:
        """A person's decision on the item (link to `canonical_id`, or leave it unlinked),
        with the pairs it confirms or rejects (`decisions`, kept in the same transaction;
        one on a canonical product gone meanwhile is skipped)."""
        ...

    async def remembered_decisions(
        self, keys: Sequence[tuple[str, str]]
    ) -> dict[tuple[str, str], list[CuratorDecision]]:
        """For each (normalized name, normalized brand) of `keys` that people decided on,
        the latest decision per canonical product, oldest first (one query). Decisions
        follow a merge to the target and go with a deleted canonical product."""
        ...

    async def wait_for_work(self, timeout_s: float) -> None:
        """Until new match work may be there (PostgreSQL: NOTIFY), at most `timeout_s`."""
        ...

    async def queue_counts(self) -> dict[str, int]: ...

    async def claimable_count(self, *, now: datetime | None = None) -> int: ...

    async def outstanding_count(self) -> int:
        """Items pending or processing, whether their lease is live or has run out."""
        ...

    async def review_items(
        self, *, store_id: int | None = None, after_id: int = 0, limit: int = 50
    ) -> list[ReviewItem]:
        """The review queue: items the matcher left for a person (suggested, or in review
        while the product is unlinked or on a provisional canonical product), oldest first
        by id after `after_id` (keyset paging); only store `store_id`'s when given."""
        ...

    async def count_review_items(self, *, store_id: int | None = None) -> int:
        """How many `review_items` there are (one store's, when given): one query."""
        ...

    async def canonical_primaries(self, canonical_ids: Sequence[int]) -> dict[int, PrimaryShown]:
        """Each canonical product's primary image and the first store product showing it
        (linked, its override off), by canonical id; ids lacking either are left out."""
        ...

    async def unlinked_products(self, after_id: int, limit: int) -> list[StoreProduct]:
        """Products without a canonical link, by id, after `after_id` (keyset paging)."""
        ...

    async def count_unlinked_products(self) -> int: ...

    async def store_has_link(self, store_id: int, canonical_id: int, except_id: int) -> bool:
        """Does the store have a product other than `except_id` linked to `canonical_id`?"""
        ...

    async def store_links(self, questions: Sequence[LinkQuestion]) -> set[LinkQuestion]:
        """`store_has_link` for many at once (one query): the questions answered yes."""
        ...

    async def canonical_prices(
        self, canonical_ids: Sequence[int]
    ) -> dict[int, tuple[PriceRange, ...]]:
        """Per canonical product (of those asked that have any), the price range of its
        linked store products per currency (those with a price and a currency), by
        currency: the matcher's price reference. One query."""
        ...


class WebhookOutbox(Protocol):
    """Change notifications: changes recorded with the writes that make them, turned into
    deliveries by a dispatcher, sent (and retried) by a deliverer. Claims are leased and,
    on PostgreSQL, taken with SKIP LOCKED, so several edge processes share the work; time
    is always the caller's (`now`), so tests move it instead of sleeping."""

    def record_changes(self, enabled: bool) -> None:
        """From now on, every write that announces a `ResolutionChange` also records it
        (`webhook_changes`), in its own transaction: committed with it or not at all."""
        ...

    async def claim_webhook_changes(
        self, limit: int, *, now: datetime, until: datetime
    ) -> list[WebhookChange]:
        """Up to `limit` recorded changes, oldest first, leased until `until` (unclaimed
        ones, and ones whose lease ended before `now`); none while another claim's lease
        is live (one dispatcher at a time, across processes)."""
        ...

    async def webhook_products(
        self, product_ids: Sequence[int], canonical_ids: Sequence[int]
    ) -> list[WatchedProduct]:
        """The products named and those linked to the canonical products named, by id."""
        ...

    async def enqueue_webhooks(
        self,
        change_ids: Sequence[int],
        deliveries: Sequence[NewDelivery],
        shown: Mapping[int, str | None],
        *,
        now: datetime,
    ) -> None:
        """In one transaction: forget the changes, add the deliveries (due at `now`) and
        remember what each product of `shown` was announced as (version, or None)."""
        ...

    async def claim_webhook_deliveries(
        self, limit: int, *, now: datetime, until: datetime
    ) -> list[Delivery]:
        """Up to `limit` pending deliveries due at `now`, the earliest first, each with its
        attempt counted and leased until `until` (a crashed sender's come back then)."""
        ...

    async def finish_webhook_delivery(
        self,
        delivery: Delivery,
        status: DeliveryStatus,
        *,
        next_attempt_at: datetime,
        status_code: int | None = None,
        error: str | None = None,
        delivered_at: datetime | None = None,
    ) -> bool:
        """Record an attempt's outcome (pending again: retried at `next_attempt_at`);
        False when the claim was lost (claimed again since): nothing is recorded."""
        ...

    async def set_store_webhook(self, store_id: int, url: str, secret: str) -> StoreWebhook:
        """Register (or replace) the store's own endpoint. NotFoundError: no such store."""
        ...

    async def store_webhooks(self, store_ids: Sequence[int]) -> dict[int, StoreWebhook]:
        """The endpoints of these stores that have one, by store id (one query)."""
        ...

    async def delete_store_webhook(self, store_id: int) -> bool:
        """Remove the store's endpoint; False when it had none."""
        ...

    async def prune_webhook_deliveries(self, before: datetime) -> None:
        """Forget delivered and failed deliveries created before `before`."""
        ...

    async def list_webhook_deliveries(
        self,
        *,
        store_id: int | None = None,
        status: DeliveryStatus | None = None,
        before_id: int = 0,
        limit: int = 50,
    ) -> list[Delivery]:
        """Newest first, ids below `before_id` (0: from the newest); one store's or all."""
        ...


class CatalogRepository(
    ResolutionReader,
    StoreRepository,
    ProductRepository,
    ImageRepository,
    MatchQueue,
    WebhookOutbox,
    Protocol,
):
    """The whole catalog, plus its lifecycle (what `open_catalog` returns)."""

    async def migrate(self) -> list[str]:
        """Apply pending migrations; return the versions applied now."""
        ...

    async def pending_migrations(self) -> list[str]:
        """The versions `migrate` would apply now, in order (`imgedge check`)."""
        ...

    async def ping(self) -> None: ...

    async def close(self) -> None:
        """Release connections and stop listening."""
        ...
