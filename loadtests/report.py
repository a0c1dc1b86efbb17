"""The run's own report beside Locust's (`report.html`, `locust_*.csv`) in the results
folder: `server.html` (the edge's figures for the whole run and per interval, and the
thresholds), `server_summary.csv`, `server_intervals.csv`, `slo.csv`."""

from __future__ import annotations

import csv
from html import escape
from pathlib import Path

from loadtests.server_metrics import Series, shown
from loadtests.slo import Check

_STYLE = (
    "body{font:14px sans-serif;margin:2em}table{border-collapse:collapse;margin:1em 0}"
    "td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}td:first-child,"
    "th:first-child{text-align:left}.miss{background:#fdd}.ok{background:#dfd}"
)


def write_report(folder: Path, series: Series, checks: list[Check], title: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    whole = series.whole_run()
    with (folder / "server_summary.csv").open("w", newline="") as f:
        out = csv.writer(f)
        out.writerow(["figure", "value"])
        out.writerows([name, shown(value)] for name, value in whole.items())
    intervals = series.intervals()
    names = list(whole) or [name for name in (intervals[0][1] if intervals else {})]
    with (folder / "server_intervals.csv").open("w", newline="") as f:
        out = csv.writer(f)
        out.writerow(["seconds", *names])
        out.writerows([f"{t:.0f}", *(shown(v.get(n)) for n in names)] for t, v in intervals)
    with (folder / "slo.csv").open("w", newline="") as f:
        out = csv.writer(f)
        out.writerow(["threshold", "limit", "measured", "met"])
        out.writerows([c.what, c.limit, c.measured, "yes" if c.ok else "NO"] for c in checks)

    def row(cells: list[str], css: str = "") -> str:
        attr = f' class="{css}"' if css else ""
        return f"<tr{attr}>" + "".join(f"<td>{escape(c)}</td>" for c in cells) + "</tr>"

    missed = [c for c in checks if not c.ok]
    verdict = f"{len(missed)} threshold(s) missed" if missed else "every threshold met"
    parts = [
        f"<!doctype html><meta charset=utf-8><title>{escape(title)}</title><style>{_STYLE}</style>",
        f"<h1>{escape(title)}</h1><p>{escape(verdict)}. Locust's report: "
        '<a href="report.html">report.html</a>; CSVs beside this page.</p>',
        "<h2>Thresholds</h2><table><tr><th>threshold</th><th>limit</th><th>measured</th></tr>",
        *(row([c.what, c.limit, c.measured], "ok" if c.ok else "miss") for c in checks),
        "</table><h2>The edge, whole run (from /metrics)</h2><table>",
        "<tr><th>figure</th><th>value</th></tr>",
        *(row([n, shown(v)]) for n, v in whole.items()),
        "</table><h2>Per interval</h2><table><tr><th>s</th>",
        *(f"<th>{escape(n)}</th>" for n in names),
        "</tr>",
        *(row([f"{t:.0f}", *(shown(v.get(n)) for n in names)]) for t, v in intervals),
        "</table>",
    ]
    page = folder / "server.html"
    page.write_text("\n".join(parts))
    return page
