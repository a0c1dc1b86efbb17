"""`/console`, the dashboard: the figures against their targets, links into the product
filters; the curator sees the marketplace, a store its own products (no storage)."""

from __future__ import annotations

import re

from catalog.models import MatchStatus
from edge.console.figures import age, percent, size
from tests.conftest import CURATOR_TOKEN
from tests.edge.console.test_session import sign_in


async def _catalog(services, build) -> str:
    """Cola (one image) sold by S1 and S2; S1 also sells Tea, not matched: 2 of 3 share."""
    key = await build.store_key("S1")
    await build.store_key("S2")
    catalog = services.catalog
    first = await build.product(store="S1")
    second = await catalog.upsert_store_product(
        store_id=(await catalog.get_store_by_name("S2")).id,
        external_id="c", upc=None, gtin=None, name="Cola",
    )  # fmt: skip
    await catalog.link_store_product(
        second.id, first.canonical_product_id, MatchStatus.LINKED, 91.0
    )
    await catalog.upsert_store_product(
        store_id=first.store_id, external_id="t", upc=None, gtin=None, name="Tea"
    )
    return key


def _meters(text: str) -> list[str]:
    return re.findall(r"<meter [^>]*>", text)


async def test_the_curator_sees_the_marketplace_against_the_targets(
    client, services, build, curator
):
    await _catalog(services, build)
    assert (await sign_in(client, CURATOR_TOKEN)).status_code == 303
    page = await client.get("/console")
    assert page.status_code == 200
    text = page.text
    assert "The whole marketplace" in text and ">3 store products</a>" in text
    assert "66.7%" in text and "Target 70%+" in text and "not yet" in text  # sharing
    assert "50.0%" in text and "Target 50%+" in text and ">met</strong>" in text  # storage
    assert 'value="0.6666666666666666"' in _meters(text)[0] and 'high="0.7"' in _meters(text)[0]
    assert 'href="/console/products?image=none"' in text
    assert 'href="/console/products?status=unmatched"' in text
    assert 'href="/console/review"' in text
    assert "style=" not in text and "<script>" not in text  # the CSP allows neither inline


async def test_a_store_sees_its_own_figures_without_storage(client, services, build):
    key = await _catalog(services, build)
    assert (await sign_in(client, key)).status_code == 303
    text = (await client.get("/console")).text
    assert "The products of S1" in text and ">2 store products</a>" in text
    assert "50.0%" in text  # one of its two products shares Cola with S2
    assert "Storage saved" not in text


async def test_an_empty_catalog_has_nothing_to_measure(client, curator):
    assert (await sign_in(client, CURATOR_TOKEN)).status_code == 303
    text = (await client.get("/console")).text
    assert "nothing to measure yet" in text and "–" in text


def test_figures_read_as_people_read_them():
    assert (percent(None), percent(0.7234), percent(1)) == ("–", "72.3%", "100.0%")
    assert (size(0), size(1023), size(1536), size(5 * 1024**3)) == (
        "0 bytes", "1023 bytes", "1.5 KiB", "5.0 GiB",
    )  # fmt: skip
    assert [age(s) for s in (None, 5.9, 60, 3599, 3600 + 5 * 60, 2 * 86400 + 4 * 3600)] == [
        "–", "5 s", "1 min", "59 min", "1 h 5 min", "2 d 4 h",
    ]  # fmt: skip
