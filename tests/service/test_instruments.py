"""Instruments beside futures on the sample company: the futures-and-caps policy, the comparison table
and the hedge-regret table."""

from __future__ import annotations

import numpy as np
import pytest

from hedging import service
from hedging.errors import InputError
from hedging.service.hedge import build_program
from hedging.service.instruments import hedge_lines, hedged_quantity, instrument_comparison, regret_table
from hedging.service.stress import stress_table
from hedging.hedge.instrument_book import instrument_terms
from tests.service.test_forecast import AS_OF, company  # noqa: F401  (module fixture: the sample company)


@pytest.fixture(scope="module")
def view(company):  # noqa: F811
    return service.forecast(service.RunSpec(as_of=AS_OF, horizon=12, n_paths=2000, seed=7, rho=0.3), company)


@pytest.fixture(scope="module")
def capped(view):
    return build_program(view, service.Policy(name="min_cvar_caps", cap_strike=105))


def test_policy_round_trips_and_checks_the_strike():
    spec = service.RunSpec(as_of=AS_OF, policy=service.Policy(name="min_cvar_caps", cap_strike=125.0))
    again = service.RunSpec.from_dict(spec.to_dict())
    assert again == spec and again.policy.cap_strike == 125.0
    assert service.RunSpec.from_dict({**spec.to_dict(), "policy": {"name": "layered"}}).policy.cap_strike == 110.0
    with pytest.raises(InputError, match="cap strike"):
        service.Policy(name="min_cvar_caps", cap_strike=90)


def test_futures_and_caps_program_adds_up(view, capped):
    c, caps = capped.contracts, capped.caps
    assert caps is not None and caps.lots.sum() > 0
    assert (capped.lots + caps.lots <= c.max_lots).all()
    np.testing.assert_allclose(capped.hedged.sum(axis=1),
                               capped.unhedged.sum(axis=1) - capped.pnl.sum(axis=1) + capped.cost.sum(), rtol=1e-12)
    schedule = service.schedule_table(capped, view)
    assert (schedule["side"] == "buy cap").sum() == np.count_nonzero(caps.lots)
    assert schedule["lots"].sum() == int(capped.lots.sum() + caps.lots.sum())
    # premiums are fair on the paths: the caps' expected payoff equals their premium at the month's end
    held = np.flatnonzero(caps.lots)
    fwd = caps.cost_per_lot[held] - c.cost_per_lot[held]
    np.testing.assert_allclose(caps.payoff_per_lot[:, held].mean(axis=0), fwd, rtol=1e-9)
    table, _ = stress_table(view, capped)
    assert np.isfinite(table["hedged, expected"]).all()


def test_comparison_table(view, capped):
    table, note = instrument_comparison(view, capped)
    assert list(table["instrument"].str.split().str[0]) == ["Futures", "Monthly", "Cap", "Zero-cost", "Binary"]
    rows = table.set_index(table["instrument"].str.split().str[0])
    spend = view.total_spend.sum(axis=1).mean()
    assert abs(rows.loc["Monthly", "expected cost (USD)"]) < 1e-9 * spend       # struck at the fair price
    assert abs(rows.loc["Zero-cost", "expected cost (USD)"]) < 1e-6 * spend
    assert rows.loc["Cap", "premium today (USD)"] > 0 and rows.loc["Zero-cost", "premium today (USD)"] == 0
    assert rows.loc["Cap", "margin or cash needed (USD)"] == pytest.approx(rows.loc["Cap", "premium today (USD)"])
    assert "quantity the program hedges" in note
    assert rows["credit"].str.len().min() > 40


def test_regret_table(view, capped):
    table = regret_table(view, capped).set_index("scenario")
    quantity, _ = hedged_quantity(capped)
    lines = hedge_lines(view, capped, quantity)
    terms = instrument_terms(lines, cap_moneyness=1.05)
    fixed_notional = float(np.asarray(terms["swap"].fixed) @ quantity)
    # a swap's result is linear in the index: every month average 40% lower costs 0.4 x fixed x quantity
    assert table.loc["prices fall 40%", "swap (USD)"] == pytest.approx(0.4 * fixed_notional, rel=1e-4)
    assert table.loc["prices rise 30%", "swap (USD)"] == pytest.approx(-0.3 * fixed_notional, rel=1e-4)
    # a cap can lose no more than its premium (at the month's end); it protects when prices rise
    premium = float(np.sum(terms["cap"].premium_forward))
    for name in ("prices fall 40%", "prices fall 30%"):
        assert 0 < table.loc[name, "cap (USD)"] <= premium * (1 + 1e-9)
        assert table.loc[name, "cap (USD)"] < table.loc[name, "collar (USD)"] < table.loc[name, "swap (USD)"]
    assert table.loc["prices rise 40%", "cap (USD)"] < 0
    assert table.loc["as simulated (no move)", "program as run (USD)"] == pytest.approx(
        float((capped.hedged - capped.unhedged).sum(axis=1).mean()))


def test_instrument_quotes_match_the_closed_form(view):
    quotes = service.instrument_quotes(view, 120.0)
    assert set(quotes["underlying"]) == {p.label for p in view.underlyings.values()}
    assert len(quotes) == 12 * len(view.underlyings)
    # the swap's fixed price is the expected monthly average: the model's closed form, within 4 standard errors
    assert (abs(quotes["swap fixed price"] - quotes["closed-form average"]) < 4 * quotes["swap std error"]).all()
    np.testing.assert_allclose(quotes["cap strike"], 1.2 * quotes["swap fixed price"], rtol=1e-12)
    assert (quotes["collar floor"] < quotes["swap fixed price"]).all()


def test_caps_only_policy(view):
    result = build_program(view, service.Policy(name="cap_tail", cap_strike=105, tail_ceiling=40))
    assert result.lots.sum() == 0 and result.caps is not None
    total = result.hedged.sum(axis=1)
    ceiling = 1.40 * result.unhedged.sum(axis=1).mean()
    if result.program.status == "optimal":
        assert np.quantile(total, 0.95) <= ceiling * 1.02       # met on the optimiser's 2,000-path subsample
    else:
        assert result.program.status == "ceiling_unreachable" and result.warnings
    spec = service.RunSpec(as_of=AS_OF, policy=service.Policy(name="cap_tail", tail_ceiling=30.0))
    assert service.RunSpec.from_dict(spec.to_dict()) == spec
    with pytest.raises(InputError, match="ceiling"):
        service.Policy(name="cap_tail", tail_ceiling=-5)
