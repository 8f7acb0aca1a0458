"""The coverage study at a small size: 95% intervals of monthly-average fits.

The full table (daily and monthly histories of several lengths, before and after) is printed by
``bench/calibration.py``. Here 60 histories of 37 monthly averages (seed 7, 50 bootstrap paths
per fit) are enough to tell 95% from the old method's failure: the binomial standard error of a
95% coverage over 60 histories is sqrt(0.95 x 0.05 / 60) = 2.8 points, and the tolerance is three
of them (a coverage below 86.6% fails).

Every parameter is checked, sigma included: its ``estimate +/- 2 SE`` covered 83% in the bench
(the bootstrap spread is too narrow on the histories whose sigma and kappa both came out low:
they move together), and the profile-likelihood interval, whose critical value comes from a grid
bootstrap over kappa (:func:`hedging.market.calibrate._likelihood_intervals`), carries that
dependence.
"""

from __future__ import annotations

import dataclasses
import math
from functools import cache

import pytest

from hedging.market import PAPER_TABLE3
from hedging.market.coverage import STUDIED, Design, coverage_study

TRUTH = dataclasses.replace(PAPER_TABLE3, lam=0.0, mu_j=0.0, sigma_j=0.0)
REPS = 60
SE = math.sqrt(0.95 * 0.05 / REPS)
TOLERANCE = 3 * SE


@cache
def study(method: str):
    return coverage_study(TRUTH, Design("monthly_average", 37), method, REPS, n_boot=50, seed=7)


def test_intervals_cover_about_95_percent_on_37_monthly_averages():
    after, before = study("after"), study("before")
    assert after.fitted == REPS == before.fitted
    for name in STUDIED:
        assert after.coverage(name) >= 0.95 - TOLERANCE, (name, after.coverage(name))
    # reading averages as point prices and trusting the Hessian: sigma's interval misses often
    assert before.coverage("sigma") < 0.95 - TOLERANCE
    assert after.coverage("sigma") - before.coverage("sigma") > 3 * math.sqrt(2) * SE
    # kappa: the maximum-likelihood estimate is far too high on three years; the correction helps
    assert before.kappa_mle_mean > 1.4 * TRUTH.kappa
    assert abs(after.kappa_mean - TRUTH.kappa) < 0.5 * abs(after.kappa_mle_mean - TRUTH.kappa)


def test_sigma_interval_is_wider_than_two_se_but_still_tells_sigma_apart_from_zero_and_double():
    """Covering is not bought with an interval that says nothing: sigma's median width is below
    the true sigma (so it excludes both 0 and twice the value). It is wider than estimate +/- 2
    SE because sigma and kappa are estimated together (the stationary variance
    sigma^2 / 2 kappa is what three years pin down), which the bootstrap spread understates."""
    after = study("after")
    assert after.widths["sigma"] < TRUTH.sigma
    assert after.widths["sigma"] > after.widths_se["sigma"]


def test_the_jump_study_counts_truth_inside_estimate_plus_minus_z_se():
    """The study with jumps (``bench/calibration.py --jumps``) at two histories: every parameter
    of a fitted history is inside an interval of a million SEs and none inside one of zero width,
    and a truth without jumps is refused (it would leave lam, mu_j and sigma_j nothing to cover)."""
    from hedging.errors import ModelError
    from hedging.market.coverage import STUDIED_JUMPS, jump_coverage_study

    wide = jump_coverage_study(PAPER_TABLE3, 800, 2, seed=3, z=1e6)
    narrow = jump_coverage_study(PAPER_TABLE3, 800, 2, seed=3, z=0.0)
    assert wide.fitted == narrow.fitted == 2
    assert all(wide.coverage_se(k) == 1.0 and narrow.coverage_se(k) == 0.0 for k in STUDIED_JUMPS)
    with pytest.raises(ModelError, match="lam > 0"):
        jump_coverage_study(TRUTH, 800, 3)
