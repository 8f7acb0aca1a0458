"""Stress scenarios for compute prices and volumes: definitions as data, and how to apply them.

Two kinds of scenario:

* Model-based (the paper's three): a scenario changes parameters of the price model
  (:class:`~hedging.market.model.JumpDiffusionModel`); :func:`stressed_model` returns the changed
  model. Each override is ``(operation, value)`` with operation ``"add"``, ``"times"`` or
  ``"set"``, so a scenario written against Table 3 also bends a model calibrated to another
  index in the same direction. The level is anchored: ``theta0`` is shifted so that the
  long-run mean at the valuation time ``t_now`` is unchanged, and the caller simulates from its
  current log index ``x0``; the scenario changes the path from now on, not the starting point.
* Deterministic (house stress tests): simulated index or volume paths are multiplied by a ramp,
  :func:`shock_paths`. For forecast month ``k = 1, 2, ...`` (column ``k - 1`` of an
  ``(n_paths, months)`` array) the factor is

      f_k = 1 + (target - 1) min(k, L) / L,  exactly ``target`` from month L on,

  with ``L = 3`` months here. "Price doubles within a quarter": 4/3, 5/3, 2, 2, ...

Worked numbers (Table 3, ``x0 = ln 2``, ``t_now = 0``; closed-form futures = expected index):
12-month expected price $1.814/M in the baseline, $4.131/M under the demand explosion and
$1.043/M under accelerated technology progress; 36-month: $0.918, $8.423 and $0.134.

Reference: Y. Xing (2026), arXiv 2603.21690 v1: Table 3, §8.2 (three scenarios named, no
parameters given), §8.3, §3.3, §7 and Figure 3 (the sources of each choice, cited per scenario).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Mapping

import numpy as np

from hedging.errors import InputError, ModelError
from hedging.market.model import JumpDiffusionModel

__all__ = ["Ramp", "REGRET_SCENARIOS", "STRESS_SCENARIOS", "Scenario", "apply_scenario", "scenario_by_name", "stressed_daily",
           "shock_paths", "stressed_model"]

OPERATIONS = ("add", "times", "set")
_OVERRIDABLE = ("kappa", "beta", "sigma", "lam", "mu_j", "sigma_j", "gamma", "season_period",
                "risk_premium")


@dataclass(frozen=True)
class Ramp:
    """A multiplier ramping linearly from 1 (now) to ``target`` at month ``months``, then flat.

    ``factors(n)[k - 1] = 1 + (target - 1) min(k, months) / months``; exactly ``target`` from
    month ``months`` on. Worked number: ``Ramp(2.0).factors(4)`` = 4/3, 5/3, 2, 2.
    """

    target: float
    months: int = 3

    def __post_init__(self) -> None:
        if not (isinstance(self.target, (int, float)) and math.isfinite(self.target)
                and self.target > 0):
            raise InputError("a ramp's target multiplier must be a positive number.",
                             column="target", value=self.target, fix="Use e.g. 2.0 or 0.4.")
        if not (isinstance(self.months, int) and self.months >= 1):
            raise InputError("a ramp lasts a whole number of months (>= 1).", column="months",
                             value=self.months, fix="Use e.g. 3 for a quarter.")

    def factors(self, n_months: int) -> np.ndarray:
        """Multipliers for forecast months 1..n_months, shape ``(n_months,)``."""
        k = np.arange(1, int(n_months) + 1)
        ramp = 1.0 + (self.target - 1.0) * k / self.months
        return np.where(k >= self.months, float(self.target), ramp)


@dataclass(frozen=True)
class Scenario:
    """One stress scenario, as data.

    Attributes
    ----------
    name, description, source : str
        Short name, what it assumes and why (every parameter), and where the numbers come from.
    model_overrides : mapping of str to (str, float)
        Price-model parameter -> ``(operation, value)``, operation in ``"add"``, ``"times"``,
        ``"set"``; ``theta0`` cannot be overridden (the level is anchored). Read-only; left out
        of the hash.
    price_shock, volume_multiplier : Ramp or None
        Multipliers applied to simulated index and volume paths.
    """

    name: str
    description: str
    source: str
    model_overrides: Mapping[str, tuple[str, float]] = field(default_factory=dict, hash=False)
    price_shock: Ramp | None = None
    volume_multiplier: Ramp | None = None

    def __post_init__(self) -> None:
        overrides = dict(self.model_overrides)
        for key, spec in overrides.items():
            ok = (key in _OVERRIDABLE and isinstance(spec, tuple) and len(spec) == 2
                  and spec[0] in OPERATIONS and isinstance(spec[1], (int, float))
                  and math.isfinite(spec[1]))
            if not ok:
                raise InputError(f"scenario `{self.name}`: override {key!r}: {spec!r} is not "
                                 "(operation, number) on a model parameter.",
                                 column="model_overrides", value=key,
                                 fix=f"Use a parameter among {_OVERRIDABLE} (not theta0: the "
                                     f"level is anchored) and an operation among {OPERATIONS}.")
        object.__setattr__(self, "model_overrides", MappingProxyType(overrides))

    @property
    def is_model_based(self) -> bool:
        """True when the scenario changes the price model."""
        return bool(self.model_overrides)


BASELINE = Scenario(
    "baseline",
    "Table 3 as published: kappa 2.5, beta -0.35 (long-run level about 30% lower each year), "
    "sigma 0.40, 3 jumps a year of mean +0.10 and sd 0.25, 8% annual season. Nothing is "
    "changed; the paper calls this moderate demand growth.",
    "arXiv 2603.21690 Table 3 and §8.2 ('baseline (moderate demand growth)').",
)
DEMAND_EXPLOSION = Scenario(
    "application-layer demand explosion",
    "The paper's optimistic (VLA) scenario. beta + ln 2 (Table 3: -0.35 -> +0.34): demand "
    "growth outruns cost decline and the long-run level rises about 41% a year. lam x 2 "
    "(3 -> 6 jumps a year): more demand shocks, since a killer app can raise API calls 10-fold "
    "within days. mu_j + 0.10 (0.10 -> 0.20): bigger upward jumps while new data centres take "
    "18-36 months. sigma x 1.25 (0.40 -> 0.50): the paper expects 6-12-month volatility of "
    "50%-60% from application-layer uncertainty. From $2.00 the expected price is $4.13 after "
    "12 months and $8.42 after 36, close to the paper's Figure 3 demand-explosion projection "
    "(1.8 -> 4.0 -> 8.0 $/M over 2026-2028).",
    "Scenario named in arXiv 2603.21690 §8.2 without parameters; the values are this app's "
    "assumption, based on §3.3 (10-fold volume, 18-36-month supply lag), §8.2 finding (2) "
    "(50%-60% medium-term volatility) and Figure 3 (demand-explosion projection).",
    {"beta": ("add", math.log(2.0)), "lam": ("times", 2.0), "mu_j": ("add", 0.10),
     "sigma": ("times", 1.25)},
)
ACCELERATED_TECH = Scenario(
    "accelerated technology progress",
    "The paper's pessimistic scenario. beta - ln 2 (Table 3: -0.35 -> -1.04): the paper's "
    "sensitivity analysis brackets algorithm-efficiency gains at 1.5x to 3x a year; Table 3's "
    "trend is near the 1.5x end (ln(1/1.5) = -0.41), and the 3x end halves costs once more "
    "each year (ln(1.5/3) = -ln 2), passed through to the long-run price. mu_j - 0.10 "
    "(0.10 -> 0.00): with capacity abundant, price jumps are no longer biased upward. From "
    "$2.00 the expected price is $1.04 after 12 months and $0.13 after 36 (baseline $1.81 and "
    "$0.92); the 2023-2025 history in Figure 3 fell faster still (60 -> 2 $/M in two years).",
    "Scenario named in arXiv 2603.21690 §8.2 without parameters; the values are this app's "
    "assumption, based on §8.3 (1.5x-3x annual algorithm efficiency) and Figure 3.",
    {"beta": ("add", -math.log(2.0)), "mu_j": ("add", -0.10)},
)
PRICE_DOUBLES = Scenario(
    "price doubles within a quarter",
    "Every simulated index path is multiplied by a factor ramping linearly from 1 to 2 over "
    "months 1-3 (4/3, 5/3, 2) and staying at 2: a supply squeeze like the 2023 GPU shortage "
    "(H100 prices from about $25,000 to over $40,000) or the paper's demand-explosion "
    "projection (price x2.2 in a year), compressed into one quarter.",
    "House stress test; sizes from arXiv 2603.21690 §7 (GPU shortage) and Figure 3.",
    price_shock=Ramp(2.0, 3),
)
PRICE_FALLS = Scenario(
    "price falls 60%",
    "Every simulated index path is multiplied by a factor ramping linearly from 1 to 0.4 over "
    "months 1-3 (0.8, 0.6, 0.4) and staying at 0.4. The paper's Figure 3 history fell 58% in "
    "two quarters (12 -> 5 $/M from early to mid 2024); this is that pace doubled. A long "
    "hedge loses when prices fall, so this scenario shows the hedge's cost and margin calls.",
    "House stress test; size from arXiv 2603.21690 Figure 3 (2023-2025 price history).",
    price_shock=Ramp(0.4, 3),
)
VOLUME_TRIPLES = Scenario(
    "volume triples",
    "Every simulated volume path is multiplied by a factor ramping linearly from 1 to 3 over "
    "months 1-3 (5/3, 7/3, 3) and staying at 3: a milder version of the paper's 'a killer app "
    "launch can increase API call volume 10-fold within days'. The hedge covers the planned "
    "volume only, so the extra volume is bought at the index.",
    "House stress test; arXiv 2603.21690 §3.3.",
    volume_multiplier=Ramp(3.0, 3),
)

#: The six scenarios: the paper's three (model-based), then three deterministic shocks.
STRESS_SCENARIOS: tuple[Scenario, ...] = (BASELINE, DEMAND_EXPLOSION, ACCELERATED_TECH,
                                          PRICE_DOUBLES, PRICE_FALLS, VOLUME_TRIPLES)

def _move(pct: int) -> Scenario:
    word = "rise" if pct > 0 else "fall"
    return Scenario(
        f"prices {word} {abs(pct)}%",
        f"Every simulated index path is multiplied by {1 + pct / 100:g} in every horizon month, so each "
        f"month's average is {abs(pct)}% {'above' if pct > 0 else 'below'} what the simulation gives. The program "
        "and every instrument keep the terms bought on the as-of date; the difference from unhedged spend is the "
        f"hedge's {'protection' if pct > 0 else 'regret (the cost of certainty)'}. "
        + ("The -40% move matches the H100 spot move of May to June 2026." if pct == -40 else ""),
        "Reference note treasury-and-instruments.md F3 (compute regret table at -40%, -30%, +30%, +40%; airline "
        "fuel-hedge regret disclosures).",
        price_shock=Ramp(1 + pct / 100, 1))


#: Hedge regret: the same program and instruments when prices fall or rise 30% and 40%.
REGRET_SCENARIOS: tuple[Scenario, ...] = tuple(_move(p) for p in (-40, -30, 30, 40))


def scenario_by_name(name: str) -> Scenario:
    """The scenario of :data:`STRESS_SCENARIOS` called ``name``."""
    for s in STRESS_SCENARIOS:
        if s.name == name:
            return s
    raise InputError("no stress scenario has this name.", column="scenario", value=name,
                     fix="Use one of: " + ", ".join(s.name for s in STRESS_SCENARIOS) + ".")


def stressed_model(base_model: JumpDiffusionModel, scenario: Scenario, *,
                   t_now: float = 0.0) -> JumpDiffusionModel:
    """The price model under a scenario, anchored to the base model's long-run level at ``t_now``.

    Applies each override (``add``: ``p + v``; ``times``: ``p v``; ``set``: ``v``), then sets
    ``theta0' = theta0 + theta_base(t_now) - theta_unanchored(t_now)`` so that
    ``theta'(t_now) = theta_base(t_now)``. Simulate and price from the caller's current log index
    ``x0`` at ``t_now`` (years from the model origin). A scenario without overrides returns
    ``base_model`` itself.

    Worked number: Table 3 under the demand explosion at ``t_now = 0`` has beta +0.3431,
    sigma 0.50, lam 6, mu_j 0.20 and ``futures_price(ln 2, 0, 1)`` = $4.131/M (base $1.814/M).

    Raises
    ------
    ModelError
        When the overrides make an invalid model (e.g. a negative sigma), naming the parameter.
    """
    if not scenario.is_model_based:
        return base_model
    t = float(t_now)
    if not math.isfinite(t):
        raise InputError("the valuation time must be a finite number of years.",
                         column="t_now", value=t_now, fix="Use years from the model origin.")
    changes = {}
    for key, (op, value) in scenario.model_overrides.items():
        old = getattr(base_model, key)
        changes[key] = old + value if op == "add" else old * value if op == "times" else value
    unanchored = dataclasses.replace(base_model, **changes)
    shift = float(base_model.theta(t) - unanchored.theta(t))
    label = f"{base_model.label} | stress: {scenario.name}".strip(" |")
    return dataclasses.replace(unanchored, theta0=base_model.theta0 + shift, label=label)


def _paths(name: str, value, *, positive: bool) -> np.ndarray:
    a = np.asarray(value, dtype=float)
    if a.ndim != 2:
        raise InputError(f"`{name}` must be a 2-D array (n_paths, months).", column=name,
                         value=a.shape, fix="Pass one row per path, one column per month.")
    bad = ~np.isfinite(a) | ((a <= 0) if positive else (a < 0))
    if bad.any():
        i, j = np.argwhere(bad)[0]
        raise InputError(f"`{name}` path {i}, month column {j} is not finite and "
                         f"{'positive' if positive else 'non-negative'}.", column=name,
                         value=float(a[i, j]), fix=f"Check the simulation behind `{name}`.")
    return a


def shock_paths(index_paths, volume_paths, scenario: Scenario) -> tuple[np.ndarray, np.ndarray]:
    """Index and volume paths (n_paths, months) multiplied by the scenario's ramps.

    ``index'[:, k-1] = index[:, k-1] f_k`` and likewise for volume (see :class:`Ramp`); a
    scenario without a ramp returns copies, equal bit for bit. Inputs are never modified.
    Worked number: an index of 2.0 in months 1-4 under "price doubles" becomes
    8/3, 10/3, 4, 4.
    """
    index = _paths("index_paths", index_paths, positive=True)
    volume = _paths("volume_paths", volume_paths, positive=False)
    if volume.shape != index.shape:
        raise InputError(f"`volume_paths` has shape {volume.shape}, `index_paths` "
                         f"{index.shape}.", column="volume_paths", value=volume.shape,
                         fix="Simulate both for the same paths and months.")
    months = index.shape[1]
    index = index * scenario.price_shock.factors(months) if scenario.price_shock else index.copy()
    volume = (volume * scenario.volume_multiplier.factors(months)
              if scenario.volume_multiplier else volume.copy())
    return index, volume


def apply_scenario(scenario: Scenario, base_model: JumpDiffusionModel, x0: float,
                   volume_paths, *, t_now: float = 0.0,
                   seed: int | np.random.Generator | None = None,
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Stressed month-end index paths and volume paths, each ``(n_paths, months)``.

    Simulates the index at ``t_now + k / 12`` (k = 1..months, ``months`` and ``n_paths`` from
    ``volume_paths``) from the log index ``x0`` with :func:`stressed_model`, then applies
    :func:`shock_paths`. The same seed gives the same random draws under every scenario, so
    scenarios differ only by what they change (common random numbers).
    """
    volume = _paths("volume_paths", volume_paths, positive=False)
    n_paths, months = volume.shape
    model = stressed_model(base_model, scenario, t_now=t_now)
    try:
        x = float(x0)
    except (TypeError, ValueError):
        x = math.nan
    if not math.isfinite(x):
        raise InputError("the current log index must be a finite number.", column="x0",
                         value=x0, fix="Pass ln(current index level).")
    times = float(t_now) + np.arange(months + 1) / 12
    try:
        index = model.simulate_prices(x, times, n_paths, seed)[:, 1:]
    except ModelError as err:
        raise ModelError(f"scenario `{scenario.name}`: {err}") from None
    return shock_paths(index, volume, scenario)


def stressed_daily(sim, scenario: Scenario, *, x0: float, seed: int, horizon_start) -> tuple[np.ndarray, object]:
    """Daily index paths of ``sim`` (an :class:`~hedging.market.simulation.IndexSimulation`) under
    ``scenario``, and the model behind them.

    A model-based scenario re-simulates the whole span from the last observation ``x0`` with the
    stressed model and the same ``seed`` (common random numbers); a price ramp multiplies each day
    by its horizon month's factor (month 1 = the month starting ``horizon_start``; days before it
    are not shocked).
    """
    model, daily = sim.model, sim.daily.astype(float)
    if scenario.model_overrides:
        model = stressed_model(sim.model, scenario, t_now=sim.t0)
        grid = sim.t0 + np.arange(len(sim.dates)) / 365
        try:
            daily = model.simulate_prices(float(x0), grid, daily.shape[0], seed)
        except ModelError as err:
            raise ModelError(f"scenario `{scenario.name}`: {err}") from None
    if scenario.price_shock is not None:
        start = np.datetime64(horizon_start, "M")
        month_of_day = (sim.dates.values.astype("datetime64[M]") - start).astype(int)
        n = int(month_of_day.max()) + 1 if month_of_day.max() >= 0 else 1
        factors = np.r_[scenario.price_shock.factors(n)]
        daily = daily * np.where(month_of_day >= 0, factors[np.clip(month_of_day, 0, n - 1)], 1.0)
    return daily, model
