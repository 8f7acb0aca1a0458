"""Layered hedge program: tenor ratios, equal monthly layers, and P&L at each layer's price.

The P&L is cross-checked against a path-by-path loop written from the definition, and against
the static program's ``hedged_spend`` when every layer is bought at today's price.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from hedging.errors import InputError
from hedging.hedge.layered import DEFAULT_BANDS, layered_program, ratios_by_tenor
from hedging.hedge.program import hedged_spend, hedged_spend_by_month


def market(seed: int, n: int = 200, n_months: int = 6, n_dates: int = 6):
    """One underlying, one contract per month; futures random-walk from today's curve."""
    rng = np.random.default_rng(seed)
    today = 2.0 + 0.05 * np.arange(n_months)
    moves = np.cumsum(rng.normal(0, 0.1, (n, n_dates)), axis=1)
    moves[:, 0] = 0.0
    futures = today[None, :, None] * np.exp(moves[:, None, :])
    months = np.arange(n_months)
    futures[:, months[:, None] < np.arange(n_dates)[None, :]] = np.nan  # after the last layer
    settlement = futures[:, :, 0] * np.exp(rng.normal(0, 0.2, (n, n_months)))
    spend = rng.lognormal(11, 0.3, (n, n_months))
    return futures, settlement, spend


def test_default_ratios_by_tenor():
    """DESIGN.md section 3: 75% of months 1-3, 50% of months 4-6, 25% of months 7-12."""
    assert DEFAULT_BANDS == ((3, 0.75), (6, 0.50), (12, 0.25))
    assert ratios_by_tenor(14) == (0.75,) * 3 + (0.5,) * 3 + (0.25,) * 6 + (0.0,) * 2
    assert ratios_by_tenor(2) == (0.75, 0.75)


def test_worked_number_layers_and_pnl():
    """Module docstring: 10 lots in 3 layers = 3, 3, 4; P&L 1,000 x (1.5 + 0.9 + 1.6) = $4,000."""
    f = np.array([[[2.0, 2.2, 2.1]]])
    out = layered_program(f, [[2.5]], [1000.0], [10_000.0], [2], [0.5],
                          ratios=[0.0, 0.0, 1.0])
    assert out.layer_lots == ((3, 3, 4),)
    assert out.program.lots == (10,)
    assert out.pnl[0, 0] == pytest.approx(4_000.0)
    assert out.cost == (5.0,)
    assert [(t.trade_date_index, t.lots, t.price) for t in out.program.trades] == [
        (0, 3, 2.0), (1, 3, 2.2), (2, 4, 2.1)]
    assert out.hedged_spend([[0.0, 0.0, 100_000.0]]).tolist() == [100_000.0 - 4_000.0 + 5.0]
    assert out.program.hedge_ratio_by_month == (0.0, 0.0, 1.0)


@settings(max_examples=50, deadline=None)
@given(st.integers(0, 500), st.integers(1, 12), st.integers(1, 12))
def test_layers_are_equal_with_the_remainder_last(lots, month, n_dates):
    f = np.full((1, 1, n_dates), 3.0)
    out = layered_program(f, [[3.0]], [1.0], [float(lots)], [month - 1], [0.0],
                          ratios=[1.0] * month)
    row = np.array(out.layer_lots[0])
    count = min(month, n_dates)  # dates 0..m of month m, within the dates given
    assert row.sum() == lots and row[count:].sum() == 0
    assert np.all(row[:count - 1] == lots // count)
    assert row[count - 1] == lots - (lots // count) * (count - 1)


def test_pnl_matches_a_path_by_path_loop():
    futures, settlement, spend = market(1)
    size = np.array([1000.0] * 6)
    volume = np.full(6, 20_000.0)
    out = layered_program(futures, settlement, size, volume, np.arange(6), 2.0)
    expected = np.zeros_like(out.pnl)
    for i in range(futures.shape[0]):
        for k in range(6):
            for j, q in enumerate(out.layer_lots[k]):
                if q:
                    expected[i, k] += q * (settlement[i, k] - futures[i, k, j]) * size[k]
    np.testing.assert_allclose(out.pnl, expected, rtol=1e-12, atol=1e-9)
    # default ratios 75/75/75/50/50/50 of 20 lots: 15, 15, 15, 10, 10, 10
    assert out.program.lots == (15, 15, 15, 10, 10, 10)
    assert out.program.hedge_ratio_by_month == pytest.approx((0.75,) * 3 + (0.5,) * 3)
    total = spend.sum(axis=1) - expected.sum(axis=1) + 2.0 * 75
    np.testing.assert_allclose(out.hedged_spend(spend), total, rtol=1e-12)
    np.testing.assert_allclose(out.hedged_spend_by_month(spend).sum(axis=1), total, rtol=1e-12)


def test_bought_today_equals_the_static_program():
    """When every layer's price is today's, P&L per lot is (settlement - today) x size."""
    futures, settlement, spend = market(2)
    flat = np.repeat(futures[:, :, :1], futures.shape[2], axis=2)
    size, cost = np.full(6, 1000.0), np.full(6, 1.5)
    out = layered_program(flat, settlement, size, np.full(6, 12_000.0), np.arange(6), cost)
    pnl_per_lot = (settlement - flat[:, :, 0]) * size
    static = hedged_spend(spend, pnl_per_lot, cost, out.program.lots)
    np.testing.assert_allclose(out.hedged_spend(spend), static, rtol=1e-12)
    by_month = hedged_spend_by_month(spend, pnl_per_lot, cost, out.program.lots, np.arange(6))
    np.testing.assert_allclose(out.hedged_spend_by_month(spend), by_month, rtol=1e-12)


def test_zero_ratios_are_unhedged_exactly():
    futures, settlement, spend = market(3)
    out = layered_program(futures, settlement, np.full(6, 1000.0), np.full(6, 9_000.0),
                          np.arange(6), 1.0, ratios=[0.0] * 6)
    assert out.program.trades == () and out.program.lots == (0,) * 6
    assert np.array_equal(out.hedged_spend(spend), spend.sum(axis=1))
    assert np.array_equal(out.hedged_spend_by_month(spend), spend)


def test_max_layers_and_trade_prices():
    futures, settlement, _ = market(4)
    cost = np.tile(np.arange(1.0, 7.0), (6, 1))  # cost per lot rises with the trade date
    out = layered_program(futures, settlement, np.full(6, 1000.0), np.full(6, 8_000.0),
                          np.arange(6), cost, ratios=[1.0] * 6, max_layers=2)
    assert out.layer_lots[0] == (8, 0, 0, 0, 0, 0)
    assert all(row == (4, 4, 0, 0, 0, 0) for row in out.layer_lots[1:])
    for t in out.program.trades:
        k, j = t.contract_index, t.trade_date_index
        mean = futures[0, k, 0] if j == 0 else futures[:, k, j].mean()
        assert t.price == pytest.approx(mean, rel=1e-12)
        assert t.notional == pytest.approx(t.lots * t.price * 1000.0)
        assert t.cost == pytest.approx(t.lots * (j + 1.0))
    assert out.cost[1] == pytest.approx(4 * 1.0 + 4 * 2.0)


def test_limits_and_margin_warnings():
    futures, settlement, _ = market(5, n_months=3, n_dates=3)
    out = layered_program(futures, settlement, np.full(3, 1000.0), np.full(3, 40_000.0),
                          np.arange(3), 0.0, ratios=[1.0, 1.0, 1.0], max_lots=[50, 30, 50],
                          margin_per_lot=[100.0, 100.0, 100.0], margin_budget=5_000.0)
    assert out.program.lots == (40, 30, 40)
    codes = {w.code: w.message for w in out.program.warnings}
    assert set(codes) == {"max_lots", "margin_budget"}
    # date 0 holds 40 + 15 + 13 lots; date 1: month 1's 30 and month 2's 26; date 2: 40 lots
    assert out.layer_lots == ((40, 0, 0), (15, 15, 0), (13, 13, 14))
    assert "$6,800" in codes["margin_budget"] and "trade date 0" in codes["margin_budget"]


def test_input_errors():
    futures, settlement, _ = market(6)
    args = (futures, settlement, np.full(6, 1000.0), np.full(6, 9_000.0), np.arange(6), 1.0)
    with pytest.raises(InputError, match="over-hedging"):
        layered_program(*args, ratios=[1.2] * 6)
    with pytest.raises(InputError, match="one ratio per delivery month"):
        layered_program(*args, ratios=[0.5] * 3)
    bad = futures.copy()
    bad[7, 4, 2] = np.nan
    with pytest.raises(InputError, match="contract 4"):
        layered_program(bad, *args[1:])
    with pytest.raises(InputError, match="3-D"):
        layered_program(futures[:, :, 0], *args[1:])
    with pytest.raises(InputError, match="max_layers"):
        layered_program(*args, max_layers=0)
