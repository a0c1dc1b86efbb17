"""The catalog repository contract: every backend passes these same tests.

Backends are the params of the `catalog` fixture (tests/conftest.py, `CATALOG_BACKENDS`).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from catalog.models import (
    GALLERY_LIMIT,
    CuratorDecision,
    DeliveryStatus,
    ImageFilter,
    ImageOwner,
    ImageSource,
    KeyAction,
    LinkQuestion,
    MatchOutcome,
    MatchStatus,
    NewDelivery,
    NewImage,
    PictureFacts,
    PriceRange,
    ProductSearch,
    QueueStatus,
    ResolutionChange,
    SyncItem,
    SyncOutcome,
)
from catalog.repository import (
    CatalogError,
    CatalogRepository,
    ConflictError,
    InUseError,
    NotFoundError,
)


def _image(n: int, **owner) -> NewImage:
    return NewImage(
        content_hash=hashlib.sha256(str(n).encode()).hexdigest(),
        width=100 + n,
        height=50,
        has_alpha=n % 2 == 1,
        byte_size=1000,
        media_type="image/jpeg",
        **owner,
    )


async def _store_product(catalog: CatalogRepository, external_id: str = "e1", store="S"):
    found = await catalog.get_store_by_name(store)
    owner = found or await catalog.create_store(store)
    return await catalog.upsert_store_product(
        store_id=owner.id, external_id=external_id, upc=None, gtin=None, name="Thing"
    )


async def test_migrate_is_idempotent(catalog):
    assert await catalog.migrate() == []
    await catalog.ping()
    assert await catalog.pending_migrations() == []  # what `imgedge check` reports


async def test_key_events_record_who_changed_which_key_and_when_never_the_key(catalog):
    before = datetime.now(UTC) - timedelta(seconds=5)
    corner = await catalog.create_store("Corner", api_key_hash="h1", actor="cli")
    quiet = await catalog.create_store("Quiet")  # no actor: nothing recorded
    await catalog.set_store_key(corner.id, "h2", actor="curator")
    await catalog.set_store_key(corner.id, None, actor="console")
    await catalog.set_store_key(quiet.id, "q1", actor="cli")
    await catalog.set_store_key(quiet.id, "q2")  # no actor: nothing recorded
    events = await catalog.key_events(corner.id)
    assert [(e.action, e.actor) for e in events] == [
        (KeyAction.REVOKED, "console"),
        (KeyAction.ROTATED, "curator"),
        (KeyAction.CREATED, "cli"),
    ]  # newest first
    assert {e.store_name for e in events} == {"Corner"}
    assert all(before <= e.at <= datetime.now(UTC) + timedelta(seconds=5) for e in events)
    everyone = await catalog.key_events()
    assert [(e.store_id, e.action) for e in everyone][:2] == [
        (quiet.id, KeyAction.ROTATED),
        (corner.id, KeyAction.REVOKED),
    ]
    assert len(everyone) == 4
    assert len(await catalog.key_events(limit=2)) == 2
    assert await catalog.key_events(corner.id + quiet.id + 1000) == []
    with pytest.raises(NotFoundError):  # an unknown store: no key change, no event
        await catalog.set_store_key(corner.id + quiet.id + 1000, "x", actor="cli")
    assert len(await catalog.key_events()) == 4


async def test_a_key_change_that_fails_records_no_event(catalog):
    first = await catalog.create_store("A", api_key_hash="same", actor="cli")
    second = await catalog.create_store("B", api_key_hash="other", actor="cli")
    with pytest.raises(ConflictError):  # two stores never share a key
        await catalog.set_store_key(second.id, "same", actor="cli")
    with pytest.raises(ConflictError):
        await catalog.create_store("A", api_key_hash="third", actor="cli")
    assert [e.store_id for e in await catalog.key_events()] == [second.id, first.id]


async def test_store_names_are_unique(catalog):
    store = await catalog.create_store("Corner")
    assert (await catalog.get_store_by_name("Corner")) == store
    assert await catalog.get_store_by_name("Nope") is None
    with pytest.raises(ConflictError):
        await catalog.create_store("Corner")


async def test_stores_are_listed_with_product_counts_keys_and_last_sync(catalog):
    before = datetime.now(UTC) - timedelta(seconds=5)
    quiet = await catalog.create_store("Quiet")
    busy = await catalog.create_store("Busy", api_key_hash="h-busy")
    await catalog.sync_products(
        busy.id, [SyncItem("a", None, None, "Tea"), SyncItem("b", None, None, "Milk")], {}
    )
    await catalog.sync_products(quiet.id, [SyncItem("x", None, None, "Salt")], {}, dry_run=True)
    await catalog.upsert_store_product(
        store_id=quiet.id, external_id="q", upc=None, gtin=None, name="Pepper"
    )
    listed = await catalog.list_stores()
    assert [(s.name, s.id, s.product_count, s.has_key) for s in listed] == [
        ("Busy", busy.id, 2, True),
        ("Quiet", quiet.id, 1, False),
    ]
    synced = listed[0].last_sync_at
    assert synced is not None and before < synced < datetime.now(UTC) + timedelta(seconds=5)
    assert listed[1].last_sync_at is None  # a dry run stores nothing, not even the time
    assert before < listed[1].created_at


async def test_a_rotated_key_replaces_the_old_one_and_a_revoked_one_leaves_none(catalog):
    store = await catalog.create_store("S", api_key_hash="old")
    product = await _store_product(catalog, "p1", store="S")
    assert await catalog.set_store_key(store.id, "new") == store
    assert await catalog.get_store_by_api_key_hash("old") is None
    assert await catalog.get_store_by_api_key_hash("new") == store
    assert await catalog.set_store_key(store.id, None) == store
    assert await catalog.get_store_by_api_key_hash("new") is None
    [listed] = await catalog.list_stores()
    assert (listed.has_key, listed.product_count) == (False, 1)
    assert await catalog.get_store_product(product.id) == product  # the store's data stays
    with pytest.raises(NotFoundError):
        await catalog.set_store_key(store.id + 1000, "other")
    with pytest.raises(ConflictError):  # two stores never share a key
        await catalog.create_store("T", api_key_hash="again")
        await catalog.set_store_key(store.id, "again")


async def test_canonical_products_are_read_many_at_once_by_id(catalog):
    a = await catalog.create_canonical_product(gtin=None, name="Acme Cola", brand="Acme")
    b = await catalog.create_canonical_product(gtin="00012345678905", name="Zeta Tea", brand=None)
    found = await catalog.get_canonical_products([b.id, a.id, b.id + a.id + 1])
    assert found == {a.id: a, b.id: b}  # an id that does not exist is left out
    assert await catalog.get_canonical_products([]) == {}


async def test_canonical_product_normalizes_name_and_gtin_is_unique(catalog):
    made = await catalog.create_canonical_product(
        gtin="00012345678905", name="  Acme COLA, 12-oz ", brand="Acme"
    )
    assert made.normalized_name == "acme cola 12 oz"
    assert made.image_count == made.product_count == 0
    assert await catalog.get_canonical_product(made.id) == made
    assert await catalog.get_canonical_product_by_gtin("00012345678905") == made
    assert await catalog.get_canonical_product_by_gtin("00000000000000") is None
    with pytest.raises(ConflictError):
        await catalog.create_canonical_product(gtin="00012345678905", name="x", brand=None)
    # Products without a GTIN do not collide with each other.
    await catalog.create_canonical_product(gtin=None, name="a", brand=None)
    await catalog.create_canonical_product(gtin=None, name="b", brand=None)


async def test_upsert_is_idempotent_per_store_and_external_id(catalog):
    first = await _store_product(catalog, "sku-1")
    store = await catalog.get_store_by_name("S")
    again = await catalog.upsert_store_product(
        store_id=store.id, external_id="sku-1", upc="012345678905",
        gtin="00012345678905", name="Renamed", brand="B", image_url="https://x.test/a.jpg",
    )  # fmt: skip
    assert again.id == first.id
    assert (again.name, again.gtin, again.brand, again.upc) == (
        "Renamed", "00012345678905", "B", "012345678905",
    )  # fmt: skip
    assert again.store_name == "S"
    other_store = await _store_product(catalog, "sku-1", store="T")
    assert other_store.id != first.id
    assert await catalog.list_store_product_ids(store.id, 10) == [first.id]


async def test_linking_keeps_product_counts(catalog):
    a = await catalog.create_canonical_product(gtin=None, name="A", brand=None)
    b = await catalog.create_canonical_product(gtin=None, name="B", brand=None)
    p1 = await _store_product(catalog, "1")
    p2 = await _store_product(catalog, "2")
    await catalog.link_store_product(p1.id, a.id, MatchStatus.LINKED, 100.0)
    await catalog.link_store_product(p2.id, a.id, MatchStatus.LINKED, 91.5)
    assert (await catalog.get_canonical_product(a.id)).product_count == 2
    await catalog.link_store_product(p2.id, b.id, MatchStatus.LINKED, 100.0)
    assert (await catalog.get_canonical_product(a.id)).product_count == 1
    assert (await catalog.get_canonical_product(b.id)).product_count == 1
    await catalog.link_store_product(p1.id, None, MatchStatus.REVIEW)
    assert (await catalog.get_canonical_product(a.id)).product_count == 0
    got = await catalog.get_store_product(p1.id)
    assert (got.canonical_product_id, got.match_status) == (None, MatchStatus.REVIEW)
    with pytest.raises(NotFoundError):
        await catalog.link_store_product(999_999, a.id, MatchStatus.LINKED)


async def test_first_image_is_primary_and_primary_moves(catalog):
    c = await catalog.create_canonical_product(gtin=None, name="A", brand=None)
    first = await catalog.add_image(_image(1, canonical_product_id=c.id))
    second = await catalog.add_image(_image(2, canonical_product_id=c.id))
    assert first.is_primary and not second.is_primary
    assert (first.sort_order, second.sort_order) == (0, 1)
    third = await catalog.add_image(_image(3, canonical_product_id=c.id, is_primary=True))
    images = await catalog.list_images(ImageOwner(canonical_product_id=c.id))
    assert [i.id for i in images] == [third.id, first.id, second.id]
    assert [i.is_primary for i in images] == [True, False, False]
    assert (await catalog.get_canonical_product(c.id)).image_count == 3
    assert images[0].source is ImageSource.CANONICAL


async def test_resolution_custom_then_canonical_then_none(catalog):
    assert await catalog.resolve(424242) is None
    product = await _store_product(catalog)
    assert (await catalog.resolve(product.id)).image is None

    c = await catalog.create_canonical_product(gtin=None, name="A", brand=None)
    await catalog.link_store_product(product.id, c.id, MatchStatus.LINKED, 100.0)
    canonical = await catalog.add_image(_image(5, canonical_product_id=c.id))
    resolved = (await catalog.resolve(product.id)).image
    assert (resolved.image_id, resolved.source) == (canonical.id, ImageSource.CANONICAL)
    assert (resolved.width, resolved.height, resolved.has_alpha) == (105, 50, True)
    assert resolved.version == canonical.content_hash[:16]

    custom = await catalog.add_image(_image(6, store_product_id=product.id))
    assert custom.source is ImageSource.CUSTOM
    assert (await catalog.list_images(ImageOwner(store_product_id=product.id))) == [custom]
    # A custom image alone does not win; the override flag decides.
    assert (await catalog.resolve(product.id)).image.image_id == canonical.id
    await catalog.set_use_custom_image(product.id, True)
    resolved = (await catalog.resolve(product.id)).image
    assert (resolved.image_id, resolved.source) == (custom.id, ImageSource.CUSTOM)
    await catalog.set_use_custom_image(product.id, False)
    assert (await catalog.resolve(product.id)).image.image_id == canonical.id
    with pytest.raises(NotFoundError):
        await catalog.set_use_custom_image(999_999, True)


async def test_resolution_follows_the_primary(catalog):
    product = await _store_product(catalog)
    c = await catalog.create_canonical_product(gtin=None, name="A", brand=None)
    await catalog.link_store_product(product.id, c.id, MatchStatus.LINKED, 100.0)
    await catalog.add_image(_image(1, canonical_product_id=c.id))
    newer = await catalog.add_image(_image(2, canonical_product_id=c.id, is_primary=True))
    assert (await catalog.resolve(product.id)).image.image_id == newer.id


async def test_custom_images_of_one_product_do_not_leak_to_another(catalog):
    c = await catalog.create_canonical_product(gtin=None, name="A", brand=None)
    p1 = await _store_product(catalog, "1")
    p2 = await _store_product(catalog, "2")
    for p in (p1, p2):
        await catalog.link_store_product(p.id, c.id, MatchStatus.LINKED, 100.0)
        await catalog.set_use_custom_image(p.id, True)
    shared = await catalog.add_image(_image(1, canonical_product_id=c.id))
    mine = await catalog.add_image(_image(2, store_product_id=p1.id))
    assert (await catalog.resolve(p1.id)).image.image_id == mine.id
    assert (await catalog.resolve(p2.id)).image.image_id == shared.id


async def test_meta_round_trip(catalog):
    assert await catalog.get_meta("k") is None
    await catalog.set_meta("k", "v1")
    await catalog.set_meta("k", "v2")
    assert await catalog.get_meta("k") == "v2"


def _heard(changes: list, expected) -> bool:
    """Both backends tell this process's listeners before the write call returns."""
    return expected in changes


async def test_committed_changes_are_announced(catalog):
    changes: list[ResolutionChange] = []
    await catalog.listen(changes.append)
    product = await _store_product(catalog)
    c = await catalog.create_canonical_product(gtin=None, name="A", brand=None)

    await catalog.link_store_product(product.id, c.id, MatchStatus.LINKED, 100.0)
    assert _heard(changes, ResolutionChange(product_id=product.id))
    await catalog.add_image(_image(1, canonical_product_id=c.id))
    assert _heard(changes, ResolutionChange(canonical_product_id=c.id))
    changes.clear()
    await catalog.set_use_custom_image(product.id, True)
    assert _heard(changes, ResolutionChange(product_id=product.id))
    changes.clear()
    await catalog.add_image(_image(2, store_product_id=product.id))
    assert _heard(changes, ResolutionChange(product_id=product.id))


def test_change_payloads_round_trip():
    for change in (
        ResolutionChange(product_id=7),
        ResolutionChange(canonical_product_id=9),
        ResolutionChange(),
    ):
        assert ResolutionChange.decode(change.encode()) == change
    assert ResolutionChange.decode("p:../x") == ResolutionChange()  # unknown: drop everything


async def test_set_primary_image_moves_the_primary_and_announces_it(catalog):
    changes: list[ResolutionChange] = []
    await catalog.listen(changes.append)
    product = await _store_product(catalog)
    c = await catalog.create_canonical_product(gtin=None, name="A", brand=None)
    await catalog.link_store_product(product.id, c.id, MatchStatus.LINKED, 100.0)
    first = await catalog.add_image(_image(1, canonical_product_id=c.id))
    second = await catalog.add_image(_image(2, canonical_product_id=c.id))
    changes.clear()

    made = await catalog.set_primary_image(second.id)
    assert made.is_primary and made.id == second.id
    assert (await catalog.get_image(first.id)).is_primary is False
    assert (await catalog.resolve(product.id)).image.image_id == second.id
    assert _heard(changes, ResolutionChange(canonical_product_id=c.id))
    with pytest.raises(NotFoundError):
        await catalog.set_primary_image(999_999)
    assert await catalog.get_image(999_999) is None


async def test_candidate_search_finds_similar_names_first(catalog):
    names = [
        "Acme Cola 12 oz",
        "Acme Cola Zero 12 oz",
        "Brightfield Rolled Oats 1 kg",
        "Northwind Green Tea 20 bags",
        "Peak Energy Drink 250 ml",
    ]
    made = [await catalog.create_canonical_product(gtin=None, name=n, brand=None) for n in names]
    found = await catalog.search_canonical_candidates("ACME cola 12oz", limit=3)
    ids = [c.id for c, _ in found]
    assert ids and ids[0] in (made[0].id, made[1].id)
    assert made[2].id not in ids and made[3].id not in ids
    scores = [score for _, score in found]
    assert scores == sorted(scores, reverse=True)
    oats = await catalog.search_canonical_candidates("rolled oats brightfield", limit=3)
    assert oats[0][0].id == made[2].id
    assert await catalog.search_canonical_candidates("", limit=3) == []
    assert await catalog.search_canonical_candidates('"; DROP TABLE x; --', limit=3) == []


async def test_searches_find_the_same_before_and_after_the_housekeeping(catalog):
    """`fold_name_words` changes what the search reads, never what it finds: with the
    backend's pending changes in or not, the same candidates, and a second call finds
    nothing left to take in."""
    for name in ("Acme Cola 12 oz", "Acme Cherry Cola 12 oz", "Brightfield Rolled Oats"):
        await catalog.create_canonical_product(gtin=None, name=name, brand=None)
    before = await catalog.search_canonical_candidates_many(["acme cola", "oats"], limit=3)
    await catalog.fold_name_words()  # (PostgreSQL folds what the inserts left pending)
    assert await catalog.fold_name_words() == 0
    after = await catalog.search_canonical_candidates_many(["acme cola", "oats"], limit=3)
    assert after == before and before[0] and before[1]


async def test_a_close_wrong_name_does_not_hide_a_longer_true_one(catalog):
    """The longer title of the same product is less similar than a short near-twin; it
    must still be a candidate (PostgreSQL's threshold ladder once stopped at the first
    band that found anything, so the scorer never saw it)."""
    twin = await catalog.create_canonical_product(
        gtin=None, name="Acme Cola Zero 12 oz", brand=None
    )
    long = await catalog.create_canonical_product(
        gtin=None, name="Acme Cola Zero Sugar Free Soft Drink 12 fl oz can", brand=None
    )
    await catalog.create_canonical_product(gtin=None, name="Northwind Green Tea", brand=None)
    found = await catalog.search_canonical_candidates("ACME cola zero 12oz", limit=3)
    assert {twin.id, long.id} <= {c.id for c, _ in found}
    many = await catalog.search_canonical_candidates_many(["ACME cola zero 12oz"], limit=3)
    assert many == [found]


LADDER_CATALOG = [
    "Acme Cola 12 oz",
    "Acme Cola Zero 12 oz",
    "Acme Cola Zero Sugar 12 oz can",
    "Acme Lemonade 12 oz",
    "Acme Cola 2 l bottle",
    "Northwind Green Tea 20 bags",
    "Brightfield Rolled Oats 1 kg",
]


async def test_searching_many_names_answers_as_searching_each(catalog):
    """Close, middling, weak and no matches alike (on PostgreSQL a name leaves the
    similarity ladder at the first band that fills its page)."""
    for name in LADDER_CATALOG:
        await catalog.create_canonical_product(gtin=None, name=name, brand=None)
    names = [
        "ACME cola 12oz",
        "acme cola sugar can",
        "acme lemon",
        "northwind tea",
        "Garden hose 30 m",
        "",
        '"; DROP TABLE x; --',
        "ACME cola 12oz",  # asked twice, answered twice
    ]
    many = await catalog.search_canonical_candidates_many(names, limit=3)
    assert many == [await catalog.search_canonical_candidates(n, limit=3) for n in names]
    assert many[0] and many[3] and many[4] == many[5] == []
    assert await catalog.search_canonical_candidates_many([], limit=3) == []


CODED_CATALOG = [
    "Panasonic KX-FG2451 plain paper fax",
    "Canon BVMC-SZ35 ink cartridge",
    "HP CE505XD toner twin pack",
    "Acme Cola 12 oz",
]


def _ids(found: list[tuple[object, float]]) -> list[int]:
    return [c.id for c, _ in found]  # type: ignore[attr-defined]


async def test_candidates_by_model_code_ignore_its_spaces_and_punctuation(catalog):
    """A store's code found in a catalog name written otherwise (the name search misses
    such names: their trigrams differ); a code that is a prefix of another finds it too
    (the scorer tells them apart); a short or unknown code finds nothing."""
    fax, ink, toner, cola = [
        await catalog.create_canonical_product(gtin=None, name=n, brand=None) for n in CODED_CATALOG
    ]
    queries = [
        ("fax machine kxfg2451", ["kxfg2451"]),
        ("KX FG2451", ["fg2451"]),  # the matcher reads `fg2451` where `kx` stands apart
        ("bvmcsz35 black", ["bvmcsz35"]),
        ("laser toner CE505X", ["CE-505X"]),
        ("cola", ["16oz", "a-12"]),  # a size in no name, and a code too short
        ("garden hose", []),
        ("no such code", ["zz9999"]),
    ]
    found = await catalog.search_canonical_by_codes_many(queries, limit=5)
    assert [_ids(each) for each in found] == [
        [fax.id],
        [fax.id],
        [ink.id],
        [toner.id],
        [],
        [],
        [],
    ]
    assert cola.id not in {c.id for each in found for c, _ in each}
    assert await catalog.search_canonical_by_codes_many([], limit=5) == []


async def test_candidates_by_model_code_follow_renames_merges_and_provisional_products(catalog):
    """The code index is kept by every writer: a curator's rename, a merge (the source
    is gone), a provisional product the worker makes."""
    old = await catalog.create_canonical_product(gtin=None, name="Fax KX-FG2451", brand=None)

    async def by_code(code: str) -> list[int]:
        [found] = await catalog.search_canonical_by_codes_many([(code, [code])], limit=5)
        return _ids(found)

    await catalog.rename_canonical_product(old.id, name="Fax KX-FG2460", brand=None)
    assert await by_code("kxfg2451") == []
    assert await by_code("kxfg2460") == [old.id]
    twin = await catalog.create_canonical_product(gtin=None, name="KX FG 2460 fax", brand=None)
    assert sorted(await by_code("kxfg2460")) == sorted([old.id, twin.id])
    await catalog.merge_canonical_products(twin.id, old.id)
    assert await by_code("kxfg2460") == [old.id]
    store = await catalog.create_store("S")
    await catalog.sync_products(store.id, [_item("x", None, "Zeta P-480Q photo printer")], {})
    [queued] = await catalog.claim_matches(1, lease_s=60)
    await catalog.finish_matches([MatchOutcome(queued, QueueStatus.REVIEW, provisional=True)])
    [made] = await catalog.list_canonical_products(provisional=True)
    assert await by_code("p480q") == [made.id]


async def test_a_code_many_products_carry_finds_none_and_the_rest_are_bounded(catalog):
    """A code in more than CODE_SCAN canonical names identifies none (`1080p`): it is
    left out, and a name's other codes still find theirs; at most `limit` a name."""
    from catalog.sql_catalog import CODE_SCAN

    for n in range(CODE_SCAN + 1):
        await catalog.create_canonical_product(gtin=None, name=f"TV {n} 1080p", brand=None)
    line = [
        await catalog.create_canonical_product(gtin=None, name=f"LN46A{n}50 TV", brand=None)
        for n in range(6)
    ]
    [common, coded, bounded] = await catalog.search_canonical_by_codes_many(
        [("tv 1080p", ["1080p"]), ("tv 1080p ln46a250", ["1080p", "ln46a250"]),
         ("ln46a", ["ln46a"])],
        limit=4,
    )  # fmt: skip
    assert common == []
    assert _ids(coded) == [line[2].id]
    assert len(bounded) == 4 and set(_ids(bounded)) <= {c.id for c in line}


PRODUCT_LINE = [  # one line of a maker: many close names, so every rung of a ladder answers
    f"Acme {kind} {model} {size}"
    for kind in ("Cola", "Cola Zero", "Lemonade", "Ginger Ale")
    for model in ("Classic", "Light")
    for size in ("12 oz can", "2 l bottle", "6 x 330 ml")
] + ["Northwind Green Tea 20 bags", "Brightfield Rolled Oats 1 kg"]


async def test_a_batch_search_answers_each_name_as_the_single_search(catalog):
    """More names than one statement takes, close to far: a batch gives each name the
    single search's rows, scores and order, at a full page and at a short one."""
    for name in PRODUCT_LINE:
        await catalog.create_canonical_product(gtin=None, name=name, brand=None)
    names = [
        *(n.upper() for n in PRODUCT_LINE[:12]),  # many close rows: a full page early
        "acme cola",
        "acme ginger ale classic",
        "ACME LEMONADE 6X330ML",
        "acme lite cola 2l",
        "acme drink",
        "northwind tea",
        "rolled oats",
        "brightfield oats 1kg",
        "garden hose 30 m",
        "",
        "acme cola",  # asked twice, answered twice
    ]
    for limit in (10, 3):
        many = await catalog.search_canonical_candidates_many(names, limit=limit)
        assert many == [await catalog.search_canonical_candidates(n, limit=limit) for n in names]
        assert all(many[:12]) and any(len(found) == limit for found in many)
        assert many[-3] == many[-2] == []


async def test_get_store_products_reads_many_by_id(catalog):
    first = await _store_product(catalog, "e1")
    second = await _store_product(catalog, "e2")
    found = await catalog.get_store_products([second.id, first.id, 999_999])
    assert found == {first.id: first, second.id: second}
    assert await catalog.get_store_products([]) == {}


async def test_store_links_answers_as_store_has_link(catalog):
    c = await catalog.create_canonical_product(gtin=None, name="A", brand=None)
    d = await catalog.create_canonical_product(gtin=None, name="B", brand=None)
    first = await _store_product(catalog, "e1", store="S")
    second = await _store_product(catalog, "e2", store="S")
    elsewhere = await _store_product(catalog, "e1", store="T")
    await catalog.link_store_product(first.id, c.id, MatchStatus.LINKED, 100.0)
    await catalog.link_store_product(elsewhere.id, d.id, MatchStatus.LINKED, 100.0)
    questions = [
        LinkQuestion(first.store_id, c.id, second.id),  # yes: the first links it
        LinkQuestion(first.store_id, c.id, first.id),  # no: only itself
        LinkQuestion(first.store_id, d.id, second.id),  # no: another store links it
        LinkQuestion(elsewhere.store_id, d.id, 999_999),  # yes
    ]
    answered = await catalog.store_links(questions)
    assert answered == {questions[0], questions[3]}
    for q in questions:
        assert (q in answered) == await catalog.store_has_link(
            q.store_id, q.canonical_id, q.except_id
        )
    assert await catalog.store_links([]) == set()


async def test_canonical_prices_range_per_currency_over_linked_products(catalog):
    c = await catalog.create_canonical_product(gtin=None, name="A", brand=None)
    d = await catalog.create_canonical_product(gtin=None, name="B", brand=None)
    bare = await catalog.create_canonical_product(gtin=None, name="C", brand=None)
    store = await catalog.create_store("S")
    items = [
        SyncItem("p1", None, None, "A", price=2.5, currency="GBP"),
        SyncItem("p2", None, None, "A", price=3.25, currency="GBP"),
        SyncItem("p3", None, None, "A", price=4.0, currency="USD"),
        SyncItem("p4", None, None, "A", price=1.0),  # no currency: no reference
        SyncItem("p5", None, None, "B", price=9.99, currency="EUR"),
        SyncItem("p6", None, None, "B", price=99.0, currency="EUR"),  # not linked
    ]
    made = await catalog.sync_products(store.id, items, {})
    for result, target in zip(made, (c, c, c, c, d, None), strict=True):
        if target is not None:
            await catalog.link_store_product(result.product_id, target.id, MatchStatus.LINKED, 90.0)
    prices = await catalog.canonical_prices([d.id, c.id, bare.id, 999_999])
    assert prices == {
        c.id: (PriceRange("GBP", 2.5, 3.25, 2), PriceRange("USD", 4.0, 4.0, 1)),
        d.id: (PriceRange("EUR", 9.99, 9.99, 1),),
    }
    assert await catalog.canonical_prices([]) == {}


async def test_finishing_a_batch_records_each_outcome_and_fences_each_lease(catalog):
    ids = await _queued(catalog, 5)
    target = await catalog.create_canonical_product(gtin=None, name="Target", brand=None)
    other = await catalog.create_canonical_product(gtin=None, name="Other", brand=None)
    start = datetime.now(UTC)
    items = {i.store_product_id: i for i in await catalog.claim_matches(5, 60, now=start)}
    # The first item's lease runs out and another worker takes it meanwhile.
    [stolen] = await catalog.claim_matches(1, 60, now=start + timedelta(seconds=61))
    assert stolen.store_product_id == ids[0]
    changes: list[ResolutionChange] = []
    await catalog.listen(changes.append)
    ranked = ((target.id, 91.5), (other.id, 40.0))
    outcomes = [
        MatchOutcome(items[ids[0]], QueueStatus.DONE, other.id, 99.0, ranked),  # lost
        MatchOutcome(items[ids[1]], QueueStatus.DONE, target.id, 91.5, ranked),
        MatchOutcome(items[ids[2]], QueueStatus.SUGGESTED, None, 77.0, ranked),
        MatchOutcome(items[ids[3]], QueueStatus.REVIEW, None, 30.0, ranked[1:]),
        MatchOutcome(items[ids[4]], QueueStatus.DONE),  # skipped: nothing to decide
    ]
    assert await catalog.finish_matches(outcomes) == [False, True, True, True, True]

    lost = await catalog.get_match_item(stolen.id)
    assert (lost.status, lost.attempts, lost.candidates) == (QueueStatus.PROCESSING, 2, ())
    untouched = await catalog.get_store_product(ids[0])
    assert (untouched.canonical_product_id, untouched.match_status) == (
        None,
        MatchStatus.UNMATCHED,
    )
    assert (await catalog.get_canonical_product(other.id)).product_count == 0
    linked = await catalog.get_store_product(ids[1])
    assert (linked.canonical_product_id, linked.match_status) == (target.id, MatchStatus.LINKED)
    assert linked.match_confidence == 91.5
    assert (await catalog.get_canonical_product(target.id)).product_count == 1
    suggested = await catalog.get_store_product(ids[2])
    assert (suggested.canonical_product_id, suggested.match_status) == (None, MatchStatus.SUGGESTED)
    assert suggested.match_confidence == 77.0
    assert (await catalog.get_match_item_for_product(ids[2])).candidates == ranked
    review = await catalog.get_store_product(ids[3])
    assert (review.match_status, review.match_confidence) == (MatchStatus.REVIEW, 30.0)
    skipped = await catalog.get_store_product(ids[4])
    assert (skipped.canonical_product_id, skipped.match_status) == (None, MatchStatus.UNMATCHED)
    assert ResolutionChange(product_id=ids[1]) in changes
    assert ResolutionChange(product_id=ids[2]) not in changes
    assert await catalog.queue_counts() == {
        "done": 2,
        "processing": 1,
        "review": 1,
        "suggested": 1,
    }
    # The new holder's answer is still its own to give; a batch of nothing is nothing.
    assert await catalog.finish_matches([MatchOutcome(stolen, QueueStatus.REVIEW)]) == [True]
    assert await catalog.finish_matches([]) == []


def _item(external_id: str, gtin: str | None = None, name: str = "Thing", **kw) -> SyncItem:
    return SyncItem(external_id=external_id, upc=gtin, gtin=gtin, name=name, **kw)


G1, G2 = "00012345678905", "04006381333931"


async def test_sync_links_gtins_creates_canonicals_and_queues_the_rest(catalog):
    store = await catalog.create_store("S", api_key_hash="h" * 64)
    assert await catalog.get_store_by_api_key_hash("h" * 64) == store
    changes: list[ResolutionChange] = []
    await catalog.listen(changes.append)
    results = await catalog.sync_products(
        store.id,
        [_item("a", G1, "Cola 12 oz", brand="Acme"), _item("b"), _item("c", G1), _item("d", G2)],
        known={},
    )
    assert [r.external_id for r in results] == ["a", "b", "c", "d"]
    a, b, c, d = results
    assert a.outcome is SyncOutcome.LINKED and a.created_canonical
    assert c.canonical_product_id == a.canonical_product_id  # one canonical per GTIN
    assert b.outcome is SyncOutcome.QUEUED and b.canonical_product_id is None
    assert d.canonical_product_id not in (None, a.canonical_product_id)
    canonical = await catalog.get_canonical_product(a.canonical_product_id)
    assert (canonical.gtin, canonical.name, canonical.brand) == (G1, "Cola 12 oz", "Acme")
    assert canonical.product_count == 2
    product = await catalog.get_store_product(a.product_id)
    assert (product.match_status, product.match_confidence) == (MatchStatus.LINKED, 100.0)
    assert _heard(changes, ResolutionChange(product_id=a.product_id))

    # Idempotent: the same batch again changes nothing and keeps ids.
    again = await catalog.sync_products(
        store.id, [_item("a", G1, "Cola 12 oz"), _item("b"), _item("c", G1)], known={}
    )
    assert [r.product_id for r in again] == [a.product_id, b.product_id, c.product_id]
    assert not any(r.created_canonical for r in again)
    assert (await catalog.get_canonical_product(a.canonical_product_id)).product_count == 2


async def test_a_canonical_product_a_sync_names_is_store_named_until_a_curator_edits_it(
    catalog,
):
    """The sync names a canonical product for an unknown GTIN after the store's title:
    flagged, found so by the matcher's search and the curator's list; a rename clears it
    (on this product only); a later store's title for the same GTIN changes nothing."""
    curated = await catalog.create_canonical_product(gtin=G2, name="Cola Zero", brand=None)
    store = await catalog.create_store("S")
    [cola] = await catalog.sync_products(store.id, [_item("a", G1, "COLA 12oz can CL-4411")], {})
    made = await catalog.get_canonical_product(cola.canonical_product_id)
    assert made.store_named and not made.provisional and not curated.store_named
    [(found, _)] = [
        (c, s)
        for c, s in await catalog.search_canonical_candidates("cola 12oz can", 5)
        if c.id == made.id
    ]
    assert found.store_named
    [many] = await catalog.search_canonical_candidates_many(["cola 12oz can"], 5)
    assert [c.store_named for c, _ in many if c.id == made.id] == [True]
    [by_code] = await catalog.search_canonical_by_codes_many([("cola cl4411", ["cl4411"])], 5)
    assert [(c.id, c.store_named) for c, _ in by_code] == [(made.id, True)]
    assert (await catalog.get_canonical_products([made.id]))[made.id].store_named
    listed = await catalog.list_canonical_products(store_named=True)
    assert [c.id for c in listed] == [made.id]
    assert [c.id for c in await catalog.list_canonical_products(store_named=False)] == [curated.id]
    other = await catalog.create_store("T")
    await catalog.sync_products(other.id, [_item("b", G1, "Cola can 12 oz")], known={})
    assert (await catalog.get_canonical_product(made.id)).name == "COLA 12oz can CL-4411"

    renamed = await catalog.rename_canonical_product(made.id, name="Cola 12 oz", brand="Acme")
    assert not renamed.store_named
    assert not (await catalog.get_canonical_product(made.id)).store_named
    assert await catalog.list_canonical_products(store_named=True) == []


async def test_in_store_and_coupon_codes_are_stored_but_never_link(catalog):
    """Two stores use one weighed-item code for different things: neither links, no
    canonical product carries it, both go to name matching with the code kept."""
    weighed, coupon = "00212345000014", "00512345000015"  # UPC number systems 2 and 5
    a = await catalog.create_store("A")
    b = await catalog.create_store("B")
    [ham] = await catalog.sync_products(a.id, [_item("1", weighed, "Ham 250 g")], known={})
    fish, _ = await catalog.sync_products(
        b.id, [_item("1", weighed, "Salmon fillet"), _item("2", coupon, "50p off")], known={}
    )
    assert ham.outcome is fish.outcome is SyncOutcome.QUEUED
    assert ham.canonical_product_id is fish.canonical_product_id is None
    assert await catalog.get_canonical_product_by_gtin(weighed) is None
    assert (await catalog.get_store_product(ham.product_id)).gtin == weighed  # stored
    assert await catalog.queue_counts() == {"pending": 3}
    # Even a caller's GTIN map naming a canonical product does not make it link.
    cola = await catalog.create_canonical_product(gtin=None, name="Cola", brand=None)
    [again] = await catalog.sync_products(
        a.id, [_item("1", weighed, "Ham 250 g")], known={weighed: cola.id}
    )
    assert again.canonical_product_id is None


async def test_sync_moves_a_link_when_the_gtin_changes_and_keeps_counts(catalog):
    store = await catalog.create_store("S")
    first = await catalog.sync_products(store.id, [_item("x", G1)], known={})
    moved = await catalog.sync_products(store.id, [_item("x", G2)], known={})
    assert moved[0].product_id == first[0].product_id
    old = await catalog.get_canonical_product(first[0].canonical_product_id)
    new = await catalog.get_canonical_product(moved[0].canonical_product_id)
    assert (old.product_count, new.product_count) == (0, 1)
    # A product linked earlier keeps its link when a later sync sends no barcode.
    kept = await catalog.sync_products(store.id, [_item("x")], known={})
    assert kept[0].outcome is SyncOutcome.KEPT
    assert kept[0].canonical_product_id == new.id


async def test_sync_uses_the_callers_gtin_map(catalog):
    store = await catalog.create_store("S")
    c = await catalog.create_canonical_product(gtin=G1, name="Known", brand=None)
    results = await catalog.sync_products(store.id, [_item("k", G1)], known={G1: c.id})
    assert results[0].canonical_product_id == c.id and not results[0].created_canonical


async def test_two_stores_syncing_one_new_gtin_at_once_share_one_canonical(catalog):
    s1 = await catalog.create_store("S1")
    s2 = await catalog.create_store("S2")
    r1, r2 = await asyncio.gather(
        catalog.sync_products(s1.id, [_item("1", G2, "Oats")], known={}),
        catalog.sync_products(s2.id, [_item("1", G2, "OATS 1KG")], known={}),
    )
    assert r1[0].canonical_product_id == r2[0].canonical_product_id
    assert sum(r.created_canonical for r in (r1[0], r2[0])) == 1
    assert (await catalog.get_canonical_product(r1[0].canonical_product_id)).product_count == 2


async def _queued(catalog, n: int) -> list[int]:
    store = await catalog.create_store("Q")
    results = await catalog.sync_products(
        store.id, [_item(f"q{i}", name=f"Thing {i}") for i in range(n)], known={}
    )
    return [r.product_id for r in results]


async def test_claims_are_disjoint_and_leases_expire(catalog):
    await _queued(catalog, 5)
    first, second = await asyncio.gather(
        catalog.claim_matches(3, lease_s=60), catalog.claim_matches(3, lease_s=60)
    )
    ids = [i.id for i in first + second]
    assert len(ids) == len(set(ids)) == 5
    assert all(i.status is QueueStatus.PROCESSING and i.attempts == 1 for i in first + second)
    assert await catalog.claim_matches(10, lease_s=60) == []
    assert await catalog.claimable_count() == 0
    assert await catalog.outstanding_count() == 5  # leased, not finished
    await catalog.finish_match(first[0], QueueStatus.REVIEW)
    assert await catalog.outstanding_count() == 4


async def test_an_expired_lease_comes_back_and_fences_the_old_holder(catalog):
    await _queued(catalog, 1)
    start = datetime.now(UTC)
    [held] = await catalog.claim_matches(1, lease_s=60, now=start)
    assert await catalog.claim_matches(1, lease_s=60, now=start + timedelta(seconds=59)) == []
    assert await catalog.claimable_count(now=start + timedelta(seconds=59)) == 0
    assert await catalog.claimable_count(now=start + timedelta(seconds=61)) == 1
    [again] = await catalog.claim_matches(1, lease_s=60, now=start + timedelta(seconds=61))
    assert again.id == held.id and again.attempts == 2
    # The first holder's late answer is refused; the new holder's is kept.
    assert not await catalog.finish_match(held, QueueStatus.REVIEW)
    assert await catalog.finish_match(again, QueueStatus.REVIEW, confidence=40.0)
    assert (await catalog.get_match_item(again.id)).status is QueueStatus.REVIEW


async def test_finishing_links_suggests_or_sends_to_review(catalog):
    ids = await _queued(catalog, 3)
    target = await catalog.create_canonical_product(gtin=None, name="Target", brand=None)
    items = {i.store_product_id: i for i in await catalog.claim_matches(3, lease_s=60)}
    link, suggest, review = (items[pid] for pid in ids)
    ranked = [(target.id, 91.5), (999, 40.0)]
    assert await catalog.finish_match(
        link, QueueStatus.DONE, canonical_id=target.id, confidence=91.5, candidates=ranked
    )
    await catalog.finish_match(suggest, QueueStatus.SUGGESTED, confidence=77.0, candidates=ranked)
    await catalog.finish_match(review, QueueStatus.REVIEW, confidence=30.0, candidates=ranked[1:])

    linked = await catalog.get_store_product(ids[0])
    assert (linked.canonical_product_id, linked.match_status) == (target.id, MatchStatus.LINKED)
    assert linked.match_confidence == 91.5
    assert (await catalog.get_canonical_product(target.id)).product_count == 1
    suggested = await catalog.get_store_product(ids[1])
    assert (suggested.canonical_product_id, suggested.match_status) == (None, MatchStatus.SUGGESTED)
    item = await catalog.get_match_item_for_product(ids[1])
    assert item.candidates == ((target.id, 91.5), (999, 40.0))
    assert (await catalog.get_store_product(ids[2])).match_status is MatchStatus.REVIEW
    assert await catalog.queue_counts() == {"done": 1, "review": 1, "suggested": 1}


async def test_repeated_failures_end_in_failed_with_the_error_kept(catalog):
    await _queued(catalog, 1)
    for attempt in (1, 2, 3):
        [item] = await catalog.claim_matches(1, lease_s=60)
        status = await catalog.fail_match(item, f"boom {attempt}", max_attempts=3)
        assert status is (QueueStatus.FAILED if attempt == 3 else QueueStatus.PENDING)
    assert await catalog.claim_matches(1, lease_s=60) == []
    failed = await catalog.get_match_item(item.id)
    assert (failed.status, failed.last_error, failed.attempts) == (QueueStatus.FAILED, "boom 3", 3)


async def test_a_human_confirms_or_rejects(catalog):
    ids = await _queued(catalog, 2)
    target = await catalog.create_canonical_product(gtin=None, name="T", brand=None)
    confirm = await catalog.get_match_item_for_product(ids[0])
    await catalog.decide_match(confirm, canonical_id=target.id, product_status=MatchStatus.LINKED)
    assert (await catalog.get_store_product(ids[0])).canonical_product_id == target.id
    reject = await catalog.get_match_item_for_product(ids[1])
    await catalog.decide_match(reject, canonical_id=None, product_status=MatchStatus.REJECTED)
    assert (await catalog.get_store_product(ids[1])).match_status is MatchStatus.REJECTED
    assert (await catalog.get_match_item(reject.id)).status is QueueStatus.DONE
    assert [p.id for p in await catalog.unlinked_products(0, 10)] == [ids[1]]
    assert await catalog.count_unlinked_products() == 1
    assert await catalog.unlinked_products(ids[1], 10) == []


async def test_curators_decisions_are_remembered_latest_per_pair(catalog):
    [pid] = await _queued(catalog, 1)
    store = (await catalog.get_store_product(pid)).store_id
    right, wrong, gone = [
        await catalog.create_canonical_product(gtin=None, name=n, brand=None)
        for n in ("Right", "Wrong", "Gone")
    ]
    await catalog.delete_canonical_product(gone.id)
    item = await catalog.get_match_item_for_product(pid)

    def decision(canonical, confirmed, score=None):
        return CuratorDecision("thing 0", "", canonical.id, confirmed, score, "learned", store, pid)

    await catalog.decide_match(
        item,
        canonical_id=right.id,
        product_status=MatchStatus.LINKED,
        # rejected first, then confirmed (the later counts); a gone product is skipped
        decisions=[
            decision(right, False),
            decision(wrong, False, 91.5),
            decision(gone, False),
            decision(right, True, 80.0),
        ],
    )
    remembered = await catalog.remembered_decisions([("thing 0", ""), ("thing 0", "acme")])
    assert remembered == {
        ("thing 0", ""): [
            CuratorDecision("thing 0", "", wrong.id, False, 91.5, "learned"),
            CuratorDecision("thing 0", "", right.id, True, 80.0, "learned"),
        ]
    }
    assert (await catalog.get_store_product(pid)).canonical_product_id == right.id
    assert await catalog.remembered_decisions([]) == {}


async def test_decisions_follow_a_merge_and_go_with_a_deleted_canonical(catalog):
    ids = await _queued(catalog, 2)
    source, target, lone = [
        await catalog.create_canonical_product(gtin=None, name=n, brand=None)
        for n in ("Source", "Target", "Lone")
    ]
    for pid, canonical in zip(ids, (source, lone), strict=True):
        item = await catalog.get_match_item_for_product(pid)
        await catalog.decide_match(
            item,
            canonical_id=None,
            product_status=MatchStatus.REJECTED,
            decisions=[CuratorDecision(f"n{pid}", "b", canonical.id, False)],
        )
    await catalog.merge_canonical_products(source.id, target.id)
    await catalog.delete_canonical_product(lone.id)
    keys = [(f"n{pid}", "b") for pid in ids]
    assert await catalog.remembered_decisions(keys) == {
        keys[0]: [CuratorDecision(keys[0][0], "b", target.id, False)]
    }


async def test_reorder_delete_and_find_by_hash(catalog):
    changes: list[ResolutionChange] = []
    await catalog.listen(changes.append)
    c = await catalog.create_canonical_product(gtin=None, name="A", brand=None)
    owner = ImageOwner(canonical_product_id=c.id)
    a, b, d = [await catalog.add_image(_image(n, canonical_product_id=c.id)) for n in (1, 2, 3)]
    assert (await catalog.find_image_by_hash(owner, b.content_hash)).id == b.id
    assert await catalog.find_image_by_hash(owner, "f" * 64) is None

    reordered = await catalog.reorder_images(owner, [d.id, b.id, a.id])
    assert [i.id for i in reordered] == [a.id, d.id, b.id]  # the primary stays first
    assert [i.sort_order for i in reordered] == [2, 0, 1]
    for bad in ([d.id, b.id], [d.id, b.id, a.id, a.id], [d.id, b.id, 999]):
        with pytest.raises(ConflictError):
            await catalog.reorder_images(owner, bad)

    changes.clear()
    deleted, still_used = await catalog.delete_image(a.id)  # the primary goes…
    assert deleted.id == a.id and not still_used
    images = await catalog.list_images(owner)
    assert [i.id for i in images] == [d.id, b.id] and images[0].is_primary  # …the next is
    assert (await catalog.get_canonical_product(c.id)).image_count == 2
    assert _heard(changes, ResolutionChange(canonical_product_id=c.id))
    with pytest.raises(NotFoundError):
        await catalog.delete_image(a.id)

    # Bytes shared by two owners stay referenced until the last image goes.
    other = await catalog.create_canonical_product(gtin=None, name="B", brand=None)
    twin = await catalog.add_image(_image(2, canonical_product_id=other.id))
    assert (await catalog.delete_image(b.id))[1] is True
    assert (await catalog.delete_image(twin.id))[1] is False


async def test_fetch_error_is_recorded(catalog):
    product = await _store_product(catalog)
    await catalog.set_image_fetch_error(product.id, "blocked_address: 10.0.0.1")
    assert (await catalog.get_store_product(product.id)).image_fetch_error.startswith("blocked")
    await catalog.set_image_fetch_error(product.id, None)
    assert (await catalog.get_store_product(product.id)).image_fetch_error is None


async def test_the_same_bytes_attach_to_one_owner_once(catalog):
    c = await catalog.create_canonical_product(gtin=None, name="A", brand=None)
    product = await _store_product(catalog)
    first = await catalog.add_image(_image(1, canonical_product_id=c.id))
    second = await catalog.add_image(_image(2, canonical_product_id=c.id))
    again = await catalog.add_image(_image(2, canonical_product_id=c.id))
    assert again == second
    # Asking for the primary on a re-upload moves the primary to the existing image.
    promoted = await catalog.add_image(_image(2, canonical_product_id=c.id, is_primary=True))
    assert (promoted.id, promoted.is_primary) == (second.id, True)
    images = await catalog.list_images(ImageOwner(canonical_product_id=c.id))
    assert [i.id for i in images] == [second.id, first.id]
    assert (await catalog.get_canonical_product(c.id)).image_count == 2
    # Other owners may hold the same bytes: stored once, attached to each.
    custom = await catalog.add_image(_image(2, store_product_id=product.id))
    assert custom.id != second.id and custom.content_hash == second.content_hash


async def test_resolution_lists_every_shown_image_primary_first(catalog):
    product = await _store_product(catalog)
    c = await catalog.create_canonical_product(gtin=None, name="A", brand=None)
    await catalog.link_store_product(product.id, c.id, MatchStatus.LINKED, 100.0)
    a = await catalog.add_image(_image(1, canonical_product_id=c.id))
    b = await catalog.add_image(_image(2, canonical_product_id=c.id))
    d = await catalog.add_image(_image(3, canonical_product_id=c.id, is_primary=True))
    resolution = await catalog.resolve(product.id)
    assert [i.image_id for i in resolution.gallery] == [d.id, a.id, b.id]
    assert resolution.shown(b.version).image_id == b.id
    assert resolution.shown("0" * 16) is None  # not an image it shows
    assert resolution.image.image_id == d.id
    # With the override on, only the custom images show; the canonical ones drop out.
    own = await catalog.add_image(_image(4, store_product_id=product.id))
    await catalog.set_use_custom_image(product.id, True)
    resolution = await catalog.resolve(product.id)
    assert [(i.image_id, i.source) for i in resolution.gallery] == [(own.id, ImageSource.CUSTOM)]
    assert resolution.shown(b.version) is None
    assert resolution.image.image_id == own.id


async def test_store_has_link_looks_at_other_products_of_that_store(catalog):
    c = await catalog.create_canonical_product(gtin=None, name="A", brand=None)
    first = await _store_product(catalog, "e1", store="S")
    second = await _store_product(catalog, "e2", store="S")
    elsewhere = await _store_product(catalog, "e1", store="T")
    assert not await catalog.store_has_link(first.store_id, c.id, second.id)
    await catalog.link_store_product(elsewhere.id, c.id, MatchStatus.LINKED, 100.0)
    assert not await catalog.store_has_link(first.store_id, c.id, second.id)
    await catalog.link_store_product(first.id, c.id, MatchStatus.LINKED, 100.0)
    assert await catalog.store_has_link(first.store_id, c.id, second.id)
    assert not await catalog.store_has_link(first.store_id, c.id, first.id)


class _Abort(Exception):
    """Raised inside a test transaction to roll it back."""


async def test_reads_never_see_what_an_open_transaction_wrote(catalog):
    with pytest.raises(_Abort):
        async with catalog.connector.transaction() as s:
            await s.run("create_store", name="ghost", api_key_hash=None)
            assert await s.one("get_store_by_name", name="ghost") is not None  # its own write
            assert await catalog.get_store_by_name("ghost") is None  # not to the others
            raise _Abort
    assert await catalog.get_store_by_name("ghost") is None
    await catalog.create_store("ghost")  # committed: seen at once
    assert (await catalog.get_store_by_name("ghost")).name == "ghost"


async def test_listeners_have_heard_a_write_when_the_call_returns(catalog):
    heard: list[ResolutionChange] = []
    await catalog.listen(heard.append)
    product = await _store_product(catalog)
    c = await catalog.create_canonical_product(gtin=None, name="A", brand=None)
    await catalog.link_store_product(product.id, c.id, MatchStatus.LINKED, 100.0)
    assert ResolutionChange(product_id=product.id) in heard  # no waiting: already told
    heard.clear()
    await catalog.set_use_custom_image(product.id, True)
    assert ResolutionChange(product_id=product.id) in heard
    await catalog.add_image(_image(1, canonical_product_id=c.id))
    second = await catalog.add_image(_image(2, canonical_product_id=c.id))
    heard.clear()
    await catalog.set_primary_image(second.id)
    assert ResolutionChange(canonical_product_id=c.id) in heard


async def test_nothing_is_heard_for_a_rolled_back_transaction(catalog):
    heard: list[ResolutionChange] = []
    await catalog.listen(heard.append)
    with pytest.raises(_Abort):
        async with catalog.connector.transaction() as s:
            s.notify(ResolutionChange(product_id=1))
            raise _Abort
    async with catalog.connector.transaction(rollback=True) as s:
        s.notify(ResolutionChange(product_id=2))
    assert heard == []
    async with catalog.connector.transaction() as s:
        s.notify(ResolutionChange(product_id=3))
    # Heard at once (PostgreSQL's NOTIFY may bring it back a second time: idempotent).
    assert set(heard) == {ResolutionChange(product_id=3)}


async def _sync_state(catalog: CatalogRepository, store_id: int, product_id: int) -> tuple:
    """What a sync may change, for the products of `store_id`."""
    return (
        await catalog.list_store_product_ids(store_id, 100),
        await catalog.get_store_product(product_id),
        await catalog.get_canonical_product_by_gtin(G1),
        await catalog.get_canonical_product_by_gtin(G2),
        await catalog.queue_counts(),
    )


async def test_a_dry_run_sync_returns_the_real_results_and_changes_nothing(catalog):
    store = await catalog.create_store("S")
    await catalog.create_canonical_product(gtin=G1, name="Known", brand=None)
    [old] = await catalog.sync_products(store.id, [_item("old")], known={})
    batch = [_item("old", G1), _item("new"), _item("fresh", G2, "Fresh Oats 1 kg")]
    heard: list[ResolutionChange] = []
    await catalog.listen(heard.append)
    before = await _sync_state(catalog, store.id, old.product_id)

    dry = await catalog.sync_products(store.id, batch, known={}, dry_run=True)
    assert await _sync_state(catalog, store.id, old.product_id) == before
    assert heard == []
    real = await catalog.sync_products(store.id, batch, known={})
    assert ResolutionChange(product_id=old.product_id) in heard

    # Rows that existed come out the same; rows the dry run made may get other ids for
    # real (PostgreSQL sequences do not roll back), with everything else the same.
    assert dry[0] == real[0]
    assert [(r.external_id, r.outcome, r.created_canonical) for r in dry] == [
        (r.external_id, r.outcome, r.created_canonical) for r in real
    ]
    assert [r.outcome for r in real] == [SyncOutcome.LINKED, SyncOutcome.QUEUED, SyncOutcome.LINKED]
    assert real[2].created_canonical and dry[2].canonical_product_id is not None


async def test_merging_canonical_products_moves_everything_and_loses_nothing(catalog):
    store = await catalog.create_store("S")
    keep = await catalog.create_canonical_product(gtin=None, name="Garden Hose 30 m", brand=None)
    fold = await catalog.create_canonical_product(gtin=G1, name="GARDEN HOSE 30M", brand="Acme")
    a, b = await catalog.sync_products(
        store.id, [_item("a", G1, "Hose"), _item("b", None, "Hose too")], known={}
    )
    await catalog.link_store_product(b.product_id, keep.id, MatchStatus.LINKED, 90.0)
    shared, own, theirs = _image(1), _image(2), _image(3)
    await catalog.add_image(replace(shared, canonical_product_id=keep.id))
    await catalog.add_image(replace(own, canonical_product_id=keep.id))
    await catalog.add_image(replace(shared, canonical_product_id=fold.id))  # same bytes
    await catalog.add_image(replace(theirs, canonical_product_id=fold.id))
    changes: list[ResolutionChange] = []
    await catalog.listen(changes.append)

    merged = await catalog.merge_canonical_products(fold.id, keep.id)

    assert (merged.id, merged.gtin, merged.product_count, merged.image_count) == (keep.id, G1, 2, 3)
    assert await catalog.get_canonical_product(fold.id) is None
    assert (await catalog.get_canonical_product_by_gtin(G1)).id == keep.id
    assert (await catalog.get_store_product(a.product_id)).canonical_product_id == keep.id
    images = await catalog.list_images(ImageOwner(canonical_product_id=keep.id))
    assert [i.content_hash for i in images] == [
        shared.content_hash,
        own.content_hash,
        theirs.content_hash,
    ]
    assert images[0].is_primary and sum(i.is_primary for i in images) == 1
    assert _heard(changes, ResolutionChange(canonical_product_id=fold.id))
    # The GTIN now names the kept product: a later sync links there.
    [again] = await catalog.sync_products(store.id, [_item("c", G1, "Hose")], known={})
    assert again.canonical_product_id == keep.id


async def test_merging_refuses_what_cannot_be_one_product(catalog):
    one = await catalog.create_canonical_product(gtin=G1, name="Cola", brand=None)
    two = await catalog.create_canonical_product(gtin=G2, name="Cola", brand=None)
    with pytest.raises(ConflictError):
        await catalog.merge_canonical_products(one.id, two.id)  # two trade items
    with pytest.raises(ConflictError):
        await catalog.merge_canonical_products(one.id, one.id)
    with pytest.raises(NotFoundError):
        await catalog.merge_canonical_products(one.id, 10**9)
    assert await catalog.get_canonical_product(one.id) is not None  # nothing changed


async def test_canonical_products_are_listed_by_id_and_provisional_flag(catalog):
    made = [
        await catalog.create_canonical_product(gtin=None, name=f"P{n}", brand=None)
        for n in range(3)
    ]
    store = await catalog.create_store("S")
    await catalog.sync_products(store.id, [_item("x", None, "Hose")], known={})
    queued = await catalog.claim_matches(1, lease_s=60)
    await catalog.finish_matches([MatchOutcome(queued[0], QueueStatus.REVIEW, provisional=True)])
    provisional = await catalog.list_canonical_products(provisional=True)
    assert [c.name for c in provisional] == ["Hose"] and provisional[0].provisional
    confirmed = await catalog.list_canonical_products(provisional=False)
    assert [c.id for c in confirmed] == [c.id for c in made]
    page = await catalog.list_canonical_products(after_id=made[0].id, limit=2)
    assert [c.id for c in page] == [made[1].id, made[2].id]


async def test_several_images_attach_in_one_transaction_or_not_at_all(catalog):
    c = await catalog.create_canonical_product(gtin=None, name="A", brand=None)
    product = await _store_product(catalog)
    owner = ImageOwner(canonical_product_id=c.id)
    await catalog.add_image(_image(1, canonical_product_id=c.id))
    added = await catalog.add_images(
        [_image(1, canonical_product_id=c.id), _image(2, canonical_product_id=c.id)]
    )
    assert [created for _, created in added] == [False, True]
    assert [i.id for i in await catalog.list_images(owner)] == [i.id for i, _ in added]

    # One image whose owner is gone fails the whole call: the first is not kept.
    with pytest.raises(CatalogError):
        await catalog.add_images(
            [_image(3, canonical_product_id=c.id), _image(4, canonical_product_id=10**9)]
        )
    assert len(await catalog.list_images(owner)) == 2

    # A store's own upload turns its override on in the same transaction.
    [(custom, created)] = await catalog.add_images(
        [_image(5, store_product_id=product.id)], use_custom_image=product.id
    )
    assert created and (await catalog.get_store_product(product.id)).use_custom_image
    resolution = await catalog.resolve(product.id)
    assert resolution.image.content_hash == custom.content_hash


async def test_referenced_hashes_are_those_some_image_holds(catalog):
    c = await catalog.create_canonical_product(gtin=None, name="A", brand=None)
    held = await catalog.add_image(_image(1, canonical_product_id=c.id))
    other = _image(2).content_hash
    assert await catalog.referenced_hashes([held.content_hash, other]) == {held.content_hash}
    assert await catalog.referenced_hashes([]) == set()
    await catalog.delete_image(held.id)
    assert await catalog.referenced_hashes([held.content_hash]) == set()


async def test_a_curator_renames_a_canonical_product(catalog):
    c = await catalog.create_canonical_product(gtin=G1, name="Cola \u00bd l", brand="X")
    renamed = await catalog.rename_canonical_product(c.id, name="Cola 0.5 L", brand=None)
    assert (renamed.id, renamed.gtin, renamed.name, renamed.brand) == (c.id, G1, "Cola 0.5 L", None)
    assert await catalog.get_canonical_product(c.id) == renamed
    found = await catalog.search_canonical_candidates("cola 0.5 l")
    assert c.id in [hit.id for hit, _ in found]  # the name index follows
    with pytest.raises(NotFoundError):
        await catalog.rename_canonical_product(10**9, name="x", brand=None)


async def test_a_canonical_product_nothing_links_to_can_be_deleted(catalog):
    store = await catalog.create_store("S")
    linked = await catalog.create_canonical_product(gtin=G1, name="Hose", brand=None)
    await catalog.sync_products(
        store.id, [_item("a", G1, "Hose"), _item("b", G1, "Hose")], known={}
    )
    lonely = await catalog.create_canonical_product(gtin=G2, name="Typo", brand=None)
    image = await catalog.add_image(_image(1, canonical_product_id=lonely.id))
    changes: list[ResolutionChange] = []
    await catalog.listen(changes.append)

    with pytest.raises(InUseError) as refused:
        await catalog.delete_canonical_product(linked.id)
    assert refused.value.count == 2
    assert await catalog.get_canonical_product(linked.id) is not None

    assert await catalog.delete_canonical_product(lonely.id) == [image]
    assert await catalog.get_canonical_product(lonely.id) is None
    assert await catalog.get_image(image.id) is None
    assert await catalog.referenced_hashes([image.content_hash]) == set()
    assert _heard(changes, ResolutionChange(canonical_product_id=lonely.id))
    # Its GTIN is free again: a later sync makes a new canonical product for it.
    [made] = await catalog.sync_products(store.id, [_item("c", G2, "Hose")], known={})
    assert made.created_canonical and made.canonical_product_id is not None
    with pytest.raises(NotFoundError):
        await catalog.delete_canonical_product(10**9)


async def test_a_transaction_rolled_back_by_contention_runs_again_a_bounded_number_of_times(
    catalog, monkeypatch
):
    """A deadlock or serialization failure (`ContentionError`, from the connector) rolls
    the transaction back: the catalog runs it again, up to CONTENTION_ATTEMPTS in all,
    and the outcome is stored once."""
    from catalog import sql_catalog
    from catalog.errors import ContentionError

    store = await catalog.create_store("S")
    transaction = catalog.connector.transaction
    failures = {"left": sql_catalog.CONTENTION_ATTEMPTS - 1}

    @contextlib.asynccontextmanager
    async def collides(*, rollback=False):
        async with transaction(rollback=rollback) as s:
            yield s
            if failures["left"] > 0:
                failures["left"] -= 1
                raise ContentionError("deadlock detected")

    monkeypatch.setattr(catalog.connector, "transaction", collides)
    monkeypatch.setattr(sql_catalog, "CONTENTION_PAUSE_S", 0.0)
    results = await catalog.sync_products(
        store.id, [SyncItem("a", None, "00012345678905", "Cola")], {}
    )
    assert catalog.conflict_retries == sql_catalog.CONTENTION_ATTEMPTS - 1
    canonical = await catalog.get_canonical_product(results[0].canonical_product_id)
    assert canonical is not None and canonical.product_count == 1

    failures["left"] = sql_catalog.CONTENTION_ATTEMPTS
    with pytest.raises(ContentionError):
        await catalog.set_meta("k", "v")
    assert await catalog.get_meta("k") is None


async def test_a_sync_whose_known_canonical_id_is_gone_asks_the_catalog_again(catalog):
    """The caller's GTIN map may name a canonical product merged away meanwhile: the
    sync links to the one that holds the GTIN now instead of failing the batch."""
    store = await catalog.create_store("S")
    gtin = "00012345678905"
    holder = await catalog.create_canonical_product(gtin=gtin, name="Cola", brand=None)
    results = await catalog.sync_products(
        store.id, [SyncItem("a", None, gtin, "Cola")], known={gtin: holder.id + 1000}
    )
    assert results[0].canonical_product_id == holder.id
    linked = await catalog.get_canonical_product(holder.id)
    assert linked is not None and linked.product_count == 1


async def _listed(catalog, **search):
    page = await catalog.search_store_products(ProductSearch(**search), limit=100)
    assert page.total == len(page.products)
    return [listed.product.external_id for listed in page.products]


async def test_search_store_products_filters_combine(catalog):
    s = await catalog.create_store("S")
    t = await catalog.create_store("T")
    pictured = await catalog.create_canonical_product(gtin="00012345678905", name="c", brand=None)
    bare = await catalog.create_canonical_product(gtin=None, name="d", brand=None)
    shown = await catalog.add_image(_image(1, canonical_product_id=pictured.id))

    async def product(store, external_id, name, *, upc=None, gtin=None, link=None, status=None):
        made = await catalog.upsert_store_product(
            store_id=store.id, external_id=external_id, upc=upc, gtin=gtin, name=name
        )
        if status is not None:
            await catalog.link_store_product(made.id, link, status)
        return made

    a = await product(
        s, "a", "Acme Cola 12oz", upc="012345678905", gtin="00012345678905",
        link=pictured.id, status=MatchStatus.LINKED,
    )  # fmt: skip
    await product(s, "b", "Peanut Butter", status=MatchStatus.REVIEW)
    c = await product(s, "c", "acme COLA zero", link=bare.id, status=MatchStatus.LINKED)
    own = await catalog.add_image(_image(2, store_product_id=c.id))
    await catalog.set_use_custom_image(c.id, True)
    d = await product(s, "d", "Cola_100%", link=bare.id, status=MatchStatus.SUGGESTED)
    await catalog.set_use_custom_image(d.id, True)  # on, but it has no image of its own
    await product(t, "e", "ACME cola", link=pictured.id, status=MatchStatus.LINKED)

    assert await _listed(catalog) == ["a", "b", "c", "d", "e"]
    assert await _listed(catalog, text="cOlA") == ["a", "c", "d", "e"]
    assert await _listed(catalog, text="cola", store_id=s.id) == ["a", "c", "d"]
    assert await _listed(catalog, store_id=t.id) == ["e"]
    # Pattern characters are literal: `_` and `%` are not wildcards.
    assert await _listed(catalog, text="a_1") == ["d"]
    assert await _listed(catalog, text="%") == ["d"]
    # A barcode as the store sent it, or any form of the same GTIN.
    assert await _listed(catalog, text="012345678905") == ["a"]
    assert await _listed(catalog, text="0012345678905") == ["a"]
    assert await _listed(catalog, text="00012345678906") == []
    # Images: none shows nothing (d's override is on, with no image of its own).
    assert await _listed(catalog, image=ImageFilter.NONE) == ["b", "d"]
    assert await _listed(catalog, image=ImageFilter.CUSTOM) == ["c", "d"]
    assert await _listed(catalog, image=ImageFilter.NONE, text="cola") == ["d"]
    assert await _listed(catalog, image=ImageFilter.NONE, store_id=t.id) == []
    # Status and link.
    assert await _listed(catalog, status=MatchStatus.LINKED) == ["a", "c", "e"]
    assert await _listed(catalog, status=MatchStatus.LINKED, store_id=s.id, text="acme") == [
        "a",
        "c",
    ]
    assert await _listed(catalog, linked=False) == ["b"]
    assert await _listed(catalog, linked=True, image=ImageFilter.NONE) == ["d"]
    assert await _listed(catalog, status=MatchStatus.SUGGESTED, image=ImageFilter.CUSTOM) == ["d"]
    # Each row carries the version of the primary image it shows.
    page = await catalog.search_store_products(ProductSearch(store_id=s.id))
    versions = {listed.product.id: listed.shown_version for listed in page.products}
    assert versions[a.id] == shown.version
    assert versions[c.id] == own.version
    assert versions[d.id] is None
    assert page.products[0].product == await catalog.get_store_product(a.id)
    # Turning the override off shows the canonical product's (none for c).
    await catalog.set_use_custom_image(c.id, False)
    assert await _listed(catalog, image=ImageFilter.NONE, store_id=s.id) == ["b", "c", "d"]


async def test_search_store_products_pages_by_id_with_a_total(catalog):
    store = await catalog.create_store("S")
    ids = [
        (
            await catalog.upsert_store_product(
                store_id=store.id, external_id=str(n), upc=None, gtin=None, name=f"Tea {n}"
            )
        ).id
        for n in range(5)
    ]
    pages = [
        await catalog.search_store_products(ProductSearch(text="tea"), offset=o, limit=2)
        for o in (0, 2, 4)
    ]
    assert [[p.product.id for p in page.products] for page in pages] == [
        ids[0:2],
        ids[2:4],
        ids[4:5],
    ]
    assert [page.total for page in pages] == [5, 5, 5]
    past = await catalog.search_store_products(ProductSearch(text="tea"), offset=10, limit=2)
    assert (past.products, past.total) == ([], 5)
    none = await catalog.search_store_products(ProductSearch(text="coffee"), offset=2, limit=2)
    assert (none.products, none.total) == ([], 0)


def _sized(n: int, byte_size: int, **owner) -> NewImage:
    return replace(_image(n, **owner), byte_size=byte_size)


async def _stats_catalog(catalog: CatalogRepository) -> dict[str, int]:
    """Nine products of three stores (see `test_catalog_stats_…` for what each shows)."""
    a, b, c = [await catalog.create_store(name) for name in "ABC"]
    g1 = "00012345678905"
    by_ext: dict[str, int] = {}
    for store, items in (
        (a, [SyncItem("A1", g1, g1, "Cola"), SyncItem("A3", None, None, "Odd tea")]),
        (b, [SyncItem("B1", g1, g1, "Cola"), SyncItem("B3", None, None, "Odd milk")]),
        (c, [SyncItem("C2", None, None, "Salt")]),
    ):
        for result in await catalog.sync_products(store.id, items, {}):
            by_ext[result.external_id] = result.product_id
    for store, ext in ((a, "A2"), (b, "B2"), (c, "C1"), (c, "C3")):
        product = await catalog.upsert_store_product(
            store_id=store.id, external_id=ext, upc=None, gtin=None, name=ext
        )
        by_ext[ext] = product.id
    cola = await catalog.get_canonical_product_by_gtin(g1)
    soap = await catalog.create_canonical_product(gtin=None, name="Soap", brand=None)
    bare = await catalog.create_canonical_product(gtin=None, name="Bare", brand=None)
    await catalog.add_image(_sized(1, 1000, canonical_product_id=cola.id))
    await catalog.add_image(_sized(2, 500, canonical_product_id=cola.id))
    await catalog.add_image(_sized(3, 2000, canonical_product_id=soap.id))
    await catalog.link_store_product(by_ext["A2"], soap.id, MatchStatus.LINKED, 90.0)
    await catalog.add_images(
        [_sized(1, 1000, store_product_id=by_ext["A2"])], use_custom_image=by_ext["A2"]
    )
    await catalog.link_store_product(by_ext["B2"], soap.id, MatchStatus.LINKED, 90.0)
    await catalog.link_store_product(by_ext["C1"], bare.id, MatchStatus.LINKED, 88.0)
    await catalog.link_store_product(by_ext["C3"], None, MatchStatus.REJECTED)
    claimed = {i.store_product_id: i for i in await catalog.claim_matches(2, 60)}
    assert set(claimed) == {by_ext["A3"], by_ext["B3"]}  # C2 stays pending
    await catalog.finish_matches(
        [
            MatchOutcome(claimed[by_ext["A3"]], QueueStatus.REVIEW, provisional=True),
            MatchOutcome(claimed[by_ext["B3"]], QueueStatus.REVIEW),
        ]
    )
    return {"A": a.id, "B": b.id, "C": c.id}


async def test_catalog_stats_of_the_marketplace_and_of_one_store(catalog):
    """By hand: A1, B1 show Cola (1000 + 500 bytes) and share it across stores A and B;
    B2 shows Soap (2000), which A2 is linked to but overrides with its own copy of
    Cola's first image (1000); A3 (provisional), B3 (review), C1 (Bare has no image),
    C2 (pending) and C3 (rejected) show nothing. Stored: three distinct originals."""
    started = datetime.now(UTC) - timedelta(seconds=5)
    stores = await _stats_catalog(catalog)
    every = await catalog.catalog_stats()
    assert (every.products, every.sharing, every.custom_image, every.without_image) == (
        9, 2, 1, 5,
    )  # fmt: skip
    assert (every.by_barcode, every.by_name, every.provisional) == (2, 3, 1)
    assert (every.suggested, every.review, every.unmatched, every.rejected) == (0, 1, 1, 1)
    assert (every.per_store_bytes, every.stored_bytes) == (1500 + 1500 + 2000 + 1000, 3500)
    assert every.storage_saved == pytest.approx(1 - 3500 / 6000)
    assert every.sharing_share == pytest.approx(2 / 9)
    assert (every.review_queue.depth, every.matcher_queue.depth) == (2, 1)
    for queue in (every.review_queue, every.matcher_queue):
        assert queue.oldest_at is not None
        assert started < queue.oldest_at < datetime.now(UTC) + timedelta(seconds=5)

    a = await catalog.catalog_stats(stores["A"])
    assert (a.products, a.sharing, a.custom_image, a.without_image) == (3, 1, 1, 1)
    assert (a.by_barcode, a.by_name, a.provisional, a.review) == (1, 1, 1, 0)
    assert (a.per_store_bytes, a.stored_bytes, a.storage_saved) == (2500, None, None)
    assert (a.review_queue.depth, a.matcher_queue.depth, a.matcher_queue.oldest_at) == (
        1, 0, None,
    )  # fmt: skip
    c = await catalog.catalog_stats(stores["C"])
    assert (c.products, c.sharing, c.without_image, c.per_store_bytes) == (3, 0, 3, 0)
    assert (c.by_name, c.unmatched, c.rejected) == (1, 1, 1)
    assert (c.review_queue.depth, c.matcher_queue.depth) == (0, 1)


async def test_catalog_stats_of_an_empty_catalog(catalog):
    empty = await catalog.catalog_stats()
    assert (empty.products, empty.per_store_bytes, empty.stored_bytes) == (0, 0, 0)
    assert empty.sharing_share is None and empty.storage_saved is None
    assert empty.review_queue.oldest_at is None


async def test_review_items_are_the_undecided_oldest_first_by_store(catalog):
    a, b = await catalog.create_store("A"), await catalog.create_store("B")
    names = ["Oats", "Cola", "Hose", "Tea", "Soap", "Lamp", "Mug"]
    synced = [
        await catalog.sync_products(a.id if i % 2 == 0 else b.id, [_item(f"x{i}", None, n)], {})
        for i, n in enumerate(names)
    ]
    pid = {n: r[0].product_id for n, r in zip(names, synced, strict=True)}
    target = await catalog.create_canonical_product(gtin=None, name="Target", brand=None)
    confirmed = await catalog.create_canonical_product(gtin=None, name="Kept", brand=None)
    claimed = {i.store_product_id: i for i in await catalog.claim_matches(6, lease_s=60)}
    ranked = ((target.id, 77.0), (confirmed.id, 51.5))
    before = datetime.now(UTC) - timedelta(seconds=5)
    recorded = await catalog.finish_matches(
        [
            MatchOutcome(claimed[pid["Oats"]], QueueStatus.SUGGESTED, None, 77.0, ranked),
            MatchOutcome(claimed[pid["Cola"]], QueueStatus.REVIEW, None, 30.0, ranked[1:]),
            MatchOutcome(claimed[pid["Hose"]], QueueStatus.REVIEW, provisional=True),
            MatchOutcome(claimed[pid["Tea"]], QueueStatus.DONE, target.id, 95.0, ranked),
            MatchOutcome(claimed[pid["Soap"]], QueueStatus.SUGGESTED, None, 72.0, ranked),
            MatchOutcome(claimed[pid["Lamp"]], QueueStatus.REVIEW, provisional=True),
        ]
    )
    assert all(recorded)  # "Mug" stays pending: not for a person yet
    # Settled without a person: a later sync brings Soap's GTIN; Lamp's provisional
    # product is merged into a confirmed one.
    await catalog.sync_products(a.id, [_item("x4", G1, "Soap")], {})
    lamp = await catalog.get_store_product(pid["Lamp"])
    await catalog.merge_canonical_products(lamp.canonical_product_id, confirmed.id)

    waiting = await catalog.review_items()
    assert [w.product.id for w in waiting] == [pid["Oats"], pid["Cola"], pid["Hose"]]
    assert [w.item.id for w in waiting] == sorted(w.item.id for w in waiting)
    oats, cola, hose = waiting
    assert (oats.item.status, oats.item.candidates, oats.item.confidence) == (
        QueueStatus.SUGGESTED,
        ranked,
        77.0,
    )
    assert oats.product == await catalog.get_store_product(pid["Oats"])
    assert (oats.product.store_name, oats.product.name) == ("A", "Oats")
    assert cola.item.status is QueueStatus.REVIEW and cola.product.store_id == b.id
    provisional = await catalog.get_canonical_product(hose.product.canonical_product_id)
    assert provisional.provisional and hose.item.status is QueueStatus.REVIEW
    for w in waiting:
        assert w.waiting_since.tzinfo is not None
        assert before < w.waiting_since < datetime.now(UTC) + timedelta(seconds=5)

    assert [w.product.id for w in await catalog.review_items(store_id=a.id)] == [
        pid["Oats"],
        pid["Hose"],
    ]
    assert [w.product.id for w in await catalog.review_items(store_id=b.id)] == [pid["Cola"]]
    page = await catalog.review_items(after_id=oats.item.id, limit=1)
    assert [w.product.id for w in page] == [pid["Cola"]]
    assert await catalog.review_items(store_id=a.id, after_id=hose.item.id) == []
    assert await catalog.count_review_items() == 3
    assert await catalog.count_review_items(store_id=a.id) == 2
    assert await catalog.count_review_items(store_id=b.id) == 1
    assert await catalog.count_review_items(store_id=10**9) == 0

    # A person's decision takes an item off the queue.
    await catalog.decide_match(oats.item, canonical_id=target.id, product_status=MatchStatus.LINKED)
    assert [w.product.id for w in await catalog.review_items()] == [pid["Cola"], pid["Hose"]]
    assert await catalog.count_review_items(store_id=a.id) == 1


async def test_canonical_primaries_name_a_product_that_shows_them(catalog):
    shown, custom_only, bare, unlinked = [
        await catalog.create_canonical_product(gtin=None, name=n, brand=None)
        for n in ("Shown", "Custom only", "Bare", "Unlinked")
    ]
    products = [await _store_product(catalog, f"p{i}") for i in range(4)]
    for product, canonical in zip(products, (shown, shown, custom_only, bare), strict=True):
        await catalog.link_store_product(product.id, canonical.id, MatchStatus.LINKED, 100.0)
    # The first product of `shown` has its own image on: it shows that, not the canonical's.
    await catalog.add_images(
        [_image(9, store_product_id=products[0].id)], use_custom_image=products[0].id
    )
    await catalog.add_images(
        [_image(10, store_product_id=products[2].id)], use_custom_image=products[2].id
    )
    _, second = [await catalog.add_image(_image(n, canonical_product_id=shown.id)) for n in (1, 2)]
    await catalog.set_primary_image(second.id)
    for canonical, n in ((custom_only, 3), (unlinked, 4)):
        await catalog.add_image(_image(n, canonical_product_id=canonical.id))

    ids = [shown.id, custom_only.id, bare.id, unlinked.id, 10**9]
    found = await catalog.canonical_primaries(ids)
    assert list(found) == [shown.id]
    picture = found[shown.id]
    assert (picture.product_id, picture.content_hash) == (products[1].id, second.content_hash)
    assert picture.version == second.version
    # The URL it stands for serves that image: the product's resolution shows it.
    resolution = await catalog.resolve(picture.product_id)
    assert resolution.shown(picture.version) is not None
    assert resolution.image.image_id == second.id
    assert await catalog.canonical_primaries([]) == {}


async def test_resolve_many_answers_as_resolving_each(catalog):
    """Custom, canonical, several images, none and unknown: one query gives what
    `resolve` gives for each, galleries included (primary first, each cut at 100)."""
    c = await catalog.create_canonical_product(gtin=None, name="A", brand=None)
    shared = await catalog.add_image(_image(1, canonical_product_id=c.id))
    await catalog.add_image(_image(2, canonical_product_id=c.id, is_primary=True))
    custom = await _store_product(catalog, "1")
    canonical = await _store_product(catalog, "2")
    bare = await _store_product(catalog, "3")
    for p in (custom, canonical):
        await catalog.link_store_product(p.id, c.id, MatchStatus.LINKED, 100.0)
    await catalog.add_image(_image(3, store_product_id=custom.id))
    await catalog.set_use_custom_image(custom.id, True)
    big = await catalog.create_canonical_product(gtin=None, name="B", brand=None)
    many = await _store_product(catalog, "4")
    await catalog.link_store_product(many.id, big.id, MatchStatus.LINKED, 100.0)
    for n in range(10, 10 + GALLERY_LIMIT + 2):
        await catalog.add_image(_image(n, canonical_product_id=big.id))

    ids = [custom.id, canonical.id, bare.id, 424242, many.id]
    found = await catalog.resolve_many(ids)
    assert set(found) == {custom.id, canonical.id, bare.id, many.id}
    for pid in found:
        assert found[pid] == await catalog.resolve(pid)
    assert len(found[many.id].gallery) == GALLERY_LIMIT
    assert found[bare.id].image is None
    assert shared.id in {i.image_id for i in found[canonical.id].gallery}
    assert await catalog.resolve_many([]) == {}


async def test_picture_facts_name_the_product_and_the_images_placeholder(catalog):
    c = await catalog.create_canonical_product(gtin=None, name="A", brand=None)
    with_placeholder = await catalog.add_image(
        replace(_image(1, canonical_product_id=c.id), placeholder="data:image/webp;base64,AAAA")
    )
    plain = await catalog.add_image(_image(2, canonical_product_id=c.id))
    p1 = await _store_product(catalog, "1")
    p2 = await _store_product(catalog, "2")
    facts = await catalog.picture_facts(
        [(p1.id, with_placeholder.id), (p2.id, plain.id), (424242, plain.id)]
    )
    assert facts == {
        p1.id: PictureFacts("Thing", "data:image/webp;base64,AAAA"),
        p2.id: PictureFacts("Thing", None),
    }
    assert (await catalog.picture_facts([(p1.id, 999_999)]))[p1.id].placeholder is None
    assert await catalog.picture_facts([]) == {}


# --- webhook outbox ------------------------------------------------------------------

T0 = datetime(2030, 1, 1, tzinfo=UTC)


def _delivery(n: int, store_id: int, product_id: int) -> NewDelivery:
    return NewDelivery(
        f"evt_{n}", "product.image_changed", store_id, product_id, "https://h.example/", f"{n}"
    )


async def test_webhook_changes_are_recorded_with_their_write_only_when_on(catalog):
    product = await _store_product(catalog)
    canonical = await catalog.create_canonical_product(gtin=None, name="Tea", brand=None)
    await catalog.link_store_product(product.id, canonical.id, MatchStatus.LINKED, 100.0)
    assert await catalog.claim_webhook_changes(10, now=T0, until=T0) == []  # off: none
    catalog.record_changes(True)
    await catalog.add_image(_image(1, canonical_product_id=canonical.id))
    await catalog.set_use_custom_image(product.id, True)
    store = await catalog.get_store_by_name("S")
    item = SyncItem("new", None, "00012345678905", "Milk")
    await catalog.sync_products(store.id, [item], {}, dry_run=True)  # rolled back: not told
    with pytest.raises(NotFoundError):  # a failed write records nothing either
        await catalog.set_use_custom_image(10**9, True)
    claimed = await catalog.claim_webhook_changes(10, now=T0, until=T0 + timedelta(seconds=30))
    assert [c.change for c in claimed] == [
        ResolutionChange(canonical_product_id=canonical.id),
        ResolutionChange(product_id=product.id),
    ]
    # Leased: nobody else gets them until the lease ends, then they come back.
    later = T0 + timedelta(seconds=29)
    assert await catalog.claim_webhook_changes(10, now=later, until=later) == []
    after = T0 + timedelta(seconds=31)
    again = await catalog.claim_webhook_changes(1, now=after, until=after + timedelta(seconds=30))
    assert [c.id for c in again] == [claimed[0].id]


async def test_webhook_products_expand_canonical_changes_and_remember_announcements(catalog):
    a = await _store_product(catalog, "a")
    b = await _store_product(catalog, "b", store="T")
    lone = await _store_product(catalog, "c")
    canonical = await catalog.create_canonical_product(gtin=None, name="Tea", brand=None)
    for p in (a, b):
        await catalog.link_store_product(p.id, canonical.id, MatchStatus.LINKED, 100.0)
    found = await catalog.webhook_products([lone.id], [canonical.id])
    assert [(w.id, w.store_id, w.external_id) for w in found] == [
        (a.id, a.store_id, "a"),
        (b.id, b.store_id, "b"),
        (lone.id, lone.store_id, "c"),
    ]
    assert not any(w.announced for w in found)
    assert await catalog.webhook_products([], []) == []
    catalog.record_changes(True)
    await catalog.set_use_custom_image(a.id, True)
    [change] = await catalog.claim_webhook_changes(5, now=T0, until=T0 + timedelta(seconds=9))
    await catalog.enqueue_webhooks(
        [change.id], [_delivery(1, a.store_id, a.id)], {a.id: "v1", lone.id: None}, now=T0
    )
    after = T0 + timedelta(seconds=10)
    assert await catalog.claim_webhook_changes(5, now=after, until=after) == []  # consumed
    shown = {w.id: (w.announced, w.announced_version) for w in await catalog.webhook_products(
        [a.id, b.id, lone.id], []
    )}  # fmt: skip
    assert shown == {a.id: (True, "v1"), b.id: (False, None), lone.id: (True, None)}
    await catalog.enqueue_webhooks([], [], {a.id: "v2"}, now=T0)
    [now_a] = await catalog.webhook_products([a.id], [])
    assert now_a.announced_version == "v2"


async def test_webhook_deliveries_are_claimed_when_due_fenced_and_retried(catalog):
    p = await _store_product(catalog)
    await catalog.enqueue_webhooks([], [_delivery(n, p.store_id, p.id) for n in (1, 2)], {}, now=T0)
    before = T0 - timedelta(seconds=1)
    assert await catalog.claim_webhook_deliveries(10, now=before, until=before) == []
    lease = T0 + timedelta(seconds=30)
    first, second = await catalog.claim_webhook_deliveries(10, now=T0, until=lease)
    assert (first.event_id, first.attempts, first.status) == ("evt_1", 1, DeliveryStatus.PENDING)
    assert first.next_attempt_at == lease and first.body == "1"
    assert first.created_at == T0 and first.delivered_at is None
    # A 500: pending again, due at the backoff time.
    retry = T0 + timedelta(seconds=10)
    assert await catalog.finish_webhook_delivery(
        first, DeliveryStatus.PENDING, next_attempt_at=retry, status_code=500, error="HTTP 500"
    )
    assert (
        await catalog.claim_webhook_deliveries(10, now=retry - timedelta(seconds=1), until=lease)
        == []
    )
    [again] = await catalog.claim_webhook_deliveries(10, now=retry, until=lease)
    assert (again.id, again.attempts, again.last_status_code) == (first.id, 2, 500)
    # The first claim's outcome arrives late: fenced off by the attempt number.
    assert not await catalog.finish_webhook_delivery(
        first, DeliveryStatus.DELIVERED, next_attempt_at=retry, status_code=200
    )
    assert await catalog.finish_webhook_delivery(
        again, DeliveryStatus.DELIVERED, next_attempt_at=retry, status_code=204, delivered_at=retry
    )
    # The second's sender died: its lease ends and it is claimed again.
    [back] = await catalog.claim_webhook_deliveries(
        10, now=lease + timedelta(seconds=1), until=lease
    )
    assert (back.id, back.attempts) == (second.id, 2)
    listed = await catalog.list_webhook_deliveries()
    assert [(d.event_id, d.status, d.delivered_at) for d in listed] == [
        ("evt_2", DeliveryStatus.PENDING, None),
        ("evt_1", DeliveryStatus.DELIVERED, retry),
    ]


async def test_webhook_deliveries_are_listed_by_store_and_status_newest_first(catalog):
    a = await _store_product(catalog, "a", store="A")
    b = await _store_product(catalog, "b", store="B")
    made = [_delivery(n, p.store_id, p.id) for n, p in enumerate((a, b, a), start=1)]
    await catalog.enqueue_webhooks([], made, {}, now=T0)
    everything = await catalog.list_webhook_deliveries()
    assert [d.event_id for d in everything] == ["evt_3", "evt_2", "evt_1"]
    mine = await catalog.list_webhook_deliveries(store_id=a.store_id)
    assert [d.event_id for d in mine] == ["evt_3", "evt_1"]
    page = await catalog.list_webhook_deliveries(store_id=a.store_id, before_id=mine[0].id)
    assert [d.event_id for d in page] == ["evt_1"]
    assert await catalog.list_webhook_deliveries(status=DeliveryStatus.FAILED) == []
    pending = await catalog.list_webhook_deliveries(status=DeliveryStatus.PENDING, limit=1)
    assert [d.event_id for d in pending] == ["evt_3"]
    # Pruning forgets finished deliveries created before the cut, never pending ones.
    outcome = {"evt_1": DeliveryStatus.DELIVERED, "evt_2": DeliveryStatus.FAILED}
    held = T0 + timedelta(days=2)  # evt_3's attempt: still under way at `later`
    for d in await catalog.claim_webhook_deliveries(10, now=T0, until=held):
        if d.event_id in outcome:
            await catalog.finish_webhook_delivery(d, outcome[d.event_id], next_attempt_at=T0)
    later = T0 + timedelta(days=1)
    await catalog.enqueue_webhooks([], [_delivery(4, a.store_id, a.id)], {}, now=later)
    [fourth] = await catalog.claim_webhook_deliveries(10, now=later, until=later)
    await catalog.finish_webhook_delivery(fourth, DeliveryStatus.DELIVERED, next_attempt_at=later)
    await catalog.prune_webhook_deliveries(later)
    kept = await catalog.list_webhook_deliveries()
    assert [d.event_id for d in kept] == ["evt_4", "evt_3"]


async def test_concurrent_webhook_claims_never_share_a_delivery_or_change(catalog):
    p = await _store_product(catalog)
    await catalog.enqueue_webhooks(
        [], [_delivery(n, p.store_id, p.id) for n in range(6)], {}, now=T0
    )
    catalog.record_changes(True)
    for _ in range(6):
        await catalog.set_use_custom_image(p.id, True)
    until = T0 + timedelta(seconds=30)
    left, right = await asyncio.gather(
        catalog.claim_webhook_deliveries(4, now=T0, until=until),
        catalog.claim_webhook_deliveries(4, now=T0, until=until),
    )
    assert len(left) + len(right) == 6 and not {d.id for d in left} & {d.id for d in right}
    # Changes: one dispatcher at a time, whoever claims first; the rest wait for its lease.
    mine, theirs = await asyncio.gather(
        catalog.claim_webhook_changes(4, now=T0, until=until),
        catalog.claim_webhook_changes(4, now=T0, until=until),
    )
    assert sorted([len(mine), len(theirs)]) == [0, 4]
    assert await catalog.claim_webhook_changes(4, now=T0, until=until) == []
    taken = mine or theirs
    await catalog.enqueue_webhooks([c.id for c in taken], [], {}, now=T0)  # done with them
    rest = await catalog.claim_webhook_changes(4, now=T0, until=until)
    assert len(rest) == 2 and not {c.id for c in rest} & {c.id for c in taken}


async def test_store_webhook_endpoints_are_set_replaced_listed_and_removed(catalog):
    a = await catalog.create_store("A")
    b = await catalog.create_store("B")
    first = await catalog.set_store_webhook(a.id, "https://a.example/hook", "whsec_1")
    assert (first.store_id, first.url, first.secret) == (a.id, "https://a.example/hook", "whsec_1")
    again = await catalog.set_store_webhook(a.id, "https://a.example/v2", "whsec_2")
    assert (again.url, again.secret) == ("https://a.example/v2", "whsec_2")
    assert await catalog.store_webhooks([a.id, b.id, 10**9]) == {a.id: again}
    assert await catalog.store_webhooks([]) == {}
    with pytest.raises(NotFoundError):
        await catalog.set_store_webhook(10**9, "https://x.example/", "whsec_3")
    assert await catalog.delete_store_webhook(a.id)
    assert not await catalog.delete_store_webhook(a.id)
    assert await catalog.store_webhooks([a.id]) == {}
    p = await _store_product(catalog, store="A")
    own = replace(_delivery(1, p.store_id, p.id), store_endpoint=True)
    await catalog.enqueue_webhooks([], [own, _delivery(2, p.store_id, p.id)], {}, now=T0)
    listed = await catalog.list_webhook_deliveries()
    assert [(d.event_id, d.store_endpoint) for d in listed] == [("evt_2", False), ("evt_1", True)]
