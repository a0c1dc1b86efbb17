"""The load tests' pure parts: the browser's srcset pick, popularity, the /metrics
figures, the thresholds, the shapes."""

from __future__ import annotations

import random
from collections import Counter
from types import SimpleNamespace

import pytest

from loadtests.scenarios.catalog import Zipf, parse_catalog
from loadtests.server_metrics import HIT_RATIO, Series, figures, parse
from loadtests.shapes import ramp, spike
from loadtests.slo import judge, load_slo
from loadtests.srcset import browser_pick, css_px, pick

PICTURE = {
    "sources": [
        {
            "type": "image/avif",
            "srcset": "/img/1/thumbnail.avif?v=a 150w, /img/1/small.avif?v=a 400w",
        },
        {
            "type": "image/webp",
            "srcset": "/img/1/thumbnail.webp?v=a 150w, /img/1/small.webp?v=a 400w",
        },
    ],
    "srcset": "/img/1/thumbnail.jpg?v=a 150w, /img/1/small.jpg?v=a 400w",
}


def test_browser_picks_its_format_and_density() -> None:
    chrome = "image/avif,image/webp,image/apng,*/*;q=0.8"
    assert browser_pick(PICTURE, "150px", chrome, 1440, 1.0) == ("/img/1/thumbnail.avif?v=a", 150)
    assert browser_pick(PICTURE, "150px", chrome, 412, 2.625) == ("/img/1/small.avif?v=a", 400)
    assert browser_pick(PICTURE, "150px", "image/webp,*/*", 390, 1)[0].endswith(".webp?v=a")
    assert browser_pick(PICTURE, "150px", "*/*", 390, 1)[0] == "/img/1/thumbnail.jpg?v=a"
    assert pick("/a 150w, /b 400w", 900) == ("/b", 400)  # none wide enough: the largest
    assert css_px("(max-width: 800px) 100vw, 800px", 390) == 390
    assert css_px("(max-width: 800px) 100vw, 800px", 1440) == 800


def test_zipf_has_a_hot_head_and_a_long_tail() -> None:
    zipf = Zipf(list(range(10_000)))
    rng = random.Random(1)
    drawn = Counter(zipf.draw(rng) for _ in range(20_000))
    head = sum(drawn[i] for i in range(100))
    assert 0.4 < head / 20_000 < 0.7  # 1% of products, about half the views
    assert len(drawn) > 3000  # and a tail of thousands seen
    assert len(set(zipf.distinct(rng, 24))) == 24


def test_catalog_popularity_is_not_id_order() -> None:
    data = {
        "admin_token": None,
        "stores": [{"id": 1, "name": "S", "key": "k"}],
        "products": [[i, 0, i % 2] for i in range(1, 101)],
        "canonical_ids": [1],
    }
    catalog = parse_catalog(data)
    assert catalog.popular.items[:10] != list(range(1, 11))
    assert set(catalog.popular_shown.items) == catalog.shown == set(range(1, 101, 2))


def _text(memory_hit: int, memory_miss: int, shared_hit: int, renders: int, depth: int) -> str:
    return f"""# HELP imgedge_variant_cache_events_total x
# TYPE imgedge_variant_cache_events_total counter
imgedge_variant_cache_events_total{{event="memory_hit"}} {memory_hit}
imgedge_variant_cache_events_total{{event="memory_miss"}} {memory_miss}
imgedge_variant_cache_events_total{{event="shared_hit"}} {shared_hit}
imgedge_variant_cache_events_total{{event="shared_miss"}} {renders}
# HELP imgedge_renders_total x
# TYPE imgedge_renders_total counter
imgedge_renders_total {renders}
# HELP imgedge_match_queue_depth x
# TYPE imgedge_match_queue_depth gauge
imgedge_match_queue_depth{{queue="matcher"}} {depth}
imgedge_match_queue_depth{{queue="review"}} 3
"""


def test_server_figures_are_deltas_between_scrapes() -> None:
    a = parse(_text(100, 50, 40, 10, 7), at=0)
    b = parse(_text(190, 60, 48, 12, 2), at=10)  # 100 lookups: 90 + 8 hits, 2 renders
    got = figures(a, b)
    assert got["memory tier hit ratio"] == pytest.approx(90 / 100)
    assert got["shared tier hit ratio"] == pytest.approx(8 / 10)
    assert got["shared tier errors/skips"] == 0  # none counted yet: 0, not n/a
    assert got[HIT_RATIO] == pytest.approx(98 / 100)
    assert got["renders"] == 2
    assert got["matcher queue (now)"] == 2
    assert got["requests served (edge)"] is None  # not exported by this edge
    series = Series()
    for scrape in (a, b):
        series.add(scrape)
    whole = series.whole_run()
    assert whole["renders"] == 2 and whole["matcher queue (peak)"] == 7
    assert whole["edge RSS (MiB, peak)"] is None  # neither exported nor read from /proc
    assert len(series.intervals()) == 1
    series.restart()  # after a warm-up: the whole run counts from the last scrape
    series.add(parse(_text(290, 60, 48, 12, 2), at=20))
    assert series.whole_run()["memory tier hit ratio"] == 1.0
    assert len(series.intervals()) == 2


def _stats(p95_ms: float, requests: int, failures: int) -> SimpleNamespace:
    entry = SimpleNamespace(
        name="/img/[id]/[size]", num_requests=requests,
        get_response_time_percentile=lambda _: p95_ms,
    )  # fmt: skip
    total = SimpleNamespace(num_requests=requests, num_failures=failures)
    return SimpleNamespace(total=total, entries={("/img/[id]/[size]", "GET"): entry})


def test_thresholds_judge_routes_errors_and_hit_ratio(tmp_path) -> None:
    slo_file = tmp_path / "slo.toml"
    slo_file.write_text(
        'max_error_rate = 0.01\nmin_hit_ratio = 0.9\n[p95_ms]\n"/img/[id]/[size]" = 100\n'
        '"/not/run" = 1\n'
    )
    slo = load_slo(slo_file)
    met = judge(slo, _stats(80, 1000, 5), {HIT_RATIO: 0.95})
    assert [c.ok for c in met] == [True, True, True]  # the route not run is not judged
    missed = judge(slo, _stats(120, 1000, 20), {HIT_RATIO: 0.5})
    assert [c.ok for c in missed] == [False, False, False]
    slo_file.write_text("max_errors = 1\n")
    with pytest.raises(ValueError, match="max_errors"):
        load_slo(slo_file)


def test_shapes_scale_users_over_the_run() -> None:
    assert [ramp(s, 100, 10)[0] for s in (0.0, 0.25, 0.45, 0.65, 0.95)] == [25, 50, 75, 100, 100]
    assert [spike(s, 100, 10)[0] for s in (0.1, 0.5, 0.7)] == [25, 100, 25]


def test_a_folded_generated_product_is_sold_once_per_store() -> None:
    """The grocery generator draws some products twice (one brand, one name), and `distinct`
    folds them into one: a store that drew both must sell it under one SKU, not two the
    matcher's same-store rule doubts."""
    from loadtests.matching.generators import GENERATORS

    market = GENERATORS["grocery"](21, 600, 6, 0.1)
    keys = {p.key for p in market.products}
    for items in market.items.values():
        truths = [i.truth for i in items]
        assert len(truths) == len(set(truths)) and set(truths) <= keys
