"""Histograms the event loop updates in a few adds, reported at scrape time.

The edge counts where the work happens and a collector reads the counts when Prometheus
scrapes (`edge/http/metrics.py`). prometheus_client's own `Histogram` takes a lock and
walks its buckets on every observation and `labels()` checks and joins its values each
call (about 3 µs together, measured here); these are plain lists updated on the event
loop only (never from a render thread), with one child per label values kept in a dict,
so a request costs a dict lookup, a bisect and two adds.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator

from prometheus_client.core import HistogramMetricFamily

# Seconds: from a memory hit (well under a millisecond) to a render near its deadline.
LATENCY_BUCKETS = (
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
)  # fmt: skip


class Histogram:
    """One label set's buckets (not cumulative: `counts[i]` holds what fell in bucket i,
    the last one past every bound), sum and count."""

    __slots__ = ("bounds", "counts", "sum")

    def __init__(self, bounds: tuple[float, ...]) -> None:
        self.bounds = bounds
        self.counts = [0] * (len(bounds) + 1)
        self.sum = 0.0

    def observe(self, value: float) -> None:
        self.counts[bisect_left(self.bounds, value)] += 1  # first bound >= value: `le`
        self.sum += value

    @property
    def count(self) -> int:
        return sum(self.counts)


class HistogramFamily:
    """A histogram by label values; `child(*values)` is cached, so callers may keep it."""

    def __init__(
        self,
        name: str,
        documentation: str,
        labels: tuple[str, ...],
        bounds: tuple[float, ...] = LATENCY_BUCKETS,
    ) -> None:
        self.name = name
        self.documentation = documentation
        self.labels = labels
        self.bounds = bounds
        self.children: dict[tuple[str, ...], Histogram] = {}

    def child(self, *values: str) -> Histogram:
        found = self.children.get(values)
        if found is None:
            found = self.children[values] = Histogram(self.bounds)
        return found

    def collect(self) -> HistogramMetricFamily:
        family = HistogramMetricFamily(self.name, self.documentation, labels=self.labels)
        edges = [repr(b) for b in self.bounds] + ["+Inf"]
        for values, h in sorted(self.children.items()):
            running, buckets = 0, []
            for edge, n in zip(edges, h.counts, strict=True):
                running += n
                buckets.append((edge, running))
            family.add_metric(list(values), buckets, h.sum)
        return family

    def counts(self) -> Iterator[tuple[tuple[str, ...], int]]:
        """(label values, observations) per child: a counter of the same events."""
        for values, h in sorted(self.children.items()):
            yield values, h.count
