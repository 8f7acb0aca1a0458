"""The Monte Carlo check of the forward curve and the fan of price paths (independent method:
simulation with exact discretisation against the closed-form prices of the contract engine)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math

import numpy as np
import pytest

from hedging.contracts import forward_curve, load_specs, year_fraction
from hedging.market import PAPER_TABLE3
from hedging.market.analysis import LevelPricer, annual_volatility, monte_carlo_check, price_fan

SPECS = load_specs()
ORIGIN = dt.date(2026, 1, 1)


@pytest.mark.parametrize("root, as_of", [("SIT", dt.date(2026, 11, 1)), ("GPUH", dt.date(2026, 11, 1)),
                                         ("GPUH", dt.date(2026, 11, 16))])
def test_closed_form_curve_within_three_standard_errors_of_simulation(root, as_of):
    model = dataclasses.replace(PAPER_TABLE3, theta0=math.log(2.0))
    level = 2.1
    t0 = year_fraction(ORIGIN, as_of)
    curve = forward_curve(LevelPricer(model), SPECS[root], as_of, level, origin=ORIGIN, t0=t0,
                          realised_average=level)
    check = monte_carlo_check(model, math.log(level), t0, curve.quotes, n_paths=40_000, seed=3,
                              realised_average=level)
    fair = np.array([q.fair for q in curve.quotes])
    z = (np.asarray(check.mean) - fair) / np.asarray(check.std_error)
    assert np.all(np.abs(z) < 3.0), z
    assert len(fair) == (10 if root == "SIT" else 12)


def test_fan_is_ordered_and_starts_at_spot():
    fan = price_fan(PAPER_TABLE3, math.log(2.0), 0.0, months=24, n_paths=4000, seed=1)
    assert fan.loc[0, ["q05", "q50", "q95", "mean"]].tolist() == pytest.approx([2.0] * 4)
    assert (fan["q05"] <= fan["q25"]).all() and (fan["q25"] <= fan["q50"]).all()
    assert (fan["q50"] <= fan["q75"]).all() and (fan["q75"] <= fan["q95"]).all()
    assert list(fan["month"]) == list(range(25))


def test_annual_volatility_formula():
    # sqrt(sigma^2 + lam (mu_j^2 + sigma_j^2)) with Table 3: sqrt(0.16 + 3 * (0.01 + 0.0625))
    assert annual_volatility(PAPER_TABLE3) == pytest.approx(math.sqrt(0.16 + 3 * (0.01 + 0.0625)))
