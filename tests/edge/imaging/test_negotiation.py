"""The Accept negotiation table."""

from __future__ import annotations

import pytest

from edge.imaging import negotiation
from edge.imaging.formats import Format
from edge.imaging.negotiation import choose_format, parse_accept

CHROME = "image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8"
SAFARI_OLD = "image/webp,image/png,image/svg+xml,image/*;q=0.8,video/*;q=0.8,*/*;q=0.5"
FIREFOX_OLD = "image/webp,*/*"
IE = "image/png,image/svg+xml,image/*;q=0.8,*/*;q=0.5"


@pytest.mark.parametrize(
    ("accept", "alpha", "expected"),
    [
        (CHROME, False, Format.AVIF),
        (CHROME, True, Format.AVIF),
        (SAFARI_OLD, False, Format.WEBP),
        (FIREFOX_OLD, False, Format.WEBP),
        (IE, False, Format.PNG),  # PNG named at q=1 beats JPEG via image/* at 0.8
        ("image/*", False, Format.JPEG),
        ("image/*", True, Format.PNG),
        (None, False, Format.JPEG),  # no header means */*
        ("", True, Format.PNG),
        ("*/*", False, Format.JPEG),  # wildcards never grant AVIF or WebP
        ("image/avif;q=0,image/webp,*/*", False, Format.WEBP),
        ("image/avif;q=0.5,image/webp;q=0.9", False, Format.WEBP),  # q beats server order
        ("image/avif,image/webp", False, Format.AVIF),
        ("image/jpeg;q=0,*/*", False, Format.PNG),  # the specific q=0 beats the wildcard
        ("image/jpeg;q=0,image/png;q=0,image/*", False, Format.JPEG),  # nothing left: fallback
        ("text/html", False, Format.JPEG),
        ("text/html", True, Format.PNG),
        ("IMAGE/WEBP", False, Format.WEBP),  # media types are case-insensitive
        ("image/webp;q=abc,image/jpeg", False, Format.JPEG),  # malformed q: not acceptable
        ("image/webp ; q=0.7 , image/jpeg;q=0.6", False, Format.WEBP),
        ("garbage,,;", False, Format.JPEG),
    ],
)
def test_negotiation_table(accept, alpha, expected):
    assert choose_format(accept, alpha) is expected


def test_parse_accept_keeps_highest_quality_per_range():
    assert parse_accept("image/webp;q=0.2, image/webp;q=0.9, */*;q=2") == {
        "image/webp": 0.9,
        "*/*": 1.0,
    }


def test_an_overlong_accept_is_read_as_any_and_is_never_a_cache_key():
    huge = "image/avif," + "image/x;q=0.5," * 400_000  # 5.6 MB, names AVIF first
    negotiation._choose.cache_clear()
    assert choose_format(huge, False) is Format.JPEG  # as `*/*`: AVIF is never granted
    assert negotiation._choose.cache_info().currsize == 1
    choose_format(None, False)
    assert negotiation._choose.cache_info().hits == 1  # the one key is the missing header's


def test_an_accept_at_the_limit_is_still_read():
    ok = "image/avif," + "x" * (negotiation.MAX_ACCEPT_CHARS - 11)
    assert len(ok) == negotiation.MAX_ACCEPT_CHARS
    assert choose_format(ok, False) is Format.AVIF
    assert choose_format(ok + "x", False) is Format.JPEG
