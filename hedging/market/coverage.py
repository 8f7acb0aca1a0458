"""Simulation study of the calibration: do its 95% intervals contain the truth?

Histories are simulated from a known model on a daily calendar grid and turned into the three
kinds of history the app sees: daily prints, monthly prints (the month's first day) and monthly
averages (the log of the mean of the month's daily prices). Each is calibrated two ways:

* ``"before"``: every value read as a point print, standard errors from the inverse Hessian,
  no bias correction (the method before monthly averages and the bootstrap were added);
* ``"after"``: monthly averages through their own likelihood, bootstrap standard errors and the
  bootstrap bias correction of ``kappa`` (:func:`hedging.market.calibrate.calibrate`).

Two intervals are counted on the same fits: the fit's 95% confidence interval
(:meth:`~hedging.market.calibrate.Calibration.confidence_interval`: for ``"after"`` the profile
likelihood interval calibrated on the bootstrap histories, for ``"before"`` ``estimate +/- 1.96
SE``) in ``hits``, and ``estimate +/- z SE`` in ``hits_se``.

Both use fits without jumps (``jumps=False``), so the truth must have ``lam = 0``: every reported
parameter then has a true value to cover. :func:`jump_coverage_study` does the same for the fit
with jumps (daily prints of a truth with ``lam > 0``), whose standard errors come from the inverse
Hessian: the bootstrap is not run for jump fits.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from hedging.errors import ModelError
from hedging.market.calibrate import calibrate
from hedging.market.model import DAYS_PER_YEAR, JumpDiffusionModel

STUDIED = ("kappa", "theta0", "beta", "sigma", "gamma")
STUDIED_JUMPS = STUDIED + ("lam", "mu_j", "sigma_j")
KINDS = ("daily", "monthly_point", "monthly_average")


@dataclass(frozen=True)
class Design:
    """``n_obs`` observations of one kind (``daily``, ``monthly_point`` or ``monthly_average``)."""

    kind: str
    n_obs: int

    @property
    def label(self) -> str:
        unit = "days" if self.kind == "daily" else "months"
        what = {"daily": "daily prints", "monthly_point": "monthly prints",
                "monthly_average": "monthly averages"}[self.kind]
        return f"{what}, {self.n_obs} {unit}"


@dataclass(frozen=True)
class CoverageResult:
    design: Design
    method: str
    reps: int                        # histories simulated
    fitted: int                      # histories whose fit succeeded
    hits: dict[str, int]             # truth inside the fit's 95% confidence interval
    kappa_mean: float                # mean reported kappa over the fitted histories
    kappa_mle_mean: float            # mean uncorrected maximum-likelihood kappa
    hits_se: dict[str, int] | None = None      # truth inside estimate +/- z SE
    widths: dict[str, float] | None = None     # median width of the 95% interval
    widths_se: dict[str, float] | None = None  # median width of estimate +/- z SE

    def coverage(self, name: str) -> float:
        """Share of the histories whose 95% interval contains the true value."""
        return self.hits[name] / self.reps

    def coverage_se(self, name: str) -> float:
        """Share of the histories whose ``estimate +/- z SE`` contains the true value."""
        return (self.hits_se or {}).get(name, 0) / self.reps


class _Tally:
    """Hits and widths of both intervals, per parameter, over the fitted histories."""

    def __init__(self, names, z: float):
        self.names, self.z = names, z
        self.hits, self.hits_se = dict.fromkeys(names, 0), dict.fromkeys(names, 0)
        self.width, self.width_se = {k: [] for k in names}, {k: [] for k in names}

    def add(self, fit, truth: JumpDiffusionModel) -> None:
        for name in self.names:
            true = getattr(truth, name)
            low, high = fit.confidence_interval(name)
            if math.isfinite(low) and math.isfinite(high):
                self.hits[name] += int(low <= true <= high)
                self.width[name].append(high - low)
            low, high = fit.confidence_interval(name, z=self.z)
            if math.isfinite(low) and math.isfinite(high):
                self.hits_se[name] += int(low <= true <= high)
                self.width_se[name].append(high - low)

    def widths(self, which) -> dict[str, float]:
        return {k: float(np.median(v)) if v else math.nan for k, v in which.items()}


def design_history(design: Design, model: JumpDiffusionModel, x0: float, n_paths: int, seed: int):
    """``(times, log values (n_paths, n_obs), window_days or None)`` for ``design``."""
    if design.kind not in KINDS:
        raise ModelError(f"unknown kind of history {design.kind!r}; use one of {KINDS}.")
    if design.kind == "daily":
        times = np.arange(design.n_obs) / DAYS_PER_YEAR
        return times, model.simulate(x0, times, n_paths, seed), None
    months = pd.date_range("2023-01-01", periods=design.n_obs + 1, freq="MS")
    first_day = np.array([(m - months[0]).days for m in months])
    days = np.diff(first_day)
    grid = np.arange(first_day[-1]) / DAYS_PER_YEAR
    prices = model.simulate_prices(x0, grid, n_paths, seed)
    times = first_day[:-1] / DAYS_PER_YEAR
    if design.kind == "monthly_point":
        return times, np.log(prices[:, first_day[:-1]]), None
    sums = np.add.reduceat(prices, first_day[:-1], axis=1)
    return times, np.log(sums / days), days


def coverage_study(truth: JumpDiffusionModel, design: Design, method: str, reps: int,
                   n_boot: int = 100, seed: int = 1, z: float = 2.0) -> CoverageResult:
    """Simulate ``reps`` histories from ``truth`` (seeded) and count, per parameter, how often
    the fit's 95% confidence interval, and ``estimate +/- z SE``, contain the true value (a
    failed fit or a NaN bound counts as a miss)."""
    if truth.lam != 0.0:
        raise ModelError("the coverage study fits without jumps; give a truth with lam = 0.")
    if method not in ("before", "after"):
        raise ModelError(f"unknown method {method!r}; use 'before' or 'after'.")
    times, logs, days = design_history(design, truth, truth.theta0, reps, seed)
    tally = _Tally(STUDIED, z)
    kappas, kappa_mles = [], []
    for r in range(reps):
        try:
            if method == "before":
                fit = calibrate(times, logs[r], jumps=False, bootstrap=0)
            else:
                fit = calibrate(times, logs[r], jumps=False, window_days=days,
                                bootstrap=n_boot, seed=seed * 100_003 + r)
        except ModelError:
            continue
        kappas.append(fit.model.kappa)
        kappa_mles.append(fit.kappa_mle if math.isfinite(fit.kappa_mle) else fit.model.kappa)
        tally.add(fit, truth)
    return CoverageResult(design, method, reps, len(kappas), tally.hits,
                          float(np.mean(kappas)) if kappas else math.nan,
                          float(np.mean(kappa_mles)) if kappa_mles else math.nan,
                          tally.hits_se, tally.widths(tally.width), tally.widths(tally.width_se))


def jump_coverage_study(truth: JumpDiffusionModel, n_days: int, reps: int, seed: int = 1,
                        z: float = 2.0, refits: int = 0, n_boot: int = 0) -> CoverageResult:
    """Simulate ``reps`` daily histories of ``n_days`` from ``truth`` (with jumps, seeded), fit each
    with jumps (``jumps=True``: the likelihood-ratio gate is not applied, so every parameter has a
    fitted value) and count how often the fit's 95% interval (``hits``) and ``estimate +/- z SE``
    (``hits_se``) contain the true value of each of :data:`STUDIED_JUMPS` (a failed fit or a NaN
    bound counts as a miss). ``refits`` > 0: bootstrap intervals from that many refits per fit
    (``calibrate(..., jump_refits=refits)``); ``n_boot`` > 0: quasi-likelihood-ratio intervals
    for kappa, theta0, beta and gamma from that many paths per grid point (``bootstrap=n_boot``);
    both 0: inverse Hessian."""
    if truth.lam <= 0.0:
        raise ModelError("the jump coverage study needs a truth with jumps (lam > 0).")
    design = Design("daily", n_days)
    times, logs, _ = design_history(design, truth, truth.theta0, reps, seed)
    tally = _Tally(STUDIED_JUMPS, z)
    kappas = []
    for r in range(reps):
        try:
            fit = calibrate(times, logs[r], jumps=True, bootstrap=n_boot, jump_refits=refits,
                            seed=seed * 100_003 + r)
        except ModelError:
            continue
        kappas.append(fit.model.kappa)
        tally.add(fit, truth)
    mean = float(np.mean(kappas)) if kappas else math.nan
    method = (f"jumps, {refits} refits" if refits else f"jumps, {n_boot} paths" if n_boot
              else "jumps, Hessian")
    return CoverageResult(design, method, reps, len(kappas), tally.hits, mean, mean, tally.hits_se,
                          tally.widths(tally.width), tally.widths(tally.width_se))


__all__ = ["STUDIED", "STUDIED_JUMPS", "CoverageResult", "Design", "coverage_study", "design_history",
           "jump_coverage_study"]
