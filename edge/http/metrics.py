"""`GET /metrics`: Prometheus text, read from the running parts at scrape time.

The counters live where the work happens (cache stats, resolver, render pool); a custom
prometheus_client collector reports them, so the hot path pays one integer add per event.
"""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from starlette.requests import Request
from starlette.responses import Response

from edge.http.routes import services
from edge.imaging.variants import Variants
from edge.services import Services


class EdgeCollector(Collector):
    def __init__(self, svc: Services) -> None:
        self._svc = svc

    def collect(self) -> Iterator[Metric]:
        svc = self._svc
        events = CounterMetricFamily(
            "imgedge_variant_cache_events",
            "Variant cache lookups by tier and outcome",
            labels=["event"],
        )
        for event, count in sorted(svc.cache.stats.items()):
            events.add_metric([event], count)
        yield events
        yield CounterMetricFamily(
            "imgedge_renders", "Variant renders started", value=svc.variants.renders
        )
        yield from admission_metrics(svc.variants)
        yield CounterMetricFamily(
            "imgedge_resolution_queries",
            "Product resolutions fetched from the catalog (resolution cache misses)",
            value=svc.resolver.queries,
        )
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


def registry_for(svc: Services) -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(EdgeCollector(svc))
    return registry


async def metrics(request: Request) -> Response:
    # A registry per scrape: a handful of metrics, and no global state to share.
    body = generate_latest(registry_for(services(request)))
    return Response(body, media_type=CONTENT_TYPE_LATEST)
