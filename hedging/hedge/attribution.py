"""What the hedge did not remove: the remaining variance of hedged spend, attributed to its sources.

On simulated paths ``i`` the hedged spend over the horizon is

    H_i = sum_l V_il P_il - sum_k q_k L_k (S_ik - E_ik) + O_i

over exposure lines ``l`` (one underlying in one month: volume ``V``, the company's unit price
``P``, the index's monthly average ``A``) and contracts ``k`` (lots ``q``, lot size ``L``,
settlement ``S``, entry price ``E``); ``O`` is everything no source below changes (trading costs,
cap payoffs, the layered programme's later entry prices).

Each source has a counterfactual in which it is switched off:

* ``volume``: every line's volume at its expected path ``mean_i V_il``;
* ``basis``: the company's price replaced by the part of it the index explains on these paths,
  ``P* = mean P_l + b_l (A_l - mean A_l)`` with ``b_l = Cov(P_l, A_l) / Var(A_l)`` (the least-squares
  line in levels): what is left of the price, ``P - P*``, is uncorrelated with the index and no
  futures position offsets it;
* ``timing``: each contract settles on its month's average index ``A`` instead of ``S`` (a
  point-settled contract's one day against the month the company pays for);
* ``rounding``: the program's positions made exact: whole lots moved by the fractions (at most half
  a lot either way) that minimise the variance of ``H``;
* ``exclusions``: nothing left unhedged by choice (the program the policy builds without
  exclusions, and the full exposure for the cover below);
* ``cover``: the hedge ratio the policy chose: switched off, each line with a contract is covered
  in full, ``sum_{k in l} q_k L_k = mean V_l x b_l`` (the index-driven part of the expected
  spend, in index units; negative, a short hedge, where the price moves against the index).

With every source off ``H`` is the expected spend plus ``O`` on lines that have a contract, so
what is left (months without a listed contract and ``O``) is the named residual. The variance
``v(S) = Var(H)`` of the world where the sources in ``S`` are on is shared out by the Shapley value

    phi_j = sum_{S not containing j} |S|! (n - |S| - 1)! / n! x (v(S + j) - v(S)),

the average over all ``n!`` orders of switching the sources on one at a time of what each adds,
so the result does not depend on an order, and ``sum_j phi_j + v({}) = v(all)`` holds exactly
(Shapley 1953, "A value for n-person games", Contributions to the Theory of Games II, 307-317).
A part can be negative: a source that offsets another (a basis that moves against the index
makes a full cover worse, so a lower hedge ratio then *removes* variance).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from hedging.errors import InputError

SOURCES: tuple[str, ...] = ("volume", "basis", "timing", "rounding", "exclusions", "cover")
RESIDUAL = "residual"


def shapley(players: Sequence[str], value: Callable[[frozenset], float]) -> dict[str, float]:
    """Shapley value of each player for the game ``value(coalition)`` (all ``2^n`` coalitions
    evaluated once). ``sum(phi) = value(all) - value({})`` exactly."""
    players = tuple(players)
    n = len(players)
    if len(set(players)) != n:
        raise InputError("each source may appear only once.", value=players, fix="Drop the repeated source.")
    cache = {frozenset(c): float(value(frozenset(c)))
             for r in range(n + 1) for c in itertools.combinations(players, r)}
    out = {}
    for j in players:
        others = [p for p in players if p != j]
        total = 0.0
        for r in range(n):
            weight = math.factorial(r) * math.factorial(n - r - 1) / math.factorial(n)
            for c in itertools.combinations(others, r):
                s = frozenset(c)
                total += weight * (cache[s | {j}] - cache[s])
        out[j] = total
    return out


def sequential(order: Sequence[str], value: Callable[[frozenset], float]) -> dict[str, float]:
    """What each player adds when they are switched on in ``order`` (one order of the Shapley average)."""
    out, on = {}, frozenset()
    before = float(value(on))
    for j in order:
        on = on | {j}
        after = float(value(on))
        out[j] = after - before
        before = after
    return out


@dataclass(frozen=True, eq=False)
class Exposure:
    """The arrays of one program on its simulated paths (USD unless stated).

    volume, price, index : (n_paths, lines)   volume, company unit price, index monthly average
    share : (lines,)                          hedgeable share of each line under the user's exclusions
    line : (contracts,)                       the line each contract hedges
    settlement, entry : (n_paths, contracts)  what each contract settles on and its entry price
    lot_size : (contracts,)
    lots : (contracts,)                       the program's whole lots (0 on excluded contracts)
    lots_all : (contracts,)                   the lots the policy holds with nothing excluded
    other : (n_paths,)                        hedged spend no source changes (costs, caps, layer prices)
    """

    volume: np.ndarray
    price: np.ndarray
    index: np.ndarray
    share: np.ndarray
    line: np.ndarray
    settlement: np.ndarray
    entry: np.ndarray
    lot_size: np.ndarray
    lots: np.ndarray
    lots_all: np.ndarray
    other: np.ndarray

    def __post_init__(self):
        n, n_lines = np.shape(self.volume)
        for name in ("price", "index"):
            if np.shape(getattr(self, name)) != (n, n_lines):
                raise InputError(f"`{name}` must have one column per exposure line, like `volume`.", column=name,
                                 value=np.shape(getattr(self, name)), fix="Build every array from the same paths.")
        k = len(self.line)
        for name in ("settlement", "entry"):
            if np.shape(getattr(self, name)) != (n, k):
                raise InputError(f"`{name}` must have one column per contract.", column=name,
                                 value=np.shape(getattr(self, name)), fix="Build every array from the same paths.")
        if np.any(np.asarray(self.index) <= 0):
            raise InputError("the index must be positive on every path.", column="index",
                             fix="Check the simulation that produced it.")


def index_slope(e: Exposure) -> np.ndarray:
    """``b_l = Cov(P_l, A_l) / Var(A_l)`` per line (0 where the index does not vary)."""
    p = e.price - e.price.mean(axis=0)
    a = e.index - e.index.mean(axis=0)
    var = np.einsum("ij,ij->j", a, a)
    return np.where(var > 0, np.einsum("ij,ij->j", p, a) / np.where(var > 0, var, 1.0), 0.0)


class _Worlds:
    """The pieces every world is made of, computed once: spend with volume and basis real or not,
    the P&L per lot with or without the timing, and the lots of each hedge."""

    def __init__(self, e: Exposure, basis_lines: np.ndarray | None = None):
        self.e = e
        self.slope = index_slope(e)
        fitted = e.price.mean(axis=0) + self.slope * (e.index - e.index.mean(axis=0))
        if basis_lines is not None:
            fitted = np.where(basis_lines, fitted, e.price)
        mean_volume = e.volume.mean(axis=0)
        self.spend = {(v, b): np.einsum("ij,ij->i", e.volume, p) if v else p @ mean_volume
                      for v in (True, False) for b, p in ((True, e.price), (False, fitted))}
        self.per_lot = {True: (e.settlement - e.entry) * e.lot_size,
                        False: (e.index[:, e.line] - e.entry) * e.lot_size}
        per_line = np.bincount(e.line, minlength=e.volume.shape[1])[e.line]
        self.full = {x: mean_volume[e.line] * self.slope[e.line] * (e.share[e.line] if x else 1.0)
                     / e.lot_size / per_line for x in (True, False)}
        self.exact = None

    def lots(self, on: frozenset) -> np.ndarray:
        x = "exclusions" in on
        if "cover" not in on:
            return np.rint(self.full[x]) if "rounding" in on else self.full[x]
        if "rounding" in on:
            return np.asarray(self.e.lots if x else self.e.lots_all, float)
        if self.exact is None:
            self.exact = exact_lots(self.e)
        return self.exact[0 if x else 1]

    def total(self, on: frozenset, lots: np.ndarray | None = None) -> np.ndarray:
        q = self.lots(on) if lots is None else np.asarray(lots, float)
        return self.spend[("volume" in on, "basis" in on)] - self.per_lot["timing" in on] @ q + self.e.other


def hedged_total(e: Exposure, on: frozenset, exact: tuple[np.ndarray, np.ndarray] | None = None,
                 basis_lines: np.ndarray | None = None, lots: np.ndarray | None = None) -> np.ndarray:
    """Hedged spend per path in the world where the sources in ``on`` are real and the rest are off.

    ``exact`` = (lots, lots_all) made exact (rounding off; computed when needed); ``basis_lines``
    limits the basis counterfactual to those lines (bool mask), for telling which underlying's
    basis matters; ``lots`` overrides the position."""
    worlds = _Worlds(e, basis_lines)
    worlds.exact = exact
    return worlds.total(on, lots)


def exact_lots(e: Exposure) -> tuple[np.ndarray, np.ndarray]:
    """The program's lots (and the no-exclusion lots) moved by the fractions of a lot, at most half
    a lot either way and never below zero, that minimise ``Var(H)`` with every other source real."""
    x_raw = (e.settlement - e.entry) * e.lot_size
    x = x_raw - x_raw.mean(axis=0)
    n = x.shape[0]
    a = x.T @ x / (n - 1)
    out = []
    for lots in (np.asarray(e.lots, float), np.asarray(e.lots_all, float)):
        base = e.other + np.einsum("ij,ij->i", e.volume, e.price) - x_raw @ lots
        b = x.T @ (base - base.mean()) / (n - 1)
        lo, hi = np.maximum(-0.5, -lots), np.full(len(lots), 0.5)
        d = np.zeros(len(lots))
        for _ in range(200):  # coordinate descent on the box-constrained quadratic
            moved = 0.0
            for k in np.flatnonzero(np.diag(a) > 0):
                new = float(np.clip(d[k] + (b[k] - a[k] @ d) / a[k, k], lo[k], hi[k]))
                moved = max(moved, abs(new - d[k]))
                d[k] = new
            if moved < 1e-10:
                break
        out.append(lots + d)
    return out[0], out[1]


@dataclass(frozen=True)
class Attribution:
    """The remaining variance of hedged spend (USD^2) and its parts; ``parts`` holds every source
    and the residual, and sums to ``total`` exactly."""

    total: float
    parts: dict

    @property
    def sd(self) -> float:
        return math.sqrt(max(self.total, 0.0))

    def share(self, source: str) -> float:
        return self.parts[source] / self.total if self.total > 0 else 0.0

    def sd_part(self, source: str) -> float:
        """The part's contribution to the standard deviation, USD: ``part / sd`` (these sum to ``sd``)."""
        return self.parts[source] / self.sd if self.total > 0 else 0.0

    def largest(self) -> str:
        return max(self.parts, key=lambda s: self.parts[s])


def attribute(e: Exposure, sources: Sequence[str] = SOURCES) -> Attribution:
    """Shapley attribution of ``Var(H)`` to ``sources`` (any order of :data:`SOURCES`); the
    variance with every source off is the residual."""
    unknown = [s for s in sources if s not in SOURCES]
    if unknown or len(sources) != len(SOURCES):
        raise InputError("the attribution needs each source once.", value=tuple(sources),
                         fix="Use " + ", ".join(SOURCES) + ".")
    worlds = _Worlds(e)

    def variance(on: frozenset) -> float:
        return float(np.var(worlds.total(on), ddof=1))

    parts = shapley(sources, variance)
    residual = variance(frozenset())
    parts[RESIDUAL] = residual
    total = variance(frozenset(SOURCES))
    return Attribution(total=total, parts={s: parts[s] for s in (*SOURCES, RESIDUAL)})


def basis_part_by_line_group(e: Exposure, groups: dict[str, np.ndarray]) -> dict[str, float]:
    """How much the remaining variance falls when only one group of lines (an underlying) loses
    its basis, every other source real: tells whose price moved against its index."""
    everything = frozenset(SOURCES)
    total = float(np.var(_Worlds(e).total(everything), ddof=1))
    return {g: total - float(np.var(_Worlds(e, mask).total(everything - {"basis"}), ddof=1))
            for g, mask in groups.items()}
