"""Mark-to-market, margin calls, final settlement and price limits."""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from hedging.contracts.calendar import listed_contracts
from hedging.contracts.settlement import (
    final_settlement, limit_breaches, limit_path, mark_to_market,
)
from hedging.errors import InputError

D = dt.date


@pytest.fixture(scope="module")
def gold(sit):
    """A 100-ounce contract quoted in USD per ounce (Hull's gold futures), built on the SIT spec."""
    return dataclasses.replace(sit, root="GC", lot_size=100.0, tick=0.1, tick_value=10.0)


def _reference_loop(entry, path, lots, lot_size, im, mm):
    """Plain per-day loop of the margin-account rules, for one path."""
    balance, prev = im * abs(lots), entry
    vm_out, eq_out, calls_out = [], [], []
    for s in path:
        vm = (s - prev) * lot_size * lots
        prev = s
        balance += vm
        call = im * abs(lots) - balance if balance < mm * abs(lots) else 0.0
        vm_out.append(vm), eq_out.append(balance), calls_out.append(call)
        balance += call
    return np.array(vm_out), np.array(eq_out), np.array(calls_out)


def test_hull_gold_margin_account(gold):
    """Hull, Options, Futures, and Other Derivatives, ch. 2, Table 2.1 "Operation of margins for a
    long position in two gold futures contracts": 100 oz per contract, bought at $1,450, initial
    margin $6,000 and maintenance $4,500 per contract. Hull's text: a first-day settlement of
    $1,441 is a loss of 200 x $9 = $1,800, leaving $10,200; a margin call arises once the loss
    exceeds $12,000 - $9,000 = $3,000, i.e. below $1,450 - 3,000/200 = $1,435, and the call
    restores the balance to the initial $12,000. The later prices below are illustrative, not
    Hull's; every expected value is derived from those rules."""
    entry, lots, size, im, mm = 1450.0, 2, 100.0, 6000.0, 4500.0
    threshold = entry - (im - mm) * lots / (size * lots)
    assert threshold == 1435.0

    day1 = mark_to_market(entry, [1441.0], lots, gold, im, mm)
    assert day1.variation_margin[0] == (1441.0 - 1450.0) * size * lots == -1800.0
    assert day1.equity[0] == 10200.0 and day1.total_calls == 0.0

    at_threshold = mark_to_market(entry, [1441.0, threshold], lots, gold, im, mm)
    assert at_threshold.equity[-1] == im * lots - (entry - threshold) * size * lots == 9000.0
    assert at_threshold.n_calls == 0  # exactly at maintenance: not below it

    path = [1441.0, 1436.0, 1434.9, 1437.0, 1418.0, 1425.0]
    mtm = mark_to_market(entry, path, lots, gold, im, mm)
    loss_day3 = (entry - 1434.9) * size * lots               # 3,020 > 3,000
    assert mtm.equity[2] == pytest.approx(im * lots - loss_day3)
    assert mtm.margin_calls[2] == pytest.approx(loss_day3)   # back up to $12,000
    assert mtm.balance[2] == pytest.approx(im * lots)
    # after the call the account restarts at $12,000 from a settlement of 1,434.90
    assert mtm.margin_calls[3] == 0.0
    equity_day5 = im * lots + (1437.0 - 1434.9) * size * lots - (1437.0 - 1418.0) * size * lots
    assert equity_day5 < mm * lots                           # 8,620 < 9,000 -> second call
    assert mtm.equity[4] == pytest.approx(equity_day5)
    assert mtm.margin_calls[4] == pytest.approx(im * lots - mtm.equity[4])
    assert mtm.n_calls == 2
    assert mtm.total_calls == pytest.approx(mtm.margin_calls[2] + mtm.margin_calls[4])
    assert mtm.final_pnl == pytest.approx((1425.0 - entry) * size * lots)
    assert mtm.peak_outflow == pytest.approx((entry - 1418.0) * size * lots)


def test_variation_margin_sums_to_final_minus_entry(gpuh):
    rng = np.random.default_rng(7)
    paths = 2.5 * np.exp(np.cumsum(rng.normal(0, 0.03, size=(50, 60)), axis=1))
    for lots in (5, -3):
        mtm = mark_to_market(2.5, paths, lots, gpuh, 250.0, 187.5)
        np.testing.assert_allclose(mtm.variation_margin.sum(axis=1),
                                   (paths[:, -1] - 2.5) * 1000 * lots, rtol=1e-10, atol=1e-8)
        np.testing.assert_allclose(mtm.final_pnl, mtm.cumulative_pnl[:, -1])


def test_vectorised_equals_loop(gpuh):
    rng = np.random.default_rng(11)
    paths = 2.5 * np.exp(np.cumsum(rng.normal(0, 0.04, size=(40, 30)), axis=1))
    for lots in (4, -4):
        mtm = mark_to_market(2.5, paths, lots, gpuh, 300.0, 225.0)
        assert mtm.margin_calls.shape == paths.shape and mtm.total_calls.shape == (40,)
        assert mtm.n_calls.sum() > 0
        for i, path in enumerate(paths):
            vm, eq, calls = _reference_loop(2.5, path, lots, 1000.0, 300.0, 225.0)
            np.testing.assert_allclose(mtm.variation_margin[i], vm, atol=1e-9)
            np.testing.assert_allclose(mtm.equity[i], eq, atol=1e-9)
            np.testing.assert_allclose(mtm.margin_calls[i], calls, atol=1e-9)
            single = mark_to_market(2.5, path, lots, gpuh, 300.0, 225.0)
            assert single.total_calls == pytest.approx(mtm.total_calls[i])
            assert single.peak_outflow == pytest.approx(mtm.peak_outflow[i])
            assert single.peak_outflow == pytest.approx(max(0.0, -np.cumsum(vm).min()))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(min_value=1.0, max_value=4.0), min_size=1, max_size=25),
       st.integers(min_value=-20, max_value=20))
def test_account_never_stays_below_maintenance(path, lots):
    from hedging.contracts.specs import load_specs

    spec = load_specs()["GPUH"]
    mtm = mark_to_market(2.5, path, lots, spec, 200.0, 150.0)
    assert sum(mtm.variation_margin) == pytest.approx((path[-1] - 2.5) * 1000 * lots, abs=1e-6)
    assert np.all(mtm.balance >= 150.0 * abs(lots) - 1e-6)
    called = mtm.margin_calls > 0
    np.testing.assert_allclose(mtm.balance[called], 200.0 * abs(lots))


def test_mark_to_market_rejects_bad_inputs(gpuh):
    with pytest.raises(InputError):
        mark_to_market(2.5, [], 1, gpuh, 200.0, 150.0)
    with pytest.raises(InputError):
        mark_to_market(2.5, [2.4], 1, gpuh, 100.0, 150.0)
    with pytest.raises(InputError):
        mark_to_market(2.5, [np.nan], 1, gpuh, 200.0, 150.0)
    with pytest.raises(InputError, match="whole number"):
        mark_to_market(2.5, [2.4], 1.5, gpuh, 200.0, 150.0)


def test_monthly_average_settlement(gpuh):
    contract = listed_contracts(gpuh, D(2026, 2, 1))[0]  # GPUHG26, window 1-28 Feb 2026
    days = [D(2026, 2, 1) + dt.timedelta(days=k) for k in range(28)]
    fixings = {d: 2.0 + 0.01 * k for k, d in enumerate(days) if d.weekday() < 5}
    fixings[D(2026, 1, 30)] = 9.0   # outside the window: ignored
    fixings[D(2026, 3, 2)] = 9.0
    result = final_settlement(gpuh, fixings, contract)
    inside = [v for d, v in fixings.items() if D(2026, 2, 1) <= d <= D(2026, 2, 28)]
    assert result.price == pytest.approx(sum(inside) / len(inside))
    assert (result.method, result.observations, result.business_days) == ("monthly_average", 20, 20)
    assert result.warnings == ()
    worked = final_settlement(gpuh, {"2026-02-02": 2.4, "2026-02-03": 2.5, "2026-02-04": 2.6},
                              (D(2026, 2, 1), D(2026, 2, 28)))
    assert worked.price == pytest.approx(2.5)
    assert [w.code for w in worked.warnings] == ["settlement_fixings_missing"]


def test_monthly_average_accepts_a_pandas_series(gpuh):
    import pandas as pd

    idx = pd.bdate_range("2026-03-01", "2026-03-31")
    series = pd.Series(np.linspace(2.0, 3.0, len(idx)), index=idx)
    series.iloc[3] = np.nan  # not published that day
    contract = listed_contracts(gpuh, D(2026, 3, 1))[0]
    result = final_settlement(gpuh, series, contract)
    assert result.price == pytest.approx(series.dropna().mean())
    assert result.observations == len(idx) - 1


def test_point_settlement(sit):
    contract = listed_contracts(sit, D(2026, 3, 1))[0]   # SITH26, LTD 2026-03-18
    index = {D(2026, 3, 17): 2.10, D(2026, 3, 18): 2.15, D(2026, 3, 19): 2.20}
    result = final_settlement(sit, index, contract)
    assert (result.price, result.start, result.end) == (2.15, D(2026, 3, 18), D(2026, 3, 18))
    with pytest.raises(InputError, match="2026-03-18"):
        final_settlement(sit, {D(2026, 3, 17): 2.1}, contract)


def test_price_limits(sit):
    """arXiv 2603.21690 §5.3: +-15% halts trading (tier 1), +-25% closes the session (tier 2)."""
    check = limit_breaches(2.00, [2.30, 2.40, 2.60, 1.70, 1.40, 2.00], sit, clamp=True)
    np.testing.assert_array_equal(check.tier, [0, 1, 2, 0, 2, 0])  # exactly 15% is allowed
    np.testing.assert_allclose(check.move, [0.15, 0.20, 0.30, -0.15, -0.30, 0.0])
    np.testing.assert_allclose(check.clamped, [2.30, 2.40, 2.50, 1.70, 1.50, 2.00])
    assert check.any_halt and check.any_close
    assert limit_breaches(2.0, [2.1], sit).clamped is None


def test_limit_path_clamps_day_by_day(sit):
    path = limit_path(2.00, [3.00, 3.00, 3.00, 2.90], sit)
    np.testing.assert_allclose(path, [2.50, 3.00, 3.00, 2.90])   # 2.50 x 1.25 = 3.125 >= 3.00
    paths = limit_path(2.00, np.array([[3.0, 3.0], [1.0, 1.0]]), sit)
    np.testing.assert_allclose(paths, [[2.50, 3.00], [1.50, 1.13]])  # 1.125 rounds up inside
