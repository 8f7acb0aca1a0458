"""Attribution of the remaining variance of hedged spend (hedging.hedge.attribution): the parts sum
to the variance of the hedged spend on the same paths, each constructed source is found alone,
a perfect hedge leaves nothing, and the Shapley value does not depend on the order of sources."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from hedging.hedge.attribution import (
    RESIDUAL, SOURCES, Exposure, attribute, exact_lots, hedged_total, sequential, shapley,
)

N, MONTHS = 20_000, 3


def _world(seed=1, *, volume_sd=0.0, basis_sd=0.0, timing_sd=0.0, lot_size=1.0, cover=1.0, share=1.0,
           slope=1.0, other_sd=0.0):
    """Index monthly averages A; price = 2 x A^slope x basis noise; settlement = A x timing noise;
    lots = cover x the index-driven expected exposure (in units of ``lot_size``)."""
    rng = np.random.default_rng(seed)
    a = 3.0 * np.exp(0.2 * rng.standard_normal((N, MONTHS)))
    price = 2.0 * a ** slope * np.exp(basis_sd * rng.standard_normal((N, MONTHS)))
    volume = 1000.0 * np.exp(volume_sd * rng.standard_normal((N, MONTHS)))
    settle = a * np.exp(timing_sd * rng.standard_normal((N, MONTHS)))
    p, x = price - price.mean(0), a - a.mean(0)
    b = (p * x).sum(0) / (x * x).sum(0)
    lots_all = volume.mean(0) * b * cover / lot_size
    e = Exposure(volume=volume, price=price, index=a, share=np.full(MONTHS, share), line=np.arange(MONTHS),
                 settlement=settle, entry=np.full((N, MONTHS), 3.0), lot_size=np.full(MONTHS, lot_size),
                 lots=lots_all * share, lots_all=lots_all, other=other_sd * rng.standard_normal(N))
    return e


def _check_sum(att, e):
    total = float(np.var(hedged_total(e, frozenset(SOURCES)), ddof=1))
    assert att.total == pytest.approx(total, rel=1e-12)
    assert sum(att.parts.values()) == pytest.approx(att.total, rel=1e-9)
    assert sum(att.sd_part(s) for s in att.parts) == pytest.approx(att.sd, rel=1e-9)


def test_parts_sum_to_the_remaining_variance_on_the_same_paths():
    e = _world(volume_sd=0.2, basis_sd=0.1, timing_sd=0.05, lot_size=7.0, cover=0.6, share=0.7, slope=0.5,
               other_sd=50.0)
    att = attribute(e)
    _check_sum(att, e)
    assert all(abs(att.share(s)) > 1e-4 for s in ("volume", "basis", "timing", "exclusions", "cover", RESIDUAL))


def test_only_volume_random_is_all_volume():
    att = attribute(_world(volume_sd=0.25))
    assert att.share("volume") == pytest.approx(1.0, abs=0.01)


def test_only_basis_random_is_all_basis():
    att = attribute(_world(basis_sd=0.15))
    assert att.share("basis") == pytest.approx(1.0, abs=0.01)


def test_only_timing_random_is_all_timing():
    att = attribute(_world(timing_sd=0.05))
    assert att.share("timing") == pytest.approx(1.0, abs=0.01)


def test_excluded_share_is_exclusions():
    att = attribute(_world(share=0.5))
    assert att.share("exclusions") == pytest.approx(1.0, abs=0.01)


def test_a_perfect_hedge_of_the_index_leaves_nothing():
    e = _world()
    unhedged = np.var((e.volume * e.price).sum(1), ddof=1)
    att = attribute(e)
    assert att.total < 1e-18 * unhedged
    assert all(abs(v) < 1e-18 * unhedged for v in att.parts.values())


def test_half_cover_is_the_hedge_ratio_and_its_variance_is_the_uncovered_index_risk():
    e = _world(cover=0.5)
    att = attribute(e)
    # the rest is rounding: half a lot more on 3,000-lot positions removes 0.05% of the variance
    assert att.share("cover") == pytest.approx(1.0, abs=0.001)
    assert att.share("cover") + att.share("rounding") == pytest.approx(1.0, abs=1e-9)
    # independent cross-check: half of the exposure V x 2 x A unhedged has variance 0.25 Var(sum V 2 A)
    assert att.total == pytest.approx(0.25 * np.var((e.volume * e.price).sum(1), ddof=1), rel=1e-9)


def test_whole_lots_are_rounding():
    # 1,000 units at 2 x 3 = 6,000 in index units, lots of 4,000: 1.5 lots rounded to 2 (or 1)
    e = _world(lot_size=4000.0)
    e = Exposure(**{**e.__dict__, "lots": np.rint(e.lots + 0.01), "lots_all": np.rint(e.lots_all + 0.01)})
    att = attribute(e)
    assert att.share("rounding") == pytest.approx(1.0, abs=0.01)


def test_shapley_value_of_the_glove_game():
    # Glove game (Shapley value, e.g. Osborne & Rubinstein, A Course in Game Theory, 1994, ex. 294.1):
    # players 1 and 2 hold a left glove, 3 a right one; a pair is worth 1. Values 1/6, 1/6, 2/3.
    def v(c):
        return float(min(len(c & {"1", "2"}), len(c & {"3"})))
    phi = shapley(["1", "2", "3"], v)
    assert phi == pytest.approx({"1": 1 / 6, "2": 1 / 6, "3": 2 / 3}, abs=1e-12)


def test_shapley_is_the_average_over_all_orders_and_ignores_the_order_given():
    e = _world(seed=3, volume_sd=0.2, basis_sd=0.1, timing_sd=0.05, lot_size=7.0, cover=0.6, share=0.7,
               slope=0.5, other_sd=50.0)
    att = attribute(e)
    reversed_ = attribute(e, sources=tuple(reversed(SOURCES)))
    for s in SOURCES:
        assert reversed_.parts[s] == pytest.approx(att.parts[s], rel=1e-9, abs=1e-9 * att.total)

    exact = exact_lots(e)

    def v(on):
        return float(np.var(hedged_total(e, on, exact), ddof=1))
    cache = {}

    def cached(on):
        if on not in cache:
            cache[on] = v(on)
        return cache[on]
    orders = list(itertools.permutations(SOURCES))
    assert len(orders) == 720
    mean = {s: np.mean([sequential(o, cached)[s] for o in orders]) for s in SOURCES}
    for s in SOURCES:
        assert mean[s] == pytest.approx(att.parts[s], rel=1e-9, abs=1e-9 * att.total)
    # a single order generally differs from the average: the order matters, the Shapley value does not
    one = sequential(SOURCES, cached)
    assert max(abs(one[s] - mean[s]) for s in SOURCES) > 1e-6 * att.total
