"""The review queue pages: list, focus view and the decisions, per actor (ASGI, no
browser). Decisions are plain POST forms with the CSRF token; the API shows their effect."""

from __future__ import annotations

import re

import httpx
import pytest

from catalog.models import MatchStatus
from tests.conftest import CURATOR_TOKEN
from tests.edge.console.test_session import form_token, sign_in
from tests.edge.http.conftest import settings  # noqa: F401  (both catalog backends)

pytestmark = pytest.mark.parametrize("settings", ["sqlite", "postgresql"], indirect=True)


async def _items(services, queue) -> dict[str, int]:
    catalog = services.catalog
    return {
        name: (await catalog.get_match_item_for_product(pid)).id
        for name, pid in queue["products"].items()
    }


async def _product(client: httpx.AsyncClient, queue, name: str) -> dict:
    r = await client.get(f"/api/products/{queue['products'][name]}", headers=queue["curator"])
    assert r.status_code == 200, r.text
    return r.json()


def _badge(page: str) -> int:
    found = re.search(r'id="queue-count"[^>]*>(\d+)<', page)
    assert found, "no queue count in the nav"
    return int(found.group(1))


async def test_the_curator_works_through_the_queue(client, services, review_queue):
    items = await _items(services, review_queue)
    assert (await sign_in(client, CURATOR_TOKEN)).status_code == 303
    listed = await client.get("/console/review")
    assert listed.status_code == 200
    assert "Brightfield Oats Rolled 1kg" in listed.text and "Mystery Hose" in listed.text
    assert listed.text.index("Brightfield Oats Rolled 1kg") < listed.text.index("Mystery Hose")
    assert _badge(listed.text) == 2 and _badge((await client.get("/console")).text) == 2

    first = await client.get("/console/review/first")
    assert first.status_code == 303
    assert first.headers["location"] == f"/console/review/{items['Mine']}"
    shown = await client.get(first.headers["location"])
    assert shown.status_code == 200
    text = shown.text
    assert "Brightfield Rolled Oats 1 kg" in text and "00012345678905" in text
    version = review_queue["image"].version
    assert f'src="/img/{review_queue["shows"]}/thumbnail?v={version}"' in text
    assert "same brand" in text  # the matcher's reasons, in words
    assert 'src="/console/static/review.js' in text and "<kbd>c</kbd>" in text
    assert f'href="/console/review/{items["Theirs"]}" id="next-item"' in text
    assert "unsafe-inline" not in shown.headers["content-security-policy"]

    confirm = await client.post(
        f"/console/review/{items['Mine']}/confirm",
        data={
            "csrf_token": form_token(text),
            "canonical_product_id": str(review_queue["target"].id),
        },
    )
    assert confirm.status_code == 303
    assert confirm.headers["location"] == f"/console/review/{items['Theirs']}?decided=linked"
    product = await _product(client, review_queue, "Mine")
    assert (product["canonical_product_id"], product["match_status"]) == (
        review_queue["target"].id,
        "linked",
    )
    nxt = await client.get(confirm.headers["location"])
    assert "The last item was linked" in nxt.text and _badge(nxt.text) == 1

    reject = await client.post(
        f"/console/review/{items['Theirs']}/reject", data={"csrf_token": form_token(nxt.text)}
    )
    assert reject.status_code == 303
    assert reject.headers["location"] == "/console/review?decided=rejected"
    product = await _product(client, review_queue, "Theirs")
    assert (product["canonical_product_id"], product["match_status"]) == (None, "rejected")
    empty = await client.get("/console/review")
    assert "Nothing waits for review" in empty.text and _badge(empty.text) == 0
    # A decided item still opens, and says so.
    again = await client.get(f"/console/review/{items['Theirs']}")
    assert again.status_code == 200 and "not waiting for review any more" in again.text


async def test_a_new_canonical_product_from_the_form(client, services, review_queue):
    items = await _items(services, review_queue)
    await sign_in(client, review_queue["keys"]["Theirs"])
    page = await client.get(f"/console/review/{items['Theirs']}")
    token = form_token(page.text)
    url = f"/console/review/{items['Theirs']}/new"
    blank = await client.post(url, data={"csrf_token": token, "name": "  ", "brand": ""})
    assert blank.status_code == 400 and "must not be blank" in blank.text
    taken = {"csrf_token": token, "name": "Hose", "upc": "012345678905"}
    assert (await client.post(url, data=taken)).status_code == 409  # the oats' barcode
    made = await client.post(
        url,
        data={"csrf_token": token, "name": "Garden Hose 20 m", "brand": "", "upc": "4006381333931"},
    )
    assert made.status_code == 303, made.text
    assert made.headers["location"] == "/console/review?decided=created"
    product = await _product(client, review_queue, "Theirs")
    canonical = await services.catalog.get_canonical_product(product["canonical_product_id"])
    assert (canonical.name, canonical.brand, canonical.gtin) == (
        "Garden Hose 20 m",
        None,
        "04006381333931",
    )


async def test_search_links_to_another_canonical_product(client, services, review_queue):
    items = await _items(services, review_queue)
    await sign_in(client, CURATOR_TOKEN)
    found = await client.get(f"/console/review/{items['Theirs']}", params={"q": "rolled oats"})
    assert found.status_code == 200
    assert 'aria-label="Link to Brightfield Rolled Oats 1 kg (00012345678905)"' in found.text
    nothing = await client.get(f"/console/review/{items['Theirs']}", params={"q": "zzzz qqqq"})
    assert "No canonical product is named like" in nothing.text
    too_long = await client.get(f"/console/review/{items['Theirs']}", params={"q": "x" * 201})
    assert too_long.status_code == 400


async def test_a_store_sees_and_decides_only_its_own(client, services, review_queue):
    items = await _items(services, review_queue)
    await sign_in(client, review_queue["keys"]["Mine"])
    listed = await client.get("/console/review")
    assert "Brightfield Oats Rolled 1kg" in listed.text and "Mystery Hose" not in listed.text
    assert _badge(listed.text) == 1
    token = form_token(listed.text)

    theirs = await client.get(f"/console/review/{items['Theirs']}")
    assert theirs.status_code == 403 and "another store" in theirs.text
    before = await _product(client, review_queue, "Theirs")
    for action, data in (
        ("confirm", {"canonical_product_id": str(review_queue["target"].id)}),
        ("reject", {}),
        ("new", {"name": "Mine now"}),
    ):
        r = await client.post(
            f"/console/review/{items['Theirs']}/{action}", data={"csrf_token": token, **data}
        )
        assert r.status_code == 403, action
    after = await _product(client, review_queue, "Theirs")
    assert after["canonical_product_id"] == before["canonical_product_id"] is not None
    assert after["match_status"] == before["match_status"]
    # Its own item is its to decide; the queue then has nothing of its own.
    mine = await client.post(f"/console/review/{items['Mine']}/reject", data={"csrf_token": token})
    assert mine.headers["location"] == "/console/review?decided=rejected"


async def test_changes_without_the_csrf_token_are_refused(client, services, review_queue):
    items = await _items(services, review_queue)
    await sign_in(client, CURATOR_TOKEN)
    target = str(review_queue["target"].id)
    for data in (
        {"canonical_product_id": target},
        {"csrf_token": "forged", "canonical_product_id": target},
    ):
        r = await client.post(f"/console/review/{items['Mine']}/confirm", data=data)
        assert r.status_code == 403
    assert (await _product(client, review_queue, "Mine"))["match_status"] == "suggested"
    assert (
        await services.catalog.get_store_product(review_queue["products"]["Mine"])
    ).match_status is MatchStatus.SUGGESTED


async def test_signed_out_pages_and_posts_go_to_sign_in(client, services, review_queue):
    items = await _items(services, review_queue)
    for method, url in (
        ("get", "/console/review"),
        ("get", f"/console/review/{items['Mine']}"),
        ("post", f"/console/review/{items['Mine']}/reject"),
    ):
        r = await getattr(client, method)(url)
        assert r.status_code == 303 and r.headers["location"].startswith("/console/sign-in")
    assert (await _product(client, review_queue, "Mine"))["match_status"] == "suggested"


@pytest.mark.parametrize(
    "url", ["/console/review/0", "/console/review/abc", "/console/review/999999"]
)
async def test_bad_or_unknown_items(client, review_queue, url):
    await sign_in(client, CURATOR_TOKEN)
    r = await client.get(url)
    assert r.status_code == (404 if url.endswith("999999") else 400)
