"""Charts show every text as text: a name a user chose (an uploaded index, a model, a team) cannot
become a link, an image or markup in a title, a legend entry or an axis title."""

from __future__ import annotations

import pandas as pd

from hedging.report import charts

EVIL = '<a href="http://203.0.113.9/wire">Pay here</a><img src="http://203.0.113.9/x.png">'


def test_index_names_are_inert_in_titles_and_legends():
    history = pd.DataFrame({"date": pd.to_datetime(["2026-01-01", "2026-02-01"]), "value": [1.0, 1.1],
                            "source": ["vendor", "vendor"]})
    fig = charts.index_history(history, EVIL, "USD per GPU-hour", illustrative=False)
    texts = [fig.layout.title.text, fig.layout.yaxis.title.text] + [t.name for t in fig.data]
    assert all("<" not in t and ">" not in t for t in texts if t)
    assert "&lt;a href=" in fig.layout.title.text


def test_drill_down_labels_are_inert_in_legends():
    frame = pd.DataFrame({"month": pd.to_datetime(["2026-01-01", "2026-01-01"]), "label": [EVIL, "openai"],
                          "cost_usd": [10.0, 20.0]})
    fig = charts.monthly_spend(frame, "label", title=f"Spend by team {EVIL}")
    assert {t.name for t in fig.data} == {EVIL.replace("<", "&lt;").replace(">", "&gt;"), "openai"}
    assert "<" not in fig.layout.title.text
    assert all("<a href" not in (t.hovertemplate or "") for t in fig.data)


def _months(first: str, n: int) -> pd.DataFrame:
    months = pd.date_range(first, periods=n, freq="MS")
    return pd.DataFrame({"month": months, "label": "openai", "cost_usd": 100.0,
                         "usd_per_m_tokens": 2.5})


def test_a_single_month_or_a_few_have_every_month_labelled_under_its_bar():
    # a tick every third month (from January) left one month of data, e.g. Nov 2026, unlabelled
    for n in (1, 2, 5, 12):
        frame = _months("2026-11-01", n)
        for fig in (charts.monthly_spend(frame, "label"), charts.effective_price(frame, "label")):
            ticks = [pd.Timestamp(t) for t in fig.layout.xaxis.tickvals]
            assert ticks == list(frame["month"]), n
            assert fig.layout.xaxis.tickformat == "%b %Y"


def test_more_than_a_year_of_months_is_labelled_every_third_month():
    fig = charts.monthly_spend(_months("2024-11-01", 25), "label")
    assert fig.layout.xaxis.tickvals is None and fig.layout.xaxis.dtick == "M3"


def test_an_empty_spend_chart_still_builds():
    empty = pd.DataFrame({"month": pd.Series([], dtype="datetime64[ns]"), "label": pd.Series([], dtype=object),
                          "cost_usd": pd.Series([], dtype=float)})
    fig = charts.monthly_spend(empty, "label")
    assert len(fig.data) == 0


def test_price_ticks_carry_one_number_of_decimals_and_enough_to_tell_ticks_apart():
    def axis(prices):
        frame = pd.DataFrame({"month": pd.date_range("2026-01-01", periods=len(prices), freq="MS"),
                              "label": "openai", "cost_usd": 1.0, "usd_per_m_tokens": prices})
        return charts.effective_price(frame, "label").layout.yaxis.tickformat

    assert axis([1.825, 1.951]) == "$,.2f"       # $1.90 beside $1.94, not $1.9
    assert axis([12.0, 60.0]) == "$,.2f"
    assert axis([0.031, 0.036]) == "$,.3f"       # ticks a thousandth apart: $0.031, $0.032, ...
    assert axis([0.0311, 0.0314]) == "$,.4f"
    assert axis([2.5]) == "$,.2f"                # one month: one price
