"""The frontier and the tornado's maths: the module's worked number, the closed-form variance of a
scaled hedge (an independent method), the minimum-variance scale, and the spread scaling."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from hedging.errors import InputError
from hedging.hedge.sensitivity import (
    FRONTIER_RATIOS,
    TornadoBar,
    hedge_frontier,
    min_variance_scale,
    spread_scaled,
    tornado,
)
from hedging.risk import budget_at_risk


def test_worked_number_of_the_module_docstring():
    f = hedge_frontier([10.0, 12.0, 14.0], [1.0, -1.0, -3.0], base_ratio=1.0, ratios=(0.0, 0.5))
    p = f.at(0.5)
    assert p["sd_reduction"] == pytest.approx(0.5, abs=1e-12)        # sd 2 -> 1
    assert p["expected_cost"] == pytest.approx(-0.5, abs=1e-12)       # 0.5 x mean(1, -1, -3)
    assert f.at(0.0)["sd_reduction"] == 0.0 and f.at(0.0)["expected_cost"] == 0.0


def _sample(seed=3, n=20_000):
    rng = np.random.default_rng(seed)
    price = rng.standard_normal(n)
    u = 1_000_000 + 120_000 * price + 40_000 * rng.standard_normal(n)     # spend: price risk plus the rest
    d = 500.0 - 90_000 * price                                              # the run's hedge: costs less P&L
    return u, d


def test_curve_matches_the_closed_form_variance_of_a_scaled_hedge():
    u, d = _sample()
    base = 0.6
    f = hedge_frontier(u, d, base)
    s = f.ratio / base
    var = np.var(u, ddof=1) + 2 * s * np.cov(u, d, ddof=1)[0, 1] + s ** 2 * np.var(d, ddof=1)
    np.testing.assert_allclose(f.sd_reduction, 1 - np.sqrt(var) / np.std(u, ddof=1), rtol=0, atol=1e-9)
    np.testing.assert_allclose(f.expected_cost, s * d.mean(), rtol=1e-9, atol=1e-6)
    assert set(FRONTIER_RATIOS) <= set(np.round(f.ratio, 12)) and base in f.ratio


def test_best_point_of_the_curve_sits_at_the_minimum_variance_scale():
    u, d = _sample()
    base = 0.5
    s_star = min_variance_scale(u, d)
    # here s* = 120 / 90 x var(price)/var(price) ~ 1.33: ratio 0.667, inside the grid
    assert s_star == pytest.approx(120 / 90, rel=0.03)
    f = hedge_frontier(u, d, base, ratios=np.linspace(0, 1, 201))
    assert f.ratio[np.argmax(f.sd_reduction)] == pytest.approx(s_star * base, abs=0.005)


def test_point_at_the_run_ratio_is_the_run_itself():
    u, d = _sample(seed=5)
    f = hedge_frontier(u, d, 0.437, fiscal_unhedged=u * 0.9, fiscal_hedge=d * 0.8)
    p = f.at(0.437)
    hedged = u + d
    assert p["ratio"] == 0.437
    assert p["sd_reduction"] == pytest.approx(1 - np.std(hedged, ddof=1) / np.std(u, ddof=1), rel=1e-12)
    assert p["expected_cost"] == pytest.approx(hedged.mean() - u.mean(), abs=1e-6)   # a millionth of a dollar
    assert p["budget_at_risk"] == pytest.approx(budget_at_risk(u * 0.9 + d * 0.8), rel=1e-12)


@given(st.floats(0.0, 3.0))
def test_spread_scaling_keeps_the_mean_and_scales_the_spread(factor):
    rng = np.random.default_rng(11)
    paths = 100.0 + rng.standard_normal((2000, 3))   # far from zero: the floor never binds
    out = spread_scaled(paths, factor)
    np.testing.assert_allclose(out.mean(axis=0), paths.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(out.std(axis=0), factor * paths.std(axis=0), rtol=1e-9, atol=1e-10)  # values near 100


def test_spread_scaling_worked_number_and_floor():
    np.testing.assert_allclose(spread_scaled(np.array([[80.0], [100.0], [120.0]]), 1.5)[:, 0], [70, 100, 130])
    assert spread_scaled(np.array([[0.0], [10.0]]), 3.0).min() == 0.0      # 5 - 15 floored at zero
    np.testing.assert_array_equal(spread_scaled(np.array([[1.0], [3.0]]), 1.0), [[1.0], [3.0]])


def test_tornado_sorts_by_swing():
    t = tornado(100.0, [TornadoBar("a", "lo", "hi", 95, 105), TornadoBar("b", "lo", "hi", 60, 130),
                        TornadoBar("c", "lo", "hi", 100, 99)])
    assert [b.assumption for b in t.bars] == ["b", "a", "c"]
    assert [b.swing for b in t.bars] == [70, 10, 1]


def test_bad_inputs_are_refused_with_the_field_named():
    with pytest.raises(InputError, match="hedge ratio must be positive"):
        hedge_frontier([1.0, 2.0], [0.0, 1.0], 0.0)
    with pytest.raises(InputError, match="one value per path"):
        hedge_frontier([1.0, 2.0, 3.0], [0.0, 1.0], 0.5)
    with pytest.raises(InputError, match="does not vary"):
        min_variance_scale([1.0, 2.0], [1.0, 1.0])
    with pytest.raises(InputError, match="spread factor"):
        spread_scaled(np.ones((2, 2)), -1)
