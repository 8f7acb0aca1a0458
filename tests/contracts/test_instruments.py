"""Instruments beside futures: closed forms against published values, Monte Carlo against closed forms.

Every Monte Carlo check uses a fixed seed and a tolerance of a few standard errors of the estimate it
checks (four unless stated), so a failure means a wrong formula, not bad luck (p < 1e-4).
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

from hedging.contracts import instruments as ins
from hedging.contracts.option_formulas import (
    binary_call, geometric_asian, kemna_vorst, turnbull_wakeman,
)
from hedging.errors import InputError, ModelError
from hedging.market.model import PAPER_TABLE3
from hedging.market.simulation import simulate_index

Z = 4.0  # standard errors allowed


def gbm_fixings(S, b, sigma, times, n_paths, seed):
    """Exact GBM at the fixing times (antithetic pairs), shape (n_paths, n_fixings)."""
    t = np.asarray(times, float)
    dt_ = np.diff(np.r_[0.0, t])
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((n_paths // 2, t.size))
    z = np.vstack([z, -z])
    w = np.cumsum(z * np.sqrt(dt_), axis=1)
    return S * np.exp((b - sigma ** 2 / 2) * t + sigma * w)


# --- closed forms against published values -------------------------------------------------------

def test_kemna_vorst_geometric_put_matches_haug():
    # Haug (2007) 4.20.1 via QuantLib testAnalyticContinuousGeometricAveragePrice: 4.6922.
    assert kemna_vorst(80, 85, 0.05, 0.08, 0.20, 90 / 360, call=False) == pytest.approx(4.6922, abs=5e-5)


def test_discrete_geometric_matches_clewlow_strickland():
    # QuantLib testAnalyticDiscreteGeometricAveragePrice: 5.3425606635 (tolerance 1e-10 there).
    times = np.arange(1, 11) * 36 / 360
    assert geometric_asian(100, 100, 0.06, 0.03, 0.20, times, 1.0) == pytest.approx(5.3425606635, abs=1e-9)


def test_discrete_geometric_tends_to_kemna_vorst():
    # Independent cross-check: n equally spaced fixings converge to the continuous average, error O(1/n).
    T = 0.25
    times = np.arange(1, 20_001) * T / 20_000
    discrete = geometric_asian(80, 85, 0.05, 0.08, 0.20, times, T, call=False)
    assert discrete == pytest.approx(kemna_vorst(80, 85, 0.05, 0.08, 0.20, T, call=False), abs=1e-3)


def test_turnbull_wakeman_matches_haug_table():
    # QuantLib testTurnbullWakemanAsianEngine (Haug data): 26 weekly fixings, b = 0, r = 5%, sigma 20%.
    weeks = np.arange(1, 27) / 52
    assert turnbull_wakeman(100, 100, 0.05, 0.0, 0.2, weeks, 0.5) == pytest.approx(3.2700, abs=5e-5)
    assert turnbull_wakeman(100, 100, 0.05, 0.0, 0.2, weeks, 0.5, call=False) == pytest.approx(3.2700, abs=5e-5)
    assert turnbull_wakeman(100, 80, 0.05, 0.0, 0.2, weeks, 0.5) == pytest.approx(19.5152, abs=5e-5)
    assert turnbull_wakeman(100, 80, 0.05, 0.0, 0.2, weeks, 0.5, call=False) == pytest.approx(0.0090, abs=5e-5)


COMPUTE_DAYS = 2 / 12 + np.arange(1, 31) / 365   # month 3, 30 daily fixings (reference note D2)


def test_compute_cap_and_zero_cost_floor_closed_form():
    # Reference note D2/D3: F $2.50, sigma 60%, r 4%: cap $2.75 = 0.1679, ATM 0.2612, floor $2.309.
    T = COMPUTE_DAYS[-1]
    call = turnbull_wakeman(2.5, 2.75, 0.04, 0.0, 0.6, COMPUTE_DAYS, T)
    assert call == pytest.approx(0.1679, abs=5e-5)
    assert turnbull_wakeman(2.5, 2.5, 0.04, 0.0, 0.6, COMPUTE_DAYS, T) == pytest.approx(0.2612, abs=5e-5)
    from scipy.optimize import brentq
    floor = brentq(lambda k: turnbull_wakeman(2.5, k, 0.04, 0.0, 0.6, COMPUTE_DAYS, T, call=False) - call, 1.0, 2.75)
    assert floor == pytest.approx(2.309, abs=5e-4)


def test_binary_matches_reference_note():
    # Reference note D4: F $2.50, sigma 60%, T 0.25: "above $2.75" about 32 cents, "above $2.43" about 48.
    assert round(binary_call(2.5, 2.75, 0.6, 0.25), 2) == 0.32
    assert round(binary_call(2.5, 2.43, 0.6, 0.25), 2) == 0.48
    # N(d2) by hand: d2 = (ln(2.5/2.75) - 0.045) / 0.3
    assert binary_call(2.5, 2.75, 0.6, 0.25, r=0.04) == pytest.approx(
        math.exp(-0.01) * 0.5 * math.erfc(-((math.log(2.5 / 2.75) - 0.045) / 0.3) / math.sqrt(2)), rel=1e-12)


# --- Monte Carlo on GBM paths against the closed forms and published values ----------------------

def test_mc_geometric_asian_matches_closed_form():
    times = np.arange(1, 11) * 36 / 360
    fix = gbm_fixings(100, 0.03, 0.2, times, 200_000, seed=11)
    geo = np.exp(np.log(fix).mean(axis=1))
    mc = ins.present_value(ins.call_payoff(geo, 100.0), math.exp(-0.06))
    assert abs(mc.value - 5.3425606635) < Z * mc.std_error
    assert mc.std_error < 0.03


def test_mc_arithmetic_asian_put_matches_levy_table():
    # Levy (1997) discrete arithmetic put, 12 fixings from today to 11/12 (QuantLib
    # testMCDiscreteArithmeticAveragePrice, tolerance 2e-2 for the published value): 1.6980.
    times = np.arange(12) / 12
    r, q, sigma, T = 0.025, 0.06, 0.13, 11 / 12
    fix = gbm_fixings(90, r - q, sigma, times[1:], 200_000, seed=5)
    fix = np.hstack([np.full((fix.shape[0], 1), 90.0), fix])
    df = math.exp(-r * T)
    arith = df * ins.put_payoff(fix.mean(axis=1), 87.0)
    geo = df * ins.put_payoff(np.exp(np.log(fix).mean(axis=1)), 87.0)
    mc = ins.with_control_variate(arith, geo, geometric_asian(90, 87, r, r - q, sigma, times, T, call=False))
    assert mc.std_error < 0.002
    assert abs(mc.value - 1.6980) < 0.02
    plain = ins.present_value(arith)
    assert abs(plain.value - mc.value) < Z * plain.std_error


def test_mc_compute_cap_matches_published_mc_and_tw():
    # Reference note D2: MC (400k paths) 0.1683 +- 0.0006; Turnbull-Wakeman 0.1679.
    T = COMPUTE_DAYS[-1]
    fix = gbm_fixings(2.5, 0.0, 0.6, COMPUTE_DAYS, 200_000, seed=3)
    mc = ins.present_value(ins.call_payoff(fix.mean(axis=1), 2.75), math.exp(-0.04 * T))
    assert abs(mc.value - 0.1683) < Z * math.hypot(mc.std_error, 0.0006)
    assert abs(mc.value - turnbull_wakeman(2.5, 2.75, 0.04, 0.0, 0.6, COMPUTE_DAYS, T)) < 0.005


def test_mc_binary_matches_n_d2():
    fix = gbm_fixings(2.5, 0.0, 0.6, [0.25], 200_000, seed=9)
    for K in (2.43, 2.75, 3.5):
        mc = ins.present_value(ins.binary_payoff(fix[:, 0], K), math.exp(-0.04 * 0.25))
        assert abs(mc.value - binary_call(2.5, K, 0.6, 0.25, r=0.04)) < Z * mc.std_error


def test_collar_legs_put_call_parity_and_zero_cost_floor():
    T = COMPUTE_DAYS[-1]
    df = math.exp(-0.04 * T)
    avg = gbm_fixings(2.5, 0.0, 0.6, COMPUTE_DAYS, 200_000, seed=21).mean(axis=1)
    for K in (2.3, 2.5, 2.75):
        call = ins.present_value(ins.call_payoff(avg, K), df).value
        put = ins.present_value(ins.put_payoff(avg, K), df).value
        # parity on the same paths is exact: C - P = DF (mean A - K)
        assert call - put == pytest.approx(df * (avg.mean() - K), abs=1e-12)
    floor = ins.zero_cost_floor(avg, 2.75, df)
    collar = ins.present_value(ins.collar_payoff(avg, 2.75, floor), df)
    assert abs(collar.value) < 1e-9
    # published floor $2.309 (TW both legs); MC moves it by se / (dV_put / dK) = se / (DF P(A < Kp))
    se = collar.std_error / (df * (avg < floor).mean())
    assert abs(floor - 2.309) < Z * se + 5e-4
    with pytest.raises(ModelError):
        ins.zero_cost_floor(avg, 2.0, df)     # cap below the expected average: nothing finances it


# --- worked numbers and the swap on the product's model ------------------------------------------

def test_worked_numbers():
    # Reference note D1: K = $2.65, Q = 50,000 GPU-h: A = $2.42 -> -$11,500; A = $3.05 -> +$20,000.
    assert ins.swap_payoff([2.42, 3.05], 2.65) * 50_000 == pytest.approx([-11_500, 20_000])
    pv = ins.present_value([[0.0], [2.0]], 0.5, 10)
    assert (pv.value, pv.std_error) == pytest.approx((5.0, 5.0))
    with pytest.raises(InputError):
        ins.present_value([[np.nan], [1.0]])


@pytest.fixture(scope="module")
def sim():
    start = dt.date(2026, 11, 30)
    months = pd.date_range("2026-12-01", periods=6, freq="MS")
    return simulate_index(PAPER_TABLE3, math.log(2.0), 0.0, start, months, 20_000, seed=17, origin=start)


def test_swap_fixed_rate_is_the_expected_monthly_average(sim):
    fix = ins.month_fixings(sim, sim.months, sim.dates[0].date())
    for j in range(len(sim.months)):
        k = ins.swap_rate(fix.average[:, j])
        assert abs(k.value - fix.closed_form[j]) < Z * k.std_error
    q = np.array([1.0, 2.0, 3.0, 1.0, 1.0, 5.0])
    strip = ins.swap_rate(fix.average, fix.discount, q)
    w = fix.discount * q
    assert abs(strip.value - float(fix.closed_form @ w / w.sum())) < Z * strip.std_error
    # at the fair fixed price the swap is worth nothing on these paths
    assert ins.present_value(ins.swap_payoff(fix.average, strip.value), fix.discount, q).value == \
        pytest.approx(0.0, abs=1e-9 * strip.value * q.sum())


def test_quote_table_orders_strikes_and_prices(sim):
    fix = ins.month_fixings(sim, sim.months[:3], sim.dates[0].date(), rate=0.04)
    table = ins.quote_table(fix, cap_moneyness=1.1)
    assert (table["collar floor"] < table["swap fixed price"]).all()
    assert (table["swap fixed price"] < table["cap strike"]).all()
    assert ((table["binary price"] > 0) & (table["binary price"] < table["discount factor"])).all()
    assert (table["cap premium"] > 0).all()
    with pytest.raises(InputError):
        ins.month_fixings(sim, pd.DatetimeIndex(["2026-11-01"]), sim.dates[0].date())


def test_kalshi_fee_matches_published_rounding():
    # Reference note D4 (docs.kalshi.com fee rounding): ceil(0.07 C P (1 - P)) to the cent.
    assert ins.kalshi_fee(1, 0.50) == pytest.approx(0.02)
    assert ins.kalshi_fee(10_000, 0.50) == pytest.approx(175.00)
    assert ins.kalshi_fee(100, 0.88) == pytest.approx(0.74)
    assert ins.kalshi_fee(100, 0.0) == 0.0
