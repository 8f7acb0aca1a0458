"""Coherent drill-downs: make child forecasts (by provider, team, model) add up to the total.

Two-level hierarchy: a total and ``k`` children, ``y_total = sum_i y_i``. Forecasts made
separately do not add up. With the summing matrix ``S = [1'; I_k]`` (``(k + 1) x k``) and base
forecasts ``y_hat = (total, child_1, ..., child_k)``, the OLS reconciliation of Hyndman, Ahmed,
Athanasopoulos and Shang (2011), "Optimal combination forecasts for hierarchical time series",
Computational Statistics and Data Analysis 55(9), 2579-2589, is the orthogonal projection
``y_tilde = S (S'S)^{-1} S' y_hat``. For two levels ``(S'S)^{-1} = I - 11'/(k + 1)``, so

    child_i_tilde = child_i + (total - sum_j child_j) / (k + 1),
    total_tilde   = sum_i child_i_tilde = (k total + sum_j child_j) / (k + 1):

the gap between the total and the sum of the children is shared equally by the ``k + 1`` nodes.
Applied path by path (and month by month) it is linear, so the mean of the reconciled paths is
the reconciliation of the means.

The equal share can push a small child below zero. ``method="ols"`` then falls back, in those
cells only, to splitting the OLS total in proportion to the base children; ``method=
"proportional"`` keeps the base total everywhere and splits it in proportion to the children
(top-down with forecast proportions), equally when all children are zero. Either way the
children are non-negative and the returned total is their sum.

Reconciling paths pairs path ``p`` of the total with path ``p`` of each child, so the paths
should come from a common simulation (e.g. the same ``shocks``) when their joint behaviour
matters; the means reconcile whatever the pairing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from hedging.errors import HedgingWarning, InputError

METHODS = ("ols", "proportional")


@dataclass(frozen=True, eq=False)
class Reconciled:
    """Reconciled total and children (arrays, so compared by identity: ``eq=False``).

    Attributes
    ----------
    method : str
        ``"ols"`` or ``"proportional"``.
    total : numpy.ndarray
        Reconciled total, the shape of the input total; equal to ``children.sum(axis=0)``.
    children : numpy.ndarray
        Reconciled children, shape ``(k,) + total.shape``, all >= 0.
    n_fallback : int
        Cells (path x month) where OLS gave a negative child and the proportional split was used.
    warnings : tuple of HedgingWarning
    """

    method: str
    total: np.ndarray
    children: np.ndarray
    n_fallback: int
    warnings: tuple[HedgingWarning, ...]


def _array(values: ArrayLike, name: str) -> np.ndarray:
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise InputError(f"`{name}` must be an array of volumes.", column=name,
                         fix="Pass the simulated paths, shape (n_paths, months).") from None
    if arr.size == 0 or not np.all(np.isfinite(arr)) or np.any(arr < 0):
        raise InputError(f"`{name}` must be non-empty, finite and >= 0.", column=name,
                         fix="Pass volume paths from a forecast (forecast.paths()).")
    return arr


def proportional_split(total: np.ndarray, children: np.ndarray) -> np.ndarray:
    """``child_i total / sum_j child_j`` (``total / k`` each where every child is 0).

    Example: total 120, children (30, 50): ``(45, 75)``.
    """
    k = children.shape[0]
    sums = children.sum(axis=0)
    safe = np.where(sums > 0, sums, 1.0)
    share = np.where(sums > 0, children / safe, 1.0 / k)
    return share * total


def reconcile(total_paths: ArrayLike, children_paths: ArrayLike | Sequence[ArrayLike],
              method: str = "ols") -> Reconciled:
    """Make child forecasts sum exactly to the total, path by path.

    Parameters
    ----------
    total_paths : array_like
        Total volume paths, e.g. shape ``(n_paths, months)`` (any shape; a 1-D mean works too).
    children_paths : array_like or sequence of array_like
        ``k >= 1`` child paths, each the shape of ``total_paths``.
    method : str
        ``"ols"`` (Hyndman et al. 2011, with a proportional fallback where a child would be
        negative) or ``"proportional"`` (keep the total, split it pro rata).

    Returns
    -------
    Reconciled

    Examples
    --------
    Total 120, children (30, 50), OLS: the gap 40 is shared by 3 nodes, children
    ``(43.33, 63.33)`` and total 106.67; proportional: ``(45, 75)`` and 120.
    """
    if method not in METHODS:
        raise InputError(f"unknown reconciliation method {method!r}.", column="method",
                         value=method, fix=f"Use one of {METHODS}.")
    total = _array(total_paths, "total_paths")
    children = _array(children_paths if not isinstance(children_paths, (list, tuple))
                      else np.stack([np.asarray(c, dtype=float) for c in children_paths]),
                      "children_paths")
    if children.shape[1:] != total.shape:
        raise InputError(f"`children_paths` has shape {children.shape}; each child must have "
                         f"the total's shape {total.shape}.", column="children_paths",
                         fix="Stack one array per child, each shaped like the total's paths.")
    k = children.shape[0]
    warnings = []
    n_fallback = 0
    if method == "proportional":
        out = proportional_split(total, children)
    else:
        gap = (total - children.sum(axis=0)) / (k + 1)
        out = children + gap
        negative = np.any(out < 0, axis=0)
        n_fallback = int(negative.sum())
        if n_fallback:
            ols_total = out.sum(axis=0)
            out = np.where(negative, proportional_split(ols_total, children), out)
            warnings.append(HedgingWarning(
                "negative_children", f"In {n_fallback} of {negative.size} path-months the OLS "
                "reconciliation made a child negative; there the reconciled total was split in "
                "proportion to the children's own forecasts instead."))
    out = np.maximum(out, 0.0)
    return Reconciled(method=method, total=out.sum(axis=0), children=out,
                      n_fallback=n_fallback, warnings=tuple(warnings))
