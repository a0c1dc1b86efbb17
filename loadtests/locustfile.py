"""The marketplace load test: browsers, a CDN, stores' syncs and curators against one
imgedge, with load shapes, thresholds and the edge's own figures in the report.

    imgedge demo --scale 20000                 # var/loadtest/catalog.json
    imgedge serve & imgedge worker &
    locust -f loadtests/locustfile.py --host http://127.0.0.1:8080 --headless \
        -u 100 -r 10 -t 5m [--shape ramp|spike|soak] [--slo loadtests/slo.toml] \
        [--results-dir DIR] [--edge-pids PID,...] [UserClass ...]

(`make loadtest` and `python -m loadtests.run` do all of it; see the README's "Load
tests" section.) Users, by `weight` (the share of the simulated users of each class):

- ListingShopper (60): a listing page, `/api/pictures?slot=thumbnail` for 24 products,
  then each tile's URL as this browser picks it, 6 connections at a time.
- ProductPageShopper (25): a product page, the hero (`slot=hero`: large sizes at 2-3x)
  and two negotiated gallery sizes (`/img/<id>/large@2x`...).
- CdnRevalidator (10): `If-None-Match` on unversioned and versioned URLs (304).
- StoreSync (3): sync batches of 20-100 products: new GTINs, name-only products for
  the matcher worker, repeats of earlier ones.
- Curator (2): uploads a product's own image, checks it is served, switches the
  override off, deletes it.

With few users Locust may give a low-weight class none: name the classes to run
(`locust ... Curator StoreSync`) or use `-u 50` and more.

Products are drawn by a Zipf-like popularity (`loadtests/scenarios/catalog.py`). Each
request is named by its route template; its expected statuses are named where it is
made (`loadtests/scenarios/expect.py`), any other status is a failure. The shape
(`--shape`), the thresholds (`--slo`, `loadtests/slo.toml`), and the edge's figures
(`/metrics` scraped at the start, every `--metrics-interval` s and at the end) run on
the master (or the single process); when the run ends the thresholds are judged and the
exit code is 0 (all met) or 3 (one missed), 2 on an error in the locustfile itself.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `locust -f loadtests/locustfile.py` from anywhere
    sys.path.insert(0, str(ROOT))

import gevent  # noqa: E402
import requests  # noqa: E402
from locust import LoadTestShape, events  # noqa: E402
from locust.runners import WorkerRunner  # noqa: E402

from loadtests.report import write_report  # noqa: E402
from loadtests.scenarios.catalog import DEFAULT_PATH  # noqa: E402
from loadtests.scenarios.cdn import CdnRevalidator  # noqa: E402
from loadtests.scenarios.shoppers import ListingShopper, ProductPageShopper  # noqa: E402
from loadtests.scenarios.stores import Curator, StoreSync  # noqa: E402
from loadtests.server_metrics import Series, parse, rss_of, shown  # noqa: E402
from loadtests.shapes import DEFAULT_RUN_TIME_S, PLANS, SHAPES  # noqa: E402
from loadtests.slo import DEFAULT_SLO, judge, load_slo  # noqa: E402

ListingShopper.weight = 60
ProductPageShopper.weight = 25
CdnRevalidator.weight = 10
StoreSync.weight = 3
Curator.weight = 2

__all__ = [
    "CdnRevalidator",
    "Curator",
    "ListingShopper",
    "MarketplaceShape",
    "ProductPageShopper",
    "StoreSync",
]
log = logging.getLogger("loadtest")


class MarketplaceShape(LoadTestShape):
    """One shape class that plays the plan `--shape` names (Locust takes a locustfile's
    first shape class, and custom arguments are only parsed after it is loaded)."""

    use_common_options = True  # its plan scales -u, -r and -t

    def tick(self) -> tuple[int, float] | None:
        options = self.runner.environment.parsed_options if self.runner else None
        name = getattr(options, "shape", None) or os.environ.get("IMGEDGE_LOAD_SHAPE", "constant")
        users = int(getattr(options, "num_users", None) or 1)
        rate = float(getattr(options, "spawn_rate", None) or 1)
        duration = float(getattr(options, "run_time", None) or DEFAULT_RUN_TIME_S)
        elapsed = self.get_run_time()
        if elapsed >= duration:
            return None
        if name == "soak":
            rate = max(rate, users / min(300.0, duration * 0.05))
        return PLANS[name](elapsed / duration, users, rate)


@events.init_command_line_parser.add_listener
def _arguments(parser: Any) -> None:
    env = os.environ.get
    parser.add_argument(
        "--catalog", default=env("IMGEDGE_LOAD_CATALOG", DEFAULT_PATH),
        help="the JSON `imgedge demo --scale N` wrote (on every worker's machine)",
    )  # fmt: skip
    parser.add_argument(
        "--shape", choices=SHAPES, default=env("IMGEDGE_LOAD_SHAPE", "constant"),
        help="load shape over -t with -u users (loadtests/shapes.py)",
    )  # fmt: skip
    parser.add_argument("--slo", default=str(DEFAULT_SLO), help="thresholds (TOML)")
    parser.add_argument(
        "--results-dir", default="",
        help="the edge's figures and the thresholds' results go here "
        "(default var/loadtest/results/<time>)",
    )  # fmt: skip
    parser.add_argument(
        "--metrics-interval", type=float, default=10.0, help="seconds between /metrics scrapes"
    )
    parser.add_argument(
        "--warmup", type=float, default=0.0,
        help="seconds after which the statistics restart: thresholds and the edge's "
        "whole-run figures judge what follows (the intervals keep the warm-up)",
    )  # fmt: skip
    parser.add_argument(
        "--edge-pids",
        default="",
        help="PIDs of the edge processes (RSS from /proc), comma-separated",
    )


class Monitor:
    """Scrapes the edge's /metrics at the start, every interval and at the end."""

    def __init__(self, environment: Any) -> None:
        self.environment = environment
        self.series = Series()
        self.loop: gevent.Greenlet | None = None
        self.warmup: gevent.Greenlet | None = None
        options = environment.parsed_options
        self.pids = [int(p) for p in (options.edge_pids or "").split(",") if p.strip()]
        self.interval = max(1.0, float(options.metrics_interval))

    def scrape(self) -> None:
        try:
            answer = requests.get(f"{self.environment.host}/metrics", timeout=10)
            answer.raise_for_status()
            self.series.add(parse(answer.text, rss_bytes=rss_of(self.pids)))
        except Exception as exc:  # the figures are a report, not the test: go on
            log.warning("scraping /metrics failed: %s", exc)

    def start(self) -> None:
        self.scrape()
        self.loop = gevent.spawn(self._every_interval)
        warmup = float(self.environment.parsed_options.warmup or 0)
        if warmup > 0:
            self.warmup = gevent.spawn_later(warmup, self._warmed_up)

    def _warmed_up(self) -> None:
        """Locust's statistics restart (as its web UI's reset does) and so do the
        edge's whole-run figures, from a scrape taken now."""
        log.info("warm-up over: statistics restart")
        self.environment.events.reset_stats.fire()
        self.environment.runner.stats.reset_all()
        self.scrape()
        self.series.restart()

    def _every_interval(self) -> None:
        while True:
            gevent.sleep(self.interval)
            self.scrape()

    def stop(self) -> None:
        if self.warmup is not None:
            self.warmup.kill(block=False)
        if self.loop is not None:
            self.loop.kill(block=False)
            self.loop = None
            self.scrape()


_monitor: Monitor | None = None


@events.test_start.add_listener
def _started(environment: Any, **_: Any) -> None:
    global _monitor
    if isinstance(environment.runner, WorkerRunner) or environment.host is None:
        return
    load_slo(environment.parsed_options.slo)  # a bad file fails now, not after the run
    _monitor = Monitor(environment)
    _monitor.start()


@events.test_stop.add_listener
def _stopped(environment: Any, **_: Any) -> None:
    if _monitor is not None:
        _monitor.stop()


@events.quitting.add_listener
def _judge(environment: Any, **_: Any) -> None:
    if isinstance(environment.runner, WorkerRunner):
        return
    options = environment.parsed_options
    series = _monitor.series if _monitor is not None else Series()
    checks = judge(load_slo(options.slo), environment.stats, series.whole_run())
    folder = Path(options.results_dir or f"var/loadtest/results/{time.strftime('%Y%m%d-%H%M%S')}")
    page = write_report(folder, series, checks, f"imgedge load test ({options.shape})")
    for name, value in series.whole_run().items():
        log.info("edge: %-32s %s", name, shown(value))
    missed = [c for c in checks if not c.ok]
    for c in checks:
        log.info(
            "%s %s: %s (limit %s)", "MISSED" if not c.ok else "met", c.what, c.measured, c.limit
        )
    log.info("report: %s", page)
    runner = environment.runner
    if missed:
        environment.process_exit_code = 3
    elif runner is not None and runner.exceptions:
        environment.process_exit_code = 2
    else:
        environment.process_exit_code = 0
