"""Tests of hedging.market.index: capped weights, the token price index, the GPU rental index,
validation of uploaded index histories, and reproducibility of the shipped index files.

Expected values are written as formulas from the method (arXiv 2603.21690 eqs. 4-6).
"""

from __future__ import annotations

import ast
import importlib.util
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hedging.errors import InputError
from hedging.market import index as ix

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "sample_data"
LIST_PRICES = SAMPLE / "list_prices.csv"
INDICES = SAMPLE / "indices"
REF = ix.SIT_REFERENCE_SCORE


# --- cap_weights ------------------------------------------------------------------------------


def test_cap_weights_hand_example():
    # 50/30/10/10, cap 30%: 0.50 -> 0.30; the other 0.70 shared 30:10:10 gives 0.42 to the
    # second, capped too; the last 1 - 2 x 0.30 = 0.40 is shared 10:10.
    w = ix.cap_weights([50, 30, 10, 10], 0.30)
    free = 1 - 2 * 0.30
    expected = [0.30, 0.30, free * 10 / 20, free * 10 / 20]
    assert w == pytest.approx(expected, abs=1e-12)
    assert 0.70 * 30 / 50 > 0.30  # the second round really binds


def test_cap_weights_not_binding_is_plain_volume_share():
    v = np.array([40.0, 30.0, 20.0, 10.0])
    assert ix.cap_weights(v, 0.5) == pytest.approx(v / v.sum())


def test_cap_weights_infeasible_cap_gives_equal_weights():
    assert not ix.cap_is_feasible(3, 0.30)
    assert ix.cap_is_feasible(4, 0.30)
    assert ix.cap_is_feasible(4, 0.25)
    assert ix.cap_weights([90, 5, 5], 0.30) == pytest.approx([1 / 3] * 3)


@pytest.mark.parametrize("bad", [[], [1.0, 0.0], [1.0, -2.0], [1.0, float("nan")]])
def test_cap_weights_rejects_bad_volumes(bad):
    with pytest.raises(InputError):
        ix.cap_weights(bad, 0.3)


volumes_strategy = st.lists(st.floats(min_value=1e-3, max_value=1e6), min_size=1, max_size=12)


@settings(max_examples=300, deadline=None)
@given(volumes=volumes_strategy, cap=st.floats(min_value=0.05, max_value=1.0))
def test_cap_weights_properties(volumes, cap):
    v = np.asarray(volumes)
    w = ix.cap_weights(v, cap)
    assert w.shape == v.shape
    assert w.sum() == pytest.approx(1.0, abs=1e-9)
    assert np.all(w > 0)
    if not ix.cap_is_feasible(len(v), cap):
        assert w == pytest.approx(np.full(len(v), 1 / len(v)))
        return
    assert w.max() <= cap + 1e-9
    # order preserved: a larger volume never gets a smaller weight
    for i in range(len(v)):
        for j in range(len(v)):
            if v[i] > v[j]:
                assert w[i] >= w[j] - 1e-12
    # uncapped providers keep their volume ratios
    free = np.flatnonzero(w < cap - 1e-9)
    for i in free:
        for j in free:
            assert w[i] / w[j] == pytest.approx(v[i] / v[j], rel=1e-9)


# --- token price index ----------------------------------------------------------------------


def _prices(rows):
    return pd.DataFrame(rows, columns=["effective_date", "provider", "model",
                                       "input_usd_per_m", "output_usd_per_m"])


def _capability(scores: dict[str, float]):
    return pd.DataFrame({"model": list(scores), "score": list(scores.values())})


def _volumes(rows):
    return pd.DataFrame(rows, columns=["date", "provider", "share"])


TOY_PRICES = _prices([
    ("2024-01-01", "alpha", "a-big", 10.0, 30.0),
    ("2024-01-01", "alpha", "a-small", 1.0, 2.0),     # below the SIT threshold
    ("2024-02-01", "alpha", "a-mid", 4.0, 12.0),
    ("2024-01-15", "beta", "b1", 2.0, 6.0),
    ("2024-02-10", "beta", "b1", 1.0, 3.0),            # price cut mid-February
    ("2024-01-01", "gamma", "g1", 4.0, 8.0),
    ("2024-01-01", "delta", "d1", 3.0, 3.0),
])
TOY_SCORES = {"a-big": 90.0, "a-small": 80.0, "a-mid": REF, "b1": REF, "g1": 88.0, "d1": 86.0}
TOY_VOLUMES = _volumes([("2024-01-01", "alpha", 50), ("2024-01-01", "beta", 30),
                        ("2024-01-01", "gamma", 10), ("2024-01-01", "delta", 10)])
TOY_MONTHS = pd.date_range("2024-01-01", "2024-02-01", freq="MS")


def _blend(i, o, s=0.25):
    return (1 - s) * i + s * o


def test_token_index_equals_hand_calculation():
    series = ix.token_price_index(TOY_PRICES, _capability(TOY_SCORES), TOY_VOLUMES, TOY_MONTHS)
    # weights from volumes 50/30/10/10 with the 30% cap (see the hand example above)
    w_a, w_b, w_g, w_d = 0.30, 0.30, 0.20, 0.20
    jan = (w_a * _blend(10, 30) * REF / 90.0          # alpha: a-big (a-small does not qualify)
           + w_b * _blend(2, 6) * REF / REF
           + w_g * _blend(4, 8) * REF / 88.0
           + w_d * _blend(3, 3) * REF / 86.0)
    feb = (w_a * _blend(4, 12) * REF / REF            # a-mid (6.0) is now cheaper than a-big (14.4)
           + w_b * _blend(1, 3)                        # the cut is in effect at month end
           + w_g * _blend(4, 8) * REF / 88.0
           + w_d * _blend(3, 3) * REF / 86.0)
    assert series.values == pytest.approx((jan, feb), rel=1e-12)
    assert series.dates == (pd.Timestamp("2024-01-01"), pd.Timestamp("2024-02-01"))
    assert series.unit == "USD per 1M tokens"
    assert "alpha:a-big w=0.300" in series.source[0]
    assert "alpha:a-mid" in series.source[1]
    frame = series.frame()
    assert list(frame.columns) == ["date", "value", "source"]
    assert series.value_at("2024-02-17") == pytest.approx(feb)


def test_constituents_show_each_quote_and_weight():
    parts, _ = ix.token_index_constituents(TOY_PRICES, _capability(TOY_SCORES), TOY_VOLUMES,
                                           TOY_MONTHS)
    jan = parts[parts["month"] == pd.Timestamp("2024-01-01")].set_index("provider")
    assert jan.loc["alpha", "model"] == "a-big"
    assert jan.loc["alpha", "sit_usd_per_m"] == pytest.approx(15.0 * REF / 90.0)
    assert jan["weight"].sum() == pytest.approx(1.0)
    for month, group in parts.groupby("month"):
        series = ix.token_price_index(TOY_PRICES, _capability(TOY_SCORES), TOY_VOLUMES, TOY_MONTHS)
        assert series.value_at(month) == pytest.approx((group["weight"] * group["sit_usd_per_m"]).sum())


def test_blend_convention_is_a_parameter_and_in_metadata():
    prices = _prices([("2024-01-01", "solo", "m", 1.0, 3.0)])
    cap = _capability({"m": REF})
    months = pd.DatetimeIndex(["2024-01-01"])
    for s in (0.0, 0.25, 0.5, 0.75, 1.0):
        series = ix.token_price_index(prices, cap, None, months, blend_output_share=s)
        assert series.values[0] == pytest.approx((1 - s) * 1.0 + s * 3.0)
        assert series.meta["blend_output_share"] == s
    default = ix.token_price_index(prices, cap, None, months)
    assert default.values[0] == pytest.approx(0.75 * 1.0 + 0.25 * 3.0)
    assert "3:1 input:output" in default.meta["blend_convention"]
    assert "3:1 input:output" in default.method_note
    stci = ix.token_price_index(prices, cap, None, months, blend_output_share=0.75)
    assert "STCI" in stci.meta["blend_convention"]
    with pytest.raises(InputError, match="blend_output_share"):
        ix.token_price_index(prices, cap, None, months, blend_output_share=1.5)


def test_capability_adjustment_and_qualification():
    prices = _prices([("2024-01-01", "solo", "strong", 4.0, 8.0),
                      ("2024-01-01", "solo", "weak", 0.1, 0.2),
                      ("2024-01-01", "solo", "unscored", 0.01, 0.01)])
    months = pd.DatetimeIndex(["2024-01-01"])
    scores = _capability({"strong": 96.0, "weak": 70.0})
    series = ix.token_price_index(prices, scores, None, months)
    # P = blended x S_SIT / S_i; 'weak' is below 86 and 'unscored' has no score, so both are out
    assert series.values[0] == pytest.approx(_blend(4, 8) * REF / 96.0)
    codes = {w.code for w in series.warnings}
    assert "unscored_models" in codes
    assert "unscored" in next(w.message for w in series.warnings if w.code == "unscored_models")
    # the index scales with the reference score
    other = ix.token_price_index(prices, scores, None, months, reference_score=2 * REF)
    assert other.values[0] == pytest.approx(2 * series.values[0])
    # with a stricter threshold nothing qualifies: no value and a warning
    none = ix.token_price_index(prices, scores, None, months, min_score=97.0)
    assert none.values == ()
    assert "no_qualifying_quote" in {w.code for w in none.warnings}


def test_cheapest_qualifying_model_is_chosen_after_adjustment():
    # raw blended: x = 2.0, y = 1.9; adjusted: x = 2.0 x 86.4/96 = 1.8 < y = 1.9 x 86.4/86.4
    prices = _prices([("2024-01-01", "p", "x", 2.0, 2.0), ("2024-01-01", "p", "y", 1.9, 1.9)])
    series = ix.token_price_index(prices, _capability({"x": 96.0, "y": REF}), None,
                                  pd.DatetimeIndex(["2024-01-01"]))
    assert series.values[0] == pytest.approx(2.0 * REF / 96.0)
    assert "p:x" in series.source[0]


def test_fewer_than_four_providers_fall_back_to_equal_weights_with_warning():
    prices = _prices([("2024-01-01", "a", "ma", 10.0, 10.0), ("2024-01-01", "b", "mb", 2.0, 2.0)])
    vols = _volumes([("2024-01-01", "a", 90), ("2024-01-01", "b", 10)])
    series = ix.token_price_index(prices, _capability({"ma": REF, "mb": REF}), vols,
                                  pd.DatetimeIndex(["2024-01-01"]))
    assert series.values[0] == pytest.approx(0.5 * 10 + 0.5 * 2)
    warning = next(w for w in series.warnings if w.code == "cap_infeasible")
    assert "at least 4 providers" in warning.message and "2024-01" in warning.message


def test_volumes_in_effect_and_missing_volume():
    prices = _prices([("2024-01-01", p, f"m{p}", float(k), float(k))
                      for k, p in enumerate(["a", "b", "c", "d", "e"], start=1)])
    scores = _capability({f"m{p}": REF for p in "abcde"})
    vols = _volumes([("2024-01-01", p, 1) for p in "abcd"] + [("2024-02-01", "a", 2)])
    months = pd.date_range("2024-01-01", "2024-02-01", freq="MS")
    series = ix.token_price_index(prices, scores, vols, months)
    assert series.values[0] == pytest.approx((1 + 2 + 3 + 4) / 4)
    # February: a's volume doubles to 2 of 5 = 0.40 -> capped at 0.30, the rest shared 1:1:1
    assert series.values[1] == pytest.approx(0.30 * 1 + (0.70 / 3) * (2 + 3 + 4))
    warning = next(w for w in series.warnings if w.code == "no_volume")
    assert "'e'" in warning.message


def test_retired_models_leave_the_index():
    prices = _prices([("2024-01-01", "p", "cheap", 1.0, 1.0), ("2024-01-01", "p", "dear", 5.0, 5.0)])
    prices["retired_date"] = ["2024-02-15", ""]
    series = ix.token_price_index(prices, _capability({"cheap": REF, "dear": REF}), None,
                                  pd.date_range("2024-01-01", "2024-03-01", freq="MS"))
    assert series.values == pytest.approx((1.0, 5.0, 5.0))


def test_carry_back_labels_months_before_the_first_quote():
    prices = _prices([("2024-03-14", "p", "m", 30.0, 60.0)])
    months = pd.date_range("2024-01-01", "2024-04-01", freq="MS")
    dropped = ix.token_price_index(prices, _capability({"m": REF}), None, months)
    assert len(dropped.values) == 2
    assert "no_qualifying_quote" in {w.code for w in dropped.warnings}
    carried = ix.token_price_index(prices, _capability({"m": REF}), None, months, carry_back=True)
    assert carried.values == pytest.approx((37.5,) * 4)  # 0.75 x 30 + 0.25 x 60
    assert carried.source[0] == "no qualifying quote yet; carried back from 2024-03"
    assert "carried_back" in {w.code for w in carried.warnings}
    assert "no_qualifying_quote" not in {w.code for w in carried.warnings}


def test_index_series_is_frozen_and_hashable():
    series = ix.token_price_index(TOY_PRICES, _capability(TOY_SCORES), TOY_VOLUMES, TOY_MONTHS)
    again = ix.token_price_index(TOY_PRICES, _capability(TOY_SCORES), TOY_VOLUMES, TOY_MONTHS)
    assert series == again and hash(series) == hash(again)
    with pytest.raises(AttributeError):
        series.name = "x"


def test_price_table_errors_name_row_and_column():
    bad = TOY_PRICES.astype(str)
    bad.loc[3, "output_usd_per_m"] = "-6"
    with pytest.raises(InputError) as err:
        ix.token_price_index(bad, _capability(TOY_SCORES), None, TOY_MONTHS)
    text = str(err.value)
    assert "row 5" in text and "`output_usd_per_m`" in text and "'-6'" in text


# --- GPU rental index -----------------------------------------------------------------------


ANCHORS = pd.DataFrame({
    "date": ["2024-01-01", "2024-05-01", "2024-07-20", "2024-03-01"],
    "usd_per_gpu_hour": [4.0, 2.0, 3.0, 10.0],
    "segment": ["neo", "neo", "neo", "hyperscaler"],
    "source": ["src A", "src B", "src C", "other segment"],
})
GPU_MONTHS = pd.date_range("2023-12-01", "2024-09-01", freq="MS")


def test_gpu_index_passes_through_anchors_and_interpolates_log_linearly():
    series = ix.gpu_rental_index(ANCHORS, GPU_MONTHS, segment="neo")
    assert series.illustrative is True
    assert series.unit == "USD per GPU-hour"
    assert series.value_at("2024-01") == 4.0
    assert series.value_at("2024-05") == 2.0
    assert series.value_at("2024-07") == 3.0          # the anchor date is placed on its month start
    assert series.source[1] == "anchor: src A"
    # 2024-03-01 is 60 of 121 days from 2024-01-01 to 2024-05-01
    assert series.value_at("2024-03") == pytest.approx(4.0 * (2.0 / 4.0) ** (60 / 121))
    assert series.source[3] == "interpolated (log-linear) between anchors 2024-01 ($4.00) and 2024-05 ($2.00)"
    # the hyperscaler row (10.0 in 2024-03) is never mixed in
    assert max(series.values) == 4.0


def test_gpu_index_is_monotone_between_anchors_and_flat_outside():
    series = ix.gpu_rental_index(ANCHORS, GPU_MONTHS, segment="neo")
    v = dict(zip([d.strftime("%Y-%m") for d in series.dates], series.values))
    falling = [v[m] for m in ("2024-01", "2024-02", "2024-03", "2024-04", "2024-05")]
    rising = [v[m] for m in ("2024-05", "2024-06", "2024-07")]
    assert all(a > b for a, b in zip(falling, falling[1:]))
    assert all(a < b for a, b in zip(rising, rising[1:]))
    assert v["2023-12"] == 4.0 and v["2024-09"] == 3.0
    assert series.source[0].startswith("held flat at anchor 2024-01 ($4.00)")
    warning = next(w for w in series.warnings if w.code == "extrapolated")
    assert "2023-12" in warning.message and "2024-09" in warning.message


def test_gpu_index_rejects_unknown_segment_and_two_anchors_in_a_month():
    with pytest.raises(InputError, match="hyperscaler, neo"):
        ix.gpu_rental_index(ANCHORS, GPU_MONTHS, segment="spot")
    doubled = pd.concat([ANCHORS, ANCHORS.iloc[[0]].assign(date="2024-01-20")], ignore_index=True)
    with pytest.raises(InputError, match="more than one anchor in 2024-01"):
        ix.gpu_rental_index(doubled, GPU_MONTHS, segment="neo")


# --- validate_index_history -----------------------------------------------------------------


def _history(n=12, start="2024-01-01"):
    dates = pd.date_range(start, periods=n, freq="MS").strftime("%Y-%m-%d")
    return pd.DataFrame({"date": list(dates), "value": [f"{2 + k / 10:.2f}" for k in range(n)]})


def test_valid_history_is_sorted_with_default_source():
    frame = _history().iloc[::-1].reset_index(drop=True)
    out, warnings = ix.validate_index_history(frame, "gpu.csv")
    assert list(out.columns) == ["date", "value", "source"]
    assert out["date"].is_monotonic_increasing
    assert out["value"].iloc[0] == 2.0
    assert set(out["source"]) == {"uploaded: gpu.csv"}
    assert warnings == ()


def _error(frame, file_name="idx.csv") -> str:
    with pytest.raises(InputError) as err:
        ix.validate_index_history(frame, file_name)
    return str(err.value)


@pytest.mark.parametrize("column, value, expected", [
    ("date", "2024-13-01", "is not a date"),
    ("date", "", "is not a date"),
    ("value", "abc", "is not a number"),
    ("value", "-1.5", "must be greater than zero"),
    ("value", "0", "must be greater than zero"),
    ("value", "", "is empty or NaN"),
    ("value", "NaN", "is empty or NaN"),
    ("value", "inf", "is infinite"),
])
def test_bad_cells_name_file_row_column_and_value(column, value, expected):
    frame = _history()
    frame.loc[4, column] = value          # data row 5 is spreadsheet row 6 (header = row 1)
    text = _error(frame)
    assert text.startswith("idx.csv, row 6, column `" + column + "`")
    assert repr(value) in text
    assert expected in text
    assert "Fix:" in text


def test_numeric_frames_are_checked_too():
    frame = _history()
    frame["value"] = frame["value"].astype(float)
    frame.loc[2, "value"] = np.nan
    assert "row 4, column `value`" in _error(frame)
    frame.loc[2, "value"] = np.inf
    assert "is infinite" in _error(frame)


def test_duplicated_date_names_both_rows():
    frame = _history()
    frame.loc[7, "date"] = frame.loc[3, "date"]
    text = _error(frame)
    assert "row 9, column `date`" in text and "repeats row 5" in text
    assert repr(frame.loc[3, "date"]) in text


def test_too_few_points():
    text = _error(_history(11), "short.csv")
    assert text.startswith("short.csv")
    assert "11 data row(s)" in text and "at least 12" in text


def test_missing_column_is_reported_on_the_header_row():
    text = _error(_history().rename(columns={"value": "price"}))
    assert "row 1" in text and "`value`" in text and "price" in text


def test_gap_longer_than_45_days_is_a_warning():
    frame = _history(13).drop(index=6).reset_index(drop=True)   # one month missing: a 61-day gap
    out, warnings = ix.validate_index_history(frame, "gappy.csv")
    assert len(out) == 12
    (warning,) = warnings
    assert warning.code == "index_gap"
    assert "gappy.csv" in warning.message and "61 days" in warning.message


def test_load_index_history_reads_a_file(tmp_path):
    path = tmp_path / "upload.csv"
    frame = _history()
    frame["source"] = "vendor X"
    frame.loc[1, "value"] = "n/a"
    frame.to_csv(path, index=False)
    with pytest.raises(InputError, match=r"upload\.csv, row 3, column `value`: value 'n/a'"):
        ix.load_index_history(path)
    frame.loc[1, "value"] = "2.1"
    frame.to_csv(path, index=False)
    out, _ = ix.load_index_history(path)
    assert set(out["source"]) == {"vendor X"}


# --- shipped inputs and generated files -------------------------------------------------------


def test_module_imports_no_ui_or_storage():
    tree = ast.parse(Path(ix.__file__).read_text())
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert not imported & {"streamlit", "sqlmodel", "requests", "urllib", "socket"}


def test_shipped_gpu_index_uses_one_segment_and_hits_its_anchors():
    anchors = ix.load_anchors(SAMPLE / "index_inputs" / "gpu_anchors.csv")
    shipped = pd.read_csv(INDICES / "gpu_h100_index_monthly.csv", parse_dates=["date"])
    neo = anchors[anchors["segment"] == ix.DEFAULT_GPU_SEGMENT]
    by_date = shipped.set_index("date")
    for row in neo.itertuples():
        month = row.date.to_period("M").to_timestamp()
        assert by_date.loc[month, "value"] == pytest.approx(row.usd_per_gpu_hour, abs=1e-6)
        assert by_date.loc[month, "source"] == f"anchor: {row.source}"
    assert shipped["source"].str.len().min() > 0
    assert shipped["date"].min() == pd.Timestamp("2023-01-01")
    assert shipped["date"].max() == pd.Timestamp("2026-11-01")


def test_shipped_capability_and_shares_are_labelled():
    cap = ix.load_capability(SAMPLE / "index_inputs" / "capability.csv")
    assert cap["source"].str.match(r"^(published|assumption)").all()
    assert cap.loc[cap["model"] == "gpt-4-turbo", "score"].item() == ix.SIT_REFERENCE_SCORE
    shares = pd.read_csv(SAMPLE / "index_inputs" / "provider_shares.csv")
    assert shares["source"].str.startswith("assumption").all()


def _build_module():
    spec = importlib.util.spec_from_file_location("index_build", INDICES / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.skipif(not LIST_PRICES.exists(),
                    reason="sample_data/list_prices.csv is absent, so the token index cannot be built")
def test_real_list_prices_give_a_full_positive_token_index():
    token, parts, _ = _build_module().build_series()
    assert len(token.values) == 47 and all(v > 0 and math.isfinite(v) for v in token.values)
    assert token.dates[0] == pd.Timestamp("2023-01-01") and token.dates[-1] == pd.Timestamp("2026-11-01")
    # GPT-4 (8K) alone in 2023-03: 0.75 x 30 + 0.25 x 60
    assert token.value_at("2023-03") == pytest.approx(37.5)
    assert parts.groupby("month")["weight"].sum().to_numpy() == pytest.approx(1.0)
    sizes = parts.groupby("month")["provider"].transform("size")
    assert parts.loc[sizes >= 4, "weight"].max() <= ix.DEFAULT_CAP + 1e-12


@pytest.mark.skipif(not LIST_PRICES.exists(),
                    reason="sample_data/list_prices.csv is absent, so the shipped files cannot be rebuilt")
def test_generated_files_match_a_fresh_build(tmp_path):
    written = _build_module().build(tmp_path)
    assert [p.name for p in written] == ["token_index_monthly.csv", "token_index_constituents.csv",
                                         "gpu_h100_index_monthly.csv", "frontier_basket_monthly.csv",
                                         "gpu_h100_hyperscaler_monthly.csv"]
    for path in written:
        assert path.read_bytes() == (INDICES / path.name).read_bytes(), (
            f"{path.name} differs from a fresh build: run sample_data/indices/build.py")


def test_shipped_gpu_index_carries_the_jan_2026_rise_and_the_hyperscaler_cut():
    # markets.md B3: SDH100RT +10% from Dec 2025 to Jan 2026 (chained onto the neocloud level), and
    # AWS P5 on-demand cut by up to 45% in 2025-06 (12.29 -> 6.88, the 2026-11-09 list price).
    neo = pd.read_csv(INDICES / "gpu_h100_index_monthly.csv", parse_dates=["date"]).set_index("date")["value"]
    assert neo["2026-01-01"] / neo["2025-12-01"] == pytest.approx(2.60 / 2.36, rel=1e-4)  # anchors at 4 dp
    hyp = pd.read_csv(INDICES / "gpu_h100_hyperscaler_monthly.csv", parse_dates=["date"]).set_index("date")["value"]
    assert hyp["2025-05-01"] == pytest.approx(12.29) and hyp["2025-06-01"] == pytest.approx(6.88)
    assert 1 - hyp["2025-06-01"] / hyp["2025-05-01"] <= 0.45


def test_retired_deepseek_models_let_the_v4_flash_price_rise_reach_the_token_index():
    # markets.md A6/B1: DeepSeek V4-Flash rose from 0.14/0.28 to 0.44/1.32 on 2026-08-16
    token = pd.read_csv(INDICES / "token_index_monthly.csv", parse_dates=["date"]).set_index("date")
    assert token.loc["2026-08-01", "value"] > token.loc["2026-07-01", "value"]
    assert "deepseek:deepseek-v4-flash" in token.loc["2026-08-01", "source"]
