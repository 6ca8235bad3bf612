"""The issuer's registration number (適格請求書の登録番号): T + 13 digits, the corporate
number's check digit (法人番号の指定等に関する省令 第2条) when the issuer is a corporation."""

from __future__ import annotations

import doctest

import pytest
from hypothesis import given
from hypothesis import strategies as st

import csms.billing.registration
from csms.billing.registration import InvalidRegistrationNumber, RegistrationNumber, check_digit

# Published corporate numbers and 国税庁's own worked example (7123456789012).
CORPORATE_NUMBERS = ["7123456789012", "7010705000725", "4011001098993", "2120901007402"]


def test_the_module_s_worked_examples_hold() -> None:
    failed, tried = doctest.testmod(csms.billing.registration)
    assert tried >= 5
    assert failed == 0


@pytest.mark.parametrize("number", CORPORATE_NUMBERS)
def test_published_corporate_numbers_have_their_check_digit(number: str) -> None:
    assert check_digit(number[1:]) == int(number[0])
    assert str(RegistrationNumber.parse(f"T{number}")) == f"T{number}"


def test_the_check_digit_step_by_step() -> None:
    # 123456789012 from the right: 2x1 + 1x2 + 0x1 + 9x2 + 8x1 + 7x2 + 6x1 + 5x2 + 4x1 + 3x2
    # + 2x1 + 1x2 = 74; 74 mod 9 = 2; 9 - 2 = 7.
    assert check_digit("123456789012") == 7
    assert check_digit("000000000000") == 9  # 9 - 0
    assert check_digit("000000000009") == 9  # 9 mod 9 = 0: never 0, never 10


@given(st.text(alphabet="0123456789", min_size=12, max_size=12))
def test_a_check_digit_is_always_one_to_nine(base: str) -> None:
    assert 1 <= check_digit(base) <= 9


@given(st.text(alphabet="0123456789", min_size=12, max_size=12), st.integers(0, 11))
def test_one_changed_digit_is_caught_unless_it_swaps_0_and_9(base: str, at: int) -> None:
    number = f"{check_digit(base)}{base}"
    digit = int(base[at])
    changed = base[:at] + str((digit + 1) % 10) + base[at + 1 :]
    if {digit, (digit + 1) % 10} == {0, 9}:  # the published weak spot: 9 = 0 mod 9
        return
    with pytest.raises(InvalidRegistrationNumber, match="check digit"):
        RegistrationNumber.parse(f"T{number[0]}{changed}")


def test_a_wrong_check_digit_is_refused_with_the_expected_one() -> None:
    with pytest.raises(InvalidRegistrationNumber) as refused:
        RegistrationNumber.parse("T8010705000725")
    assert "first digit 8" in str(refused.value)
    assert "check digit 7" in str(refused.value)


def test_an_individual_s_number_is_checked_for_its_format_only() -> None:
    number = RegistrationNumber.parse("T8010705000725", corporate=False)
    assert number.digits == "8010705000725"
    with pytest.raises(InvalidRegistrationNumber, match="13"):
        RegistrationNumber.parse("T801070500072", corporate=False)


def test_full_width_input_and_surrounding_blanks_are_read() -> None:
    assert str(RegistrationNumber.parse(" Ｔ７０１０７０５０００７２５\n")) == "T7010705000725"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("7010705000725", "must start with 'T'"),
        ("t7010705000725", "must start with 'T'"),
        ("T701070500072", "12 digits after 'T', not 13"),
        ("T70107050007250", "14 digits after 'T', not 13"),
        ("T7-0107-0500-0725", "no spaces or hyphens"),
        ("T 7010705000725", "no spaces or hyphens"),
        ("T701070500072X", "'T' followed by 13 digits"),
        ("", "must start with 'T'"),
        ("T", "'T' followed by 13 digits"),
    ],
)
def test_a_malformed_number_is_refused_saying_why(text: str, reason: str) -> None:
    with pytest.raises(InvalidRegistrationNumber) as refused:
        RegistrationNumber.parse(text, corporate=False)
    assert reason in str(refused.value)


def test_a_base_number_must_be_twelve_ascii_digits() -> None:
    for base in ("12345678901", "1234567890123", "１２３４５６７８９０１２", "12345678901a"):
        with pytest.raises(InvalidRegistrationNumber):
            check_digit(base)
