"""Part A, render overhead: `render` against bare libvips on every size × format, cold.

pyvips and edge.* are imported inside the functions, so that the load-generator process
(bench_render.py run with --loadgen, which imports this module) starts quickly and stays
small.
"""

from __future__ import annotations

import math
import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

SOURCE_SIZE = (3000, 2000)
SIZE_NAMES = ("thumbnail", "small", "medium", "large", "original")
FORMAT_NAMES = ("avif", "webp", "jpg", "png")
SLOW_CELLS = {("original", "avif"), ("original", "png")}  # ~0.2–1 s each per render


@dataclass(frozen=True, slots=True)
class RenderRow:
    size: str
    fmt: str
    width: int
    render_ms: float
    bare_ms: float
    out_bytes: int
    identical: bool

    @property
    def ratio(self) -> float:
        return self.render_ms / self.bare_ms


def make_source() -> bytes:
    from edge.demo.photos import PhotoSpec, photo

    width, height = SOURCE_SIZE
    return photo(PhotoSpec(width, height, (200, 120, 40), "bottle", "Bench\nBottle"), seed=42)


def timed(fn: Callable[[], bytes]) -> tuple[float, bytes]:
    started = time.perf_counter()
    out = fn()
    return (time.perf_counter() - started) * 1e3, out


def bench_cell(source: bytes, size: str, fmt_name: str, repeat: int) -> RenderRow:
    import pyvips

    from edge.imaging.formats import Format
    from edge.imaging.render import EncodeOptions, Limits, render
    from edge.imaging.sizes import SizeRequest

    fmt = Format(fmt_name)
    options = EncodeOptions()
    limits = Limits(max_pixels=200_000_000, max_bytes=1 << 30)
    width = SizeRequest(size, 1, fmt).target_width(SOURCE_SIZE[0])
    suffix, save_kwargs = options.save_args(fmt)

    def with_render() -> bytes:
        return render(source, width, fmt, options, limits, time.monotonic() + 3600)

    def bare() -> bytes:
        image = pyvips.Image.thumbnail_buffer(source, width, height=10_000_000, size="down")
        return image.write_to_buffer(suffix, **save_kwargs)

    # One untimed round of each (codec start-up), then alternate which goes first.
    rendered, plain = with_render(), bare()
    render_times: list[float] = []
    bare_times: list[float] = []
    for i in range(repeat):
        pair = ((with_render, render_times), (bare, bare_times))
        for fn, times in pair if i % 2 == 0 else reversed(pair):
            elapsed, _ = timed(fn)
            times.append(elapsed)
    return RenderRow(
        size=size,
        fmt=fmt_name,
        width=width,
        render_ms=statistics.median(render_times),
        bare_ms=statistics.median(bare_times),
        out_bytes=len(rendered),
        identical=rendered == plain,
    )


def format_row(row: RenderRow) -> str:
    same = "yes" if row.identical else "NO"
    return (
        f"  {row.size:<10}{row.fmt:<6}{row.width:>6}{row.render_ms:>11.1f}{row.bare_ms:>10.1f}"
        f"{row.ratio:>8.3f}{row.out_bytes / 1024:>9.1f}  {same}"
    )


def run_render_bench(repeat: int, skip_slow: bool) -> list[RenderRow]:
    import pyvips

    pyvips.cache_set_max(0)  # cold renders: no reuse of earlier operations
    source = make_source()
    w, h = SOURCE_SIZE
    print(f"Part A: render vs bare libvips, {w}x{h} JPEG source ({len(source) / 1e6:.1f} MB)")
    libvips = ".".join(str(pyvips.version(i)) for i in range(3))
    print(
        f"  median of {repeat} interleaved cold runs each; libvips {libvips}, {os.cpu_count()} CPUs"
    )
    print(f"\n  {'size':<10}{'fmt':<6}{'width':>6}{'render ms':>11}{'bare ms':>10}", end="")
    print(f"{'ratio':>8}{'out KB':>9}  same bytes")
    rows = []
    for size in SIZE_NAMES:
        for fmt_name in FORMAT_NAMES:
            if skip_slow and (size, fmt_name) in SLOW_CELLS:
                print(f"  {size:<10}{fmt_name:<6}  (skipped: --skip-slow)")
                continue
            row = bench_cell(source, size, fmt_name, repeat)
            rows.append(row)
            print(format_row(row), flush=True)
    geomean = math.exp(statistics.fmean(math.log(r.ratio) for r in rows))
    print(f"\n  geometric mean ratio render/bare: {geomean:.3f} over {len(rows)} cells\n")
    return rows
