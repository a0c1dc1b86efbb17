"""imgedge's own numbers during a load test, from `GET /metrics` (Prometheus text).

The text is parsed generically (`prometheus_client.parser`) into samples; the figures
a performance engineer reads are computed from the differences between two scrapes
(start and end of the run, or of an interval) by the small table `FIGURES`: a title and
a function of the two scrapes. A figure whose metrics the edge does not export answers
None ("n/a"), so the table can name metrics other versions add (per-tier hit counters,
`imgedge_http_requests_total`, `imgedge_render_duration_seconds`) next to today's.

RSS: `process_resident_memory_bytes` when the edge exports it (prometheus_client's
process collector), else read from `/proc/<pid>/status` of the given edge PIDs (the
load generator on the same machine as the edges).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

Labels = frozenset[tuple[str, str]]


@dataclass(frozen=True)
class Scrape:
    """One scrape: every sample by (name, labels), and when it was taken."""

    at: float
    samples: dict[tuple[str, Labels], float]
    rss_bytes: float | None = None  # the edges' RSS summed (from /proc), if PIDs given

    def total(self, name: str, **match: str | tuple[str, ...]) -> float | None:
        """The sum of `name`'s samples whose labels match (a value, or one of a tuple):
        0 when `name` has samples but none match (a counter not incremented yet), None
        when the edge exports no `name` at all."""
        found = [
            (value, _matches(dict(labels), match))
            for (sample, labels), value in self.samples.items()
            if sample == name
        ]
        return sum(value for value, matched in found if matched) if found else None

    def by_label(self, name: str, label: str) -> dict[str, float]:
        out: dict[str, float] = {}
        for (sample, labels), value in self.samples.items():
            key = dict(labels).get(label)
            if sample == name and key is not None:
                out[key] = out.get(key, 0.0) + value
        return out


def _matches(labels: dict[str, str], match: dict[str, str | tuple[str, ...]]) -> bool:
    for key, want in match.items():
        allowed = want if isinstance(want, tuple) else (want,)
        if labels.get(key) not in allowed:
            return False
    return True


def parse(text: str, at: float | None = None, rss_bytes: float | None = None) -> Scrape:
    samples: dict[tuple[str, Labels], float] = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            samples[(s.name, frozenset(s.labels.items()))] = float(s.value)
    return Scrape(time.time() if at is None else at, samples, rss_bytes)


def rss_of(pids: Iterable[int]) -> float | None:
    """The summed VmRSS of these processes, in bytes (None: none readable)."""
    total, seen = 0.0, False
    for pid in pids:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                total += float(line.split()[1]) * 1024
                seen = True
    return total if seen else None


# --- the figures -----------------------------------------------------------------------

Figure = Callable[[Scrape, Scrape], float | str | None]


def delta(name: str, **match: str | tuple[str, ...]) -> Figure:
    def figure(a: Scrape, b: Scrape) -> float | None:
        before, after = a.total(name, **match), b.total(name, **match)
        return None if after is None else after - (before or 0.0)

    return figure


def ratio(hits: Figure, misses: Figure) -> Figure:
    def figure(a: Scrape, b: Scrape) -> float | None:
        h, m = hits(a, b), misses(a, b)
        if not isinstance(h, float) or not isinstance(m, float) or h + m <= 0:
            return None
        return h / (h + m)

    return figure


def per_second(of: Figure) -> Figure:
    def figure(a: Scrape, b: Scrape) -> float | None:
        value = of(a, b)
        return value / (b.at - a.at) if isinstance(value, float) and b.at > a.at else None

    return figure


def first(*figures: Figure) -> Figure:
    """The first figure that has a value (a newer metric, else today's)."""

    def figure(a: Scrape, b: Scrape) -> float | str | None:
        for f in figures:
            value = f(a, b)
            if value is not None:
                return value
        return None

    return figure


def split(name: str, label: str) -> Figure:
    """`name`'s increase per value of `label`, as `avif 12, jpeg 3`."""

    def figure(a: Scrape, b: Scrape) -> str | None:
        after, before = b.by_label(name, label), a.by_label(name, label)
        if not after:
            return None
        parts = [f"{k} {after[k] - before.get(k, 0.0):g}" for k in sorted(after)]
        return ", ".join(parts)

    return figure


def gauge(name: str, **match: str | tuple[str, ...]) -> Figure:
    """A gauge's value at the end (b)."""
    return lambda a, b: b.total(name, **match)


def rss(a: Scrape, b: Scrape) -> float | None:
    exported = b.total("process_resident_memory_bytes")
    return exported if exported is not None else b.rss_bytes


EVENTS = "imgedge_variant_cache_events_total"
LOOKUPS = "imgedge_cache_lookups_total"  # by tier and result (hit, miss)
RESOLUTIONS = "imgedge_resolution_cache_lookups_total"  # by result
# The matcher's decisions show in the catalog's figures: products leaving `unmatched`.
DECIDED = ("by_name", "provisional", "suggested", "review")

# (title, figure): what the report shows, in this order. Extend here.
FIGURES: list[tuple[str, Figure]] = [
    ("requests served (edge)", first(delta("imgedge_http_requests_total"))),
    ("memory tier hit ratio", first(
        ratio(delta(LOOKUPS, tier="memory", result="hit"),
              delta(LOOKUPS, tier="memory", result="miss")),
        ratio(delta(EVENTS, event="memory_hit"), delta(EVENTS, event="memory_miss")),
    )),
    ("shared tier hit ratio", first(
        ratio(delta(LOOKUPS, tier=("disk", "redis"), result="hit"),
              delta(LOOKUPS, tier=("disk", "redis"), result="miss")),
        ratio(delta(EVENTS, event="shared_hit"), delta(EVENTS, event="shared_miss")),
    )),
    ("variant hit ratio (any tier)", ratio(
        delta(EVENTS, event=("memory_hit", "shared_hit")), delta(EVENTS, event="shared_miss")
    )),
    ("shared tier errors/skips", delta(EVENTS, event=("shared_error", "shared_skipped"))),
    ("renders", first(
        delta("imgedge_render_duration_seconds_count"), delta("imgedge_renders_total")
    )),
    ("renders by format", split("imgedge_render_duration_seconds_count", "format")),
    ("render seconds (sum)", delta("imgedge_render_duration_seconds_sum")),
    ("renders admitted by lane", split("imgedge_render_admitted_total", "lane")),
    ("renders refused (queue full)", delta("imgedge_render_refused_total")),
    ("render queue wait (s, sum)", delta("imgedge_render_queue_wait_seconds_sum")),
    ("renders queued (now)", gauge("imgedge_render_queued")),
    ("resolution cache hit ratio", ratio(
        delta(RESOLUTIONS, result="hit"), delta(RESOLUTIONS, result="miss")
    )),
    ("resolution queries", delta("imgedge_resolution_queries_total")),
    ("resolution queries/s", per_second(delta("imgedge_resolution_queries_total"))),
    ("stale resolutions served", delta("imgedge_stale_resolutions_total")),
    ("matcher decisions", delta("imgedge_store_products_by_match", match=DECIDED)),
    ("matcher decisions/s", per_second(delta("imgedge_store_products_by_match", match=DECIDED))),
    ("matcher queue (now)", gauge("imgedge_match_queue_depth", queue="matcher")),
    ("review queue (now)", gauge("imgedge_match_queue_depth", queue="review")),
    ("store products (now)", gauge("imgedge_store_products")),
    ("edge RSS (MiB, now)", lambda a, b: None if (v := rss(a, b)) is None else v / 2**20),
]  # fmt: skip

# Gauges whose highest value over the scrapes the whole run's figures add.
PEAKS: list[tuple[str, Figure]] = [
    ("renders queued (peak)", gauge("imgedge_render_queued")),
    ("matcher queue (peak)", gauge("imgedge_match_queue_depth", queue="matcher")),
    ("edge RSS (MiB, peak)", lambda a, b: None if (v := rss(a, b)) is None else v / 2**20),
]

HIT_RATIO = "variant hit ratio (any tier)"  # the one the SLO file names `min_hit_ratio`


def figures(a: Scrape, b: Scrape) -> dict[str, float | str | None]:
    return {title: figure(a, b) for title, figure in FIGURES}


def shown(value: float | str | None) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, str):
        return value
    return f"{value:.3f}" if abs(value) < 10 and value != int(value) else f"{value:,.0f}"


@dataclass
class Series:
    """Scrapes of one run: the first, each interval's, the last."""

    scrapes: list[Scrape] = field(default_factory=list)
    start: int = 0  # the whole run's figures count from this scrape (after a warm-up)

    def add(self, scrape: Scrape) -> None:
        self.scrapes.append(scrape)

    def restart(self) -> None:
        """The whole run's figures count from the last scrape on (the intervals keep
        every scrape)."""
        self.start = max(0, len(self.scrapes) - 1)

    def whole_run(self) -> dict[str, float | str | None]:
        """The figures from the first scrape to the last, and the gauges' peaks over
        every scrape (`PEAKS`)."""
        counted = self.scrapes[self.start :]
        if len(counted) < 2:
            return {}
        result = figures(counted[0], counted[-1])
        for title, figure in PEAKS:
            values = [v for s in counted if isinstance(v := figure(s, s), float)]
            result[title] = max(values) if values else None
        return result

    def intervals(self) -> list[tuple[float, dict[str, float | str | None]]]:
        """(seconds since the first scrape, the interval's figures) per interval."""
        if not self.scrapes:
            return []
        start = self.scrapes[0].at
        return [
            (b.at - start, figures(a, b))
            for a, b in zip(self.scrapes, self.scrapes[1:], strict=False)
        ]
