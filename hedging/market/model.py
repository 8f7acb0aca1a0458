"""Mean-reverting jump diffusion for the log of a compute price index, with closed-form futures.

The log price ``X_t = ln P_t`` (``P`` in $/M tokens or $/GPU-hour) follows

    dX_t = kappa (theta_t - X_t) dt + sigma dW_t + J dN_t,
    theta_t = theta0 + beta t + gamma sin(2 pi t / season_period),

with ``N`` a Poisson process of intensity ``lam`` per year and ``J ~ N(mu_j, sigma_j^2)``
(arXiv 2603.21690, eqs. 11-12). Time is in years from the model's origin (``t = 0``).
Without jumps, trend and season this is model 1 of Schwartz (1997), "The Stochastic Behavior of
Commodity Prices", J. Finance 52(3).

Compute cannot be stored, so there is no cost-of-carry argument: a futures price is the model's
conditional expectation of the index (measure Q = P), times an optional risk-premium factor.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from hedging.errors import ModelError

#: Daily steps and fixings use calendar days: compute is rented, and indexed, every day.
DAYS_PER_YEAR = 365

_GL_NODES, _GL_WEIGHTS = np.polynomial.legendre.leggauss(48)
_FLOAT_FIELDS = ("kappa", "theta0", "beta", "sigma", "lam", "mu_j", "sigma_j", "gamma",
                 "season_period", "risk_premium")
_TIME_TOL = 1e-9


def _tau(t: ArrayLike, T: ArrayLike) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    t_arr, T_arr = np.broadcast_arrays(np.asarray(t, dtype=float), np.asarray(T, dtype=float))
    tau = T_arr - t_arr
    if np.any(tau < -_TIME_TOL):
        bad = float(T_arr[tau < -_TIME_TOL].flat[0])
        raise ModelError(f"maturity T={bad:g} is before the valuation time t; "
                         "pass maturities at or after t (both in years from the model origin).")
    return t_arr, T_arr, np.maximum(tau, 0.0)


@dataclass(frozen=True)
class JumpDiffusionModel:
    """Parameters of the log-price jump diffusion (eqs. 11-12 of arXiv 2603.21690).

    Parameters
    ----------
    kappa : float
        Mean-reversion speed per year (> 0); half-life ``ln 2 / kappa`` years.
    theta0, beta, gamma : float
        Long-run log level at ``t = 0``, its trend per year, and the seasonal amplitude (log units).
    sigma : float
        Diffusion volatility per sqrt(year) (>= 0).
    lam, mu_j, sigma_j : float
        Jump arrivals per year (>= 0), mean and standard deviation of a log jump (``sigma_j >= 0``).
    season_period : float
        Seasonal period in years (> 0), 1.0 for an annual cycle.
    risk_premium : float
        Annualised drift added to futures prices only: ``F(t, T)`` is the expected index times
        ``exp(risk_premium * (T - t))``. 0 means futures equal expected spot (Q = P); simulated
        paths are never affected.
    label : str
        Free text naming the parameter set.

    References
    ----------
    Y. Xing (2026), "AI Token Futures Market", arXiv 2603.21690, eqs. 11-13 and Table 3.
    E. S. Schwartz (1997), "The Stochastic Behavior of Commodity Prices: Implications for
    Valuation and Hedging", J. Finance 52(3), 923-973, model 1 (no jumps, trend or season).
    """

    kappa: float
    theta0: float
    beta: float
    sigma: float
    lam: float
    mu_j: float
    sigma_j: float
    gamma: float
    season_period: float = 1.0
    risk_premium: float = 0.0
    label: str = ""

    def __post_init__(self) -> None:
        for name in _FLOAT_FIELDS:
            value = getattr(self, name)
            try:
                number = float(value)
            except (TypeError, ValueError):
                raise ModelError(f"model parameter `{name}` = {value!r} is not a number.") from None
            if not math.isfinite(number):
                raise ModelError(f"model parameter `{name}` = {value!r} must be finite.")
            object.__setattr__(self, name, number)
        rules = (("kappa", self.kappa > 0, "must be > 0 (mean reversion per year)"),
                 ("sigma", self.sigma >= 0, "must be >= 0"),
                 ("lam", self.lam >= 0, "must be >= 0 (jumps per year)"),
                 ("sigma_j", self.sigma_j >= 0, "must be >= 0"),
                 ("season_period", self.season_period > 0, "must be > 0 years"))
        for name, ok, rule in rules:
            if not ok:
                raise ModelError(f"model parameter `{name}` = {getattr(self, name):g} {rule}.")

    # --- deterministic pieces ---------------------------------------------------------------

    @property
    def half_life(self) -> float:
        """Years for a deviation from the mean to halve, ``ln 2 / kappa`` (Table 3: 0.277 y)."""
        return math.log(2.0) / self.kappa

    def theta(self, t: ArrayLike) -> np.ndarray:
        """Long-run log level ``theta0 + beta t + gamma sin(2 pi t / season_period)`` (t, years)."""
        t = np.asarray(t, dtype=float)
        return self.theta0 + self.beta * t + self.gamma * np.sin(2 * np.pi * t / self.season_period)

    def mean_reversion_integral(self, t: ArrayLike, T: ArrayLike) -> np.ndarray:
        """``integral_t^T kappa exp(-kappa (T - s)) theta_s ds`` in closed form (log units).

        With ``e = exp(-kappa tau)``, ``tau = T - t``, ``w = 2 pi / season_period``:

            theta0 (1 - e) + beta (T - t e - (1 - e) / kappa)
            + gamma kappa / (kappa^2 + w^2) [kappa sin wT - w cos wT - e (kappa sin wt - w cos wt)]

        Table 3, ``t = 0``, ``T = 1``: 0.38953.
        """
        t, T, tau = _tau(t, T)
        k, w = self.kappa, 2 * np.pi / self.season_period
        one_minus_e = -np.expm1(-k * tau)
        e = 1.0 - one_minus_e
        level = self.theta0 * one_minus_e
        trend = self.beta * (tau + t * one_minus_e - one_minus_e / k)
        season = self.gamma * k / (k * k + w * w) * (
            k * np.sin(w * T) - w * np.cos(w * T) - e * (k * np.sin(w * t) - w * np.cos(w * t)))
        return level + trend + season

    def _jump_integral(self, tau: np.ndarray) -> np.ndarray:
        """``lam int_0^tau [exp(mu_j e^{-kappa u} + sigma_j^2 e^{-2 kappa u} / 2) - 1] du``.

        Substituting ``v = e^{-kappa u}`` gives ``(lam / kappa) int_{e^{-kappa tau}}^1 g(v) dv``
        with ``g(v) = expm1(mu_j v + sigma_j^2 v^2 / 2) / v``, an entire function on a bounded
        interval, so a 48-point Gauss-Legendre rule is exact to rounding for any ``tau``.
        """
        tau = np.asarray(tau, dtype=float)
        if self.lam == 0.0 or (self.mu_j == 0.0 and self.sigma_j == 0.0):
            return np.zeros_like(tau)
        a = np.exp(-self.kappa * tau)[..., None]
        v = 0.5 * (1 + a) + 0.5 * (1 - a) * _GL_NODES
        g = np.expm1(self.mu_j * v + 0.5 * self.sigma_j ** 2 * v * v) / v
        return self.lam / self.kappa * 0.5 * (1 - a[..., 0]) * (g @ _GL_WEIGHTS)

    # --- distribution of X_T given X_t -----------------------------------------------------

    def mean_log(self, x0: ArrayLike, t: ArrayLike, T: ArrayLike) -> np.ndarray:
        """Conditional mean of the log price (log units).

        ``E[X_T | X_t = x0] = e^{-kappa tau} x0 + mean_reversion_integral(t, T)
        + lam mu_j (1 - e^{-kappa tau}) / kappa``.
        """
        _, _, tau = _tau(t, T)
        one_minus_e = -np.expm1(-self.kappa * tau)
        return ((1 - one_minus_e) * np.asarray(x0, dtype=float) + self.mean_reversion_integral(t, T)
                + self.lam * self.mu_j * one_minus_e / self.kappa)

    def variance_log(self, t: ArrayLike, T: ArrayLike) -> np.ndarray:
        """Conditional variance of the log price (squared log units).

        ``Var[X_T | X_t] = (sigma^2 + lam (mu_j^2 + sigma_j^2)) (1 - e^{-2 kappa tau})
        / (2 kappa)``.

        Diffusion plus compound-Poisson part (``E[J^2] = mu_j^2 + sigma_j^2``), in squared log
        units. Table 3, ``tau = 1`` year: ``(0.16 + 3 * 0.0725) * 0.99326 / 5 = 0.07499``.
        """
        _, _, tau = _tau(t, T)
        jump_second_moment = self.mu_j ** 2 + self.sigma_j ** 2
        return ((self.sigma ** 2 + self.lam * jump_second_moment)
                * -np.expm1(-2 * self.kappa * tau) / (2 * self.kappa))

    # --- futures ---------------------------------------------------------------------------

    def log_futures_offset_parts(self, t: ArrayLike, T: ArrayLike) -> dict[str, np.ndarray]:
        """The parts of ``A(t, T)`` in ``ln F = e^{-kappa tau} x0 + A(t, T)`` (log units).

        ``mean``: ``mean_reversion_integral(t, T)``; ``diffusion``:
        ``sigma^2 (1 - e^{-2 kappa tau}) / (4 kappa)``; ``jumps``:
        ``lam int_0^tau [exp(mu_j e^{-kappa u} + sigma_j^2 e^{-2 kappa u} / 2) - 1] du``;
        ``risk_premium``: ``risk_premium * tau``.
        """
        _, _, tau = _tau(t, T)
        return {
            "mean": self.mean_reversion_integral(t, T),
            "diffusion": self.sigma ** 2 * -np.expm1(-2 * self.kappa * tau) / (4 * self.kappa),
            "jumps": self._jump_integral(tau),
            "risk_premium": self.risk_premium * tau,
        }

    def log_futures_offset(self, t: ArrayLike, T: ArrayLike) -> np.ndarray:
        """``A(t, T)`` of eq. 13: the sum of :meth:`log_futures_offset_parts` (log units)."""
        return sum(self.log_futures_offset_parts(t, T).values())

    def futures_price(self, x0: ArrayLike, t: ArrayLike, T: ArrayLike) -> np.ndarray:
        """Futures price settled on the index at ``T``: ``E[P_T | X_t = x0] exp(risk_premium tau)``.

        Parameters
        ----------
        x0 : array_like
            Log index at ``t``, ``ln($/M tokens)`` or ``ln($/GPU-hour)``.
        t, T : array_like
            Valuation time and maturities in years from the model origin, ``T >= t``; broadcast.

        Returns
        -------
        numpy.ndarray
            ``exp(e^{-kappa tau} x0 + A(t, T))`` in the index's unit; ``exp(x0)`` at ``T = t``.

        Notes
        -----
        ``ln F = e^{-kappa tau} x0 + int_t^T kappa e^{-kappa(T-s)} theta_s ds
        + sigma^2 (1 - e^{-2 kappa tau}) / (4 kappa)
        + lam int_0^tau [exp(mu_j e^{-kappa u} + sigma_j^2 e^{-2 kappa u} / 2) - 1] du
        + risk_premium tau``: the moment-generating function of a Gaussian OU state plus a
        compound Poisson sum (eq. 13 of arXiv 2603.21690; Schwartz 1997, eq. 8, without jumps).
        Table 3 with ``x0 = ln 2``, ``t = 0``, ``T = 1``: 1.81412 $/M tokens.
        """
        _, _, tau = _tau(t, T)
        return np.exp(np.exp(-self.kappa * tau) * np.asarray(x0, dtype=float)
                      + self.log_futures_offset(t, T))

    def average_futures_price(self, x0: ArrayLike, t: float, T1: float, T2: float,
                              n_days: int | None = None, *, fixed_sum: ArrayLike = 0.0,
                              n_fixed: int = 0) -> np.ndarray:
        """Fair price of a contract settled on the arithmetic mean of daily fixings in ``[T1, T2]``.

        The fixings are ``n_days`` equally spaced times from ``T1`` to ``T2`` inclusive (default one
        per calendar day, ``round(365 (T2 - T1)) + 1``). The expectation of an average is the
        average of expectations, so the price is ``(fixed_sum + sum_k F(t, T_k)) / n_days`` over the
        fixings ``T_k >= t``; fixings before ``t`` are already known and must be passed as their sum
        ``fixed_sum`` (index units) and count ``n_fixed``. Table 3, ``x0 = ln 2``, ``t = 0``, a
        31-day month from ``T1 = 1`` to ``T2 = 1 + 30/365``: 1.79875 $/M tokens.
        """
        T1, T2, t = float(T1), float(T2), float(t)
        if T2 < T1:
            raise ModelError(f"averaging window ends (T2={T2:g}) before it starts (T1={T1:g}).")
        n = int(round((T2 - T1) * DAYS_PER_YEAR)) + 1 if n_days is None else int(n_days)
        if n < 1 or (n == 1 and T2 > T1):
            raise ModelError(f"n_days = {n_days!r}: an averaging window needs at least one fixing, "
                             "two when T2 > T1.")
        fixings = np.linspace(T1, T2, n)
        past = fixings < t - _TIME_TOL
        if int(n_fixed) != int(past.sum()):
            raise ModelError(
                f"n_fixed = {n_fixed}, but {int(past.sum())} of the {n} fixings lie before "
                f"t={t:g}; "
                "pass their count in n_fixed and the sum of their index values in fixed_sum.")
        remaining = np.maximum(fixings[~past], t)
        x0 = np.asarray(x0, dtype=float)
        future_sum = self.futures_price(x0[..., None], t, remaining).sum(axis=-1)
        return (np.asarray(fixed_sum, dtype=float) + future_sum) / n

    # --- simulation ------------------------------------------------------------------------

    def simulate(self, x0: ArrayLike, times: ArrayLike, n_paths: int,
                 seed: int | np.random.Generator | None = None, *,
                 record: ArrayLike | None = None) -> np.ndarray:
        """Simulate log-price paths exactly on the grid ``times``.

        Parameters
        ----------
        x0 : float or array of shape (n_paths,)
            Log index at ``times[0]``.
        times : array_like
            Strictly increasing years from the model origin; ``times[0]`` is the time of ``x0``.
            Use a daily grid (``t0 + arange(n + 1) / 365``) for daily paths; any spacing is exact.
        n_paths : int
            Number of independent paths.
        seed : int, Generator or None
            Passed to ``numpy.random.default_rng``; the same seed gives the same paths.
        record : array_like, optional
            Increasing subset of ``times`` to return (e.g. month ends). The simulation still steps
            through every time in ``times``; only these columns are kept, saving memory.

        Returns
        -------
        numpy.ndarray
            Shape ``(n_paths, len(record or times))`` of log prices (a transposed view of a
            time-major buffer: 100,000 paths x 37 month ends take 30 MB).

        Notes
        -----
        Each step of length ``h`` is the exact transition ``X' = e^{-kappa h} X +
        mean_reversion_integral(t, t + h) + sqrt(sigma^2 (1 - e^{-2 kappa h}) / (2 kappa)) Z +
        sum_k J_k e^{-kappa (t + h - s_k)}``. Jump times ``s_k`` are drawn once per path as a
        Poisson process on the whole horizon (Poisson count, uniform times), so a jump inside a
        step decays exactly from its arrival to the step end. No step-size bias.
        """
        times = np.asarray(times, dtype=float)
        if times.ndim != 1 or times.size < 1 or not np.all(np.isfinite(times)):
            raise ModelError("times must be a non-empty 1-D array of finite year fractions.")
        if np.any(np.diff(times) <= 0):
            raise ModelError("times must be strictly increasing (years from the model origin).")
        n_paths = int(n_paths)
        if n_paths < 1:
            raise ModelError(f"n_paths = {n_paths} must be at least 1.")
        keep = self._record_positions(times, record)
        rng = np.random.default_rng(seed)
        dt = np.diff(times)
        decay = np.exp(-self.kappa * dt)
        drift = self.mean_reversion_integral(times[:-1], times[1:])
        scale = np.sqrt(self.sigma ** 2 * -np.expm1(-2 * self.kappa * dt) / (2 * self.kappa))
        jump_bounds, jump_paths, jump_values = self._draw_jumps(times, n_paths, rng)

        x = np.empty(n_paths)
        x[:] = x0
        out = np.empty((int((keep >= 0).sum()), n_paths))
        if keep[0] >= 0:
            out[keep[0]] = x
        z = np.empty(n_paths)
        for i in range(dt.size):
            x *= decay[i]
            x += drift[i]
            if self.sigma > 0:
                rng.standard_normal(out=z)
                z *= scale[i]
                x += z
            lo, hi = jump_bounds[i], jump_bounds[i + 1]
            if hi > lo:
                np.add.at(x, jump_paths[lo:hi], jump_values[lo:hi])
            if keep[i + 1] >= 0:
                out[keep[i + 1]] = x
        return out.T

    def simulate_prices(self, x0: ArrayLike, times: ArrayLike, n_paths: int,
                        seed: int | np.random.Generator | None = None, *,
                        record: ArrayLike | None = None) -> np.ndarray:
        """:meth:`simulate`, exponentiated in place: index levels ($/M tokens or $/GPU-hour)."""
        paths = self.simulate(x0, times, n_paths, seed, record=record)
        return np.exp(paths, out=paths)

    @staticmethod
    def _record_positions(times: np.ndarray, record: ArrayLike | None) -> np.ndarray:
        """For each grid time, its output row, or -1 when it is not recorded."""
        if record is None:
            return np.arange(times.size)
        record = np.atleast_1d(np.asarray(record, dtype=float))
        idx = np.clip(np.searchsorted(times, record), 0, times.size - 1)
        idx_left = np.clip(idx - 1, 0, times.size - 1)
        nearer_left = np.abs(times[idx_left] - record) < np.abs(times[idx] - record)
        idx = np.where(nearer_left, idx_left, idx)
        off = np.abs(times[idx] - record) > _TIME_TOL * np.maximum(1.0, np.abs(record))
        if record.ndim != 1 or np.any(off) or np.any(np.diff(idx) <= 0):
            raise ModelError("record must be an increasing subset of times (each a grid time); "
                             "add the times you want to keep to the simulation grid.")
        keep = np.full(times.size, -1)
        keep[idx] = np.arange(idx.size)
        return keep

    def _draw_jumps(self, times: np.ndarray, n_paths: int, rng: np.random.Generator):
        """All jumps of all paths by step: (bounds, path ids, sizes decayed to the step end)."""
        n_steps = times.size - 1
        horizon = times[-1] - times[0]
        if self.lam == 0.0 or n_steps == 0:
            return np.zeros(n_steps + 1, dtype=np.int64), np.empty(0, np.int64), np.empty(0)
        counts = rng.poisson(self.lam * horizon, n_paths)
        paths = np.repeat(np.arange(n_paths), counts)
        arrival = times[0] + horizon * rng.random(paths.size)
        sizes = self.mu_j + self.sigma_j * rng.standard_normal(paths.size)
        step = np.clip(np.searchsorted(times, arrival, side="left") - 1, 0, n_steps - 1)
        values = sizes * np.exp(-self.kappa * (times[step + 1] - arrival))
        order = np.argsort(step, kind="stable")
        bounds = np.searchsorted(step[order], np.arange(n_steps + 1))
        return bounds, paths[order], values[order]


#: arXiv 2603.21690, Table 3 ("Monte Carlo simulation model parameters", p. 12).
PAPER_TABLE3 = JumpDiffusionModel(
    kappa=2.5, theta0=math.log(2.0), beta=-0.35, sigma=0.40, lam=3.0, mu_j=0.10, sigma_j=0.25,
    gamma=0.08, season_period=1.0, label="arXiv 2603.21690 Table 3",
)
