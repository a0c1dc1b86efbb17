"""The catalog's data model: plain values passed between the repository and its callers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

# Sort orders are 32-bit integers in PostgreSQL: a client may give one up to this, and
# the files after it in one upload (or images a merge moves behind it) still fit below
# 2**31 - 1.
MAX_SORT_ORDER = 10**9


def version_of(content_hash: str) -> str:
    """The `?v=` token handed out by the API: changes exactly when the bytes do."""
    return content_hash[:16]


class MatchStatus(StrEnum):
    UNMATCHED = "unmatched"  # not looked at yet
    LINKED = "linked"  # linked to a canonical product
    SUGGESTED = "suggested"  # a candidate scored 70–84, waiting for a human
    REVIEW = "review"  # nothing good enough, waiting for a human
    REJECTED = "rejected"


class ImageSource(StrEnum):
    CANONICAL = "canonical"
    CUSTOM = "custom"


@dataclass(frozen=True, slots=True)
class Store:
    id: int
    name: str


@dataclass(frozen=True, slots=True)
class StoreSummary:
    """A store as the curator's list shows it."""

    id: int
    name: str
    product_count: int
    has_key: bool  # False once its key is revoked (until a new one is issued)
    created_at: datetime
    last_sync_at: datetime | None  # when its sync last pushed a batch; None: never


class KeyAction(StrEnum):
    CREATED = "created"
    ROTATED = "rotated"
    REVOKED = "revoked"


@dataclass(frozen=True, slots=True)
class KeyEvent:
    """One change of a store's API key, for the audit trail: never the key itself."""

    id: int
    store_id: int
    store_name: str
    action: KeyAction
    actor: str  # who: `curator` (the API), `console` or `cli`
    at: datetime


@dataclass(frozen=True, slots=True)
class QueueFigures:
    depth: int
    oldest_at: datetime | None  # when the oldest waiting item joined the queue


@dataclass(frozen=True, slots=True)
class CatalogStats:
    """The dashboard's figures, of the whole marketplace or of one store's products.

    Every store product is in exactly one of custom_image / without_image / showing a
    canonical product's images, and in exactly one match bucket (by_barcode … rejected).
    """

    products: int
    sharing: int  # show a canonical product's images that another store's product shows
    custom_image: int  # show their store's own images
    without_image: int  # show nothing (/img answers 404)
    by_barcode: int  # linked, to the canonical product of their GTIN
    by_name: int  # linked otherwise (the matcher's name match, or a person's decision)
    provisional: int  # linked to a canonical product the matcher made from a lone name
    suggested: int
    review: int
    unmatched: int
    rejected: int
    # Bytes of the images the products show, if each kept its own copies; and (the
    # marketplace only, None for a store) bytes of the originals actually stored, once each.
    per_store_bytes: int
    stored_bytes: int | None
    review_queue: QueueFigures  # items waiting for a person (suggested, review)
    matcher_queue: QueueFigures  # items waiting for the matcher (pending, processing)

    @property
    def sharing_share(self) -> float | None:
        """Of the products, the share that shares its images (None: no products)."""
        return self.sharing / self.products if self.products else None

    @property
    def storage_saved(self) -> float | None:
        """1 - stored / per-store bytes (None: nothing shown, or a store's figures)."""
        if self.stored_bytes is None or not self.per_store_bytes:
            return None
        return 1 - self.stored_bytes / self.per_store_bytes


@dataclass(frozen=True, slots=True)
class CanonicalProduct:
    id: int
    gtin: str | None
    name: str
    normalized_name: str
    brand: str | None
    image_count: int
    product_count: int
    # Made by the matcher from one store's name-only product nobody else had: the next
    # store can match it; a curator confirms it or merges it into another.
    provisional: bool = False
    # Made by a sync for a GTIN the catalog did not know, named after that store's own
    # title (not a curated name) until a curator edits its name or brand.
    store_named: bool = False


@dataclass(frozen=True, slots=True)
class ImageOwner:
    """Whose image it is: a canonical product's, or one store product's own (custom)."""

    canonical_product_id: int | None = None
    store_product_id: int | None = None

    def __post_init__(self) -> None:
        if (self.canonical_product_id is None) == (self.store_product_id is None):
            raise ValueError("an image has exactly one owner")

    @property
    def kind(self) -> str:
        return "custom" if self.store_product_id is not None else "canonical"

    @property
    def id(self) -> int:
        owner = self.store_product_id or self.canonical_product_id
        assert owner is not None
        return owner


@dataclass(frozen=True, slots=True)
class NewImage:
    """An original already in the originals store, to attach to one owner."""

    content_hash: str
    width: int  # display width, after EXIF orientation
    height: int
    has_alpha: bool
    byte_size: int
    media_type: str
    canonical_product_id: int | None = None
    store_product_id: int | None = None  # a store's custom image
    is_primary: bool = False
    sort_order: int | None = None  # None: after the owner's last image
    placeholder: str | None = None  # a tiny data: URI shown while the image loads


@dataclass(frozen=True, slots=True)
class ProductImage:
    id: int
    content_hash: str
    width: int
    height: int
    has_alpha: bool
    byte_size: int
    media_type: str
    canonical_product_id: int | None
    store_product_id: int | None
    is_primary: bool
    sort_order: int
    placeholder: str | None = None

    @property
    def version(self) -> str:
        return version_of(self.content_hash)

    @property
    def owner(self) -> ImageOwner:
        return ImageOwner(self.canonical_product_id, self.store_product_id)

    @property
    def source(self) -> ImageSource:
        return ImageSource.CUSTOM if self.store_product_id is not None else ImageSource.CANONICAL


@dataclass(frozen=True, slots=True)
class StoreProduct:
    id: int
    store_id: int
    store_name: str
    external_id: str
    upc: str | None  # as the store sent it
    gtin: str | None  # normalized GTIN-14, or None when missing or invalid
    name: str
    brand: str | None
    image_url: str | None
    canonical_product_id: int | None
    use_custom_image: bool
    match_status: MatchStatus
    match_confidence: float | None
    image_fetch_error: str | None = None  # why the store's image_url could not be used
    # What the store's feed said beside the name (None: not given).
    model: str | None = None  # the model or manufacturer part number as the store has it
    mpn: str | None = None
    category: str | None = None
    size: str | None = None  # as stated: "250 ml", "16GB"
    price: float | None = None
    currency: str | None = None  # ISO 4217


class ImageFilter(StrEnum):
    """Products by the image they show (`ProductSearch.image`)."""

    NONE = "none"  # shows nothing: no custom image in use, no canonical primary
    CUSTOM = "custom"  # the store's override is on (`use_custom_image`)


@dataclass(frozen=True, slots=True)
class ProductSearch:
    """A search of store products (the console's list); every field given narrows it."""

    text: str | None = None  # a name substring (any case), or a barcode: raw upc or GTIN
    store_id: int | None = None
    status: MatchStatus | None = None
    linked: bool | None = None  # with (True) or without (False) a canonical link
    image: ImageFilter | None = None


@dataclass(frozen=True, slots=True)
class ListedProduct:
    """A store product in a search, with the version of the primary image it shows."""

    product: StoreProduct
    shown_hash: str | None  # the content hash of the primary image it shows; None: none

    @property
    def shown_version(self) -> str | None:
        """The `?v=` of the image an unversioned `/img` URL shows; None: it shows none."""
        return None if self.shown_hash is None else version_of(self.shown_hash)


@dataclass(frozen=True, slots=True)
class ProductPage:
    """One page of a search, by product id, and how many products match in all."""

    products: list[ListedProduct]
    total: int


@dataclass(frozen=True, slots=True)
class ResolvedImage:
    """What `/img` needs to know about the image a product shows."""

    image_id: int
    content_hash: str
    width: int
    height: int
    has_alpha: bool
    source: ImageSource

    @property
    def version(self) -> str:
        return version_of(self.content_hash)


@dataclass(frozen=True, slots=True)
class PictureFacts:
    """What a `<picture>` says beyond its URLs: the product's name (the `alt`) and the
    shown image's placeholder (a tiny `data:` URI, or None)."""

    name: str
    placeholder: str | None


# The images of a resolution (resolve_product's LIMIT): enough for any real gallery,
# a bound on what one cached resolution holds.
GALLERY_LIMIT = 100


@dataclass(frozen=True, slots=True)
class Resolution:
    product_id: int
    canonical_product_id: int | None
    gallery: tuple[ResolvedImage, ...]  # every image the product shows, primary first

    @property
    def truncated(self) -> bool:
        """The product may show more images than the gallery holds (GALLERY_LIMIT)."""
        return len(self.gallery) >= GALLERY_LIMIT

    @property
    def image(self) -> ResolvedImage | None:
        """The primary: what an unversioned URL shows. None: the product shows no image."""
        return self.gallery[0] if self.gallery else None

    def shown(self, version: str) -> ResolvedImage | None:
        """The shown image of that `?v=` version; None when the product shows none."""
        return next((image for image in self.gallery if image.version == version), None)


@dataclass(frozen=True, slots=True)
class ResolutionChange:
    """What a committed change may have altered: one product, every product of one
    canonical product, or (both None) anything at all, e.g. after missed notifications."""

    product_id: int | None = None
    canonical_product_id: int | None = None

    def encode(self) -> str:
        if self.product_id is not None:
            return f"p:{self.product_id}"
        if self.canonical_product_id is not None:
            return f"c:{self.canonical_product_id}"
        return "*"

    @classmethod
    def decode(cls, payload: str) -> ResolutionChange:
        kind, _, number = payload.partition(":")
        if kind == "p" and number.isdigit():
            return cls(product_id=int(number))
        if kind == "c" and number.isdigit():
            return cls(canonical_product_id=int(number))
        return cls()  # unknown or "*": drop everything, the safe reading


@dataclass(frozen=True, slots=True)
class SyncItem:
    """One validated product of a store's sync batch."""

    external_id: str
    upc: str | None  # raw, as sent
    gtin: str | None  # normalized, None when missing or invalid
    name: str
    brand: str | None = None
    image_url: str | None = None
    model: str | None = None
    mpn: str | None = None
    category: str | None = None
    size: str | None = None
    price: float | None = None
    currency: str | None = None


class SyncOutcome(StrEnum):
    LINKED = "linked"  # linked to a canonical product by GTIN (new or existing)
    QUEUED = "queued"  # waiting in the match queue
    KEPT = "kept"  # already linked (e.g. confirmed by a human); left as it was


@dataclass(frozen=True, slots=True)
class SyncResult:
    external_id: str
    product_id: int
    canonical_product_id: int | None
    outcome: SyncOutcome
    created_canonical: bool = False


class QueueStatus(StrEnum):
    PENDING = "pending"
    PROCESSING = "processing"
    SUGGESTED = "suggested"
    REVIEW = "review"
    DONE = "done"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class QueueItem:
    id: int
    store_product_id: int
    status: QueueStatus
    attempts: int
    confidence: float | None
    candidates: tuple[tuple[int, float], ...]  # (canonical product id, score), best first
    last_error: str | None


@dataclass(frozen=True, slots=True)
class ReviewItem:
    """A queue item the matcher left for a person (`MatchQueue.review_items`)."""

    item: QueueItem  # SUGGESTED or REVIEW, with the candidates the worker recorded
    product: StoreProduct
    waiting_since: datetime  # when the matcher left it (timezone-aware, UTC)


@dataclass(frozen=True, slots=True)
class PrimaryShown:
    """A canonical product's primary image as store product `product_id` shows it:
    canonical products have no `/img` URL of their own, so a page shows theirs through
    one of their products (`/img/<product_id>/<size>?v=<version>`)."""

    canonical_product_id: int
    product_id: int
    content_hash: str

    @property
    def version(self) -> str:
        return self.content_hash[:16]


@dataclass(frozen=True, slots=True)
class MatchOutcome:
    """What a worker records for one claimed item (`MatchQueue.finish_matches`)."""

    item: QueueItem
    status: QueueStatus
    canonical_id: int | None = None  # linked to, with status DONE
    confidence: float | None = None
    candidates: tuple[tuple[int, float], ...] = ()  # (canonical id, score), best first
    # No candidate is close (REVIEW): link the product to a new provisional canonical
    # product made from its own name, so the next store's product can match it.
    provisional: bool = False


@dataclass(frozen=True, slots=True)
class PriceRange:
    """The prices, in one currency, of the store products linked to a canonical product:
    the matcher's reference for a new store's price (`canonical_prices`)."""

    currency: str  # ISO 4217, as the sync stores it
    low: float
    high: float
    count: int  # priced store products behind the range


@dataclass(frozen=True, slots=True)
class LinkQuestion:
    """Does store `store_id` link a product other than `except_id` to `canonical_id`?"""

    store_id: int
    canonical_id: int
    except_id: int


# --- webhooks (change notifications) ---------------------------------------------------


class DeliveryStatus(StrEnum):
    PENDING = "pending"  # waiting for its (next) attempt, or being attempted
    DELIVERED = "delivered"  # the receiver answered 2xx
    FAILED = "failed"  # given up after the last attempt


@dataclass(frozen=True, slots=True)
class WebhookChange:
    """A recorded change a dispatcher has claimed (its lease: `claim_webhook_changes`)."""

    id: int
    change: ResolutionChange


@dataclass(frozen=True, slots=True)
class WatchedProduct:
    """A store product a change may concern, and what it was last announced as."""

    id: int
    store_id: int
    external_id: str
    announced: bool  # False: never announced (no event went out for it yet)
    announced_version: str | None  # the version last announced; None: no image


@dataclass(frozen=True, slots=True)
class NewDelivery:
    """An event to send: its body is the exact JSON text that is signed and sent."""

    event_id: str
    event_type: str
    store_id: int
    store_product_id: int
    url: str
    body: str
    store_endpoint: bool = False  # the store's own URL (signed with its secret)


@dataclass(frozen=True, slots=True)
class Delivery:
    id: int
    event_id: str
    event_type: str
    store_id: int
    store_product_id: int
    url: str
    store_endpoint: bool  # False: the operator's URL (IMGEDGE_WEBHOOK_URL)
    body: str
    status: DeliveryStatus
    attempts: int  # made so far, the one under way included
    next_attempt_at: datetime  # due (pending), or the end of the attempt's lease
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None


@dataclass(frozen=True, slots=True)
class StoreWebhook:
    """A store's own endpoint for its products' events, and the secret signing them."""

    store_id: int
    url: str
    secret: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class CuratorDecision:
    """A person's verdict on a pair: is the store product named `name` (by `brand`) the
    canonical product `canonical_id`? Kept per deployment (`match_decisions`) so the
    matcher remembers it. `name` and `brand` are normalized as the matcher keys them
    (`matcher.memory.decision_key`); `score` is the worker's score for the pair when it
    had one, by `scorer`."""

    name: str
    brand: str
    canonical_id: int
    confirmed: bool
    score: float | None = None
    scorer: str | None = None
    store_id: int | None = None
    product_id: int | None = None
