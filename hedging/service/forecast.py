"""Forecast: volume by model selection, index price paths, the company's unit price through its
basis, and spend = volume x unit price as joint Monte Carlo paths, as of the spec's date.

For each underlying (tokens, GPU-hours):
1. the monthly history from the stored usage up to its last complete month ``L`` (judged per
   provider; gaps bridged, not zero: :mod:`hedging.service.series`);
2. the index as known on the as-of date, carried forward by the Market model from its last
   observation; months already observed use the realised index;
3. basis: log unit price = a + b log index + AR(1) residual, fitted on the months both exist;
4. volume shocks correlated with the index's monthly innovations (rho), driving the volume model
   chosen by rolling-origin backtest;
5. spend paths for every month after ``L``: the months up to the as-of month are *estimates*
   (not yet reported), the ``horizon`` months after it are the forecast the hedge covers.

Token and GPU markets are simulated independently (each underlying has its own random stream):
no data yet pins down their correlation, and sharing draws would wrongly make it 1.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from hedging import fmt
from hedging.config import Settings
from hedging.contracts import year_fraction
from hedging.errors import HedgingWarning, InputError
from hedging.forecast import MODELS, fit_volume, reconcile
from hedging.forecast.api import month_calendar, volume_paths
from hedging.forecast.basis import BasisFit, fit_basis
from hedging.forecast.calibration import bands
from hedging.forecast.spend import correlated_shocks, price_innovations, spend_paths, unit_price_paths
from hedging.hedge.natural import NaturalEffect, apply_commitments
from hedging.market.simulation import IndexSimulation, simulate_index
from hedging.risk import quantile
from hedging.service import market as market_service
from hedging.service.series import usage_series
from hedging.service.spec import RunSpec
from hedging.service.usage import default_settings, stored_usage


#: Volume models as a reader knows them (the backtest table and the Forecast page name them so).
MODEL_NAMES = fmt.VOLUME_MODEL_NAMES


@dataclass(frozen=True, eq=False)
class UnderlyingForecast:
    """One underlying's history, chosen volume model, basis and simulated spend.

    Arrays named ``*_paths`` and ``spend`` cover the horizon months (``future``); ``steps`` are all
    simulated months from the month after the last complete usage month, and ``h0`` is where the
    horizon starts among them (months before it are estimates of months not yet reported).
    """

    underlying: str
    label: str
    unit: str
    months: pd.DatetimeIndex
    volume: np.ndarray
    cost: np.ndarray
    unit_price: np.ndarray
    estimated: np.ndarray
    last_day: pd.Timestamp
    index_name: str
    index_at_months: np.ndarray
    market: market_service.PriceModel
    steps: pd.DatetimeIndex
    h0: int
    model: str
    scores: pd.DataFrame
    basis: BasisFit
    drilldown: pd.DataFrame          # month, label, volume (reconciled mean, horizon months)
    warnings: tuple[HedgingWarning, ...]
    all_volume: np.ndarray           # (n_paths, steps)
    all_index: np.ndarray            # (n_paths, steps) monthly index used to price each step
    all_unit_price: np.ndarray
    all_spend: np.ndarray
    simulation: IndexSimulation
    seed: int
    price_steps: tuple               # (step index, multiplier) announced price changes
    anchor_index: float              # index level of the last history month (its expectation if unobserved)
    last_unit_price: float           # the company's unit price in the last history month
    model_members: tuple[str, ...] = ()  # the models a "combination" combines
    natural: NaturalEffect | None = None  # commitments (natural hedges) applied to all steps; None: none entered
    commitments: tuple = ()               # the spec's commitments on this underlying
    provider_volume: dict = field(default_factory=dict)  # provider -> share of volume the commitments apply to

    @property
    def exposed_paths(self) -> np.ndarray:
        """Horizon volume whose cost floats with the price after natural hedges (index-equivalent
        units: discounts scale it): what a hedge is sized on."""
        return self.volume_paths if self.natural is None else self.natural.exposed[:, self.h0:]

    def spend_of(self, volume: np.ndarray, price: np.ndarray) -> np.ndarray:
        """Spend on all steps for other volume and price paths (a stress), with the same commitments."""
        if not self.commitments:
            return volume * price
        return apply_commitments(self.commitments, self.steps, volume, price, self.provider_volume,
                                 history_end=self.months[-1]).spend

    @property
    def model_label(self) -> str:
        """The volume model in words: "combination of ETS, Theta and seasonal ARIMA"."""
        if self.model == "combination" and self.model_members:
            names = [MODEL_NAMES.get(m, m.replace("_", " ")) for m in self.model_members]
            listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
            return f"combination of {listed}"
        return MODEL_NAMES.get(self.model, self.model.replace("_", " "))

    @property
    def future(self) -> pd.DatetimeIndex:
        return self.steps[self.h0:]

    @property
    def bridge(self) -> pd.DatetimeIndex:
        return self.steps[:self.h0]

    @property
    def volume_paths(self) -> np.ndarray:
        return self.all_volume[:, self.h0:]

    @property
    def index_paths(self) -> np.ndarray:
        return self.all_index[:, self.h0:]

    @property
    def unit_price_paths(self) -> np.ndarray:
        return self.all_unit_price[:, self.h0:]

    @property
    def spend(self) -> np.ndarray:
        return self.all_spend[:, self.h0:]

    @property
    def volume_mean(self) -> np.ndarray:
        return self.all_volume.mean(axis=0)

    @property
    def volume_bands(self) -> dict:
        return bands(self.all_volume)

    @property
    def valuation_date(self):
        return self.market.valuation

    @property
    def spot(self) -> float:
        return self.market.spot

    @property
    def last_complete_month(self) -> pd.Timestamp:
        return self.months[-1]


@dataclass(frozen=True, eq=False)
class ForecastView:
    spec: RunSpec
    future: pd.DatetimeIndex          # the horizon months
    underlyings: dict[str, UnderlyingForecast]
    total_spend: np.ndarray           # (n_paths, horizon), USD
    history_months: pd.DatetimeIndex  # months with reported (or bridged) usage for the company
    history_spend: np.ndarray         # USD per month, all underlyings
    history_estimated: np.ndarray     # bool per history month (bridged gap or lagging provider)
    estimate_months: pd.DatetimeIndex  # months after the history and before the horizon
    estimate_spend: np.ndarray        # (n_paths, len(estimate_months)), USD
    fiscal_months: pd.DatetimeIndex
    fiscal_actual: float              # reported spend in fiscal-year months before the simulation
    fiscal_simulated: np.ndarray      # (n_paths,) simulated spend in the rest of the fiscal year
    fiscal_covered: int               # fiscal-year months the data and forecast cover
    fiscal_horizon_mask: np.ndarray   # bool per horizon month: inside the fiscal year
    run_rate: float                   # latest complete month's spend, all underlyings, USD
    warnings: tuple[HedgingWarning, ...] = ()

    @property
    def horizon(self) -> int:
        return len(self.future)

    @property
    def n_paths(self) -> int:
        return self.total_spend.shape[0]

    @property
    def seed(self) -> int:
        return self.spec.seed

    @property
    def rho(self) -> float:
        return self.spec.rho

    @property
    def by(self) -> str:
        return self.spec.by

    def fiscal_spend(self, horizon_change: np.ndarray | None = None) -> np.ndarray:
        """Fiscal-year spend per path (USD): reported + estimated + forecast months, optionally
        with ``horizon_change`` (paths x horizon, e.g. hedged minus unhedged) added in the months
        of the horizon that fall in the fiscal year."""
        out = self.fiscal_actual + self.fiscal_simulated
        if horizon_change is not None:
            out = out + horizon_change[:, self.fiscal_horizon_mask].sum(axis=1)
        return out

    def default_budget(self) -> float:
        """The budget when none is given: expected fiscal-year spend (pro-rated to 12 months when
        the data does not cover it all), rounded up to $50,000."""
        expected = float(self.fiscal_spend().mean()) * 12 / max(self.fiscal_covered, 1)
        return float(np.ceil(expected / 50_000) * 50_000)

    def budget_for_covered(self, annual: float) -> float:
        """The part of an annual budget that the covered fiscal months stand for."""
        return annual * self.fiscal_covered / 12


def _price_steps(spec: RunSpec, underlying: str, steps: pd.DatetimeIndex, series,
                 warnings: list[HedgingWarning]) -> tuple:
    out = []
    for change in spec.changes_for(underlying):
        month = pd.Timestamp(change.month + "-01")
        if month < steps[0]:
            warnings.append(HedgingWarning("price_change_in_history", (
                f"The price change '{change.label()}' starts before the first forecast month {steps[0]:%b %Y}; the "
                "reported usage already carries it, so it is not applied again.")))
            continue
        if month > steps[-1]:
            continue
        factor = change.factor
        if change.provider:  # a provider's or one model's price: it moves its share of the cost
            share = series.provider_share.get(change.provider, series.model_share.get(change.provider))
            if share is None:
                raise InputError(f"no recent {underlying} usage from a provider or model called {change.provider!r} "
                                 f"for the price change '{change.label()}'.", column="price_change",
                                 value=change.provider, fix="use a provider (" + ", ".join(sorted(series.provider_share))
                                 + ") or a model (" + ", ".join(sorted(series.model_share)[:12]) + ").")
            factor = 1.0 + share * change.pct / 100.0
        out.append((int(steps.get_loc(month)), float(factor)))
    return tuple(out)


def _forecast_underlying(frame: pd.DataFrame, underlying: str, spec: RunSpec, seed: int,
                         settings: Settings) -> UnderlyingForecast | None:
    as_of = pd.Timestamp(spec.as_of)
    series = usage_series(frame, underlying, spec.by, as_of=as_of)
    if series is None:
        return None
    warnings = list(series.warnings)
    n_paths = int(spec.n_paths)
    pm = market_service.price_model(underlying, spec.index_key(underlying), spec.model_choice(underlying),
                                    spec.as_of, settings)
    warnings += [w for w in (pm.staleness(),) if w is not None] + list(pm.warnings)
    horizon = spec.horizon_months
    last = series.months[-1]
    if last >= horizon[0]:  # cannot happen: rows after the as-of date are dropped
        raise InputError(f"the {underlying} history runs into the horizon.", fix="choose a later as-of date.")
    steps = pd.date_range(last + pd.offsets.MonthBegin(1), horizon[-1], freq="MS")
    h0 = len(steps) - len(horizon)
    if h0 > 0:
        warnings.append(HedgingWarning("estimated_months", (
            f"The {'token' if underlying == 'token' else 'GPU'} usage is complete to {last:%B %Y}; "
            f"{steps[0]:%b %Y}{' – ' + format(steps[h0 - 1], '%b %Y') if h0 > 1 else ''} "
            f"({h0} month{'s' if h0 > 1 else ''}) before the horizon {'are' if h0 > 1 else 'is'} estimated by the model "
            "(volume from the forecast, price from the realised index where it is known).")))
    history = pm.data.history.assign(month=pd.to_datetime(pm.data.history["date"]).dt.to_period("M").dt.to_timestamp())
    index_by_month = history.groupby("month")["value"].mean()
    index_at_months = index_by_month.reindex(series.months).to_numpy(dtype=float)
    valuation_month = pd.Timestamp(pm.valuation).to_period("M").to_timestamp()
    sim_months = pd.date_range(valuation_month + pd.offsets.MonthBegin(1), horizon[-1], freq="MS")
    sim = simulate_index(pm.model, float(np.log(pm.spot)), year_fraction(pm.origin, pm.valuation), pm.valuation,
                         sim_months, n_paths, seed, pm.origin)
    observed = index_by_month.reindex(pd.date_range(index_by_month.index[0], valuation_month, freq="MS")).ffill()
    all_index = np.empty((n_paths, len(steps)))
    for j, m in enumerate(steps):
        if m <= valuation_month:
            all_index[:, j] = float(observed.get(m, observed.iloc[-1]))
        else:
            all_index[:, j] = sim.monthly[:, sim_months.get_loc(m)]
    # the anchor: the index in the last history month, or its expectation when it was not observed
    if np.isfinite(index_at_months[-1]):
        anchor = float(index_at_months[-1])
    elif last <= valuation_month:
        anchor = float(observed.get(last, observed.iloc[-1]))
    else:
        anchor = float(sim.monthly[:, sim_months.get_loc(last)].mean())
    try:
        basis = fit_basis(series.unit_price, index_at_months)
    except InputError as exc:
        basis = BasisFit.identity(series.unit_price, index_at_months, reason=str(exc))
    warnings += list(basis.warnings)
    shocks = correlated_shocks(price_innovations(all_index), spec.rho, seed + 1)
    selection, all_volume, _, volume_warnings = volume_paths(series.volume, series.months, steps, n_paths=n_paths,
                                                             seed=seed + 2, shocks=shocks)
    warnings += list(volume_warnings)
    price_steps = _price_steps(spec, underlying, steps, series, warnings)
    last_price = float(series.unit_price[-1]) if np.isfinite(series.unit_price[-1]) else float(
        np.nanmean(series.unit_price[-3:]))
    all_prices = unit_price_paths(all_index, basis, last_price, anchor, seed=seed + 3, steps=price_steps)
    all_spend = np.asarray(spend_paths(all_volume, all_prices, volume_unit_scale=1.0).spend)
    mine = tuple(c for c in spec.commitments if c.underlying == underlying)
    natural = None
    shares = series.provider_volume_share or series.provider_share
    if mine:  # natural hedges first: fixed-price volume and discounts change spend before any hedge
        natural = apply_commitments(mine, steps, all_volume, all_prices, shares, history_end=last)
        all_spend = natural.spend
        warnings += list(natural.warnings)
    scores = pd.DataFrame([{"model": s.model, "MASE": s.mase, "80% coverage": s.coverage_80,
                            "95% coverage": s.coverage_95, "forecasts": s.n_forecasts, "note": s.error or ""}
                           for s in selection.scores])
    drill = _drilldown(series, selection.model, month_calendar(series.months), month_calendar(steps), n_paths, seed,
                       all_volume, steps, h0)
    return UnderlyingForecast(
        underlying=underlying, label=market_service.UNDERLYINGS[underlying].label, unit=series.unit,
        months=series.months, volume=series.volume, cost=series.cost, unit_price=series.unit_price,
        estimated=series.estimated, last_day=series.last_day, index_name=pm.data.name,
        index_at_months=index_at_months, market=pm, steps=steps, h0=h0, model=selection.model, scores=scores,
        basis=basis, drilldown=drill, warnings=tuple(warnings), all_volume=all_volume, all_index=all_index,
        all_unit_price=all_prices, all_spend=all_spend, simulation=sim, seed=seed, price_steps=price_steps,
        anchor_index=anchor, last_unit_price=last_price, model_members=tuple(selection.members),
        natural=natural, commitments=mine, provider_volume=dict(shares))


def _drilldown(series, model, calendar_hist, calendar_steps, n_paths, seed, total_paths, steps, h0) -> pd.DataFrame:
    """Each child's forecast by the total's model family (the backtest already chose it for the
    total), reconciled so that children sum to the total on every path."""
    labels = [k for k, v in series.children.items() if (v > 0).sum() >= 2]
    if len(labels) < 2:
        return pd.DataFrame(columns=["month", "label", "volume"])
    family = model if model in MODELS else "damped_trend"
    paths = []
    for i, label in enumerate(labels):
        fitted = fit_volume(series.children[label], family, calendar=calendar_hist)
        paths.append(fitted.forecast(len(steps), calendar_future=calendar_steps, n_paths=n_paths,
                                     seed=seed + 10 + i).paths())
    rec = reconcile(total_paths, paths, method="proportional")
    children = np.asarray(rec.children)  # (children, paths, steps)
    rows = [{"month": month, "label": label, "volume": float(children[j, :, h].mean())}
            for j, label in enumerate(labels) for h, month in enumerate(steps) if h >= h0]
    return pd.DataFrame(rows)


def forecast(spec: RunSpec, settings: Settings | None = None) -> ForecastView:
    """Volume, price and spend forecasts of every underlying with usage, on the spec's dates."""
    settings = settings or default_settings()
    frame = stored_usage(settings)
    if frame.empty:
        raise InputError("there is no stored usage to forecast.", fix="import exports on the Data page first.")
    parts = {}
    for i, u in enumerate(market_service.UNDERLYINGS):
        # each underlying draws its own random numbers: token and GPU prices (and volumes) are
        # simulated as independent markets; sharing a seed would make them move in lockstep
        part = _forecast_underlying(frame, u, spec, int(spec.seed) + 1000 * i, settings)
        if part is not None:
            parts[u] = part
    if not parts:
        if (frame["usage_date"] > pd.Timestamp(spec.as_of)).all():
            raise InputError(f"all stored usage is dated after the as-of date {fmt.date(spec.as_of)}.",
                             column="as_of", value=spec.as_of.isoformat(), fix="choose a later as-of date.")
        raise InputError("the stored usage has neither tokens nor GPU-hours.", fix="import usage exports.")
    return _company(spec, parts)


def _company(spec: RunSpec, parts: dict[str, UnderlyingForecast]) -> ForecastView:
    """Line the underlyings up on calendar months: history, estimates, horizon and fiscal year."""
    horizon = spec.horizon_months
    first = min(p.months[0] for p in parts.values())
    calendar = pd.date_range(first, horizon[-1], freq="MS")
    n_paths = int(spec.n_paths)
    paths = np.zeros((n_paths, len(calendar)))
    simulated = np.zeros(len(calendar), dtype=bool)
    estimated = np.zeros(len(calendar), dtype=bool)
    for p in parts.values():
        hist_idx = calendar.get_indexer(p.months)
        paths[:, hist_idx] += p.cost
        estimated[hist_idx] |= p.estimated
        step_idx = calendar.get_indexer(p.steps)
        paths[:, step_idx] += p.all_spend
        simulated[step_idx] = True
    first_sim = int(np.argmax(simulated))
    h0 = int(calendar.get_loc(horizon[0]))
    history_months = calendar[:first_sim]
    history_spend = paths[0, :first_sim]
    estimate_months = calendar[first_sim:h0]
    fiscal = spec.fiscal_months
    in_fy = calendar.isin(fiscal)
    covered = int(in_fy.sum())
    fiscal_actual = float(history_spend[in_fy[:first_sim]].sum())
    fiscal_simulated = paths[:, first_sim:][:, in_fy[first_sim:]].sum(axis=1)
    warnings = []
    if covered < 12:
        warnings.append(HedgingWarning("fiscal_year_partly_covered", (
            f"The data starts in {first:%b %Y}, so {spec.fiscal_name()} is covered for {covered} of its 12 months; "
            f"the budget is compared pro rata ({covered}/12 of it).")))
    if not in_fy[h0:].any():
        raise InputError(f"{spec.fiscal_name()} does not overlap the hedge horizon "
                         f"{horizon[0]:%b %Y} – {horizon[-1]:%b %Y}.", column="fiscal_year", value=spec.fiscal_year,
                         fix="choose a fiscal year that ends after the as-of date.")
    latest = max(p.months[-1] for p in parts.values())
    run_rate = float(sum(p.cost[p.months.get_loc(latest)] if latest in p.months else
                         p.all_spend[:, p.steps.get_loc(latest)].mean() for p in parts.values()))
    return ForecastView(
        spec=spec, future=horizon, underlyings=parts, total_spend=paths[:, h0:], history_months=history_months,
        history_spend=history_spend, history_estimated=estimated[:first_sim], estimate_months=estimate_months,
        estimate_spend=paths[:, first_sim:h0], fiscal_months=fiscal, fiscal_actual=fiscal_actual,
        fiscal_simulated=fiscal_simulated, fiscal_covered=covered, fiscal_horizon_mask=horizon.isin(fiscal),
        run_rate=run_rate, warnings=tuple(warnings))


def monthly_table(view: ForecastView) -> pd.DataFrame:
    """Per month: the estimated months not yet reported, then the horizon; expected spend, the 80%
    band and the 95th percentile (USD), and whether the month is in the budget's fiscal year."""
    months = view.estimate_months.append(view.future)
    spend = np.hstack([view.estimate_spend, view.total_spend])
    q = quantile(spend, [0.10, 0.90, 0.95], axis=0)
    kind = ["estimate (not yet reported)"] * len(view.estimate_months) + ["forecast (hedge horizon)"] * view.horizon
    return pd.DataFrame({"month": months.strftime("%b %Y"), "what": kind,
                         "in " + view.spec.fiscal_name().split(" (")[0]: np.where(months.isin(view.fiscal_months),
                                                                                 "yes", "—"),
                         "expected (USD)": spend.mean(axis=0), "80% low (USD)": q[0], "80% high (USD)": q[1],
                         "95th percentile (USD)": q[2]})
