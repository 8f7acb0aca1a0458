"""Materiality threshold: trades below it are dropped, listed and counted, and every number is for the rest."""

from __future__ import annotations

import numpy as np
import pytest

from hedging import service
from hedging.errors import InputError
from hedging.hedge.program import hedged_spend_by_month
from hedging.service.hedge import build_program, dropped_table
from hedging.service.materiality import position, trade_notional
from tests.service.test_forecast import AS_OF, company  # noqa: F401  (module fixture: the sample company)


@pytest.fixture(scope="module")
def view(company):  # noqa: F811
    return service.forecast(service.RunSpec(as_of=AS_OF, horizon=12, n_paths=2000, seed=7, rho=0.3), company)


@pytest.mark.parametrize("name", ["min_variance", "layered", "min_cvar_caps"])
def test_the_per_trade_position_reproduces_each_policys_own_numbers(view, name):
    """The recomputation that materiality relies on, applied to every trade, gives back exactly what
    the policy computed itself (layered lots bought at later dates, caps beside futures)."""
    result = build_program(view, service.Policy(name=name))
    assert result.program.trades or (result.caps is not None and result.caps.lots.any())
    lots, pnl, cost, hedged = position(result, result.program.trades, None if result.caps is None else result.caps.lots)
    np.testing.assert_array_equal(lots, result.lots)
    np.testing.assert_allclose(pnl, result.pnl, rtol=1e-10, atol=1e-6)
    np.testing.assert_allclose(cost, result.cost, rtol=1e-10, atol=1e-9)
    np.testing.assert_allclose(hedged, result.hedged, rtol=1e-10, atol=1e-6)


def test_trades_below_the_threshold_are_dropped_listed_and_the_rest_recomputed(view):
    full = build_program(view, service.Policy(name="layered"))
    notionals = sorted(trade_notional(full, t) for t in full.program.trades)
    assert len(notionals) >= 4
    threshold = (notionals[len(notionals) // 2 - 1] + notionals[len(notionals) // 2]) / 2   # drops the smaller half
    cut = build_program(view, service.Policy(name="layered", min_notional=threshold))
    small = [t for t in full.program.trades if trade_notional(full, t) < threshold]
    assert len(cut.dropped) == len(small) == len(notionals) // 2
    assert all(trade_notional(cut, t) >= threshold for t in cut.program.trades)
    assert len(cut.program.trades) + len(cut.dropped) == len(full.program.trades)
    # the remaining programme, computed independently: lots per contract of the kept trades ...
    kept_lots = np.zeros_like(full.lots)
    for t in cut.program.trades:
        kept_lots[t.contract_index] += t.lots
    np.testing.assert_array_equal(cut.lots, kept_lots)
    # ... and the hedged spend: unhedged + cost - P&L of exactly the kept trades, month by month
    expected = full.unhedged.copy()
    c = full.contracts
    for t in cut.program.trades:
        gain = t.lots * c.lot_size[t.contract_index] * (c.settlement[:, t.contract_index]
                                                         - c.layer_prices[:, t.contract_index, t.trade_date_index])
        expected[:, c.month[t.contract_index]] += t.cost - gain
    np.testing.assert_allclose(cut.hedged, expected, rtol=1e-12)
    assert cut.cost.sum() == pytest.approx(sum(t.cost for t in cut.program.trades))
    # listed: the dropped trades as schedule rows, and a warning that counts them
    table = dropped_table(cut, view)
    assert len(table) == len(small) and (table["notional (USD)"] < threshold).all()
    assert table["notional (USD)"].sum() == pytest.approx(sum(trade_notional(full, t) for t in small))
    [warning] = [w for w in cut.warnings if w.code == "immaterial_trades"]
    assert warning.message.startswith(f"{len(small)} trades below the materiality threshold of "
                                      f"{service.fmt.money(threshold)}")


def test_min_variance_drop_equals_zero_lots_on_those_contracts(view):
    """For a programme bought today, dropping a trade is setting its contract's lots to zero: the
    hedged spend equals the programme module's own formula with those lots."""
    full = build_program(view, service.Policy(name="min_variance"))
    notionals = sorted(trade_notional(full, t) for t in full.program.trades)
    threshold = notionals[0] + 1.0
    cut = build_program(view, service.Policy(name="min_variance", min_notional=threshold))
    assert len(cut.dropped) == 1
    lots = full.lots.copy()
    lots[cut.dropped[0].contract_index] = 0
    c = full.contracts
    pnl_per_lot = (c.settlement - c.entry) * c.lot_size
    np.testing.assert_allclose(cut.hedged, hedged_spend_by_month(full.unhedged, pnl_per_lot, c.cost_per_lot, lots,
                                                                 c.month), rtol=1e-12)


def test_no_threshold_or_one_below_every_trade_changes_nothing(view):
    full = build_program(view, service.Policy(name="min_variance"))
    low = min(trade_notional(full, t) for t in full.program.trades) * 0.99
    same = build_program(view, service.Policy(name="min_variance", min_notional=low))
    assert same.dropped == () and dropped_table(same, view).empty
    np.testing.assert_array_equal(same.hedged, full.hedged)
    everything = build_program(view, service.Policy(name="min_variance", min_notional=1e15))
    assert everything.program.trades == () and int(everything.lots.sum()) == 0
    np.testing.assert_array_equal(everything.hedged, everything.unhedged)


def test_threshold_is_part_of_the_spec_and_checked():
    spec = service.RunSpec(policy=service.Policy(min_notional=25_000.0))
    assert spec.to_dict()["policy"]["min_notional"] == 25_000.0
    assert service.RunSpec.from_dict(spec.to_dict()).policy.min_notional == 25_000.0
    assert service.RunSpec.from_dict({**spec.to_dict(), "policy": {"name": "layered"}}).policy.min_notional == 0.0
    for bad in (-1.0, float("nan"), float("inf")):
        with pytest.raises(InputError, match="materiality threshold"):
            service.Policy(min_notional=bad)


def test_a_saved_proposal_holds_the_threshold_and_the_dropped_trades(company):  # noqa: F811
    spec = service.RunSpec(as_of=AS_OF, n_paths=2000, policy=service.Policy(name="layered", min_notional=150_000.0))
    run = service.build_run(spec, company)
    assert run.result.dropped, "the sample company's layered programme has trades under $150,000"
    assert "trades under $150,000 notional dropped" in run.spec_line()
    pid = service.save_proposal(run, "Material only", "Northwind", company)
    saved = service.load_proposal(pid, company)
    assert saved["inputs"]["min_notional"] == 150_000.0 and saved["spec"]["policy"]["min_notional"] == 150_000.0
    assert len(saved["tables"]["dropped"]) == len(run.result.dropped)
    assert all(r["notional (USD)"] < 150_000.0 for r in saved["tables"]["dropped"])
    assert all(r["notional (USD)"] >= 150_000.0 for r in saved["tables"]["schedule"])
    assert saved["headline"]["trades"] == len(saved["tables"]["schedule"])
    assert any("materiality threshold" in w for w in saved["statements"]["warnings"])
