"""glibc malloc knobs of the edge process (`edge/heap.py`): each applies on this image's
glibc unless glibc's own environment variables say otherwise; the ceiling trims only
past its limit."""

from __future__ import annotations

import subprocess
import sys

import pytest

from edge.heap import HeapCeiling, keep_freed_memory, limit_malloc_arenas, resident_bytes

MIB = 1024 * 1024


def test_malloc_arenas_are_limited_unless_told_not_to(monkeypatch):
    monkeypatch.delenv("MALLOC_ARENA_MAX", raising=False)
    assert limit_malloc_arenas(0) is False
    assert limit_malloc_arenas(2) is True  # glibc (this image's libc) accepts it
    monkeypatch.setenv("MALLOC_ARENA_MAX", "4")  # glibc's own knob wins
    assert limit_malloc_arenas(2) is False


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("MALLOC_TRIM_THRESHOLD_", "131072"),
        ("MALLOC_MMAP_THRESHOLD_", "131072"),
        ("GLIBC_TUNABLES", "glibc.malloc.trim_threshold=131072"),
    ],
)
def test_freed_memory_is_kept_unless_glibc_is_tuned_otherwise(monkeypatch, name, value):
    for each in ("MALLOC_TRIM_THRESHOLD_", "MALLOC_MMAP_THRESHOLD_", "GLIBC_TUNABLES"):
        monkeypatch.delenv(each, raising=False)
    assert keep_freed_memory(1024 * MIB) is True
    monkeypatch.setenv(name, value)
    assert keep_freed_memory(1024 * MIB) is False


def test_the_ceiling_trims_only_past_its_limit():
    rss = [100 * MIB]
    trimmed: list[int] = []
    ceiling = HeapCeiling(200 * MIB, rss=lambda: rss[0], trim=lambda: trimmed.append(rss[0]))
    ceiling.check()
    rss[0] = 200 * MIB
    ceiling.check()
    assert trimmed == [] and ceiling.trims == 0
    rss[0] = 201 * MIB
    ceiling.check()
    assert trimmed == [201 * MIB] and ceiling.trims == 1


def test_the_ceiling_starts_from_the_current_rss():
    """The RSS read before and after brackets the one `above_now` read, give or take
    what the process's other threads map or unmap meanwhile (RSS can shrink: once by a
    page between the reads, in CI)."""
    before = resident_bytes()
    ceiling = HeapCeiling.above_now(64 * MIB)
    after = resident_bytes()
    assert before > 0
    slack = 4 * MIB
    assert min(before, after) - slack <= ceiling.limit - 64 * MIB <= max(before, after) + slack


def test_start_up_is_frozen_out_of_collections():
    """In a child process (freezing is for the life of a process): what start-up made is
    frozen, garbage cycles left by it are collected first, and young collections are rarer."""
    code = (
        "import gc, weakref\n"
        "class Node: pass\n"
        "a, b = Node(), Node(); a.peer, b.peer = b, a\n"
        "gone = weakref.ref(a); del a, b\n"
        "from edge.heap import GC_THRESHOLDS, freeze_start_up\n"
        "freeze_start_up()\n"
        "frozen, young = gc.get_freeze_count(), len(gc.get_objects())\n"
        "print(frozen > 20 * young, gone() is None, gc.get_threshold() == GC_THRESHOLDS)"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout.split() == ["True", "True", "True"]
