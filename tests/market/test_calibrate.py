"""Maximum-likelihood calibration: recovery of known parameters, warnings and failures."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from scipy import stats

from hedging.errors import ModelError
from hedging.market import PAPER_TABLE3, Calibration, JumpDiffusionModel, calibrate, log_likelihood

X0 = math.log(2.0)


def history(model: JumpDiffusionModel, years: float, per_year: int, seed: int):
    times = np.arange(int(round(years * per_year)) + 1) / per_year
    return times, model.simulate(X0, times, 1, seed=seed)[0]


def codes(fit: Calibration) -> set[str]:
    return {w.code for w in fit.warnings}


def test_log_likelihood_without_jumps_is_the_exact_gaussian_transition():
    m = dataclasses.replace(PAPER_TABLE3, lam=0.0)
    t, x = history(m, 2, 12, seed=1)
    mean = m.mean_log(x[:-1], t[:-1], t[1:])
    sd = np.sqrt(m.variance_log(t[:-1], t[1:]))
    expected = stats.norm.logpdf(x[1:], mean, sd).sum()
    assert log_likelihood(m, t, x) == pytest.approx(expected, rel=1e-12)


def test_jump_mixture_truncation_leaves_less_than_1e8_of_the_mass():
    """Compare with the same Poisson mixture summed to 60 jumps per interval."""
    m = PAPER_TABLE3
    t, x = history(m, 3, 12, seed=2)
    h = np.diff(t)
    kh = m.kappa * h
    mean = np.exp(-kh) * x[:-1] + m.mean_reversion_integral(t[:-1], t[1:])
    var = m.sigma ** 2 * (1 - np.exp(-2 * kh)) / (2 * m.kappa)
    e1 = (1 - np.exp(-kh)) / kh
    e2 = (1 - np.exp(-2 * kh)) / (2 * kh)
    jm, jv = m.mu_j * e1, (m.mu_j ** 2 + m.sigma_j ** 2) * e2 - (m.mu_j * e1) ** 2
    density = sum(stats.poisson.pmf(k, m.lam * h)
                  * stats.norm.pdf(x[1:], mean + k * jm, np.sqrt(var + k * jv))
                  for k in range(61))
    assert log_likelihood(m, t, x) == pytest.approx(np.log(density).sum(), abs=1e-6)


def test_recovers_paper_parameters_from_eight_years_of_daily_data():
    t, x = history(PAPER_TABLE3, 8, 365, seed=7)
    fit = calibrate(t, x)
    assert fit.converged and fit.n_obs == t.size
    assert fit.model.lam > 0, codes(fit)
    for name in ("kappa", "theta0", "beta", "sigma", "lam", "mu_j", "sigma_j", "gamma"):
        se = fit.std_errors[name]
        assert 0 < se < math.inf, name
        assert abs(getattr(fit.model, name) - getattr(PAPER_TABLE3, name)) < 3 * se, (
            name, getattr(fit.model, name), se)
    assert fit.log_likelihood == pytest.approx(log_likelihood(fit.model, t, x))
    low, high = fit.confidence_interval("sigma", z=3.0)
    assert low < PAPER_TABLE3.sigma < high


def test_recovers_diffusion_parameters_from_twenty_years_of_monthly_data():
    truth = dataclasses.replace(PAPER_TABLE3, lam=0.0, kappa=1.5, beta=-0.1)
    t, x = history(truth, 20, 12, seed=4)
    fit = calibrate(t, x, jumps=False)
    for name in ("kappa", "theta0", "beta", "sigma", "gamma"):
        assert abs(getattr(fit.model, name) - getattr(truth, name)) < 3 * fit.std_errors[name], name
    assert fit.model.lam == 0 and fit.std_errors["lam"] == 0 and "lam" in fit.fixed


def test_twenty_point_monthly_history_warns_and_fits_without_jumps():
    t, x = history(PAPER_TABLE3, 19 / 12, 12, seed=5)
    assert t.size == 20
    fit = calibrate(t, x)
    assert "short_history" in codes(fit)
    message = next(w.message for w in fit.warnings if w.code == "short_history")
    assert "20 observations" in message and "fitted without jumps" in message
    assert fit.model.lam == 0.0 and math.isfinite(fit.model.sigma)


def test_short_history_with_jumps_forced_still_warns():
    t, x = history(PAPER_TABLE3, 29 / 12, 12, seed=6)
    fit = calibrate(t, x, jumps=True, fix={"gamma": 0.0})
    assert "short_history" in codes(fit)
    assert "unreliable" in next(w.message for w in fit.warnings if w.code == "short_history")


def test_monthly_history_of_46_points_is_honest_about_jumps():
    """The main use: about four years of a monthly index. Jumps cannot be told from diffusion, so
    the fit drops them and says so; sigma then carries the total variance."""
    t, x = history(PAPER_TABLE3, 45 / 12, 12, seed=7)
    fit = calibrate(t, x)
    assert fit.converged and "jumps_not_supported" in codes(fit)
    assert fit.model.lam == 0.0
    total_vol = math.sqrt(PAPER_TABLE3.sigma ** 2 + PAPER_TABLE3.lam * (0.1 ** 2 + 0.25 ** 2))
    assert abs(fit.model.sigma - total_vol) < 3 * fit.std_errors["sigma"]


def test_fix_holds_parameters_and_reports_zero_standard_error():
    t, x = history(PAPER_TABLE3, 4, 52, seed=9)
    fit = calibrate(t, x, fix={"gamma": 0.0, "kappa": 2.5})
    assert fit.model.gamma == 0.0 and fit.model.kappa == 2.5
    assert fit.std_errors["gamma"] == 0.0 and {"gamma", "kappa", "season_period"} <= set(fit.fixed)


def test_unidentified_parameter_gives_nan_standard_errors_and_a_warning():
    # With gamma held at 0 the season period has no effect on the likelihood.
    t, x = history(PAPER_TABLE3, 4, 52, seed=10)
    fit = calibrate(t, x, jumps=False, fix={"gamma": 0.0}, fit_season_period=True)
    assert "hessian_not_invertible" in codes(fit)
    assert all(math.isnan(fit.std_errors[k]) for k in ("kappa", "sigma", "season_period"))


def test_solver_failure_raises_model_error_with_advice():
    t, x = history(PAPER_TABLE3, 4, 12, seed=11)
    with pytest.raises(ModelError, match="did not converge.*longer or daily history"):
        calibrate(t, x, maxiter=1)


@pytest.mark.parametrize("times,prices,match", [
    (np.arange(5.0), np.zeros(5), "too few"),
    (np.r_[0.0, 2.0, 1.0, np.arange(3.0, 10.0)], np.zeros(10), "strictly increasing"),
    (np.arange(10.0), np.r_[np.zeros(9), -np.inf], "finite"),
])
def test_bad_histories_are_refused(times, prices, match):
    with pytest.raises(ModelError, match=match):
        calibrate(times, prices)


def test_unknown_fixed_parameter_is_refused():
    t, x = history(PAPER_TABLE3, 3, 12, seed=1)
    with pytest.raises(ModelError, match="not model parameters"):
        calibrate(t, x, fix={"alpha": 1.0})


def test_calibration_is_a_frozen_hashable_result():
    t, x = history(PAPER_TABLE3, 19 / 12, 12, seed=5)
    fit = calibrate(t, x)
    assert hash(fit) == hash(calibrate(t, x))
    with pytest.raises(dataclasses.FrozenInstanceError):
        fit.n_obs = 3
