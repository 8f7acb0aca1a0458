"""Maximum-likelihood calibration of :class:`JumpDiffusionModel` to an index history.

Two kinds of history:

* **Point prints** (a daily index, or monthly values that are the price on the dated day). The
  likelihood uses the exact transition of the Ornstein-Uhlenbeck part with time-varying mean,
  mixed over the number of jumps ``n`` in each interval (Poisson weights, truncated where the
  omitted mass is below 1e-8). Given ``n`` jumps at uniform times in an interval of length ``h``,
  their decayed sum ``sum_k J_k e^{-kappa r_k}`` is represented by a Gaussian with its exact mean
  and variance (``n mu_j E[e^{-kappa r}]`` and
  ``n (E[J^2] E[e^{-2 kappa r}] - mu_j^2 E[e^{-kappa r}]^2)``); this is exact as ``kappa h -> 0``
  and close for monthly data (``kappa h = 0.21`` for Table 3).
* **Monthly averages** of a daily index (``window_days`` gives each month's number of daily
  fixings). The log averages are jointly Gaussian with the mean and covariance of
  :mod:`hedging.market.averaging`; the likelihood is that Gaussian conditional on the first
  month. Averages cannot separate jumps from diffusion, so they are fitted without jumps and
  ``sigma`` carries the total variance.

Without jumps the likelihood is maximised exactly by profiling: for a given ``kappa`` the level,
trend and season enter the mean linearly (generalised least squares) and ``sigma^2`` in closed
form, leaving a one-dimensional search over ``kappa``. That makes a parametric bootstrap
affordable: standard errors are the spread of the estimates refitted to paths simulated from the
fit (seeded), and ``kappa`` is corrected for its small-sample bias, which is upward and large on
a few years of data (about ``4 / T`` per year for a ``T``-year history, Marriott and Pope (1954)
for the AR(1) coefficient with an estimated mean; Yu (2012), J. Econometrics 169, 114-122, for
the continuous-time form). Fits with jumps keep the asymptotic standard errors of the inverse
Hessian, which understate the uncertainty of the jump parameters.

95% confidence intervals (:meth:`Calibration.confidence_interval`) are not ``estimate +/- 2 SE``
for bootstrapped fits: they invert the profile likelihood-ratio test, with critical values
simulated at a grid of ``kappa`` values (:func:`_likelihood_intervals`), because on a few years
the statistic is far from chi-square (critical values up to about 15 instead of 3.84 where slow
mean reversion cannot be ruled out) and ``sigma`` and ``kappa`` move together. Coverage measured
by ``bench/calibration.py`` (Table 3 without jumps, 100 simulated histories a row, so two
binomial standard errors are 4.4 points), share of 95% intervals containing the truth:

======================== ===== ====== ===== ===== ===== ======================================
history                  kappa theta0 beta  sigma gamma before (points, Hessian +/- 2 SE)
======================== ===== ====== ===== ===== ===== ======================================
daily prints, 366 days   94%   98%    97%   95%   96%   kappa 40%, beta 71%, sigma 96%
daily prints, 731 days   92%   96%    96%   97%   96%   kappa 70%, theta0 67%, sigma 98%
daily prints, 1461 days  97%   98%    96%   93%   98%   theta0 73%, beta 74%, sigma 93%
monthly prints, 24       94%   98%    98%   93%   96%   theta0 59%, beta 65%, sigma 91%
monthly prints, 37       98%   98%    98%   97%   99%   theta0 69%, beta 76%, sigma 98%
monthly prints, 60       96%   94%    96%   97%   99%   theta0 73%, beta 76%, sigma 99%
monthly prints, 120      96%   99%    98%   96%   95%   theta0 90%, beta 93%, sigma 97%
monthly averages, 24     93%   96%    97%   94%   93%   sigma 55% (bootstrap +/- 2 SE: 88%)
monthly averages, 37     94%   96%    98%   95%   98%   sigma 46% (bootstrap +/- 2 SE: 86%)
monthly averages, 60     96%   95%    98%   98%   100%  sigma 28% (bootstrap +/- 2 SE: 93%)
monthly averages, 120    96%   99%    99%   99%   98%   sigma 1% (bootstrap +/- 2 SE: 99%)
======================== ===== ====== ===== ===== ===== ======================================

They are honest rather than narrow: where the history cannot rule out slow mean reversion, the
level, trend and season are barely identified and their intervals can span the allowed range;
on ten years they are conservative (99%): holding a value far off, the history is best explained
by slow reversion, where the simulated critical value is large.
Near the edge of that range the grid of ``kappa`` cannot reach the exact boundary, so the far
ends of the theta0 and beta intervals can fall a little short (a likelihood-ratio statistic up to
about 1 too high there; tests/market/test_calibrate.py measures it). For fits with jumps the
intervals of kappa, theta0, beta and gamma use the likelihood without jumps, calibrated on
histories simulated from the jump model; sigma and the jump parameters keep the Hessian's.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import SimpleNamespace

import numpy as np
from scipy import optimize, special, stats

from hedging.errors import HedgingWarning, ModelError
from hedging.market.averaging import average_design
from hedging.market.model import DAYS_PER_YEAR, JumpDiffusionModel
from hedging.market.plausibility import PlausibleRange, percent_a_year

PARAMETERS = ("kappa", "theta0", "beta", "sigma", "lam", "mu_j", "sigma_j", "gamma",
              "season_period")
BOUNDS: dict[str, tuple[float, float]] = {
    "kappa": (0.01, 50.0), "theta0": (-50.0, 50.0), "beta": (-5.0, 5.0), "sigma": (0.001, 5.0),
    "lam": (0.0, 50.0), "mu_j": (-3.0, 3.0), "sigma_j": (0.001, 3.0), "gamma": (-2.0, 2.0),
    "season_period": (0.1, 10.0),
}
#: Fewer observations, or a shorter span in years, cannot separate jumps from diffusion.
MIN_OBS_FOR_JUMPS, MIN_YEARS_FOR_JUMPS = 36, 2.0
_LOG_SCALE = frozenset({"kappa", "sigma", "sigma_j", "season_period"})
_TAIL_MASS, _MAX_JUMPS = 1e-8, 200
_LR_CRITICAL_3DF = stats.chi2.ppf(0.95, 3)


@dataclass(frozen=True)
class Calibration:
    """A fitted model with its estimation diagnostics.

    ``std_errors`` maps each parameter to its standard error: the standard deviation of the
    bootstrap estimates (``se_method == "bootstrap"``) or the asymptotic inverse-Hessian value
    (``"hessian"``, fits with jumps); held-fixed parameters have 0, unavailable ones NaN.
    ``intervals`` maps each estimated parameter to its 95% confidence interval when one was
    computed beyond ``estimate -/+ 1.96 SE`` (``interval_method``): ``"profile likelihood"``
    (fits without jumps, bootstrapped): the values whose profile likelihood-ratio statistic is
    below the 95th percentile of the same statistic on histories simulated at that mean-reversion
    speed (``lr_critical``: the critical values used at the low and high end; 3.84 would be the
    chi-square value); ``"quasi-likelihood ratio"`` (fits with jumps, bootstrapped: the same
    for kappa, theta0, beta and gamma with the likelihood without jumps, calibrated on histories
    simulated with the fitted jumps; sigma keeps ``estimate -/+ 1.96 SE``);
    ``"bias-corrected bootstrap"`` (fits with jumps and ``jump_refits``). Every fit with jumps
    without ``jump_refits`` also has small-sample intervals of the jump rate, mean size and spread
    (:func:`_jump_intervals`), whatever its ``interval_method``. Such
    an interval is not symmetric about the estimate and need not be centred on it (the estimate
    of ``kappa`` is bias-corrected, and ``sigma`` with it, while the interval comes from the
    likelihood itself): read it, not ``estimate -/+ 2 SE``.
    ``kappa_bias`` is the bootstrap estimate of the small-sample bias of the maximum-likelihood
    ``kappa`` (already subtracted from ``model.kappa``; NaN when not measured), ``kappa_mle`` the
    uncorrected estimate. ``observation`` is ``"point"`` or ``"average"``. ``refused`` names the
    parameters whose fitted value was outside the plausible range and replaced by the preset.
    """

    model: JumpDiffusionModel
    std_errors: dict[str, float] = field(hash=False)
    log_likelihood: float
    n_obs: int
    converged: bool
    warnings: tuple[HedgingWarning, ...] = ()
    fixed: tuple[str, ...] = ()
    observation: str = "point"
    se_method: str = "hessian"
    n_bootstrap: int = 0
    kappa_mle: float = math.nan
    kappa_bias: float = math.nan
    refused: tuple[str, ...] = ()
    intervals: dict[str, tuple[float, float]] = field(default_factory=dict, hash=False)
    lr_critical: dict[str, tuple[float, float]] = field(default_factory=dict, hash=False)
    interval_method: str = "estimate +/- 1.96 SE"

    def confidence_interval(self, name: str, z: float | None = None) -> tuple[float, float]:
        """The 95% confidence interval of one parameter: the profile-likelihood interval when
        there is one (asymmetric; ``intervals``), else ``estimate -/+ 1.96 SE``. Given ``z``,
        always ``estimate -/+ z * SE``. NaN bounds when the SE is unknown; a held parameter's
        interval is its value."""
        if z is None and name in self.intervals:
            return self.intervals[name]
        value, se = getattr(self.model, name), self.std_errors[name]
        z = 1.96 if z is None else z
        return value - z * se, value + z * se


def log_likelihood(model: JumpDiffusionModel, times: np.ndarray, log_prices: np.ndarray,
                   window_days=None) -> float:
    """Log-likelihood of ``log_prices`` at ``times`` (years), conditional on the first point.

    Point prints (``window_days`` None): each transition density is ``sum_n Poisson(n; lam h)
    N(x'; m + n m_J, v + n v_J)`` with ``m``, ``v`` the exact OU mean and variance over ``h`` and
    ``m_J``, ``v_J`` the moments of one jump decayed to the interval end (module docstring); ``n``
    stops where the tail is below 1e-8. Without jumps it is the exact Gaussian transition
    (Schwartz 1997, model 1).

    Averages (``window_days[i]`` daily fixings from ``times[i]``): the Gaussian density of the
    window averages of the log price given the first one, with the stationary mean and covariance
    of :mod:`hedging.market.averaging` (exact without jumps; with jumps a Gaussian with the jumps'
    mean and variance).
    """
    times = np.asarray(times, dtype=float)
    log_prices = np.asarray(log_prices, dtype=float)
    if window_days is not None:
        return _average_log_likelihood(model, log_prices, _windows(times, window_days))
    t0, t1 = times[:-1], times[1:]
    x0, x1 = log_prices[:-1], log_prices[1:]
    h = t1 - t0
    kh = model.kappa * h
    mean = np.exp(-kh) * x0 + model.mean_reversion_integral(t0, t1)
    var = model.sigma ** 2 * -np.expm1(-2 * kh) / (2 * model.kappa)
    if model.lam == 0.0:
        return float(np.sum(-0.5 * (np.log(2 * np.pi * var) + (x1 - mean) ** 2 / var)))
    rate = model.lam * h
    k_max = int(min(_MAX_JUMPS, stats.poisson.isf(_TAIL_MASS, rate.max()) + 1))
    k = np.arange(k_max + 1)
    e1 = -np.expm1(-kh) / kh                    # E[e^{-kappa r}], r uniform on [0, h]
    e2 = -np.expm1(-2 * kh) / (2 * kh)          # E[e^{-2 kappa r}]
    jump_mean = model.mu_j * e1
    jump_var = np.maximum((model.mu_j ** 2 + model.sigma_j ** 2) * e2 - jump_mean ** 2, 0.0)
    m = mean[:, None] + k * jump_mean[:, None]
    v = var[:, None] + k * jump_var[:, None]
    log_w = k * np.log(rate)[:, None] - rate[:, None] - special.gammaln(k + 1)
    log_n = -0.5 * (np.log(2 * np.pi * v) + (x1[:, None] - m) ** 2 / v)
    return float(np.sum(special.logsumexp(log_w + log_n, axis=1)))


def _windows(times: np.ndarray, window_days) -> tuple[np.ndarray, np.ndarray]:
    """``(starts, counts)`` of the averaging windows, checked."""
    days = np.asarray(window_days, dtype=float)
    if days.shape != times.shape or np.any(days < 1) or np.any(days != np.round(days)):
        raise ModelError("each averaged observation needs a whole number of daily fixings (one per "
                         "observation, at least 1).")
    last = times + (days - 1) / DAYS_PER_YEAR
    if np.any(times[1:] <= last[:-1]):
        raise ModelError("averaging windows overlap: each month's daily fixings must end before "
                         "the next month's begin.")
    return times, days


def _conditional_gaussian(kappa: float, windows, design: np.ndarray, y: np.ndarray):
    """Whitened ``(y, design)`` of window averages 2..n given the first, and the log-determinant,
    for a unit-variance-rate stationary OU deviation (``sigma = 1``).

    A Kalman filter on the deviation at each window's last fixing: given it, the next window's
    average and last value are jointly Gaussian (:mod:`hedging.market.averaging`), so each step
    costs O(1) and the whole history O(n), with no dense factorisation. ``y`` may hold many
    histories as columns; they share the filter's gains. The innovations divided by their
    standard deviations are the whitened observations; ``logdet`` is the sum of the log
    innovation variances (the log-determinant of the conditional covariance, which
    :func:`~hedging.market.averaging.average_covariance` gives densely; a test checks the two).
    """
    starts, counts = windows
    r = math.exp(-kappa / DAYS_PER_YEAR)
    one_minus_r = -math.expm1(-kappa / DAYS_PER_YEAR)
    rn = np.exp(counts * math.log(r))
    lead = (1 - rn) / (counts * one_minus_r)                      # mean_k e^{-kappa (t_k - a)}
    pairs = r * (counts * one_minus_r - (1 - rn)) / one_minus_r ** 2
    within = (counts + 2 * pairs) / counts ** 2                    # mean_k,l e^{-kappa |t_k - t_l|}
    last = starts + (counts - 1) / DAYS_PER_YEAR
    load = np.exp(-kappa * (starts[1:] - last[:-1])) * lead[1:]   # F_i
    decay = np.exp(-kappa * np.diff(last))                         # Phi_i
    var_obs = (within[1:] - load ** 2) / (2 * kappa)
    var_state = -np.expm1(-2 * kappa * np.diff(last)) / (2 * kappa)
    cov_obs_state = (lead[1:] - decay * load) / (2 * kappa)
    y = y.reshape(y.shape[0], -1)
    z = np.column_stack([y, design])
    var_first = within[0] / (2 * kappa)
    gain = lead[0] / (2 * kappa) / var_first
    mean = gain * z[0]
    var = 1 / (2 * kappa) - gain * lead[0] / (2 * kappa)
    out = np.empty((z.shape[0] - 1, z.shape[1]))
    logdet = 0.0
    for i in range(z.shape[0] - 1):
        f_var = load[i] ** 2 * var + var_obs[i]
        if not f_var > 0:
            raise np.linalg.LinAlgError("the covariance of the window averages is not positive")
        innovation = z[i + 1] - load[i] * mean
        cross = decay[i] * load[i] * var + cov_obs_state[i]
        out[i] = innovation / math.sqrt(f_var)
        logdet += math.log(f_var)
        mean = decay[i] * mean + cross / f_var * innovation
        var = decay[i] ** 2 * var + var_state[i] - cross ** 2 / f_var
    return out[:, :y.shape[1]], out[:, y.shape[1]:], logdet


def _average_log_likelihood(model: JumpDiffusionModel, x: np.ndarray, windows) -> float:
    k = model.kappa
    rate = model.sigma ** 2 + model.lam * (model.mu_j ** 2 + model.sigma_j ** 2)
    design = average_design(k, model.season_period, *windows)
    mean = design @ [model.theta0, model.beta, model.gamma] + model.lam * model.mu_j / k
    try:
        wy, _, logdet = _conditional_gaussian(k, windows, np.empty((x.size, 0)), x - mean)
    except np.linalg.LinAlgError:
        return -math.inf
    wy = wy[:, 0]
    logdet += wy.size * math.log(rate)        # the filter is for sigma = 1: scale by the rate
    return float(-0.5 * (wy.size * math.log(2 * math.pi) + logdet + wy @ wy / rate))


def calibrate(times, log_prices, *, fix: Mapping[str, float] | None = None,
              start: Mapping[str, float] | JumpDiffusionModel | None = None,
              jumps: bool | None = None, fit_season_period: bool = False,
              maxiter: int = 1000, window_days=None, plausible: PlausibleRange | None = None,
              preset: JumpDiffusionModel | None = None, bootstrap: int = 200,
              seed: int = 20261206, jump_refits: int = 0) -> Calibration:
    """Fit the jump diffusion to a log-price history by maximum likelihood.

    Parameters
    ----------
    times : array_like
        Strictly increasing observation times in years; the fitted ``theta0`` is the long-run log
        level at ``times == 0``, so e.g. pass years since the first observation. For averages, the
        time of each window's first daily fixing.
    log_prices : array_like
        ``ln`` of the index ($/M tokens or $/GPU-hour) at ``times`` (of the window average).
    fix : mapping, optional
        Parameters held at given values, e.g. ``{"gamma": 0.0}`` for histories under two years.
    start : mapping or JumpDiffusionModel, optional
        Starting values of the jump fit; the default comes from the fit without jumps.
    jumps : bool, optional
        ``None`` (default): fit jumps only to point prints, when the history has at least 36
        observations over 2 years, a likelihood-ratio test (5%, 3 df) prefers them, and no jump
        parameter ends at a bound; otherwise report the no-jump fit with a warning. ``True`` or
        ``False`` forces (averages are always fitted without jumps).
    fit_season_period : bool
        Estimate ``season_period`` too (held at 1 year by default).
    maxiter : int
        Iteration limit of the solver for fits with jumps.
    window_days : array_like of int, optional
        Each observation is the average of this many daily fixings from its time (a monthly
        average: the days of the month). ``None``: point prints.
    plausible : PlausibleRange, optional
        Bounds on the trend and season (:mod:`hedging.market.plausibility`); a fitted value
        outside them is replaced by ``preset``'s and the rest refitted, with a warning.
    preset : JumpDiffusionModel, optional
        The trend and season used instead of refused ones (required with ``plausible``).
    bootstrap : int
        Paths simulated from the no-jump fit for standard errors, ``kappa``'s bias correction and
        the 95% intervals (per point of the kappa grid of :func:`_likelihood_intervals`, at most
        :data:`GRID_PATHS`; for a fit with jumps, paths of the jump model for the intervals of
        kappa, theta0, beta and gamma).
        0: inverse-Hessian standard errors and ``estimate -/+ 1.96 SE``, no correction.
    seed : int
        Seed of the bootstrap paths; the same history and seed give the same result.
    jump_refits : int
        For a fit with jumps: histories simulated from the fit and refitted (warm-started at the
        fit, about a second each on two years of daily prints) for bootstrap standard errors and
        bias-corrected 95% intervals of every parameter (:func:`_jump_bootstrap`). 0 (default):
        inverse-Hessian standard errors, small-sample intervals of the jump rate, size and spread
        (:func:`_jump_intervals`) and, with ``bootstrap``, quasi-likelihood-ratio intervals of
        kappa, theta0, beta and gamma, whose coverage ``bench/calibration.py --jumps`` measures.

    Returns
    -------
    Calibration
        Frozen result; raises :class:`~hedging.errors.ModelError` when the solver fails.

    Notes
    -----
    Bounds: kappa 0.01-50, sigma 0.001-5, lam 0-50, sigma_j 0.001-3, abs(beta) < 5, abs(gamma) < 2.
    Example: eight years of daily Table 3 paths (``PAPER_TABLE3.simulate(ln 2, arange(2921) / 365,
    1, seed=7)``) give kappa 2.34 (SE 0.53), sigma 0.397 (0.005), lam 3.86 (0.83).
    """
    t, x = _validated_history(times, log_prices)
    windows = None if window_days is None else _windows(t, window_days)
    observation = "point" if windows is None else "average"
    fixed = {k: float(v) for k, v in dict(fix or {}).items()}
    unknown = sorted(set(fixed) - set(PARAMETERS))
    if unknown:
        raise ModelError(f"the parameter name(s) {unknown} are not model parameters; "
                         f"choose from {list(PARAMETERS)}.")
    if plausible is not None and preset is None:
        raise ModelError("a plausible range needs a preset model to fall back on.")
    if not fit_season_period:
        fixed.setdefault("season_period", 1.0)
    warns: list[HedgingWarning] = []
    n, span = t.size, float(t[-1] - t[0])
    short = n < MIN_OBS_FOR_JUMPS or span < MIN_YEARS_FOR_JUMPS
    if windows is not None:
        want_jumps = False
        fixed.update({"lam": 0.0, "mu_j": 0.0, "sigma_j": 0.0})
    else:
        want_jumps = fixed["lam"] > 0 if "lam" in fixed else (not short if jumps is None else jumps)
    if short:
        what = ("jumps were estimated anyway, so treat their three parameters as unreliable"
                if want_jumps else "it is fitted without jumps, so the volatility (sigma) also "
                "carries the jump variance")
        season = (" Under two years also identifies the seasonal term poorly." if span < 2
                  and "gamma" not in fixed else "")
        warns.append(HedgingWarning("short_history", (
            f"The history has {n} observations over {span:.1f} years; telling jumps from diffusion "
            f"needs at least {MIN_OBS_FOR_JUMPS} over {MIN_YEARS_FOR_JUMPS:g} years: {what}."
            + season)))
    no_jump_fixed = {"lam": 0.0, "mu_j": 0.0, "sigma_j": 0.0, **fixed}
    best = _fit_diffusion(t, x, windows, no_jump_fixed, maxiter)
    refused: list[str] = []
    if plausible is not None:
        best, refused, plaus_warns = _apply_plausibility(t, x, windows, best, no_jump_fixed,
                                                         plausible, preset, maxiter)
        fixed.update({k: getattr(preset, k) for k in refused})
        warns.extend(plaus_warns)
    if want_jumps:
        diffusion_only = best
        base = dict(diffusion_only[0])
        if start is not None:
            given = ({k: getattr(start, k) for k in PARAMETERS}
                     if isinstance(start, JumpDiffusionModel) else dict(start))
            base.update({k: float(v) for k, v in given.items() if k in PARAMETERS})
        starts = _jump_starts(t, x, diffusion_only[0])
        if start is not None:
            starts.insert(0, base)
        fits = [_fit(t, x, {**s, **fixed}, fixed, maxiter, raise_on_failure=False) for s in starts]
        ok = [f for f in fits if f[2].success]
        if not ok:
            _raise_failure(fits[0][2])
        best = min(ok, key=lambda f: f[1])
        lr = 2 * (diffusion_only[1] - best[1])
        degenerate = [k for k in ("lam", "sigma_j") if k not in fixed and _at_bound(k, best[0][k])]
        if jumps is None and "lam" not in fixed and (degenerate or not lr > _LR_CRITICAL_3DF):
            why = ("the fitted jumps are degenerate (their rate or size spread ends at the edge "
                   "of its allowed range)" if degenerate else "adding jumps raised the "
                   f"log-likelihood by only {lr / 2:.2f} (likelihood-ratio {lr:.2f} < "
                   f"{_LR_CRITICAL_3DF:.2f}, 5% level)")
            warns.append(HedgingWarning("jumps_not_supported", (
                f"This history cannot separate jumps from diffusion: {why}. The model without "
                "jumps is used, so the volatility (sigma) also carries the jump variance.")))
            best = diffusion_only
        elif plausible is not None and not (plausible.trend_ok(best[0]["beta"])
                                            and plausible.season_ok(best[0]["gamma"])):
            warns.append(HedgingWarning("jumps_not_supported", (
                f"With jumps the fitted trend ({percent_a_year(best[0]['beta'])}) or seasonal swing "
                f"is outside what {plausible.what} have done, so the model without jumps is used and "
                "the volatility (sigma) also carries the jump variance.")))
            best = diffusion_only
    elif windows is not None:
        warns.append(HedgingWarning("averages_without_jumps", (
            "The index values are monthly averages of a daily index, which smooth a jump over two "
            "months, so jumps cannot be told from diffusion: the model is fitted without jumps "
            "and the volatility (sigma) carries the whole variance, using the likelihood of a "
            "monthly average.")))
    params, _, res, held = best
    held_values = {k: params[k] for k in held}
    kappa_mle, kappa_bias, n_boot = params["kappa"], math.nan, 0
    intervals, critical, interval_method = {}, {}, "estimate +/- 1.96 SE"
    if params["lam"] == 0.0 and bootstrap > 0 and _profilable(held):
        for _ in range(3):      # a trend or season refused after the correction: refit without it
            std_errors, kappa_bias, corrected_params, n_boot, intervals, critical, boot_warns = \
                _bootstrap_errors(t, x, windows, params, held_values, int(bootstrap), seed)
            new, new_warns = (([], []) if plausible is None else
                              _implausible(corrected_params, held, refused, plausible, preset,
                                           corrected=True))
            if not new:
                break
            warns.extend(new_warns)
            refused.extend(new)
            held_values.update({k: float(getattr(preset, k)) for k in new})
            params, _, res, held = _fit_diffusion(t, x, windows, {**no_jump_fixed, **held_values},
                                                  maxiter)
            kappa_mle = params["kappa"]
        params = corrected_params
        warns.extend(boot_warns)
        if intervals:
            interval_method = "profile likelihood"
        corrected = params["kappa"]
        if "kappa" not in held and math.isfinite(kappa_bias) and corrected < 0.99 * kappa_mle:
            warns.append(HedgingWarning("kappa_bias", (
                f"Mean reversion is overstated by short histories: simulated histories like this "
                f"one give a reversion speed {kappa_bias:+.2f} a year off on average, so the fitted "
                f"{kappa_mle:.2f} is corrected to {corrected:.2f} (half-life "
                f"{math.log(2) / corrected * 12:.1f} months instead of "
                f"{math.log(2) / kappa_mle * 12:.1f})"
                + ("" if corrected <= 1.001 * max(kappa_mle - kappa_bias, BOUNDS["kappa"][0]) else
                   ", not lower: a slower reversion is ruled out by the history at 95%, or would need "
                   "a long-run level, trend or season outside their allowed ranges")
                + ".")))
        if "kappa" not in held and corrected <= 1.01 * BOUNDS["kappa"][0]:
            warns.append(HedgingWarning("no_mean_reversion", (
                "The history shows no measurable pull back towards a long-run level (the "
                f"mean-reversion speed is at its lowest allowed value, {BOUNDS['kappa'][0]:g} a year), "
                "so the index is modelled as drifting freely and the fan of simulated prices widens "
                "with the horizon.")))
        se_method = "bootstrap"
    else:
        std_errors, se_warns = _standard_errors(t, x, params, held, windows)
        warns.extend(se_warns)
        se_method = "hessian"
        if params["lam"] > 0.0 and jump_refits == 0 and bootstrap > 0 and _profilable(held):
            quasi_held = {**held_values, "lam": 0.0, "mu_j": 0.0, "sigma_j": 0.0}
            intervals, critical = _likelihood_intervals(
                t, x, None, quasi_held, diffusion_only[0], std_errors,
                min(int(bootstrap), GRID_PATHS), np.random.SeedSequence(seed).spawn(3)[2],
                jump=params)
            if intervals:
                interval_method = "quasi-likelihood ratio"
                n_boot = min(int(bootstrap), GRID_PATHS)
        if params["lam"] > 0.0 and jump_refits == 0:
            intervals.update(_jump_intervals(params, std_errors, held, float(t[-1] - t[0])))
        if params["lam"] > 0.0 and jump_refits > 0:
            boot = _jump_bootstrap(t, x, params, held_values, int(jump_refits), seed, maxiter)
            if boot is not None:
                std_errors, intervals, n_boot = boot
                se_method, interval_method = "bootstrap", "bias-corrected bootstrap"
            else:
                warns.append(HedgingWarning("bootstrap_failed", (
                    f"Fewer than half of {int(jump_refits)} simulated histories could be refitted "
                    "with jumps, so the standard errors are the asymptotic ones.")))
    model = JumpDiffusionModel(**params, label=f"maximum likelihood, {n} observations")
    return Calibration(model=model, std_errors=std_errors,
                       log_likelihood=log_likelihood(model, t, x, window_days), n_obs=n,
                       converged=bool(res.success), warnings=tuple(warns),
                       fixed=tuple(sorted(held)), observation=observation, se_method=se_method,
                       n_bootstrap=n_boot, kappa_mle=kappa_mle, kappa_bias=kappa_bias,
                       refused=tuple(refused), intervals=intervals, lr_critical=critical,
                       interval_method=interval_method)


def _at_bound(name: str, value: float) -> bool:
    lo, hi = BOUNDS[name]
    return value <= lo + 1e-3 * max(abs(lo), 1e-3) or value >= hi - 1e-3 * abs(hi)


def _validated_history(times, log_prices) -> tuple[np.ndarray, np.ndarray]:
    t = np.asarray(times, dtype=float)
    x = np.asarray(log_prices, dtype=float)
    if t.ndim != 1 or t.shape != x.shape:
        raise ModelError(f"times and log_prices must be 1-D and the same length "
                         f"(got shapes {t.shape} and {x.shape}).")
    if t.size < 8:
        raise ModelError(f"{t.size} observations are too few to calibrate; need at least 8.")
    if not (np.all(np.isfinite(t)) and np.all(np.isfinite(x))):
        raise ModelError("times and log_prices must be finite; drop missing or zero-price rows "
                         "(log of 0 is -inf).")
    if np.any(np.diff(t) <= 0):
        i = int(np.argmax(np.diff(t) <= 0)) + 1
        raise ModelError(f"times must be strictly increasing; observation {i} (t={t[i]:g}) is "
                         "not after the one before it. Sort and de-duplicate the history.")
    return t, x


def _initial_guess(t: np.ndarray, x: np.ndarray) -> dict[str, float]:
    """Starting values from a linear trend and an AR(1) of its residuals."""
    h = float(np.median(np.diff(t)))
    slope, intercept = np.polyfit(t, x, 1)
    e = x - (intercept + slope * t)
    phi = float(np.clip(e[1:] @ e[:-1] / max(e[:-1] @ e[:-1], 1e-300), 0.05, 0.995))
    kappa = float(np.clip(-math.log(phi) / h, 0.05, 40.0))
    step_sd = float(np.std(e[1:] - phi * e[:-1]))
    sigma = float(np.clip(step_sd * math.sqrt(2 * kappa / (1 - phi ** 2)), 0.01, 4.0))
    beta = float(np.clip(slope, -4.9, 4.9))
    return {"kappa": kappa, "theta0": float(intercept + beta / kappa), "beta": beta,
            "sigma": sigma, "lam": 0.0, "mu_j": 0.0, "sigma_j": 0.0, "gamma": 0.0,
            "season_period": 1.0}


def _jump_starts(t: np.ndarray, x: np.ndarray, p: dict[str, float]) -> list[dict[str, float]]:
    """Two starts for the jump fit: large residuals of the diffusion fit, and a generic one."""
    model = JumpDiffusionModel(**p)
    resid = x[1:] - model.mean_log(x[:-1], t[:-1], t[1:])
    sd = np.sqrt(model.variance_log(t[:-1], t[1:]))
    big = np.abs(resid) > 2.5 * sd
    span = float(t[-1] - t[0])
    lam = float(np.clip(big.sum() / span, 0.5, 40.0))
    mu_j = float(np.clip(resid[big].mean(), -2.0, 2.0)) if big.any() else 0.0
    sigma_j = float(np.clip(resid[big].std() if big.sum() > 1 else 3 * sd.mean(), 0.01, 2.5))
    calm_sigma = float(np.clip(p["sigma"] * max(resid[~big].std(), 1e-6) / max(resid.std(), 1e-6),
                               0.002, 4.0))
    generic = {**p, "lam": 2.0, "mu_j": 0.0, "sigma_j": float(np.clip(4 * sd.mean(), 0.01, 2.5)),
               "sigma": float(np.clip(0.7 * p["sigma"], 0.002, 4.0))}
    return [{**p, "lam": lam, "mu_j": mu_j, "sigma_j": sigma_j, "sigma": calm_sigma}, generic]


def _negative_log_likelihood(params: dict[str, float], t: np.ndarray, x: np.ndarray,
                             windows=None) -> float:
    try:
        model = JumpDiffusionModel(**params)
        value = (-_average_log_likelihood(model, x, windows) if windows is not None
                 else -log_likelihood(model, t, x))
    except ModelError:
        return 1e12
    return value if math.isfinite(value) else 1e12


def _fit(t, x, init, held, maxiter, raise_on_failure=True, windows=None):
    """One L-BFGS-B run over the free parameters (log scale for positive ones)."""
    free = [k for k in PARAMETERS if k not in held]

    def natural(u):
        out = dict(held)
        for name, value in zip(free, u):
            out[name] = math.exp(value) if name in _LOG_SCALE else float(value)
        return out

    def to_u(name, value):
        lo, hi = BOUNDS[name]
        value = min(max(value, lo), hi)
        return math.log(value) if name in _LOG_SCALE else value

    u0 = [to_u(k, init[k]) for k in free]
    bounds = [tuple(to_u(k, b) for b in BOUNDS[k]) for k in free]
    res = optimize.minimize(lambda u: _negative_log_likelihood(natural(u), t, x, windows), u0,
                            method="L-BFGS-B", jac="3-point", bounds=bounds,
                            options={"maxiter": int(maxiter)})
    if not res.success and res.nit < maxiter:          # line-search stalls: one restart
        res = optimize.minimize(lambda u: _negative_log_likelihood(natural(u), t, x, windows),
                                res.x,
                                method="L-BFGS-B", jac="3-point", bounds=bounds,
                                options={"maxiter": int(maxiter)})
    if raise_on_failure and not res.success:
        _raise_failure(res)
    return natural(res.x), float(res.fun), res, frozenset(held)


def _raise_failure(res) -> None:
    raise ModelError(
        f"The maximum-likelihood fit did not converge ({res.message}, after {res.nit} iterations): "
        "the history does not pin down every parameter. A longer or daily history helps; so does "
        "holding the seasonal term or the jumps at fixed values.")


def _standard_errors(t, x, params, held, windows=None) -> tuple[dict[str, float],
                                                                 list[HedgingWarning]]:
    """SEs from the inverse central-difference Hessian of the NLL in natural parameters."""
    se = {k: (0.0 if k in held else math.nan) for k in PARAMETERS}
    warns: list[HedgingWarning] = []
    steps = {k: 1e-3 * max(abs(params[k]), 0.1) for k in PARAMETERS if k not in held}
    inside = [k for k, h in steps.items()
              if BOUNDS[k][0] < params[k] - h and params[k] + h < BOUNDS[k][1]]
    at_bound = [k for k in steps if k not in inside]
    if at_bound:
        warns.append(HedgingWarning("parameter_at_bound", (
            f"{', '.join(at_bound)} ended at the edge of its allowed range, so its standard error "
            "is not reported: the history does not pin it down.")))

    def f(shift: dict[str, float]) -> float:
        return _negative_log_likelihood({**params, **shift}, t, x, windows)

    n = len(inside)
    hess = np.empty((n, n))
    f0 = f({})
    for i, a in enumerate(inside):
        ha = steps[a]
        hess[i, i] = (f({a: params[a] + ha}) - 2 * f0 + f({a: params[a] - ha})) / ha ** 2
        for j in range(i):
            b, hb = inside[j], steps[inside[j]]
            pp = f({a: params[a] + ha, b: params[b] + hb})
            pm = f({a: params[a] + ha, b: params[b] - hb})
            mp = f({a: params[a] - ha, b: params[b] + hb})
            mm = f({a: params[a] - ha, b: params[b] - hb})
            hess[i, j] = hess[j, i] = (pp - pm - mp + mm) / (4 * ha * hb)
    try:
        np.linalg.cholesky(hess)
        cov = np.linalg.inv(hess)
        variances = np.diag(cov)
        if not np.all(np.isfinite(variances)) or np.any(variances <= 0):
            raise np.linalg.LinAlgError
    except np.linalg.LinAlgError:
        warns.append(HedgingWarning("hessian_not_invertible", (
            "The likelihood is flat or not concave in some direction at the optimum, so standard "
            "errors are not reported: some parameters are not identified by this history. A "
            "longer or daily history helps.")))
        return se, warns
    se.update({k: float(math.sqrt(v)) for k, v in zip(inside, variances)})
    weak = [k for k in ("kappa", "sigma", "lam", "sigma_j")
            if k in inside and se[k] > abs(params[k])]
    if weak:
        warns.append(HedgingWarning("weakly_identified", (
            f"{', '.join(weak)}: the standard error exceeds the estimate, so the history barely "
            "identifies it; read forecasts from this fit with wide margins.")))
    return se, warns


# --- fits without jumps: profile likelihood over kappa ------------------------------------------

_LINEAR = ("theta0", "beta", "gamma")
_KAPPA_GRID = np.linspace(math.log(BOUNDS["kappa"][0]), math.log(BOUNDS["kappa"][1]), 29)
_DENSE_GRID = np.linspace(math.log(BOUNDS["kappa"][0]), math.log(BOUNDS["kappa"][1]), 161)


def _profilable(held) -> bool:
    """Profiling needs the seasonal period held (it enters the mean non-linearly)."""
    return "season_period" in held


def _point_design(kappa: float, t: np.ndarray, season_period: float) -> np.ndarray:
    """``mean_reversion_integral`` over each interval for unit theta0, beta and gamma."""
    cols = []
    for theta0, beta, gamma in ((1.0, 0.0, 0.0), (0.0, 1.0, 0.0), (0.0, 0.0, 1.0)):
        unit = JumpDiffusionModel(kappa=kappa, theta0=theta0, beta=beta, gamma=gamma, sigma=0.0,
                                  lam=0.0, mu_j=0.0, sigma_j=0.0, season_period=season_period)
        cols.append(unit.mean_reversion_integral(t[:-1], t[1:]))
    return np.column_stack(cols)


def _window_means(windows, period: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean time, sine and cosine of the season over each window's fixings (kappa-free)."""
    starts, counts = windows
    offsets = np.arange(int(counts.max())) / DAYS_PER_YEAR
    t = starts[:, None] + offsets[None, :]
    mask = offsets[None, :] * DAYS_PER_YEAR < counts[:, None]
    w = 2 * np.pi / period
    return (starts + (counts - 1) / (2 * DAYS_PER_YEAR), (np.sin(w * t) * mask).sum(1) / counts,
            (np.cos(w * t) * mask).sum(1) / counts)


def _fast_average_design(kappa: float, period: float, means) -> np.ndarray:
    """:func:`~hedging.market.averaging.average_design` from the kappa-free window means."""
    mean_t, mean_sin, mean_cos = means
    w = 2 * np.pi / period
    season = kappa / (kappa ** 2 + w ** 2) * (kappa * mean_sin - w * mean_cos)
    return np.column_stack([np.ones(mean_t.size), mean_t - 1.0 / kappa, season])


def _gls_many(log_kappa: float, t, xs: np.ndarray, windows, held, means=None):
    """Generalised least squares of the level, trend and season for one kappa and each history in
    ``xs`` (shape (paths, n)): ``(kappa, coef (free, paths), rss (paths,), cov (free, free), logdet,
    m, inside (paths,))``.

    Given kappa the mean of each observation is linear in (theta0, beta, gamma) and the covariance
    is sigma^2 times a known matrix whose log-determinant is ``logdet``; after whitening, ``coef``
    are the least-squares coefficients, ``rss`` the residual sum of squares over ``m`` whitened
    observations and ``cov`` is ``(W'W)^{-1}`` (holding coefficient ``j`` at ``v`` raises the
    residual sum of squares by ``(v - coef_j)^2 / cov_jj`` and moves coefficient ``k`` by
    ``cov_kj / cov_jj (v - coef_j)``). ``inside``: the coefficients are within the allowed box.
    """
    kappa = held["kappa"] if "kappa" in held else math.exp(log_kappa)
    period = held["season_period"]
    if windows is None:               # whitened histories as rows (paths, m): no transposed copy
        h = np.diff(t)
        scale = -np.expm1(-2 * kappa * h) / (2 * kappa)
        root = np.sqrt(scale)
        wy = (xs[:, 1:] - np.exp(-kappa * h) * xs[:, :-1]) * (1 / root)
        wd = _point_design(kappa, t, period) / root[:, None]
        logdet = float(np.sum(np.log(scale)))
    else:
        wy, wd, logdet = _conditional_gaussian(kappa, windows,
                                               _fast_average_design(kappa, period, means), xs.T)
        wy = np.ascontiguousarray(wy.T)
    free = [i for i, k in enumerate(_LINEAR) if k not in held]
    offset = sum(wd[:, i] * held[k] for i, k in enumerate(_LINEAR) if k in held)
    if not np.isscalar(offset):
        wy = wy - offset
    total = np.einsum("ij,ij->i", wy, wy)
    if free:
        q, r = np.linalg.qr(wd[:, free])         # one factorisation for every history
        projected = wy @ q                       # (paths, free)
        coef = np.linalg.solve(r, projected.T)
        # q is orthonormal: the residual sum of squares is the total less the projected part
        rss = np.maximum(total - np.einsum("ij,ij->i", projected, projected), 0.0)
        r_inv = np.linalg.inv(r)
        cov = r_inv @ r_inv.T
    else:
        coef, rss, cov = np.empty((0, wy.shape[0])), total, np.empty((0, 0))
    m = wy.shape[1]
    inside = np.ones(rss.shape, dtype=bool)
    for row, i in zip(coef, free):           # outside the allowed box: not a candidate
        lo, hi = BOUNDS[_LINEAR[i]]
        inside &= (row >= lo) & (row <= hi)
    return kappa, coef, rss, cov, logdet, m, inside


def _gaussian_nll(rss, logdet: float, m: int, sigma=None):
    """Negative log-likelihood of ``m`` whitened residuals with sum of squares ``rss`` at ``sigma``
    (``None``: at its maximum-likelihood value ``sqrt(rss / m)``, within its bounds)."""
    if sigma is None:
        sigma = np.clip(np.sqrt(rss / m), *BOUNDS["sigma"])
    return 0.5 * (m * np.log(2 * math.pi * sigma ** 2) + logdet + rss / sigma ** 2), sigma


def _profile_many(log_kappa: float, t, xs: np.ndarray, windows, held, means=None):
    """Maximum over theta0, beta, gamma and sigma for one kappa, for each history in ``xs``
    (shape (paths, n)): ``(kappa, coefficients (paths, free), sigma (paths,), nll (paths,))``.

    Generalised least squares gives the level, trend and season (:func:`_gls_many`) and
    ``sigma^2 = RSS / n`` (Gaussian likelihood, no jumps); a history whose coefficients leave the
    allowed box gets an infinite value.
    """
    kappa, coef, rss, _, logdet, m, inside = _gls_many(log_kappa, t, xs, windows, held, means)
    nll, sigma = _gaussian_nll(rss, logdet, m, held.get("sigma"))
    sigma = np.broadcast_to(sigma, rss.shape)
    return kappa, coef.T, sigma, np.where(inside, nll, np.inf)


def _profile(log_kappa: float, t, x, windows, held, means=None) -> tuple[dict[str, float], float]:
    """:func:`_profile_many` for one history, as ``(parameters, negative log-likelihood)``."""
    kappa, coef, sigma, nll = _profile_many(log_kappa, t, np.asarray(x)[None, :], windows, held,
                                            means)
    free = [k for k in _LINEAR if k not in held]
    params = {"lam": 0.0, "mu_j": 0.0, "sigma_j": 0.0, **held, "kappa": kappa,
              "sigma": float(sigma[0])}
    params.update({k: float(c) for k, c in zip(free, coef[0])})
    return params, float(nll[0])


@dataclass(frozen=True)
class _ProfileTable:
    """The least-squares pieces of :func:`_gls_many` on a grid of ``log kappa`` for many histories:
    enough to evaluate, for every history, the likelihood maximised over all parameters or with
    any one of them held (the profile likelihood), without refitting."""

    grid: np.ndarray           # (G,) log kappa (one point, unused, when kappa is held)
    coef: np.ndarray           # (G, F, P) level, trend, season coefficients that are free
    rss: np.ndarray            # (G, P)
    cov: np.ndarray            # (G, F, F) (W'W)^{-1} of the whitened design
    logdet: np.ndarray         # (G,)
    inside: np.ndarray         # (G, P) evaluable and within the allowed box
    m: int
    linear: tuple[str, ...]    # names of the free coefficients, in the order of ``coef``
    sigma: float | None        # held sigma, or None when it is estimated

    def nll(self, name: str | None = None, value=None) -> np.ndarray:
        """``(G, P)`` negative log-likelihoods maximised over sigma and the coefficients, with
        ``name`` (a coefficient or ``sigma``; ``None``: nothing) held at ``value`` (a number or
        one per history)."""
        rss, sigma, inside = self.rss, self.sigma, self.inside
        if name == "sigma":
            sigma = np.asarray(value, dtype=float)
        elif name is not None:
            j = self.linear.index(name)
            shift = np.asarray(value, dtype=float) - self.coef[:, j, :]            # (G, P)
            rss = rss + shift ** 2 / self.cov[:, j, j, None]
            inside = np.isfinite(self.rss)
            for k, other in enumerate(self.linear):     # the others move with the held one
                if k != j:
                    moved = self.coef[:, k, :] + self.cov[:, k, j, None] / self.cov[:, j, j, None] * shift
                    inside &= (moved >= BOUNDS[other][0]) & (moved <= BOUNDS[other][1])
        values, _ = _gaussian_nll(rss, self.logdet[:, None], self.m, sigma)
        return np.where(inside, values, np.inf)

    def minimum(self, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per history, the minimum over ``log kappa`` of ``values`` (G, P) and where it is: the
        best grid point refined by the parabola through it and its neighbours (the same rule for
        the free and the profile likelihood, so their difference carries no grid error of its
        own). ``(minimum (P,), log kappa (P,))``; infinite where nothing is finite."""
        values = np.where(np.isfinite(values), values, np.inf)
        i = np.argmin(values, axis=0)
        cols = np.arange(values.shape[1])
        best, where = values[i, cols], self.grid[i].astype(float)
        if self.grid.size < 3:
            return best, where
        inner = (i > 0) & (i < self.grid.size - 1)
        lo, hi = np.clip(i - 1, 0, None), np.clip(i + 1, None, self.grid.size - 1)
        f0, f1, f2 = values[lo, cols], best, values[hi, cols]
        with np.errstate(invalid="ignore"):
            curve = f0 - 2 * f1 + f2
            ok = inner & np.isfinite(f0) & np.isfinite(f2) & (curve > 0)
            step = self.grid[1] - self.grid[0]
            shift = np.clip(0.5 * (f0 - f2) / np.where(ok, curve, 1.0), -1.0, 1.0)
            refined = f1 + 0.5 * (f2 - f0) * shift + 0.5 * curve * shift ** 2
        best = np.where(ok, np.minimum(refined, f1), best)
        where = np.where(ok, where + shift * step, where)
        return best, where


def _profile_table(t, xs: np.ndarray, windows, held, grid: np.ndarray = _DENSE_GRID,
                   means=None) -> _ProfileTable:
    """:class:`_ProfileTable` of the histories ``xs`` (paths, n) over ``grid`` (log kappa)."""
    if means is None and windows is not None:
        means = _window_means(windows, held["season_period"])
    if "kappa" in held:
        grid = np.array([math.log(held["kappa"])])
    linear = tuple(k for k in _LINEAR if k not in held)
    n_paths = xs.shape[0]
    coef = np.full((grid.size, len(linear), n_paths), np.nan)
    rss = np.full((grid.size, n_paths), np.nan)
    cov = np.tile(np.eye(len(linear)), (grid.size, 1, 1))
    logdet = np.zeros(grid.size)
    inside = np.zeros((grid.size, n_paths), dtype=bool)
    m = 0
    for g, u in enumerate(grid):
        try:
            _, coef[g], rss[g], cov[g], logdet[g], m, inside[g] = _gls_many(
                u, t, xs, windows, held, means)
        except np.linalg.LinAlgError:
            continue
    return _ProfileTable(grid, coef, rss, cov, logdet, inside, m, linear, held.get("sigma"))


def _fit_diffusion_many(t, xs: np.ndarray, windows, held, table: _ProfileTable | None = None
                        ) -> list[dict[str, float] | None]:
    """Maximum-likelihood fits without jumps of many histories at once (the bootstrap's refits).

    The profile likelihood is evaluated on a 161-point grid of ``log kappa`` for all histories
    together (one covariance factorisation per grid point, :func:`_profile_table`), refined by a
    parabola through the best grid point and its neighbours, and evaluated there; ``None`` for a
    history whose likelihood cannot be evaluated.
    """
    means = None if windows is None else _window_means(windows, held["season_period"])
    if table is None:
        table = _profile_table(t, xs, windows, held, means=means)
    values = table.nll()
    best, where = table.minimum(values)
    i_best = np.argmin(np.where(np.isfinite(values), values, np.inf), axis=0)
    out: list[dict[str, float] | None] = []
    for p in range(xs.shape[0]):
        if not np.isfinite(best[p]):
            out.append(None)
            continue
        params, value = _profile(where[p], t, xs[p], windows, held, means)
        if value > values[i_best[p], p]:
            params, value = _profile(table.grid[i_best[p]], t, xs[p], windows, held, means)
        out.append(params)
    return out


def _fit_diffusion(t, x, windows, held, maxiter=1000):
    """The maximum-likelihood fit without jumps: ``(params, nll, result, held)``.

    Profiles the likelihood over ``log kappa`` on a 41-point grid over the allowed range, then
    refines around the best grid point (bounded Brent); falls back to L-BFGS-B over all free
    parameters when the seasonal period is estimated.
    """
    if not _profilable(held):
        init = {**_initial_guess(t, x), **held}
        return _fit(t, x, init, held, maxiter, windows=windows)
    means = None if windows is None else _window_means(windows, held["season_period"])

    def nll(u: float) -> float:
        try:
            return _profile(u, t, x, windows, held, means)[1]
        except np.linalg.LinAlgError:
            return math.inf

    if "kappa" in held:
        u_best = 0.0
    else:
        values = np.array([nll(u) for u in _KAPPA_GRID])
        if not np.any(np.isfinite(values)):
            raise ModelError("The likelihood cannot be evaluated for this history at any "
                             "mean-reversion speed; check the history for repeated values.")
        i = int(np.nanargmin(np.where(np.isfinite(values), values, np.nan)))
        lo, hi = _KAPPA_GRID[max(i - 1, 0)], _KAPPA_GRID[min(i + 1, _KAPPA_GRID.size - 1)]
        res = optimize.minimize_scalar(nll, bounds=(lo, hi), method="bounded",
                                       options={"xatol": 1e-6})
        u_best = float(res.x) if res.fun <= values[i] else float(_KAPPA_GRID[i])
    params, value = _profile(u_best, t, x, windows, held, means)
    result = SimpleNamespace(success=True, nit=0, message="profile likelihood")
    return params, value, result, frozenset(held)


# --- profile-likelihood intervals, calibrated on the bootstrap histories -------------------------

#: Confidence level of :meth:`Calibration.confidence_interval`.
INTERVAL_LEVEL = 0.95
#: Histories simulated at each point of the kappa grid for the intervals' critical values (at most;
#: the coverage in bench/calibration.py is measured with this many).
GRID_PATHS = 100


def _lr_at_truth(table: _ProfileTable, truth: Mapping[str, np.ndarray], t, xs, windows, held,
                 means) -> dict[str, np.ndarray]:
    """For each free parameter, the likelihood-ratio statistic ``2 (max log L - max log L with
    the parameter at its true value)`` of every history in ``table``, whose true values are
    ``truth[name]`` (one per history); NaN where a history cannot be evaluated, infinite where
    the true value puts the other coefficients outside their allowed range."""
    free_min, _ = table.minimum(table.nll())
    out: dict[str, np.ndarray] = {}
    for name in table.linear + (("sigma",) if table.sigma is None else ()):
        out[name] = 2 * (table.minimum(table.nll(name, truth[name]))[0] - free_min)
    if "kappa" not in held:
        at_truth = np.full(free_min.shape, np.nan)
        for kappa in np.unique(truth["kappa"]):
            rows = np.flatnonzero(truth["kappa"] == kappa)
            try:
                at_truth[rows] = _profile_many(math.log(kappa), t, xs[rows], windows, held,
                                               means)[3]
            except np.linalg.LinAlgError:
                continue
        out["kappa"] = 2 * (at_truth - free_min)
    with np.errstate(invalid="ignore"):       # +inf: the true value leaves the allowed box
        return {k: np.where(np.isfinite(free_min) & ~np.isnan(v), np.maximum(v, 0.0), np.nan)
                for k, v in out.items()}


def _critical_value(statistics: np.ndarray, level: float = INTERVAL_LEVEL) -> float:
    """The ``level`` quantile of the ``statistics`` that are not NaN: the
    ``ceil(level (B + 1))``-th smallest of ``B`` (the usual Monte Carlo order statistic; infinite
    ones rank last), NaN when fewer than 20 are not NaN."""
    valid = np.sort(statistics[~np.isnan(statistics)])
    if valid.size < 20:
        return math.nan
    return float(valid[min(math.ceil(level * (valid.size + 1)), valid.size) - 1])


def _endpoint(excess, centre: float, step: float, limit: float) -> float:
    """Where ``excess`` (negative at ``centre``) first turns positive going from ``centre``
    towards ``limit`` in steps that double from ``step``; ``limit`` when it never does."""
    def f(v: float) -> float:
        value = excess(v)
        return value if math.isfinite(value) else 1e6

    if not f(centre) < 0:
        return centre
    inner = centre
    for k in range(60):
        outer = centre + step * 2 ** k
        if (outer - limit) * step >= 0:
            outer = limit
        if f(outer) > 0:
            return float(optimize.brentq(f, inner, outer, xtol=1e-10, rtol=1e-9))
        if outer == limit:
            return limit
        inner = outer
    return limit


def _likelihood_intervals(t, x, windows, held, mle: Mapping[str, float],
                          se: Mapping[str, float], n_boot: int, seed,
                          jump: Mapping[str, float] | None = None
                          ) -> tuple[dict[str, tuple[float, float]], dict[str, float]]:
    """95% intervals by inverting the profile likelihood-ratio test with critical values from a
    grid bootstrap over ``kappa``: ``(intervals, critical values used)``.

    Without jumps the likelihood-ratio statistic of any parameter at its true value has a
    distribution that depends on the true ``kappa`` alone (level, trend and season shift the
    history and sigma scales it; the statistic is invariant to both), and it is far from
    chi-square when ``kappa`` times the span is small (few mean-reversion times observed; near
    the unit root of an AR(1)). So ``n_boot`` histories are simulated at each of a grid of
    ``kappa`` values (half a unit apart in ``log kappa``, over the values the observed likelihood
    does not rule out, at most 10; the other parameters at their maximum given that ``kappa``),
    and the 95th percentile of each parameter's statistic at each grid point is its critical
    value there (Hansen (1999), "The grid bootstrap and the autoregressive model", Review of
    Economics and Statistics 81, 594-607). ``kappa``'s interval is the set whose observed
    statistic is below the critical value at that ``kappa`` (interpolated in ``log kappa``).
    For another parameter held at a value ``v``, the critical value is the one at the ``kappa``
    that the history gives with ``v`` held, made median-unbiased: mapped to the true ``kappa``
    whose simulated histories have that fit as their median (the same grid's refits; Andrews
    (1993), Econometrica 61, 139-165), since the fitted ``kappa`` is biased upwards and the
    critical values grow as ``kappa`` falls. An interval ends at the allowed range when the
    likelihood never falls that far. The critical values used at the two ends are returned.

    ``jump`` (the parameters of a fit with jumps): the same statistic of the likelihood without
    jumps (a Gaussian quasi-likelihood, whose level, trend, season and mean reversion are those of
    the jump model, the level shifted by ``lam mu_j / kappa``, the jumps' mean pull) for kappa,
    theta0, beta and gamma, with the histories simulated from the jump model (its sigma and jump
    parameters) at each grid ``kappa``, so the critical values carry the jumps; theta0's interval
    is shifted back by the fit's ``lam mu_j / kappa``.
    """
    means = None if windows is None else _window_means(windows, held["season_period"])
    x = np.asarray(x, dtype=float)
    xs = x[None, :]
    table = _profile_table(t, xs, windows, held, means=means)
    base, where = table.minimum(table.nll())
    if not np.isfinite(base[0]):
        return {}, {}
    lr_obs = 2 * (table.nll()[:, 0] - base[0])
    if "kappa" in held:
        grid = np.array([math.log(held["kappa"])])
    else:
        seen = table.grid[np.isfinite(lr_obs) & (lr_obs <= 30.0)]
        lo_u, hi_u = (float(seen.min()), float(seen.max())) if seen.size else (where[0], where[0])
        lo_u = max(lo_u - 0.5, float(table.grid[0]))
        hi_u = min(hi_u + 0.5, float(table.grid[-1]))
        count = int(np.clip(math.ceil((hi_u - lo_u) / 0.5) + 1, 3, 10))
        grid = np.linspace(lo_u, hi_u, count)
    seeds = (seed if isinstance(seed, np.random.SeedSequence)
             else np.random.SeedSequence(seed)).spawn(grid.size)
    truths = [_profile(float(u), t, x, windows, held, means)[0] for u in grid]

    def simulated(truth):
        if jump is None:
            return truth
        pull = jump["lam"] * jump["mu_j"] / truth["kappa"]
        return {**truth, **{k: jump[k] for k in ("sigma", "lam", "mu_j", "sigma_j")},
                "theta0": truth["theta0"] - pull}

    paths = np.concatenate([
        simulate_history(JumpDiffusionModel(**simulated(truth)), t, float(x[0]), windows, n_boot,
                         np.random.default_rng(ss)) for truth, ss in zip(truths, seeds)])
    sims = _profile_table(t, paths, windows, held, means=means)    # one table for every grid point
    truth_of_path = {k: np.repeat([truth[k] for truth in truths], n_boot) for k in PARAMETERS}
    lrs = _lr_at_truth(sims, truth_of_path, t, paths, windows, held, means)
    if jump is not None:                # the quasi-likelihood's sigma is not the jump model's
        lrs.pop("sigma", None)
    crit = {}
    for name, lr in lrs.items():     # grid points with a finite critical value, per parameter
        values = np.array([_critical_value(lr[g * n_boot:(g + 1) * n_boot])
                           for g in range(grid.size)])
        if np.any(np.isfinite(values)):
            crit[name] = (grid[np.isfinite(values)], values[np.isfinite(values)])

    def critical(name: str, u) -> np.ndarray:
        return np.interp(u, *crit[name])

    out: dict[str, tuple[float, float]] = {}
    used: dict[str, float] = {}
    if "kappa" in crit:
        def excess_k(u: float) -> float:
            try:
                value = _profile_many(u, t, xs, windows, held, means)[3][0]
            except np.linalg.LinAlgError:
                return 1e6
            return float(2 * (value - base[0]) - critical("kappa", u)) if math.isfinite(value) \
                else 1e6

        accepted = np.flatnonzero(np.nan_to_num(lr_obs, nan=np.inf)
                                  <= critical("kappa", table.grid))
        u_hat = float(where[0])
        first = int(accepted[0]) if accepted.size else int(np.argmin(np.abs(table.grid - u_hat)))
        last = int(accepted[-1]) if accepted.size else first
        u_lo, u_hi = float(table.grid[first]), float(table.grid[last])
        if first > 0 and excess_k(u_lo) <= 0 < excess_k(float(table.grid[first - 1])):
            u_lo = float(optimize.brentq(excess_k, float(table.grid[first - 1]), u_lo, xtol=1e-8))
        if last < table.grid.size - 1 and excess_k(u_hi) <= 0 < excess_k(float(table.grid[last + 1])):
            u_hi = float(optimize.brentq(excess_k, u_hi, float(table.grid[last + 1]), xtol=1e-8))
        out["kappa"] = (math.exp(u_lo), math.exp(u_hi))
        used["kappa"] = (float(critical("kappa", u_lo)), float(critical("kappa", u_hi)))
    # median of the refitted log kappa at each grid point: maps a fitted kappa to the true kappa
    # that gives it as its median (median-unbiased, Andrews (1993), Econometrica 61, 139-165)
    _, refit_u = sims.minimum(sims.nll())
    medians = np.maximum.accumulate(np.array(
        [np.median(refit_u[g * n_boot:(g + 1) * n_boot]) for g in range(grid.size)]))

    def unbiased(u):
        return np.interp(u, medians, grid) if grid.size > 1 else grid[0]

    for name in crit:
        if name == "kappa":
            continue

        def excess(v: float, name=name) -> float:
            value, u_held = table.minimum(table.nll(name, v))
            return float(2 * (value[0] - base[0]) - critical(name, unbiased(u_held[0])))
        lo, hi = BOUNDS[name]
        centre = float(np.clip(mle[name], lo, hi))
        step = se.get(name, math.nan)
        step = 0.25 * step if math.isfinite(step) and step > 0 else 0.01 * max(abs(centre), 1.0)
        out[name] = (_endpoint(excess, centre, -step, lo), _endpoint(excess, centre, step, hi))
        used[name] = tuple(float(critical(name, unbiased(table.minimum(table.nll(name, v))[1][0])))
                           for v in out[name])
    if jump is not None and "theta0" in out:
        pull = jump["lam"] * jump["mu_j"] / jump["kappa"]
        lo, hi = BOUNDS["theta0"]
        out["theta0"] = (max(out["theta0"][0] - pull, lo), min(out["theta0"][1] - pull, hi))
    return out, used


# --- plausibility -------------------------------------------------------------------------------


def _apply_plausibility(t, x, windows, best, held, plausible: PlausibleRange,
                        preset: JumpDiffusionModel, maxiter):
    """Refuse a trend or season outside ``plausible``: refit with the preset's value held."""
    refused: list[str] = []
    warns: list[HedgingWarning] = []
    for _ in range(2):          # holding the trend can push the season out, and the reverse
        new, new_warns = _implausible(best[0], held, refused, plausible, preset)
        warns.extend(new_warns)
        if not new:
            break
        refused.extend(new)
        held = {**held, **{k: float(getattr(preset, k)) for k in refused}}
        best = _fit_diffusion(t, x, windows, held, maxiter)
    return best, refused, warns


def _implausible(params, held, refused, plausible: PlausibleRange, preset: JumpDiffusionModel,
                 corrected: bool = False) -> tuple[list[str], list[HedgingWarning]]:
    """The trend and season of ``params`` outside ``plausible`` (neither held nor refused yet),
    each with its warning; ``corrected``: the values are those that go with the bias-corrected
    mean reversion."""
    new: list[str] = []
    warns: list[HedgingWarning] = []
    fitted = ("With the mean reversion corrected for the bias of short histories, the fitted"
              if corrected else "The fitted")
    if "beta" not in held and "beta" not in refused and not plausible.trend_ok(params["beta"]):
        new.append("beta")
        warns.append(HedgingWarning("implausible_trend", (
            f"{fitted} trend, {percent_a_year(params['beta'])}, is outside what "
            f"{plausible.what} have done ({plausible.trend_evidence}); the app uses the preset "
            f"trend ({percent_a_year(preset.beta)}) instead.")))
    if "gamma" not in held and "gamma" not in refused and not plausible.season_ok(params["gamma"]):
        new.append("gamma")
        warns.append(HedgingWarning("implausible_season", (
            f"{fitted} seasonal swing, {math.expm1(abs(params['gamma'])):.0%} either way "
            f"over the year, is outside what {plausible.what} have shown "
            f"({plausible.season_evidence}); the app uses the preset swing "
            f"({math.expm1(abs(preset.gamma)):.0%}) instead.")))
    return new, warns


# --- parametric bootstrap -----------------------------------------------------------------------


def simulate_history(model: JumpDiffusionModel, t: np.ndarray, x0: float, windows, n_paths: int,
                     seed) -> np.ndarray:
    """``n_paths`` histories like the observed one, from ``model``: point prints at ``t`` starting
    at ``x0``, or the log of each window's average of daily prices (starting at ``x0`` the day
    before the first fixing). Shape ``(n_paths, len(t))``."""
    if windows is None:
        return model.simulate(x0, t, n_paths, seed)
    starts, counts = windows
    fixings = np.concatenate([s + np.arange(int(n)) / DAYS_PER_YEAR for s, n in zip(starts, counts)])
    grid = np.concatenate([[fixings[0] - 1 / DAYS_PER_YEAR], fixings])
    prices = model.simulate_prices(x0, grid, n_paths, seed)[:, 1:]
    ends = np.cumsum(counts.astype(int))
    sums = np.add.reduceat(prices, np.r_[0, ends[:-1]], axis=1)
    return np.log(sums / counts)


def _bootstrap_errors(t, x, windows, params, held, n_boot: int, seed):
    """Bootstrap standard errors and the bias correction of kappa (seeded).

    Pass 1 simulates ``n_boot`` histories from the maximum-likelihood fit and refits them: the
    mean refitted kappa minus the fitted one is kappa's bias ``b``, and the reported model is the
    likelihood maximum with kappa held at ``kappa_mle - b``. Pass 2 simulates from that corrected
    model (closer to the truth: a kappa that is too high makes the trend look too precise) and
    applies the same estimator, refit and shift by ``b``, to each history; the standard deviation
    of those estimates is each parameter's standard error, and their mean less the corrected
    model's sigma is the pull of the kappa correction on sigma, which is subtracted too. Without
    a free kappa one pass of plain refits gives the standard errors.

    The same pass-2 histories calibrate the confidence intervals: on each, the profile
    likelihood-ratio statistic of every parameter at its value in the simulating model (which
    is that history's truth); the 95th percentile of those statistics replaces the chi-square
    critical value 3.84, and the interval is every value whose statistic on the observed history
    stays below it (:func:`_likelihood_intervals`). Returns ``(se, bias, corrected params,
    refits, intervals, critical values, warnings)``.
    """
    free = [k for k in PARAMETERS if k not in held]
    means = None if windows is None else _window_means(windows, held["season_period"])

    def refits(model_params, pass_seed):
        paths = simulate_history(JumpDiffusionModel(**model_params), t, float(x[0]), windows,
                                 n_boot, pass_seed)
        table = _profile_table(t, paths, windows, held, means=means)
        return paths, table, _fit_diffusion_many(t, paths, windows, dict(held), table)

    warns: list[HedgingWarning] = []
    se = {k: (0.0 if k in held else math.nan) for k in PARAMETERS}
    bias, corrected = math.nan, dict(params)
    seeds = np.random.SeedSequence(seed).spawn(2)
    if "kappa" in free:
        _, _, first = refits(params, np.random.default_rng(seeds[0]))
        kappas = np.array([f["kappa"] for f in first if f])
        if kappas.size >= max(20, n_boot // 2):
            bias = float(kappas.mean() - params["kappa"])
            shifted = max(params["kappa"] - bias, BOUNDS["kappa"][0])
            corrected = _profile(math.log(shifted), t, x, windows, held, means)[0]
    paths, _, second = refits(corrected, np.random.default_rng(seeds[1]))
    estimates = []
    for path, fitted in zip(paths, second):
        if not fitted:
            continue
        if math.isfinite(bias):
            shifted = max(fitted["kappa"] - bias, BOUNDS["kappa"][0])
            fitted = _profile(math.log(shifted), t, path, windows, held, means)[0]
        estimates.append([fitted[k] for k in free])
    if len(estimates) < max(20, n_boot // 2) or ("kappa" in free and not math.isfinite(bias)):
        warns.append(HedgingWarning("bootstrap_failed", (
            f"Only {len(estimates)} of {n_boot} simulated histories could be refitted, so the "
            "standard errors are not reported: the fit is fragile for a history like this one.")))
        return se, math.nan, dict(params), len(estimates), {}, {}, warns
    est = np.array(estimates)
    se.update({k: float(v) for k, v in zip(free, est.std(axis=0, ddof=1))})
    pulled = 0.0
    if math.isfinite(bias) and "sigma" in free:
        # lowering kappa lowers the sigma that fits the same moves: pass 2 measures that pull
        pulled = float(est[:, free.index("sigma")].mean() - corrected["sigma"])
        corrected["sigma"] = float(np.clip(corrected["sigma"] - pulled, *BOUNDS["sigma"]))
    weak = [k for k in ("kappa", "sigma") if k in free and se[k] > abs(corrected[k])]
    if weak:
        warns.append(HedgingWarning("weakly_identified", (
            f"{' and '.join(weak)}: the standard error exceeds the estimate, so the history barely "
            "identifies it; read forecasts from this fit with wide margins.")))
    intervals, critical = _likelihood_intervals(t, x, windows, held, params, se,
                                                min(n_boot, GRID_PATHS),
                                                np.random.SeedSequence(seed).spawn(3)[2])
    if math.isfinite(bias):
        kept = _kept_correction(corrected["kappa"], params["kappa"], intervals.get("kappa"), t, x,
                                windows, held, means)
        try:
            if kept != corrected["kappa"]:
                corrected = _profile(math.log(kept), t, x, windows, held, means)[0]
                if "sigma" in free:
                    corrected["sigma"] = float(np.clip(corrected["sigma"] - pulled, *BOUNDS["sigma"]))
        except np.linalg.LinAlgError:   # not evaluable at the kept value: the correction as it was
            pass
    return se, bias, corrected, len(estimates), intervals, critical, warns


def _kept_correction(kappa: float, kappa_mle: float, interval, t, x, windows, held, means) -> float:
    """The bias-corrected ``kappa`` as reported: kept inside its own 95% interval (a correction
    that overshoots it would report a value the history rules out), and no lower than where the
    level, trend and season that go with it stay inside their allowed ranges. As ``kappa`` falls
    towards zero the price stops returning to its long-run level, and the level, trend and season
    that fit the same drift grow without limit (a level of -30 in logs, a seasonal term of 6.8
    were seen on three years of monthly averages): the smallest such ``kappa`` is found by
    bisection in ``log kappa`` between the corrected value and the maximum-likelihood one (whose
    coefficients are inside by construction)."""
    if interval is not None and all(math.isfinite(v) for v in interval):
        kappa = min(max(kappa, interval[0]), interval[1])
    free = [k for k in _LINEAR if k not in held]

    def inside(u: float) -> bool:
        try:
            p = _profile(u, t, x, windows, held, means)[0]
        except np.linalg.LinAlgError:           # not evaluable there: treated as outside
            return False
        return all(BOUNDS[k][0] <= p[k] <= BOUNDS[k][1] for k in free)

    low, high = math.log(kappa), math.log(kappa_mle)
    if low >= high or inside(low) or not inside(high):
        return kappa
    for _ in range(40):                     # 40 halvings of at most 8.5 in log kappa: 1e-11
        mid = 0.5 * (low + high)
        low, high = (low, mid) if inside(mid) else (mid, high)
    return math.exp(high)


def _jump_intervals(params: Mapping[str, float], se: Mapping[str, float], held, span_years: float
                    ) -> dict[str, tuple[float, float]]:
    """95% intervals of the jump rate, mean size and size spread of a fit with jumps, for the few
    jumps a history of a few years holds (about ``n = lam x span_years`` of them).

    The likelihood's curvature alone (``estimate -/+ 1.96 SE``) held the true rate, size and spread
    only 67-87% of the time on two and three years of daily prints (``bench/calibration.py
    --jumps``): their estimates rest on a handful of jumps, so they are skewed and their spread is
    underestimated. Instead:

    - ``lam``: ``lam exp(-/+ 1.96 SE / lam)``, the curvature interval on the log scale of a rate
      (the delta method for ``ln lam``), so it stays positive and is skewed upward like a count's.
    - ``sigma_j``: the wider of that log-scale interval and the exact interval of a normal
      standard deviation from ``n`` observed jumps, ``sigma_j sqrt(n / chi2_{0.975, n-1})`` to
      ``sigma_j sqrt(n / chi2_{0.025, n-1})`` (the maximum-likelihood ``sigma_j`` divides by ``n``).
    - ``mu_j``: the wider of ``estimate -/+ 1.96 SE`` and ``mu_j -/+ 1.96 sigma_j_high / sqrt(n)``,
      the mean of ``n`` jumps with their spread at the top of its interval: a fit can lock onto a
      few similar moves and report a spread far below the true one, and the mean's interval has to
      allow for the spread the history cannot rule out. It is conservative by construction (held
      the true value 97-98% of the time in the measurement above).

    Fewer than two jumps leave the spread and mean undetermined: their interval is the allowed
    range. A parameter without a standard error (at a bound) gets NaN bounds; held ones none.
    """
    z = float(stats.norm.ppf(0.5 + INTERVAL_LEVEL / 2))
    n = params["lam"] * span_years
    out: dict[str, tuple[float, float]] = {}

    def log_scale(name: str) -> tuple[float, float]:
        value, error = params[name], se.get(name, math.nan)
        if not (value > 0 and math.isfinite(error) and error > 0):
            return math.nan, math.nan
        factor = math.exp(min(z * error / value, 50.0))
        return value / factor, value * factor

    def clipped(name: str, lo: float, hi: float) -> tuple[float, float]:
        return max(lo, BOUNDS[name][0]), min(hi, BOUNDS[name][1])

    if "lam" not in held:
        out["lam"] = clipped("lam", *log_scale("lam"))
    if "sigma_j" not in held:
        if n < 2:
            lo, hi = BOUNDS["sigma_j"]
        else:
            tail, s = (1 - INTERVAL_LEVEL) / 2, params["sigma_j"]
            lo = s * math.sqrt(n / stats.chi2.ppf(1 - tail, n - 1))
            hi = s * math.sqrt(n / stats.chi2.ppf(tail, n - 1))
            curvature = log_scale("sigma_j")
            if math.isfinite(curvature[0]):
                lo, hi = min(lo, curvature[0]), max(hi, curvature[1])
        out["sigma_j"] = clipped("sigma_j", lo, hi)
    if "mu_j" not in held:
        value, error = params["mu_j"], se.get("mu_j", math.nan)
        spread_high = params["sigma_j"] if "sigma_j" in held else out["sigma_j"][1]
        if n < 2:
            lo, hi = BOUNDS["mu_j"]
        else:
            half = z * spread_high / math.sqrt(n)
            if math.isfinite(error):
                half = max(half, z * error)
            lo, hi = value - half, value + half
        out["mu_j"] = clipped("mu_j", lo, hi)
    return out


def _jump_bootstrap(t, x, params, held, n_boot: int, seed, maxiter):
    """Parametric bootstrap of a fit with jumps: ``(se, intervals, refits)`` or None.

    ``n_boot`` histories are simulated from the fit (seeded) and refitted by the same likelihood,
    each started at the fit (warm start: the refit is near, so a few dozen solver steps). On the
    solver's scale (log for kappa, sigma, lam, sigma_j) the mean refit less the fit is the
    estimator's bias ``b`` and the refits' standard deviation ``s``; the 95% interval is the
    bias-corrected ``estimate - b -/+ t s`` with ``t`` the 97.5% Student-t quantile on
    ``refits - 1`` degrees of freedom (few refits: their spread is itself estimated), mapped
    back to the natural scale (so asymmetric for positive parameters) and cut to the allowed
    range. The standard error is the
    refits' standard deviation on the natural scale. None when fewer than half the refits (or
    fewer than 10) converge.
    """
    model = JumpDiffusionModel(**params)
    paths = model.simulate(float(x[0]), t, n_boot, np.random.default_rng(seed))
    free = [k for k in PARAMETERS if k not in held]
    to_u = {k: (np.log if k in _LOG_SCALE else (lambda v: v)) for k in free}
    estimates = []
    for path in paths:
        fitted, _, res, _ = _fit(t, path, dict(params), held, maxiter, raise_on_failure=False)
        if res.success:
            estimates.append([fitted[k] for k in free])
    if len(estimates) < max(10, n_boot // 2):
        return None
    est = np.array(estimates)
    quantile = float(stats.t.ppf(0.5 + INTERVAL_LEVEL / 2, est.shape[0] - 1))
    se = {k: (0.0 if k in held else math.nan) for k in PARAMETERS}
    intervals: dict[str, tuple[float, float]] = {}
    for j, name in enumerate(free):
        u = to_u[name](est[:, j])
        u_hat = float(to_u[name](params[name]))
        centre, spread = 2 * u_hat - float(u.mean()), float(u.std(ddof=1))
        lo, hi = centre - quantile * spread, centre + quantile * spread
        if name in _LOG_SCALE:
            lo, hi = math.exp(lo), math.exp(hi)
        intervals[name] = (max(lo, BOUNDS[name][0]), min(hi, BOUNDS[name][1]))
        se[name] = float(est[:, j].std(ddof=1))
    return se, intervals, est.shape[0]


__all__ = ["BOUNDS", "PARAMETERS", "Calibration", "calibrate", "log_likelihood", "simulate_history"]
