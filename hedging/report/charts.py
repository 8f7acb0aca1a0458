"""Plotly figures used by both the app and the PDF, so what the board reads is what the app shows."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

PALETTE = ["#1f4e79", "#2e86c1", "#f39c12", "#27ae60", "#8e44ad", "#c0392b", "#16a085", "#7f8c8d",
           "#d35400", "#2c3e50"]
_LAYOUT = dict(template="plotly_white", font=dict(family="DejaVu Sans, Arial, sans-serif", size=13),
               margin=dict(l=60, r=20, t=60, b=50), legend=dict(orientation="h", y=-0.18))


def _top(frame: pd.DataFrame, label: str, value: str, n: int = 8) -> pd.DataFrame:
    """Keep the ``n`` largest labels by total ``value``; fold the rest into "other"."""
    order = frame.groupby(label)[value].sum().sort_values(ascending=False)
    keep = set(order.index[:n])
    out = frame.assign(**{label: frame[label].where(frame[label].isin(keep), "other")})
    return out.groupby(["month", label], as_index=False)[value].sum()


def monthly_spend(frame: pd.DataFrame, by: str, title: str = "Monthly spend") -> go.Figure:
    """Stacked monthly spend in USD by ``by`` (provider, model or team)."""
    fig = go.Figure()
    data = _top(frame, by, "cost_usd") if len(frame) else frame
    labels = list(data.groupby(by)["cost_usd"].sum().sort_values(ascending=False).index) if len(data) else []
    for i, lab in enumerate(labels):
        part = data[data[by] == lab]
        fig.add_bar(x=part["month"], y=part["cost_usd"], name=str(lab), marker_color=PALETTE[i % len(PALETTE)],
                    hovertemplate="%{x|%b %Y}<br>" + str(lab).replace("%", "%%") + ": $%{y:,.0f}<extra></extra>")
    fig.update_layout(barmode="stack", title=title, yaxis_title="USD per month", xaxis_title=None, **_LAYOUT)
    fig.update_yaxes(tickprefix="$", separatethousands=True)
    fig.update_xaxes(dtick="M3", tickformat="%b %Y")
    return fig


def effective_price(frame: pd.DataFrame, by: str) -> go.Figure:
    """Effective price in USD per million tokens (all input incl. cache + output) by ``by``."""
    fig = go.Figure()
    data = frame.dropna(subset=["usd_per_m_tokens"])
    order = data.groupby(by)["cost_usd"].sum().sort_values(ascending=False).index[:8]
    for i, lab in enumerate(order):
        part = data[data[by] == lab]
        fig.add_scatter(x=part["month"], y=part["usd_per_m_tokens"], mode="lines+markers", name=str(lab),
                        line=dict(color=PALETTE[i % len(PALETTE)]),
                        hovertemplate="%{x|%b %Y}: $%{y:,.3f} per M tokens<extra></extra>")
    fig.update_layout(title="Effective price per million tokens", yaxis_title="USD per M tokens", **_LAYOUT)
    fig.update_yaxes(tickprefix="$")
    fig.update_xaxes(dtick="M3", tickformat="%b %Y")
    return fig
