"""Hedge program: turn the exposure and the forecast into long futures, on the forecast's paths.

Exposure: each underlying's forecast volume (millions of tokens, GPU-hours) is hedged with its
contract; the user can leave underlyings or drill-down series (e.g. a provider) out, which scales
the hedgeable volume down. Settlement of each contract on each path comes from the same daily
index simulation that drives the company's unit price in the forecast, so basis and volume risk
are in the numbers, never assumed away.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from hedging.contracts import load_specs, year_fraction
from hedging.errors import HedgingWarning, InputError
from hedging.hedge.layered import DEFAULT_BANDS, layered_program, ratios_by_tenor
from hedging.hedge.optimise import min_cvar_program, min_variance_program
from hedging.hedge.program import HedgeProgram, hedged_spend_by_month
from hedging.service import market as market_service
from hedging.service.forecast import ForecastView

POLICIES = {
    "min_variance": "Minimum variance of each month's spend",
    "min_cvar": "Minimum CVaR (95%) of total spend",
    "layered": "Layered by tenor (default 75% of months 1-3, 50% of 4-6, 25% of 7-12, bought in monthly layers)",
}


@dataclass(frozen=True)
class Policy:
    """What the user chose on the Hedge program page (all small, hashable parameters)."""

    name: str = "min_variance"
    volume_percentile: float = 25.0      # no more lots than this percentile of forecast volume
    position_limit: int = 1_000_000      # lots per contract
    margin_budget: float | None = None   # USD of initial margin the treasury can post
    excluded: tuple[str, ...] = ()       # underlyings or "underlying:label" drill-down series left unhedged
    bands: tuple[tuple[int, float], ...] = DEFAULT_BANDS
    cvar_level: float = 0.95

    def __post_init__(self):
        if self.name not in POLICIES:
            raise InputError(f"unknown hedge policy {self.name!r}.", column="policy", value=self.name,
                             fix=f"use one of {', '.join(POLICIES)}.")
        if not 0 < self.volume_percentile <= 100:
            raise InputError("the volume percentile must be between 0 and 100.", column="volume_percentile",
                             value=self.volume_percentile, fix="use e.g. 25 (hedge no more than you are 75% sure to use).")


@dataclass(frozen=True, eq=False)
class Contracts:
    """The contracts the program may trade, aligned with the forecast months (one row each)."""

    table: pd.DataFrame              # underlying, symbol, delivery month, last trading day, settlement, fair, ask ...
    month: np.ndarray                # forecast-month index of each contract
    lot_size: np.ndarray
    fair: np.ndarray
    cost_per_lot: np.ndarray         # fee + half spread, USD
    margin_per_lot: np.ndarray       # initial, USD
    settlement: np.ndarray           # (n_paths, k) simulated final settlement
    expected_volume: np.ndarray      # hedgeable expected volume of the delivery month, contract units
    max_lots: np.ndarray
    layer_prices: np.ndarray         # (n_paths, k, months) futures price on each layer date
    quotes: tuple = ()               # the forward-curve quote behind each row (fair price, T, window)


def _hedgeable_share(part, excluded: tuple[str, ...]) -> float:
    if part.underlying in excluded:
        return 0.0
    drops = {e.split(":", 1)[1] for e in excluded if e.startswith(part.underlying + ":")}
    if not drops or part.drilldown.empty:
        return 1.0
    total = part.drilldown["volume"].sum()
    kept = part.drilldown.loc[~part.drilldown["label"].isin(drops), "volume"].sum()
    return float(kept / total) if total > 0 else 0.0


def contracts_for(view: ForecastView, policy: Policy) -> Contracts:
    """Listed contracts of every hedgeable underlying whose delivery month lies in the horizon."""
    specs = load_specs()
    rows, months, sizes, fair, cost, margin, settle, volume, cap, layers, quotes = ([] for _ in range(11))
    layer_dates = [view.future[0].date()] + [m.date() for m in view.future[1:]]
    for part in view.underlyings.values():
        share = _hedgeable_share(part, policy.excluded)
        if share <= 0:
            continue
        u = market_service.UNDERLYINGS[part.underlying]
        spec = specs[u.contract]
        sim = part.simulation
        table = market_service.contract_table(sim.model, spec, part.valuation_date, part.spot, sim.origin)
        for q, m in zip(table.quotes, table.margins):
            key = pd.Timestamp(q.delivery_month)
            if key not in view.future:
                continue
            j = int(view.future.get_loc(key))
            s = settlement_on(sim, q, part.valuation_date)
            vol_paths = part.volume_paths[:, j] * share
            rows.append({"underlying": part.underlying, "symbol": q.symbol, "delivery_month": q.delivery_month,
                         "last_trading_day": q.last_trading_day, "settlement": q.settlement, "fair": q.fair,
                         "bid": q.bid, "ask": q.ask, "lot_size": spec.lot_size, "unit": spec.unit})
            months.append(j)
            sizes.append(spec.lot_size)
            fair.append(q.fair)
            cost.append(spec.fee_per_lot + (q.ask - q.fair) * spec.lot_size)
            margin.append(m.initial_per_lot)
            settle.append(s)
            volume.append(float(vol_paths.mean()))
            cap.append(min(policy.position_limit, int(np.floor(np.percentile(vol_paths, policy.volume_percentile)
                                                                  / spec.lot_size))))
            layers.append(layer_prices(sim, q, layer_dates))
            quotes.append(q)
    if not rows:
        raise InputError("no listed contract falls in the forecast horizon for the included exposure.",
                         fix="include at least one underlying, or lengthen the horizon.")
    return Contracts(pd.DataFrame(rows), np.array(months), np.array(sizes, float), np.array(fair),
                     np.array(cost), np.array(margin), np.column_stack(settle), np.array(volume),
                     np.array(cap, dtype=np.int64), np.stack(layers, axis=1), tuple(quotes))


def settlement_on(sim, quote, valuation_date: dt.date) -> np.ndarray:
    """What ``quote`` settles on along each simulated path: the index on its last trading day, or the
    mean of the daily index over its delivery month (from the valuation date if the month has begun)."""
    if quote.settlement == "point":
        return sim.at(quote.last_trading_day)
    month = pd.Timestamp(quote.delivery_month)
    return sim.window_mean(max(month.date(), valuation_date), (month + pd.offsets.MonthEnd(0)).date())


def futures_on(sim, quote, day: dt.date, paths: slice = slice(None)) -> np.ndarray:
    """Closed-form futures price of ``quote`` on ``day`` (at or before its last trading day) at each
    path's simulated index; a month-average contract is priced on its fixings from ``day`` on."""
    t = year_fraction(sim.origin, day)
    x = np.log(sim.at(day)[paths])
    if quote.settlement == "point":
        return sim.model.futures_price(x, t, quote.T)
    return sim.model.average_futures_price(x, t, max(quote.T_start, t), quote.T_end)


def layer_prices(sim, quote, layer_dates: list[dt.date]) -> np.ndarray:
    """Futures price of ``quote`` on each layer date along each path; date 0 is today's fair price."""
    out = np.full((sim.daily.shape[0], len(layer_dates)), np.nan)
    out[:, 0] = quote.fair
    for j, day in enumerate(layer_dates[1:], start=1):
        if day > quote.last_trading_day:
            break
        out[:, j] = futures_on(sim, quote, day)
    return out


@dataclass(frozen=True, eq=False)
class HedgeResult:
    """A program and the monthly spend with and without it, path by path."""

    policy: Policy
    program: HedgeProgram
    contracts: Contracts
    lots: np.ndarray
    pnl: np.ndarray              # (n_paths, k) P&L of the program's lots, USD
    cost: np.ndarray             # (k,) trading cost of the program, USD
    unhedged: np.ndarray         # (n_paths, months) spend, USD
    hedged: np.ndarray           # (n_paths, months)
    warnings: tuple[HedgingWarning, ...]


def build_program(view: ForecastView, policy: Policy) -> HedgeResult:
    """Run the chosen policy on the forecast's paths and return hedged and unhedged spend."""
    c = contracts_for(view, policy)
    spend = view.total_spend
    common = dict(max_lots=c.max_lots, margin_per_lot=c.margin_per_lot, margin_budget=policy.margin_budget)
    pnl_per_lot = (c.settlement - c.fair) * c.lot_size
    if policy.name == "layered":
        ratios = ratios_by_tenor(len(view.future), policy.bands)
        lp = layered_program(c.layer_prices, c.settlement, c.lot_size, c.expected_volume, c.month, c.cost_per_lot,
                             ratios=ratios, **common)
        program, pnl, cost = lp.program, lp.pnl, np.asarray(lp.cost)
        lots = np.asarray(program.lots)
        hedged = spend.copy()
        for k, m in enumerate(c.month):
            hedged[:, m] += cost[k] - pnl[:, k]
    else:
        extra = dict(lot_size=c.lot_size, price=c.fair, expected_volume=c.expected_volume)
        if policy.name == "min_variance":
            program = min_variance_program(spend, pnl_per_lot, c.month, c.cost_per_lot, **common, **extra)
        else:
            program = min_cvar_program(spend, pnl_per_lot, c.cost_per_lot, contract_month=c.month,
                                       level=policy.cvar_level, **common, **extra)
        lots = np.asarray(program.lots)
        pnl, cost = pnl_per_lot * lots, c.cost_per_lot * lots
        hedged = hedged_spend_by_month(spend, pnl_per_lot, c.cost_per_lot, lots, c.month)
    return HedgeResult(policy, program, c, lots, pnl, cost, spend, hedged, tuple(program.warnings))


def hedge_view(horizon: int = 12, n_paths: int = 10_000, seed: int = 7, rho: float = 0.3,
               policy: Policy | None = None, budget_annual: float | None = None, settings=None):
    """Forecast, program and before/after outcome in one call (the pages and CLI use this)."""
    from hedging.service.forecast import forecast_view
    from hedging.service.outcome import evaluate

    from dataclasses import replace

    from hedging.service.stress import history_backtests, stress_table

    view = forecast_view(horizon, n_paths, seed, rho, settings=settings)
    policy = policy or Policy()
    result = build_program(view, policy)
    budget = view.default_budget() if budget_annual is None else budget_annual
    outcome = evaluate(view, result, budget)
    stress, prospective = stress_table(view, result)
    return view, result, replace(outcome, effectiveness=prospective, stress=stress,
                                 history=history_backtests(view, policy.bands))


def schedule_table(result: HedgeResult, view: ForecastView) -> pd.DataFrame:
    """The trade schedule: contract, delivery month, trade date, side, lots, price, notional, margin, cost."""
    c = result.contracts
    rows = []
    for t in result.program.trades:
        row = c.table.iloc[t.contract_index]
        trade_date = view.future[t.trade_date_index]
        price = t.price if t.price is not None else float(c.fair[t.contract_index])
        rows.append({"contract": row["symbol"], "underlying": row["underlying"],
                     "delivery month": pd.Timestamp(row["delivery_month"]).strftime("%b %Y"),
                     "trade date": "now" if t.trade_date_index == 0 else trade_date.strftime("%d %b %Y"),
                     "side": t.side, "lots": int(t.lots), "price": price,
                     "notional (USD)": t.lots * price * c.lot_size[t.contract_index],
                     "initial margin (USD)": t.lots * c.margin_per_lot[t.contract_index],
                     "cost (USD)": t.cost})
    return pd.DataFrame(rows)


def ratio_table(result: HedgeResult, view: ForecastView) -> pd.DataFrame:
    """Hedged share of each underlying's expected volume by delivery month."""
    c = result.contracts
    rows = []
    for k, lots in enumerate(result.lots):
        exp = c.expected_volume[k]
        rows.append({"month": view.future[c.month[k]], "underlying": c.table["underlying"].iloc[k],
                     "hedge ratio": float(lots * c.lot_size[k] / exp) if exp > 0 else 0.0})
    return pd.DataFrame(rows)


def exposure_table(view: ForecastView, policy: Policy) -> pd.DataFrame:
    """What is hedgeable and what is not, per underlying."""
    rows = []
    for part in view.underlyings.values():
        share = _hedgeable_share(part, policy.excluded)
        b = part.basis
        rows.append({"underlying": part.label, "unit": part.unit, "expected volume, horizon": round(part.volume_mean.sum()),
                     "hedgeable share": share, "expected spend (USD)": part.spend.sum(axis=1).mean(),
                     "basis slope": b.slope, "basis R²": b.r_squared,
                     "volume uncertainty (sd/mean)": float(part.volume_paths.sum(axis=1).std()
                                                           / part.volume_paths.sum(axis=1).mean())})
    return pd.DataFrame(rows)
