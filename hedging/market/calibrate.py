"""Maximum-likelihood calibration of :class:`JumpDiffusionModel` to an index history.

The likelihood uses the exact transition of the Ornstein-Uhlenbeck part with time-varying mean,
mixed over the number of jumps ``n`` in each interval (Poisson weights, truncated where the omitted
mass is below 1e-8). Given ``n`` jumps at uniform times in an interval of length ``h``, their
decayed sum ``sum_k J_k e^{-kappa r_k}`` is represented by a Gaussian with its exact mean and
variance (``n mu_j E[e^{-kappa r}]`` and
``n (E[J^2] E[e^{-2 kappa r}] - mu_j^2 E[e^{-kappa r}]^2)``); this is exact as ``kappa h -> 0``
and close for monthly data (``kappa h = 0.21`` for Table 3). Observations are treated as point
samples of the index (a monthly average is not a point sample; it smooths the diffusion).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
from scipy import optimize, special, stats

from hedging.errors import HedgingWarning, ModelError
from hedging.market.model import JumpDiffusionModel

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

    ``std_errors`` maps each parameter to its asymptotic standard error (inverse numerical Hessian
    of the negative log-likelihood); held-fixed parameters have 0, unavailable ones NaN.
    """

    model: JumpDiffusionModel
    std_errors: dict[str, float] = field(hash=False)
    log_likelihood: float
    n_obs: int
    converged: bool
    warnings: tuple[HedgingWarning, ...] = ()
    fixed: tuple[str, ...] = ()

    def confidence_interval(self, name: str, z: float = 1.96) -> tuple[float, float]:
        """``estimate -/+ z * SE`` for one parameter (NaN bounds when the SE is unknown)."""
        value, se = getattr(self.model, name), self.std_errors[name]
        return value - z * se, value + z * se


def log_likelihood(model: JumpDiffusionModel, times: np.ndarray, log_prices: np.ndarray) -> float:
    """Log-likelihood of ``log_prices`` at ``times`` (years), conditional on the first point.

    Each transition density is ``sum_n Poisson(n; lam h) N(x'; m + n m_J, v + n v_J)`` with ``m``,
    ``v`` the exact OU mean and variance over ``h`` and ``m_J``, ``v_J`` the moments of one jump
    decayed to the interval end (module docstring); ``n`` stops where the tail is below 1e-8.
    Without jumps it is the exact Gaussian transition (Schwartz 1997, model 1).
    """
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


def calibrate(times, log_prices, *, fix: Mapping[str, float] | None = None,
              start: Mapping[str, float] | JumpDiffusionModel | None = None,
              jumps: bool | None = None, fit_season_period: bool = False,
              maxiter: int = 1000) -> Calibration:
    """Fit the jump diffusion to a log-price history by maximum likelihood (L-BFGS-B).

    Parameters
    ----------
    times : array_like
        Strictly increasing observation times in years; the fitted ``theta0`` is the long-run log
        level at ``times == 0``, so e.g. pass years since the first observation.
    log_prices : array_like
        ``ln`` of the index ($/M tokens or $/GPU-hour) at ``times``.
    fix : mapping, optional
        Parameters held at given values, e.g. ``{"gamma": 0.0}`` for histories under two years.
    start : mapping or JumpDiffusionModel, optional
        Starting values; the default comes from a detrended AR(1) regression.
    jumps : bool, optional
        ``None`` (default): fit jumps only when the history has at least 36 observations over
        2 years, a likelihood-ratio test (5%, 3 df) prefers them, and no jump parameter ends at a
        bound; otherwise report the no-jump fit with a warning. ``True`` or ``False`` forces.
    fit_season_period : bool
        Estimate ``season_period`` too (held at 1 year by default).
    maxiter : int
        Iteration limit of the solver.

    Returns
    -------
    Calibration
        Frozen result; raises :class:`~hedging.errors.ModelError` when the solver fails.

    Notes
    -----
    Bounds: kappa 0.01-50, sigma 0.001-5, lam 0-50, sigma_j 0.001-3, abs(beta) < 5, abs(gamma) < 2.
    Standard errors are asymptotic (inverse Hessian); parameters at a bound get NaN. Example:
    eight years of daily Table 3 paths (``PAPER_TABLE3.simulate(ln 2, arange(2921) / 365, 1,
    seed=7)``) give kappa 2.34 (SE 0.53), sigma 0.397 (0.005), lam 3.86 (0.83).
    """
    t, x = _validated_history(times, log_prices)
    fixed = {k: float(v) for k, v in dict(fix or {}).items()}
    unknown = sorted(set(fixed) - set(PARAMETERS))
    if unknown:
        raise ModelError(f"fix names unknown parameter(s) {unknown}; "
                         f"choose from {list(PARAMETERS)}.")
    if not fit_season_period:
        fixed.setdefault("season_period", 1.0)
    warns: list[HedgingWarning] = []
    n, span = t.size, float(t[-1] - t[0])
    short = n < MIN_OBS_FOR_JUMPS or span < MIN_YEARS_FOR_JUMPS
    want_jumps = fixed["lam"] > 0 if "lam" in fixed else (not short if jumps is None else jumps)
    if short:
        what = ("jumps were estimated because you asked, so treat lam, mu_j and sigma_j as "
                "unreliable" if want_jumps else "fitted without jumps (lam = 0), so sigma also "
                "carries the jump variance; pass jumps=True to estimate them anyway")
        season = (" Under two years also identifies the seasonal term poorly; consider "
                  "fix={'gamma': 0}." if span < 2 and "gamma" not in fixed else "")
        warns.append(HedgingWarning("short_history", (
            f"The history has {n} observations over {span:.1f} years; telling jumps from diffusion "
            f"needs at least {MIN_OBS_FOR_JUMPS} over {MIN_YEARS_FOR_JUMPS:g} years: {what}. "
            "Standard errors from so few points are optimistic." + season)))
    base = _initial_guess(t, x)
    if start is not None:
        given = ({k: getattr(start, k) for k in PARAMETERS}
                 if isinstance(start, JumpDiffusionModel) else dict(start))
        base.update({k: float(v) for k, v in given.items() if k in PARAMETERS})
    no_jump_fixed = {**{"lam": 0.0, "mu_j": 0.0, "sigma_j": 0.0}, **fixed}
    best = _fit(t, x, {**base, **no_jump_fixed}, no_jump_fixed, maxiter)
    if want_jumps:
        diffusion_only = best
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
            why = (f"the jump fit is degenerate ({', '.join(degenerate)} at a bound of its range)"
                   if degenerate else "adding jumps raised the log-likelihood by only "
                   f"{lr / 2:.2f} "
                   f"(likelihood-ratio {lr:.2f} < {_LR_CRITICAL_3DF:.2f}, 5% level)")
            warns.append(HedgingWarning("jumps_not_supported", (
                f"This history cannot separate jumps from diffusion: {why}. The model without "
                "jumps is reported, so sigma also carries the jump variance; pass jumps=True to "
                "estimate jumps anyway.")))
            best = diffusion_only
    params, nll, res, held = best
    model = JumpDiffusionModel(**params, label=f"maximum likelihood, {n} observations")
    std_errors, se_warns = _standard_errors(t, x, params, held)
    warns.extend(se_warns)
    return Calibration(model=model, std_errors=std_errors, log_likelihood=-nll, n_obs=n,
                       converged=bool(res.success), warnings=tuple(warns),
                       fixed=tuple(sorted(held)))


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


def _negative_log_likelihood(params: dict[str, float], t: np.ndarray, x: np.ndarray) -> float:
    try:
        value = -log_likelihood(JumpDiffusionModel(**params), t, x)
    except ModelError:
        return 1e12
    return value if math.isfinite(value) else 1e12


def _fit(t, x, init, held, maxiter, raise_on_failure=True):
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
    res = optimize.minimize(lambda u: _negative_log_likelihood(natural(u), t, x), u0,
                            method="L-BFGS-B", jac="3-point", bounds=bounds,
                            options={"maxiter": int(maxiter)})
    if not res.success and res.nit < maxiter:          # line-search stalls: one restart
        res = optimize.minimize(lambda u: _negative_log_likelihood(natural(u), t, x), res.x,
                                method="L-BFGS-B", jac="3-point", bounds=bounds,
                                options={"maxiter": int(maxiter)})
    if raise_on_failure and not res.success:
        _raise_failure(res)
    return natural(res.x), float(res.fun), res, frozenset(held)


def _raise_failure(res) -> None:
    raise ModelError(
        f"The maximum-likelihood fit did not converge ({res.message}, after {res.nit} iterations). "
        "Fix weakly identified parameters (e.g. fix={'gamma': 0} or jumps=False), give a start "
        "close to plausible values, raise maxiter, or use a longer or denser history.")


def _standard_errors(t, x, params, held) -> tuple[dict[str, float], list[HedgingWarning]]:
    """SEs from the inverse central-difference Hessian of the NLL in natural parameters."""
    se = {k: (0.0 if k in held else math.nan) for k in PARAMETERS}
    warns: list[HedgingWarning] = []
    steps = {k: 1e-3 * max(abs(params[k]), 0.1) for k in PARAMETERS if k not in held}
    inside = [k for k, h in steps.items()
              if BOUNDS[k][0] < params[k] - h and params[k] + h < BOUNDS[k][1]]
    at_bound = [k for k in steps if k not in inside]
    if at_bound:
        warns.append(HedgingWarning("parameter_at_bound", (
            f"{', '.join(at_bound)} ended at a bound of its allowed range, so its standard error "
            "is not reported (NaN); the history does not pin it down. Consider fixing it.")))

    def f(shift: dict[str, float]) -> float:
        return _negative_log_likelihood({**params, **shift}, t, x)

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
            "errors are not reported (NaN). Some parameters are not identified by this history: "
            "fix them (e.g. fix={'gamma': 0} or jumps=False) or use a longer or denser history.")))
        return se, warns
    se.update({k: float(math.sqrt(v)) for k, v in zip(inside, variances)})
    weak = [k for k in ("kappa", "sigma", "lam", "sigma_j")
            if k in inside and se[k] > abs(params[k])]
    if weak:
        warns.append(HedgingWarning("weakly_identified", (
            f"{', '.join(weak)}: the standard error exceeds the estimate, so the history barely "
            "identifies it; read forecasts from this fit with wide margins.")))
    return se, warns


__all__ = ["BOUNDS", "Calibration", "PARAMETERS", "calibrate", "log_likelihood"]
