"""Charts of the comparison and sensitivity views: scenarios' spend distributions, the hedge-ratio
frontier and the tornado of assumptions (plotly, the product's number format)."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from hedging import fmt
from hedging.report.charts import _LAYOUT, PALETTE, _inert


@_inert
def scenario_distributions(scenarios: list[tuple[str, np.ndarray, np.ndarray]], title: str) -> go.Figure:
    """Each scenario's distribution of total spend over its horizon, unhedged (dotted) and hedged
    (solid) in the scenario's colour, as shares of paths on bins shared by every scenario."""
    values = np.concatenate([np.concatenate([u, h]) for _, u, h in scenarios])
    lo, hi = np.quantile(values, [0.001, 0.999])
    edges = np.linspace(lo, hi, 61)
    mids = (edges[:-1] + edges[1:]) / 2
    fig = go.Figure()
    for i, (name, unhedged, hedged) in enumerate(scenarios):
        color = PALETTE[i % len(PALETTE)]
        for paths, kind, dash in ((unhedged, "unhedged", "dot"), (hedged, "hedged", "solid")):
            share = np.histogram(np.clip(paths, lo, hi), bins=edges)[0] / max(len(paths), 1)
            fig.add_scatter(x=mids, y=share, mode="lines", line=dict(color=color, dash=dash, width=2, shape="hvh"),
                            name=f"{name}, {kind}",
                            hovertemplate=f"{kind}: " + "%{x:$,.0f}: %{y:.1%} of paths<extra></extra>")
    fig.update_layout(title=title, xaxis_title="USD over the horizon", yaxis_title="share of paths", **_LAYOUT)
    fig.update_yaxes(**fmt.PLOTLY_SHARE_AXIS)
    fig.update_xaxes(**fmt.PLOTLY_MONEY_AXIS)
    return fig


@_inert
def frontier_chart(ratio, sd_reduction, expected_cost, base_ratio: float, title: str) -> go.Figure:
    """Volatility reduction (left axis) and expected cost of hedging (right axis) against the
    overall hedge ratio, the run's own point marked."""
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    fig.add_scatter(x=ratio, y=sd_reduction, mode="lines+markers", name="volatility reduction",
                    line=dict(color=PALETTE[0], width=2), hovertemplate="ratio %{x:.0%}: %{y:.1%}<extra></extra>")
    fig.add_scatter(x=ratio, y=expected_cost, mode="lines", name="expected cost of hedging",
                    line=dict(color=PALETTE[2], width=2, dash="dash"),
                    hovertemplate="ratio %{x:.0%}: %{y:$,.0f}<extra></extra>", secondary_y=True)
    k = int(np.argmin(np.abs(np.asarray(ratio) - base_ratio)))
    fig.add_scatter(x=[ratio[k]], y=[sd_reduction[k]], mode="markers", name="this run",
                    marker=dict(color=PALETTE[5], size=12, symbol="diamond"),
                    hovertemplate="this run, ratio %{x:.1%}: %{y:.1%}<extra></extra>")
    fig.update_layout(title=title, xaxis_title="hedge ratio (share of expected volume)", **_LAYOUT)
    fig.update_xaxes(tickformat=".0%")
    fig.update_yaxes(title_text="volatility reduction", secondary_y=False, **fmt.PLOTLY_SHARE_AXIS)
    fig.update_yaxes(title_text="expected cost, USD", secondary_y=True, showgrid=False, tickmode="auto", nticks=6,
                     **fmt.PLOTLY_MONEY_AXIS)
    return fig


@_inert
def tornado_chart(tornado, title: str) -> go.Figure:
    """Budget-at-risk with each assumption at its low and high setting, around the run's own
    (the centre line); the largest swing on top."""
    bars = list(tornado.bars)[::-1]          # plotly draws the first category at the bottom
    names = [f"{b.assumption}<br>{b.low_setting} / {b.high_setting}" for b in bars]
    base = tornado.base
    fig = go.Figure()
    for attr, setting, color, kind in (("low", "low_setting", PALETTE[1], "low"),
                                       ("high", "high_setting", PALETTE[5], "high")):
        values = [getattr(b, attr) for b in bars]
        fig.add_bar(y=names, x=[v - base for v in values], base=base, orientation="h", name=kind,
                    marker_color=color, customdata=[f"{getattr(b, setting)}: {fmt.money(v)}" for b, v in zip(bars, values)],
                    hovertemplate="%{customdata}<extra></extra>")
    fig.add_vline(x=base, line=dict(color="#2c3e50", width=2))
    fig.update_layout(title=f"{title}: this run {fmt.money(base)} (the line)", barmode="overlay", xaxis_title="budget at risk (95th percentile − expected), USD",
                      **_LAYOUT)
    fig.update_xaxes(**fmt.PLOTLY_MONEY_AXIS)
    return fig
