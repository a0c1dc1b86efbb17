"""Review API `/api/images/match`: suggestions, confirm / reject / new canonical, ownership."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from catalog.models import MatchStatus, SyncItem
from config import Settings, load_settings
from edge.demo.photos import PhotoSpec
from edge.http.app import create_app
from edge.http.auth import ADMIN_TOKEN_META, hash_token, new_store_key
from edge.services import open_services
from matcher.scoring import Thresholds
from matcher.service import memory_key
from matcher.worker import MatchWorker, WorkerOptions

CURATOR = "curator-token"


@pytest.fixture
async def review_setup(services, build):
    catalog = services.catalog
    await catalog.set_meta(ADMIN_TOKEN_META, hash_token(CURATOR))
    target = await catalog.create_canonical_product(
        gtin=None, name="Brightfield Rolled Oats 1 kg", brand="Brightfield"
    )
    await build.image({"canonical_product_id": target.id}, PhotoSpec(400, 400, (9, 9, 9), "box"))
    await catalog.create_canonical_product(gtin=None, name="Acme Cola 12 oz", brand="Acme")
    keys = {}
    stores = {}
    for name in ("Mine", "Theirs"):
        keys[name] = new_store_key()
        stores[name] = await catalog.create_store(name, api_key_hash=hash_token(keys[name]))
    [mine] = await catalog.sync_products(
        stores["Mine"].id, [SyncItem("m1", None, None, "Oats rolled 1000g brightfld")], known={}
    )
    [theirs] = await catalog.sync_products(
        stores["Theirs"].id, [SyncItem("t1", None, None, "Mystery")], known={}
    )
    options = WorkerOptions(Thresholds(), poll_s=0.01)
    await MatchWorker(catalog, options).run(drain=True)
    return target, keys, mine.product_id, theirs.product_id


def _bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


async def test_post_suggests_scored_candidates(client, review_setup):
    target, keys, mine, _ = review_setup
    r = await client.post(
        "/api/images/match", json={"productId": mine}, headers=_bearer(keys["Mine"])
    )
    assert r.status_code == 200, r.text
    data = r.json()["data"]
    assert data["productId"] == mine and data["queueItemId"]
    # The original system's names keep their camelCase; every other field is snake_case.
    assert set(data) == {
        "productId", "canonicalProductId", "queueItemId", "suggestedMatches",
        "match_status", "queue_status", "queue_error",
    }  # fmt: skip
    best = data["suggestedMatches"][0]
    assert set(best) == {
        "canonicalProductId",
        "name",
        "brand",
        "gtin",
        "image_count",
        "provisional",
        "store_named",
        "confidence",
        "reasons",
    }
    assert best["canonicalProductId"] == target.id
    assert 0 < best["confidence"] <= 100
    scores = [m["confidence"] for m in data["suggestedMatches"]]
    assert scores == sorted(scores, reverse=True)


async def test_confirm_links_and_img_serves_at_once(client, services, review_setup):
    target, keys, mine, _ = review_setup
    product = await services.catalog.get_store_product(mine)
    if product.canonical_product_id is None:  # not auto-linked: a human confirms it
        assert (await client.get(f"/img/{mine}/small.jpg")).status_code == 404
    item = await services.catalog.get_match_item_for_product(mine)
    r = await client.put(
        "/api/images/match",
        json={"queueItemId": item.id, "action": "confirm", "canonicalProductId": target.id},
        headers=_bearer(keys["Mine"]),
    )
    assert r.status_code == 200, r.text
    assert (await client.get(f"/img/{mine}/small.jpg")).status_code == 200
    linked = await services.catalog.get_store_product(mine)
    assert (linked.canonical_product_id, linked.match_status) == (target.id, MatchStatus.LINKED)


async def test_reject_and_new_canonical(client, services, review_setup):
    _, _, mine, theirs = review_setup
    item = await services.catalog.get_match_item_for_product(theirs)
    r = await client.put(
        "/api/images/match",
        json={"queueItemId": item.id, "action": "reject"},
        headers=_bearer(CURATOR),
    )
    assert r.status_code == 200
    assert (await services.catalog.get_store_product(theirs)).match_status is MatchStatus.REJECTED

    item = await services.catalog.get_match_item_for_product(mine)
    r = await client.put(
        "/api/images/match",
        json={
            "queueItemId": item.id,
            "action": "confirm",
            "newProductData": {"name": "Brightfield Oats Organic 1 kg", "upc": "4006381333931"},
        },
        headers=_bearer(CURATOR),
    )
    assert r.status_code == 200, r.text
    made = await services.catalog.get_canonical_product(r.json()["data"]["canonicalProductId"])
    assert (made.name, made.gtin) == ("Brightfield Oats Organic 1 kg", "04006381333931")
    # The same barcode again is a conflict, not a second canonical product.
    r = await client.put(
        "/api/images/match",
        json={
            "queueItemId": item.id,
            "action": "confirm",
            "newProductData": {"name": "Again", "upc": "4006381333931"},
        },
        headers=_bearer(CURATOR),
    )
    assert r.status_code == 409


async def test_decisions_are_kept_for_the_matcher_to_remember(client, services, review_setup):
    target, _, mine, theirs = review_setup
    catalog = services.catalog
    for product_id, body in ((mine, {"canonicalProductId": target.id}), (theirs, {})):
        item = await catalog.get_match_item_for_product(product_id)
        action = "confirm" if body else "reject"
        r = await client.put(
            "/api/images/match",
            json={"queueItemId": item.id, "action": action, **body},
            headers=_bearer(CURATOR),
        )
        assert r.status_code == 200, r.text
        product = await catalog.get_store_product(product_id)
        key = memory_key(product)
        decided = (await catalog.remembered_decisions([key])).get(key, [])
        # the target confirmed, every other candidate the worker recorded rejected
        verdicts = {d.canonical_id: d.confirmed for d in decided}
        others = {c for c, _ in item.candidates} - {target.id}
        assert verdicts == {c: False for c in others} | ({target.id: True} if body else {})
        assert all(d.score == dict(item.candidates).get(d.canonical_id) for d in decided)


async def test_a_store_cannot_touch_another_stores_product(client, services, review_setup):
    target, keys, _, theirs = review_setup
    r = await client.post(
        "/api/images/match", json={"productId": theirs}, headers=_bearer(keys["Mine"])
    )
    assert (r.status_code, r.json()["error"]["code"]) == (403, "not_your_product")
    item = await services.catalog.get_match_item_for_product(theirs)
    before = (await services.catalog.get_store_product(theirs)).canonical_product_id
    r = await client.put(
        "/api/images/match",
        json={"queueItemId": item.id, "action": "confirm", "canonicalProductId": target.id},
        headers=_bearer(keys["Mine"]),
    )
    assert r.status_code == 403
    after = (await services.catalog.get_store_product(theirs)).canonical_product_id
    assert after == before != target.id


@pytest.mark.parametrize(
    ("method", "body", "status", "code"),
    [
        ("post", {"productId": "x"}, 400, "invalid_field"),
        ("post", {"productId": 999999}, 404, "product_not_found"),
        ("put", {"queueItemId": 999999, "action": "reject"}, 404, "queue_item_not_found"),
        ("put", {"queueItemId": 1, "action": "maybe"}, 400, "invalid_action"),
    ],
)
async def test_bad_requests(client, review_setup, method, body, status, code):
    r = await getattr(client, method)(
        "/api/images/match", json=body, headers=_bearer(CURATOR)
    )  # fmt: skip
    assert (r.status_code, r.json()["error"]["code"]) == (status, code)


@pytest.mark.parametrize("method", ["post", "put"])
async def test_missing_or_wrong_token_is_401(client, review_setup, method):
    _, _, mine, _ = review_setup
    for headers in ({}, _bearer("nope")):
        r = await getattr(client, method)(
            "/api/images/match", json={"productId": mine}, headers=headers
        )
        assert r.status_code == 401


async def test_review_and_worker_agree_under_a_configured_threshold(tmp_path: Path):
    """With IMGEDGE_MATCH_AUTO_LINK=95 a pair scoring ~92 is a suggestion for the worker,
    and the review API shows the confidence the worker stored, caps included."""
    settings: Settings = load_settings(
        {
            "IMGEDGE_DATABASE_URL": f"sqlite:///{tmp_path}/catalog.db",
            "IMGEDGE_CACHE_URL": f"file://{tmp_path}/cache",
            "IMGEDGE_ORIGINALS_URL": f"file://{tmp_path}/originals",
            "IMGEDGE_MATCH_AUTO_LINK": "95",
            "IMGEDGE_MATCH_SCORER": "rules",  # whose caps the scores below are
        },
        config_file=tmp_path / "absent.toml",
    )
    async with open_services(settings) as services:
        catalog = services.catalog
        for name in ("Northwind Chamomile Herbal Tea 20 bags", "Northwind Green Tea 20 bags"):
            await catalog.create_canonical_product(gtin=None, name=name, brand="Northwind")
        key = new_store_key()
        store = await catalog.create_store("Mine", api_key_hash=hash_token(key))
        synced = await catalog.sync_products(
            store.id,
            [
                # A misspelt brand: ~92, a link under the default 85.
                SyncItem("m1", None, None, "Nortwind Chamomile Herbal Tea 20 bags", "Northwind"),
                # A misspelt word caps the score just below the configured auto-link: 94.9.
                SyncItem("m2", None, None, "Northwind Gren Tea 20 bags", "Northwind"),
            ],
            known={},
        )
        stats = await MatchWorker(catalog, WorkerOptions.from_settings(settings)).run(drain=True)
        assert stats["suggest"] == 2

        app = create_app(settings, services=services)
        app.state.services = services
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://edge.test") as client:
            for result, expected in zip(synced, (91.9, 94.9), strict=True):
                product = await catalog.get_store_product(result.product_id)
                assert (product.match_status, product.canonical_product_id) == (
                    MatchStatus.SUGGESTED,
                    None,
                )
                item = await catalog.get_match_item_for_product(product.id)
                r = await client.post(
                    "/api/images/match", json={"productId": product.id}, headers=_bearer(key)
                )
                assert r.status_code == 200, r.text
                [best, *_] = r.json()["data"]["suggestedMatches"]
                assert best["canonicalProductId"] == item.candidates[0][0]
                assert best["confidence"] == product.match_confidence == expected


async def test_an_item_the_matcher_failed_on_shows_why(client, services, monkeypatch):
    """The worker fails one bad item (its scoring raises) and goes on; the review API
    shows the item as failed, with the reason."""
    import matcher.service as service_module

    catalog = services.catalog
    await catalog.set_meta(ADMIN_TOKEN_META, hash_token(CURATOR))
    await catalog.create_canonical_product(gtin=None, name="Acme Cola 12 oz", brand="Acme")
    store = await catalog.create_store("Shop")
    bad, _ = await catalog.sync_products(
        store.id,
        [SyncItem("b", None, None, "Poison item"), SyncItem("g", None, None, "ACME COLA 12OZ")],
        known={},
    )
    real = service_module.score_candidates

    def explode_on_poison(name, *args, **kwargs):
        if name == "Poison item":
            raise RuntimeError("scorer exploded")
        return real(name, *args, **kwargs)

    with monkeypatch.context() as patched:
        patched.setattr(service_module, "score_candidates", explode_on_poison)
        options = WorkerOptions(Thresholds(), poll_s=0.01, max_attempts=1)
        stats = await MatchWorker(catalog, options).run(drain=True)
    assert stats["failed"] == 1 and stats["link"] == 1
    r = await client.post(
        "/api/images/match", json={"productId": bad.product_id}, headers=_bearer(CURATOR)
    )
    assert r.status_code == 200, r.text
    data = r.json()["data"]
    assert data["queue_status"] == "failed"
    assert data["queue_error"] == "RuntimeError: scorer exploded"
