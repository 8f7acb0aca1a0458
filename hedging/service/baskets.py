"""The company's own usage-weighted list-price basket, built from its imported usage.

The maths is :func:`hedging.market.baskets.usage_basket_index`; this module only reads the stored
usage and the dated list-price table and hands them over.
"""

from __future__ import annotations

import pandas as pd

from hedging.config import Settings
from hedging.errors import InputError
from hedging.market.baskets import TOKEN_PRICE, usage_basket_index, usage_mix
from hedging.market.index import IndexSeries
from hedging.service.usage import default_settings, price_table, stored_usage

FIRST_MONTH = "2023-01-01"


def company_basket(settings: Settings | None = None) -> IndexSeries:
    """The company's token mix of its last 12 months of usage, priced monthly at list prices."""
    settings = settings or default_settings()
    prices = price_table(settings)
    if prices is None:
        raise InputError("there is no list-price table to price your usage basket.",
                         fix="keep sample_data/list_prices.csv (or your own dated list prices) in the data folder.")
    frame = stored_usage(settings)
    if frame.empty:
        raise InputError("there is no stored token usage to weight your basket.",
                         fix="import usage exports on the Data page, or choose another index.")
    tokens = frame[list(TOKEN_PRICE)].sum(axis=1) > 0
    rows = frame.loc[tokens & frame["model"].isin(prices.models())]
    if rows.empty:
        raise InputError("none of your token usage is of a model with a list price, so no basket can be priced.",
                         fix="add the models' dated prices to the list-price table, or choose another index.")
    usage = rows.assign(month=rows["usage_date"].dt.to_period("M").dt.to_timestamp())
    usage = usage.groupby(["month", "model"], as_index=False)[list(TOKEN_PRICE)].sum()
    mix = usage_mix(usage)
    # list prices stay in effect until they change, so the basket is priced up to the current month
    today = pd.Timestamp.now(tz="UTC").tz_localize(None).to_period("M").to_timestamp()
    months = pd.date_range(FIRST_MONTH, max(usage["month"].max(), today), freq="MS")
    return usage_basket_index(mix, prices.frame, months)
