"""A store's sync batch at the boundary: each item decoded as a `SyncProduct` on its own
(one bad item is reported, the rest are stored), then trimmed and turned into a typed
`SyncItem`. An item holding broken text anywhere (a lone surrogate, a NUL: see
`edge.http.text`) is a bad item, even where msgspec refuses the whole body for it.

A bad barcode does not make a bad item: the product is kept without a GTIN and goes to
name matching; the answer carries the barcode's problem as a warning.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any
from urllib.parse import urlsplit

import msgspec

from catalog.gtin import Circulation, InvalidBarcode, circulation, normalize_gtin
from catalog.models import SyncItem
from edge.errors import BadRequest
from edge.http.bodies import (
    MAX_BRAND,
    MAX_CODE,
    MAX_SIZE,
    MAX_UPC,
    ItemWarning,
    SyncProduct,
    SyncRequest,
)
from edge.http.decoding import bad_field, bad_text, decode_json, field_of, loose_json
from edge.http.text import broken_text, printable_problem, shown, text_problem

_DECODER = msgspec.json.Decoder(SyncProduct)


class ItemError(ValueError):
    def __init__(self, field_name: str, message: str) -> None:
        field_name, message = shown(field_name), shown(message)
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
    if (problem := printable_problem(value)) is not None:
        raise ItemError(name, problem)
    return value


def _image_url(url: str | None) -> str | None:
    url = _text(url, "image_url")
    if url is None:
        return None
    try:
        parts = urlsplit(url)
        valid = parts.scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:  # e.g. "http://[": not a URL at all
        valid = False
    if not valid:
        raise ItemError("image_url", "must be an http(s) URL with a host")
    return url


def parse_item(index: int, raw: bytes | ItemError) -> ParsedItem:
    parsed = ParsedItem(index)
    try:
        if isinstance(raw, ItemError):
            raise raw
        try:
            sent = _DECODER.decode(raw)
        except msgspec.ValidationError as exc:
            raise ItemError(field_of(exc) or "item", str(exc)) from None
        if (broken := broken_text(sent)) is not None:
            raise ItemError(broken[0] or "item", broken[1])
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
    attributes = _attributes(sent, parsed.warnings)
    parsed.item = SyncItem(external_id, upc, gtin, name, brand, image_url, **attributes)
    return parsed


def _attributes(sent: SyncProduct, warnings: list[ItemWarning]) -> dict[str, Any]:
    """The feed's further attributes; a bad one is dropped with a warning (never the
    product: the matcher can do without it)."""
    found: dict[str, Any] = {}

    def keep(name: str, value: Any, check: Callable[[Any], Any]) -> None:
        if value is None or value == "":
            return
        try:
            found[name] = check(value)
        except ValueError as exc:
            warnings.append(ItemWarning(name, "invalid_attribute", f"{name}: {exc}"))

    keep("model", sent.model, partial(_code, limit=MAX_CODE))
    keep("mpn", sent.mpn, partial(_code, limit=MAX_CODE))
    keep("category", sent.category, partial(_plain, limit=MAX_BRAND))
    keep("size", sent.size, partial(_size, unit=sent.unit))
    keep("price", sent.price, _price)
    keep("currency", sent.currency, _currency)
    return found


def _plain(value: Any, limit: int) -> str:
    if not isinstance(value, str):
        raise ValueError("must be a string")
    text = value.strip()
    if len(text) > limit or printable_problem(text) is not None:
        raise ValueError(f"must be at most {limit} printable characters")
    return text


def _code(value: Any, limit: int) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)  # part numbers arrive as numbers too
    return _plain(value, limit)


def _size(value: Any, unit: Any) -> str:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = f"{value:g}"
    text = _plain(value, MAX_SIZE)
    if unit not in (None, ""):
        text = f"{text} {_plain(unit, MAX_SIZE)}"
    return text[:MAX_SIZE]


_PRICE = re.compile(r"\A\s*[^\d\s.,-]{0,3}\s*(\d{1,9}(?:[.,]\d{1,4})?)\s*[^\d\s.,-]{0,3}\s*\Z")


def _price(value: Any) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = float(value)
    elif isinstance(value, str) and (match := _PRICE.match(value)):
        number = float(match[1].replace(",", "."))  # "12,99": a decimal comma
    else:
        raise ValueError('must be a number (or a price such as "12.99")')
    if not math.isfinite(number) or number < 0:
        raise ValueError("must be a non-negative amount")
    return number


def _currency(value: Any) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"[A-Za-z]{3}", value.strip()):
        raise ValueError("must be a three-letter ISO 4217 code")
    return value.strip().upper()


def decode_batch(data: bytes) -> list[bytes | ItemError]:
    """The batch's items as raw JSON each, or as the error of an item holding broken text.
    msgspec refuses a whole body for one lone-surrogate escape; then the standard
    library's parser splits it, and only the items with broken text are bad."""
    try:
        batch = decode_json(data, SyncRequest[msgspec.Raw], invalid="invalid_batch")
        return [bytes(raw) for raw in batch.products]
    except BadRequest as exc:
        if exc.code != "invalid_text" or (loose := loose_json(data)) is None:
            raise
    body = loose[0]
    if isinstance(body, dict):  # a broken key beside `products` is an unknown field
        body = {k: v for k, v in body.items() if text_problem(k) is None}
    try:
        items = msgspec.convert(body, SyncRequest[Any]).products
    except msgspec.ValidationError as exc:
        raise bad_field(exc, "invalid_batch") from None
    except UnicodeEncodeError:  # msgspec words a wrong type with the (broken) text itself
        raise bad_text(broken_text(body) or ("", "is not valid Unicode")) from None
    return [_item_bytes(item) for item in items]


def _item_bytes(item: Any) -> bytes | ItemError:
    if (broken := broken_text(item)) is not None:
        return ItemError(broken[0] or "item", broken[1])
    return msgspec.json.encode(item)


def parse_batch(products: Sequence[bytes | ItemError]) -> list[ParsedItem]:
    """The batch's items, each parsed or with its error; duplicates of an external id in
    one batch are errors (which of two versions would win is not the store's intent)."""
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
