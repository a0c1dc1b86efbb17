"""Every JSON body of the HTTP API, declared once as a msgspec `Struct` with its limits.

The same declaration decodes and validates a request (`edge.http.decoding`), encodes an
answer, and becomes the OpenAPI component (`edge.http.openapi`), so the document cannot
drift from the code. Requests ignore unknown fields; answers are closed
(`forbid_unknown_fields`: their schemas say `additionalProperties: false`, so a field the
code grows without declaring it fails the schemathesis run).

Casing, one rule: the fields the original system named keep its camelCase so its clients
keep working (`canonicalProductId`, `isPrimary`, `sortOrder`, `productId`, `queueItemId`,
`newProductData`, `imageId`, `imageIds`, and the match answer's `data.suggestedMatches`);
every other field is snake_case.

msgspec over pydantic: validation and encoding in C with no model layer (a sync batch is
up to 1000 items on a hot-ish path), JSON Schema generation built in, small footprint.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Generic, Literal, TypeVar

import msgspec
from msgspec import UNSET, Meta, Struct, UnsetType, field

from catalog.models import MAX_SORT_ORDER, ImageSource, MatchStatus, QueueStatus, SyncOutcome
from edge.application.stores import MAX_STORE_NAME
from edge.application.webhooks import WebhookEvent
from edge.imaging.sizes import SIZES

MAX_ID = 10**18 - 1  # ids have at most 18 digits, in URLs, forms and JSON bodies alike
MAX_REORDER = 1000
MAX_BATCH = 1000
MAX_EXTERNAL_ID = 128
MAX_NAME = 500
MAX_BRAND = 200
MAX_URL = 2048
MAX_UPC = 64

Id = Annotated[int, Meta(ge=1, le=MAX_ID)]
Name = Annotated[str, Meta(max_length=MAX_NAME)]
Brand = Annotated[str, Meta(max_length=MAX_BRAND)]
Url = Annotated[str, Meta(max_length=MAX_URL)]
Barcode = Annotated[str | int, Meta(description="UPC/EAN/GTIN as a string or integer")]
_BARCODE_TYPES = [{"type": "string"}, {"type": "integer"}, {"type": "null"}]
MAX_CODE = 64
MAX_SIZE = 32


def _attribute(kind: str, max_length: int | None, description: str) -> Meta:
    schema: dict[str, Any] = {"type": [kind, "null"], "description": description}
    if max_length is not None:
        schema["maxLength"] = max_length
    return Meta(extra_json_schema=schema)


Version = Annotated[str, Meta(pattern="^[0-9a-f]{16}$")]
Score = Annotated[float, Meta(ge=0, le=100)]


class Answer(Struct, forbid_unknown_fields=True):
    """Base of every answer body: closed."""


# --- errors ---------------------------------------------------------------------------


class ErrorDetail(Answer):
    code: str
    message: str


class ErrorBody(Answer):
    error: ErrorDetail


# --- images ---------------------------------------------------------------------------

# One field per named size: versioned `/img` URLs (immutable).
ImageUrls = msgspec.defstruct(
    "ImageUrls", [(size, str) for size in SIZES], bases=(Answer,), module=__name__
)


class Image(Answer):
    id: Id
    source: ImageSource
    canonical_product_id: Id | None
    store_product_id: Id | None
    content_hash: Annotated[str, Meta(pattern="^[0-9a-f]{64}$")]
    version: Version
    width: Annotated[int, Meta(ge=1)]
    height: Annotated[int, Meta(ge=1)]
    has_alpha: bool
    media_type: str
    byte_size: Annotated[int, Meta(ge=1)]
    is_primary: bool
    sort_order: int
    placeholder: Annotated[str, Meta(description="~20 px WebP as a `data:` URI")] | None


class ListedImage(Image):
    urls: ImageUrls  # type: ignore[valid-type]


class UploadedImage(Image):
    created: Annotated[bool, Meta(description="false: the owner already had these bytes")]


class ProductImages(Answer):
    product_id: Id
    use_custom_image: bool
    image_fetch_error: str | None
    source: ImageSource | None
    images: list[ListedImage]
    complete: Annotated[
        bool,
        Meta(
            description="false: the change was stored, but the catalog could not be read "
            "back; `images` holds only what the change returned (GET tells the rest)"
        ),
    ] = True


class UploadResult(Answer):
    images: list[UploadedImage]


class UploadForm(Struct):
    """The small fields of `POST /api/images/upload` (multipart, beside the `file` parts)."""

    canonicalProductId: Annotated[Id, Meta(description="A canonical product (curator)")] | None = (
        None
    )
    productId: Annotated[Id, Meta(description="A store product's own (custom) images")] | None = (
        None
    )
    isPrimary: Annotated[bool, Meta(description="The first file becomes primary")] = False
    sortOrder: (
        Annotated[int, Meta(ge=0, le=MAX_SORT_ORDER, description="Of the first file")] | None
    ) = None


class SetPrimary(Struct, tag_field="action", tag="set_primary"):
    imageId: Id


class Reorder(Struct, tag_field="action", tag="reorder"):
    imageIds: Annotated[
        list[Id],
        Meta(
            min_length=1,
            max_length=MAX_REORDER,
            description="Every image of the shown set (or of `source`), once",
        ),
    ]
    source: ImageSource | None = None


class UseCustomImage(Struct, tag_field="action", tag="use_custom_image"):
    image_url: Annotated[Url, Meta(min_length=1)] | None = None


class UseCanonicalImage(Struct, tag_field="action", tag="use_canonical_image"):
    pass


ImagesPatch = SetPrimary | Reorder | UseCustomImage | UseCanonicalImage


# --- products -------------------------------------------------------------------------


class StoreRef(Answer):
    id: Id
    name: str


class ShownImage(Answer):
    id: Id
    source: ImageSource
    width: Annotated[int, Meta(ge=1)]
    height: Annotated[int, Meta(ge=1)]
    version: Version
    urls: ImageUrls  # type: ignore[valid-type]


class Product(Answer):
    id: Id
    store: StoreRef
    external_id: str
    upc: Annotated[str, Meta(description="The barcode as the store sent it")] | None
    gtin: Annotated[str, Meta(pattern="^[0-9]{14}$", description="GTIN-14")] | None
    name: str
    brand: str | None
    canonical_product_id: Id | None
    match_status: MatchStatus
    match_confidence: float | None
    use_custom_image: bool
    image: ShownImage | None
    # What the store's feed said beside the name (null: not given).
    model: str | None
    mpn: str | None
    category: str | None
    size: str | None
    price: float | None
    currency: str | None


# --- pictures -------------------------------------------------------------------------

SlotName = Literal["thumbnail", "card", "hero", "product"]
MediaType = Literal["image/avif", "image/webp", "image/jpeg", "image/png"]


class PictureSource(Answer):
    """One `<source>`: its type and its `srcset` of versioned (immutable) URLs."""

    media_type: MediaType = field(name="type")
    srcset: str


class Picture(Answer):
    """Everything a `<picture>` for one product needs (`src`/`srcset`: the `<img>`'s,
    in JPEG, or PNG for images with transparency)."""

    productId: Id
    alt: str
    width: Annotated[int, Meta(ge=1)]
    height: Annotated[int, Meta(ge=1)]
    version: Version
    placeholder: Annotated[str, Meta(pattern="^data:image/")] | None
    sources: list[PictureSource]
    src: str
    srcset: str


class Pictures(Answer):
    """The pictures of a page of products, in the order asked; `missing`: the ids that
    are unknown or show no image."""

    slot: SlotName
    sizes: str
    pictures: list[Picture]
    missing: list[Id]


class ListedImageRef(Answer):
    """The primary image a listed product shows: what its thumbnail is."""

    version: Version
    urls: ImageUrls  # type: ignore[valid-type]


class ListedProductBody(Answer):
    id: Id
    store: StoreRef
    external_id: str
    name: str
    upc: str | None
    gtin: Annotated[str, Meta(pattern="^[0-9]{14}$")] | None
    canonical_product_id: Id | None
    match_status: MatchStatus
    use_custom_image: bool
    image: Annotated[ListedImageRef, Meta(description="null: the product shows no image")] | None


class ProductList(Answer):
    products: list[ListedProductBody]
    total: Annotated[int, Meta(ge=0, description="How many products match in all")]
    page: Annotated[int, Meta(ge=1)]
    per_page: Annotated[int, Meta(ge=1)]
    next_page: Annotated[int, Meta(ge=2, description="`page` for the next page")] | None


# --- sync -----------------------------------------------------------------------------

T = TypeVar("T")


class SyncProduct(Struct):
    """One product of a store's batch, as sent (checked further in `edge.http.sync_input`)."""

    external_id: Annotated[str, Meta(min_length=1, max_length=MAX_EXTERNAL_ID)] | int
    name: Annotated[Name, Meta(min_length=1)]
    # Any JSON value is taken: a bad barcode only warns (the product is matched by name).
    upc: Annotated[Any, Meta(extra_json_schema={"anyOf": _BARCODE_TYPES})] = None
    brand: Brand | None = None
    image_url: Url | None = None
    # A feed's further attributes: taken leniently (a bad one only warns and is dropped,
    # the product is kept), so typed `Any` here and documented by `_attribute`.
    model: Annotated[Any, _attribute("string", MAX_CODE, "model number as the store has it")] = None
    mpn: Annotated[Any, _attribute("string", MAX_CODE, "manufacturer part number")] = None
    category: Annotated[Any, _attribute("string", MAX_BRAND, "the store's category path")] = None
    size: Annotated[Any, _attribute("string", MAX_SIZE, "size or quantity, e.g. 250")] = None
    unit: Annotated[Any, _attribute("string", MAX_SIZE, "unit of `size`, e.g. ml")] = None
    price: Annotated[Any, _attribute("number", None, "price, in `currency`")] = None
    currency: Annotated[Any, _attribute("string", 3, "ISO 4217 code, e.g. EUR")] = None


class SyncRequest(Struct, Generic[T]):
    """Decoded as `SyncRequest[msgspec.Raw]` (each item on its own: one bad item is that
    item's error) and documented as `SyncRequest[SyncProduct]`."""

    products: Annotated[list[T], Meta(min_length=1, max_length=MAX_BATCH)]


class ItemWarning(Answer):
    field: str
    code: str
    message: str


class SyncItemResult(Answer, omit_defaults=True):
    index: Annotated[int, Meta(ge=0)]
    external_id: str
    product_id: Id
    canonical_product_id: Id | None
    match_status: SyncOutcome
    created_canonical: bool
    warnings: list[ItemWarning] = field(default_factory=list)


class ItemErrorDetail(Answer):
    code: Literal["invalid_item"]
    field: str
    message: str


class SyncItemError(Answer):
    index: Annotated[int, Meta(ge=0)]
    error: ItemErrorDetail


class SyncSummary(Answer, omit_defaults=True):
    received: Annotated[int, Meta(ge=0)]
    stored: Annotated[int, Meta(ge=0)]
    errors: Annotated[int, Meta(ge=0)]
    linked: Annotated[int, Meta(ge=0)] = 0
    queued: Annotated[int, Meta(ge=0)] = 0
    kept: Annotated[int, Meta(ge=0)] = 0


def _one_of(*names: str) -> dict[str, object]:
    return {"oneOf": [{"$ref": f"#/components/schemas/{name}"} for name in names]}


class SyncAnswer(Answer):
    store: str
    summary: SyncSummary
    # Each item's result or its error, in request order. msgspec cannot decode a union of
    # untagged structs, and answers are only encoded: the schema names the two shapes.
    results: Annotated[
        list[Any], Meta(extra_json_schema={"items": _one_of("SyncItemResult", "SyncItemError")})
    ]


# --- match review ---------------------------------------------------------------------


class MatchRequest(Struct):
    productId: Id


class NewProductData(Struct):
    name: Annotated[Name, Meta(min_length=1)]
    brand: Brand | None = None
    upc: Barcode | None = None


class MatchDecision(Struct):
    queueItemId: Id
    action: Literal["confirm", "reject"]
    canonicalProductId: Id | None = None
    newProductData: NewProductData | None = None


StoreNamed = Annotated[
    bool,
    Meta(
        description="named after one store's title by the sync that brought its GTIN; "
        "a curator's edit of its name or brand clears it"
    ),
]


class SuggestedMatch(Answer):
    canonicalProductId: Id
    name: str
    brand: str | None
    gtin: str | None
    image_count: Annotated[int, Meta(ge=0)]
    provisional: Annotated[
        bool, Meta(description="made by the matcher from one store's product; unconfirmed")
    ]
    store_named: StoreNamed
    confidence: Score
    reasons: list[str]


class MatchSuggestionsData(Answer):
    productId: Id
    match_status: MatchStatus
    canonicalProductId: Id | None
    queueItemId: Id | None
    queue_status: QueueStatus | None
    queue_error: (
        Annotated[str, Meta(description="Why the matcher failed on the item (`failed`)")] | None
    )
    suggestedMatches: list[SuggestedMatch]


class MatchSuggestions(Answer):
    data: MatchSuggestionsData


class MatchDecidedData(Answer):
    queueItemId: Id
    productId: Id
    action: Literal["confirm", "reject"]
    canonicalProductId: Id | None
    image_url: str | None


class MatchDecided(Answer):
    data: MatchDecidedData


class RecordedCandidate(Answer):
    canonical_product_id: Id
    score: Score


class ReviewCandidate(Answer):
    """A canonical product the item may link to, scored now by the matcher's rules."""

    canonical_product_id: Id
    name: str
    brand: str | None
    gtin: Annotated[str, Meta(pattern="^[0-9]{14}$")] | None
    provisional: bool
    store_named: StoreNamed
    image_count: Annotated[int, Meta(ge=0)]
    product_count: Annotated[int, Meta(ge=0)]
    thumbnail_url: (
        Annotated[str, Meta(description="Its primary image (versioned `/img` URL)")] | None
    )
    score: Score
    recorded_score: (
        Annotated[Score, Meta(description="What the matcher recorded for it, if it did")] | None
    )
    reasons: list[str]


class ReviewQueueItem(Answer):
    queue_item_id: Annotated[Id, Meta(description="`queueItemId` of `PUT /api/images/match`")]
    status: Annotated[QueueStatus, Meta(description="`suggested` or `review`")]
    confidence: Score | None
    waiting_since: datetime
    product: Product
    recorded_candidates: list[RecordedCandidate]
    candidates: list[ReviewCandidate]


class ReviewQueuePage(Answer):
    items: list[ReviewQueueItem]
    next_after: Annotated[Id, Meta(description="`after` for the next page")] | None
    waiting: Annotated[int, Meta(ge=0, description="Items waiting in all (this store's)")]


# --- curation -------------------------------------------------------------------------


class MergeRequest(Struct):
    into: Annotated[Id, Meta(description="The canonical product that stays")]


class CanonicalProductPatch(Struct):
    """A curator's repair: the fields given change (a `null` brand clears it)."""

    name: Annotated[Name, Meta(min_length=1)] | UnsetType = UNSET
    brand: Brand | UnsetType | None = UNSET


class CanonicalProductBody(Answer):
    id: Id
    gtin: Annotated[str, Meta(pattern="^[0-9]{14}$")] | None
    name: str
    brand: str | None
    image_count: Annotated[int, Meta(ge=0)]
    product_count: Annotated[int, Meta(ge=0)]
    provisional: bool
    store_named: StoreNamed


class CanonicalProductPage(Answer):
    canonical_products: list[CanonicalProductBody]
    next_after: Annotated[Id, Meta(description="`after` for the next page")] | None


# --- stores (the curator's) -----------------------------------------------------------

Count = Annotated[int, Meta(ge=0)]


class NewStore(Struct):
    name: Annotated[
        str,
        Meta(
            min_length=1,
            max_length=MAX_STORE_NAME,
            description="Unique; kept without surrounding blanks; no control characters",
        ),
    ]


class StoreBody(Answer):
    id: Id
    name: str
    product_count: Count
    has_key: Annotated[bool, Meta(description="false: revoked, no key works")]
    created_at: datetime
    last_sync_at: Annotated[datetime, Meta(description="The last sync push")] | None


class StoreList(Answer):
    stores: list[StoreBody]


class IssuedStoreKey(Answer):
    store: StoreRef
    api_key: Annotated[
        str,
        Meta(
            pattern="^imgedge_sk_",
            description="Shown this once: only its hash is stored. A bearer token.",
        ),
    ]


class KeyEventBody(Answer):
    """One change of the store's API key (never the key itself)."""

    action: Annotated[str, Meta(description="created | rotated | revoked")]
    by: Annotated[
        str, Meta(description="who: curator (the API), console or cli (`imgedge stores`)")
    ]
    at: datetime


class KeyEventList(Answer):
    events: Annotated[list[KeyEventBody], Meta(description="Newest first (at most 200)")]


# --- stats ----------------------------------------------------------------------------

Share = Annotated[float, Meta(ge=0, le=1)]


class ImageSharing(Answer):
    products: Annotated[
        Count,
        Meta(
            description="Show a canonical product's images that a product of another "
            "store shows too"
        ),
    ]
    share: Annotated[Share, Meta(description="Of all the products (null: none)")] | None
    target: Share


class Storage(Answer):
    stored_bytes: Annotated[Count, Meta(description="Originals stored, once per content")]
    per_store_bytes: Annotated[
        Count, Meta(description="If every product kept its own copies of what it shows")
    ]
    saved: Annotated[float, Meta(le=1, description="1 - stored / per-store (null: 0/0)")] | None
    target: Share


class ShownImages(Answer):
    canonical: Count
    custom: Count
    none: Annotated[Count, Meta(description="Products without an image (/img answers 404)")]


class Matching(Answer):
    by_barcode: Count
    by_name: Annotated[Count, Meta(description="Linked by a name match or by a person")]
    provisional: Annotated[
        Count, Meta(description="Linked to a canonical product the matcher made")
    ]
    suggested: Count
    review: Count
    unmatched: Count
    rejected: Count


class QueueStats(Answer):
    depth: Count
    oldest_at: datetime | None
    oldest_age_s: Annotated[float, Meta(ge=0)] | None


class StatsAnswer(Answer):
    store: Annotated[StoreRef, Meta(description="null: the whole marketplace")] | None
    computed_at: Annotated[datetime, Meta(description="Figures may be a few seconds old")]
    products: Count
    image_sharing: ImageSharing
    storage: Annotated[Storage, Meta(description="The marketplace's only")] | None
    images: ShownImages
    matching: Matching
    review_queue: Annotated[QueueStats, Meta(description="Waiting for a person")]
    matcher_queue: Annotated[QueueStats, Meta(description="Waiting for the matcher")]


# --- webhooks -------------------------------------------------------------------------


class WebhookDelivery(Answer):
    id: Id
    event: WebhookEvent
    status: Literal["pending", "delivered", "failed"]
    endpoint: Annotated[
        Literal["operator", "store"],
        Meta(description="Sent to IMGEDGE_WEBHOOK_URL, or to the store's own URL"),
    ]
    attempts: Annotated[Count, Meta(description="Tries made so far")]
    next_attempt_at: (
        Annotated[datetime, Meta(description="When it is tried next (pending only)")] | None
    )
    last_status_code: (
        Annotated[int, Meta(description="The receiver's last HTTP status; null: no answer")] | None
    )
    last_error: Annotated[str, Meta(description="Why the last try failed")] | None
    created_at: datetime
    delivered_at: datetime | None


class WebhookRegistration(Struct):
    url: Annotated[Url, Meta(description="http(s) URL receiving this store's events")]


class StoreWebhookBody(Answer):
    url: str
    created_at: datetime


class IssuedWebhook(Answer):
    url: str
    secret: Annotated[
        str,
        Meta(
            pattern="^whsec_",
            description="Shown this once: the HMAC key of Imgedge-Signature. Register again "
            "for a new one.",
        ),
    ]
    created_at: datetime


class WebhookDeliveryPage(Answer):
    deliveries: Annotated[list[WebhookDelivery], Meta(description="Newest first")]
    next_before: Annotated[int, Meta(description="`before` for the next page")] | None


# --- operations -----------------------------------------------------------------------


class Health(Answer):
    status: Literal["ok"]


Dependency = Literal["catalog", "originals", "cache"]


class Ready(Answer, omit_defaults=True):
    """`degraded`: answering, with `down` naming the shared parts that are not."""

    status: Literal["ready", "degraded"]
    down: list[Dependency] = []


# Every named body, as it appears under `components.schemas` (requests, then answers).
COMPONENTS: tuple[object, ...] = (
    ImagesPatch,
    UploadForm,
    SyncRequest[SyncProduct],
    MatchRequest,
    MatchDecision,
    ErrorBody,
    Product,
    ProductList,
    ProductImages,
    Pictures,
    UploadResult,
    SyncAnswer,
    SyncItemResult,
    SyncItemError,
    MatchSuggestions,
    MatchDecided,
    MergeRequest,
    CanonicalProductPatch,
    CanonicalProductBody,
    CanonicalProductPage,
    NewStore,
    StoreList,
    IssuedStoreKey,
    KeyEventList,
    StatsAnswer,
    ReviewQueuePage,
    WebhookDeliveryPage,
    WebhookRegistration,
    StoreWebhookBody,
    IssuedWebhook,
    Health,
    Ready,
)
