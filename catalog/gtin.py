"""Barcode (UPC/EAN/GTIN) normalization: pure functions, no guessing.

Every accepted code is returned as ONE canonical GTIN-14 string: 14 ASCII digits,
left-padded with zeros.  The check digit must already be right: it is never computed
for the caller nor appended.  Every refusal raises `InvalidBarcode`, whose message says
why and whose `reason` is a short machine-readable code (see `Reason`).

Input
  * `str`: whitespace and ASCII hyphens are removed (nothing else: no dots, no Unicode
    dashes); what is left must be ASCII digits (``"٣"`` or ``"３"`` are refused).
  * `int` (a JSON number): read as its decimal digits, then the rules below, so
    ``12345678905`` is the UPC-A ``012345678905`` that lost its leading zero.  Negative
    ints are refused.  `float` (even ``12345678905.0``), `bool`, `Decimal` etc. are
    refused with reason ``not_integer``; other types with reason ``type``.

Rules, by the number of digits
  * all zeros (any length): refused.
  * more than 14: accepted only when the extra leading digits are all zeros (they are
    dropped), otherwise refused.
  * 12 (UPC-A), 13 (EAN-13), 14 (GTIN-14): the GS1 mod-10 check digit must hold.
  * 9, 10, 11: a UPC-A/EAN-13/GTIN-14 that lost leading zeros (a spreadsheet did it);
    the check digit must hold (it is invariant under left zero padding).  Any code of
    9 or more digits is read literally as a zero-padded GTIN, never as UPC-E.
  * 8: EAN-8 or UPC-E, resolved deterministically in this order:
      1. it starts with 0 and is a valid UPC-E: UPC-E (GS1-8 prefix 0 is for restricted
         circulation numbers, so real EAN-8s rarely start with 0, whereas UPC-E with
         number system 0 is the common UPC-E);
      2. it is a valid EAN-8: EAN-8;
      3. it starts with 1 and is a valid UPC-E: UPC-E;
      4. otherwise refused.
    A UPC-E is number system (0 or 1), six body digits, check digit; it is expanded to
    UPC-A by the GS1 table (`expand_upce`) and its check digit must be the UPC-A's.
    The result of a UPC-E is its UPC-A in GTIN-14 form.  Two different UPC-E codes may
    expand to the same UPC-A (e.g. ``0ab0xy2c`` and ``0ab2xy3c``); both give the same
    GTIN-14, which is the point of normalizing.
  * 7: the value is an 8-digit code that lost its leading zero only when it starts with
    2-9; then it is read as ``"0" + value`` by the 8-digit rule above (so UPC-E wins
    over EAN-8, as for any 8-digit code starting with 0).  A 7-digit value starting
    with 0 or 1 is refused (reason ``ambiguous``): it may equally be a UPC-E written as
    number system + six body digits without its check digit, which cannot be verified.
    (Starting with 2-9 it cannot be that: a UPC-E number system is 0 or 1.)
  * 6 or fewer: refused.  Six digits are typically a UPC-E body without number system
    and check digit, which cannot be verified.

Consequences: separators never change the result; adding or removing leading zeros
never changes it as long as the code keeps at least 9 digits; an 8-digit code starting
with 0 then 2-9 gives the same result with its leading zero dropped.  Zero-padding an
8-digit code to 9+ digits changes its reading (a UPC-E then no longer is one): the
8-digit form is the meaningful one.
"""

from __future__ import annotations

import numbers
import re
from enum import StrEnum
from functools import lru_cache

__all__ = [
    "Circulation",
    "InvalidBarcode",
    "Reason",
    "check_digit_ok",
    "circulation",
    "expand_upce",
    "global_gtin",
    "normalize_gtin",
    "try_normalize_gtin",
]

_SEPARATORS = re.compile(r"[\s\-]+")
_ASCII_DIGITS = re.compile(r"[0-9]+")
_GTIN14 = 14
_MAX_INT = 10**_GTIN14  # ints at or above this have a non-zero digit beyond 14 digits
_SHOWN = 40  # longest part of a refused value echoed in a message


class Reason(StrEnum):
    """Why a barcode was refused (a `str`, so it compares and serializes as one)."""

    EMPTY = "empty"
    NOT_DIGITS = "not_digits"
    LENGTH = "length"
    CHECK_DIGIT = "check_digit"
    ALL_ZEROS = "all_zeros"
    NOT_INTEGER = "not_integer"
    NEGATIVE = "negative"
    AMBIGUOUS = "ambiguous"
    TYPE = "type"


class InvalidBarcode(ValueError):
    """The value is not a usable GTIN; the message says why, `reason` says it in short."""

    def __init__(self, message: str, reason: Reason) -> None:
        super().__init__(message)
        self.reason = Reason(reason)

    def __reduce__(
        self,
    ) -> tuple[
        type[InvalidBarcode], tuple[str, Reason]
    ]:  # keep `reason` through pickling (e.g. across processes)
        return (type(self), (str(self), self.reason))


def _shown(raw: object) -> str:
    text = repr(raw)
    return text if len(text) <= _SHOWN else text[: _SHOWN - 3] + "..."


def _check_digit(body: str) -> int:
    """GS1 mod-10 check digit of `body`: weights 3,1,3,… from the right."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10


def check_digit_ok(digits: str) -> bool:
    """Whether the last digit of `digits` is the GS1 mod-10 check digit of the rest.

    False for anything but two or more ASCII digits.
    """
    if len(digits) < 2 or not _ASCII_DIGITS.fullmatch(digits):
        return False
    return _check_digit(digits[:-1]) == int(digits[-1])


def expand_upce(code: str) -> str:
    """The 12-digit UPC-A that the 8-digit UPC-E `code` stands for (GS1 table).

    `code` is number system (0 or 1), six body digits d1..d6, check digit; the check
    digit is copied, not verified (see `check_digit_ok`).  By d6:
      0-2: NS d1 d2 d6 0 0 0 0 d3 d4 d5 C
      3:   NS d1 d2 d3 0 0 0 0 0 d4 d5 C
      4:   NS d1 d2 d3 d4 0 0 0 0 0 d5 C
      5-9: NS d1 d2 d3 d4 d5 0 0 0 0 d6 C
    """
    if len(code) != 8 or not _ASCII_DIGITS.fullmatch(code) or code[0] not in "01":
        raise ValueError(f"not a UPC-E (number system 0/1, 6 digits, check): {code!r}")
    ns, d, check = code[0], code[1:7], code[7]
    last = d[5]
    if last in "012":
        middle = d[0:2] + last + "0000" + d[2:5]
    elif last == "3":
        middle = d[0:3] + "00000" + d[3:5]
    elif last == "4":
        middle = d[0:4] + "00000" + d[4]
    else:
        middle = d[0:5] + "0000" + last
    return ns + middle + check


def _valid_upce(code: str) -> str | None:
    """The UPC-A of `code` when `code` is a UPC-E with a right check digit, else None."""
    if code[0] not in "01":
        return None
    upca = expand_upce(code)
    return upca if check_digit_ok(upca) else None


def _eight_digits(code: str, raw: object) -> str:
    upca = _valid_upce(code) if code[0] == "0" else None
    if upca is not None:
        return upca.zfill(_GTIN14)
    if check_digit_ok(code):
        return code.zfill(_GTIN14)
    upca = _valid_upce(code) if code[0] == "1" else None
    if upca is not None:
        return upca.zfill(_GTIN14)
    raise InvalidBarcode(
        f"barcode {_shown(raw)} has a wrong check digit: it is neither a valid EAN-8 "
        "nor a valid UPC-E",
        Reason.CHECK_DIGIT,
    )


def _digits_of(raw: object) -> str:
    """The ASCII digits `raw` stands for, or raise (type, sign, characters, emptiness)."""
    if raw is None:
        raise InvalidBarcode("empty barcode", Reason.EMPTY)
    if isinstance(raw, bool):
        raise InvalidBarcode(f"barcode given as a boolean ({raw!r})", Reason.NOT_INTEGER)
    if isinstance(raw, numbers.Integral):
        value = int(raw)
        if value < 0:
            raise InvalidBarcode(f"barcode given as a negative number ({value})", Reason.NEGATIVE)
        if value >= _MAX_INT:  # also keeps str() away from huge ints
            raise InvalidBarcode(  # not echoed: str() of a huge int may even raise
                f"barcode given as a number with more than {_GTIN14} digits", Reason.LENGTH
            )
        return str(value)
    if isinstance(raw, numbers.Number):
        raise InvalidBarcode(
            f"barcode given as a {type(raw).__name__} ({_shown(raw)}), not an integer; "
            "send it as a string or an integer",
            Reason.NOT_INTEGER,
        )
    if not isinstance(raw, str):
        raise InvalidBarcode(
            f"barcode must be a string or an integer, not {type(raw).__name__}", Reason.TYPE
        )
    cleaned = _SEPARATORS.sub("", raw)
    if not cleaned:
        raise InvalidBarcode("empty barcode", Reason.EMPTY)
    if not _ASCII_DIGITS.fullmatch(cleaned):
        raise InvalidBarcode(
            f"barcode {_shown(raw)} has characters other than ASCII digits, spaces and hyphens",
            Reason.NOT_DIGITS,
        )
    return cleaned


def normalize_gtin(raw: str | int) -> str:
    """The GTIN-14 form of `raw` (UPC-A, UPC-E, EAN-8, EAN-13 or GTIN-14), or raise
    `InvalidBarcode`.  The rules are in the module docstring."""
    code = _digits_of(raw)
    if code.count("0") == len(code):
        raise InvalidBarcode(f"barcode {_shown(raw)} is all zeros", Reason.ALL_ZEROS)
    n = len(code)
    if n > _GTIN14:
        extra = n - _GTIN14
        if code[:extra].count("0") != extra:
            raise InvalidBarcode(
                f"barcode {_shown(raw)} has {n} digits; a GTIN has at most {_GTIN14} "
                "(more only when the extra leading digits are zeros)",
                Reason.LENGTH,
            )
        code, n = code[extra:], _GTIN14
    if n >= 9:
        if not check_digit_ok(code):
            raise InvalidBarcode(
                f"barcode {_shown(raw)} has a wrong check digit", Reason.CHECK_DIGIT
            )
        return code.zfill(_GTIN14)
    if n == 8:
        return _eight_digits(code, raw)
    if n == 7:
        if code[0] in "01":
            raise InvalidBarcode(
                f"7-digit barcode {_shown(raw)} is ambiguous: it may be a UPC-E without its "
                "check digit (which cannot be verified) or an 8-digit code that lost a "
                "leading zero; send all 8 digits",
                Reason.AMBIGUOUS,
            )
        return _eight_digits("0" + code, raw)
    if n == 6:
        raise InvalidBarcode(
            f"barcode {_shown(raw)} has 6 digits: a UPC-E without number system and check "
            "digit cannot be verified; send the 8-digit UPC-E or the 12-digit UPC-A",
            Reason.LENGTH,
        )
    raise InvalidBarcode(f"barcode {_shown(raw)} has {n} digits; expected 8 to 14", Reason.LENGTH)


def try_normalize_gtin(raw: str | int | None) -> str | None:
    """The normalized GTIN, or None when `raw` is missing or invalid."""
    if raw is None:
        return None
    try:
        return normalize_gtin(raw)
    except InvalidBarcode:
        return None


class Circulation(StrEnum):
    """Whom a valid GTIN identifies a product for (the GS1 prefix says it)."""

    GLOBAL = "global"  # one trade item, the same in every store
    RESTRICTED = "restricted_circulation"  # in-store or in-company numbers (weighed items)
    COUPON = "coupon"  # coupons and refund receipts: not a product at all


def circulation(gtin14: str) -> Circulation:
    """The circulation of a normalized GTIN-14 (`normalize_gtin`'s output).

    Restricted: GS1 prefixes 020–029 and 040–049 (UPC number systems 2 and 4: random
    weight and in-store codes), 200–299 (regional in-store numbers), the in-company
    prefix 0000000, GTIN-8 restricted circulation numbers (starting 0 or 2) and
    indicator digit 9 (variable measure). Coupons: 050–059 (UPC number system 5) and
    980–999 (refund receipts and coupons). Two stores may use one such code for two
    different things, so it is stored but never links products across stores."""
    if gtin14[0] == "9":
        return Circulation.RESTRICTED
    if gtin14.startswith("000000"):  # a GTIN-8
        return Circulation.RESTRICTED if gtin14[6] in "02" else Circulation.GLOBAL
    prefix = int(gtin14[1:4])
    if gtin14[1:8] == "0000000" or 20 <= prefix <= 29 or 40 <= prefix <= 49:
        return Circulation.RESTRICTED
    if 200 <= prefix <= 299:
        return Circulation.RESTRICTED
    if 50 <= prefix <= 59 or prefix >= 980:
        return Circulation.COUPON
    return Circulation.GLOBAL


@lru_cache(maxsize=16384)  # the matcher asks it of each candidate's GTIN, for every store product
def global_gtin(raw: str | int | None) -> str | None:
    """The normalized GTIN when `raw` is a valid code of global circulation, else None:
    the only codes that may link products of different stores."""
    gtin = try_normalize_gtin(raw)
    if gtin is None or circulation(gtin) is not Circulation.GLOBAL:
        return None
    return gtin
