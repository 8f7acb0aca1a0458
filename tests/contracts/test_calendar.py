"""Contract calendar: last trading days, listed months, symbols and the day count."""

from __future__ import annotations

import calendar
import datetime as dt

from hypothesis import given, settings, strategies as st

import pytest

from hedging.contracts.calendar import (
    MONTH_CODES, find_contract, last_business_day, listed_contracts, month_code,
    third_wednesday, year_fraction,
)

D = dt.date


def _third_wednesday_stdlib(year: int, month: int) -> dt.date:
    weds = [week[calendar.WEDNESDAY] for week in calendar.monthcalendar(year, month)
            if week[calendar.WEDNESDAY]]
    return D(year, month, weds[2])


@pytest.mark.parametrize("year, month, expected", [
    (2026, 1, D(2026, 1, 21)), (2026, 3, D(2026, 3, 18)), (2026, 7, D(2026, 7, 15)),
    (2026, 12, D(2026, 12, 16)), (2027, 3, D(2027, 3, 17)), (2027, 6, D(2027, 6, 16)),
])
def test_third_wednesday_known_dates(year, month, expected):
    """Dates checked against a printed 2026/2027 calendar and Python's calendar module."""
    assert third_wednesday(year, month) == expected
    assert expected.weekday() == calendar.WEDNESDAY


def test_third_wednesday_matches_calendar_module_for_ten_years():
    for year in range(2024, 2035):
        for month in range(1, 13):
            d = third_wednesday(year, month)
            assert d == _third_wednesday_stdlib(year, month)
            assert 15 <= d.day <= 21


@pytest.mark.parametrize("year, month, expected", [
    (2026, 1, D(2026, 1, 30)),    # 31 Jan 2026 is a Saturday
    (2026, 5, D(2026, 5, 29)),    # 31 May 2026 is a Sunday
    (2026, 12, D(2026, 12, 31)),  # Thursday
    (2027, 2, D(2027, 2, 26)),    # 28 Feb 2027 is a Sunday
])
def test_last_business_day(year, month, expected):
    assert last_business_day(year, month) == expected


def test_last_business_day_is_weekday_and_last():
    for year in (2026, 2027, 2028):
        for month in range(1, 13):
            d = last_business_day(year, month)
            assert d.weekday() < 5
            end = D(year, month, calendar.monthrange(year, month)[1])
            assert all((d + dt.timedelta(days=k)).weekday() >= 5 for k in range(1, (end - d).days + 1))


def test_month_codes():
    assert MONTH_CODES == "FGHJKMNQUVXZ"
    assert month_code(1) == "F" and month_code(3) == "H" and month_code(12) == "Z"
    with pytest.raises(ValueError):
        month_code(13)


def _symbols(spec, as_of):
    return [c.symbol for c in listed_contracts(spec, as_of)]


def test_sit_listing_on_and_after_the_last_trading_day(sit):
    """On its last trading day (third Wednesday, 2026-01-21) January still trades; next day not."""
    assert _symbols(sit, D(2026, 1, 21)) == [
        "SITF26", "SITG26", "SITH26", "SITJ26", "SITK26", "SITM26",
        "SITU26", "SITZ26", "SITH27", "SITM27"]
    assert _symbols(sit, D(2026, 1, 22)) == [
        "SITG26", "SITH26", "SITJ26", "SITK26", "SITM26", "SITN26",
        "SITU26", "SITZ26", "SITH27", "SITM27"]
    assert _symbols(sit, D(2026, 1, 20))[0] == "SITF26"


def test_sit_quarterlies_come_after_the_six_monthlies(sit):
    listed = listed_contracts(sit, D(2026, 7, 20))  # July LTD was 2026-07-15
    assert [c.symbol for c in listed] == [
        "SITQ26", "SITU26", "SITV26", "SITX26", "SITZ26", "SITF27",
        "SITH27", "SITM27", "SITU27", "SITZ27"]
    assert [c.quarterly_listing for c in listed] == [False] * 6 + [True] * 4


def test_sit_year_rollover(sit):
    listed = listed_contracts(sit, D(2026, 12, 17))  # Dec LTD was 2026-12-16
    assert [c.symbol for c in listed] == [
        "SITF27", "SITG27", "SITH27", "SITJ27", "SITK27", "SITM27",
        "SITU27", "SITZ27", "SITH28", "SITM28"]
    front = listed[0]
    assert (front.year, front.month) == (2027, 1)
    assert front.last_trading_day == D(2027, 1, 20)
    assert front.settlement_start == front.settlement_end == front.last_trading_day


def test_gpu_twelve_consecutive_months(gpuh):
    listed = listed_contracts(gpuh, D(2026, 1, 30))
    assert len(listed) == 12
    assert listed[0].symbol == "GPUHF26" and listed[-1].symbol == "GPUHZ26"
    assert _symbols(gpuh, D(2026, 1, 31))[0] == "GPUHG26"  # Saturday after the Jan LTD
    assert _symbols(gpuh, D(2026, 12, 31)) == [f"GPUH{c}{'26' if c == 'Z' else '27'}"
                                             for c in "Z" + MONTH_CODES[:11]]
    feb = listed[1]
    assert (feb.first_day, feb.last_day) == (D(2026, 2, 1), D(2026, 2, 28))
    assert (feb.settlement_start, feb.settlement_end) == (feb.first_day, feb.last_day)
    assert feb.last_trading_day == D(2026, 2, 27)
    assert feb.label == "2026-02" and feb.delivery_month == D(2026, 2, 1)


@settings(max_examples=200, deadline=None)
@given(st.dates(min_value=D(2024, 1, 1), max_value=D(2040, 12, 31)))
def test_listing_invariants(as_of):
    from hedging.contracts.specs import load_specs

    for spec in load_specs().values():
        listed = listed_contracts(spec, as_of)
        monthly, quarterly = spec.listing_counts
        assert len(listed) == monthly + quarterly
        assert all(c.last_trading_day >= as_of for c in listed)
        months = [c.year * 12 + c.month for c in listed]
        assert months == sorted(set(months))
        assert all(b - a == 1 for a, b in zip(months[:monthly], months[1:monthly]))
        assert all(c.month in (3, 6, 9, 12) for c in listed[monthly:])
        # the front contract is the first whose last trading day is on/after as_of
        prev_month = dt.date(listed[0].year, listed[0].month, 1) - dt.timedelta(days=1)
        earlier = find_contract(spec, f"{spec.root}{MONTH_CODES[prev_month.month - 1]}"
                                      f"{prev_month.year % 100:02d}")
        assert earlier.last_trading_day < as_of
        if quarterly:  # no quarterly month skipped between the monthlies and the quarterlies
            gap = [m for m in range(months[monthly - 1] + 1, months[monthly])
                   if (m - 1) % 12 + 1 in (3, 6, 9, 12)]
            assert gap == []


def test_find_contract_round_trip(sit, gpuh):
    for spec in (sit, gpuh):
        for c in listed_contracts(spec, D(2026, 5, 5)):
            assert find_contract(spec, c.symbol) == c.__class__(**{**c.__dict__,
                                                                   "quarterly_listing": False})
    with pytest.raises(ValueError):
        find_contract(sit, "GPUHF27")


def test_year_fraction_is_act_365_25():
    assert year_fraction(D(2026, 1, 1), D(2027, 1, 1)) == 365 / 365.25
    assert year_fraction(D(2026, 1, 1), D(2030, 1, 1)) == 1461 / 365.25 == 4.0
    assert year_fraction(D(2026, 3, 1), D(2026, 2, 1)) == -28 / 365.25
    assert year_fraction(dt.datetime(2026, 1, 1, 12), D(2026, 1, 2)) == 1 / 365.25
