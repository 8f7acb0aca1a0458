"""The Market service: built-in and uploaded indices (SQLite and PostgreSQL), the model choice,
the forward curve against its Monte Carlo check, margins, and `hedging market --json`."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hedging import service
from hedging.cli import main
from hedging.errors import InputError
from hedging.market import PAPER_TABLE3
from tests.conftest import settings_for

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("underlying, n", [("token", 10), ("gpu", 12)])
def test_builtin_curve_is_consistent(settings, underlying, n):
    view = service.market_view(underlying, settings=settings, n_paths=20_000)
    curve = view.curve
    assert len(curve) == n
    assert view.model_choice == "paper"  # built-in indices are constructed, not market data
    assert any(w.code == "model_default" for w in view.warnings)
    assert (curve["bid"] < curve["fair"]).all() and (curve["fair"] < curve["ask"]).all()
    z = (curve["mc_mean"] - curve["fair"]) / curve["mc_std_error"]
    assert (z.abs() < 3).all(), z.tolist()
    assert np.allclose(curve["maintenance_margin"], 0.75 * curve["initial_margin"])
    assert (curve["initial_margin"] > 0).all()
    assert view.valuation_date == pd.Timestamp(view.index.history["date"].iloc[-1]).date()
    assert view.spot == pytest.approx(float(view.index.history["value"].iloc[-1]))
    assert set(view.parameters["parameter"]) >= {"kappa", "theta0", "beta", "sigma", "lam", "mu_j", "sigma_j"}


def _history(n: int = 48, seed: int = 5) -> str:
    """A monthly history simulated from Table 3 around $2.50 (a stand-in for a licensed index)."""
    model = PAPER_TABLE3.__class__(**{**PAPER_TABLE3.__dict__, "theta0": math.log(2.5)})
    times = np.arange(n) / 12
    values = model.simulate_prices(math.log(2.5), times, 1, seed)[0]
    dates = pd.date_range("2022-11-01", periods=n, freq="MS")
    return "date,value,source\n" + "".join(f"{d:%Y-%m-%d},{v:.4f},vendor\n" for d, v in zip(dates, values))


def test_uploaded_index_is_stored_chosen_and_calibrated(db_url, tmp_path):
    s = settings_for(db_url, tmp_path)
    text = _history()
    new_id, already, _ = service.upload_index("gpu", "Licensed H100", text.encode(), "h100.csv", s)
    assert not already
    assert service.upload_index("gpu", "again", text.encode(), "h100.csv", s)[:2] == (new_id, True)
    key = f"upload:{new_id}"
    assert key in dict(service.index_choices("gpu", s))
    service.choose_index("gpu", key, s)
    assert service.chosen_index("gpu", s) == key
    view = service.market_view("gpu", settings=s, n_paths=5000)
    assert view.index.name == "Licensed H100" and not view.index.illustrative
    assert view.model_choice == "calibrated"
    assert view.valuation_date.isoformat() == "2026-10-01"
    assert view.parameters["std_error"].notna().any()
    # an uploaded monthly history is fitted as averages with the bootstrap: 95% intervals from the
    # profile likelihood, stated as such, containing each estimated value except possibly kappa's
    # (bias-corrected, while its interval comes from the likelihood)
    estimated = view.parameters.set_index("parameter").loc[["theta0", "beta", "sigma", "gamma"]]
    assert (estimated["ci_low"] < estimated["value"]).all() and (estimated["value"] < estimated["ci_high"]).all()
    assert "95% intervals come from the likelihood" in view.model_label
    service.delete_index(new_id, s)
    assert service.chosen_index("gpu", s) == "builtin"


def test_bad_index_upload_names_row_and_stores_nothing(settings):
    text = _history().splitlines()
    text[5] = "2023-03-01,-1.0,vendor"
    with pytest.raises(InputError) as err:
        service.upload_index("token", "bad", ("\n".join(text) + "\n").encode(), "bad_index.csv", settings)
    message = str(err.value)
    assert "bad_index.csv" in message and "row 6" in message and "value" in message and "Fix:" in message
    assert not [k for k, _ in service.index_choices("token", settings) if k.startswith("upload:")]  # nothing stored


def test_cli_market_json(settings, capsys, monkeypatch):
    monkeypatch.setenv("HEDGING_DATA_DIR", str(settings.data_dir))
    assert main(["market", "--underlying", "token", "--paths", "4000", "--json"]) == 0
    [out] = json.loads(capsys.readouterr().out)
    assert out["underlying"] == "token" and len(out["contracts"]) == 10
    first = out["contracts"][0]
    assert set(first) >= {"symbol", "delivery_month", "last_trading_day", "fair", "bid", "ask", "initial_margin",
                          "maintenance_margin", "mc_mean", "mc_std_error"}
    assert out["illustrative"] is True


def test_cli_index_upload_list_and_a_run_on_the_uploaded_index(tmp_path, monkeypatch, capsys):
    """`hedging index upload --choose` does what the Market page's upload does; the next run uses it
    and says so in its spec and its data section."""
    import json

    from hedging import cli

    monkeypatch.setenv("HEDGING_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    path = tmp_path / "h100.csv"
    path.write_text(_history())
    assert cli.main(["index", "upload", "gpu", str(path), "--name", "Licensed H100", "--choose", "--json"]) == 0
    uploaded = json.loads(capsys.readouterr().out)
    assert uploaded["chosen"] and not uploaded["already_uploaded"]
    assert cli.main(["index", "list", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    chosen = {r["underlying"]: r["key"] for r in rows if r["chosen"]}
    assert chosen == {"token": "builtin", "gpu": uploaded["key"]}
    assert any(r["name"].startswith("Licensed H100") for r in rows)
    # a second upload of the same file changes nothing
    assert cli.main(["index", "upload", "gpu", str(path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["already_uploaded"]

    files = [str(p) for p in sorted((ROOT / "sample_data" / "company").glob("*.csv"))]
    code = cli.main(["run", *files, "--as-of", "2026-12-06", "--paths-sim", "500", "--json",
                     "--out", str(tmp_path / "p.pdf")])
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    assert out["spec"]["index"] == {"token": "builtin", "gpu": uploaded["key"]}
    assert out["data"]["gpu"]["index"] == "Licensed H100"
    # the uploaded history ends in Oct 2026: the as-of date is further on, and the run says so
    assert out["data"]["gpu"]["index_last_observed"] == "2026-10-01"
    assert any("Licensed H100 was last observed on 1 Oct 2026" in w for w in out["warnings"])   # dates as 1 Oct 2026


def test_the_model_label_says_what_each_kind_of_interval_is_and_how_far_it_was_measured_to_cover():
    """One sentence per kind of 95% interval the calibration reports, with the measured coverage
    where it falls short (bench/calibration.py; the README's table)."""
    import dataclasses as dc

    from hedging.market import PAPER_TABLE3, Calibration
    from hedging.service import market as market_service

    def note(method: str, lam: float = 3.0) -> str:
        fit = Calibration(model=dc.replace(PAPER_TABLE3, lam=lam), std_errors={}, log_likelihood=0.0, n_obs=730,
                          converged=True, interval_method=method, n_bootstrap=100)
        return market_service._interval_note(fit)

    assert "not centred on the value" in note("profile likelihood", lam=0.0)
    quasi = note("quasi-likelihood ratio")
    assert "likelihood without jumps" in quasi and market_service.JUMP_COVERAGE in quasi
    assert "78-85% of the time" in note("estimate +/- 1.96 SE")
    assert note("estimate +/- 1.96 SE", lam=0.0) == "The 95% intervals are value ± 1.96 standard errors"
    assert not any(n.endswith(".") for n in (quasi, note("profile likelihood", lam=0.0)))


def test_a_calibration_is_kept_by_the_content_of_its_history_not_by_identity():
    from hedging.service import market as m

    rng = np.random.default_rng(3)
    times = np.arange(40) / 12
    logs = np.log(2.0) + np.cumsum(rng.normal(0, 0.05, 40))
    m._FITS.clear()
    first = m._calibrated(times, logs, None, "gpu")
    again = m._calibrated(times.copy(), logs.copy(), None, "gpu")        # same values, other arrays
    assert again is first
    moved = logs.copy()
    moved[-1] += 0.01                                                     # one value changed: a new fit
    other = m._calibrated(times, moved, None, "gpu")
    assert other is not first and other.model.theta0 != first.model.theta0
    assert m._calibrated(times, logs, None, "token") is not first         # other bounds, other fit


def test_an_interval_that_reaches_the_model_limits_says_so_instead_of_reading_as_an_estimate():
    """Two or three years often cannot rule out no mean reversion, and then the trend and season are free:
    their 95% interval is the whole allowed range (-5 to 5 log a year for the trend), which the page says
    in words; one end at a limit is marked; a held value reads "held at"; no interval is a dash."""
    from hedging.service import market as m

    assert m.interval_text("beta", -5.0, 5.0) == ("not pinned down by this history: any value the model allows "
                                                   "(-5.0000 to 5.0000)")
    assert m.interval_text("kappa", 0.01, 4.5) == "0.0100 (the model's limit) to 4.5000"
    assert m.interval_text("theta0", -0.2, 50.0) == "-0.2000 to 50.0000 (the model's limit)"
    assert m.interval_text("sigma", 0.3784, 0.413) == "0.3784 to 0.4130"
    assert m.interval_text("gamma", 0.08, 0.08) == "held at 0.0800"
    assert m.interval_text("sigma", float("nan"), 0.4) == "—"
