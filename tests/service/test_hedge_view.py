"""The Hedge program page's fast path: the program alone on the cached forecast reports what the full
run reports (cost, volatility reduction, initial margin, warnings, the spec line), and the full run
built on the same program is the run built from scratch."""

from __future__ import annotations

import numpy as np
import pytest

from hedging import service
from tests.service.test_forecast import AS_OF, company  # noqa: F401  (module fixture: the sample company)


@pytest.mark.parametrize("policy", ["min_variance", "layered"])
def test_hedge_view_matches_the_full_run(company, policy):  # noqa: F811
    spec = service.RunSpec(as_of=AS_OF, n_paths=2000, policy=service.Policy(name=policy))
    view = service.forecast(spec, company)
    result = service.hedge_result(view, spec)
    quick = service.hedge_view(spec, view, result)
    run = service.finish_run(spec, view, service.build_program_stage(view, spec, result))
    scratch = service.build_run(spec, company)
    o = run.outcome
    assert quick.program_cost == o.program_cost
    assert quick.sd_reduction == o.sd_reduction
    np.testing.assert_array_equal(quick.initial_margin, o.liquidity.initial_margin["initial margin"].to_numpy())
    assert quick.spec_line() == run.spec_line()
    assert {w.code for w in quick.warnings} == {w.code for w in run.warnings if w.code == "adds_volatility"} | {
        w.code for w in result.warnings}
    # reusing the program changes nothing: the same headline as a run from scratch
    assert run.headline() == scratch.headline()
