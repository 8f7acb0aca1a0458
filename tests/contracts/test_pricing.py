"""Tick rounding and the forward curve with market-maker quotes (arXiv 2603.21690 §5.4)."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from scipy.integrate import quad

from hedging.contracts.calendar import listed_contracts, year_fraction
from hedging.contracts.pricing import (
    PriceModel, forward_curve, round_to_tick, spread_fraction,
)
from hedging.errors import InputError

from .conftest import GeometricForward

D = dt.date


@pytest.mark.parametrize("price, tick, mode, expected", [
    (0.105, 0.01, "nearest", 0.11),     # 0.105 / 0.01 = 10.4999999... in binary
    (0.1049, 0.01, "nearest", 0.10),
    (0.115, 0.01, "nearest", 0.12),
    (1.005, 0.01, "nearest", 1.01),
    (0.07, 0.01, "down", 0.07),         # 0.07 / 0.01 = 7.000000000000001
    (0.29, 0.01, "up", 0.29),           # 0.29 / 0.01 = 28.999999999999996
    (2.5071, 0.005, "down", 2.505),
    (2.5001, 0.005, "up", 2.505),
    (2.505, 0.005, "up", 2.505),
    (2.5025, 0.005, "nearest", 2.505),
    (1449.96, 0.1, "nearest", 1450.0),
])
def test_round_to_tick_cases(price, tick, mode, expected):
    assert round_to_tick(price, tick, mode) == expected


def test_round_to_tick_arrays_and_errors():
    out = round_to_tick(np.array([0.104, 0.105, 0.106]), 0.01)
    np.testing.assert_array_equal(out, [0.10, 0.11, 0.11])
    with pytest.raises(ValueError):
        round_to_tick(1.0, 0.01, "half-even")
    with pytest.raises(ValueError):
        round_to_tick(1.0, 0.0)


@settings(max_examples=300, deadline=None)
@given(st.floats(min_value=0.0, max_value=1e4, allow_nan=False),
       st.sampled_from([0.01, 0.005, 0.1, 0.25]))
def test_round_to_tick_properties(price, tick):
    near, down, up = (round_to_tick(price, tick, m) for m in ("nearest", "down", "up"))
    for r in (near, down, up):
        assert abs(r / tick - round(r / tick)) < 1e-6            # on the tick grid
        assert round_to_tick(r, tick, "nearest") == r            # idempotent
    slack = 1e-9 * max(1.0, price)
    assert down <= price + slack and up >= price - slack
    assert up - down <= tick + slack
    assert abs(near - price) <= tick / 2 + slack


def test_stand_in_satisfies_protocol_and_its_average_matches_quadrature():
    """Cross-check of the stand-in's closed-form average against numerical integration."""
    m = GeometricForward(-0.3)
    assert isinstance(m, PriceModel)
    T1, T2 = 0.2, 0.28
    numeric = quad(lambda s: float(m.futures_price(2.0, 0.0, s)), T1, T2)[0] / (T2 - T1)
    assert m.average_futures_price(2.0, 0.0, T1, T2) == pytest.approx(numeric, rel=1e-12)


def test_point_contracts_priced_at_last_trading_day(sit):
    g, x0, as_of = -0.3, 2.0, D(2026, 1, 22)
    curve = forward_curve(GeometricForward(g), sit, as_of, x0)
    listed = listed_contracts(sit, as_of)
    assert [q.symbol for q in curve.quotes] == [c.symbol for c in listed]
    for q, c in zip(curve.quotes, listed):
        T = year_fraction(as_of, c.last_trading_day)
        assert q.T == T == q.T_start == q.T_end
        assert q.fair == pytest.approx(x0 * math.exp(g * T), rel=1e-14)
        assert q.notional_per_lot == pytest.approx(q.fair * sit.lot_size)
    assert curve.warnings == ()


def test_spreads_run_from_two_percent_front_to_five_percent_back(sit, gpuh):
    """Market-maker rule: bid-ask within 2% (front) to 5% (back) of mid, linear in between."""
    for spec, x0 in ((sit, 2.0), (gpuh, 2.5)):
        curve = forward_curve(GeometricForward(0.1), spec, D(2026, 2, 10), x0)
        q = curve.quotes
        n = len(q)
        assert q[0].spread_fraction == pytest.approx(0.02)
        assert q[-1].spread_fraction == pytest.approx(0.05)
        for i, row in enumerate(q):
            s = 0.02 + 0.03 * i / (n - 1)
            assert row.spread_fraction == pytest.approx(s)
            assert row.bid < row.fair < row.ask
            width = (row.ask - row.bid) / row.fair
            assert s - 1e-12 <= width <= s + 2 * spec.tick / row.fair + 1e-12
            for price in (row.bid, row.ask):
                assert round_to_tick(price, spec.tick) == price
    assert spread_fraction(sit, 3, 10) == pytest.approx(0.03)
    assert spread_fraction(sit, 0, 1) == 0.02


def test_worked_quote_sit_front(sit):
    curve = forward_curve(GeometricForward(0.0), sit, D(2026, 1, 22), 2.0)
    front = curve.quotes[0]
    assert (front.fair, front.bid, front.ask, front.notional_per_lot) == (2.0, 1.98, 2.02, 2.0)


def test_average_contracts_use_the_delivery_month(gpuh):
    g, x0, as_of = -0.2, 2.5, D(2026, 1, 31)  # January's averaging month is over and delisted
    model = GeometricForward(g)
    curve = forward_curve(model, gpuh, as_of, x0)
    listed = listed_contracts(gpuh, as_of)
    for q, c in zip(curve.quotes, listed):
        T1, T2 = year_fraction(as_of, c.first_day), year_fraction(as_of, c.last_day)
        assert (q.T_start, q.T_end) == (T1, T2)
        expected = quad(lambda s: x0 * math.exp(g * s), T1, T2)[0] / (T2 - T1)
        assert q.fair == pytest.approx(expected, rel=1e-10)
        assert q.notional_per_lot == pytest.approx(1000 * q.fair)


def test_model_time_origin_is_explicit(sit):
    """A time-homogeneous model gives the same prices whatever date is model time 0."""
    model = GeometricForward(-0.25)
    a = forward_curve(model, sit, D(2026, 4, 1), 2.0)
    b = forward_curve(model, sit, D(2026, 4, 1), 2.0, origin=D(2025, 1, 1))
    assert b.origin == D(2025, 1, 1)
    for qa, qb in zip(a.quotes, b.quotes):
        assert qb.T == pytest.approx(qa.T + year_fraction(D(2025, 1, 1), D(2026, 4, 1)))
        assert qb.fair == pytest.approx(qa.fair, rel=1e-12)


def test_front_average_contract_inside_its_month(gpuh):
    model, x0, as_of = GeometricForward(-0.2), 2.5, D(2026, 1, 10)
    curve = forward_curve(model, gpuh, as_of, x0, realised_average=2.4)
    front = curve.quotes[0]
    known, total = 10, 31
    future = model.average_futures_price(x0, 0.0, 0.0, year_fraction(as_of, D(2026, 1, 31)))
    assert front.fair == pytest.approx((known * 2.4 + (total - known) * future) / total)
    assert curve.warnings == ()
    guessed = forward_curve(model, gpuh, as_of, x0)
    assert [w.code for w in guessed.warnings] == ["realised_average_assumed"]
    assert guessed.quotes[0].fair == pytest.approx((known * x0 + (total - known) * future) / total)


def test_frame_and_bad_inputs(sit):
    frame = forward_curve(GeometricForward(), sit, D(2026, 1, 22), 2.0).to_frame()
    assert list(frame.columns[:4]) == ["symbol", "delivery_month", "last_trading_day", "settlement"]
    assert len(frame) == 10 and (frame["fair"] == 2.0).all()
    for bad in (0.0, -1.0, float("nan"), True):
        with pytest.raises(InputError, match="x0"):
            forward_curve(GeometricForward(), sit, D(2026, 1, 22), bad)
