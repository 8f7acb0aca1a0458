"""The hedge program on the sample company: zero hedge = unhedged exactly, the minimum-variance
program lowers volatility, the schedule adds up, exclusions, margin, and `hedging hedge --json`."""

from __future__ import annotations

import json

import numpy as np
import pytest

from hedging import fmt, service
from hedging.cli import main
from hedging.service.hedge import build_program
from hedging.service.outcome import evaluate, program_liquidity
from tests.service.test_forecast import AS_OF, company  # noqa: F401  (module fixture: the sample company)


@pytest.fixture(scope="module")
def view(company):  # noqa: F811
    return service.forecast(service.RunSpec(as_of=AS_OF, horizon=12, n_paths=3000, seed=7, rho=0.3), company)


def test_zero_hedge_equals_unhedged_exactly(view):
    for name in service.POLICIES:
        result = build_program(view, service.Policy(name=name, position_limit=0))
        assert int(result.lots.sum()) == 0
        np.testing.assert_array_equal(result.hedged, result.unhedged)
        outcome = evaluate(view, result, 5_000_000)
        assert outcome.sd_reduction == 0.0 and outcome.program_cost == 0.0


def test_minimum_variance_program_lowers_the_volatility_of_spend(view):
    result = build_program(view, service.Policy(name="min_variance"))
    outcome = evaluate(view, result, 5_000_000)
    assert outcome.sd_reduction > 0.02
    # every month's variance is no higher with the program (it minimises each month separately)
    assert (outcome.monthly["sd hedged"] <= outcome.monthly["sd unhedged"] * (1 + 1e-9)).all()
    table = service.metrics_table(outcome).set_index("metric")
    assert table.loc["CVaR 95%, horizon", "hedged"] >= table.loc["VaR 95%, horizon", "hedged"]


def test_schedule_adds_up_and_respects_the_caps(view):
    result = build_program(view, service.Policy(name="layered", volume_percentile=25))
    schedule = service.schedule_table(result, view)
    assert schedule["lots"].sum() == int(result.lots.sum())
    c = result.contracts
    assert (result.lots <= c.max_lots).all()
    first = schedule.iloc[0]
    k = list(c.table["symbol"]).index(first["contract"])
    assert first["notional (USD)"] == pytest.approx(first["lots"] * first["price"] * c.lot_size[k])
    assert set(schedule["side"]) == {"buy"}


def test_excluding_an_underlying_leaves_it_unhedged(view):
    result = build_program(view, service.Policy(name="layered", excluded=("token",)))
    assert set(result.contracts.table["underlying"]) == {"gpu"}
    share = service.exposure_table(view, result.policy).set_index("unit")["hedgeable share"]
    assert share["M tokens"] == 0.0 and share["GPU-hours"] == 1.0


def test_static_program_holds_initial_margin_from_the_start(view):
    result = build_program(view, service.Policy(name="min_variance"))
    liquidity = program_liquidity(view, result)  # liquidity needs no budget
    expected = float(result.lots @ result.contracts.margin_per_lot)
    assert expected > 0
    assert liquidity.initial_margin["initial margin"].iloc[0] == pytest.approx(expected)
    assert liquidity.peak_variation_margin_p95 >= liquidity.peak_variation_margin_p50 >= 0
    # the run's outcome carries the same liquidity
    outcome = evaluate(view, result, 5_000_000)
    assert outcome.liquidity.initial_margin["initial margin"].iloc[0] == pytest.approx(expected)


def test_cli_hedge_json(company, capsys, monkeypatch):  # noqa: F811
    monkeypatch.setenv("HEDGING_DATA_DIR", str(company.data_dir))
    monkeypatch.setenv("DATABASE_URL", company.database_url)
    assert main(["hedge", "--as-of", AS_OF.isoformat(), "--policy", "min-cvar", "--horizon", "12", "--paths", "2000",
                 "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["spec"]["policy"]["name"] == "min_cvar" and out["solver"]["status"] in ("optimal", "time_limit")
    assert out["spec"]["as_of"] == AS_OF.isoformat() and out["headline"]["trades"] == len(out["schedule"])
    assert {"unhedged", "hedged"} <= set(out["before_after"]["CVaR 95%, horizon"])
    assert all(r["side"] == "buy" and r["lots"] > 0 for r in out["schedule"])


def test_stress_table_and_prospective_test(view):
    from hedging.service.stress import history_backtests, stress_table

    result = build_program(view, service.Policy(name="min_variance"))
    table, prospective = stress_table(view, result)
    table = table.set_index("scenario")
    assert len(table) == 6
    base = table.loc["baseline"]
    # the baseline scenario is the forecast itself (up to the float32 storage of daily paths)
    assert base["unhedged, expected"] == pytest.approx(view.total_spend.sum(axis=1).mean(), rel=1e-5)
    # volume does not move the index: the program's P&L is the baseline's, spend rises
    assert table.loc["volume triples", "hedge P&L, expected"] == pytest.approx(base["hedge P&L, expected"])
    assert table.loc["volume triples", "unhedged, expected"] > 2 * base["unhedged, expected"]
    # a long hedge gains when the price doubles and loses when it falls
    assert table.loc["price doubles within a quarter", "hedge P&L, expected"] > 0
    assert table.loc["price falls 60%", "hedge P&L, expected"] < 0
    assert prospective is not None and prospective.dollar_offset > 0
    from hedging.hedge.layered import ratios_by_tenor

    backtests = history_backtests(view, {u: ratios_by_tenor(12, service.Policy().bands) for u in view.underlyings})
    for months, h in backtests.values():
        assert len(months) == len(h.months) == 12
        np.testing.assert_allclose(np.array(h.hedged_cost), np.array(h.unhedged_cost) - np.array(h.hedge_pnl))


def test_the_schedule_csv_keeps_numbers_and_names_units(view):
    import io

    import pandas as pd

    result = build_program(view, service.Policy(name="min_variance"))
    schedule = service.schedule_table(result, view)
    back = pd.read_csv(io.BytesIO(service.schedule_csv(schedule)))
    for col in ("notional (USD)", "initial margin (USD)", "cost (USD)", "price (quote units)", "lots (contracts)"):
        assert pd.api.types.is_numeric_dtype(back[col]), col          # numbers, not "$75,255"
    np.testing.assert_allclose(back["notional (USD)"], schedule["notional (USD)"])
    units = dict(zip(back["underlying"], back["quote unit"]))
    assert set(units) <= {"LLM tokens", "GPU hours"} and units       # plain names, never the keys token/gpu
    assert [fmt.underlying(u) for u in schedule["underlying"]] == list(back["underlying"])
    assert units.get("GPU hours", "USD per GPU-hour") == "USD per GPU-hour"
    assert units.get("LLM tokens", "USD per million tokens") == "USD per million tokens"
    assert set(back["quote unit"]) <= {"USD per million tokens", "USD per GPU-hour"}


def test_the_historical_backtest_uses_the_chosen_policy(view):
    """Layered: the bands by tenor; minimum variance: the ratios its program holds for each month ahead
    (month k of the horizon is k months ahead of the as-of month); an excluded underlying: none."""
    from hedging.hedge.layered import ratios_by_tenor
    from hedging.service.run import policy_ratios

    layered = service.Policy(name="layered", bands=((3, 0.6), (6, 0.4), (12, 0.2)))
    got = policy_ratios(view, layered, build_program(view, layered))
    assert all(r == tuple(ratios_by_tenor(12, layered.bands)) for r in got.values())
    assert got["token"][:3] == (0.6, 0.6, 0.6) and got["token"][11] == 0.2
    mv = service.Policy(name="min_variance")
    result = build_program(view, mv)
    got = policy_ratios(view, mv, result)
    table = service.ratio_table(result, view)
    for u, ratios in got.items():
        mine = table[table["underlying"] == u].groupby("month")["hedge ratio"].sum()
        first = view.future[0]
        ahead = (first.year * 12 + first.month) - (view.spec.as_of.year * 12 + view.spec.as_of.month)
        assert ratios[ahead - 1] == pytest.approx(mine.iloc[0])
        assert sum(ratios) == pytest.approx(mine[mine.index.map(lambda m: m <= view.future[12 - ahead])].sum())
    assert got != policy_ratios(view, layered, build_program(view, layered))
    off = service.Policy(name="min_variance", excluded=("gpu",))
    assert policy_ratios(view, off, build_program(view, off))["gpu"] == (0.0,) * 12
