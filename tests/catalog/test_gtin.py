"""Barcode normalization: known vectors, mangled forms, refusals and properties.

Check digits and UPC-E expansions used as oracles are computed here, independently of
`catalog.gtin`, from the GS1 mod-10 rule and the GS1 UPC-E table.
"""

from __future__ import annotations

import json
import pickle
import re
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from catalog.gtin import (
    Circulation,
    InvalidBarcode,
    Reason,
    check_digit_ok,
    circulation,
    expand_upce,
    global_gtin,
    normalize_gtin,
    try_normalize_gtin,
)

PROPERTY = settings(max_examples=200, deadline=None, database=None)


# ---------------------------------------------------------------- oracles (test-only)


def gs1_check(body: str) -> str:
    """GS1 mod-10 check digit: weights 3,1,3,… starting from the rightmost body digit."""
    weights = [3 if i % 2 == 0 else 1 for i in range(len(body))]
    total = sum(w * int(d) for w, d in zip(weights, reversed(body), strict=True))
    return str(-total % 10)


def is_valid(code: str) -> bool:
    return gs1_check(code[:-1]) == code[-1]


# GS1 UPC-E -> UPC-A manufacturer+item digits (10 of them), by last body digit.
# Letters a-f are the six body digits d1..d6.
_UPCE_TEMPLATES = {
    "0": "abf0000cde",
    "1": "abf0000cde",
    "2": "abf0000cde",
    "3": "abc00000de",
    "4": "abcd00000e",
    **dict.fromkeys("56789", "abcde0000f"),
}


def upce_to_upca(code: str) -> str:
    body = dict(zip("abcdef", code[1:7], strict=True))
    middle = "".join(body.get(ch, ch) for ch in _UPCE_TEMPLATES[code[6]])
    return code[0] + middle + code[7]


def outcome(raw):
    try:
        return ("ok", normalize_gtin(raw))
    except InvalidBarcode as exc:
        return ("refused", exc.reason)


def refusal(raw) -> InvalidBarcode:
    with pytest.raises(InvalidBarcode) as info:
        normalize_gtin(raw)
    assert str(info.value)  # a message says why
    assert try_normalize_gtin(raw) is None
    return info.value


# ---------------------------------------------------------------- known vectors


@pytest.mark.parametrize(
    ("raw", "gtin"),
    [
        ("036000291452", "00036000291452"),  # UPC-A
        ("012345678905", "00012345678905"),  # UPC-A
        ("4006381333931", "04006381333931"),  # EAN-13
        ("96385074", "00000096385074"),  # EAN-8
        ("73513537", "00000073513537"),  # EAN-8
        ("10012345678902", "10012345678902"),  # GTIN-14
        ("00012345678905", "00012345678905"),  # GTIN-14 of a UPC-A
    ],
)
def test_known_codes_normalize_to_gtin14(raw, gtin):
    assert normalize_gtin(raw) == gtin
    assert try_normalize_gtin(raw) == gtin


# UPC-E -> UPC-A, each expanded by hand from the GS1 table (NS d1..d6 C):
#   d6 0-2: NS d1 d2 d6 0000 d3 d4 d5 C   d6 3: NS d1 d2 d3 00000 d4 d5 C
#   d6 4:   NS d1 d2 d3 d4 00000 d5 C     d6 5-9: NS d1 d2 d3 d4 d5 0000 d6 C
UPCE_VECTORS = [
    ("06543208", "065000004328"),  # d6=0: 0 65 0 0000 432 8
    ("04252614", "042100005264"),  # d6=1: 0 42 1 0000 526 4
    ("01234523", "012200003453"),  # d6=2: 0 12 2 0000 345 3
    ("08765438", "087600000548"),  # d6=3: 0 876 00000 54 8
    ("09876547", "098760000057"),  # d6=4: 0 9876 00000 5 7
    ("01357950", "013579000050"),  # d6=5: 0 13579 0000 5 0
    ("01234565", "012345000065"),  # d6=6: 0 12345 0000 6 5
    ("02468075", "024680000075"),  # d6=7: 0 24680 0000 7 5
    ("03141588", "031415000088"),  # d6=8: 0 31415 0000 8 8
    ("02718293", "027182000093"),  # d6=9: 0 27182 0000 9 3
    ("12345639", "123400000569"),  # NS 1, d6=3: 1 234 00000 56 9
    ("19876544", "198760000054"),  # NS 1, d6=4: 1 9876 00000 5 4
]


@pytest.mark.parametrize(("upce", "upca"), UPCE_VECTORS)
def test_upce_expands_per_gs1_table(upce, upca):
    assert expand_upce(upce) == upca
    assert upce_to_upca(upce) == upca  # the test's own oracle agrees
    assert is_valid(upca)
    assert normalize_gtin(upce) == upca.zfill(14)
    assert normalize_gtin(upca) == upca.zfill(14)  # same product either way


def test_upce_vectors_cover_every_last_digit_case():
    assert {upce[6] for upce, _ in UPCE_VECTORS} == set("0123456789")


@pytest.mark.parametrize("code", ["2345678", "1234567", "012345678", "21234565", "0123456a", ""])
def test_expand_upce_refuses_non_upce(code):
    with pytest.raises(ValueError):
        expand_upce(code)


# ---------------------------------------------------------------- the 8-digit ambiguity


@pytest.mark.parametrize(
    ("raw", "gtin", "why"),
    [
        # starts with 0, valid as both UPC-E and EAN-8: UPC-E wins
        ("01234565", "00012345000065", "0 + valid UPC-E"),
        ("02217321", "00022200001731", "0 + valid UPC-E"),
        # starts with 0, only the EAN-8 check holds: EAN-8
        ("02058948", "00000002058948", "valid EAN-8"),
        # starts with 1, valid as both: EAN-8 wins
        ("12036882", "00000012036882", "valid EAN-8 before NS-1 UPC-E"),
        # starts with 1, only the UPC-E check holds: UPC-E
        ("12432834", "00124300000284", "1 + valid UPC-E"),
        # starts with 2-9: never UPC-E
        ("96385074", "00000096385074", "valid EAN-8"),
    ],
)
def test_eight_digit_codes_resolve_deterministically(raw, gtin, why):
    assert normalize_gtin(raw) == gtin, why


def test_both_readings_of_the_ambiguous_vectors_are_really_valid():
    assert is_valid("01234565") and is_valid(upce_to_upca("01234565"))
    assert is_valid("12036882") and is_valid(upce_to_upca("12036882"))
    assert is_valid("02058948") and not is_valid(upce_to_upca("02058948"))
    assert not is_valid("12432834") and is_valid(upce_to_upca("12432834"))


@pytest.mark.parametrize("raw", ["02058940", "12036880", "96385075", "73513530"])
def test_eight_digits_valid_as_neither_are_refused(raw):
    assert refusal(raw).reason == "check_digit"


# ---------------------------------------------------------------- mangled forms


@pytest.mark.parametrize(
    ("raw", "gtin"),
    [
        ("0 36000 29145 2", "00036000291452"),  # spaces
        ("0-36000-29145-2", "00036000291452"),  # hyphens
        (" \t036000-291452\n", "00036000291452"),  # mixed, leading/trailing
        ("4 006381 333931", "04006381333931"),
        ("9638-5074", "00000096385074"),
        ("0425 2614", "00042100005264"),  # UPC-E with a space
        ("36000291452", "00036000291452"),  # UPC-A lost 1 leading zero (11 digits)
        ("12345678905", "00012345678905"),
        ("0012345678905", "00012345678905"),  # UPC-A as 13 digits
        ("2345678906", "00002345678906"),  # 10 digits
        ("123456784", "00000123456784"),  # 9 digits
        ("000000036000291452", "00036000291452"),  # extra leading zeros (18 digits)
        ("0000004006381333931", "04006381333931"),  # 19 digits
        ("0-0010012345678902", "10012345678902"),  # 16 digits, zeros then GTIN-14
        (36000291452, "00036000291452"),  # JSON number: UPC-A lost its zero
        (4006381333931, "04006381333931"),
        (10012345678902, "10012345678902"),
        (12345678905, "00012345678905"),
        (96385074, "00000096385074"),
        (4252614, "00042100005264"),  # UPC-E 04252614 sent as a number
        ("4252614", "00042100005264"),  # ... or as a 7-digit string
        ("2058948", "00000002058948"),  # EAN-8 02058948 that lost its zero
    ],
)
def test_mangled_forms_normalize(raw, gtin):
    assert is_valid(gtin)
    assert normalize_gtin(raw) == gtin


# ---------------------------------------------------------------- refusals


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("", "empty"),
        ("   ", "empty"),
        (" - -\t", "empty"),
        (None, "empty"),
        ("036000291453", "check_digit"),  # UPC-A, last digit off by one
        ("036000291425", "check_digit"),  # two digits transposed
        ("4006381333932", "check_digit"),
        ("10012345678903", "check_digit"),
        ("36000291453", "check_digit"),  # 11 digits, wrong check
        ("036000291452a", "not_digits"),
        ("03600029145X", "not_digits"),
        ("0360.0029.1452", "not_digits"),  # dots are not separators
        ("036000_291452", "not_digits"),
        ("036000\u2013291452", "not_digits"),  # an en dash is not a hyphen
        ("+036000291452", "not_digits"),
        ("٠٣٦٠٠٠٢٩١٤٥٢", "not_digits"),  # Arabic-Indic digits
        ("０３６０００２９１４５２", "not_digits"),  # full-width digits
        ("²³", "not_digits"),
        (36000291452.0, "not_integer"),
        (12345678905.0, "not_integer"),
        (1.5, "not_integer"),
        (float("nan"), "not_integer"),
        (Decimal("12345678905"), "not_integer"),
        (Fraction(12345678905), "not_integer"),
        (True, "not_integer"),
        (False, "not_integer"),
        (-12345678905, "negative"),
        (-1, "negative"),
        (b"036000291452", "type"),
        (["036000291452"], "type"),
        ({"upc": "036000291452"}, "type"),
        ("0", "all_zeros"),
        ("00000000", "all_zeros"),
        ("000000000000", "all_zeros"),
        ("00000000000000", "all_zeros"),  # mod-10 "valid", still refused
        ("0000 0000 0000 0000 0000", "all_zeros"),
        (0, "all_zeros"),
        ("100036000291452", "length"),  # 15 digits, non-zero lead
        ("900000000000000000", "length"),
        (100036000291452, "length"),
        (10**400, "length"),
        # beyond Python's int->str conversion limit: never converted
        pytest.param(10**5000, "length", id="huge-int"),
        ("12345", "length"),
        ("1", "length"),
        ("425261", "length"),  # a bare UPC-E body: no check digit
        ("123456", "length"),
        (425261, "length"),
        ("0425261", "ambiguous"),  # 7 digits: NS + body without check, or lost zero?
        ("1234567", "ambiguous"),
        (1234567, "ambiguous"),
        ("1203688", "ambiguous"),
        ("2058940", "check_digit"),  # 7 digits, 02058940 is neither EAN-8 nor UPC-E
    ],
)
def test_refusals_carry_a_reason(raw, reason):
    exc = refusal(raw)
    assert exc.reason == reason
    assert isinstance(exc, ValueError)


def test_messages_say_why():
    assert "empty" in str(refusal(""))
    assert "check digit" in str(refusal("036000291453"))
    assert "digits" in str(refusal("03600029145X"))
    assert "zeros" in str(refusal("000000000000"))
    assert "not an integer" in str(refusal(12345678905.0))
    assert "ambiguous" in str(refusal("1234567"))
    assert "15 digits" in str(refusal("100036000291452"))
    assert len(str(refusal("x" * 10_000))) < 200  # long junk is not echoed in full


def test_reason_is_a_plain_string_code():
    exc = refusal("036000291453")
    assert exc.reason is Reason.CHECK_DIGIT
    assert exc.reason == "check_digit"
    assert json.dumps({"code": exc.reason}) == '{"code": "check_digit"}'
    again = pickle.loads(pickle.dumps(exc))
    assert (type(again), str(again), again.reason) == (InvalidBarcode, str(exc), exc.reason)


def test_no_check_digit_is_ever_computed_or_appended():
    # The 11-digit body of 036000291452 is taken as an 11-digit code, not completed.
    assert refusal("03600029145").reason == "check_digit"
    # and the 7-digit body of an EAN-8 is not completed either
    assert outcome("9638507") != ("ok", "00000096385074")


def test_check_digit_ok():
    assert check_digit_ok("036000291452")
    assert check_digit_ok("96385074")
    assert not check_digit_ok("036000291453")
    for junk in ["", "7", "03600029145x", "٠٣"]:
        assert not check_digit_ok(junk)


def test_try_normalize_gtin():
    assert try_normalize_gtin(None) is None
    assert try_normalize_gtin("") is None
    assert try_normalize_gtin(12345678905.0) is None
    assert try_normalize_gtin(12345678905) == "00012345678905"
    assert try_normalize_gtin(" 04252614 ") == "00042100005264"


# ---------------------------------------------------------------- properties

_DIGITS = "0123456789"


def digit_strings(min_size: int, max_size: int | None = None):
    return st.text(alphabet=_DIGITS, min_size=min_size, max_size=max_size or min_size)


@st.composite
def valid_long_codes(draw):
    """A valid code of the 12/13/14-digit family (check digit computed here)."""
    body = draw(digit_strings(8, 13))
    assume(body.strip("0"))
    return body + gs1_check(body)


@st.composite
def decorated(draw, digits: str):
    """`digits` with random whitespace and hyphens around and between them."""
    seps = st.sampled_from(["", "", "", " ", "-", "  ", " - ", "\t", "--"])
    parts = [draw(seps)]
    for ch in digits:
        parts += [ch, draw(seps)]
    return "".join(parts)


@st.composite
def repadded(draw, digits: str, min_len: int = 9, max_len: int = 20):
    """`digits` with its leading zeros removed then re-added, to `min_len`..`max_len`."""
    core = digits.lstrip("0")
    length = draw(st.integers(max(min_len, len(core)), max(max_len, len(core))))
    return core.zfill(length)


any_input = st.one_of(
    valid_long_codes(),
    valid_long_codes().flatmap(decorated),
    digit_strings(1, 20),
    st.text(alphabet=_DIGITS + " -", max_size=24),
    st.integers(min_value=-(10**15), max_value=10**16),
    st.text(max_size=20),
    st.floats(),
    st.booleans(),
)


@PROPERTY
@given(
    body=digit_strings(11),
    position=st.integers(0, 11),
    shift=st.integers(1, 9),
)
def test_upca_with_right_check_digit_is_accepted_and_any_single_digit_change_refused(
    body, position, shift
):
    assume(body.strip("0"))
    code = body + gs1_check(body)
    assert normalize_gtin(code) == "00" + code
    changed = code[:position] + str((int(code[position]) + shift) % 10) + code[position + 1 :]
    with pytest.raises(InvalidBarcode) as info:
        normalize_gtin(changed)
    assert info.value.reason == "check_digit"


@PROPERTY
@given(raw=any_input)
def test_normalization_is_idempotent(raw):
    result = try_normalize_gtin(raw)
    if result is not None:
        assert normalize_gtin(result) == result


@PROPERTY
@given(raw=any_input)
def test_result_is_14_ascii_digits_with_a_valid_check_digit(raw):
    result = try_normalize_gtin(raw)
    if result is not None:
        assert re.fullmatch(r"[0-9]{14}", result)
        assert is_valid(result)
        assert result != "0" * 14


@PROPERTY
@given(data=st.data(), digits=st.one_of(valid_long_codes(), digit_strings(9, 14)))
def test_leading_zeros_and_separators_never_change_the_result(data, digits):
    """For codes of 9+ digits (the family read as zero-padded GTINs)."""
    expected = outcome(digits)
    other = data.draw(repadded(digits))
    assert outcome(other) == expected
    assert outcome(data.draw(decorated(other))) == expected
    if len(digits.lstrip("0")) >= 9:  # an int keeps no leading zero at all
        assert outcome(int(digits)) == expected


@PROPERTY
@given(data=st.data(), digits=digit_strings(1, 20))
def test_separators_never_change_the_result(data, digits):
    assert outcome(data.draw(decorated(digits))) == outcome(digits)


@PROPERTY
@given(second=st.sampled_from("23456789"), rest=digit_strings(6))
def test_eight_digit_code_that_lost_its_leading_zero_reads_the_same(second, rest):
    code = "0" + second + rest
    assert outcome(code[1:]) == outcome(code)
    assert outcome(int(code)) == outcome(code)


@PROPERTY
@given(ns=st.sampled_from("01"), body=digit_strings(6), wrong=st.integers(1, 9))
def test_upce_follows_the_documented_rule(ns, body, wrong):
    upce_check = gs1_check(upce_to_upca(ns + body + "0")[:-1])
    code = ns + body + upce_check
    upca = upce_to_upca(code)
    assume(upca.strip("0"))
    if ns == "0" or not is_valid(code):
        assert normalize_gtin(code) == upca.zfill(14)
    else:  # NS 1 and also a valid EAN-8: EAN-8 wins
        assert normalize_gtin(code) == code.zfill(14)
    # a wrong UPC-E check digit: the EAN-8 reading, if it holds, else refused
    bad = code[:-1] + str((int(upce_check) + wrong) % 10)
    if is_valid(bad):
        assert normalize_gtin(bad) == bad.zfill(14)
    else:
        assert outcome(bad) == ("refused", "check_digit")


@PROPERTY
@given(n=st.one_of(st.integers(min_value=10**8, max_value=10**16), st.integers(0, 10**8)))
def test_int_input_equals_str_input(n):
    assert outcome(n) == outcome(str(n))


# ---------------------------------------------------------------- circulation


def _gtin14(body: str) -> str:
    """A valid GTIN-14 whose 13-digit body (after the indicator digit) starts with `body`."""
    full = body.ljust(13, "7")[:13]
    return full + gs1_check(full)


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        ("00036000291", Circulation.GLOBAL),  # GS1 US (UPC-A 036000…)
        ("0400638133", Circulation.GLOBAL),  # GS1 Germany (EAN-13 400…)
        ("0978030640", Circulation.GLOBAL),  # ISBN
        ("0021234", Circulation.RESTRICTED),  # UPC number system 2: random weight
        ("0041234", Circulation.RESTRICTED),  # UPC number system 4: in-store
        ("0212345", Circulation.RESTRICTED),  # EAN prefix 21: in-store, weighed
        ("0299999", Circulation.RESTRICTED),
        ("00000000123", Circulation.RESTRICTED),  # in-company prefix 0000000
        ("9012345", Circulation.RESTRICTED),  # indicator 9: variable measure
        ("0051234", Circulation.COUPON),  # UPC number system 5
        ("0981234", Circulation.COUPON),
        ("0991234", Circulation.COUPON),
        ("1400638133", Circulation.GLOBAL),  # a case of a global item
    ],
)
def test_circulation_by_gs1_prefix(body: str, kind: Circulation) -> None:
    assert circulation(_gtin14(body)) is kind


def test_gtin8_restricted_circulation_numbers_start_with_0_or_2() -> None:
    for first, kind in (("2", Circulation.RESTRICTED), ("9", Circulation.GLOBAL)):
        ean8 = first + "123456"
        gtin = normalize_gtin(ean8 + gs1_check(ean8))
        assert circulation(gtin) is kind


def test_global_gtin_is_only_for_valid_codes_of_global_circulation() -> None:
    weighed = "2" + "12345678901"[:11]
    weighed += gs1_check(weighed)  # a UPC-A with number system 2
    assert global_gtin("036000291452") == "00036000291452"
    assert global_gtin(weighed) is None
    assert global_gtin("036000291453") is None  # bad check digit
    assert global_gtin(None) is None


def test_global_gtin_answers_alike_from_its_cache() -> None:
    """Kept by value (the matcher asks it of every candidate): an int and its string
    are asked apart and agree, a cached answer is the fresh one, and the cache is bounded."""
    asked = ["036000291452", 36000291452, "036000291453", "0360-0029-1452", None]
    first = [global_gtin(raw) for raw in asked]
    global_gtin.cache_clear()
    assert [global_gtin(raw) for raw in reversed(asked)] == first[::-1]
    assert first[0] == first[1] == first[3] == "00036000291452"
    assert global_gtin.cache_info().maxsize is not None
