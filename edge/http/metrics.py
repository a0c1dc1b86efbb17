"""`GET /metrics`: Prometheus text, read from the running parts at scrape time.

The counters live where the work happens (cache stats, resolver, render pool); a custom
prometheus_client collector reports them, so the hot path pays one integer add per event.
The catalog's figures (the dashboard's, `edge.application.stats`) are read at scrape time
from a short cache, computed by one scrape at a time; they are left out while the catalog
cannot answer, and the rest is still reported.

Histograms (request and render durations, render queue waits) are `edge.instruments`
families owned by the parts that observe them; the request metrics are the app's
(`edge.http.observe.HttpMetrics`). The matcher worker is another process: `imgedge
worker` serves its own counters on `IMGEDGE_METRICS_PORT` (`worker_registry`).
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    ProcessCollector,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from starlette.datastructures import State
from starlette.requests import Request
from starlette.responses import Response

from edge.application.stats import Figures
from edge.errors import Unavailable
from edge.heap import malloc_arenas
from edge.http.observe import HttpMetrics
from edge.imaging.variants import Variants
from edge.services import Services


class EdgeCollector(Collector):
    def __init__(
        self, svc: Services, figures: Figures | None = None, http: HttpMetrics | None = None
    ) -> None:
        self._svc = svc
        self._figures = figures
        self._http = http

    def collect(self) -> Iterator[Metric]:
        svc = self._svc
        # Which process answered: with IMGEDGE_WORKERS > 1 each worker has its own figures.
        yield GaugeMetricFamily("imgedge_process_id", "This edge process's PID", os.getpid())
        events = CounterMetricFamily(
            "imgedge_variant_cache_events",
            "Variant cache lookups by tier and outcome",
            labels=["event"],
        )
        for event, count in sorted(svc.cache.stats.items()):
            events.add_metric([event], count)
        yield events
        yield from tier_metrics(svc)
        if self._http is not None:
            yield from self._http.collect()
        yield CounterMetricFamily(
            "imgedge_renders", "Variant renders started", value=svc.variants.renders
        )
        yield svc.variants.render_seconds.collect()
        if svc.heap is not None:
            yield CounterMetricFamily(
                "imgedge_heap_trims",
                "Heap returned to the OS: RSS past start + memory tier + render budget",
                value=svc.heap.trims,
            )
            arenas = malloc_arenas()
            if arenas is not None:
                yield GaugeMetricFamily(
                    "imgedge_malloc_arenas",
                    "glibc malloc arenas (IMGEDGE_MALLOC_ARENA_MAX)",
                    arenas,
                )
        yield from admission_metrics(svc.variants)
        yield CounterMetricFamily(
            "imgedge_resolution_queries",
            "Catalog queries for resolutions (one per product, or per page of products)",
            value=svc.resolver.queries,
        )
        resolutions = CounterMetricFamily(
            "imgedge_resolution_cache_lookups",
            "Products looked up in the in-process resolution cache: hit (within its TTL) "
            "or miss (asked of the catalog, or stale)",
            labels=["result"],
        )
        resolutions.add_metric(["hit"], svc.resolver.hits)
        resolutions.add_metric(["miss"], svc.resolver.misses)
        yield resolutions
        sync = CounterMetricFamily(
            "imgedge_sync_items",
            "Items of store sync pushes, by outcome: linked (by GTIN), queued (for the "
            "matcher), kept (unchanged link), invalid (refused, the item's error answered)",
            labels=["outcome"],
        )
        for outcome in SYNC_OUTCOMES:
            sync.add_metric([outcome], svc.sync.outcomes[outcome])
        yield sync
        yield CounterMetricFamily(
            "imgedge_stale_resolutions",
            "Answers from a resolution past its TTL, served while the catalog was down",
            value=svc.resolver.stale_served,
        )
        yield GaugeMetricFamily(
            "imgedge_memory_cache_bytes", "Bytes held by the memory tier",
            value=svc.cache.memory.current_bytes,
        )  # fmt: skip
        shared = GaugeMetricFamily(
            "imgedge_shared_cache_up", "1 when the shared cache tier answers", labels=["tier"]
        )
        if svc.cache.shared is not None:
            shared.add_metric([svc.cache.shared.name], 1.0 if svc.cache.shared_up else 0.0)
        yield shared
        yield GaugeMetricFamily(
            "imgedge_shared_cache_pending_writes",
            "Fresh variants answered whose shared-tier write is still running (write-behind)",
            value=svc.cache.pending_writes,
        )
        if self._figures is not None:
            yield from catalog_metrics(self._figures)


SYNC_OUTCOMES = ("linked", "queued", "kept", "invalid")


def tier_metrics(svc: Services) -> Iterator[Metric]:
    """Lookups per tier and result, so `hit / (hit + miss)` is each tier's hit ratio (a
    shared lookup happens only after a memory miss)."""
    stats = svc.cache.stats
    lookups = CounterMetricFamily(
        "imgedge_cache_lookups",
        "Variant cache lookups by tier (memory, disk, redis) and result (hit, miss)",
        labels=["tier", "result"],
    )
    tiers = [("memory", "memory")]
    if svc.cache.shared is not None:
        tiers.append((svc.cache.shared.name, "shared"))
    for tier, prefix in tiers:
        lookups.add_metric([tier, "hit"], stats[f"{prefix}_hit"])
        lookups.add_metric([tier, "miss"], stats[f"{prefix}_miss"])
    yield lookups


def _gauge(name: str, documentation: str, value: float | None) -> Iterator[Metric]:
    if value is not None:  # a share of nothing is not reported (no NaN)
        yield GaugeMetricFamily(name, documentation, value=value)


def catalog_metrics(figures: Figures) -> Iterator[Metric]:
    """The marketplace's figures as gauges (targets: 0.70 sharing, 0.50 storage saved)."""
    s = figures.stats
    yield GaugeMetricFamily("imgedge_store_products", "Store products", value=s.products)
    yield GaugeMetricFamily(
        "imgedge_store_products_sharing_images",
        "Store products showing a canonical product's images another store's product shows",
        value=s.sharing,
    )
    yield from _gauge(
        "imgedge_image_sharing_ratio",
        "Share of store products sharing their images with another store (target 0.70)",
        s.sharing_share,
    )
    shown = GaugeMetricFamily(
        "imgedge_store_products_by_image", "Store products by the image they show",
        labels=["image"],
    )  # fmt: skip
    for label, count in (
        ("canonical", s.products - s.custom_image - s.without_image),
        ("custom", s.custom_image),
        ("none", s.without_image),
    ):
        shown.add_metric([label], count)
    yield shown
    matched = GaugeMetricFamily(
        "imgedge_store_products_by_match", "Store products by how they were matched",
        labels=["match"],
    )  # fmt: skip
    for label in ("by_barcode", "by_name", "provisional", "suggested", "review", "unmatched",
                  "rejected"):  # fmt: skip
        matched.add_metric([label], getattr(s, label))
    yield matched
    if s.stored_bytes is not None:
        yield GaugeMetricFamily(
            "imgedge_originals_bytes", "Bytes of originals stored, once per content",
            value=s.stored_bytes,
        )  # fmt: skip
    yield GaugeMetricFamily(
        "imgedge_per_store_copies_bytes",
        "Bytes the shown images would take if every store product kept its own copies",
        value=s.per_store_bytes,
    )
    yield from _gauge(
        "imgedge_storage_saved_ratio",
        "1 - originals bytes / per-store copies bytes (target 0.50)",
        s.storage_saved,
    )
    yield from queue_metrics(figures)


def queue_metrics(figures: Figures) -> Iterator[Metric]:
    """The review and matcher queues: depth and the oldest item's age."""
    s = figures.stats
    depth = GaugeMetricFamily(
        "imgedge_match_queue_depth", "Match queue items waiting, by whom they wait for",
        labels=["queue"],
    )  # fmt: skip
    age = GaugeMetricFamily(
        "imgedge_match_queue_oldest_age_seconds",
        "How long the oldest waiting item has waited (0: none waits)",
        labels=["queue"],
    )
    for label, queue in (("review", s.review_queue), ("matcher", s.matcher_queue)):
        depth.add_metric([label], queue.depth)
        age.add_metric([label], figures.age_s(queue) or 0.0)
    yield depth
    yield age


def admission_metrics(variants: Variants) -> Iterator[Metric]:
    """The render lanes (edge/imaging/admission.py) and the failure memory."""
    lanes = variants.admission.lanes
    per_lane: list[tuple[type[GaugeMetricFamily | CounterMetricFamily], str, str, str]] = [
        (GaugeMetricFamily, "imgedge_render_running", "Renders admitted and running", "running"),
        (GaugeMetricFamily, "imgedge_render_queued", "Renders waiting for admission", "queued"),
        (GaugeMetricFamily, "imgedge_render_held_bytes", "Estimated memory of running renders",
         "held"),
        (CounterMetricFamily, "imgedge_render_admitted", "Renders admitted", "admitted"),
        (CounterMetricFamily, "imgedge_render_refused",
         "Renders refused: queue full, no room in time, or over the lane's budget", "refused"),
    ]  # fmt: skip
    for family_type, name, documentation, attr in per_lane:
        family = family_type(name, documentation, labels=["lane"])
        for lane in lanes:
            family.add_metric([lane.name], getattr(lane, attr))
        yield family
    yield variants.admission.wait_seconds.collect()
    yield CounterMetricFamily(
        "imgedge_renders_dropped",
        "Queued renders dropped because every request waiting for them went away",
        value=variants.dropped,
    )
    yield CounterMetricFamily(
        "imgedge_render_failures_remembered", "Render failures remembered",
        value=variants.failures.remembered,
    )  # fmt: skip
    yield CounterMetricFamily(
        "imgedge_render_failures_repeated", "Requests answered from the failure memory",
        value=variants.failures.repeated,
    )  # fmt: skip
    yield from background_metrics(variants)


def background_metrics(variants: Variants) -> Iterator[Metric]:
    """Renders nobody waits for (edge/imaging/background.py) and AVIF fallbacks."""
    background = variants.background
    yield CounterMetricFamily(
        "imgedge_avif_fallbacks", "Answers that stood in for an AVIF not cached yet",
        value=variants.fallbacks,
    )  # fmt: skip
    yield GaugeMetricFamily(
        "imgedge_background_queued", "Background renders waiting", value=background.queued
    )
    for name, documentation, value in (
        ("scheduled", "Background renders queued (AVIF after a fallback, warming)",
         background.scheduled),
        ("dropped", "Background renders dropped: their queue was full", background.dropped),
        ("failed", "Background renders that failed", background.failed),
    ):  # fmt: skip
        yield CounterMetricFamily(f"imgedge_background_{name}", documentation, value=value)


def registry_for(
    svc: Services, figures: Figures | None = None, http: HttpMetrics | None = None
) -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(EdgeCollector(svc, figures, http))
    ProcessCollector(registry=registry)  # process_resident_memory_bytes, CPU seconds, fds
    return registry


async def metrics(request: Request) -> Response:
    return Response(await render_metrics(request.app.state), media_type=CONTENT_TYPE_LATEST)


async def render_metrics(state: State) -> bytes:
    """The edge's metrics from an app's state (its services and request metrics), for
    `/metrics` on the main port or on `IMGEDGE_METRICS_PORT`. A registry per scrape: a
    handful of metrics, and no global state to share."""
    svc: Services | None = getattr(state, "services", None)
    if svc is None:  # the metrics port listens before the services are open
        raise Unavailable("imgedge is starting")
    http: HttpMetrics | None = getattr(state, "http_metrics", None)
    return generate_latest(registry_for(svc, await svc.stats.marketplace_or_none(), http))


# Worker outcomes (`matcher.worker.MatchWorker.stats`) reported per item.
WORKER_OUTCOMES = ("link", "suggest", "review", "skipped", "retried", "failed", "lease_lost")


class WorkerCollector(Collector):
    """A matcher worker's counters, and the queues' depth and age from the catalog."""

    def __init__(self, stats: Counter[str], figures: Figures | None) -> None:
        self._stats = stats
        self._figures = figures

    def collect(self) -> Iterator[Metric]:
        stats = self._stats
        items = CounterMetricFamily(
            "imgedge_matcher_items",
            "Match queue items this worker handled, by outcome: link, suggest, review, "
            "skipped (gone or linked meanwhile), retried, failed (out of attempts), "
            "lease_lost (its lease ran out first; another claim has it)",
            labels=["outcome"],
        )
        for outcome in WORKER_OUTCOMES:
            items.add_metric([outcome], stats[outcome])
        yield items
        yield CounterMetricFamily(
            "imgedge_matcher_lease_expiries",
            "Items whose lease ran out before this worker recorded them",
            value=stats["lease_lost"],
        )
        yield CounterMetricFamily(
            "imgedge_matcher_catalog_errors",
            "Times the worker paused because the catalog did not answer",
            value=stats["catalog_errors"],
        )
        if self._figures is not None:
            yield from queue_metrics(self._figures)


def worker_registry(stats: Counter[str], figures: Figures | None) -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(WorkerCollector(stats, figures))
    return registry
