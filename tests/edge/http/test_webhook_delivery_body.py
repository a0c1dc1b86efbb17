"""What a delivery's answer body tells whom."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

from catalog.models import Delivery, DeliveryStatus
from edge.http.routes.webhooks import delivery_body


def test_a_store_is_not_told_why_the_operators_receiver_failed():
    body = (
        '{"id":"evt_1","type":"product.image_changed","time":"2030-01-01T00:00:00.000Z",'
        '"store_id":1,"store_product_ids":[2],"external_id":"x","version":null,"urls":null}'
    )
    at = datetime(2030, 1, 1, tzinfo=UTC)
    failed = Delivery(1, "evt_1", "product.image_changed", 1, 2, "https://ops.internal/h",
                      False, body, DeliveryStatus.FAILED, 8, at, None,
                      "connect_failed: could not connect to ops.internal", at, None)  # fmt: skip
    assert delivery_body(failed, curator=True).last_error.endswith("ops.internal")
    assert delivery_body(failed, curator=False).last_error == (
        "the operator's receiver did not take it"
    )
    own = delivery_body(dataclasses.replace(failed, store_endpoint=True), curator=False)
    assert own.last_error.endswith("ops.internal") and own.endpoint == "store"
