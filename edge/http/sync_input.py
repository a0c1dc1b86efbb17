"""A store's sync batch at the boundary: each item decoded as a `SyncProduct` on its own
(one bad item is reported, the rest are stored), then trimmed and turned into a typed
`SyncItem`. A bad barcode does not make a bad item: the product is kept without a GTIN and
goes to name matching; the answer carries the barcode's problem as a warning.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import msgspec

from catalog.gtin import Circulation, InvalidBarcode, circulation, normalize_gtin
from catalog.models import SyncItem
from edge.http.bodies import MAX_UPC, ItemWarning, SyncProduct
from edge.http.decoding import field_of

_DECODER = msgspec.json.Decoder(SyncProduct)


class ItemError(ValueError):
    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(f"{field_name}: {message}")
        self.field = field_name
        self.message = message


@dataclass(slots=True)
class ParsedItem:
    index: int
    item: SyncItem | None = None
    error: ItemError | None = None
    warnings: list[ItemWarning] = field(default_factory=list)


def _text(value: str | None, name: str, *, required: bool = False) -> str | None:
    """Trimmed; blank counts as absent; no control characters."""
    if value is None or not value.strip():
        if required:
            raise ItemError(name, "is required")
        return None
    value = value.strip()
    if any(ord(c) < 32 for c in value):
        raise ItemError(name, "contains control characters")
    return value


def _image_url(url: str | None) -> str | None:
    url = _text(url, "image_url")
    if url is None:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ItemError("image_url", "must be an http(s) URL with a host")
    return url


def parse_item(index: int, raw: bytes) -> ParsedItem:
    parsed = ParsedItem(index)
    try:
        try:
            sent = _DECODER.decode(raw)
        except msgspec.ValidationError as exc:
            raise ItemError(field_of(exc) or "item", str(exc)) from None
        external_id = _text(str(sent.external_id), "external_id", required=True)
        name = _text(sent.name, "name", required=True)
        brand = _text(sent.brand, "brand")
        image_url = _image_url(sent.image_url)
    except ItemError as exc:
        parsed.error = exc
        return parsed
    upc: str | None = None
    gtin: str | None = None
    if sent.upc is not None and sent.upc != "":
        upc = (sent.upc if isinstance(sent.upc, str) else repr(sent.upc))[:MAX_UPC]
        try:
            gtin = normalize_gtin(sent.upc)
        except InvalidBarcode as exc:
            parsed.warnings.append(ItemWarning("upc", str(exc.reason), str(exc)))
        else:
            kind = circulation(gtin)
            if kind is not Circulation.GLOBAL:  # kept, but it links nothing across stores
                message = f"{gtin} is a {kind.value.replace('_', ' ')} code: matched by name"
                parsed.warnings.append(ItemWarning("upc", kind.value, message))
    assert external_id is not None and name is not None
    parsed.item = SyncItem(external_id, upc, gtin, name, brand, image_url)
    return parsed


def parse_batch(products: Sequence[msgspec.Raw]) -> list[ParsedItem]:
    """The batch's items, each parsed or with its error; duplicates of an external id in
    one batch are errors (which of two versions would win is not the store's intent)."""
    parsed = [parse_item(i, bytes(raw)) for i, raw in enumerate(products)]
    seen: set[str] = set()
    for p in parsed:
        if p.item is None:
            continue
        if p.item.external_id in seen:
            p.error = ItemError("external_id", "appears more than once in this batch")
            p.item = None
        else:
            seen.add(p.item.external_id)
    return parsed
