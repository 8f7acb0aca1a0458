"""hedging.fmt: the product's one number format, as a table of cases and a few invariants."""

from __future__ import annotations

import datetime as dt
import math
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from hedging import fmt

CASES = [
    # money: whole dollars from $1,000, cents below, the sign before the dollar
    (fmt.money, (1234567.4,), "$1,234,567"),
    (fmt.money, (4864846.069,), "$4,864,846"),
    (fmt.money, (-1234,), "-$1,234"),
    (fmt.money, (-85080.0,), "-$85,080"),
    (fmt.money, (999.5,), "$999.50"),
    (fmt.money, (999.996,), "$1,000"),          # rounds up into whole dollars, never "$1,000.00"
    (fmt.money, (1000,), "$1,000"),
    (fmt.money, (0.005,), "$0.01"),
    (fmt.money, (-0.001,), "$0.00"),            # no "-$0.00"
    (fmt.money, (0,), "$0.00"),
    (fmt.money, (4900000,), "$4,900,000"),
    (fmt.money, (np.float64(343242.36),), "$343,242"),
    (fmt.money, (None,), "—"),
    (fmt.money, (float("nan"),), "—"),
    (fmt.money, (float("inf"),), "—"),
    (fmt.money, (pd.NA,), "—"),
    (fmt.money, ("12,500.4",), "$12,500"),
    (fmt.money, ("n/a",), "—"),
    (fmt.money, (True,), "—"),
    (fmt.money, (1234.5,), "$1,235"),
    (fmt.money, (12.5,), "$12.50"),
    (fmt.share_change, (-7.96e297, 0), "-796" + ",000" * 99 + "%"),   # any float, however large
    # a change in dollars is always signed
    (fmt.money_change, (1234,), "+$1,234"),
    (fmt.money_change, (-57.25,), "-$57.25"),
    (fmt.money_change, (0.0,), "$0.00"),
    (fmt.money_change, (-0.004,), "$0.00"),
    # shares and percentage points are kept apart
    (fmt.share, (0.123,), "12.3%"),
    (fmt.share, (-0.0004,), "0.0%"),          # never "-0.0%"
    (fmt.share, (-0.0006,), "-0.1%"),
    (fmt.share, (0.45, 0), "45%"),
    (fmt.share, (1.0,), "100.0%"),
    (fmt.share, (None,), "—"),
    (fmt.share_change, (0.123,), "+12.3%"),
    (fmt.share_change, (-0.2,), "-20.0%"),
    (fmt.points, (0.041,), "+4.1 pp"),
    (fmt.points, (-0.02,), "-2.0 pp"),
    (fmt.points, (-0.0004,), "0.0 pp"),
    (fmt.points, (0.0,), "0.0 pp"),
    (fmt.points, (float("nan"),), "—"),
    # plain numbers and counts
    (fmt.count, (12000,), "12,000"),
    (fmt.count, (12000.6,), "12,001"),
    (fmt.count, (-3,), "-3"),
    (fmt.count, (5, True), "+5"),
    (fmt.number, (1234567.891, 1), "1,234,567.9"),
    (fmt.number, (4200, 0, False, "GPU-hours"), "4,200 GPU-hours"),
    (fmt.ratio, (0.8764,), "0.88"),
    (fmt.ratio, (-0.004,), "0.00"),
    (fmt.ratio_change, (-1.028,), "-1.03"),
    (fmt.ratio_change, (0.19,), "+0.19"),
    # a formula's second term never reads "+ -x"
    (fmt.term, (-0.19,), "− 0.19"),
    (fmt.term, (0.19,), "+ 0.19"),
    (fmt.term, (-0.001,), "+ 0.00"),
    (fmt.multiple, (1.79,), "1.8×"),
    # prices at the contract's tick
    (fmt.tick_decimals, (0.01,), 2),
    (fmt.tick_decimals, (0.005,), 3),
    (fmt.tick_decimals, (0.25,), 2),
    (fmt.tick_decimals, (1.0,), 0),
    (fmt.tick_decimals, (10,), 0),
    (fmt.price, (2.4567, 0.005), "$2.457"),
    (fmt.price, (0.69771, 0.01), "$0.70"),
    (fmt.price, (1234.5, 1.0), "$1,235"),
    (fmt.price, (0.6977,), "$0.6977"),
    (fmt.price, (2.15,), "$2.15"),
    (fmt.price, (None, 0.01), "—"),
    # margins also as a share of notional
    (fmt.margin, (200.0, 2500.0), "$200.00 (8.0% of notional)"),
    (fmt.margin, (499.2485, 4990.0), "$499.25 (10.0% of notional)"),
    (fmt.margin, (1200.0, 0.0), "$1,200"),
    (fmt.margin, (9194.0, 95058.66, False), "$9,194 (9.7%)"),
    (fmt.margin, (None, 100.0), "—"),
    # dates and months
    (fmt.date, (dt.date(2026, 12, 6),), "6 Dec 2026"),
    (fmt.date, ("2026-12-06",), "6 Dec 2026"),
    (fmt.date, ("2026-12-06T00:00:00",), "6 Dec 2026"),
    (fmt.date, (pd.Timestamp("2027-01-20"),), "20 Jan 2027"),
    (fmt.date, (dt.datetime(2026, 3, 1, 12, 30),), "1 Mar 2026"),
    (fmt.date, (pd.NaT,), "—"),
    (fmt.date, ("soon",), "—"),
    (fmt.month, ("2026-12-01",), "Dec 2026"),
    (fmt.month, ("2026-12",), "Dec 2026"),
    (fmt.month, (pd.Timestamp("2027-03-01"),), "Mar 2027"),
    (fmt.csv_header, ("notional", "USD"), "notional (USD)"),
    # what a person types for an amount
    (fmt.parse_amount, ("$4,900,000",), 4_900_000.0),
    (fmt.parse_amount, ("4900000",), 4_900_000.0),
    (fmt.parse_amount, ("4.9m",), 4_900_000.0),
    (fmt.parse_amount, ("4.9 M",), 4_900_000.0),
    (fmt.parse_amount, ("250k",), 250_000.0),
    (fmt.parse_amount, ("1.2bn",), 1_200_000_000.0),
    (fmt.parse_amount, ("USD 75,000",), 75_000.0),
    (fmt.parse_amount, ("  ",), None),
    (fmt.parse_amount, (None,), None),
    (fmt.csv_header, ("notional (USD)", "USD"), "notional (USD)"),
]


@pytest.mark.parametrize(("func", "args", "expected"), CASES,
                         ids=[f"{f.__name__}{a!r}" for f, a, _ in CASES])
def test_format_cases(func, args, expected):
    assert func(*args) == expected


@example(0.995)          # binary 0.99499999…: a reader rounds the amount shown, 0.995, half up to $1.00
@example(-2.675)
@example(1234.5)
@given(st.floats(min_value=-1e12, max_value=1e12, allow_nan=False))
def test_money_reads_back_as_the_rounded_amount(x):
    """Independent check: strip the symbols and the text parses to the value as written (its
    shortest repr) rounded half up to the places shown, as a finance reader rounds by hand."""
    text = fmt.money(x)
    assert "-$0" not in text.replace("-$0.", "") or abs(x) >= 0.005
    back = Decimal(text.replace("$", "").replace(",", ""))
    places = 2 if "." in text else 0
    written = Decimal(repr(x)).quantize(Decimal(10) ** -places, rounding=ROUND_HALF_UP)
    assert back == (written if written != 0 else 0)
    cents = Decimal(repr(abs(x))).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    assert (places == 0) == (cents >= 1000)
    assert not text.startswith("$-") and "+ -" not in text


@given(st.floats(min_value=-10, max_value=10, allow_nan=False))
def test_no_negative_zero_and_a_sign_on_every_change(x):
    for text in (fmt.share(x), fmt.points(x), fmt.money_change(x), fmt.ratio_change(x), fmt.share_change(x)):
        digits = text.strip("-+$%p ×").replace(",", "").replace(".", "")
        if set(digits) <= {"0"}:
            assert not text.startswith(("-", "+")), text
        elif text not in (fmt.share(x),):
            assert text[0] in "+-", text
    if round(abs(x) * 100, 1) != 0:
        assert fmt.points(x).startswith("+" if x > 0 else "-")


def test_values_are_never_rounded_where_they_are_kept():
    x = 4864846.069
    assert fmt.money(x) == "$4,864,846" and x == 4864846.069
    assert math.isclose(fmt.as_number("$4,864,846.069"), x)


@pytest.mark.parametrize("text", ["four million", "4.9x", "1e400", "--5"])
def test_an_amount_that_cannot_be_read_names_the_text_and_the_forms(text):
    with pytest.raises(ValueError, match="is not an amount; type it as 4900000"):
        fmt.parse_amount(text)


@given(st.floats(min_value=0, max_value=1e12, allow_nan=False))
def test_a_shown_amount_reads_back(x):
    assert fmt.parse_amount(fmt.money(x)) == pytest.approx(float(fmt.money(x).replace("$", "").replace(",", "")))


@pytest.mark.parametrize("text, lots", [("1,000,000", 1_000_000), ("1000000", 1_000_000), ("1m", 1_000_000),
                                        ("250k", 250_000), ("1.1k", 1_100), ("0.7m", 700_000), (" 4,900 ", 4_900),
                                        ("0", 0), ("", None), (None, None)])
def test_a_count_of_lots_reads_as_typed(text, lots):
    assert fmt.parse_count(text) == lots


@pytest.mark.parametrize("text", ["abc", "2.5", "1.2345k", "1e400", "--5", "4,9OO"])
def test_a_count_that_is_not_whole_names_the_text_and_the_forms(text):
    with pytest.raises(ValueError, match=r"is not a whole number of lots; type it as 1000000, 1,000,000, 1m or 250k"):
        fmt.parse_count(text)


def test_a_dollar_amount_typed_for_lots_says_it_is_a_count():
    with pytest.raises(ValueError, match=r"'\$5,000' is not a whole number of lots.*a count, not a dollar amount"):
        fmt.parse_count("$5,000")


@given(st.integers(min_value=0, max_value=10**12))
def test_a_shown_count_reads_back(n):
    assert fmt.parse_count(fmt.count(n)) == n
