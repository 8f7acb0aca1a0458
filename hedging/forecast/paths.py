"""Simulated volume paths, their summary (:class:`VolumeForecast`) and the shared input checks.

Every volume model in this package works on the natural log of monthly volume (tokens or
GPU-hours per calendar month), simulates ``n_paths`` log paths over the horizon, and hands them
to :func:`summarise_paths`, which exponentiates them (so volumes are positive) and stores the
point forecast, the Monte Carlo mean and the central prediction intervals at
:data:`INTERVAL_LEVELS`.

Months are integer positions: ``y[0]`` is the first month of history, ``y[n - 1]`` the last, and
forecast month ``h = 1..H`` has position ``n - 1 + h``. Calendar regressors (e.g. weekend days and
days in each month) are computed by the caller for the history and the horizon.

Quantiles are the product's one definition, :func:`hedging.risk.quantile` (the lower empirical
quantile, Hyndman and Fan 1996, definition 1); a
central ``L``% interval runs from the ``(1 - L/100)/2`` to the ``(1 + L/100)/2`` quantile of the
paths, so the 50% interval lies inside the 80% one, which lies inside the 95% one.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike

from hedging.risk import quantile
from hedging.errors import HedgingWarning, InputError, ModelError

#: Central prediction-interval levels (percent) stored on every forecast.
INTERVAL_LEVELS = (50, 80, 95)
#: Histories shorter than this many months are forecast by the drift model with wide intervals.
SHORT_HISTORY = 6
#: Default number of simulated paths.
DEFAULT_PATHS = 10_000
#: Seasonal period of monthly data.
MONTHS_PER_YEAR = 12


@dataclass(frozen=True)
class VolumeForecast:
    """Forecast of monthly volume: point, Monte Carlo mean, intervals and the simulated paths.

    Attributes
    ----------
    model : str
        Model that produced the paths (``"seasonal_naive"``, ``"damped_trend"``, ``"loglinear"``
        or ``"drift"`` for short histories).
    horizon : int
        Number of forecast months ``H``.
    start : int
        Month position of the first forecast month (the length of the history passed to ``fit``).
    point : tuple of float
        The model's point forecast in volume units: ``exp`` of its log-scale forecast, which is the
        median of the predictive distribution when log innovations are symmetric.
    mean : tuple of float
        Monte Carlo mean of the simulated volumes (the expected volume, above ``point`` because
        ``E[exp(X)] > exp(E[X])``).
    intervals : tuple of (level, lower, upper)
        For each level in :data:`INTERVAL_LEVELS`, the lower and upper bounds (tuples of length
        ``H``) of the central interval of the paths. ``lower`` and ``upper`` give them as dicts.
    n_paths, seed : int, int or None
        Simulation size and the integer seed used (None when none or a Generator was given).
    warnings : tuple of HedgingWarning
        Soft problems met while fitting or forecasting.

    Notes
    -----
    The path array is kept (``paths()``) for the spend Monte Carlo, but is excluded from equality
    and hashing, which use the summary fields only.
    """

    model: str
    horizon: int
    start: int
    point: tuple[float, ...]
    mean: tuple[float, ...]
    intervals: tuple[tuple[int, tuple[float, ...], tuple[float, ...]], ...]
    n_paths: int
    seed: int | None
    warnings: tuple[HedgingWarning, ...] = ()
    _paths: np.ndarray | None = field(default=None, compare=False, repr=False)

    @property
    def lower(self) -> dict[int, tuple[float, ...]]:
        """Lower interval bounds by level: ``forecast.lower[80]`` (volume units)."""
        return {level: lo for level, lo, _ in self.intervals}

    @property
    def upper(self) -> dict[int, tuple[float, ...]]:
        """Upper interval bounds by level: ``forecast.upper[95]`` (volume units)."""
        return {level: hi for level, _, hi in self.intervals}

    def interval(self, level: int) -> tuple[np.ndarray, np.ndarray]:
        """``(lower, upper)`` arrays of the central ``level``% interval."""
        for lev, lo, hi in self.intervals:
            if lev == level:
                return np.array(lo), np.array(hi)
        raise InputError(f"no {level}% interval is stored.", column="level", value=level,
                         fix=f"Use one of {INTERVAL_LEVELS}.")

    def paths(self) -> np.ndarray:
        """The simulated volumes, shape ``(n_paths, horizon)``, as a fresh copy."""
        if self._paths is None:
            raise ModelError("this forecast was built without paths; forecast again to simulate.")
        return self._paths.copy()


@dataclass(frozen=True, eq=False)
class History:
    """A checked history: positive volumes, their logs, calendar columns and warnings.

    ``offset`` leading zero months were dropped; ``length`` is the original length, which is the
    month position of the first forecast month.
    """

    values: np.ndarray
    logs: np.ndarray
    calendar: np.ndarray | None
    calendar_names: tuple[str, ...]
    offset: int
    length: int
    warnings: tuple[HedgingWarning, ...]

    @property
    def n(self) -> int:
        return int(self.values.size)


def as_history(y: ArrayLike, calendar: ArrayLike | Mapping | None = None) -> History:
    """Check a monthly volume history and its calendar regressors.

    Volumes must be finite and non-negative with at least one positive month. Leading zero months
    (before adoption) are dropped with a ``leading_zeros`` warning; a zero month after the first
    positive one is set to half the smallest positive volume (``zero_months`` warning), because
    the models work on logs.
    """
    try:
        arr = np.asarray(y, dtype=float)
    except (TypeError, ValueError):
        raise InputError("`y` must be a sequence of monthly volumes (numbers).", column="y",
                         fix="Pass one number per calendar month, oldest first.") from None
    if arr.ndim != 1 or arr.size == 0:
        raise InputError(f"`y` must be a non-empty 1-D array of monthly volumes, got shape "
                         f"{arr.shape}.", column="y",
                         fix="Pass one number per month, oldest first.")
    bad = ~np.isfinite(arr) | (arr < 0)
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        raise InputError(f"month position {pos} of `y` is negative or not a number.", column="y",
                         value=float(arr[pos]), fix="Volumes are usage counts: pass values >= 0.")
    positive = np.flatnonzero(arr > 0)
    if positive.size == 0:
        raise InputError("every month of `y` is zero, so there is nothing to forecast.",
                         column="y", fix="Forecast a series that has some usage.")
    cal, names = as_calendar(calendar, arr.size, "calendar")
    warnings = []
    offset = int(positive[0])
    if offset:
        warnings.append(HedgingWarning(
            "leading_zeros", f"The first {offset} month(s) have zero volume and were left out: the "
            f"model starts at month position {offset}, the first month with usage."))
        arr = arr[offset:]
        cal = None if cal is None else cal[offset:]
    zeros = np.flatnonzero(arr == 0)
    if zeros.size:
        floor = 0.5 * float(arr[arr > 0].min())
        arr = arr.copy()
        arr[zeros] = floor
        warnings.append(HedgingWarning(
            "zero_months", f"{zeros.size} month(s) after the first month with usage have zero "
            f"volume (positions {', '.join(str(int(z) + offset) for z in zeros[:5])}"
            f"{' ...' if zeros.size > 5 else ''}); they were set to {floor:.6g}, half the smallest "
            "positive month, because the models work on log volume."))
    return History(values=arr, logs=np.log(arr), calendar=cal, calendar_names=names,
                   offset=offset, length=offset + arr.size, warnings=tuple(warnings))


def as_calendar(calendar: ArrayLike | Mapping | None, n: int,
                name: str) -> tuple[np.ndarray | None, tuple[str, ...]]:
    """Calendar regressors as an ``(n, k)`` float array and their names.

    ``calendar`` is None, an array of shape ``(n,)`` or ``(n, k)``, or a mapping of column name to
    an array of length ``n`` (e.g. ``{"weekend_days": ..., "days": ...}``).
    """
    if calendar is None:
        return None, ()
    if isinstance(calendar, Mapping):
        names = tuple(str(k) for k in calendar)
        columns = [calendar[k] for k in calendar]
        if not columns:
            return None, ()
    else:
        columns, names = None, ()
    try:
        arr = (np.column_stack([np.asarray(c, dtype=float) for c in columns]) if columns
               else np.asarray(calendar, dtype=float))
    except (TypeError, ValueError):
        raise InputError(f"`{name}` must hold numbers, one row per month.", column=name,
                         fix="Pass e.g. {'weekend_days': [...], 'days': [...]}.") from None
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2 or arr.shape[0] != n:
        raise InputError(f"`{name}` has shape {arr.shape} but needs {n} rows, one per month.",
                         column=name, fix=f"Pass {n} rows, in the same month order as the volumes.")
    if not np.all(np.isfinite(arr)):
        raise InputError(f"`{name}` contains a missing or infinite value.", column=name,
                         fix="Compute the regressors for every month from the calendar.")
    if not names:
        names = tuple(f"calendar_{j}" for j in range(arr.shape[1]))
    return arr, names


def check_horizon(horizon: object) -> int:
    """A horizon in months: a positive integer."""
    if isinstance(horizon, bool) or not isinstance(horizon, (int, np.integer)) or horizon < 1:
        raise InputError("`horizon` must be a whole number of months >= 1.", column="horizon",
                         value=horizon, fix="Use e.g. 12 or 24.")
    return int(horizon)


def future_calendar(calendar_future: ArrayLike | Mapping | None, horizon: int,
                    names: tuple[str, ...]) -> np.ndarray | None:
    """The horizon's calendar regressors, required exactly when the model was fitted with some."""
    if not names:
        return None
    if calendar_future is None:
        raise InputError(f"the model was fitted with calendar regressors {list(names)}, so the "
                         "forecast needs them for the horizon too.", column="calendar_future",
                         fix=f"Pass calendar_future with {horizon} rows and the same columns.")
    arr, fut_names = as_calendar(calendar_future, horizon, "calendar_future")
    if arr.shape[1] != len(names) or (isinstance(calendar_future, Mapping)
                                       and fut_names != names):
        raise InputError(f"`calendar_future` has columns {list(fut_names)} but the model was "
                         f"fitted with {list(names)}.", column="calendar_future",
                         fix="Pass the same regressors, in the same order, for the horizon.")
    return arr


def standard_shocks(shocks: ArrayLike | None, n_paths: int | None, horizon: int,
                    rng: np.random.Generator) -> np.ndarray:
    """The ``(n_paths, horizon)`` standard normal innovations: ``shocks`` or fresh draws."""
    if shocks is None:
        n = DEFAULT_PATHS if n_paths is None else _check_paths(n_paths)
        return rng.standard_normal((n, horizon))
    z = np.asarray(shocks, dtype=float)
    if z.ndim != 2 or z.shape[1] != horizon or z.shape[0] < 1:
        raise InputError(f"`shocks` has shape {z.shape} but must be (n_paths, {horizon}).",
                         column="shocks", fix="Pass one row per path and one column per month.")
    if n_paths is not None and _check_paths(n_paths) != z.shape[0]:
        raise InputError(f"`n_paths` = {n_paths} but `shocks` has {z.shape[0]} rows.",
                         column="n_paths", fix="Leave n_paths out when passing shocks.")
    if not np.all(np.isfinite(z)):
        raise InputError("`shocks` contains a non-finite value.", column="shocks",
                         fix="Pass finite standard normal innovations.")
    return z


def _check_paths(n_paths: object) -> int:
    if isinstance(n_paths, bool) or not isinstance(n_paths, (int, np.integer)) or n_paths < 1:
        raise InputError("`n_paths` must be a whole number >= 1.", column="n_paths",
                         value=n_paths, fix="Use e.g. 10000.")
    return int(n_paths)


def seed_of(seed: int | np.random.Generator | None) -> int | None:
    """The integer seed to record on a forecast (None for a Generator or no seed)."""
    return int(seed) if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool) else None


def summarise_paths(model: str, log_paths: np.ndarray, log_point: np.ndarray, start: int,
                    seed: int | np.random.Generator | None,
                    warnings: tuple[HedgingWarning, ...] = ()) -> VolumeForecast:
    """Exponentiate simulated log volumes and summarise them as a :class:`VolumeForecast`.

    Parameters
    ----------
    model : str
        Model name stored on the result.
    log_paths : numpy.ndarray, shape (n_paths, horizon)
        Simulated log volumes (consumed: exponentiated in place).
    log_point : numpy.ndarray, shape (horizon,)
        The model's point forecast of log volume.
    start : int
        Month position of the first forecast month.
    seed : int, Generator or None
        Seed to record.
    warnings : tuple of HedgingWarning
        Carried onto the result.
    """
    with np.errstate(over="ignore"):
        paths = np.exp(log_paths, out=log_paths)
        point = np.exp(log_point)
    if not (np.all(np.isfinite(paths)) and np.all(np.isfinite(point))):
        raise ModelError(f"the {model} model simulated volumes too large to represent (above "
                         "1e308); the fit has an explosive trend. Check the history for a unit "
                         "change or use a shorter horizon.")
    paths.setflags(write=False)
    probs = []
    for level in INTERVAL_LEVELS:
        tail = (1.0 - level / 100.0) / 2.0
        probs += [tail, 1.0 - tail]
    qs = quantile(paths, probs, axis=0)
    intervals = tuple((level, _tuple(qs[2 * i]), _tuple(qs[2 * i + 1]))
                      for i, level in enumerate(INTERVAL_LEVELS))
    return VolumeForecast(model=model, horizon=int(paths.shape[1]), start=int(start),
                          point=_tuple(point), mean=_tuple(paths.mean(axis=0)),
                          intervals=intervals, n_paths=int(paths.shape[0]), seed=seed_of(seed),
                          warnings=tuple(warnings), _paths=paths)


def empirical_quantile(sorted_values: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Empirical quantile function at probabilities ``u`` (definition 7 of Hyndman and Fan 1996).

    ``Q(u) = x_(i) + f (x_(i+1) - x_(i))`` with ``u (N - 1) = i + f`` over the sorted sample
    ``x_(0) <= ... <= x_(N-1)``; ``Q(0)`` is the minimum and ``Q(1)`` the maximum. Example:
    sample (1, 2, 4), ``u = 0.75``: position 1.5, so 3.0.
    """
    x = np.asarray(sorted_values, dtype=float)
    if x.size == 1:
        return np.full(np.shape(u), x[0])
    pos = np.clip(u, 0.0, 1.0) * (x.size - 1)
    i = np.minimum(pos.astype(np.int64), x.size - 2)
    frac = pos - i
    return x[i] + frac * (x[i + 1] - x[i])


def _tuple(a: np.ndarray) -> tuple[float, ...]:
    return tuple(float(v) for v in a)


def log_growth_text(g: float) -> str:
    """A monthly log growth as a percentage per month, e.g. 0.0488 -> '+5.0%/month'."""
    return f"{math.expm1(g) * 100:+.1f}%/month"
