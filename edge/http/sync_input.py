"""Validating a store's sync batch at the boundary: JSON in, typed `SyncItem`s out.

Each item is checked on its own, so one bad item is reported and the rest are stored.
A bad barcode does not make a bad item: the product is kept, without a GTIN, and goes to
name matching; the answer carries the barcode's problem as a warning.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, overload
from urllib.parse import urlsplit

from catalog.gtin import InvalidBarcode, normalize_gtin
from catalog.models import SyncItem

MAX_BATCH = 1000
MAX_EXTERNAL_ID = 128
MAX_NAME = 500
MAX_BRAND = 200
MAX_URL = 2048


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
    warnings: list[dict[str, str]] = field(default_factory=list)


@overload
def _text(raw: dict[str, Any], key: str, limit: int, *, required: Literal[True]) -> str: ...
@overload
def _text(raw: dict[str, Any], key: str, limit: int, *, required: Literal[False]) -> str | None: ...
def _text(raw: dict[str, Any], key: str, limit: int, *, required: bool) -> str | None:
    value = raw.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ItemError(key, "is required")
        return None
    if not isinstance(value, str):
        raise ItemError(key, "must be a string")
    value = value.strip()
    if len(value) > limit:
        raise ItemError(key, f"is longer than {limit} characters")
    if any(ord(c) < 32 for c in value):
        raise ItemError(key, "contains control characters")
    return value


def _external_id(raw: dict[str, Any]) -> str:
    value = raw.get("external_id")
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)  # POS ids often arrive as numbers
        raw = {**raw, "external_id": value}
    return _text(raw, "external_id", MAX_EXTERNAL_ID, required=True)


def _image_url(raw: dict[str, Any]) -> str | None:
    url = _text(raw, "image_url", MAX_URL, required=False)
    if url is None:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ItemError("image_url", "must be an http(s) URL with a host")
    return url


def parse_item(index: int, raw: object) -> ParsedItem:
    parsed = ParsedItem(index)
    if not isinstance(raw, dict):
        parsed.error = ItemError("item", "must be a JSON object")
        return parsed
    try:
        external_id = _external_id(raw)
        name = _text(raw, "name", MAX_NAME, required=True)
        brand = _text(raw, "brand", MAX_BRAND, required=False)
        image_url = _image_url(raw)
    except ItemError as exc:
        parsed.error = exc
        return parsed
    upc_raw = raw.get("upc")
    upc: str | None = None
    gtin: str | None = None
    if upc_raw is not None and upc_raw != "":
        upc = upc_raw if isinstance(upc_raw, str) else repr(upc_raw)
        try:
            gtin = normalize_gtin(upc_raw)
        except InvalidBarcode as exc:
            reason = getattr(exc, "reason", "invalid")
            parsed.warnings.append({"field": "upc", "code": reason, "message": str(exc)})
        upc = upc[:64]
    parsed.item = SyncItem(external_id, upc, gtin, name, brand, image_url)
    return parsed


def parse_batch(body: Any) -> list[ParsedItem]:
    """The batch's items, each parsed or with its error; duplicates of an external id in
    one batch are errors (which of two versions would win is not the store's intent)."""
    products = body.get("products") if isinstance(body, dict) else None
    if not isinstance(products, list):
        raise ValueError('body must be {"products": [...]}')
    if not products:
        raise ValueError("products is empty")
    if len(products) > MAX_BATCH:
        raise ValueError(f"at most {MAX_BATCH} products per batch, got {len(products)}")
    parsed = [parse_item(i, raw) for i, raw in enumerate(products)]
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
