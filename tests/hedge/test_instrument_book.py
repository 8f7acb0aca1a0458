"""The same exposure hedged with each instrument, on synthetic lognormal monthly averages."""

from __future__ import annotations

import numpy as np
import pytest

from hedging.contracts.instruments import call_payoff
from hedging.hedge.instrument_book import ORDER, HedgeLines, compare, instrument_terms, line_cash

N, K_LINES = 40_000, 3


def lines(quantity=(1000.0, 2000.0, 1500.0), seed=1, point_is_average=False):
    rng = np.random.default_rng(seed)
    level = np.array([2.5, 2.4, 2.3])
    sd = np.array([0.2, 0.3, 0.35])
    avg = level * np.exp(sd * rng.standard_normal((N, K_LINES)) - sd ** 2 / 2)
    end = avg if point_is_average else avg * np.exp(0.05 * rng.standard_normal((N, K_LINES)))
    q = np.asarray(quantity, float)
    fair = avg.mean(axis=0)
    return HedgeLines(np.arange(K_LINES), q, avg, end, np.array([0.99, 0.98, 0.97]), avg,
                      np.broadcast_to(fair, (N, K_LINES)), np.zeros(K_LINES), np.full(K_LINES, 0.25))


def test_every_instrument_is_fair_on_the_paths_and_the_cap_loses_at_most_its_premium():
    ln = lines()
    terms = instrument_terms(ln, cap_moneyness=1.1)
    for key in ("futures", "swap", "cap", "collar"):
        cash = line_cash(terms[key], ln).sum(axis=1)
        assert abs(cash.mean()) < 1e-6 * ln.quantity.sum(), key
    cap = line_cash(terms["cap"], ln)
    assert (cap >= -np.asarray(terms["cap"].premium_forward) - 1e-9).all()   # the premium is the worst case
    assert terms["cap"].premium == pytest.approx(float(np.asarray(terms["cap"].premium_forward) @ ln.discount))
    assert (np.asarray(terms["collar"].floor) < np.asarray(terms["swap"].fixed)).all()
    # binaries: fair premium, so the expected cash is minus the Kalshi fees
    assert line_cash(terms["binary"], ln).sum(axis=1).mean() == pytest.approx(-terms["binary"].fees, abs=1e-6)


def test_binary_strip_replicates_the_cap_on_the_same_fixing():
    # Reference note D4: a strip of 'above K' contracts at K0 + (i + 1/2) dK, Q dK each, replicates a call
    # struck at K0 on the same fixing; pathwise error at most Q dK (midpoint rule) below the top strike.
    ln = lines(point_is_average=True)
    terms = instrument_terms(ln, cap_moneyness=1.1, binary_step=0.02, binary_count=50)
    cap = np.asarray(terms["cap"].cap)
    step = 0.02 * np.asarray(terms["swap"].fixed)
    for j in range(K_LINES):
        strikes = np.asarray(terms["binary"].binary_strikes[j])
        strip = (ln.month_end[:, j][:, None] > strikes).sum(axis=1) * terms["binary"].binary_contracts[j]
        call = call_payoff(ln.average[:, j], cap[j]) * ln.quantity[j]
        inside = ln.average[:, j] < strikes[-1]
        assert np.all(np.abs(strip - call)[inside] <= ln.quantity[j] * step[j] + step[j] + 1e-9)


def test_spend_on_the_index_itself_is_fully_hedged_by_swaps_and_futures():
    ln = lines()
    spend = ln.average @ ln.quantity          # the company pays the index: no basis, no volume risk
    results = {r.key: r for r in compare(spend, ln, instrument_terms(ln))}
    assert [r for r in ORDER] == list(results)
    assert results["swap"].volatility_reduction == pytest.approx(1.0, abs=1e-9)
    assert results["futures"].volatility_reduction == pytest.approx(1.0, abs=1e-9)
    assert 0 < results["cap"].volatility_reduction < results["collar"].volatility_reduction < 1
    assert results["cap"].cash_needed == pytest.approx(results["cap"].premium)
    assert results["futures"].cash_needed == pytest.approx(0.25 * ln.quantity.sum())
    assert results["swap"].premium == 0 and results["collar"].premium == 0
