"""The issuer's registration number of Japan's qualified-invoice system (適格請求書等保存方式).

A receipt or an invoice is issued from the operator's registered details (seed 002 第19条),
and a qualified one carries the issuer's registration number (登録番号). 国税庁 publishes its
shape (適格請求書発行事業者公表サイト, 「登録番号とは」):

- an issuer with a corporate number (法人番号): ``T`` + that corporate number (13 digits);
- any other issuer (個人事業者, 人格のない社団等): ``T`` + 13 digits that are neither a
  My Number nor a corporate number; no check digit is published for them.

A corporate number's first digit is its check digit (検査用数字), computed from the other
twelve (the 基礎番号) by 法人番号の指定等に関する省令 (平成26年財務省令第70号) 第2条:
for P(n) the n-th digit of the 基礎番号 counted from the right (n = 1..12) and Q(n) = 1 when
n is odd and 2 when n is even, check digit = 9 - (sum of P(n) x Q(n) mod 9), so always 1-9.

The rule here: the format (``T`` and 13 ASCII digits, after NFKC so that full-width
``Ｔ７０１…`` reads as ``T701…``; nothing else inside, no hyphens or spaces) is always
checked; the check digit only when the operator says the number is a corporate number
(``corporate=True``, the default: charging operators are mostly companies). An individual's
number is accepted on its format alone, as 国税庁 defines no check for it.

Worked examples:

>>> check_digit("123456789012")  # 国税庁's own example: 法人番号 7123456789012
7
>>> str(RegistrationNumber.parse("T7010705000725"))  # 日本税理士会連合会
'T7010705000725'
>>> RegistrationNumber.parse("Ｔ４０１１００１０９８９９３").digits  # full width is read
'4011001098993'
>>> try:
...     RegistrationNumber.parse("T1010705000725")  # one digit off: refused
... except InvalidRegistrationNumber as refused:
...     print(refused)
registration number T1010705000725: its first digit 1 is not the corporate number's check \
digit 7 (法人番号の検査用数字)
>>> RegistrationNumber.parse("T1010705000725", corporate=False).digits  # an individual's
'1010705000725'
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Final

_DIGITS: Final = 13
_SHAPE: Final = re.compile(r"T([0-9]{13})")
_USAGE: Final = "'T' followed by 13 digits, with no spaces or hyphens (e.g. T7010705000725)"


class InvalidRegistrationNumber(ValueError):
    """The text is not a registration number; the message says why."""


def check_digit(base: str) -> int:
    """The check digit of a corporate number's twelve-digit 基礎番号 (財務省令第70号 第2条).

    >>> check_digit("011001098993")  # 法人番号 4011001098993
    4
    """
    if len(base) != _DIGITS - 1 or not base.isascii() or not base.isdigit():
        raise InvalidRegistrationNumber(f"a 基礎番号 has 12 digits, not {base!r}")
    total = sum(int(p) * (1 if n % 2 else 2) for n, p in enumerate(reversed(base), start=1))
    return 9 - total % 9


@dataclass(frozen=True, slots=True)
class RegistrationNumber:
    """A registration number: ``digits`` are the 13 digits after ``T``."""

    digits: str

    def __str__(self) -> str:
        return f"T{self.digits}"

    @classmethod
    def parse(cls, text: str, *, corporate: bool = True) -> RegistrationNumber:
        """Read ``T`` + 13 digits; with ``corporate`` its first digit must be the check digit.

        Raises:
            InvalidRegistrationNumber: the reason, in words, naming what was given.
        """
        value = unicodedata.normalize("NFKC", text).strip()
        found = _SHAPE.fullmatch(value)
        if found is None:
            raise InvalidRegistrationNumber(f"registration number {text!r}: {_problem(value)}")
        digits = found.group(1)
        if corporate:
            expected = check_digit(digits[1:])
            if int(digits[0]) != expected:
                raise InvalidRegistrationNumber(
                    f"registration number T{digits}: its first digit {digits[0]} is not the "
                    f"corporate number's check digit {expected} (法人番号の検査用数字)"
                )
        return cls(digits)


def _problem(value: str) -> str:
    """What is wrong with a text that is not ``T`` + 13 digits."""
    if not value.startswith("T"):
        return f"it must start with 'T'; expected {_USAGE}"
    rest = value[1:]
    if rest.isascii() and rest.isdigit():
        return f"it has {len(rest)} digits after 'T', not 13"
    return f"expected {_USAGE}"
