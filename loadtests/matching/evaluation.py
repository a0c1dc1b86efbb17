"""Compares what the catalog decided with the truth: the report's rows."""

from __future__ import annotations

import json
import math
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from catalog.models import MatchStatus
from edge.services import Services
from matcher.scoring import score_candidates
from matcher.service import candidate

from .ambiguity import Ambiguity
from .marketplace import StoreItem
from .products import TrueProduct


@dataclass
class Outcome:
    item: StoreItem
    product_id: int
    via_gtin: bool  # linked at sync time by its barcode
    canonical_id: int | None = None
    status: str = ""
    confidence: float | None = None
    top: tuple[tuple[int, float], ...] = ()


@dataclass
class Report:
    backend: str
    rows: dict[str, str] = field(default_factory=dict)
    wrong: list[str] = field(default_factory=list)
    precision: float | None = None
    gtin_sync_rate: float | None = None
    auto_link: float | None = None  # the threshold the worker linked at
    # The name path in figures, for the threshold sweep: auto-links right / made,
    # recall, the share left for a person, the true product among the top 5.
    links: tuple[int, int] = (0, 0)
    recall: float = 0.0
    left_share: float = 0.0
    top5: float = 0.0


def pct(part: float, whole: float) -> str:
    return f"{part / whole:.1%}" if whole else "n/a"


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """95% Wilson score interval of a proportion k/n."""
    if n == 0:
        return 0.0, 1.0
    p = k / n
    centre = p + z * z / (2 * n)
    spread = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return (centre - spread) / (1 + z * z / n), (centre + spread) / (1 + z * z / n)


def ratio(part: int, whole: int) -> str:
    return f"{pct(part, whole)} ({part:,}/{whole:,})"


@dataclass
class Truth:
    """What the evaluation needs to know about the canonical catalog after the sync."""

    by_key: dict[int, TrueProduct]
    truth_of: dict[int, int]  # canonical id → true key
    seeded: set[int]  # canonical ids seeded from the truth (the rest a sync created)
    provisional: set[int] = field(default_factory=set)  # made by the worker
    # Every store product of the marketplace (for the ambiguity rows); none: no such rows.
    items: list[StoreItem] = field(default_factory=list)

    def __post_init__(self) -> None:
        # What a store product could have been linked to: seeded or made by a sync, and
        # the provisional products the worker made (for the stores that came after).
        self.canonical_of = {t: c for c, t in self.truth_of.items() if c not in self.provisional}

    def right(self, o: Outcome) -> bool:
        return o.canonical_id is not None and self.truth_of.get(o.canonical_id) == o.item.truth

    def exists(self, o: Outcome) -> bool:
        if o.item.truth in self.canonical_of:
            return True
        # A later store's product whose truth is a provisional product made before it.
        return o.status != "provisional" and o.canonical_id in self.provisional and self.right(o)


def sync_rows(outcomes: list[Outcome], truth: Truth, rows: dict[str, str]) -> None:
    gtin = [o for o in outcomes if o.via_gtin]
    rows["store products synced"] = f"{len(outcomes):,}"
    rows["  linked by GTIN at sync"] = ratio(len(gtin), len(outcomes))
    rows["  GTIN links correct"] = ratio(sum(map(truth.right, gtin)), len(gtin))
    rows["  queued for name matching"] = ratio(len(outcomes) - len(gtin), len(outcomes))


def name_rows(queued: list[Outcome], truth: Truth, report: Report) -> list[Outcome]:
    """Rows about the name path; returns the wrong auto-links."""
    rows = report.rows
    linked = [o for o in queued if o.status == MatchStatus.LINKED]
    right = [o for o in linked if truth.right(o)]
    wrong = [o for o in linked if not truth.right(o)]
    report.precision = len(right) / len(linked) if linked else None
    report.links = (len(right), len(linked))
    rows["name path: auto-linked (of queued)"] = ratio(len(linked), len(queued))
    low, high = wilson(len(right), len(linked))
    rows["  auto-link PRECISION (target ≥ 99%)"] = (
        f"{ratio(len(right), len(linked))} 95% CI {low:.1%}–{high:.1%}"
    )
    no_truth = sum(not truth.exists(o) for o in wrong)
    pos_named = sum(o.canonical_id not in truth.seeded for o in wrong)
    rows["    wrong: truth absent / POS-named target"] = f"{no_truth:,} / {pos_named:,}"
    findable = [o for o in queued if truth.exists(o)]
    rows["  recall (true canonical exists)"] = ratio(len(right), len(findable))
    recall = report.recall = len(right) / len(findable) if findable else 0.0
    precision = report.precision or 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    rows["  F1 of auto-links"] = f"{f1:.3f}"
    top1 = sum(bool(o.top) and truth.truth_of.get(o.top[0][0]) == o.item.truth for o in findable)
    top5 = sum(o.item.truth in {truth.truth_of.get(c) for c, _ in o.top} for o in findable)
    report.top5 = top5 / len(findable) if findable else 0.0
    rows["  top-1 / top-5 right (true canonical exists)"] = (
        f"{pct(top1, len(findable))} / {pct(top5, len(findable))}"
    )
    suggested = [o for o in queued if o.status == MatchStatus.SUGGESTED]
    rows["  suggested (of queued)"] = ratio(len(suggested), len(queued))
    with_truth = [o for o in suggested if truth.exists(o)]
    top1 = sum(bool(o.top) and o.top[0][0] == truth.canonical_of[o.item.truth] for o in with_truth)
    top5 = sum(truth.canonical_of[o.item.truth] in {c for c, _ in o.top} for o in with_truth)
    rows["    top suggestion right"] = ratio(top1, len(with_truth))
    rows["    true product in top 5"] = ratio(top5, len(with_truth))
    review = [o for o in queued if o.status == MatchStatus.REVIEW]
    provisional = [o for o in queued if o.status == "provisional"]
    rows["  review (of queued)"] = ratio(len(review), len(queued))
    rows["  provisional canonical made (of queued)"] = ratio(len(provisional), len(queued))
    left_for_people = review + provisional + suggested
    absent = sum(not truth.exists(o) for o in review + provisional)
    rows["    review + provisional: truly new products"] = ratio(
        absent, len(review) + len(provisional)
    )
    report.left_share = len(left_for_people) / len(queued) if queued else 0.0
    rows["  left for a person (suggest + review + provisional)"] = ratio(
        len(left_for_people), len(queued)
    )
    if truth.items:
        ambiguity_rows(Ambiguity(truth.by_key.values(), truth.items), findable, right, wrong, rows)
    calibration_rows(queued, truth, rows)
    left = len(queued) - len(linked) - len(suggested) - len(review) - len(provisional)
    rows["  failed or not processed"] = f"{left:,}"
    return wrong


def ambiguity_rows(
    ambiguity: Ambiguity,
    findable: list[Outcome],
    right: list[Outcome],
    wrong: list[Outcome],
    rows: dict[str, str],
) -> None:
    """What the names allow (`matching.ambiguity`): the true pairs another product's name
    reads the same as, and the recall over the others."""

    def unclear(o: Outcome) -> bool:
        return (
            ambiguity.identical(o.item)
            or ambiguity.one_code(o.item)
            or ambiguity.explained_as_well(o.item)
        )

    identical = sum(ambiguity.identical(o.item) for o in findable)
    loose = {o.product_id for o in findable + wrong if unclear(o)}
    rows["  ambiguity: name identical to another product's"] = ratio(identical, len(findable))
    rows["  ambiguity: its model code is another product's too"] = ratio(
        sum(ambiguity.one_code(o.item) for o in findable), len(findable)
    )
    rows["  ambiguity: another product explains it as well"] = ratio(
        sum(o.product_id in loose for o in findable), len(findable)
    )
    clear = [o for o in findable if o.product_id not in loose]
    linked_right = {o.product_id for o in right}
    rows["  recall over identifiable pairs"] = ratio(
        sum(o.product_id in linked_right for o in clear), len(clear)
    )
    wrong_clear = sum(o.product_id not in loose for o in wrong)
    right_clear = sum(o.product_id not in loose for o in right)
    rows["    precision over identifiable names"] = ratio(right_clear, right_clear + wrong_clear)
    rows["    wrong links on ambiguous names"] = ratio(len(wrong) - wrong_clear, len(wrong))
    rows["    wrong links whose code is another product's too"] = ratio(
        sum(ambiguity.one_code(o.item) for o in wrong), len(wrong)
    )


def calibration_rows(queued: list[Outcome], truth: Truth, rows: dict[str, str]) -> None:
    """Is a score of 90 right about 90% of the time? Per decile of the best candidate's
    score (as the worker recorded it), how often that candidate is the true product."""
    deciles: dict[int, list[int]] = {}
    for o in queued:
        if o.top:
            best, score = o.top[0]
            counts = deciles.setdefault(min(int(score // 10), 9), [0, 0])
            counts[0] += truth.truth_of.get(best) == o.item.truth
            counts[1] += 1
    rows["  calibration: best candidate right, by score"] = ""
    for decile, (right, total) in sorted(deciles.items(), reverse=True):
        rows[f"    score {decile * 10:>2}–{decile * 10 + 9:<3}"] = ratio(right, total)


def overall_rows(outcomes: list[Outcome], truth: Truth, rows: dict[str, str]) -> None:
    # Over the products whose true canonical product existed: a product that became a
    # provisional product of its own is "right" about itself but had nothing to find.
    findable = [o for o in outcomes if truth.exists(o)]
    rows["recall, GTIN + name"] = ratio(sum(map(truth.right, findable)), len(findable))
    in_use = Counter(o.canonical_id for o in outcomes if o.canonical_id is not None)
    n_linked = sum(in_use.values())
    ideal = len(outcomes) / len({o.item.truth for o in outcomes})
    rows["dedup: store products / canonical"] = (
        f"{n_linked / max(1, len(in_use)):.2f} ({n_linked:,}/{len(in_use):,}; "
        f"{ideal:.2f} if all linked right)"
    )


async def evaluate(
    svc: Services, outcomes: list[Outcome], truth: Truth, report: Report, show_wrong: int
) -> None:
    sync_rows(outcomes, truth, report.rows)
    wrong = name_rows([o for o in outcomes if not o.via_gtin], truth, report)
    overall_rows(outcomes, truth, report.rows)
    report.wrong = [await describe_wrong(svc, o, truth) for o in wrong[:show_wrong]]
    if len(wrong) > show_wrong:
        report.wrong.append(f"  ... and {len(wrong) - show_wrong} more (--show-wrong N)")


async def describe_wrong(svc: Services, o: Outcome, truth: Truth) -> str:
    """The store's name and brand, the canonical product it was linked to (with the reasons
    the scorer gives for that pair now) and the truth."""
    assert o.canonical_id is not None
    linked = await svc.catalog.get_canonical_product(o.canonical_id)
    assert linked is not None
    scored = score_candidates(  # by the scorer the worker used
        o.item.name,
        o.item.brand,
        None,
        [candidate(linked)],  # as the worker read it (provisional, store-named)
        thresholds=svc.matcher.thresholds,
    )
    reasons = ",".join(scored[0].reasons) if scored else ""
    origin = (
        " (created by a sync from a POS name)"
        if linked.store_named
        else " (provisional)"
        if linked.provisional
        else ""
    )
    where = "has a canonical" if truth.exists(o) else "no canonical yet"
    return (
        f"  {o.item.store}: {o.item.name!r} [brand {o.item.brand!r}] → {linked.name!r} "
        f"[brand {linked.brand!r}]{origin} score {o.confidence} ({reasons}); "
        f"truth {truth.by_key[o.item.truth].name!r} ({where})"
    )


def dump(path: Path, backend_name: str, outcomes: list[Outcome], truth: Truth) -> None:
    """One JSON line per outcome; `truth_canonical` is the true product's canonical id
    (None when it has none), so a reader can tell whether the search found it (`top`)."""
    truth_of = truth.truth_of
    with path.open("a") as f:
        for o in outcomes:
            record = {
                "backend": backend_name, "store": o.item.store, "name": o.item.name,
                "brand": o.item.brand, "upc": o.item.upc, "barcode": o.item.barcode_kind,
                "truth": o.item.truth, "via_gtin": o.via_gtin, "status": o.status,
                "canonical": o.canonical_id, "canonical_truth": truth_of.get(o.canonical_id or 0),
                "truth_canonical": truth.canonical_of.get(o.item.truth),
                "confidence": o.confidence, "top": o.top,
            }  # fmt: skip
            f.write(json.dumps(record) + "\n")
