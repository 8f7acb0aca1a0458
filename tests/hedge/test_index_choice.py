"""Ranking candidate indices and the minimum-variance effectiveness measured on paths."""

import math

import numpy as np
import pytest

from hedging.errors import InputError
from hedging.hedge.index_choice import (
    CandidateScore,
    min_variance_effectiveness,
    random_walk_paths,
    rank_candidates,
    recommendation,
    score_candidate,
)


@pytest.mark.parametrize("rho", [0.3, 0.6, 0.9])
def test_effectiveness_is_rho_squared_on_a_bivariate_normal(rho):
    # S and H standard bivariate normal with correlation rho: the minimum-variance hedge removes
    # rho² of Var(S) (Johnson 1960; Ederington 1979) and its ratio is Cov/Var(H) = rho * sd_S / sd_H.
    n = 200_000
    rng = np.random.default_rng(20261206)
    z1, z2 = rng.standard_normal((2, n))
    hedge = 2.0 * z1                                  # sd_H = 2
    exposure = 5.0 * (rho * z1 + math.sqrt(1 - rho ** 2) * z2)   # sd_S = 5
    out = min_variance_effectiveness(exposure, hedge)
    # standard error of the sample r² by the delta method: 2 |rho| (1 - rho²) / sqrt(n)
    se = 2 * rho * (1 - rho ** 2) / math.sqrt(n)
    assert abs(out.effectiveness - rho ** 2) < 4 * se
    assert out.ratio == pytest.approx(rho * 5.0 / 2.0, abs=4 * 5.0 / 2.0 * math.sqrt((1 - rho ** 2) / n))
    # the batch-means standard error agrees with the analytic one (20 batches: within a factor 2)
    assert 0.5 * se < out.std_error < 2.0 * se
    assert out.n == n


def test_effectiveness_of_an_unrelated_hedge_is_near_zero_and_of_the_exposure_itself_is_one():
    rng = np.random.default_rng(3)
    s, h = rng.standard_normal((2, 50_000))
    # unrelated: the sample correlation is about N(0, 1/n), so r² stays below (4 / sqrt(n))²
    assert min_variance_effectiveness(s, h).effectiveness < 16 / 50_000
    assert min_variance_effectiveness(s, 3 * s).effectiveness == pytest.approx(1.0)
    assert min_variance_effectiveness(s, np.ones_like(s)).effectiveness == 0.0


def test_effectiveness_rejects_mismatched_or_too_few_paths():
    with pytest.raises(InputError, match="paths"):
        min_variance_effectiveness(np.ones(100), np.ones(99))
    with pytest.raises(InputError, match="at least 40"):
        min_variance_effectiveness(np.ones(10), np.ones(10))


def _company_case(seed=11, months=30):
    """An index A, the company's price = A x small noise, and two unrelated indices."""
    rng = np.random.default_rng(seed)
    a = 3.0 * np.exp(np.cumsum(0.08 * rng.standard_normal(months)))
    price = 1.2 * a * np.exp(0.005 * rng.standard_normal(months))
    b = 2.0 * np.exp(np.cumsum(0.08 * rng.standard_normal(months)))
    c = 5.0 * np.exp(np.cumsum(0.02 * rng.standard_normal(months)))
    return price, {"near": a, "unrelated": b, "calm": c}


def test_the_index_that_is_the_company_price_plus_noise_ranks_first_with_r2_near_one():
    price, indices = _company_case()
    volume = np.full(12, 1_000.0)
    scores = [score_candidate(k, k, price, v, random_walk_paths(v, 12, 4_000, seed=5), volume, seed=9)
              for k, v in indices.items()]
    ranked = rank_candidates(scores)
    assert ranked[0].key == "near"
    assert ranked[0].r_squared > 0.99
    assert ranked[0].slope == pytest.approx(1.0, abs=0.05)
    # basis noise of 0.5% a month is all that is left: the hedge removes nearly all the variance
    assert ranked[0].effectiveness > 0.95
    assert all(s.effectiveness < ranked[0].effectiveness for s in ranked[1:])
    assert "near" in recommendation(ranked)


def test_a_price_that_moves_against_the_index_gets_no_long_hedge():
    price, indices = _company_case()
    inverse = 1.0 / indices["near"]
    paths = random_walk_paths(inverse, 12, 2_000, seed=5)
    score = score_candidate("inv", "inverse", price, inverse, paths, np.full(12, 10.0), seed=9)
    assert score.slope < -0.9 and score.effectiveness == 0.0 and score.hedge_ratio == 0.0
    assert "against" in score.note
    two_sided = score_candidate("inv", "inverse", price, inverse, paths, np.full(12, 10.0), seed=9, long_only=False)
    assert two_sided.effectiveness > 0.9 and two_sided.hedge_ratio < 0


def test_a_candidate_with_too_few_paired_months_is_listed_as_unavailable_and_ranked_last():
    price, indices = _company_case()
    short = np.full_like(indices["near"], np.nan)
    short[-4:] = indices["near"][-4:]
    paths = random_walk_paths(indices["near"], 12, 200, seed=1)
    bad = score_candidate("short", "short", price, short, paths, np.full(12, 1.0), seed=1)
    assert not bad.available and "4 month(s)" in bad.note
    good = score_candidate("near", "near", price, indices["near"], paths, np.full(12, 1.0), seed=1)
    assert [s.key for s in rank_candidates([bad, good])] == ["near", "short"]
    assert "No candidate" in recommendation([bad])


def test_ties_within_simulation_error_are_said_so():
    a = CandidateScore("a", "A", 0.9, 0.8, 0.1, 24, 0.50, 0.01, 1.0)
    b = CandidateScore("b", "B", 0.8, 0.7, 0.1, 24, 0.49, 0.01, 1.0)
    c = CandidateScore("c", "C", 0.8, 0.7, 0.1, 24, 0.20, 0.01, 1.0)
    assert "as well within simulation error" in recommendation(rank_candidates([b, a]))
    assert "the next best, \u201cC\u201d, removes 20%" in recommendation(rank_candidates([c, a]))
