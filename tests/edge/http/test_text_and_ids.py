"""The boundary's two checks on their own: broken text (`edge.http.text`) and ids written
as text (`edge.http.ids`), with properties over any string."""

from __future__ import annotations

import re

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from edge.errors import BadRequest
from edge.http.bodies import MAX_ID, NewProductData, UploadForm
from edge.http.decoding import decode_fields, decode_json
from edge.http.ids import parse_id, parse_int
from edge.http.text import broken_text, printable_problem, shown, text_problem

ASCII_NUMBER = re.compile(r"(0|[1-9][0-9]*)")


@given(st.text(max_size=25))
def test_parse_int_takes_ascii_digits_only(raw: str) -> None:
    try:
        value = parse_int(raw, "n")
    except BadRequest as exc:
        assert exc.status == 400
        assert not (ASCII_NUMBER.fullmatch(raw) and len(raw) <= 18)
    else:
        assert ASCII_NUMBER.fullmatch(raw) and str(value) == raw


@given(st.integers(min_value=0, max_value=10**18 - 1))
def test_parse_int_reads_every_number_it_writes(n: int) -> None:
    assert parse_int(str(n), "n") == n


@pytest.mark.parametrize(
    "raw", ["²", "８２", "٣", "+1", "-1", " 1", "1 ", "1\n", "01", "1_0", "1e3", "0x1", ""]
)
def test_what_int_takes_and_an_id_does_not(raw: str) -> None:
    with pytest.raises(BadRequest):
        parse_id(raw, "imageId")


def test_ids_stay_below_every_backend_bound() -> None:
    assert parse_id(str(MAX_ID), "id") == MAX_ID < 2**63 - 1
    for raw in ("0", str(MAX_ID + 1), str(2**63), str(2**64)):
        with pytest.raises(BadRequest):
            parse_id(raw, "id")


@given(st.text())
def test_text_problem_is_exactly_a_surrogate_or_a_nul(value: str) -> None:
    broken = any(c == "\x00" or 0xD800 <= ord(c) <= 0xDFFF for c in value)
    assert (text_problem(value) is not None) == broken
    assert (printable_problem(value) is not None) == (broken or any(ord(c) < 32 for c in value))
    shown(value).encode("utf-8")  # always safe to echo


def test_broken_text_names_the_field() -> None:
    body = {"products": [{"name": "ok"}, {"name": "ok", "tags": ["a", "b\ud800"]}]}
    assert broken_text(body) == ("products[1].tags[1]", text_problem("\ud800"))
    assert broken_text(NewProductData(name="x", brand="A\x00")) == (
        "brand",
        "contains a NUL character",
    )
    assert broken_text({"k\udc80": 1})[1].startswith("has a key that")
    assert broken_text({"emoji": "\U0001f600", "n": 1, "x": None}) is None


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b'{"name": "Cola \\ud800"}', "invalid_text"),
        (b'{"name": "Cola \xff"}', "invalid_text"),  # not UTF-8
        (b'{"name": "Cola\\u0000"}', "invalid_text"),
        (b'{"name": "Cola", "brand": NaN}', "invalid_json"),
        (b'{"name": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", "invalid_field"),
        (b'{"x": ' + b"[" * 100_000 + b"]" * 100_000 + b', "name": "a"}', "invalid_json"),
        (b'{"name": "\\ud800", "x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", "invalid_json"),
    ],
)
def test_decode_json_refuses_with_a_400(data: bytes, code: str) -> None:
    with pytest.raises(BadRequest) as refused:
        decode_json(data, NewProductData)
    assert refused.value.code == code
    assert refused.value.message.startswith("name") or code != "invalid_text"


def test_a_pair_of_surrogates_is_one_character_and_fine() -> None:
    decoded = decode_json(b'{"name": "Cola \\ud83d\\ude00"}', NewProductData)
    assert decoded.name == "Cola \U0001f600"


@pytest.mark.parametrize(
    "fields",
    [{"productId": "８２"}, {"sortOrder": "1e3"}, {"sortOrder": "2147483648"}, {"x": "\x00"}],
)
def test_form_fields_parse_ids_as_ascii_digits(fields: dict[str, str]) -> None:
    with pytest.raises(BadRequest):
        decode_fields(fields, UploadForm)


def test_form_fields_decode() -> None:
    form = decode_fields({"productId": "82", "sortOrder": "0", "isPrimary": "true"}, UploadForm)
    assert msgspec.structs.asdict(form) == {
        "canonicalProductId": None,
        "productId": 82,
        "isPrimary": True,
        "sortOrder": 0,
    }
