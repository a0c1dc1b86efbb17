"""Store products and their canonical links: one link, and a store's sync batch."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

from catalog import rows
from catalog.connector import Session
from catalog.errors import ConflictError, NotFoundError
from catalog.gtin import global_gtin
from catalog.models import (
    CanonicalProduct,
    MatchStatus,
    ResolutionChange,
    SyncItem,
    SyncOutcome,
    SyncResult,
)
from catalog.names import normalize_name
from catalog.sql import json_param


async def lock_canonicals(
    s: Session, ids: Iterable[int | None], *, query: str = "lock_canonicals"
) -> set[int]:
    """Lock canonical rows, in id order, before any store product row: the one lock
    order of every path that links products (no deadlocks between them). Returns the
    ids that exist."""
    wanted = sorted({i for i in ids if i is not None})
    if not wanted:
        return set()
    return {row["id"] for row in await s.all(query, ids=json_param(wanted))}


async def link(
    s: Session,
    product_id: int,
    canonical_id: int | None,
    status: MatchStatus,
    confidence: float | None,
) -> int | None:
    """Set a product's link; product counts move by deltas. Returns the canonical
    product it was linked to before."""
    row = await s.one("get_store_product", product_id=product_id)
    if row is None:
        raise NotFoundError(f"store product {product_id} does not exist")
    seen = rows.store_product(row).canonical_product_id
    locked = await lock_canonicals(s, (seen, canonical_id) if seen != canonical_id else ())
    if canonical_id is not None and seen != canonical_id and canonical_id not in locked:
        raise NotFoundError(f"canonical product {canonical_id} does not exist")
    now = await s.all("lock_store_products", product_ids=json_param([product_id]))
    if not now:
        raise NotFoundError(f"store product {product_id} does not exist")
    previous: int | None = now[0]["canonical_product_id"]
    if previous != seen and previous != canonical_id:  # relinked meanwhile (rare)
        # The target too: nothing was locked for it when the link read was already it.
        locked |= await lock_canonicals(s, {previous, canonical_id} - locked)
        if canonical_id is not None and canonical_id not in locked:
            raise NotFoundError(f"canonical product {canonical_id} does not exist")
    await s.run(
        "link_store_product",
        product_id=product_id,
        canonical_id=canonical_id,
        status=str(status),
        confidence=confidence,
    )
    if previous == canonical_id:
        return previous
    deltas = {cid: d for cid, d in ((previous, -1), (canonical_id, 1)) if cid is not None}
    counts = [{"id": c, "delta": d} for c, d in sorted(deltas.items())]
    await s.run("add_product_counts", deltas=json_param(counts))
    s.notify(ResolutionChange(product_id=product_id))
    return previous


async def sync(
    s: Session, store_id: int, items: Sequence[SyncItem], known: Mapping[str, int]
) -> list[SyncResult]:
    """Upsert a batch; link GTINs (creating canonical products), queue the rest.

    `known` maps GTINs to canonical ids the caller already knows (its in-memory map),
    saving their lookups. A handful of set-based statements, whatever the batch size.
    Locks follow `lock_canonicals`: new canonical products (sorted by GTIN), then the
    canonical rows whose counts move (by id), then the store's product rows.
    """
    canonical_of, created = await _canonicals_for(s, items, known)
    relinked = await _relinked(s, store_id, items, canonical_of)
    locked = await lock_canonicals(s, relinked)
    gone = {g for g, cid in canonical_of.items() if cid in relinked and cid not in locked}
    if gone:  # merged away since the caller's map learnt it: ask the catalog again
        again, made = await _canonicals_for(s, [i for i in items if _linking_gtin(i) in gone], {})
        canonical_of.update(again)
        created |= made
        locked |= await lock_canonicals(s, again.values())
    upserted = await s.all(
        "sync_upsert_products", store_id=store_id, items=json_param(_sync_rows(items))
    )
    # external id → (product id, canonical link before this sync)
    before = {r["external_id"]: (r["id"], r["canonical_product_id"]) for r in upserted}
    results: list[SyncResult] = []
    links, queue = [], []
    deltas: Counter[int] = Counter()
    for item in items:
        product_id, previous = before[item.external_id]
        if (gtin := _linking_gtin(item)) is not None:
            cid = canonical_of[gtin]
            if previous != cid:
                links.append({"id": product_id, "canonical_id": cid})
                s.notify(ResolutionChange(product_id=product_id))
                deltas[cid] += 1
                if previous is not None:
                    deltas[previous] -= 1
            outcome = SyncOutcome.LINKED
        elif previous is not None:
            cid, outcome = previous, SyncOutcome.KEPT
        else:
            cid, outcome = None, SyncOutcome.QUEUED
            queue.append(product_id)
        results.append(SyncResult(item.external_id, product_id, cid, outcome, item.gtin in created))
    if set(deltas) - locked:  # a link changed between the read and the upsert (rare)
        await lock_canonicals(s, set(deltas) - locked)
    if links:
        await s.run("sync_link_products", links=json_param(links))
    counts = [{"id": cid, "delta": d} for cid, d in sorted(deltas.items()) if d]
    if counts:
        await s.run("add_product_counts", deltas=json_param(counts))
    if queue:
        await s.run("enqueue_matches", product_ids=json_param(queue))
        s.notify_work()
    # Last: concurrent batches of one store wait on this row only until the first commits.
    await s.run("touch_store_sync", store_id=store_id)
    return results


async def _relinked(
    s: Session, store_id: int, items: Sequence[SyncItem], canonical_of: Mapping[str, int]
) -> set[int]:
    """The canonical products whose product counts this sync will move, as the store's
    products are linked now: each linking item's target and its current link, where
    they differ. Unchanged links lock nothing, so stores re-sending their catalog do
    not queue behind each other."""
    target = {i.external_id: canonical_of[g] for i in items if (g := _linking_gtin(i)) is not None}
    if not target:
        return set()
    found = await s.all(
        "sync_current_links", store_id=store_id, external_ids=json_param(sorted(target))
    )
    current = {r["external_id"]: r["canonical_product_id"] for r in found}
    moved: set[int] = set()
    for external_id, cid in target.items():
        previous = current.get(external_id)
        if previous != cid:
            moved.add(cid)
            if previous is not None:
                moved.add(previous)
    return moved


async def _canonicals_for(
    s: Session, items: Sequence[SyncItem], known: Mapping[str, int]
) -> tuple[dict[str, int], set[str]]:
    """GTIN → canonical id for every GTIN in the batch, creating the missing ones."""
    linking = [(g, i) for i in items if (g := _linking_gtin(i)) is not None]
    canonical_of = {g: known[g] for g, _ in linking if g in known}
    first_seen: dict[str, SyncItem] = {}
    for gtin, item in linking:
        if gtin not in canonical_of:
            first_seen.setdefault(gtin, item)
    if not first_seen:
        return canonical_of, set()
    new = [
        {"gtin": g, "name": i.name, "normalized_name": normalize_name(i.name), "brand": i.brand}
        for g, i in sorted(first_seen.items())
    ]
    made = await s.all("sync_create_canonicals", items=json_param(new))
    created = {r["gtin"]: r["id"] for r in made}
    canonical_of.update(created)
    others = sorted(set(first_seen) - set(created))
    if others:  # created meanwhile by another sync (or before): look them up
        for r in await s.all("canonical_ids_by_gtin", gtins=json_param(others)):
            canonical_of[r["gtin"]] = r["id"]
    return canonical_of, set(created)


def _linking_gtin(item: SyncItem) -> str | None:
    """Only a code of global circulation links a product to a canonical product: an
    in-store or coupon code is stored with the product but may mean something else in
    another store (`catalog.gtin.circulation`)."""
    return global_gtin(item.gtin)


def _sync_rows(items: Sequence[SyncItem]) -> list[dict[str, str | float | None]]:
    return [
        {
            "external_id": i.external_id,
            "upc": i.upc,
            "gtin": i.gtin,
            "name": i.name,
            "brand": i.brand,
            "image_url": i.image_url,
            "model": i.model,
            "mpn": i.mpn,
            "category": i.category,
            "size": i.size,
            "price": i.price,
            "currency": i.currency,
        }
        for i in items
    ]


async def merge_canonical(s: Session, source_id: int, target_id: int) -> CanonicalProduct:
    """Fold canonical product `source_id` into `target_id`: its store products' links,
    its images (bytes the target has already are dropped: it keeps its own primary) and
    its GTIN move, nothing is lost; the source is deleted. Two different GTINs are two
    trade items: refused (ConflictError)."""
    if source_id == target_id:
        raise ConflictError("a canonical product cannot be merged into itself")
    await lock_canonicals(s, (source_id, target_id), query="lock_canonicals_to_delete")
    source_row = await s.one("get_canonical_product", canonical_id=source_id)
    target_row = await s.one("get_canonical_product", canonical_id=target_id)
    if source_row is None or target_row is None:
        missing = source_id if source_row is None else target_id
        raise NotFoundError(f"canonical product {missing} does not exist")
    source, target = rows.canonical(source_row), rows.canonical(target_row)
    if source.gtin and target.gtin and source.gtin != target.gtin:
        raise ConflictError(
            f"both have barcodes ({source.gtin}, {target.gtin}): two different trade items"
        )
    moved = await s.all("move_canonical_links", source_id=source_id, target_id=target_id)
    if moved:
        deltas = [{"id": target_id, "delta": len(moved)}]
        await s.run("add_product_counts", deltas=json_param(deltas))
    await s.run("delete_duplicate_canonical_images", source_id=source_id, target_id=target_id)
    counts = await s.one("next_canonical_sort_order", owner_id=target_id)
    offset, had = (counts["next_order"], counts["existing"]) if counts else (0, 0)
    await s.run("move_canonical_images", source_id=source_id, target_id=target_id, offset=offset)
    if not had:
        await s.run("promote_first_canonical", owner_id=target_id)
    await s.run("refresh_image_count", canonical_id=target_id)
    await s.run("move_canonical_decisions", source_id=source_id, target_id=target_id)
    await s.run("delete_canonical", canonical_id=source_id)  # frees its GTIN
    await s.run(
        "merge_canonical_facts",
        target_id=target_id,
        gtin=source.gtin,
        provisional=source.provisional and target.provisional,
    )
    s.notify(ResolutionChange(canonical_product_id=source_id))  # its products moved
    s.notify(ResolutionChange(canonical_product_id=target_id))  # its images may have
    merged = await s.one("get_canonical_product", canonical_id=target_id)
    assert merged is not None
    return rows.canonical(merged)
