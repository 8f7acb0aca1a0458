"""Sensitivity of a real run of the sample company: the frontier's point at the run's own hedge
ratio is the run's metrics; the tornado's centre is the run's budget-at-risk and a move of size
zero gives it back; each move changes what it says and nothing else."""

from __future__ import annotations

import numpy as np
import pytest

from hedging import service
from hedging.service import sensitivity as sens
from tests.service.test_forecast import AS_OF, company  # noqa: F401  (module fixture: the sample company)


@pytest.fixture(scope="module", params=["min_variance", "layered"])
def run(company, request):  # noqa: F811
    spec = service.RunSpec(as_of=AS_OF, horizon=12, n_paths=2000, seed=7, rho=0.3,
                           policy=service.Policy(name=request.param))
    return service.build_run(spec, company)


def test_frontier_at_the_run_ratio_equals_the_run(run):
    f = sens.frontier(run)
    base = sens.overall_hedge_ratio(run.result)
    assert 0 < base < 1.5
    p = f.at(base)
    o = run.outcome
    assert p["ratio"] == base
    assert p["sd_reduction"] == pytest.approx(o.sd_reduction, abs=1e-12)
    assert p["expected_cost"] == pytest.approx(o.hedged.mean - o.unhedged.mean, abs=1e-6)
    assert p["budget_at_risk"] == pytest.approx(o.fiscal_hedged.budget_at_risk_95, abs=1e-6)
    zero = f.at(0.0)     # no hedge: the unhedged run
    assert zero["sd_reduction"] == pytest.approx(0, abs=1e-12) and zero["expected_cost"] == pytest.approx(0, abs=1e-6)
    assert zero["budget_at_risk"] == pytest.approx(o.fiscal_unhedged.budget_at_risk_95, abs=1e-6)
    table = sens.frontier_table(f)
    assert table["this run"].sum() == 1 and table["hedge ratio"].is_monotonic_increasing


def test_overall_ratio_is_the_value_weighted_ratio_of_the_schedule(run):
    c, lots = run.result.contracts, run.result.lots
    by_hand = sum(lots[k] * c.lot_size[k] * c.fair[k] for k in range(len(lots))) / sum(
        c.expected_volume[k] * c.fair[k] for k in range(len(lots)))
    assert sens.overall_hedge_ratio(run.result) == pytest.approx(by_hand, rel=1e-12)


def test_moves_of_size_zero_give_back_the_run(run):
    view, change = run.forecast, run.result.hedged - run.result.unhedged
    base = run.outcome.fiscal_hedged.budget_at_risk_95
    assert sens._bar(view, change) == pytest.approx(base, abs=1e-6)
    assert sens._bar(sens._volume_view(view, 1.0), change) == pytest.approx(base, abs=1e-6)
    assert sens._bar(sens._basis_view(view, 1.0), change) == pytest.approx(base, abs=1e-6)
    # the program's P&L on its own paths, rebuilt trade by trade, is the run's hedge
    np.testing.assert_allclose(sens.change_in(view, view, run.result), change, rtol=0, atol=1e-6)


def test_tornado_centre_is_the_base_case_and_each_move_does_what_it_says(run, company):  # noqa: F811
    seen = {}

    def forecast_for(spec):
        seen[spec] = service.forecast(spec, company)
        return seen[spec]

    t, notes = sens.sensitivity_tornado(run, company, forecast_for=forecast_for)
    assert t.base == run.outcome.fiscal_hedged.budget_at_risk_95
    names = [b.assumption for b in t.bars]
    assert set(names) | {n.split(":")[0] for n in notes} == set(sens.MOVES)
    assert [b.swing for b in t.bars] == sorted((b.swing for b in t.bars), reverse=True)
    bars = {b.assumption: b for b in t.bars}
    # more volume uncertainty, more budget at risk (the program does not hedge volume)
    assert bars["Volume uncertainty"].low < t.base < bars["Volume uncertainty"].high
    assert bars["Basis"].low <= t.base <= bars["Basis"].high
    # the correlation forecasts share the run's index and price paths: only volume moved
    for spec, view in seen.items():
        if spec.rho != run.spec.rho:
            for u, p in view.underlyings.items():
                np.testing.assert_array_equal(p.all_index, run.forecast.underlyings[u].all_index)
                np.testing.assert_array_equal(p.all_unit_price, run.forecast.underlyings[u].all_unit_price)
    if "Index model" in bars:
        assert bars["Index model"].low == t.base
    table = sens.tornado_table(t)
    assert list(table["assumption"]) == names
