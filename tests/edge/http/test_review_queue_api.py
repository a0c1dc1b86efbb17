"""`GET /api/review-queue`: the uncertain matches, oldest first, a store's own only, with
candidates scored now (thumbnail, score, reasons) beside what the matcher recorded."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.parametrize("settings", ["sqlite", "postgresql"], indirect=True)


@pytest.fixture
def queue(review_queue):
    return review_queue


def _bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


async def test_the_curator_sees_every_store_oldest_first_with_candidates(client, queue):
    r = await client.get("/api/review-queue", headers=queue["curator"])
    assert r.status_code == 200, r.text
    assert r.headers["cache-control"] == "private, no-store"
    page = r.json()
    assert page["waiting"] == 2 and page["next_after"] is None
    mine, theirs = page["items"]
    assert [mine["product"]["id"], theirs["product"]["id"]] == [
        queue["products"]["Mine"],
        queue["products"]["Theirs"],
    ]
    assert mine["queue_item_id"] < theirs["queue_item_id"]
    assert (mine["status"], mine["confidence"]) == ("suggested", 78.0)
    assert mine["product"]["store"] == {"id": queue["stores"]["Mine"].id, "name": "Mine"}
    assert mine["product"]["name"] == "Brightfield Oats Rolled 1kg"
    assert mine["recorded_candidates"] == [
        {"canonical_product_id": queue["target"].id, "score": 78.0}
    ]
    assert theirs["status"] == "review" and theirs["recorded_candidates"] == []

    [best] = [c for c in mine["candidates"] if c["canonical_product_id"] == queue["target"].id]
    assert (best["name"], best["brand"], best["gtin"]) == (
        "Brightfield Rolled Oats 1 kg",
        "Brightfield",
        "00012345678905",
    )
    assert best["recorded_score"] == 78.0 and 0 < best["score"] <= 100
    assert "brand_match" in best["reasons"]
    scores = [c["score"] for c in mine["candidates"]]
    assert scores == sorted(scores, reverse=True)
    # The thumbnail is the canonical primary, through a product that shows it.
    version = queue["image"].version
    assert best["thumbnail_url"] == f"/img/{queue['shows']}/thumbnail?v={version}"
    shown = await client.get(best["thumbnail_url"], headers={"accept": "image/webp"})
    assert shown.status_code == 200 and shown.headers["content-type"] == "image/webp"
    assert "immutable" in shown.headers["cache-control"]
    # The review item's own provisional canonical product is a candidate: confirming it
    # keeps the product as new; it has no image yet.
    provisional = [c for c in theirs["candidates"] if c["provisional"]]
    assert provisional and provisional[0]["thumbnail_url"] is None


async def test_a_store_sees_only_its_own(client, queue):
    mine, theirs = queue["stores"]["Mine"], queue["stores"]["Theirs"]
    key = _bearer(queue["keys"]["Mine"])
    for url in ("/api/review-queue", f"/api/review-queue?store={mine.id}"):
        page = (await client.get(url, headers=key)).json()
        assert [i["product"]["id"] for i in page["items"]] == [queue["products"]["Mine"]]
        assert page["waiting"] == 1
    r = await client.get(f"/api/review-queue?store={theirs.id}", headers=key)
    assert (r.status_code, r.json()["error"]["code"]) == (403, "not_your_store")
    page = (
        await client.get(f"/api/review-queue?store={theirs.id}", headers=queue["curator"])
    ).json()
    assert [i["product"]["id"] for i in page["items"]] == [queue["products"]["Theirs"]]
    assert page["waiting"] == 1


async def test_pages_and_a_decision_leave_the_queue(client, queue):
    first = (await client.get("/api/review-queue?limit=1", headers=queue["curator"])).json()
    assert len(first["items"]) == 1 and first["waiting"] == 2
    after = first["next_after"]
    assert after == first["items"][0]["queue_item_id"]
    second = (
        await client.get(f"/api/review-queue?limit=1&after={after}", headers=queue["curator"])
    ).json()
    assert [i["product"]["id"] for i in second["items"]] == [queue["products"]["Theirs"]]

    r = await client.put(
        "/api/images/match",
        json={
            "queueItemId": after,
            "action": "confirm",
            "canonicalProductId": queue["target"].id,
        },
        headers=_bearer(queue["keys"]["Mine"]),
    )
    assert r.status_code == 200, r.text
    page = (await client.get("/api/review-queue", headers=queue["curator"])).json()
    assert [i["product"]["id"] for i in page["items"]] == [queue["products"]["Theirs"]]
    assert page["waiting"] == 1


@pytest.mark.parametrize(
    "query", ["limit=0", "limit=51", "limit=x", "after=-1", "store=0", "store=abc"]
)
async def test_bad_queries_are_400(client, queue, query):
    r = await client.get(f"/api/review-queue?{query}", headers=queue["curator"])
    assert (r.status_code, r.json()["error"]["code"]) == (400, "invalid_field")


async def test_without_a_token_it_is_401(client, queue):
    assert (await client.get("/api/review-queue")).status_code == 401
