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
