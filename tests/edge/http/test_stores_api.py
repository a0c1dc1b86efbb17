"""`/api/stores`: the curator lists stores, creates one (the key shown once), rotates and
revokes keys; a store may do none of it, and a rotated or revoked key stops at once."""

from __future__ import annotations

from datetime import datetime

import pytest

pytestmark = pytest.mark.parametrize("settings", ["sqlite", "postgresql"], indirect=True)


def _auth(key: str) -> dict[str, str]:
    return {"authorization": f"Bearer {key}"}


async def _sync(client, key: str, *external_ids: str) -> int:
    body = {"products": [{"external_id": e, "name": f"Thing {e}"} for e in external_ids]}
    return (await client.post("/api/sync/products", json=body, headers=_auth(key))).status_code


async def test_a_created_store_gets_a_working_key_once_and_is_listed(client, curator):
    r = await client.post("/api/stores", json={"name": "  Metro  "}, headers=curator)
    assert r.status_code == 201, r.text
    assert r.headers["cache-control"] == "no-store"
    made = r.json()
    assert made["store"]["name"] == "Metro" and made["api_key"].startswith("imgedge_sk_")
    assert await _sync(client, made["api_key"], "a", "b") == 200

    listed = (await client.get("/api/stores", headers=curator)).json()["stores"]
    [metro] = listed
    assert (metro["id"], metro["name"], metro["product_count"]) == (made["store"]["id"], "Metro", 2)
    assert metro["has_key"] is True and metro["last_sync_at"] is not None
    assert "api_key" not in metro and made["api_key"] not in str(listed)


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"name": "   "}, 400, "invalid_field"),
        ({"name": ""}, 400, "invalid_field"),
        ({"name": "x" * 201}, 400, "invalid_field"),
        ({"name": "Tab\tStore"}, 400, "invalid_field"),
        ({"name": "Cola\u0000"}, 400, "invalid_text"),
        ({}, 400, "invalid_field"),
        ({"name": "Metro"}, 409, "store_exists"),
    ],
)
async def test_bad_and_duplicate_names_are_refused(client, curator, body, status, code):
    assert (await client.post("/api/stores", json={"name": "Metro"}, headers=curator)).is_success
    r = await client.post("/api/stores", json=body, headers=curator)
    assert (r.status_code, r.json()["error"]["code"]) == (status, code)
    assert len((await client.get("/api/stores", headers=curator)).json()["stores"]) == 1


async def test_a_rotated_key_replaces_the_old_one_at_once(client, curator):
    made = (await client.post("/api/stores", json={"name": "Metro"}, headers=curator)).json()
    old_key, store_id = made["api_key"], made["store"]["id"]
    r = await client.post(f"/api/stores/{store_id}/key", headers=curator)
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
    new_key = r.json()["api_key"]
    assert new_key != old_key and r.json()["store"] == made["store"]
    assert await _sync(client, old_key, "a") == 401
    assert await _sync(client, new_key, "a") == 200


async def test_a_revoked_store_has_no_working_key_but_keeps_its_products(client, curator):
    made = (await client.post("/api/stores", json={"name": "Metro"}, headers=curator)).json()
    key, store_id = made["api_key"], made["store"]["id"]
    answer = (
        await client.post(
            "/api/sync/products",
            json={"products": [{"external_id": "a", "name": "Tea"}]},
            headers=_auth(key),
        )
    ).json()
    product_id = answer["results"][0]["product_id"]

    r = await client.delete(f"/api/stores/{store_id}/key", headers=curator)
    assert r.status_code == 204
    assert await _sync(client, key, "a") == 401
    [listed] = (await client.get("/api/stores", headers=curator)).json()["stores"]
    assert (listed["has_key"], listed["product_count"]) == (False, 1)
    assert (await client.get(f"/api/products/{product_id}", headers=curator)).status_code == 200
    # Revoking again is harmless; rotating issues a key again.
    assert (await client.delete(f"/api/stores/{store_id}/key", headers=curator)).status_code == 204
    again = (await client.post(f"/api/stores/{store_id}/key", headers=curator)).json()
    assert await _sync(client, again["api_key"], "b") == 200


async def test_a_store_may_not_manage_stores(client, curator):
    made = (await client.post("/api/stores", json={"name": "Metro"}, headers=curator)).json()
    mine = _auth(made["api_key"])
    store_id = made["store"]["id"]
    for method, url, body in (
        ("GET", "/api/stores", None),
        ("POST", "/api/stores", {"name": "Mine too"}),
        ("POST", f"/api/stores/{store_id}/key", None),
        ("DELETE", f"/api/stores/{store_id}/key", None),
        ("GET", f"/api/stores/{store_id}/key-events", None),
    ):
        r = await client.request(method, url, json=body, headers=mine)
        assert (r.status_code, r.json()["error"]["code"]) == (403, "curator_only"), url
    assert await _sync(client, made["api_key"], "a") == 200  # its own key still works
    assert len((await client.get("/api/stores", headers=curator)).json()["stores"]) == 1


@pytest.mark.parametrize(
    ("method", "path"), [("POST", "key"), ("DELETE", "key"), ("GET", "key-events")]
)
async def test_unknown_and_malformed_store_ids(client, curator, method, path):
    r = await client.request(method, f"/api/stores/424242/{path}", headers=curator)
    assert (r.status_code, r.json()["error"]["code"]) == (404, "store_not_found")
    r = await client.request(method, f"/api/stores/１/{path}", headers=curator)
    assert (r.status_code, r.json()["error"]["code"]) == (400, "invalid_store_id")
    r = await client.request(method, f"/api/stores/1/{path}")
    assert r.status_code == 401


async def test_every_key_change_is_in_the_audit_trail_but_never_the_key(client, curator):
    made = (await client.post("/api/stores", json={"name": "Metro"}, headers=curator)).json()
    store_id = made["store"]["id"]
    other = (await client.post("/api/stores", json={"name": "Other"}, headers=curator)).json()
    rotated = (await client.post(f"/api/stores/{store_id}/key", headers=curator)).json()
    assert (await client.delete(f"/api/stores/{store_id}/key", headers=curator)).status_code == 204
    r = await client.get(f"/api/stores/{store_id}/key-events", headers=curator)
    assert r.status_code == 200, r.text
    events = r.json()["events"]
    assert [(e["action"], e["by"]) for e in events] == [
        ("revoked", "curator"),
        ("rotated", "curator"),
        ("created", "curator"),
    ]  # newest first; another store's events are not among them
    # By time, not as text: a time on a whole second is written without its fraction.
    at = [datetime.fromisoformat(e["at"]) for e in events]
    assert at[0] >= at[1] >= at[2]
    for key in (made["api_key"], rotated["api_key"], other["api_key"]):
        assert key not in r.text and key.removeprefix("imgedge_sk_") not in r.text
    again = await client.get(f"/api/stores/{other['store']['id']}/key-events", headers=curator)
    assert [e["action"] for e in again.json()["events"]] == ["created"]
