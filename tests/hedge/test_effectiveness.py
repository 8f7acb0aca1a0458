"""Hedge-accounting effectiveness: regression (slope -1.25 to -0.80, R^2 >= 0.80) and cumulative
dollar offset (+80% to +125%), checked by hand-built cases, formulas and scipy.stats.linregress.

The bounds and their sign are those of IAS 39 AG105(b) (dollar offset 80-125%) and of ASC 815
practice (regression slope between -0.80 and -1.25 with R^2 >= 0.80): the hedge must move
against the hedged item, so a same-direction "hedge" fails whatever its size.
"""

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
    assert not hedge_effectiveness(-0.79 * X, X).passes_regression  # slope -0.79


# Hedge P&L whose sums of squares are exact in binary: mean 10, deviations -5, -15, 5, -5, 20,
# Sxx = 700. Against item = k * H the slope is k * 700 / 700 and the offset -50 / (50 k).
H = np.array([5.0, -5.0, 15.0, 5.0, 30.0])


def test_boundaries_by_hand():
    """item = -0.8 H = -4, 4, -12, -4, -24: Sxy = -560, slope -560 / 700 = -0.80 (lower edge of
    the slope band), R^2 1, and offset -50 / -40 = 1.25 (upper edge of the offset band).
    item = -1.25 H = -6.25, 6.25, -18.75, -6.25, -37.5: Sxy = -875, slope -875 / 700 = -1.25,
    offset -50 / -62.5 = 0.80. Both edges are inside (the bands are closed)."""
    low = hedge_effectiveness(-0.8 * H, H)
    assert low.slope == -0.80 and low.dollar_offset == 1.25 and low.r_squared == pytest.approx(1.0)
    assert low.passes_regression and low.passes_dollar_offset and low.offsetting_direction
    high = hedge_effectiveness(-1.25 * H, H)
    assert high.slope == -1.25 and high.dollar_offset == 0.80
    assert high.passes_regression and high.passes_dollar_offset
    # Just outside: slope -0.79 / offset 1.266, and slope -1.26 / offset 0.794.
    assert not hedge_effectiveness(-0.79 * H, H).passes_regression
    assert not hedge_effectiveness(-0.79 * H, H).passes_dollar_offset
    assert not hedge_effectiveness(-1.26 * H, H).passes_regression
    assert not hedge_effectiveness(-1.26 * H, H).passes_dollar_offset
    # The same sizes with the wrong sign (slope +0.80 / +1.25, offset -1.25 / -0.80) fail.
    for k in (0.8, 1.0, 1.25):
        r = hedge_effectiveness(k * H, H)
        assert r.slope == pytest.approx(k) and r.dollar_offset == pytest.approx(-1 / k)
        assert not r.passes_regression and not r.passes_dollar_offset


def test_r_squared_bound_is_inclusive():
    """item = -x + e with e = 0.5, -1, 0, 1, -0.5 (orthogonal to x, summing to zero): slope -1,
    Syy = 12.5, Sxy = -10, R^2 = 100 / (10 x 12.5) = 0.80 exactly: passes."""
    e = np.array([0.5, -1.0, 0.0, 1.0, -0.5])
    r = hedge_effectiveness(-X + e, X)
    assert r.slope == pytest.approx(-1.0) and r.r_squared == pytest.approx(0.80, abs=1e-15)
    assert r.passes_regression


def test_amplifying_hedge_fails_both_and_says_why():
    """A "hedge" whose P&L moves WITH the hedged cost: it loses exactly when the cost rises
    (item value change = +hedge). Its size matches perfectly (|slope| 1, |offset| 100%, R^2 1),
    so the old absolute-value rule passed it; with the sign required it fails both tests and the
    explanation names the sign and what it means."""
    hedge = np.random.default_rng(1).normal(0, 1e5, 24)
    r = hedge_effectiveness(hedge, hedge)
    assert r.slope == pytest.approx(1.0) and r.r_squared == pytest.approx(1.0)
    assert r.dollar_offset == pytest.approx(-1.0)
    assert not r.passes_regression and not r.passes_dollar_offset and not r.passes
    assert not r.offsetting_direction
    text = r.explanation
    assert "Regression test failed" in text and "Dollar-offset test failed" in text
    assert "slope +1.00, positive" in text
    assert "adds to the cost instead of offsetting it" in text
    assert "offset of -100% (negative" in text and "amplifies the exposure" in text
    assert "the slope must be negative, between -1.25 and -0.80" in text
    assert "the offset must be positive, between 80% and 125%" in text


def test_perfect_hedge_names_the_hedging_sign():
    r = hedge_effectiveness(-X, X)
    assert "slope -1.00, negative: the hedge paid out when the cost rose" in r.explanation
    assert "offset of +100% (positive: the hedge moved against the cost" in r.explanation
    assert "cost rose by $15" in r.explanation


def test_callers_sign_convention():
    """The callers pass the hedged item as the NEGATED change in cost (``history._effectiveness``:
    ``-np.diff(unhedged)``; ``service.stress``: ``-(unhedged - base)``) and the hedge as its P&L.
    A long futures hedge of a buyer of compute gains when the cost rises: it passes. A position
    that loses when the cost rises (e.g. a short hedge by mistake) fails both tests."""
    cost_change = np.array([120.0, -40.0, 200.0, 60.0, -90.0, 150.0])
    long_pnl = 0.95 * cost_change + np.array([3.0, -2.0, 1.0, -1.0, 2.0, -3.0])
    good = hedge_effectiveness(-cost_change, long_pnl)
    assert good.passes and good.slope < 0 and good.dollar_offset > 0
    bad = hedge_effectiveness(-cost_change, -long_pnl)
    assert not bad.passes_regression and not bad.passes_dollar_offset
    assert bad.slope > 0 and bad.dollar_offset < 0


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


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.floats(-1e4, 1e4), st.floats(-1e4, 1e4)), min_size=3, max_size=40))
def test_a_pass_needs_the_hedging_sign(pairs):
    """Whatever the data: a passing regression has a negative slope, a passing dollar offset is
    positive, and reversing the hedge (same size, opposite direction) can never pass either test
    when the original passes it."""
    item = np.array([p[0] for p in pairs])
    hedge = np.array([p[1] for p in pairs])
    assume(np.var(item) > 1e-2 and np.var(hedge) > 1e-2)
    r = hedge_effectiveness(item, hedge)
    flipped = hedge_effectiveness(item, -hedge)
    if r.passes_regression:
        assert r.slope < 0 and not flipped.passes_regression
    if r.passes_dollar_offset:
        assert r.dollar_offset > 0 and not flipped.passes_dollar_offset
    if not r.offsetting_direction:
        assert not r.passes and "Warning" in r.explanation


def test_cost_sign_convention_fails_with_warning():
    """Passing cost changes (positive when costs rise) instead of value changes flips the slope
    to +1 and the offset to -100%. This test used to expect the same verdict as value changes
    (the absolute-value rule); the sign is now required, so both tests fail and the explanation
    tells the user to negate the series if it holds cost changes."""
    value = hedge_effectiveness(-X, X)
    cost = hedge_effectiveness(X, X)
    assert cost.slope == pytest.approx(1.0) and cost.dollar_offset == pytest.approx(-1.0)
    assert value.passes_regression and value.passes_dollar_offset
    assert not cost.passes_regression and not cost.passes_dollar_offset
    assert not cost.offsetting_direction and value.offsetting_direction
    assert "Warning" in cost.explanation and "negate it" in cost.explanation


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
