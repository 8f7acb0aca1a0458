"""The candidate-index chart: simulated hedge effectiveness and basis R² per index, app and PDF alike."""

from __future__ import annotations

import html

import plotly.graph_objects as go

from hedging.report.charts import _LAYOUT, PALETTE, _inert


@_inert
def candidates_chart(rows: list[dict], title: str = "Candidate indices") -> go.Figure:
    """Horizontal bars of each candidate's hedge effectiveness (±2 standard errors) with its basis R².

    ``rows`` are :meth:`hedging.service.candidates.IndexCandidates.records` rows, best first; the
    index in use is drawn darker and marked "(in use)". Unavailable candidates are left out.
    """
    usable = [r for r in rows if r.get("available")][::-1]   # best at the top
    names = [html.escape(str(r["index"]), quote=False) + (" (in use)" if r.get("chosen") else "") for r in usable]
    eff = [100 * float(r["effectiveness"]) for r in usable]
    err = [200 * float(r["std_error"]) if r.get("std_error") is not None and r["std_error"] == r["std_error"] else 0.0
           for r in usable]
    r2 = [100 * max(float(r["r_squared"]), 0.0) for r in usable]
    fig = go.Figure()
    fig.add_bar(y=names, x=eff, orientation="h", name="Hedge effectiveness (variance removed)",
                marker_color=[PALETTE[0] if r.get("chosen") else PALETTE[1] for r in usable],
                error_x=dict(type="data", array=err, visible=True, color="#555"),
                text=[f"{v:.0f}%" for v in eff], textposition="outside", textangle=0, cliponaxis=False,
                hovertemplate="%{y}<br>effectiveness %{x:.1f}%<extra></extra>")
    fig.add_scatter(y=names, x=r2, mode="markers", name="Basis R²", marker=dict(symbol="diamond", size=12,
                    color=PALETTE[2]), hovertemplate="%{y}<br>basis R² %{x:.0f}%<extra></extra>")
    layout = {**_LAYOUT, "margin": dict(l=20, r=20, t=60, b=50)}
    fig.update_layout(title=title, xaxis_title=None, height=160 + 60 * max(len(usable), 1), **layout)
    fig.update_xaxes(range=[0, 105], ticksuffix="%")
    fig.update_yaxes(automargin=True)
    return fig
