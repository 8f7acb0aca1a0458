"""Calibration as the Market page uses it: built-in indices fit to plausible values, monthly
uploads are read as averages, and every calibration warning names a control on the page."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from hedging import service
from hedging.market import PAPER_TABLE3
from hedging.service.market import PLAUSIBLE, _observation

CONTROLS = ("\u201cModel parameters\u201d", "\u201cUpload your own index history\u201d")


@pytest.mark.parametrize("underlying", ["gpu", "token"])
def test_builtin_index_calibrates_to_a_plausible_trend_and_season(settings, underlying):
    pm = service.price_model(underlying, "builtin", "calibrated", settings=settings)
    assert pm.choice == "calibrated" and pm.label.startswith("Calibrated to this index")
    plausible = PLAUSIBLE[underlying]
    assert plausible.trend_ok(pm.model.beta) and plausible.season_ok(pm.model.gamma)
    assert pm.warnings
    for w in pm.warnings:
        assert any(c in w.message for c in CONTROLS), (w.code, w.message)
        assert service.MODEL_CHOICES["paper"] in w.message
    if underlying == "gpu":
        # the illustrative H100 series (log-linear between anchors) fits a trend of about +150% a
        # year with no mean reversion: refused, the preset trend is used and the page says so
        assert pm.model.beta == PAPER_TABLE3.beta
        refusal = next(w.message for w in pm.warnings if w.code == "implausible_trend")
        assert refusal.startswith("The fitted trend, +") and "GPU rental prices have done" in refusal
        assert "the app uses the preset trend (-30% a year) instead." in refusal


def _frame(dates) -> pd.DataFrame:
    return pd.DataFrame({"date": pd.to_datetime(dates), "value": np.linspace(2, 3, len(dates)),
                         "source": "vendor"})


def test_monthly_uploads_are_averages_and_daily_uploads_are_prints():
    assert _observation(_frame(pd.date_range("2023-01-01", periods=24, freq="MS"))) == "average"
    assert _observation(_frame(pd.date_range("2023-01-31", periods=24, freq="ME"))) == "average"
    assert _observation(_frame(pd.date_range("2024-01-01", periods=400, freq="D"))) == "point"
    assert _observation(_frame(pd.date_range("2023-01-01", periods=20, freq="QS"))) == "point"


def test_an_uploaded_monthly_index_is_fitted_with_the_average_likelihood(settings):
    model = PAPER_TABLE3.__class__(**{**PAPER_TABLE3.__dict__, "lam": 0.0, "theta0": math.log(2.5)})
    months = pd.date_range("2022-11-01", periods=48, freq="MS")
    days = np.arange((months[-1] + pd.offsets.MonthEnd(0) - months[0]).days + 1) / 365
    daily = model.simulate_prices(math.log(2.5), days, 1, 5)[0]
    frame = pd.DataFrame({"date": pd.date_range(months[0], periods=days.size, freq="D"), "value": daily})
    monthly = frame.groupby(frame["date"].dt.to_period("M"))["value"].mean()
    text = "date,value\n" + "".join(f"{p.to_timestamp():%Y-%m-%d},{v:.6f}\n" for p, v in monthly.items())
    new_id, _, _ = service.upload_index("gpu", "Monthly H100", text.encode(), "h100_monthly.csv", settings)
    pm = service.price_model("gpu", f"upload:{new_id}", "calibrated", settings=settings)
    assert pm.data.observation == "average" and "monthly averages" in pm.label
    assert "average of its calendar month" in pm.data.observation_note
    assert any(w.code == "averages_without_jumps" for w in pm.warnings)
    assert pm.model.lam == 0.0 and 0 < pm.std_errors["sigma"] < pm.model.sigma
