"""Level shifts in log volume (a team migrating models or providers), found by forward selection.

Model: ``log y_t = a + g t + (other regressors) + sum_j d_j 1[t >= tau_j] + e_t``. Shifts are
added one at a time: for each allowed position ``tau`` the model with the shift is fitted by least
squares, the position with the smallest residual sum of squares ``RSS`` is kept if it lowers

    BIC = n ln(RSS / n) + k ln n,

where ``k`` counts the regression coefficients plus :data:`SHIFT_PARAMETERS` (4) per shift, and
the search stops at the first shift that does not lower it, or at ``max_shifts``. Four, not the
plain BIC's two (size and position), because the best of ~20 candidate positions is always
chosen: with 2 a pure-noise trend (noise 5% a month) shows a false shift 36%, 28%, 21%, 16% of the
time at 12, 18, 24, 36 months; with 4 it is 6%, 2%, 1.5%, 0.3%, while a 25% shift at mid-series
(5 noise standard deviations) is still found 66%, 82%, 92%, 97% of the time (400 simulated series
each, seeded; the test suite re-checks the 24-month false rate). This is
greedy forward selection (binary segmentation of the trend residuals with re-fitting; Bai and
Perron 2003, "Computation and analysis of multiple structural change models", J. Applied
Econometrics 18(1), discuss the exact alternative). A shift must leave at least ``min_gap``
months on each side and between shifts, so a migration in the last ``min_gap - 1`` months cannot
be seen yet.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

from hedging.errors import InputError

#: BIC parameters charged per shift (size, position and a search allowance; module docstring).
SHIFT_PARAMETERS = 4
_RSS_FLOOR = 1e-18  # per month, squared log units: a perfect fit is not "improved" by a shift


def step_columns(n: int, positions: tuple[int, ...]) -> np.ndarray:
    """Indicator columns ``1[t >= tau_j]`` for ``t = 0..n-1``, shape ``(n, len(positions))``."""
    t = np.arange(n)[:, None]
    return (t >= np.asarray(positions, dtype=int)[None, :]).astype(float).reshape(n, -1)


def _rss(design: np.ndarray, x: np.ndarray) -> float:
    coef = np.linalg.lstsq(design, x, rcond=None)[0]
    r = x - design @ coef
    return float(r @ r)


def _bic(rss: float, n: int, k: int) -> float:
    return n * math.log(max(rss, _RSS_FLOOR * n) / n) + k * math.log(n)


def detect_level_shifts(y: ArrayLike, max_shifts: int = 2, min_gap: int = 3, *,
                        regressors: ArrayLike | None = None) -> tuple[int, ...]:
    """Positions of level shifts in log volume, by BIC-penalised forward selection.

    Parameters
    ----------
    y : array_like
        Monthly volumes, all > 0 (logs are taken here), oldest first.
    max_shifts : int
        Largest number of shifts to report (2).
    min_gap : int
        Fewest months before the first shift, after the last, and between two shifts (3).
    regressors : array_like, optional
        Extra columns of the base model, shape ``(n, k)`` (e.g. Fourier terms, calendar).

    Returns
    -------
    tuple of int
        Sorted month positions ``tau``: the first month at each new level. Empty when no shift
        lowers the BIC or the series is shorter than ``2 min_gap + 4`` months.

    Examples
    --------
    ``y = 100 exp(0.05 t)`` for ``t < 12`` and ``150 exp(0.05 t)`` after (24 months) gives
    ``(12,)``: the shift is ``ln 1.5 = 0.405`` in log units.
    """
    x = np.log(np.asarray(y, dtype=float))
    if x.ndim != 1 or not np.all(np.isfinite(x)):
        raise InputError("`y` must be a 1-D array of positive monthly volumes.", column="y",
                         fix="Drop zero or missing months before detecting level shifts.")
    for name, value, low in (("max_shifts", max_shifts, 0), ("min_gap", min_gap, 1)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
            raise InputError(f"`{name}` must be a whole number >= {low}.", column=name,
                             value=value, fix="Use the defaults max_shifts=2, min_gap=3.")
    n = x.size
    t = np.arange(n, dtype=float)
    base = np.column_stack([np.ones(n), t - t.mean()])
    if regressors is not None:
        extra = np.asarray(regressors, dtype=float).reshape(n, -1)
        base = np.column_stack([base, extra])
    if n < 2 * min_gap + 4 or max_shifts == 0:
        return ()
    chosen: tuple[int, ...] = ()
    best_bic = _bic(_rss(base, x), n, base.shape[1])
    for _ in range(max_shifts):
        k = base.shape[1] + SHIFT_PARAMETERS * (len(chosen) + 1)
        if n - k < 2:
            break
        candidates = [tau for tau in range(min_gap, n - min_gap + 1)
                      if all(abs(tau - s) >= min_gap for s in chosen)]
        if not candidates:
            break
        scored = []
        for tau in candidates:
            positions = chosen + (tau,)
            design = np.column_stack([base, step_columns(n, positions)])
            scored.append((_rss(design, x), tau))
        rss, tau = min(scored)
        bic = _bic(rss, n, k)
        if bic >= best_bic:
            break
        best_bic, chosen = bic, tuple(sorted(chosen + (tau,)))
    return chosen
