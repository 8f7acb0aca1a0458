"""Historical backtest of the layered hedge: martingale stand-ins give hand-computable P&L, the
real model's layer prices are its closed-form futures, and bad inputs name the argument."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from hedging.errors import InputError
from hedging.hedge.effectiveness import hedge_effectiveness
from hedging.hedge.history import DEFAULT_RATIOS, historical_backtest
from hedging.market.model import PAPER_TABLE3


class Martingale:
    """Stand-in model whose futures price is the current index level (flat expectation)."""

    def futures_price(self, x0_log, t, T):
        return np.exp(x0_log) + 0.0 * np.asarray(T, dtype=float)


class Refuses:
    def futures_price(self, x0_log, t, T):
        raise AssertionError("no layer should be priced")


def test_default_ratios_are_the_design_policy():
    """DESIGN.md §3: 75% of months 1-3, 50% of 4-6, 25% of 7-12."""
    assert DEFAULT_RATIOS == (0.75,) * 3 + (0.5,) * 3 + (0.25,) * 6


def test_constant_index_gives_zero_pnl_exactly():
    level = 2.0
    assert math.exp(math.log(level)) == level  # the stand-in returns exactly the index
    n = 30
    volume = 100 + 10 * np.sin(np.arange(n))
    out = historical_backtest(np.full(n, level), volume, np.full(n, 1.5), Martingale())
    assert out.hedge_pnl == (0.0,) * (n - 12)
    assert out.hedged_cost == out.unhedged_cost
    assert all(u > 0 for u in out.hedged_units)
    assert out.effectiveness is None and out.warnings[0].code == "effectiveness_not_tested"


def test_linear_rise_matches_the_hand_computation():
    """Index 10, 11, 12, ...; volume 100; default ratios add 25 units at tenors 12, 6 and 3,
    each bought at the index then, so P&L = 25 x (12 + 6 + 3) = $525 a month, entry price
    I_m - (12 + 6 + 3) / 3 = I_m - 7, and 75 units = 75% hedged."""
    n = 30
    index = 10.0 + np.arange(n)
    out = historical_backtest(index, np.full(n, 100.0), np.full(n, 2.0), Martingale())
    assert out.months == tuple(range(12, n))
    assert out.hedge_pnl == pytest.approx((525.0,) * (n - 12), rel=1e-12)
    assert out.hedged_units == (75.0,) * (n - 12)
    assert out.average_entry_price == pytest.approx(tuple(index[12:] - 7.0), rel=1e-12)
    assert out.hedge_ratio == pytest.approx((0.75,) * (n - 12))
    assert out.total_hedged == pytest.approx(out.total_unhedged - 525.0 * (n - 12), rel=1e-12)
    assert sorted({layer.tenor for layer in out.layers}) == [3, 6, 12]
    assert all(layer.units == 25.0 for layer in out.layers)


def test_zero_ratios_leave_cost_unhedged_exactly():
    rng = np.random.default_rng(3)
    n = 24
    index, volume = rng.lognormal(0.5, 0.3, n), rng.lognormal(4, 0.2, n)
    out = historical_backtest(index, volume, index * 1.1, Refuses(), ratios_by_tenor=(0.0,) * 6)
    assert out.hedged_cost == out.unhedged_cost
    assert out.hedge_pnl == (0.0,) * (n - 12) and out.layers == ()
    assert out.sd_hedged == out.sd_unhedged and out.sd_reduction == 0.0


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000), st.integers(14, 40),
       st.lists(st.sampled_from([0.0, 0.25, 0.5, 0.75, 1.0]), min_size=1, max_size=12))
def test_hedged_plus_pnl_is_unhedged(seed, n, ratios):
    rng = np.random.default_rng(seed)
    index = rng.lognormal(0.5, 0.3, n)
    volume = rng.lognormal(3, 0.4, n)
    out = historical_backtest(index, volume, index, Martingale(), ratios_by_tenor=ratios,
                              start=12)
    assert np.allclose(np.add(out.hedged_cost, out.hedge_pnl), out.unhedged_cost, rtol=1e-12)
    assert out.unhedged_cost == pytest.approx(tuple(index[12:] * volume[12:]))
    pnl = np.zeros(n - 12)  # independent recomputation from the layer list
    for layer in out.layers:
        pnl[layer.delivery_month - 12] += layer.units * (index[layer.delivery_month] - layer.price)
    assert np.allclose(pnl, out.hedge_pnl, rtol=1e-12, atol=1e-9)


def test_expected_volume_is_the_one_known_at_the_layer_date():
    """Volume 100 for months 0-19 and 200 from 20 on. Month 24's layers were bought at months
    12 (tenor 12), 18 (tenor 6) and 21 (tenor 3): 25 + 25 + 50 = 100 units; month 29's at 17,
    23 and 26: 25 + 50 + 50 = 125."""
    n = 30
    volume = np.where(np.arange(n) < 20, 100.0, 200.0)
    out = historical_backtest(np.full(n, 2.0), volume, np.full(n, 2.0), Martingale())
    assert out.hedged_units[24 - 12] == 100.0
    assert out.hedged_units[29 - 12] == 125.0  # layers at 17, 23, 26: 25 + 50 + 50
    assert out.hedged_units[12 - 12] == 75.0


def test_layers_are_whole_lots_rounded_half_away_from_zero():
    n = 16
    out = historical_backtest(np.full(n, 2.0), np.full(n, 140.0), np.full(n, 1.0),
                              Martingale(), lot_size=10.0)
    # 25% of 140 = 35 units = 3.5 lots -> 4 lots = 40 units per layer
    assert {layer.units for layer in out.layers} == {40.0}
    assert out.hedged_units[0] == 120.0


def test_real_model_layers_use_closed_form_futures():
    n, origin = 40, 5
    index = PAPER_TABLE3.simulate_prices(math.log(2.0), np.arange(n + 1) / 12, 1, 8)[0, 1:]
    volume = 100 * np.exp(np.random.default_rng(8).normal(0, 0.1, n))
    out = historical_backtest(index, volume, index * 1.2, PAPER_TABLE3, model_origin=origin)
    for layer in out.layers[:: max(1, len(out.layers) // 10)]:
        j, m = layer.trade_month, layer.delivery_month
        expect = float(PAPER_TABLE3.futures_price(math.log(index[j]), (j - origin) / 12,
                                                  (m - origin) / 12))
        assert layer.price == pytest.approx(expect, rel=1e-13)
    unhedged = np.array(out.unhedged_cost)
    ref = hedge_effectiveness(-np.diff(unhedged), np.diff(out.hedge_pnl))
    assert out.effectiveness == ref
    sd_u, sd_h = np.std(unhedged, ddof=1), np.std(out.hedged_cost, ddof=1)
    assert out.sd_reduction == pytest.approx(1 - sd_h / sd_u)
    assert out.variance_reduction == pytest.approx(1 - (sd_h / sd_u) ** 2)

    calls = []

    def model_at(j):
        calls.append(j)
        return PAPER_TABLE3

    assert historical_backtest(index, volume, index * 1.2, model_at,
                               model_origin=origin) == out
    # one call per layer date; the last priced layer is tenor 3 of the last month
    assert calls == list(range(0, n - 3))


@pytest.mark.parametrize("change, column", [
    ({"volume_monthly": np.ones(20)}, "volume_monthly"),
    ({"unit_cost_monthly": np.ones(29)}, "unit_cost_monthly"),
    ({"index_monthly": np.r_[np.ones(10), 0.0, np.ones(19)]}, "index_monthly"),
    ({"index_monthly": np.r_[np.ones(10), -2.0, np.ones(19)]}, "index_monthly"),
    ({"volume_monthly": -np.ones(30)}, "volume_monthly"),
    ({"start": 6}, "start"), ({"start": 30}, "start"), ({"start": 12.5}, "start"),
    ({"lot_size": 0.0}, "lot_size"), ({"ratios_by_tenor": (0.5, -0.1)}, "ratios_by_tenor"),
    ({"model_for_time": object()}, "model_for_time"),
])
def test_bad_inputs_name_the_argument(change, column):
    args = {"index_monthly": np.full(30, 2.0), "volume_monthly": np.full(30, 10.0),
            "unit_cost_monthly": np.full(30, 2.0), "model_for_time": Martingale(), **change}
    with pytest.raises((InputError, TypeError)) as err:
        historical_backtest(**args)
    assert isinstance(err.value, InputError), err.value
    assert err.value.column == column
