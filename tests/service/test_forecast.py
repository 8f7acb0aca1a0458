"""The Forecast service on the sample company: model choice by backtest, reconciled drill-down,
spend = volume x unit price summed over underlyings, budget figures, announced price changes."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest

from hedging import service
from hedging.cli import main
from hedging.config import Settings
from hedging.errors import InputError
from hedging.risk import quantile

# The sample company's usage ends on 31 Oct 2026 and the index's last print is 1 Nov 2026. As of
# 6 Dec 2026 the horizon is Jan - Dec 2027, Nov and Dec 2026 are estimated months, and the default
# fiscal year (January start) is FY2027, exactly the horizon.
AS_OF = dt.date(2026, 12, 6)


@pytest.fixture(scope="module")
def company(tmp_path_factory) -> Settings:
    tmp = tmp_path_factory.mktemp("company")
    settings = Settings(database_url=f"sqlite:///{tmp / 'h.db'}", data_dir=tmp)
    service.load_sample_company(settings)
    return settings


@pytest.fixture(scope="module")
def spec() -> service.RunSpec:
    return service.RunSpec(as_of=AS_OF, horizon=12, n_paths=4000, seed=7, rho=0.3, by="provider")


@pytest.fixture(scope="module")
def view(company, spec):
    return service.forecast(spec, company)


def test_chosen_volume_model_beats_seasonal_naive_on_the_sample_company(view):
    assert set(view.underlyings) == {"token", "gpu"}
    for part in view.underlyings.values():
        scores = part.scores.set_index("model")["MASE"]
        assert scores[part.model] < scores["seasonal_naive"], (part.underlying, scores.to_dict())


def test_total_spend_is_the_sum_over_underlyings_path_by_path(view):
    parts = list(view.underlyings.values())
    np.testing.assert_array_equal(view.total_spend, parts[0].spend + parts[1].spend)
    assert view.total_spend.shape == (4000, 12)
    # the horizon is the 12 months after the as-of month ...
    assert list(view.future.strftime("%Y-%m"))[:2] == ["2027-01", "2027-02"]
    # ... and the simulation starts the month after the last complete usage month
    for part in parts:
        assert list(part.steps.strftime("%Y-%m"))[:2] == ["2026-11", "2026-12"] and part.h0 == 2
        assert part.all_spend.shape == (4000, 14)
        np.testing.assert_array_equal(part.spend, part.all_spend[:, part.h0:])
    assert list(view.estimate_months.strftime("%Y-%m")) == ["2026-11", "2026-12"]
    np.testing.assert_array_equal(view.estimate_spend, parts[0].all_spend[:, :2] + parts[1].all_spend[:, :2])


def test_drilldown_sums_to_the_total_forecast(view):
    for part in view.underlyings.values():
        by_month = part.drilldown.groupby("month")["volume"].sum()
        assert list(by_month.index) == list(view.future)
        np.testing.assert_allclose(by_month.to_numpy(), part.volume_paths.mean(axis=0), rtol=1e-9)


def test_budget_figures_follow_their_definitions(company, view, spec):
    program = service.build_program_stage(view, spec)
    low = service.finish_run(spec.with_(budget_annual=4_000_000), view, program).headline()
    high = service.finish_run(spec.with_(budget_annual=6_000_000), view, program).headline()
    # FY2027 is exactly the horizon here, so the fiscal-year spend is the horizon's total
    assert view.fiscal_covered == 12 and view.fiscal_horizon_mask.all()
    totals = view.total_spend.sum(axis=1)
    np.testing.assert_allclose(view.fiscal_spend(), totals, rtol=1e-12)
    assert low["budget"] == low["budget_compared"] == 4_000_000
    assert low["prob_over_before"] == pytest.approx(float((totals > 4_000_000).mean()))
    assert high["prob_over_before"] <= low["prob_over_before"]
    assert low["bar_before"] == pytest.approx(quantile(totals, 0.95) - float(totals.mean()))
    assert low["fiscal_expected_spend"] == pytest.approx(float(totals.mean()))
    # no budget given: expected fiscal-year spend rounded up to $50,000
    default = view.default_budget()
    assert default % 50_000 == 0 and 0 <= default - totals.mean() < 50_000

    # as of 15 Nov 2026 the default fiscal year is FY2026: ten reported months, one estimated
    # month (Nov) and one horizon month (Dec)
    early = service.forecast(spec.with_(as_of=dt.date(2026, 11, 15), n_paths=1000), company)
    assert early.spec.fiscal_year_label == 2026 and early.fiscal_covered == 12
    reported = early.history_spend[early.history_months.year == 2026].sum()
    assert len(early.history_months[early.history_months.year == 2026]) == 10
    expected = reported + early.estimate_spend.sum(axis=1) + early.total_spend[:, 0]
    np.testing.assert_allclose(early.fiscal_spend(), expected, rtol=1e-12)
    assert list(early.fiscal_horizon_mask) == [True] + [False] * 11


def test_announced_price_cut_scales_spend_from_its_month(company, spec, view):
    cut = service.forecast(spec.with_(price_changes=(service.PriceChange("token", "2027-03", -20.0),)), company)
    before, after = view.underlyings["token"].spend, cut.underlyings["token"].spend
    # March 2027 is the third horizon month
    np.testing.assert_allclose(after[:, :2], before[:, :2])
    np.testing.assert_allclose(after[:, 2:], 0.8 * before[:, 2:])
    # the estimated months before the horizon are untouched too
    np.testing.assert_allclose(cut.underlyings["token"].all_spend[:, :2], view.underlyings["token"].all_spend[:, :2])
    np.testing.assert_array_equal(cut.underlyings["gpu"].spend, view.underlyings["gpu"].spend)


def test_provider_and_model_price_changes_move_their_share_of_cost(company, spec, view):
    """+50% on one provider (or one model) moves the underlying's unit price by its share of the last
    three complete months' cost, measured here straight from the stored usage."""
    frame = service.stored_usage(company)
    tokens = frame[(frame["gpu_hours"] == 0) & (frame["usage_date"] >= "2026-08-01") & (frame["usage_date"] <= "2026-10-31")]
    cost = tokens["cost_usd"] - tokens["non_token_cost_usd"]
    provider_share = cost.groupby(tokens["billing_provider"]).sum() / cost.sum()
    model_share = cost.groupby(tokens["model"]).sum() / cost.sum()
    model = model_share.idxmax()
    before = view.underlyings["token"].spend
    for name, share in (("openai", provider_share["openai"]), (model, model_share[model])):
        up = service.forecast(spec.with_(price_changes=(service.PriceChange("token", "2027-03", 50.0, name),)), company)
        after = up.underlyings["token"].spend
        np.testing.assert_allclose(after[:, :2], before[:, :2])
        np.testing.assert_allclose(after[:, 2:], (1 + 0.5 * share) * before[:, 2:], rtol=1e-9)
    with pytest.raises(InputError, match="no recent token usage from a provider or model"):
        service.forecast(spec.with_(price_changes=(service.PriceChange("token", "2027-03", 5.0, "nobody"),)), company)


def test_short_history_still_forecasts_with_a_warning(tmp_path):
    s = Settings(database_url=f"sqlite:///{tmp_path / 'h.db'}", data_dir=tmp_path)
    days = pd.date_range("2026-07-01", "2026-10-31", freq="D")
    rows = "".join(f"{d:%Y-%m-%d},openai,gpt-5,search,{1_000_000 + 5000 * i},{200_000},\n" for i, d in enumerate(days))
    text = "usage_date,billing_provider,model,team,input_tokens,output_tokens,cost_usd\n" + rows
    service.import_files([("short.csv", text.encode())], s)
    v = service.forecast(service.RunSpec(as_of=dt.date(2026, 11, 15), horizon=12, n_paths=2000, seed=1, rho=0.3), s)
    part = v.underlyings["token"]
    assert any(w.code == "short_history" for w in part.warnings)
    lo, hi = part.volume_bands[95]
    assert (hi / lo)[-1] > 2  # deliberately wide after a year with four months of history


def test_bad_inputs_are_refused():
    # a run specification is checked when it is made, before anything is simulated
    with pytest.raises(InputError, match="horizon"):
        service.RunSpec(as_of=AS_OF, horizon=0)
    with pytest.raises(InputError, match="correlation"):
        service.RunSpec(as_of=AS_OF, horizon=12, rho=1.5)


def test_cli_forecast_json(company, capsys, monkeypatch):
    monkeypatch.setenv("HEDGING_DATA_DIR", str(company.data_dir))
    monkeypatch.setenv("DATABASE_URL", company.database_url)
    assert main(["forecast", "--as-of", AS_OF.isoformat(), "--horizon", "12", "--paths", "2000", "--seed", "3",
                 "--budget", "5000000", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["spec"]["horizon"] == 12 and len(out["spend_by_month"]) == 12
    assert out["spec"]["budget_annual"] == 5_000_000 and out["fiscal_year"]["budget_annual"] == 5_000_000
    assert out["months"] == [f"2027-{m:02d}" for m in range(1, 13)]
    assert out["estimated_months"] == ["2026-11", "2026-12"]
    assert set(out["underlyings"]) == {"token", "gpu"}
    assert 0 <= out["fiscal_year"]["prob_over_budget"] <= 1


def test_token_and_gpu_markets_are_simulated_independently(view):
    token, gpu = view.underlyings["token"], view.underlyings["gpu"]
    z = [np.diff(np.log(p.index_paths), axis=1)[:, 0] for p in (token, gpu)]
    # 4,000 independent pairs: |corr| beyond 4/sqrt(n) = 0.063 would be a shared random stream
    assert abs(np.corrcoef(z[0], z[1])[0, 1]) < 4 / np.sqrt(4000)


def test_the_volume_model_is_named_in_words_with_what_it_combines():
    import dataclasses

    from hedging.service.forecast import UnderlyingForecast
    names = {f.name: None for f in dataclasses.fields(UnderlyingForecast) if f.name not in ("model", "model_members")}
    combined = UnderlyingForecast(**names, model="combination", model_members=("ets", "theta", "arima"))
    assert combined.model_label == "combination of ETS (exponential smoothing), Theta and seasonal ARIMA"
    single = UnderlyingForecast(**names, model="damped_trend")
    assert single.model_label == "damped trend"
