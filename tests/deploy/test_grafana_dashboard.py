"""`deploy/grafana/imgedge.json` against real scrapes: every metric its PromQL names, every
label it matches on, groups by or shows in a legend, exists in what the edge's `/metrics`
(after a miss, a hit, a sync) and a matcher worker's registry (after a drain) expose, so
a renamed metric or label fails here instead of leaving an empty panel."""

from __future__ import annotations

import json
import re
from pathlib import Path

from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from edge.http.auth import hash_token, new_store_key
from edge.http.metrics import worker_registry
from matcher.worker import MatchWorker, WorkerOptions

DASHBOARD = Path(__file__).resolve().parents[2] / "deploy" / "grafana" / "imgedge.json"
METRIC = re.compile(r"\b(imgedge_[a-z0-9_]+)(\{[^}]*\})?")
MATCHER_LABEL = re.compile(r"([a-z_]+)\s*(?:=~|!~|!=|=)")
BY = re.compile(r"\bby\s*\(([^)]*)\)")
LEGEND = re.compile(r"\{\{\s*([a-z_]+)\s*\}\}")


def labels_by_sample(text: str) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            found.setdefault(s.name, set()).update(s.labels)
    return found


def targets() -> list[tuple[str, str, str]]:
    """(panel title, expr, legend format) of every query."""
    dashboard = json.loads(DASHBOARD.read_text())
    return [
        (panel["title"], t["expr"], t.get("legendFormat", ""))
        for panel in dashboard["panels"]
        if panel["type"] != "row"
        for t in panel["targets"]
    ]


async def test_every_query_names_metrics_and_labels_that_are_scraped(
    client, build, services, settings
):
    product = await build.product()
    for _ in range(2):  # a miss, then a hit
        assert (await client.get(f"/img/{product.id}/small.webp")).status_code == 200
    key = new_store_key()
    await services.catalog.create_store("Shop", api_key_hash=hash_token(key))
    synced = await client.post(
        "/api/sync/products",
        json={"products": [{"external_id": "x", "name": "Garden hose 30 m"}]},
        headers={"authorization": f"Bearer {key}"},
    )
    assert synced.status_code == 200
    worker = MatchWorker(services.catalog, WorkerOptions.from_settings(settings))
    await worker.run(drain=True)
    edge = (await client.get("/metrics")).text
    figures = await services.stats.marketplace_or_none()
    scraped = labels_by_sample(edge)
    for name, labels in labels_by_sample(
        generate_latest(worker_registry(worker.stats, figures)).decode()
    ).items():
        scraped.setdefault(name, set()).update(labels)

    queries = targets()
    assert len(queries) >= 20
    for title, expr, legend in queries:
        metrics = METRIC.findall(expr)
        assert metrics, f"{title}: no imgedge metric in {expr}"
        available: set[str] = set()
        for name, matchers in metrics:
            assert name in scraped, f"{title}: {name} is not scraped"
            available |= scraped[name]
            for label in MATCHER_LABEL.findall(matchers):
                assert label in scraped[name], f"{title}: {name} has no label {label}"
        for group in BY.findall(expr):
            for label in (g.strip() for g in group.split(",")):
                assert label in available, f"{title}: no metric of {expr} has {label}"
        for label in LEGEND.findall(legend):
            assert label in available, f"{title}: legend {label} is not a label"


def test_the_dashboard_covers_what_an_operator_alerts_on():
    exprs = " ".join(expr for _, expr, _ in targets())
    for name in (
        "imgedge_http_requests_total",
        "imgedge_http_request_duration_seconds_bucket",
        "imgedge_cache_lookups_total",
        "imgedge_render_duration_seconds_bucket",
        "imgedge_render_queued",
        "imgedge_render_queue_wait_seconds_bucket",
        "imgedge_matcher_items_total",
        "imgedge_match_queue_depth",
        "imgedge_match_queue_oldest_age_seconds",
        "imgedge_sync_items_total",
    ):
        assert name in exprs, name
    for quantile in ("0.5", "0.95", "0.99"):
        assert f"histogram_quantile({quantile}, sum by (route, le)" in exprs
