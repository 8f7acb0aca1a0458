"""Hedge-accounting effectiveness: regression (|slope| 0.80-1.25, R^2 >= 0.80) and cumulative
dollar offset (80-125%), checked by hand-built cases, formulas and scipy.stats.linregress."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from hypothesis import assume, given, settings, strategies as st
from scipy import stats

from hedging.errors import InputError
from hedging.hedge.effectiveness import Effectiveness, hedge_effectiveness

X = np.array([1.0, 2.0, 3.0, 4.0, 5.0])  # hedge P&L per period, USD


def test_perfect_hedge():
    """Hedged item loses exactly what the hedge gains: slope -1, R^2 1, offset 100%, passes."""
    hedge = np.random.default_rng(1).normal(0, 1e5, 24)
    r = hedge_effectiveness(-hedge, hedge)
    assert isinstance(r, Effectiveness)
    assert r.slope == pytest.approx(-1.0)
    assert r.intercept == pytest.approx(0.0, abs=1e-6)
    assert r.r_squared == pytest.approx(1.0)
    assert r.dollar_offset == pytest.approx(1.0)
    assert r.passes_regression and r.passes_dollar_offset and r.passes
    assert r.offsetting_direction
    assert "Regression test passed" in r.explanation
    assert "Dollar-offset test passed" in r.explanation
    assert "Warning" not in r.explanation
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.slope = 0.0  # type: ignore[misc]


def test_noisy_hedge_fails_r_squared_only():
    """item = -x + e with e orthogonal to x and summing to zero: slope exactly -1 and
    R^2 = Sxx / (Sxx + sum e^2) = 10 / (10 + 10) = 0.5 < 0.80; the cumulative offset is still
    -15 / -15 -> 100%, so only the regression test fails."""
    e = np.array([1.0, -2.0, 0.0, 2.0, -1.0])
    assert e @ (X - X.mean()) == 0 and e.sum() == 0
    r = hedge_effectiveness(-X + e, X)
    assert r.slope == pytest.approx(-1.0)
    sxx = float(((X - X.mean()) ** 2).sum())
    assert r.r_squared == pytest.approx(sxx / (sxx + e @ e)) == pytest.approx(0.5)
    assert r.dollar_offset == pytest.approx(1.0)
    assert not r.passes_regression and r.passes_dollar_offset and not r.passes
    assert "Regression test failed" in r.explanation
    assert "50.0%" in r.explanation


def test_hedge_fails_dollar_offset_only():
    """item = -x - 2 each period: a perfect fit (slope -1, R^2 1, intercept -2) but cumulatively
    the hedge gained 15 against an item loss of 15 + 5 x 2 = 25, an offset of 15 / 25 = 60%."""
    r = hedge_effectiveness(-X - 2.0, X)
    assert r.slope == pytest.approx(-1.0) and r.intercept == pytest.approx(-2.0)
    assert r.r_squared == pytest.approx(1.0)
    assert r.cumulative_hedge_change == 15.0 and r.cumulative_item_change == -25.0
    assert r.dollar_offset == pytest.approx(15 / 25)
    assert r.passes_regression and not r.passes_dollar_offset and not r.passes
    assert "Dollar-offset test failed" in r.explanation and "60%" in r.explanation


def test_offset_bounds_are_inclusive():
    assert hedge_effectiveness(-X / 0.80, X).passes_dollar_offset  # offset 0.80
    assert hedge_effectiveness(-X / 1.25, X).passes_dollar_offset  # offset 1.25
    assert not hedge_effectiveness(-X / 0.79, X).passes_dollar_offset
    assert not hedge_effectiveness(-X / 1.26, X).passes_dollar_offset
    assert not hedge_effectiveness(-0.79 * X, X).passes_regression  # |slope| 0.79


def test_worked_example_table():
    """Six quarters of value changes (USD thousands), expected numbers as formulas:
    slope = Sxy / Sxx, intercept = mean(y) - slope mean(x), R^2 = Sxy^2 / (Sxx Syy),
    dollar offset = -sum(x) / sum(y) = -34 / -33 = 103.0%."""
    hedge = np.array([12.0, -8.0, 15.0, 5.0, -10.0, 20.0])   # x: futures P&L
    item = np.array([-11.0, 9.0, -14.0, -6.0, 8.0, -19.0])   # y: hedged cost, value change
    dx, dy = hedge - hedge.mean(), item - item.mean()
    sxx, syy, sxy = dx @ dx, dy @ dy, dx @ dy
    r = hedge_effectiveness(item, hedge)
    assert r.n == 6
    assert r.slope == pytest.approx(sxy / sxx)
    assert r.intercept == pytest.approx(item.mean() - sxy / sxx * hedge.mean())
    assert r.r_squared == pytest.approx(sxy**2 / (sxx * syy))
    assert r.dollar_offset == pytest.approx(34 / 33)
    assert r.passes_regression and r.passes_dollar_offset
    assert "103%" in r.explanation


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.floats(-1e4, 1e4), st.floats(-1e4, 1e4)), min_size=3, max_size=40),
       st.floats(0.01, 100.0))
def test_matches_linregress_and_scale_invariance(pairs, scale):
    item = np.array([p[0] for p in pairs])
    hedge = np.array([p[1] for p in pairs])
    assume(np.var(item) > 1e-2 and np.var(hedge) > 1e-2)
    r = hedge_effectiveness(item, hedge)
    lr = stats.linregress(hedge, item)
    assert r.slope == pytest.approx(lr.slope, rel=1e-9, abs=1e-12)
    assert r.intercept == pytest.approx(lr.intercept, rel=1e-9, abs=1e-6)
    assert r.r_squared == pytest.approx(lr.rvalue**2, rel=1e-9, abs=1e-12)
    s = hedge_effectiveness(scale * item, scale * hedge)
    assert s.slope == pytest.approx(r.slope, rel=1e-9, abs=1e-12)
    assert s.r_squared == pytest.approx(r.r_squared, rel=1e-9, abs=1e-12)
    np.testing.assert_allclose(s.dollar_offset, r.dollar_offset, rtol=1e-9, equal_nan=True)


def test_cost_sign_convention_gives_same_verdict_with_warning():
    """Passing cost changes (positive when costs rise) instead of value changes flips the slope
    to +1; the tests use absolute values, so the verdict is the same, and the explanation warns
    that under the documented convention the hedge moved with the item."""
    value = hedge_effectiveness(-X, X)
    cost = hedge_effectiveness(X, X)
    assert cost.slope == pytest.approx(1.0) and cost.dollar_offset == pytest.approx(-1.0)
    assert cost.passes_regression == value.passes_regression is True
    assert cost.passes_dollar_offset == value.passes_dollar_offset is True
    assert not cost.offsetting_direction and value.offsetting_direction
    assert "Warning" in cost.explanation


def test_zero_cumulative_item_change():
    """Dollar offset is undefined when the hedged item's changes sum to zero: NaN, failed."""
    r = hedge_effectiveness([-1.0, 2.0, -1.0], [1.0, -2.0, 1.0])
    assert math.isnan(r.dollar_offset) and not r.passes_dollar_offset
    assert r.passes_regression
    assert "undefined" in r.explanation


def test_ifrs9_note():
    note = hedge_effectiveness(-X, X).ifrs9_note
    for phrase in ("IFRS 9", "80%-125%", "economic relationship", "hedge ratio", "credit risk",
                   "ASC 815", "highly effective"):
        assert phrase in note


@pytest.mark.parametrize("item, hedge, match", [
    ([1.0, 2.0], [1.0, 2.0], "at least 3"),
    ([1.0, 2.0, 3.0], [1.0, 2.0], "different lengths"),
    ([1.0, 2.0, 3.0], [1.0, 1.0, 1.0], "hedge's value changes are all equal"),
    ([2.0, 2.0, 2.0], [1.0, 2.0, 3.0], "no risk"),
    ([1.0, np.inf, 3.0], [1.0, 2.0, 3.0], "period 2"),
    ([[1.0, 2.0, 3.0]], [1.0, 2.0, 3.0], "1-D"),
])
def test_input_errors(item, hedge, match):
    with pytest.raises(InputError, match=match):
        hedge_effectiveness(item, hedge)
