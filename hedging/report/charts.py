"""Plotly figures used by both the app and the PDF, so what the board reads is what the app shows."""

from __future__ import annotations

import functools
import html

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from hedging import fmt

PALETTE = ["#1f4e79", "#2e86c1", "#f39c12", "#27ae60", "#8e44ad", "#c0392b", "#16a085", "#7f8c8d",
           "#d35400", "#2c3e50"]
_LAYOUT = dict(template="plotly_white", font=dict(family="DejaVu Sans, Arial, sans-serif", size=13),
               margin=dict(l=60, r=20, t=60, b=50), legend=dict(orientation="h", y=-0.18))


def _inert(build):
    """Plotly reads a subset of HTML in titles, legend names and axis titles (``<a href>``, ``<img>``
    ...): every text a chart shows may come from a user (an index, model, team or provider name), so
    it is escaped to plain text after the figure is built."""

    @functools.wraps(build)
    def wrapper(*args, **kwargs) -> go.Figure:
        fig = build(*args, **kwargs)
        for trace in fig.data:
            if trace.name:
                trace.name = html.escape(str(trace.name), quote=False)
        layout = fig.layout
        for axis_title in (layout.title, layout.xaxis.title, layout.yaxis.title):
            if axis_title.text:
                axis_title.text = html.escape(str(axis_title.text), quote=False)
        return fig

    return wrapper


def _top(frame: pd.DataFrame, label: str, value: str, n: int = 8) -> pd.DataFrame:
    """Keep the ``n`` largest labels by total ``value``; fold the rest into "other"."""
    order = frame.groupby(label)[value].sum().sort_values(ascending=False)
    keep = set(order.index[:n])
    out = frame.assign(**{label: frame[label].where(frame[label].isin(keep), "other")})
    return out.groupby(["month", label], as_index=False)[value].sum()


@_inert
def monthly_spend(frame: pd.DataFrame, by: str, title: str = "Monthly spend") -> go.Figure:
    """Stacked monthly spend in USD by ``by`` (provider, model or team)."""
    fig = go.Figure()
    data = _top(frame, by, "cost_usd") if len(frame) else frame
    labels = list(data.groupby(by)["cost_usd"].sum().sort_values(ascending=False).index) if len(data) else []
    for i, lab in enumerate(labels):
        part = data[data[by] == lab]
        fig.add_bar(x=part["month"], y=part["cost_usd"], name=str(lab), marker_color=PALETTE[i % len(PALETTE)],
                    hovertemplate="%{x|%b %Y}<br>" + html.escape(str(lab), quote=False).replace("%", "%%") + ": %{y:$,.0f}<extra></extra>")
    fig.update_layout(barmode="stack", title=title, yaxis_title="USD per month", xaxis_title=None, **_LAYOUT)
    fig.update_yaxes(**fmt.PLOTLY_MONEY_AXIS)
    _month_ticks(fig, data["month"] if len(data) else [])
    return fig


@_inert
def effective_price(frame: pd.DataFrame, by: str) -> go.Figure:
    """Effective price in USD per million tokens (all input incl. cache + output) by ``by``."""
    fig = go.Figure()
    data = frame.dropna(subset=["usd_per_m_tokens"])
    order = data.groupby(by)["cost_usd"].sum().sort_values(ascending=False).index[:8]
    for i, lab in enumerate(order):
        part = data[data[by] == lab]
        fig.add_scatter(x=part["month"], y=part["usd_per_m_tokens"], mode="lines+markers", name=str(lab),
                        line=dict(color=PALETTE[i % len(PALETTE)]),
                        hovertemplate="%{x|%b %Y}: %{y:$,.3f} per M tokens<extra></extra>")
    fig.update_layout(title="Effective price per million tokens", yaxis_title="USD per M tokens", **_LAYOUT)
    fig.update_yaxes(tickformat=_price_tick_format(data["usd_per_m_tokens"]))
    _month_ticks(fig, data["month"])
    return fig


def _price_tick_format(prices) -> str:
    """Ticks of a price axis with one number of decimals (2 at least: $1.90, not $1.9 beside
    $1.94), more when the prices span less than a few cents, so that no two ticks read alike."""
    values = pd.to_numeric(pd.Series(prices), errors="coerce").dropna()
    span = float(values.max() - values.min()) if len(values) else 0.0
    if not np.isfinite(span) or span <= 0:
        span = float(values.abs().max()) if len(values) else 0.0
    decimals = 2 if span <= 0 else int(min(4, max(2, np.ceil(-np.log10(span / 5)))))
    return f"$,.{decimals}f"


def _month_ticks(fig: go.Figure, months) -> None:
    """Label the month axis: every month when there are a year's or fewer (a tick every third
    month would leave one or two months of data with no label under their bars), else every
    third month."""
    distinct = pd.to_datetime(pd.Series(months)).dropna().drop_duplicates().sort_values()
    if 0 < len(distinct) <= 12:
        fig.update_xaxes(tickvals=list(distinct), tickformat="%b %Y")
    else:
        fig.update_xaxes(dtick="M3", tickformat="%b %Y")


@_inert
def index_history(history: pd.DataFrame, name: str, unit: str, illustrative: bool) -> go.Figure:
    """The index history with each point's source in the hover."""
    fig = go.Figure()
    sources = history["source"].fillna("").astype(str).str.slice(0, 120) if "source" in history else None
    fig.add_scatter(x=history["date"], y=history["value"], mode="lines+markers", name=name,
                    line=dict(color=PALETTE[0], shape="hv" if "token" in name.lower() else "linear"),
                    marker=dict(size=5), customdata=sources,
                    hovertemplate="%{x|%b %Y}: %{y:,.3f} " + unit + "<br>%{customdata}<extra></extra>")
    title = name.split(" (")[0] + (" — illustrative" if illustrative else "")   # the full name is in the index list
    fig.update_layout(title=title, yaxis_title=unit, showlegend=False, **_LAYOUT)
    values = pd.to_numeric(history["value"], errors="coerce").to_numpy(dtype=float)
    fig.update_yaxes(type="log", **log_price_ticks(values))
    return fig


def log_price_ticks(values) -> dict:
    """Tick values and labels for a log price axis: 1-2-5 steps (1-1.5-2-3-5-7 over a narrow range)
    inside the data's range, written as prices ("$0.50", "$2", "$10"), instead of plotly's bare
    minor digits ("2", "5") beside a prefixed "$1"."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v) & (v > 0)]
    if v.size == 0:
        return {"tickprefix": "$"}
    lo, hi = float(v.min()) / 1.05, float(v.max()) * 1.05
    for steps in ((1, 2, 5), (1, 1.5, 2, 3, 5, 7), (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 7, 8, 9)):
        ticks = [m * 10.0 ** e for e in range(int(np.floor(np.log10(lo))) - 1, int(np.ceil(np.log10(hi))) + 1)
                 for m in steps if lo <= m * 10.0 ** e <= hi]
        if len(ticks) >= 3:
            break
    text = [f"${t:,.0f}" if t >= 10 or float(t).is_integer() else f"${t:,.2f}" for t in ticks]
    return {"tickvals": ticks, "ticktext": text}


@_inert
def price_fan(fan: pd.DataFrame, history: pd.DataFrame, unit: str, title: str = "Simulated index paths") -> go.Figure:
    """History, then the 90% and 50% bands, median and mean of the simulated index."""
    fig = go.Figure()
    recent = history.tail(24)
    fig.add_scatter(x=recent["date"], y=recent["value"], mode="lines", name="history",
                    line=dict(color="#2c3e50", width=2))
    for lo, hi, label, alpha in (("q05", "q95", "90% of paths", 0.18), ("q25", "q75", "50% of paths", 0.35)):
        fig.add_scatter(x=fan["date"], y=fan[hi], mode="lines", line=dict(width=0), showlegend=False,
                        hoverinfo="skip")
        fig.add_scatter(x=fan["date"], y=fan[lo], mode="lines", line=dict(width=0), fill="tonexty",
                        fillcolor=f"rgba(46,134,193,{alpha})", name=label,
                        hovertemplate="%{x|%b %Y}: " + label + " above %{y:,.3f}<extra></extra>")
    fig.add_scatter(x=fan["date"], y=fan["q50"], mode="lines", name="median", line=dict(color=PALETTE[1], width=2))
    fig.add_scatter(x=fan["date"], y=fan["mean"], mode="lines", name="mean (= futures price)",
                    line=dict(color=PALETTE[2], width=2, dash="dash"))
    fig.update_layout(title=title, yaxis_title=unit, **_LAYOUT)
    fig.update_yaxes(tickformat=_price_tick_format(pd.concat([recent["value"], fan["q05"], fan["q95"]])))
    return fig


@_inert
def forward_curve(curve: pd.DataFrame, unit: str, title: str = "Forward curve") -> go.Figure:
    """Fair prices with the bid-ask band, and the Monte Carlo estimate with its +-3 SE bar."""
    fig = go.Figure()
    x = pd.to_datetime(curve["delivery_month"])
    places = fmt.tick_decimals(float(curve["tick"].iloc[0])) if "tick" in curve and len(curve) else 3
    price = f"$,.{places}f"   # prices at the contract's tick
    fig.add_scatter(x=x, y=curve["ask"], mode="lines", line=dict(width=0), showlegend=False, hoverinfo="skip")
    fig.add_scatter(x=x, y=curve["bid"], mode="lines", line=dict(width=0), fill="tonexty",
                    fillcolor="rgba(243,156,18,0.25)", name="bid–ask (market-maker rule)",
                    hovertemplate="%{x|%b %Y} bid %{y:" + price + "}<extra></extra>")
    fig.add_scatter(x=x, y=curve["fair"], mode="lines+markers", name="fair price (closed form)",
                    line=dict(color=PALETTE[0], width=2), customdata=curve["symbol"],
                    hovertemplate="%{customdata} %{x|%b %Y}: %{y:" + price + "}<extra></extra>")
    fig.add_scatter(x=x, y=curve["mc_mean"], mode="markers", name="Monte Carlo check (±3 SE)",
                    marker=dict(color=PALETTE[5], size=7, symbol="x"),
                    error_y=dict(type="data", array=curve["mc_high"] - curve["mc_mean"],
                                 arrayminus=curve["mc_mean"] - curve["mc_low"], thickness=1.2, width=4),
                    hovertemplate="%{x|%b %Y}: simulated %{y:" + price + "}<extra></extra>")
    fig.update_layout(title=title, yaxis_title=unit, **_LAYOUT)
    fig.update_yaxes(tickformat=price)
    fig.update_xaxes(tickformat="%b %Y")
    return fig


def _bands(fig: go.Figure, x, bands: dict, color: str = "46,134,193", prefix: str = "", value: str = ":,.0f") -> None:
    for level, alpha in ((95, 0.12), (80, 0.2), (50, 0.32)):
        if level not in bands:
            continue
        lo, hi = bands[level]
        fig.add_scatter(x=x, y=hi, mode="lines", line=dict(width=0), showlegend=False, hoverinfo="skip")
        fig.add_scatter(x=x, y=lo, mode="lines", line=dict(width=0), fill="tonexty",
                        fillcolor=f"rgba({color},{alpha})", name=f"{prefix}{level}% interval",
                        hovertemplate="%{x|%b %Y}: " + f"{level}%" + " band from %{y" + value + "}<extra></extra>")


@_inert
def volume_fan(months, history, future, mean, bands: dict, unit: str, title: str) -> go.Figure:
    """Monthly volume history, then the forecast mean and its 50/80/95% intervals."""
    fig = go.Figure()
    fig.add_scatter(x=months, y=history, mode="lines+markers", name="history", line=dict(color="#2c3e50"),
                    marker=dict(size=4), hovertemplate="%{x|%b %Y}: %{y:,.0f} " + unit + "<extra></extra>")
    _bands(fig, future, bands)
    fig.add_scatter(x=future, y=mean, mode="lines", name="expected", line=dict(color=PALETTE[2], width=2, dash="dash"),
                    hovertemplate="%{x|%b %Y}: expected %{y:,.0f} " + unit + "<extra></extra>")
    fig.update_layout(title=title, yaxis_title=unit + " per month", **_LAYOUT)
    fig.update_xaxes(tickformat="%b %Y")
    return fig


@_inert
def spend_fan(history_months, history, future, paths, budget_monthly: float | None, title: str,
              estimated: int = 0, budget_months=None) -> go.Figure:
    """Actual monthly spend, then simulated spend (mean and 50/80/95% bands) against the budget.

    The first ``estimated`` simulated months are months not yet reported (shaded and labelled);
    the budget line is drawn over ``budget_months`` (default: every simulated month). Band edges
    use the product's one quantile definition (lower empirical quantile, ``inverted_cdf``).
    """
    import numpy as np

    q = {lev: (np.quantile(paths, (1 - lev / 100) / 2, axis=0, method="inverted_cdf"),
               np.quantile(paths, (1 + lev / 100) / 2, axis=0, method="inverted_cdf"))
         for lev in (50, 80, 95)}
    fig = go.Figure()
    fig.add_scatter(x=history_months, y=history, mode="lines+markers", name="actual spend",
                    line=dict(color="#2c3e50"), marker=dict(size=4),
                    hovertemplate="%{x|%b %Y}: %{y:$,.0f}<extra></extra>")
    _bands(fig, future, q, value=":$,.0f")
    fig.add_scatter(x=future, y=paths.mean(axis=0), mode="lines", name="expected spend",
                    line=dict(color=PALETTE[2], width=2, dash="dash"), hovertemplate="%{x|%b %Y}: %{y:$,.0f}<extra></extra>")
    if budget_monthly:
        months = list(future if budget_months is None else budget_months)
        fig.add_scatter(x=months, y=[budget_monthly] * len(months), mode="lines", name="budget (annual / 12)",
                        line=dict(color=PALETTE[5], width=2), hovertemplate="budget %{y:$,.0f} per month<extra></extra>")
    if estimated:
        start = pd.Timestamp(future[0]) - pd.Timedelta(days=15)
        end = pd.Timestamp(future[estimated - 1]) + pd.Timedelta(days=15)
        fig.add_vrect(x0=start, x1=end, fillcolor="#95a5a6", opacity=0.12, line_width=0,
                      annotation_text="estimated, not yet reported", annotation_position="top left",
                      annotation_font_size=11)
    fig.update_layout(title=title, yaxis_title="USD per month", **_LAYOUT)
    fig.update_yaxes(**fmt.PLOTLY_MONEY_AXIS)
    fig.update_xaxes(tickformat="%b %Y")
    return fig


@_inert
def basis_scatter(index, unit_price, months, slope: float, intercept: float, index_unit: str, price_unit: str,
                  title: str) -> go.Figure:
    """The company's monthly unit price against the index (log axes) with the fitted basis line."""
    import numpy as np

    ok = np.isfinite(index) & np.isfinite(unit_price) & (index > 0) & (unit_price > 0)
    fig = go.Figure()
    fig.add_scatter(x=index[ok], y=unit_price[ok], mode="markers", name="months",
                    marker=dict(color=PALETTE[1], size=8), customdata=[m.strftime("%b %Y") for m in months[ok]],
                    hovertemplate="%{customdata}: index %{x:,.3f}, company %{y:,.3f}<extra></extra>")
    if ok.sum() >= 2:
        xs = np.geomspace(index[ok].min(), index[ok].max(), 50)
        fig.add_scatter(x=xs, y=np.exp(intercept + slope * np.log(xs)), mode="lines", name=f"fit: slope {slope:.2f}",
                        line=dict(color=PALETTE[2], width=2))
    fig.update_layout(title=title, xaxis_title=f"index ({index_unit})", yaxis_title=f"company price ({price_unit})",
                      **_LAYOUT)
    fig.update_xaxes(type="log", **log_price_ticks(index[ok]))
    fig.update_yaxes(type="log", **log_price_ticks(unit_price[ok]))
    return fig


@_inert
def hedge_ratio_bars(ratios: pd.DataFrame, title: str = "Hedge ratio by delivery month") -> go.Figure:
    """Share of each underlying's expected volume hedged, by delivery month."""
    fig = go.Figure()
    for i, (u, part) in enumerate(ratios.groupby("underlying", sort=False)):
        fig.add_bar(x=part["month"], y=part["hedge ratio"], name=str(u), marker_color=PALETTE[i % len(PALETTE)],
                    hovertemplate="%{x|%b %Y}: %{y:.1%} of expected volume<extra></extra>")
    fig.update_layout(title=title, barmode="group", yaxis_title="hedged / expected volume", **_LAYOUT)
    fig.update_yaxes(tickformat=".0%", rangemode="tozero")
    fig.update_xaxes(tickformat="%b %Y")
    return fig


@_inert
def distribution_overlay(unhedged, hedged, budget: float | None, title: str) -> go.Figure:
    """Distribution of total spend over the horizon, with and without the program."""
    fig = go.Figure()
    for values, name, color in ((unhedged, "unhedged", PALETTE[5]), (hedged, "hedged", PALETTE[0])):
        fig.add_histogram(x=values, name=name, opacity=0.55, nbinsx=80, marker_color=color, histnorm="probability",
                          hovertemplate=name + ": %{x:$,.0f}<extra></extra>")
    if budget:
        fig.add_vline(x=budget, line=dict(color="#2c3e50", dash="dash"), annotation_text="budget")
    fig.update_layout(title=title, barmode="overlay", xaxis_title="USD over the horizon", yaxis_title="share of paths",
                      **_LAYOUT)
    fig.update_yaxes(**fmt.PLOTLY_SHARE_AXIS)
    fig.update_xaxes(**fmt.PLOTLY_MONEY_AXIS)
    return fig


@_inert
def fan_compare(future, unhedged, hedged, title: str) -> go.Figure:
    """Monthly spend: 5-95% band and median, unhedged against hedged."""
    import numpy as np

    fig = go.Figure()
    for values, name, rgb, color in ((unhedged, "unhedged", "192,57,43", PALETTE[5]),
                                     (hedged, "hedged", "31,78,121", PALETTE[0])):
        lo, mid, hi = (np.quantile(values, q, axis=0, method="inverted_cdf") for q in (0.05, 0.5, 0.95))
        fig.add_scatter(x=future, y=hi, mode="lines", line=dict(width=0), showlegend=False, hoverinfo="skip")
        fig.add_scatter(x=future, y=lo, mode="lines", line=dict(width=0), fill="tonexty",
                        fillcolor=f"rgba({rgb},0.18)", name=f"{name} 5–95%", hoverinfo="skip")
        fig.add_scatter(x=future, y=mid, mode="lines", name=f"{name} median", line=dict(color=color, width=2),
                        hovertemplate="%{x|%b %Y}: %{y:$,.0f}<extra></extra>")
    fig.update_layout(title=title, yaxis_title="USD per month", **_LAYOUT)
    fig.update_yaxes(**fmt.PLOTLY_MONEY_AXIS)
    fig.update_xaxes(tickformat="%b %Y")
    return fig


@_inert
def margin_chart(initial_margin: pd.DataFrame, title: str = "Initial margin held") -> go.Figure:
    fig = go.Figure()
    fig.add_bar(x=initial_margin["month"], y=initial_margin["initial margin"], marker_color=PALETTE[1],
                hovertemplate="%{x|%b %Y}: %{y:$,.0f}<extra></extra>", name="initial margin")
    fig.update_layout(title=title, yaxis_title="USD", showlegend=False, **_LAYOUT)
    fig.update_yaxes(**fmt.PLOTLY_MONEY_AXIS)
    fig.update_xaxes(tickformat="%b %Y")
    return fig


@_inert
def history_chart(frame: pd.DataFrame, title: str) -> go.Figure:
    """Monthly cost over the backtest window with and without the policy."""
    fig = go.Figure()
    for col, color in (("unhedged", PALETTE[5]), ("hedged", PALETTE[0])):
        fig.add_scatter(x=frame["month"], y=frame[col], mode="lines+markers", name=col, line=dict(color=color),
                        hovertemplate="%{x|%b %Y} " + col + " %{y:$,.0f}<extra></extra>")
    fig.update_layout(title=title, yaxis_title="USD per month", **_LAYOUT)
    fig.update_yaxes(**fmt.PLOTLY_MONEY_AXIS)
    return fig


@_inert
def remaining_bars(frame: pd.DataFrame, title: str = "") -> go.Figure:
    """Each source's share of the remaining variance of horizon spend (horizontal bars, named by the
    part of its label before the colon), labelled with its part of the standard deviation in USD;
    negative bars are sources that offset others."""
    rows = frame.iloc[::-1]
    shares, sds = rows["share of what remains"], rows["part of the sd (USD)"]
    colors = [PALETTE[0] if v >= 0 else PALETTE[3] for v in shares]
    text = [f"{fmt.share(s)} · {fmt.money(d, cents=False)}" for s, d in zip(shares, sds)]
    fig = go.Figure()
    fig.add_bar(x=shares, y=[str(s).split(":")[0] for s in rows["source"]], orientation="h", marker_color=colors,
                text=text, textposition="outside", cliponaxis=False, customdata=list(rows["source"]),
                hovertemplate="%{customdata}: %{x:.1%} of the remaining variance<extra></extra>")
    layout = {**_LAYOUT, "margin": dict(l=20, r=140, t=60 if title else 40, b=50)}
    fig.update_layout(title=title or None, xaxis_title="share of the variance left after the hedge", showlegend=False, height=340, **layout)
    fig.update_xaxes(tickformat=".0%", zeroline=True, zerolinecolor="#7f8c8d")
    fig.update_yaxes(automargin=True, ticks="outside", ticklen=8, tickcolor="rgba(0,0,0,0)")  # labels clear of the axis
    return fig
