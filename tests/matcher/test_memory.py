"""Curators' decisions remembered (`matcher.memory`): pure, then through the match
service on each catalog backend."""

from __future__ import annotations

from catalog.models import CuratorDecision, MatchStatus, SyncItem
from matcher.decision import decide
from matcher.memory import decision_key, remember
from matcher.reasons import AMBIGUOUS, CURATOR_CONFIRMED, CURATOR_REJECTED, SAME_STORE
from matcher.scoring import Scored, Thresholds
from matcher.service import MatchService, memory_key

T = Thresholds(scorer="learned")


def _said(canonical_id: int, confirmed: bool) -> CuratorDecision:
    return CuratorDecision("oats 1kg", "", canonical_id, confirmed)


def test_the_key_is_the_normalized_name_and_brand():
    assert decision_key("OATS, Rolled 1Kg!", "Bright-field") == ("oats rolled 1kg", "bright field")
    assert decision_key("Oats", None) == ("oats", "")


def test_a_confirmed_pair_links_even_unsearched_and_against_a_close_rival():
    scored = [Scored(1, 96.0), Scored(2, 93.0)]
    remembered = remember(scored, [_said(2, True)], T)
    assert remembered[0] == Scored(2, 100.0, (CURATOR_CONFIRMED,))
    decision = decide(remembered, T)
    assert (decision.kind, decision.best.canonical_product_id) == ("link", 2)
    # not among the candidates searched: it is added
    assert remember([Scored(1, 60.0)], [_said(7, True)], T)[0].canonical_product_id == 7
    # without the memory the rival made it ambiguous
    assert decide(scored, T).reason == AMBIGUOUS


def test_a_rejected_pair_never_links_nor_comes_first():
    remembered = remember([Scored(1, 99.0), Scored(2, 40.0)], [_said(1, False)], T)
    assert remembered[0] == Scored(1, 69.9, (CURATOR_REJECTED,))
    assert decide(remembered, T).kind == "review"
    # whatever thresholds are configured later
    low = Thresholds(auto_link=50.0, suggest=40.0, scorer="learned")
    assert decide(remember([Scored(1, 99.0)], [_said(1, False)], low), low).kind != "link"


def test_two_canonical_products_confirmed_for_one_name_are_ambiguous():
    remembered = remember([], [_said(1, True), _said(2, True)], T)
    decision = decide(remembered, T)
    assert (decision.kind, decision.reason) == ("suggest", AMBIGUOUS)


async def _synced(catalog, store: str, external_id: str, name: str):
    owner = await catalog.get_store_by_name(store) or await catalog.create_store(store)
    [result] = await catalog.sync_products(
        owner.id, [SyncItem(external_id, None, None, name)], known={}
    )
    return await catalog.get_store_product(result.product_id)


async def _decide(catalog, product, canonical_id, confirmed: bool, others=()):
    name, brand = memory_key(product)
    item = await catalog.get_match_item_for_product(product.id)
    decisions = [CuratorDecision(name, brand, c, False) for c in others]
    decisions.append(CuratorDecision(name, brand, canonical_id, confirmed))
    status = MatchStatus.LINKED if confirmed else MatchStatus.REJECTED
    await catalog.decide_match(
        item,
        canonical_id=canonical_id if confirmed else None,
        product_status=status,
        decisions=decisions,
    )


async def test_the_service_links_where_a_person_confirmed_and_not_where_one_rejected(catalog):
    service = MatchService(catalog, T)
    plain = await catalog.create_canonical_product(
        gtin=None, name="Brightfield Rolled Oats 1 kg", brand="Brightfield"
    )
    jumbo = await catalog.create_canonical_product(
        gtin=None, name="Brightfield Jumbo Rolled Oats 1 kg", brand="Brightfield"
    )
    first = await _synced(catalog, "A", "a1", "BRIGHTFIELD ROLLED OATS 1")
    await _decide(catalog, first, jumbo.id, True, others=[plain.id])
    # Another store's product named the same (up to case and punctuation) links there.
    second = await _synced(catalog, "B", "b1", "Brightfield rolled oats (1)")
    decision = await service.decide(second)
    assert (decision.kind, decision.canonical_id, decision.confidence) == ("link", jumbo.id, 100)
    [best, *rest] = await service.candidates(second)
    assert (best.canonical.id, best.reasons) == (jumbo.id, (CURATOR_CONFIRMED,))
    assert CURATOR_REJECTED in next(s for s in rest if s.canonical.id == plain.id).reasons
    [decided] = await service.decide_many([second])
    assert (decided.kind, decided.canonical_id) == ("link", jumbo.id)
    # The same store selling a second SKU under that name: a person decides.
    again = await _synced(catalog, "A", "a2", "Brightfield Rolled Oats 1")
    assert (await service.decide(again)).reason == SAME_STORE

    # A rejected pair: the product scored first is never linked again for that name.
    cola = await catalog.create_canonical_product(gtin=None, name="Acme Cola 12 oz", brand=None)
    before = await _synced(catalog, "A", "a3", "Acme Cola 12 oz")
    assert (await service.decide(before)).canonical_id == cola.id
    await _decide(catalog, before, cola.id, False)
    after = await _synced(catalog, "B", "b2", "ACME COLA 12 OZ")
    decision = await service.decide(after)
    assert decision.kind == "review" and decision.canonical_id is None
