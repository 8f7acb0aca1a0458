"""The Forecast service on the sample company: model choice by backtest, reconciled drill-down,
spend = volume x unit price summed over underlyings, budget figures, announced price steps."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from hedging import service
from hedging.cli import main
from hedging.config import Settings
from hedging.errors import InputError


@pytest.fixture(scope="module")
def company(tmp_path_factory) -> Settings:
    tmp = tmp_path_factory.mktemp("company")
    settings = Settings(database_url=f"sqlite:///{tmp / 'h.db'}", data_dir=tmp)
    service.load_sample_company(settings)
    return settings


@pytest.fixture(scope="module")
def view(company):
    return service.forecast_view(12, 4000, 7, 0.3, "provider", settings=company)


def test_chosen_volume_model_beats_seasonal_naive_on_the_sample_company(view):
    assert set(view.underlyings) == {"token", "gpu"}
    for part in view.underlyings.values():
        scores = part.scores.set_index("model")["MASE"]
        assert scores[part.model] < scores["seasonal_naive"], (part.underlying, scores.to_dict())


def test_total_spend_is_the_sum_over_underlyings_path_by_path(view):
    parts = list(view.underlyings.values())
    np.testing.assert_array_equal(view.total_spend, parts[0].spend + parts[1].spend)
    assert view.total_spend.shape == (4000, 12)
    assert list(view.future.strftime("%Y-%m"))[:2] == ["2026-11", "2026-12"]


def test_drilldown_sums_to_the_total_forecast(view):
    for part in view.underlyings.values():
        by_month = part.drilldown.groupby("month")["volume"].sum().to_numpy()
        np.testing.assert_allclose(by_month, part.volume_mean, rtol=1e-9)


def test_budget_figures_follow_their_definitions(view):
    low, high = view.budget(annual=4_000_000), view.budget(annual=6_000_000)
    totals = view.total_spend.sum(axis=1)
    assert low.total.prob_over_budget == pytest.approx(float((totals > 4_000_000).mean()))
    assert high.total.prob_over_budget <= low.total.prob_over_budget
    assert low.total.budget_at_risk == pytest.approx(low.total.p95 - low.total.expected)
    assert low.total.expected == pytest.approx(float(totals.mean()))


def test_announced_price_cut_scales_spend_from_its_month(company, view):
    cut = service.forecast_view(12, 4000, 7, 0.3, "provider", {"token": ((3, 0.8),)}, settings=company)
    before, after = view.underlyings["token"].spend, cut.underlyings["token"].spend
    np.testing.assert_allclose(after[:, :3], before[:, :3])
    np.testing.assert_allclose(after[:, 3:], 0.8 * before[:, 3:])
    np.testing.assert_array_equal(cut.underlyings["gpu"].spend, view.underlyings["gpu"].spend)


def test_short_history_still_forecasts_with_a_warning(tmp_path):
    s = Settings(database_url=f"sqlite:///{tmp_path / 'h.db'}", data_dir=tmp_path)
    days = pd.date_range("2026-07-01", "2026-10-31", freq="D")
    rows = "".join(f"{d:%Y-%m-%d},openai,gpt-5,search,{1_000_000 + 5000 * i},{200_000},\n" for i, d in enumerate(days))
    text = "usage_date,billing_provider,model,team,input_tokens,output_tokens,cost_usd\n" + rows
    service.import_files([("short.csv", text.encode())], s)
    v = service.forecast_view(12, 2000, 1, 0.3, "provider", settings=s)
    part = v.underlyings["token"]
    assert any(w.code == "short_history" for w in part.warnings)
    lo, hi = part.volume_bands[95]
    assert (hi / lo)[-1] > 2  # deliberately wide after a year with four months of history


def test_bad_inputs_are_refused(company):
    with pytest.raises(InputError, match="horizon"):
        service.forecast_view(0, settings=company)
    with pytest.raises(InputError, match="correlation"):
        service.forecast_view(12, rho=1.5, settings=company)


def test_cli_forecast_json(company, capsys, monkeypatch):
    monkeypatch.setenv("HEDGING_DATA_DIR", str(company.data_dir))
    monkeypatch.setenv("DATABASE_URL", company.database_url)
    assert main(["forecast", "--horizon", "12", "--paths", "2000", "--seed", "3", "--budget", "5000000", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["horizon"] == 12 and len(out["spend_by_month"]) == 12 and out["budget_annual"] == 5_000_000
    assert set(out["underlyings"]) == {"token", "gpu"}
    assert 0 <= out["spend_total"]["prob_over_budget"] <= 1


def test_token_and_gpu_markets_are_simulated_independently(view):
    token, gpu = view.underlyings["token"], view.underlyings["gpu"]
    z = [np.diff(np.log(p.index_paths), axis=1)[:, 0] for p in (token, gpu)]
    # 4,000 independent pairs: |corr| beyond 4/sqrt(n) = 0.063 would be a shared random stream
    assert abs(np.corrcoef(z[0], z[1])[0, 1]) < 4 / np.sqrt(4000)
