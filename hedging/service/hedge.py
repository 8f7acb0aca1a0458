"""Hedge program: turn the exposure and the forecast into long futures, on the forecast's paths.

Exposure: each underlying's forecast volume (millions of tokens, GPU-hours) is hedged with its
contract; the user can leave underlyings or drill-down series (e.g. a provider) out, which scales
the hedgeable volume down. Settlement of each contract on each path comes from the same daily
index simulation that drives the company's unit price in the forecast, so basis and volume risk
are in the numbers, never assumed away.
"""

from __future__ import annotations

import datetime as dt
import threading
import weakref
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from hedging import fmt
from hedging.contracts import business_day_on_or_after, load_specs
from hedging.contracts.paths import layer_prices, settlement_on
from hedging.contracts.instruments import DEFAULT_RATE, call_payoff, month_fixings
from hedging.errors import HedgingWarning, InputError
from hedging.hedge.cap_policy import least_premium_caps, min_cvar_futures_and_caps
from hedging.hedge.layered import layered_program, ratios_by_tenor
from hedging.hedge.optimise import min_cvar_program, min_variance_program
from hedging.hedge.program import HedgeProgram, hedged_spend_by_month
from hedging.service import market as market_service
from hedging.service.forecast import ForecastView
from hedging.service.spec import Policy


def trade_dates(view: ForecastView) -> list[dt.date]:
    """Real business-day trade dates: date 0 is the as-of date (or the next business day), date j
    the first business day of the j-th horizon month (layered programmes buy then)."""
    first = business_day_on_or_after(view.spec.as_of)
    return [first] + [business_day_on_or_after(m.date()) for m in view.future[1:]]


def contracts_in_horizon(view: ForecastView, underlying: str) -> list:
    """The quotes of ``underlying``'s contract listed on the as-of date that deliver in the horizon."""
    part = view.underlyings[underlying]
    spec = load_specs()[market_service.UNDERLYINGS[underlying].contract]
    sim = part.simulation
    table = market_service.contract_table(sim.model, spec, part.valuation_date, part.spot, sim.origin,
                                          view.spec.as_of)
    return [q for q in table.quotes if pd.Timestamp(q.delivery_month) in view.future]


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
    layer_prices: np.ndarray         # (n_paths, k, dates) futures price on each trade date
    quotes: tuple = ()               # the forward-curve quote behind each row (fair price, T, window)
    trade_dates: tuple = ()          # the business days of the trade-date indices

    @property
    def entry(self) -> np.ndarray:
        """(n_paths, k) price paid by a lot bought on date 0: today's price on each path (the fair
        price when the index is observed today; each path's price on the as-of date otherwise)."""
        return self.layer_prices[:, :, 0]


def _hedgeable_share(part, excluded: tuple[str, ...]) -> float:
    if part.underlying in excluded:
        return 0.0
    drops = {e.split(":", 1)[1] for e in excluded if e.startswith(part.underlying + ":")}
    if not drops or part.drilldown.empty:
        return 1.0
    total = part.drilldown["volume"].sum()
    kept = part.drilldown.loc[~part.drilldown["label"].isin(drops), "volume"].sum()
    return float(kept / total) if total > 0 else 0.0


#: What pricing the listed contracts on a forecast's paths gives does not depend on the policy: kept
#: per forecast object (held weakly, so it goes when the forecast goes), so that a change of policy,
#: hedge ratios, limits or margin budget re-prices nothing.
_PRICES: "weakref.WeakKeyDictionary[ForecastView, dict]" = weakref.WeakKeyDictionary()
_PRICES_LOCK = threading.Lock()


def _priced(view: ForecastView, key: tuple, compute):
    """``compute()`` for ``key`` on ``view``, computed once per forecast (arrays returned read-only)."""
    with _PRICES_LOCK:
        memo = _PRICES.setdefault(view, {})
        if key in memo:
            return memo[key]
    value = compute()
    if isinstance(value, np.ndarray):
        value.setflags(write=False)
    with _PRICES_LOCK:
        return memo.setdefault(key, value)


def contracts_for(view: ForecastView, policy: Policy) -> Contracts:
    """Listed contracts of every hedgeable underlying whose delivery month lies in the horizon."""
    specs = load_specs()
    rows, months, sizes, fair, cost, margin, settle, volume, cap, layers, quotes = ([] for _ in range(11))
    dates = trade_dates(view)
    layered = policy.name == "layered"   # only a layered programme trades after the as-of date
    for part in view.underlyings.values():
        share = _hedgeable_share(part, policy.excluded)
        if share <= 0:
            continue
        u = market_service.UNDERLYINGS[part.underlying]
        spec = specs[u.contract]
        sim = part.simulation
        table = _priced(view, (part.underlying, "table"), lambda: market_service.contract_table(
            sim.model, spec, part.valuation_date, part.spot, sim.origin, view.spec.as_of))
        for q, m in zip(table.quotes, table.margins):
            key = pd.Timestamp(q.delivery_month)
            if key not in view.future:
                continue
            j = int(view.future.get_loc(key))
            s = _priced(view, (part.underlying, q.symbol, "settlement"), lambda: settlement_on(sim, q))
            vol_paths = part.exposed_paths[:, j] * share   # after natural hedges (commitments)
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
            # price the later trade dates for a layered programme alone
            layers.append(_priced(view, (part.underlying, q.symbol, "layers", layered),
                                  lambda: layer_prices(sim, q, dates, only=None if layered else {0})))
            quotes.append(q)
    if not rows:
        raise InputError("no listed contract falls in the forecast horizon for the included exposure.",
                         fix="include at least one underlying, or lengthen the horizon.")
    # the (paths x contracts) price arrays depend on the contracts alone, not on the limits: one copy per
    # forecast, shared by every program built on it (about 20 MB at 10,000 paths)
    symbols = tuple(r["symbol"] for r in rows)
    return Contracts(pd.DataFrame(rows), np.array(months), np.array(sizes, float), np.array(fair),
                     np.array(cost), np.array(margin), _priced(view, ("settlements", symbols), lambda: np.column_stack(settle)),
                     np.array(volume), np.array(cap, dtype=np.int64),
                     _priced(view, ("layers", symbols, layered), lambda: np.stack(layers, axis=1)), tuple(quotes),
                     tuple(dates))


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
    caps: "CapPosition | None" = None   # caps bought beside the futures (policy min_cvar_caps), per contract row
    dropped: tuple = ()                 # trades left out as immaterial (Policy.min_notional; service.materiality)
    dropped_cap_lots: "np.ndarray | None" = None   # cap lots left out as immaterial, per contract row


@dataclass(frozen=True, eq=False)
class CapPosition:
    """Caps (monthly Asian calls on the contract's index) on the contract rows, one lot = one futures lot."""

    lots: np.ndarray             # (k,) cap lots per contract row
    strike: np.ndarray           # (k,) quote units
    premium_per_lot: np.ndarray  # (k,) USD paid today
    payoff_per_lot: np.ndarray   # (n_paths, k) USD at the month's end
    cost_per_lot: np.ndarray     # (k,) USD: premium at the month's end plus the futures' dealing cost
    premium_se: np.ndarray       # (k,) Monte Carlo standard error of premium_per_lot


def cap_lines(view: ForecastView, c: Contracts, strike_pct: float) -> CapPosition:
    """Caps on every contract row: strike ``strike_pct`` % of the fair monthly-average price on the paths."""
    strike, premium, payoff, fwd, se = [], [], [], [], []
    for k, row in c.table.iterrows():
        sim = view.underlyings[row["underlying"]].simulation
        fix = month_fixings(sim, [pd.Timestamp(row["delivery_month"])], view.spec.as_of, DEFAULT_RATE)
        a = fix.average[:, 0]
        K = strike_pct / 100.0 * float(a.mean())
        pay = call_payoff(a, K) * c.lot_size[k]
        strike.append(K)
        payoff.append(pay)
        fwd.append(float(pay.mean()))
        premium.append(float(pay.mean()) * fix.discount[0])
        se.append(float(pay.std(ddof=1) / np.sqrt(pay.size)) * fix.discount[0])
    return CapPosition(np.zeros(len(strike), dtype=np.int64), np.array(strike), np.array(premium),
                       np.column_stack(payoff), np.array(fwd) + c.cost_per_lot, np.array(se))


def build_program(view: ForecastView, policy: Policy) -> HedgeResult:
    """Run the chosen policy on the forecast's paths and return hedged and unhedged spend, less the
    trades below the policy's materiality threshold (:mod:`hedging.service.materiality`)."""
    from hedging.service.materiality import drop_immaterial

    return drop_immaterial(_policy_program(view, policy), policy.min_notional)


def _policy_program(view: ForecastView, policy: Policy) -> HedgeResult:
    c = contracts_for(view, policy)
    spend = view.total_spend
    common = dict(max_lots=c.max_lots, margin_per_lot=c.margin_per_lot, margin_budget=policy.margin_budget)
    pnl_per_lot = (c.settlement - c.entry) * c.lot_size
    if policy.name == "layered":
        ratios = ratios_by_tenor(len(view.future), policy.bands)
        lp = layered_program(c.layer_prices, c.settlement, c.lot_size, c.expected_volume, c.month, c.cost_per_lot,
                             ratios=ratios, **common)
        program, pnl, cost = lp.program, lp.pnl, np.asarray(lp.cost)
        lots = np.asarray(program.lots)
        hedged = spend.copy()
        for k, m in enumerate(c.month):
            hedged[:, m] += cost[k] - pnl[:, k]
    elif policy.name == "min_cvar_caps":
        caps = cap_lines(view, c, policy.cap_strike)
        program, cap_lots = min_cvar_futures_and_caps(
            spend, pnl_per_lot, c.cost_per_lot, caps.payoff_per_lot, caps.cost_per_lot, contract_month=c.month,
            level=policy.cvar_level, lot_size=c.lot_size, price=c.fair, expected_volume=c.expected_volume, **common)
        caps = CapPosition(cap_lots, caps.strike, caps.premium_per_lot, caps.payoff_per_lot, caps.cost_per_lot,
                           caps.premium_se)
        lots = np.asarray(program.lots)
        pnl = pnl_per_lot * lots + caps.payoff_per_lot * cap_lots
        cost = c.cost_per_lot * lots + caps.cost_per_lot * cap_lots
        hedged = hedged_spend_by_month(spend, np.hstack([pnl_per_lot, caps.payoff_per_lot]),
                                       np.concatenate([c.cost_per_lot, caps.cost_per_lot]),
                                       np.concatenate([lots, cap_lots]), np.concatenate([c.month, c.month]))
        return HedgeResult(policy, program, c, lots, pnl, cost, spend, hedged, tuple(program.warnings), caps)
    elif policy.name == "cap_tail":
        caps = cap_lines(view, c, policy.cap_strike)
        ceiling = float(spend.sum(axis=1).mean()) * (1 + policy.tail_ceiling / 100.0)
        program, cap_lots = least_premium_caps(
            spend, caps.payoff_per_lot, caps.cost_per_lot, contract_month=c.month, max_lots=c.max_lots,
            ceiling=ceiling, level=0.95, lot_size=c.lot_size, price=c.fair, expected_volume=c.expected_volume)
        caps = CapPosition(cap_lots, caps.strike, caps.premium_per_lot, caps.payoff_per_lot, caps.cost_per_lot,
                           caps.premium_se)
        lots = np.zeros(len(c.month), dtype=np.int64)
        pnl, cost = caps.payoff_per_lot * cap_lots, caps.cost_per_lot * cap_lots
        hedged = hedged_spend_by_month(spend, caps.payoff_per_lot, caps.cost_per_lot, cap_lots, c.month)
        return HedgeResult(policy, program, c, lots, pnl, cost, spend, hedged, tuple(program.warnings), caps)
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


def schedule_table(result: HedgeResult, view: ForecastView) -> pd.DataFrame:
    """The trade schedule: contract, delivery month, trade date, side, lots, price, notional, margin, cost."""
    c = result.contracts
    rows = []
    for t in result.program.trades:
        row = c.table.iloc[t.contract_index]
        trade_date = c.trade_dates[t.trade_date_index]
        later = t.trade_date_index > 0
        price = t.price if t.price is not None else float(c.fair[t.contract_index])
        if not later:
            price = float(c.fair[t.contract_index])
        rows.append({"contract": row["symbol"], "underlying": row["underlying"],
                     "delivery month": pd.Timestamp(row["delivery_month"]).strftime("%b %Y"),
                     "last trading day": fmt.date(pd.Timestamp(row["last_trading_day"])),
                     "trade date": fmt.date(trade_date),
                     "side": t.side, "lots": int(t.lots), "price": price,
                     "price is": "expected on the trade date" if later else "fair price on the as-of date",
                     "notional (USD)": t.lots * price * c.lot_size[t.contract_index],
                     "initial margin (USD)": t.lots * c.margin_per_lot[t.contract_index],
                     "cost (USD)": t.cost})
    caps = result.caps
    for k in ([] if caps is None else np.flatnonzero(caps.lots)):
        row, q, size = c.table.iloc[k], int(caps.lots[k]), float(c.lot_size[k])
        month = pd.Timestamp(row["delivery_month"])
        rows.append({"contract": f"Cap on the {fmt.underlying(row['underlying'])} index, {month:%b %Y} average",
                     "underlying": row["underlying"], "delivery month": month.strftime("%b %Y"),
                     "last trading day": _day(month + pd.offsets.MonthEnd(0)),
                     "trade date": _day(c.trade_dates[0]), "side": "buy cap", "lots": q,
                     "price": float(caps.premium_per_lot[k] / size),
                     "price is": f"premium per unit, strike {caps.strike[k]:.4g}, paid up front",
                     "notional (USD)": q * float(caps.strike[k]) * size, "initial margin (USD)": 0.0,
                     "cost (USD)": q * (float(caps.premium_per_lot[k]) + float(c.cost_per_lot[k]))})
    return pd.DataFrame(rows)


def dropped_table(result: HedgeResult, view: ForecastView) -> pd.DataFrame:
    """The trades the materiality threshold dropped (:mod:`hedging.service.materiality`), as the trade
    schedule shows trades; empty when none were."""
    caps = result.caps
    if not result.dropped and (result.dropped_cap_lots is None or not np.any(result.dropped_cap_lots)):
        return pd.DataFrame()
    shown = replace(result, program=replace(result.program, trades=tuple(result.dropped)),
                    caps=None if caps is None else replace(caps, lots=result.dropped_cap_lots))
    return schedule_table(shown, view)


def _day(d) -> str:
    d = pd.Timestamp(d)
    return f"{d.day} {d:%b %Y}"


def schedule_csv(schedule: pd.DataFrame) -> bytes:
    """The trade schedule as CSV for a spreadsheet: numbers stay numbers (no "$" or separators) and
    every column says its unit in its heading; the price's unit is its own column, as rows of the
    token and GPU contracts are quoted in different units."""
    from hedging.service.usage import safe_csv

    units = {key: u.unit for key, u in market_service.UNDERLYINGS.items()}
    out = schedule.rename(columns={"price": "price (quote units)", "lots": "lots (contracts)"})
    if "underlying" in schedule and "price" in schedule:
        out.insert(out.columns.get_loc("price (quote units)") + 1, "quote unit", schedule["underlying"].map(units))
    if "underlying" in schedule:
        out["underlying"] = schedule["underlying"].map(fmt.underlying)   # "LLM tokens", not the key
    return safe_csv(out)


def ratio_table(result: HedgeResult, view: ForecastView) -> pd.DataFrame:
    """Hedged share of each underlying's expected volume by delivery month."""
    c = result.contracts
    rows = []
    covered = result.lots if result.caps is None else result.lots + result.caps.lots
    for k, lots in enumerate(covered):
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
        rows.append({"underlying": part.label, "unit": part.unit, "expected volume, horizon": round(part.volume_paths.mean(axis=0).sum()),
                     "hedgeable share": share, "expected spend (USD)": part.spend.sum(axis=1).mean(),
                     "basis slope": b.slope, "basis R²": b.r_squared,
                     "volume uncertainty (sd/mean)": float(part.volume_paths.sum(axis=1).std()
                                                           / part.volume_paths.sum(axis=1).mean())})
        if any(p.natural is not None for p in view.underlyings.values()):   # natural hedges entered
            gross = float(part.volume_paths.sum(axis=1).mean())
            fixed = 0.0 if part.natural is None else float(part.natural.fixed_volume[:, part.h0:].sum(axis=1).mean())
            rows[-1]["at fixed prices (share of volume)"] = fixed / gross if gross > 0 else 0.0
            rows[-1]["price-exposed volume, horizon"] = round(float(part.exposed_paths.sum(axis=1).mean()))
    frame = pd.DataFrame(rows)
    natural = ["at fixed prices (share of volume)", "price-exposed volume, horizon"]
    if natural[0] in frame:   # beside the volume they qualify, so they are read with it
        rest = [c for c in frame.columns if c not in natural]
        at = rest.index("expected volume, horizon") + 1
        frame = frame[rest[:at] + natural + rest[at:]]
    return frame
