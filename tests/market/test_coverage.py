"""The coverage study at a small size: +/- 2 SE intervals of monthly-average fits.

The full table (daily and monthly histories of several lengths, before and after) is printed by
``bench/calibration.py``. Here 60 histories of 37 monthly averages (seed 7) are enough to tell
95% from the old method's failure: the binomial standard error of a 95% coverage over 60
histories is sqrt(0.95 x 0.05 / 60) = 2.8 points, and the tolerance is three of them.

Known shortfall: sigma's interval covers less than 95% on short averaged histories (50/60 here,
about 90% in the bench at 24 months). sigma's estimate is not biased (mean 0.391 for 0.40 over
these 60 histories) but its standard error runs about 10% below the spread of the estimates
(0.053 against 0.059), and the misses are the histories whose sigma came out low with a small SE:
sigma's estimate moves with kappa's, and the bootstrap at a low corrected kappa gives a narrow
sigma spread. The strict xfail below fails when that is fixed.
"""

from __future__ import annotations

import dataclasses
import math
from functools import cache

import pytest

from hedging.market import PAPER_TABLE3
from hedging.market.coverage import Design, coverage_study

TRUTH = dataclasses.replace(PAPER_TABLE3, lam=0.0, mu_j=0.0, sigma_j=0.0)
REPS = 60
SE = math.sqrt(0.95 * 0.05 / REPS)
TOLERANCE = 3 * SE


@cache
def study(method: str):
    return coverage_study(TRUTH, Design("monthly_average", 37), method, REPS, n_boot=50, seed=7)


def test_bootstrap_intervals_cover_about_95_percent_on_37_monthly_averages():
    after, before = study("after"), study("before")
    assert after.fitted == REPS == before.fitted
    for name in ("kappa", "theta0", "beta", "gamma"):
        assert after.coverage(name) >= 0.95 - TOLERANCE, (name, after.coverage(name))
    # reading averages as point prices and trusting the Hessian: sigma's interval misses often
    assert before.coverage("sigma") < 0.95 - TOLERANCE
    assert after.coverage("sigma") - before.coverage("sigma") > 3 * math.sqrt(2) * SE
    # kappa: the maximum-likelihood estimate is far too high on three years; the correction helps
    assert before.kappa_mle_mean > 1.4 * TRUTH.kappa
    assert abs(after.kappa_mean - TRUTH.kappa) < 0.5 * abs(after.kappa_mle_mean - TRUTH.kappa)


@pytest.mark.xfail(strict=True, reason="sigma's bootstrap SE is too small on the histories whose "
                                       "sigma and kappa came out low (module docstring)")
def test_sigma_interval_covers_95_percent_on_37_monthly_averages():
    assert study("after").coverage("sigma") >= 0.95 - TOLERANCE


def test_the_jump_study_counts_truth_inside_estimate_plus_minus_z_se():
    """The study with jumps (``bench/calibration.py --jumps``) at two histories: every parameter
    of a fitted history is inside an interval of a million SEs and none inside one of zero width,
    and a truth without jumps is refused (it would leave lam, mu_j and sigma_j nothing to cover)."""
    from hedging.errors import ModelError
    from hedging.market.coverage import STUDIED_JUMPS, jump_coverage_study

    wide = jump_coverage_study(PAPER_TABLE3, 800, 2, seed=3, z=1e6)
    narrow = jump_coverage_study(PAPER_TABLE3, 800, 2, seed=3, z=0.0)
    assert wide.fitted == narrow.fitted == 2
    assert all(wide.coverage(k) == 1.0 and narrow.coverage(k) == 0.0 for k in STUDIED_JUMPS)
    with pytest.raises(ModelError, match="lam > 0"):
        jump_coverage_study(TRUTH, 800, 3)
