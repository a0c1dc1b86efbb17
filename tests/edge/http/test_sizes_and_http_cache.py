"""Size segments and the pure HTTP caching rules."""

from __future__ import annotations

import pytest

from edge.errors import BadRequest
from edge.http.caching import IMMUTABLE, cache_control, if_none_match_hits
from edge.imaging.formats import Format
from edge.imaging.sizes import SizeRequest, parse_size_segment


@pytest.mark.parametrize(
    ("segment", "expected"),
    [
        ("thumbnail", SizeRequest("thumbnail", 1, None)),
        ("medium@2x", SizeRequest("medium", 2, None)),
        ("large.webp", SizeRequest("large", 1, Format.WEBP)),
        ("small@2x.jpeg", SizeRequest("small", 2, Format.JPEG)),
        ("original.avif", SizeRequest("original", 1, Format.AVIF)),
    ],
)
def test_parse_size_segment(segment, expected):
    assert parse_size_segment(segment) == expected


@pytest.mark.parametrize(
    "segment", ["", "Medium", "medium@3x", "x" * 500, "small.", "..", "small.svg"]
)
def test_bad_size_segments(segment):
    with pytest.raises(BadRequest):
        parse_size_segment(segment)


@pytest.mark.parametrize(
    ("segment", "original", "width"),
    [("thumbnail", 3000, 150), ("large@2x", 3000, 2400), ("large@2x", 2000, 2000),
     ("medium", 500, 500), ("original", 1234, 1234), ("original@2x", 1234, 1234)],
)  # fmt: skip
def test_target_width_never_upscales(segment, original, width):
    assert parse_size_segment(segment).target_width(original) == width


def test_cache_control_is_immutable_only_for_the_current_version():
    assert cache_control("abc", "abc", 60, 600) == IMMUTABLE
    for requested in (None, "old", ""):
        value = cache_control(requested, "abc", 60, 600)
        assert value == "public, max-age=60, stale-while-revalidate=600"


@pytest.mark.parametrize(
    ("header", "hit"),
    [(None, False), ('"a"', True), ('W/"a"', True), ('"b", "a"', True), ("*", True),
     ('"b"', False), ('"a', False), ("a", False)],
)  # fmt: skip
def test_if_none_match(header, hit):
    assert if_none_match_hits(header, '"a"') is hit
