"""The failure memory: which failures, for how long, how many."""

from __future__ import annotations

import gc
import hashlib
import weakref

import pytest

from edge.errors import NotFound, RenderBusy, RenderTimeout, SourceRejected, Unavailable
from edge.imaging.failures import FailureMemory
from edge.imaging.formats import Format
from edge.storage.cache import VariantKey


def key(n: int) -> VariantKey:
    return VariantKey(hashlib.sha256(str(n).encode()).hexdigest(), 400, Format.WEBP, "2.abc")


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_render_failure_is_answered_again_until_its_ttl_ends():
    clock = Clock()
    memory = FailureMemory(30.0, 100, clock=clock)
    memory.remember(key(1), SourceRejected("too big", code="source_too_large"))
    clock.now = 29.0
    with pytest.raises(SourceRejected) as again:
        memory.check(key(1))
    assert (again.value.code, again.value.message, again.value.status) == (
        "source_too_large",
        "too big",
        422,
    )
    memory.check(key(2))  # another variant: nothing remembered
    clock.now = 31.0
    memory.check(key(1))
    assert (memory.remembered, memory.repeated) == (1, 1)


@pytest.mark.parametrize(
    "error",
    [
        RenderBusy("busy", retry_after_s=1),
        Unavailable("the originals store is not answering"),
        NotFound("the original image is missing", code="original_missing"),
        ValueError("a bug"),
    ],
)
def test_only_a_renders_own_failures_are_remembered(error):
    memory = FailureMemory(30.0, 100)
    memory.remember(key(1), error)
    memory.check(key(1))
    assert len(memory) == 0


def test_the_memory_is_bounded():
    memory = FailureMemory(30.0, 3)
    for n in range(10):
        memory.remember(key(n), RenderTimeout("late"))
    assert len(memory) == 3


def test_a_zero_ttl_remembers_nothing():
    memory = FailureMemory(0.0, 100)
    memory.remember(key(1), RenderTimeout("late"))
    memory.check(key(1))


def test_what_is_remembered_does_not_keep_the_failed_render_s_frames_alive():
    # A render's error carries its traceback, whose frames hold the original's bytes
    # and libvips images: remembering the error must not keep them for the TTL.
    class Original:
        pass

    refs: list[weakref.ref[Original]] = []

    def failing_render() -> None:
        source = Original()
        refs.append(weakref.ref(source))
        try:
            raise ValueError("libvips said no")
        except ValueError as exc:
            raise SourceRejected("undecodable", code="source_unreadable") from exc

    memory = FailureMemory(30.0, 100)
    try:
        failing_render()
    except SourceRejected as error:
        memory.remember(key(1), error)
    gc.collect()
    assert refs[0]() is None
    with pytest.raises(SourceRejected):
        memory.check(key(1))
