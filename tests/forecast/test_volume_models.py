"""The three volume models: known parameters recovered, hand recursions, closed forms."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import optimize, stats

from hedging.forecast.damped_trend import _concentrated, one_step_errors
from hedging.forecast.damped_trend import fit as fit_damped
from hedging.forecast.level_shifts import detect_level_shifts
from hedging.forecast.loglinear import fit as fit_loglinear
from hedging.forecast.seasonal_naive import fit as fit_naive


def simulate_ets(alpha, beta_star, phi, sigma, n, seed, level=7.0, trend=0.05):
    """Volumes whose log follows ETS(A,Ad,N) in state-space form (FPP3 section 8.5)."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        eps = sigma * rng.standard_normal()
        pred = level + phi * trend
        out.append(pred + eps)
        level, trend = pred + alpha * eps, phi * trend + alpha * beta_star * eps
    return np.exp(np.array(out))


# --- seasonal naive -------------------------------------------------------------------------

def test_seasonal_naive_repeats_the_last_season_exactly():
    rng = np.random.default_rng(1)
    y = 1000 * np.exp(0.04 * np.arange(30) + 0.1 * rng.standard_normal(30))
    fc = fit_naive(y).forecast(24, seed=3, n_paths=500)
    assert fc.point[:12] == pytest.approx(y[-12:], rel=1e-12)
    assert fc.point[12:] == pytest.approx(y[-12:], rel=1e-12)
    assert fc.model == "seasonal_naive" and fc.start == 30


def test_naive_with_less_than_a_year_repeats_the_last_month():
    y = [100, 104, 103, 110, 115, 118, 125, 131]
    fitted = fit_naive(y)
    assert fitted.season == 1 and fitted.innovation_source == "first differences"
    assert fitted.forecast(5, n_paths=100, seed=0).point == pytest.approx([131.0] * 5)


def test_seasonal_naive_zero_shock_adds_the_median_centred_difference():
    """z = 0 maps to Q(Phi(0)) = Q(0.5), the median of the centred seasonal log differences."""
    rng = np.random.default_rng(2)
    y = np.exp(5 + 0.03 * np.arange(26) + 0.05 * rng.standard_normal(26))
    fitted = fit_naive(y)
    assert fitted.innovation_source == "seasonal differences"
    diffs = np.log(y[12:]) - np.log(y[:-12])
    median = np.median(diffs - diffs.mean())
    paths = fitted.forecast(14, shocks=np.zeros((3, 14))).paths()
    first_year = np.log(y[-12:]) + median
    assert np.log(paths[0, :12]) == pytest.approx(first_year, abs=1e-12)
    assert np.log(paths[0, 12:]) == pytest.approx(first_year[:2] + median, abs=1e-12)


def test_seasonal_naive_with_few_seasonal_differences_scales_first_differences():
    y = np.exp(0.05 * np.arange(14))
    fitted = fit_naive(y)
    assert fitted.innovation_source == "first differences scaled to 12 months"
    assert np.mean(fitted.innovations) == pytest.approx(0.0, abs=1e-15)
    assert np.ptp(fitted.innovations) == pytest.approx(0.0, abs=1e-12)  # exact trend: no spread
    assert any(w.code == "few_seasonal_differences" for w in fitted.warnings)


# --- damped trend ---------------------------------------------------------------------------

def test_damped_trend_matches_a_hand_recursion():
    """The component form of FPP3 section 8.2, written out here, gives the fit's final states
    and point forecasts l_T + (phi + ... + phi^h) b_T."""
    y = simulate_ets(0.5, 0.2, 0.9, 0.03, 30, seed=4)
    f = fit_damped(y)
    level, trend = f.level0, f.trend0
    sse = 0.0
    for value in np.log(y):
        pred = level + f.phi * trend
        sse += (value - pred) ** 2
        new_level = f.alpha * value + (1 - f.alpha) * (level + f.phi * trend)
        trend = f.beta_star * (new_level - level) + (1 - f.beta_star) * f.phi * trend
        level = new_level
    assert (f.level, f.trend) == pytest.approx((level, trend), rel=1e-12, abs=1e-12)
    assert f.sse == pytest.approx(sse, rel=1e-10)
    fc = f.forecast(6, n_paths=10, seed=0)
    expected = [math.exp(level + sum(f.phi ** j for j in range(1, h + 1)) * trend)
                for h in range(1, 7)]
    assert fc.point == pytest.approx(expected, rel=1e-12)


def test_damped_trend_recovers_alpha_and_phi_roughly():
    """8 simulated series of 300 months, alpha = 0.4, beta* = 0.2, phi = 0.9, sigma = 0.05.
    Tolerances: the fits' spread across seeds is ~0.06 for alpha and ~0.045 for phi (so the
    mean of 8 has ~0.02 and ~0.016); alpha's small-sample downward bias is ~0.03."""
    fits = [fit_damped(simulate_ets(0.4, 0.2, 0.9, 0.05, 300, seed=s)) for s in range(8)]
    assert np.mean([f.alpha for f in fits]) == pytest.approx(0.4, abs=0.08)
    assert np.mean([f.phi for f in fits]) == pytest.approx(0.9, abs=0.05)
    assert np.mean([f.sigma for f in fits]) == pytest.approx(0.05, rel=0.05)
    assert all(0.8 <= f.phi <= 0.98 and 0 < f.alpha < 1 for f in fits)


def test_damped_trend_optimum_beats_a_dense_grid():
    """Cross-check of the L-BFGS-B optimum against brute force over 12 x 12 x 10 points."""
    y = simulate_ets(0.6, 0.1, 0.85, 0.04, 36, seed=5)
    f = fit_damped(y)
    x = np.log(y).tolist()
    grid = min(_concentrated(x, a, b, p)[0] for a in np.linspace(0.01, 0.99, 12)
               for b in np.linspace(0.01, 0.99, 12) for p in np.linspace(0.8, 0.98, 10))
    assert f.sse <= grid * (1 + 1e-6)


def test_initial_states_are_the_least_squares_ones():
    """Concentrated-out (l0, b0) against a direct Nelder-Mead minimisation of the SSE."""
    x = np.log(simulate_ets(0.3, 0.3, 0.9, 0.05, 24, seed=6))
    sse, l0, b0 = _concentrated(x.tolist(), 0.3, 0.3, 0.9)

    def direct(p):
        e, _, _ = one_step_errors(x, 0.3, 0.3, 0.9, p[0], p[1])
        return float(e @ e)

    res = optimize.minimize(direct, [x[0], 0.0], method="Nelder-Mead",
                            options={"xatol": 1e-10, "fatol": 1e-14, "maxiter": 5000})
    assert res.success, res.message
    assert (l0, b0) == pytest.approx(tuple(res.x), abs=1e-5)
    assert sse == pytest.approx(res.fun, rel=1e-8)


def test_damped_trend_forecast_variance_matches_the_closed_form():
    """Variance of simulated log volume at h against two closed forms: the sum
    sigma^2 (1 + sum_{j<h} (alpha + beta phi_j)^2) (derived from the state-space form, phi_j =
    phi + ... + phi^j) and the ETS(A,Ad,N) expression of FPP3 section 8.7 (Hyndman et al. 2008,
    Table 6.1). Monte Carlo tolerance: 4 standard errors of a sample variance,
    4 sqrt(2 / n) relative."""
    f = fit_damped(simulate_ets(0.5, 0.2, 0.9, 0.05, 40, seed=7), params=(0.5, 0.2, 0.9))
    a, b, p, s2 = f.alpha, f.beta, f.phi, f.sigma ** 2
    n_paths = 40_000
    logs = np.log(f.forecast(12, n_paths=n_paths, seed=8).paths())
    for h in (1, 2, 6, 12):
        coeffs = [a + b * sum(p ** i for i in range(1, j + 1)) for j in range(1, h)]
        summed = s2 * (1 + sum(c * c for c in coeffs))
        fpp = s2 * (1 + a * a * (h - 1) + b * p * h / (1 - p) ** 2 * (2 * a * (1 - p) + b * p)
                    - b * p * (1 - p ** h) / ((1 - p) ** 2 * (1 - p * p))
                    * (2 * a * (1 - p * p) + b * p * (1 + 2 * p - p ** h)))
        assert summed == pytest.approx(fpp, rel=1e-12)
        assert logs[:, h - 1].var(ddof=1) == pytest.approx(summed, rel=4 * math.sqrt(2 / n_paths))


# --- loglinear and level shifts ---------------------------------------------------------------

@pytest.mark.parametrize("seed", range(5))
def test_loglinear_recovers_growth_and_a_level_shift(seed):
    """g = 0.05 a month and a +0.35 log shift at month 14 of 30, noise 0.04: with one shift
    allowed, the detected position is exact and the estimates are within 4 standard errors.
    (With the default two, a small spurious second shift is added in ~10% of such series.)"""
    rng = np.random.default_rng(seed)
    t = np.arange(30)
    y = np.exp(7 + 0.05 * t + 0.35 * (t >= 14) + 0.04 * rng.standard_normal(30))
    assert 14 in fit_loglinear(y).shifts
    f = fit_loglinear(y, max_shifts=1)
    assert f.shifts == (14,)
    assert abs(f.growth - 0.05) < 4 * f.growth_se
    se_shift = f.sigma * math.sqrt(f.cov_unscaled[-1][-1])
    assert abs(f.shift_sizes[0] - 0.35) < 4 * se_shift
    assert any(w.code == "level_shift" for w in f.warnings)


def test_detect_level_shifts_docstring_example_and_a_clean_trend():
    t = np.arange(24)
    assert detect_level_shifts(np.where(t < 12, 100, 150) * np.exp(0.05 * t)) == (12,)
    assert detect_level_shifts(100 * np.exp(0.05 * t)) == ()
    two = 100 * np.exp(0.03 * t) * np.where(t >= 8, 1.6, 1.0) * np.where(t >= 17, 0.5, 1.0)
    assert detect_level_shifts(two) == (8, 17)


def test_detect_level_shifts_false_alarm_rate_on_pure_noise():
    """200 trends with 5% Gaussian noise and no shift, 24 months: the module documents ~1.5%
    false detections; binomial standard error at 1.5% is 0.9%, so <= 5% is ~4 SE of slack."""
    rng = np.random.default_rng(11)
    t = np.arange(24)
    hits = sum(bool(detect_level_shifts(np.exp(0.05 * t + 0.05 * rng.standard_normal(24))))
               for _ in range(200))
    assert hits / 200 <= 0.05


def test_loglinear_exact_trend_and_t_prediction_interval():
    """Simulated quantiles against the classical prediction interval
    x'theta +/- t_nu s sqrt(1 + x'(X'X)^{-1}x) (e.g. Greene, Econometric Analysis, ch. 4)."""
    rng = np.random.default_rng(12)
    y = np.exp(6 + 0.04 * np.arange(15) + 0.06 * rng.standard_normal(15))
    f = fit_loglinear(y, shifts=())
    fc = f.forecast(12, n_paths=200_000, seed=13)
    x = f.design(np.arange(15, 27), None)
    cov = np.asarray(f.cov_unscaled)
    half = stats.t.ppf(0.9, f.dof) * f.sigma * np.sqrt(1 + np.einsum("ij,jk,ik->i", x, cov, x))
    lo, hi = fc.interval(80)
    centre = x @ np.asarray(f.coef)
    # Quantile Monte Carlo error of log bounds: sqrt(p(1-p)/n) / density ~ 0.0017 s-units; 0.01
    # in logs is > 5 standard errors for every horizon here.
    assert np.log(lo) == pytest.approx(centre - half, abs=0.01)
    assert np.log(hi) == pytest.approx(centre + half, abs=0.01)
    assert np.all(np.diff(half) > 0)


def test_loglinear_calendar_effect_recovered():
    """Weekend days per month (8, 9 or 10) with c = -0.04 per weekend day (weekends at ~60% of
    weekdays: each weekday turned weekend costs 0.4 / 21.7 ~ 1.8%... here exaggerated to 4%)."""
    rng = np.random.default_rng(14)
    weekend = rng.choice([8, 9, 10], size=36)
    t = np.arange(30)
    y = np.exp(7 + 0.04 * t - 0.04 * (weekend[:30] - 9) + 0.01 * rng.standard_normal(30))
    f = fit_loglinear(y, calendar={"weekend_days": weekend[:30]}, shifts=())
    c = f.coef[f.names.index("weekend_days")]
    se = f.sigma * math.sqrt(f.cov_unscaled[f.names.index("weekend_days")][
        f.names.index("weekend_days")])
    assert abs(c + 0.04) < 4 * se
    fc = f.forecast(6, calendar_future={"weekend_days": weekend[30:]}, n_paths=100, seed=0)
    assert np.log(fc.point) == pytest.approx(
        f.design(np.arange(30, 36), weekend[30:, None]) @ np.asarray(f.coef))


def test_damped_trend_calendar_adjustment():
    """The first-difference regression recovers the weekend-day effect on a damped trend."""
    rng = np.random.default_rng(15)
    weekend = rng.choice([8, 9, 10], size=40)
    base = np.log(simulate_ets(0.5, 0.1, 0.9, 0.005, 36, seed=16))
    y = np.exp(base - 0.04 * (weekend[:36] - 9))
    f = fit_damped(y, calendar={"weekend_days": weekend[:36]})
    assert f.calendar_coef[0] == pytest.approx(-0.04, abs=0.01)
    with pytest.raises(Exception, match="calendar_future"):
        f.forecast(4)
    fc = f.forecast(4, calendar_future={"weekend_days": weekend[36:]}, n_paths=10, seed=0)
    plain = f.point_log(4)
    c = f.calendar_coef[0]
    assert np.log(fc.point) == pytest.approx(plain + c * (weekend[36:] - f.calendar_mean[0]))
