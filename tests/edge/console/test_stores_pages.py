"""`/console/stores`: the curator lists, creates (the key shown once), rotates and revokes
through plain POST forms with the CSRF field; a store gets the 403 page; a rotated key
ends the store's sync and its console session at once."""

from __future__ import annotations

import re

import httpx
import pytest

from edge.http.app import create_app
from edge.services import Services
from tests.conftest import CURATOR_TOKEN
from tests.edge.console.test_session import form_token, sign_in

_KEY = re.compile(r'id="api-key" class="key" value="(imgedge_sk_[^"]+)"')


@pytest.fixture
async def curator_client(client: httpx.AsyncClient, curator: dict[str, str]) -> httpx.AsyncClient:
    assert (await sign_in(client, CURATOR_TOKEN)).status_code == 303
    return client


async def _new_client(services: Services) -> httpx.AsyncClient:
    app = create_app(services.settings, services=services)
    app.state.services = services
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://edge.test")


async def _create(client: httpx.AsyncClient, name: str) -> httpx.Response:
    page = await client.get("/console/stores")
    return await client.post(
        "/console/stores", data={"csrf_token": form_token(page.text), "name": name}
    )


async def _sync(client: httpx.AsyncClient, key: str) -> int:
    body = {"products": [{"external_id": "a", "name": "Tea"}]}
    headers = {"authorization": f"Bearer {key}"}
    return (await client.post("/api/sync/products", json=body, headers=headers)).status_code


async def test_the_curator_creates_a_store_and_sees_its_key_once(curator_client):
    answer = await _create(curator_client, "  Metro ")
    assert answer.status_code == 200 and answer.headers["cache-control"] == "no-store"
    key = _KEY.search(answer.text).group(1)
    assert "Store Metro created" in answer.text and "store-key.js" in answer.text
    assert await _sync(curator_client, key) == 200

    listing = await curator_client.get("/console/stores")
    assert listing.status_code == 200
    assert key not in listing.text  # shown once: never again
    row = re.search(r"<tr>\s*<th scope=\"row\">Metro</th>(.*?)</tr>", listing.text, re.S)
    assert row, listing.text
    assert 'href="/console/products?store=' in row.group(1) and ">1<span" in row.group(1)
    assert "<time datetime=" in row.group(1) and "active" in row.group(1)


@pytest.mark.parametrize(
    ("name", "status", "message"),
    [("Metro", 409, "a store named &#39;Metro&#39; exists"), ("  ", 400, "must not be blank"),
     ("Tab\there", 400, "control characters"), ("x" * 201, 400, "over 200 characters")],
)  # fmt: skip
async def test_a_refused_name_shows_the_form_again_with_the_reason(
    curator_client, name, status, message
):
    assert (await _create(curator_client, "Metro")).status_code == 200
    answer = await _create(curator_client, name)
    assert answer.status_code == status
    assert message in answer.text and 'role="alert"' in answer.text
    assert 'id="api-key"' not in answer.text
    assert answer.text.count('<th scope="row">') == 1  # still one store


async def test_changes_without_the_csrf_field_are_refused(curator_client, services):
    made = await _create(curator_client, "Metro")
    key = _KEY.search(made.text).group(1)
    [store] = await services.catalog.list_stores()
    for url, data in (
        ("/console/stores", {"name": "Sneaky"}),
        (f"/console/stores/{store.id}/rotate", {}),
        (f"/console/stores/{store.id}/revoke", {}),
        (f"/console/stores/{store.id}/revoke", {"csrf_token": "forged"}),
    ):
        answer = await curator_client.post(url, data=data)
        assert answer.status_code == 403, url
        assert "did not come from this console" in answer.text
    assert [s.name for s in await services.catalog.list_stores()] == ["Metro"]
    assert await _sync(curator_client, key) == 200  # neither rotated nor revoked


async def test_rotate_asks_first_then_the_old_key_and_its_session_stop(curator_client, services):
    old_key = _KEY.search((await _create(curator_client, "Metro")).text).group(1)
    [store] = await services.catalog.list_stores()
    async with await _new_client(services) as store_client:
        assert (await sign_in(store_client, old_key)).status_code == 303
        assert (await store_client.get("/console")).status_code == 200

        confirm = await curator_client.get(f"/console/stores/{store.id}/rotate")
        assert confirm.status_code == 200 and "Rotate the key of Metro?" in confirm.text
        assert await _sync(curator_client, old_key) == 200  # asking changed nothing
        rotated = await curator_client.post(
            f"/console/stores/{store.id}/rotate", data={"csrf_token": form_token(confirm.text)}
        )
        new_key = _KEY.search(rotated.text).group(1)
        assert new_key != old_key and "previous key no longer works" in rotated.text
        assert await _sync(curator_client, old_key) == 401
        assert await _sync(curator_client, new_key) == 200
        assert (await store_client.get("/console")).status_code == 303  # signed out


async def test_revoke_asks_first_and_keeps_the_store(curator_client, services):
    key = _KEY.search((await _create(curator_client, "Metro")).text).group(1)
    [store] = await services.catalog.list_stores()
    confirm = await curator_client.get(f"/console/stores/{store.id}/revoke")
    assert "Revoke the key of Metro?" in confirm.text
    done = await curator_client.post(
        f"/console/stores/{store.id}/revoke", data={"csrf_token": form_token(confirm.text)}
    )
    assert (done.status_code, done.headers["location"]) == (303, "/console/stores?done=revoked")
    assert await _sync(curator_client, key) == 401
    listing = await curator_client.get(done.headers["location"])
    assert "The key was revoked." in listing.text and "revoked</span>" in listing.text
    assert "Issue key" in listing.text  # rotating gives it a key again
    confirm = await curator_client.get(f"/console/stores/{store.id}/rotate")
    assert "Issue a new key for Metro?" in confirm.text
    issued = await curator_client.post(
        f"/console/stores/{store.id}/rotate", data={"csrf_token": form_token(confirm.text)}
    )
    assert await _sync(curator_client, _KEY.search(issued.text).group(1)) == 200
    # The audit trail: each change by the console, newest first, on the page and stored.
    events = await services.catalog.key_events(store.id)
    assert [(e.action.value, e.actor) for e in events] == [
        ("rotated", "console"),
        ("revoked", "console"),
        ("created", "console"),
    ]
    listing = await curator_client.get("/console/stores")
    rows = re.findall(r"<td>Metro</td><td>(\w+)</td><td>(\w+)</td>", listing.text)
    assert rows == [("rotated", "console"), ("revoked", "console"), ("created", "console")]


async def test_unknown_stores_and_pages(curator_client):
    assert (await curator_client.get("/console/stores/424242/rotate")).status_code == 404
    assert (await curator_client.get("/console/stores/abc/revoke")).status_code == 400
    assert (await curator_client.get("/console/stores/1/delete")).status_code == 404


async def test_a_store_gets_the_403_page_and_no_link(client, build, services):
    key = await build.store_key("Corner")
    assert (await sign_in(client, key)).status_code == 303
    home = await client.get("/console")
    assert 'href="/console/stores"' not in home.text
    page = await client.get("/console/stores")
    assert page.status_code == 403 and "only a curator lists stores" in page.text
    [store] = await services.catalog.list_stores()
    assert (await client.get(f"/console/stores/{store.id}/rotate")).status_code == 403
    answer = await client.post(
        f"/console/stores/{store.id}/rotate", data={"csrf_token": form_token(home.text)}
    )
    assert answer.status_code == 403 and "imgedge_sk_" not in answer.text
    created = await client.post(
        "/console/stores", data={"csrf_token": form_token(home.text), "name": "Mine"}
    )
    assert created.status_code == 403
    assert [s.name for s in await services.catalog.list_stores()] == ["Corner"]
    assert await _sync(client, key) == 200  # its key was not rotated
