"""The automatic forecast: statsmodels candidates, combination, conformal calibration per horizon
band, short and gappy histories, a seeded coverage study, and agreement between the app's volume
paths and forecast_series."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

from hedging.errors import InputError, ModelError
from hedging.forecast import fit_volume
from hedging.forecast.api import forecast_series, month_calendar, volume_paths
from hedging.forecast.automatic import (BANDS, Calibration, automatic_forecast, backtest_origins, calibrate,
                                        calibrated_log_paths, conformal_quantile, with_trend_uncertainty)
from hedging.forecast.calibration import bands
from hedging.forecast.statistical import specification, theta_sigma2

Z80, Z95 = norm.ppf(0.90), norm.ppf(0.975)


def monthly(values, start="2021-01-01") -> pd.Series:
    values = np.asarray(values, dtype=float)
    return pd.Series(values, index=pd.date_range(start, periods=values.size, freq="MS"))


def seasonal_series(n: int, seed: int, amplitude: float = 0.3, noise: float = 0.03) -> np.ndarray:
    m = np.arange(n)
    rng = np.random.default_rng(seed)
    return 1000 * np.exp(0.01 * m + amplitude * np.sin(2 * np.pi * m / 12) + rng.normal(0, noise, n))


# --- conformal calibration -------------------------------------------------------------------


def test_conformal_quantile_is_the_ceil_n_plus_one_order_statistic():
    """Angelopoulos and Bates (2023), "Conformal prediction: a gentle introduction", section 1:
    qhat is the ceil((n + 1)(1 - alpha)) / n empirical quantile of the n calibration scores.
    n = 19, alpha = 0.05: ceil(20 x 0.95) = 19, the largest score; n = 18 has no finite qhat;
    n = 9, alpha = 0.2: ceil(10 x 0.8) = 8, the 8th smallest."""
    assert conformal_quantile(np.arange(1, 20), 0.95) == 19.0
    assert math.isnan(conformal_quantile(np.arange(1, 19), 0.95))
    assert conformal_quantile(np.arange(9, 0, -1), 0.80) == 8.0


def test_calibrate_recovers_a_known_error_scale():
    """Standardised errors |N(0, 2^2)| in every band: both factors are 2. The 0.8 and 0.95
    quantiles of 4,000 draws have standard errors sqrt(p(1-p)/n) / f(q) of about 0.027 and 0.046
    (in units of the error scale 2, then divided by z); 5 standard errors of tolerance."""
    rng = np.random.default_rng(1)
    h = np.repeat(np.arange(1, 13), 1000)
    scores = np.abs(rng.normal(0.0, 2.0, h.size))
    cal = calibrate(h, scores)
    for first, last, n, f80, f95, source in cal.bands:
        se80 = 2 * math.sqrt(0.8 * 0.2 / n) / (2 * norm.pdf(Z80)) / Z80
        se95 = 2 * math.sqrt(0.95 * 0.05 / n) / (2 * norm.pdf(Z95)) / Z95
        assert source == "band"
        assert abs(f80 - 2.0) < 5 * se80 and abs(f95 - 2.0) < 5 * se95, (first, last, f80, f95)


def test_a_band_without_enough_errors_uses_the_pooled_ones():
    """Only months 1-3 were scored (a 3-month backtest): bands 4-6 and 7-12 take the pooled
    factors; with 5 errors in all, the 95% level has no conformal quantile, so no calibration."""
    h = np.repeat([1, 2, 3], 10)
    cal = calibrate(h, np.linspace(0.1, 3.0, h.size))
    assert [b[5] for b in cal.bands] == ["band", "pooled", "pooled"]
    assert cal.bands[1][3:5] == cal.bands[2][3:5]
    few = calibrate(np.array([1, 1, 2, 2, 3]), np.ones(5))
    assert [b[5] for b in few.bands] == ["none"] * 3 and few.factors(14).tolist() == [[1.0, 1.0]] * 14


def test_a_band_with_enough_errors_for_80_but_not_95_keeps_its_own_scale():
    """A 6-origin backtest scores about 16 errors 1-3 months ahead: enough for the 80% conformal
    quantile (ceil(17 x 0.8) = 14 <= 16) but not for 95% (ceil(17 x 0.95) = 17 > 16). The band
    keeps its own 80% factor, and its 95% quantile is its 80% one times the pooled ratio."""
    rng = np.random.default_rng(5)
    h = np.concatenate([np.repeat([1, 2, 3], [6, 5, 5]), np.repeat(np.arange(4, 13), 10)])
    scores = np.abs(rng.normal(0, np.where(h <= 3, 0.8, 2.0)))
    cal = calibrate(h, scores, narrow=False)
    first = cal.bands[0]
    q80 = conformal_quantile(scores[h <= 3], 0.8)
    tail = conformal_quantile(scores, 0.95) / conformal_quantile(scores, 0.8)
    assert first[2] == 16 and first[5] == "band+pooled tail"
    assert first[3] == pytest.approx(max(q80 / Z80, 1.0))
    assert first[4] == pytest.approx(max(q80 * tail / Z95, 1.0))
    # the pooled factors (dominated by the errors 2.5 times larger further out) are not used
    assert first[3] < cal.bands[2][3]


def test_narrowing_stops_at_three_quarters():
    """Errors far smaller than the models expect narrow the bands of a long history to 0.75 of
    the models' own, no further; a short history's are never narrowed."""
    h = np.repeat(np.arange(1, 13), 30)
    scores = np.full(h.size, 0.01)
    assert {b[3] for b in calibrate(h, scores).bands} == {0.75}
    assert {b[4] for b in calibrate(h, scores).bands} == {0.75}
    assert {b[3] for b in calibrate(h, scores, narrow=False).bands} == {1.0}


def test_short_history_spread_is_the_drift_methods():
    """FPP3 section 5.5: sigma_h = sigma sqrt(h (1 + h / T)). Changes with standard deviation
    below the 10% floor over 6 months (T = 5 changes): 12 months ahead 0.10 sqrt(12 x 3.4)
    = 0.6387; 1 month ahead 0.10 sqrt(1.2) = 0.1095."""
    from hedging.forecast.automatic import short_history_spread

    logs = np.log(100.0) + 0.03 * np.arange(6) + np.array([0, .01, -.01, .02, 0, .01])
    got = short_history_spread(logs, 12)
    assert got[11] == pytest.approx(0.1 * math.sqrt(12 * (1 + 12 / 5)))
    assert got[0] == pytest.approx(0.1 * math.sqrt(1.2))


def test_six_and_seven_month_histories_are_not_narrow():
    """Six or seven months cannot be backtested; the damped trend fitted to them explained them
    almost exactly and kept its 12-months-ahead band as narrow as its 1-month one (the standard
    deviation of a year's volume came to 2-4% of it). Now the bands widen with each month ahead,
    and on random walks (monthly log changes 0.02 + 0.15 z) the 80% band 12 months ahead holds
    the realised month about 80% of the time: 120 series, binomial standard error
    sqrt(0.8 x 0.2 / 120) = 3.7 points; the band must hold at least 80% - 3 SE and at most 95%
    (it is conservative by construction: the volatility floor and the drift's error)."""
    rng = np.random.default_rng(11)
    inside, ratio = [], []
    for k in range(120):
        n = 6 + k % 2
        y = np.exp(5 + np.cumsum(0.02 + 0.15 * rng.standard_normal(n + 12)))
        f = automatic_forecast(y[:n], 12, n_paths=1_000, seed=k).forecast
        lo, hi = (np.asarray(b) for b in f.interval(80))
        inside.append(lo[11] <= y[n + 11] <= hi[11])
        ratio.append((np.log(hi[11]) - np.log(lo[11])) / (np.log(hi[0]) - np.log(lo[0])))
    se = math.sqrt(0.8 * 0.2 / 120)
    assert 0.8 - 3 * se <= np.mean(inside) <= 0.95
    assert min(ratio) > 3.0   # a random walk's 12-month band is sqrt(12) = 3.5 times its 1-month one


def test_calibrated_paths_have_the_target_quantiles_and_keep_ranks():
    """Gaussian log paths with spread sigma, factors (1.5, 0.8): the mapped 80% and 95% bands are
    exp(+/- f z sigma) around the point. 200,000 draws: the 0.9 and 0.975 sample quantiles of a
    standard normal have standard errors 0.0019 and 0.0031; tolerance 0.02 on the log scale.
    Ranks are kept (the map is increasing), so a correlation with prices survives."""
    rng = np.random.default_rng(3)
    sigma = np.array([0.1, 0.2])
    z = rng.standard_normal((200_000, 2))
    log_point = np.array([1.0, 2.0])
    mapped = calibrated_log_paths(log_point + z * sigma, log_point, sigma, np.array([[1.5, 0.8], [1.5, 0.8]]))
    for j in range(2):
        dev = (mapped[:, j] - log_point[j]) / sigma[j]
        assert abs(np.quantile(dev, 0.90) - 1.5 * Z80) < 0.02
        assert abs(np.quantile(dev, 0.975) - max(0.8 * Z95, 1.05 * 1.5 * Z80)) < 0.02
        np.testing.assert_array_equal(np.argsort(mapped[:, j]), np.argsort(z[:, j]))


def test_trend_uncertainty_gives_the_drift_methods_interval():
    """FPP3 (Hyndman and Athanasopoulos 2021), section 5.5, benchmark prediction intervals: the
    drift method has sigma_h = sigma sqrt(h (1 + h / T)). Starting from the random walk's
    sigma sqrt(h) the widening gives exactly that; e.g. h = 12, T = 24: sigma sqrt(18)."""
    h = np.arange(1, 13)
    widened = with_trend_uncertainty(0.05 * np.sqrt(h), h, 0.05, 24)
    np.testing.assert_allclose(widened, 0.05 * np.sqrt(h * (1 + h / 24)), rtol=1e-12)
    assert widened[-1] == pytest.approx(0.05 * math.sqrt(18), rel=1e-12)


def test_backtest_origins_are_spread_over_the_last_two_years():
    assert backtest_origins(24) == (12, 14, 16, 19, 21, 23)
    assert backtest_origins(100) == (76, 81, 85, 90, 94, 99)
    assert backtest_origins(7) == (6,) and backtest_origins(6) == ()


# --- statsmodels candidates ------------------------------------------------------------------


def test_theta_variance_matches_the_arima_011_forecast_variance_of_statsmodels():
    """Hyndman and Billah (2003): the Theta method is ARIMA(0,1,1) with drift, theta_MA = alpha - 1,
    whose h-step forecast variance is sigma^2 (1 + (h - 1) alpha^2). Independent check: statsmodels'
    SARIMAX Kalman filter with those parameters fixed gives the same variances."""
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    alpha, sigma2 = 0.4, 0.5
    y = np.cumsum(np.random.default_rng(0).normal(size=60))
    res = SARIMAX(y, order=(0, 1, 1)).smooth([alpha - 1.0, sigma2])
    var = np.asarray(res.get_forecast(6).var_pred_mean)
    np.testing.assert_allclose(var, sigma2 * (1 + np.arange(6) * alpha ** 2), rtol=1e-6)
    # the worked example of theta_sigma2: a drift that predicts every step leaves no error
    assert theta_sigma2(np.array([0.0, 1.0, 2.0]), 2.0, 0.5) == 0.0


@pytest.mark.parametrize("model", ["ets", "theta", "arima", "stl"])
def test_statsmodels_paths_have_the_model_variance(model):
    """Paths by independent increments: month h has the model's variance v_h. 20,000 paths: the
    sample variance's relative standard error is sqrt(2 / 20,000) = 1%; tolerance 5%."""
    fitted = fit_volume(seasonal_series(48, seed=2), model)
    mean, var = fitted.moments(12)
    fc = fitted.forecast(12, n_paths=20_000, seed=4)
    logs = np.log(fc.paths())
    np.testing.assert_allclose(np.log(fc.point), mean, rtol=1e-12)
    np.testing.assert_allclose(logs.var(axis=0), var, rtol=0.05)
    assert np.all(np.diff(var) >= 0)


def test_statsmodels_specifications_follow_the_history_length():
    assert specification("ets", 24) == ("ETS(A,Ad,A)", True)
    assert specification("arima", 35) == ("ARIMA(0,1,1) with drift", False)
    assert specification("arima", 36)[1] is True
    with pytest.raises(ModelError, match="STL needs 24 months"):
        fit_volume(seasonal_series(20, seed=1), "stl")


def test_warm_start_gives_the_same_forecast_as_a_cold_fit():
    """Starting values change the optimiser's path, not where it ends: the point forecasts of a
    warm-started ETS fit agree with a cold one to 1% (the likelihood is flat near its maximum)."""
    y = seasonal_series(40, seed=5)
    cold = fit_volume(y, "ets")
    warm = fit_volume(y, "ets", warm=fit_volume(y[:-1], "ets").warm_start)
    np.testing.assert_allclose(np.exp(warm.moments(6)[0]), np.exp(cold.moments(6)[0]), rtol=0.01)


# --- the automatic forecast --------------------------------------------------------------------


def test_a_clearly_seasonal_series_gets_a_seasonal_model():
    """Four years of a +/-30% annual cycle: the combination's members model the season, and the
    forecast peaks in April and bottoms in October as the history does."""
    y = monthly(seasonal_series(48, seed=7), "2021-01-01")
    t = forecast_series(y, 12, n_paths=2_000)
    assert t.attrs["model"] == "combination" and t.attrs["seasonal"] is True
    assert len(t.attrs["models"]) == 3
    assert t["mean"].idxmax().month == 4 and t["mean"].idxmin().month == 10


@pytest.mark.parametrize("n", [1, 2, 5, 6, 7, 8, 11, 12, 17, 23])
def test_short_histories_forecast_with_wider_intervals(n):
    """Every length works; below 8 months there is no backtest and the model's own intervals are
    used, with a warning; the 95% band is never narrower than the 80% one."""
    y = monthly(seasonal_series(n, seed=n), "2023-01-01")
    t = forecast_series(y, 12, n_paths=1_000, seed=n)
    assert t.shape == (12, 5) and np.isfinite(t.to_numpy()).all() and (t.to_numpy() > 0).all()
    assert (t["lo_95"] <= t["lo_80"]).all() and (t["hi_80"] <= t["hi_95"]).all()
    if n < 8:
        assert t.attrs["warnings"] and t.attrs["model"] in {"drift", "damped_trend"}
    else:
        assert t.attrs["model"] == "combination"


def test_gappy_histories():
    """A missing month is refused with the fix; zero months (leading, or inside) are forecast."""
    y = monthly(seasonal_series(30, seed=3))
    with pytest.raises(InputError, match="gaps: 1 month is missing"):
        forecast_series(y.drop(y.index[10]), 6)
    with_zeros = y.copy()
    with_zeros.iloc[:4] = 0.0
    with_zeros.iloc[15] = 0.0
    t = forecast_series(with_zeros, 6, n_paths=1_000)
    assert np.isfinite(t.to_numpy()).all() and (t["lo_95"] > 0).all()
    assert any("zero" in w for w in t.attrs["warnings"])


def test_volume_paths_and_forecast_series_agree():
    """The app's volume paths (api.volume_paths, used by the Forecast service) and the public table
    are one computation: same seed, same numbers to the last bit."""
    y = monthly(seasonal_series(36, seed=11))
    future = pd.date_range("2024-01-01", periods=9, freq="MS")
    result, paths, calibration, _ = volume_paths(y.to_numpy(), y.index, future, n_paths=2_000, seed=5)
    t = forecast_series(y, 9, n_paths=2_000, seed=5)
    np.testing.assert_array_equal(t["mean"], paths.mean(axis=0))
    for lev, (lo, hi) in bands(paths, (80, 95)).items():
        np.testing.assert_array_equal(t[f"lo_{lev}"], lo)
        np.testing.assert_array_equal(t[f"hi_{lev}"], hi)
    assert t.attrs["model"] == result.model and t.attrs["models"] == result.members
    assert [c["factor_80"] for c in t.attrs["calibration"]] == [b[3] for b in calibration.bands]


def test_shocks_drive_the_calibrated_paths():
    """With the app's shocks the paths are a monotone function of them month by month (what keeps
    the volume-price correlation): path ranks follow the cumulated shocks' ranks in month 1."""
    y = seasonal_series(30, seed=13)
    months = pd.date_range("2022-01-01", periods=30, freq="MS")
    z = np.random.default_rng(0).standard_normal((500, 6))
    r = automatic_forecast(y, 6, calendar=month_calendar(months),
                           calendar_future=month_calendar(pd.date_range("2024-07-01", periods=6, freq="MS")),
                           shocks=z)
    np.testing.assert_array_equal(np.argsort(r.forecast.paths()[:, 0]), np.argsort(z[:, 0]))


def test_coverage_on_simulated_series():
    """Seeded coverage study at small size: 16 series of 36 months, log volume a local level with
    drift (ETS(A,N,N) with drift: level += 0.02 + 0.06 e, observed with 0.03 noise), the last 12
    months held out. Pooled over 192 held-out months, the 80% and 95% bands must cover within 3
    binomial standard errors of 80% and 95% (sqrt(0.16 / 192) = 2.9 points and 1.6 points; months
    of one series are correlated, so this is a loose check of gross miscalibration)."""
    rng = np.random.default_rng(2024)
    inside80 = inside95 = total = 0
    for i in range(16):
        level = np.cumsum(0.02 + 0.06 * rng.standard_normal(36)) + 7.0
        y = np.exp(level + 0.03 * rng.standard_normal(36))
        t = forecast_series(monthly(y[:24]), 12, n_paths=1_000, seed=i)
        test = y[24:]
        inside80 += int(((t["lo_80"] <= test) & (test <= t["hi_80"])).sum())
        inside95 += int(((t["lo_95"] <= test) & (test <= t["hi_95"])).sum())
        total += test.size
    se80, se95 = math.sqrt(0.8 * 0.2 / total), math.sqrt(0.95 * 0.05 / total)
    assert abs(inside80 / total - 0.80) < 3 * se80, inside80 / total
    assert abs(inside95 / total - 0.95) < 3 * se95, inside95 / total


def test_identity_calibration_has_every_band():
    assert [b[:2] for b in Calibration.identity().bands] == list(BANDS)
