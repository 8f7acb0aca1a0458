"""The frontier-model basket and the company's usage-weighted list-price basket."""

import numpy as np
import pandas as pd
import pytest

from hedging.errors import InputError
from hedging.market import index as ix
from hedging.market.baskets import frontier_basket_index, usage_basket_index, usage_mix

SAMPLE = __import__("pathlib").Path(__file__).resolve().parents[2] / "sample_data"


def _prices(rows):
    return pd.DataFrame(rows, columns=["effective_date", "provider", "model", "input_usd_per_m",
                                       "output_usd_per_m", "cache_read_usd_per_m", "cache_write_usd_per_m"])


PRICES = _prices([
    ("2024-01-10", "openai", "big", 10.0, 30.0, 5.0, None),
    ("2024-03-05", "openai", "big", 5.0, 15.0, 2.5, None),
    ("2024-02-01", "anthropic", "opus", 15.0, 75.0, 1.5, 18.75),
    ("2024-04-01", "anthropic", "sonnet", 3.0, 15.0, 0.3, 3.75),
])
MEMBERS = pd.DataFrame({"from_date": ["2024-01-10", "2024-02-01", "2024-04-01"],
                        "provider": ["openai", "anthropic", "anthropic"], "model": ["big", "opus", "sonnet"]})
SHARES = pd.DataFrame({"date": ["2024-01-01", "2024-01-01"], "provider": ["openai", "anthropic"],
                       "share": [0.6, 0.4]})


def test_frontier_basket_follows_each_providers_dated_member_at_list_price():
    months = pd.date_range("2023-12-01", "2024-04-01", freq="MS")
    fb = frontier_basket_index(PRICES, MEMBERS, SHARES, months)
    # 2023-12: nothing listed yet, so no value; 2024-01: only "big" = 0.75 x 10 + 0.25 x 30
    assert fb.dates[0] == pd.Timestamp("2024-01-01")
    assert fb.value_at("2024-01") == pytest.approx(15.0)
    # 2024-02: two providers, the 30% cap is infeasible, so equal weights: (15 + 0.75x15 + 0.25x75) / 2
    assert fb.value_at("2024-02") == pytest.approx((15.0 + 30.0) / 2)
    # 2024-03: big cut to 5 / 15 -> 7.5
    assert fb.value_at("2024-03") == pytest.approx((7.5 + 30.0) / 2)
    # 2024-04: anthropic's member is now sonnet: 0.75 x 3 + 0.25 x 15 = 6
    assert fb.value_at("2024-04") == pytest.approx((7.5 + 6.0) / 2)
    assert any(w.code == "cap_infeasible" for w in fb.warnings)


def test_frontier_basket_rejects_a_member_without_a_price():
    members = pd.concat([MEMBERS, pd.DataFrame({"from_date": ["2024-05-01"], "provider": ["google"],
                                                "model": ["gemini-x"]})])
    with pytest.raises(InputError, match="gemini-x"):
        frontier_basket_index(PRICES, members, SHARES, pd.date_range("2024-01-01", periods=3, freq="MS"))


def test_usage_basket_prices_a_fixed_mix_and_chain_links_over_launches():
    usage = pd.DataFrame({"month": ["2024-04-01", "2024-04-01"], "model": ["big", "sonnet"],
                          "input_tokens": [600, 0], "cache_read_tokens": [0, 0], "cache_write_tokens": [0, 0],
                          "output_tokens": [200, 200]})
    mix = usage_mix(usage)
    assert mix[["input_tokens", "output_tokens"]].to_numpy().sum() == pytest.approx(1.0)
    months = pd.date_range("2024-01-01", "2024-04-01", freq="MS")
    idx = usage_basket_index(mix, PRICES, months)
    # 2024-04 level: (0.6 x 5 + 0.2 x 15 + 0.2 x 15) / 1.0 = 9.0 USD per 1M tokens
    assert idx.value_at("2024-04") == pytest.approx(9.0)
    # 2024-03 -> 04: sonnet launches; the link uses only "big", unchanged, so no jump
    assert idx.value_at("2024-03") == pytest.approx(9.0)
    # 2024-02 -> 03: big's cut halves its basket cost: (0.6x10 + 0.2x30) / (0.6x5 + 0.2x15) = 2
    assert idx.value_at("2024-02") == pytest.approx(18.0)
    assert idx.value_at("2024-01") == pytest.approx(18.0)
    assert idx.unit == "USD per 1M tokens"


def test_usage_basket_falls_back_to_the_input_price_for_cache_reads():
    usage = pd.DataFrame({"month": ["2024-02-01"], "model": ["big"], "input_tokens": [0],
                          "cache_read_tokens": [100], "cache_write_tokens": [0], "output_tokens": [0]})
    prices = PRICES.assign(cache_read_usd_per_m=np.nan)
    idx = usage_basket_index(usage_mix(usage), prices, pd.date_range("2024-02-01", periods=1, freq="MS"))
    assert idx.value_at("2024-02") == pytest.approx(10.0)


def test_usage_basket_needs_priced_models():
    usage = pd.DataFrame({"month": ["2024-02-01"], "model": ["unknown"], "input_tokens": [1],
                          "cache_read_tokens": [0], "cache_write_tokens": [0], "output_tokens": [0]})
    with pytest.raises(InputError, match="none of the models"):
        usage_basket_index(usage_mix(usage), PRICES, pd.date_range("2024-02-01", periods=1, freq="MS"))


def test_shipped_frontier_basket_against_the_reference_level():
    # markets.md A6: modelpricewatch's equal-weighted frontier flagship basket (3:1) was $4.14 on
    # 2026-08-22; ours (four providers, capped usage weights, Opus 4.5 for Anthropic) is of that order.
    shipped = pd.read_csv(SAMPLE / "indices" / "frontier_basket_monthly.csv", parse_dates=["date"])
    aug = shipped.set_index("date").loc["2026-08-01", "value"]
    assert 0.5 * 4.14 < aug < 2.0 * 4.14
    # GPT-4 (8K) alone in 2023-03: 0.75 x 30 + 0.25 x 60
    assert shipped.set_index("date").loc["2023-03-01", "value"] == pytest.approx(37.5)
    members = pd.read_csv(SAMPLE / "index_inputs" / "frontier_members.csv")
    assert members["source"].str.startswith("assumption").all()
    assert set(members["model"]) <= set(ix.load_list_prices(SAMPLE / "list_prices.csv")["model"])
