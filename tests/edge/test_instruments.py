"""`edge.instruments`: buckets are `le` (a value on a bound counts in it), cumulative when
collected, one child per label values."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.registry import Collector

from edge.instruments import HistogramFamily


class _One(Collector):
    def __init__(self, family: HistogramFamily) -> None:
        self.family = family

    def collect(self):  # type: ignore[no-untyped-def]
        yield self.family.collect()


def test_observations_land_in_their_le_bucket_and_collect_cumulatively():
    family = HistogramFamily("t_seconds", "test", ("lane",), bounds=(0.1, 1.0))
    light = family.child("light")
    assert family.child("light") is light  # kept: callers may hold it
    for value in (0.05, 0.1, 0.5, 1.0, 7.0):
        light.observe(value)
    family.child("heavy").observe(2.0)
    registry = CollectorRegistry()
    registry.register(_One(family))
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for f in text_string_to_metric_families(generate_latest(registry).decode())
        for s in f.samples
    }
    bucket = "t_seconds_bucket"
    assert samples[(bucket, (("lane", "light"), ("le", "0.1")))] == 2  # 0.05 and 0.1
    assert samples[(bucket, (("lane", "light"), ("le", "1.0")))] == 4
    assert samples[(bucket, (("lane", "light"), ("le", "+Inf")))] == 5
    assert samples[("t_seconds_count", (("lane", "light"),))] == 5
    assert samples[("t_seconds_sum", (("lane", "light"),))] == 8.65
    assert samples[(bucket, (("lane", "heavy"), ("le", "1.0")))] == 0
    assert dict(family.counts()) == {("heavy",): 1, ("light",): 5}
