"""Forecast: volume by model selection, index price paths, the company's unit price through its
basis, and spend = volume x unit price as joint Monte Carlo paths, against the budget.

For each underlying (tokens, GPU-hours):
1. monthly history from the stored usage (partial last month left out);
2. index paths from the Market model, averaged over each calendar month of the horizon;
3. basis: log unit price = a + b log index + AR(1) residual, fitted on the months both exist;
4. volume shocks correlated with the index's monthly innovations (rho, an assumption the user
   sets), driving the volume model chosen by rolling-origin backtest;
5. spend paths; the company's total is the sum over underlyings, path by path.

Token and GPU markets are simulated independently (each underlying has its own random stream):
no data yet pins down their correlation, and sharing draws would wrongly make it 1.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from hedging.config import Settings
from hedging.contracts import year_fraction
from hedging.errors import HedgingWarning, InputError
from hedging.forecast import reconcile, select_model
from hedging.forecast.calibration import bands, interval_scale, widen_paths
from hedging.forecast.spend import (BudgetView, budget_view, correlated_shocks, price_innovations,
                                    spend_paths, unit_price_paths)
from hedging.hedge.basis import BasisFit, fit_basis
from hedging.market.model import DAYS_PER_YEAR
from hedging.service import market as market_service
from hedging.service.series import future_months, month_calendar, usage_series
from hedging.service.usage import default_settings, stored_usage

DEFAULT_RHO = 0.3


@dataclass(frozen=True, eq=False)
class UnderlyingForecast:
    """One underlying's history, chosen volume model, basis and simulated spend."""

    underlying: str
    label: str
    unit: str
    months: pd.DatetimeIndex
    volume: np.ndarray
    cost: np.ndarray
    unit_price: np.ndarray
    index_name: str
    index_at_months: np.ndarray
    future: pd.DatetimeIndex
    model: str
    scores: pd.DataFrame
    volume_mean: np.ndarray
    volume_bands: dict
    index_paths: np.ndarray
    unit_price_paths: np.ndarray
    spend: np.ndarray
    basis: BasisFit
    drilldown: pd.DataFrame          # month, label, volume (reconciled mean)
    warnings: tuple[HedgingWarning, ...]
    volume_paths: np.ndarray = field(default=None)
    simulation: IndexSimulation = field(default=None)
    valuation_date: dt.date = field(default=None)
    spot: float = float("nan")
    seed: int = 0                    # this underlying's random stream (index: seed, prices: seed + 3)
    steps: tuple = ()


@dataclass(frozen=True, eq=False)
class ForecastView:
    horizon: int
    n_paths: int
    seed: int
    rho: float
    by: str
    future: pd.DatetimeIndex
    underlyings: dict[str, UnderlyingForecast]
    total_spend: np.ndarray          # (n_paths, horizon), USD
    history_months: pd.DatetimeIndex
    history_spend: np.ndarray        # USD per month, both underlyings
    warnings: tuple[HedgingWarning, ...] = field(default=())

    def budget(self, annual: float | None = None, monthly: np.ndarray | None = None) -> BudgetView:
        return budget_view(self.total_spend, budget_monthly=monthly, budget_annual=annual)

    def default_budget(self) -> float:
        """A round starting figure for the budget box: expected spend rounded up to $50k."""
        expected = float(self.total_spend.sum(axis=1).mean()) * 12 / self.horizon
        return float(np.ceil(expected / 50_000) * 50_000)


@dataclass(frozen=True, eq=False)
class IndexSimulation:
    """Daily simulated index from the valuation date to the end of the horizon, and its monthly means."""

    dates: pd.DatetimeIndex
    daily: np.ndarray        # (n_paths, days), float32 to halve memory
    monthly: np.ndarray      # (n_paths, months), mean of each calendar month's daily values
    model: object
    origin: dt.date
    t0: float

    def at(self, day: dt.date) -> np.ndarray:
        """Simulated index on ``day`` (clamped to the simulated span)."""
        i = int(np.clip((pd.Timestamp(day) - self.dates[0]).days, 0, len(self.dates) - 1))
        return self.daily[:, i].astype(float)

    def window_mean(self, first: dt.date, last: dt.date) -> np.ndarray:
        mask = (self.dates >= pd.Timestamp(first)) & (self.dates <= pd.Timestamp(last))
        return self.daily[:, mask].mean(axis=1, dtype=float)


def _simulate_index(model, x0: float, t0: float, start: dt.date, months: pd.DatetimeIndex, n_paths: int,
                    seed: int, origin: dt.date) -> IndexSimulation:
    """Simulated daily index (exact discretisation) and its average over each month of ``months``."""
    last = (months[-1] + pd.offsets.MonthEnd(0)).date()
    days = (last - start).days
    grid = t0 + np.arange(days + 1) / DAYS_PER_YEAR
    paths = model.simulate_prices(x0, grid, n_paths, seed)
    dates = pd.date_range(start, periods=days + 1, freq="D")
    out = np.empty((n_paths, len(months)))
    for j, m in enumerate(months):
        mask = (dates.year == m.year) & (dates.month == m.month)
        out[:, j] = paths[:, mask].mean(axis=1)
    return IndexSimulation(dates, paths.astype(np.float32), out, model, origin, t0)


def _basis(series, index_at_months: np.ndarray) -> tuple[BasisFit, list[HedgingWarning]]:
    try:
        fit = fit_basis(series.unit_price, index_at_months)
        return fit, list(fit.warnings)
    except InputError as exc:
        fit = BasisFit.identity(series.unit_price, index_at_months, reason=str(exc))
        return fit, list(fit.warnings)


def _forecast_underlying(frame: pd.DataFrame, underlying: str, *, horizon: int, n_paths: int, seed: int,
                         rho: float, by: str, steps: tuple, settings: Settings) -> UnderlyingForecast | None:
    series = usage_series(frame, underlying, by)
    if series is None:
        return None
    warnings = list(series.warnings)
    data = market_service.index_history(underlying, None, settings)
    choice, why = market_service._resolve_choice("auto", data)
    model, _, _, model_warnings, origin = market_service._model(data.history, choice)
    history = data.history.assign(month=pd.to_datetime(data.history["date"]).dt.to_period("M").dt.to_timestamp())
    index_by_month = history.groupby("month")["value"].mean()
    index_at_months = index_by_month.reindex(series.months).to_numpy(dtype=float)
    valuation = pd.Timestamp(data.history["date"].iloc[-1]).date()
    future = future_months(series.months[-1], horizon)
    if valuation > future[0].date():
        raise InputError(f"the {underlying} index history runs to {valuation}, past the first forecast month "
                         f"{future[0]:%B %Y}.", fix="import usage up to the index's latest month.")
    t0 = year_fraction(origin, valuation)
    sim = _simulate_index(model, float(np.log(data.history["value"].iloc[-1])), t0, valuation, future, n_paths,
                          seed, origin)
    index_paths = sim.monthly
    basis, basis_warnings = _basis(series, index_at_months)
    warnings += basis_warnings
    shocks = correlated_shocks(price_innovations(index_paths), rho, seed + 1)
    calendar_hist, calendar_future = month_calendar(series.months), month_calendar(future)
    selection = select_model(series.volume, horizon, calendar=calendar_hist, calendar_future=calendar_future,
                             n_paths=n_paths, seed=seed + 2, shocks=shocks)
    warnings += list(selection.warnings)
    fc = selection.forecast
    chosen = next(sc for sc in selection.scores if sc.model == selection.model) if any(
        sc.model == selection.model for sc in selection.scores) else None
    scale = interval_scale(chosen.coverage_80, n_forecasts=chosen.n_forecasts) if chosen else 1.0
    volume_paths = widen_paths(fc.paths(), np.asarray(fc.point), scale)
    if scale > 1.0:  # this supersedes the selector's "coverage was low" warning: say it once
        warnings = [w for w in warnings if w.code != "backtest_coverage"]
        warnings.append(HedgingWarning(
            "intervals_widened", f"In the backtest only {chosen.coverage_80:.0%} of realised months fell inside the "
            f"{selection.model.replace('_', ' ')} model's 80% intervals, so its simulated deviations are widened "
            f"×{scale:.2f} to make the 80% band honest."))
    last_index = index_at_months[-1] if np.isfinite(index_at_months[-1]) else float(index_by_month.iloc[-1])
    prices = unit_price_paths(index_paths, basis, float(series.unit_price[-1]), float(last_index), seed=seed + 3,
                              steps=steps)
    spend = spend_paths(volume_paths, prices, volume_unit_scale=1.0)
    scores = pd.DataFrame([{"model": s.model, "MASE": s.mase, "80% coverage": s.coverage_80,
                            "95% coverage": s.coverage_95, "forecasts": s.n_forecasts, "note": s.error or ""}
                           for s in selection.scores])
    drill = _drilldown(series, horizon, calendar_hist, calendar_future, n_paths, seed, volume_paths, future)
    return UnderlyingForecast(
        underlying=underlying, label=market_service.UNDERLYINGS[underlying].label, unit=series.unit,
        months=series.months, volume=series.volume, cost=series.cost, unit_price=series.unit_price,
        index_name=data.name, index_at_months=index_at_months, future=future, model=selection.model,
        scores=scores, volume_mean=volume_paths.mean(axis=0), volume_bands=bands(volume_paths),
        index_paths=index_paths, unit_price_paths=prices, spend=np.asarray(spend.spend), basis=basis,
        drilldown=drill, warnings=tuple(warnings), volume_paths=volume_paths, simulation=sim,
        valuation_date=valuation, spot=float(data.history["value"].iloc[-1]), seed=seed, steps=tuple(steps))


def _drilldown(series, horizon, calendar_hist, calendar_future, n_paths, seed, total_paths, future) -> pd.DataFrame:
    """Each child's own forecast, reconciled so that children sum to the total on every path."""
    labels = [k for k, v in series.children.items() if (v > 0).sum() >= 2]
    if len(labels) < 2:
        return pd.DataFrame(columns=["month", "label", "volume"])
    paths = []
    for i, label in enumerate(labels):
        child = select_model(series.children[label], horizon, calendar=calendar_hist,
                             calendar_future=calendar_future, n_paths=n_paths, seed=seed + 10 + i)
        paths.append(child.forecast.paths())
    rec = reconcile(total_paths, paths, method="proportional")
    children = np.asarray(rec.children)  # (children, paths, months)
    rows = []
    for j, label in enumerate(labels):
        for h, month in enumerate(future):
            rows.append({"month": month, "label": label, "volume": float(children[j, :, h].mean())})
    return pd.DataFrame(rows)


def forecast_view(horizon: int = 12, n_paths: int = 10_000, seed: int = 7, rho: float = DEFAULT_RHO,
                  by: str = "provider", steps: dict | None = None,
                  settings: Settings | None = None) -> ForecastView:
    """Volume, price and spend forecasts for every underlying with usage, and their total."""
    settings = settings or default_settings()
    if not 1 <= int(horizon) <= 36:
        raise InputError("the horizon must be between 1 and 36 months.", column="horizon", value=horizon,
                         fix="choose 12, 18 or 24 months.")
    if not -1 <= rho <= 1:
        raise InputError("the volume-price correlation must be between -1 and 1.", column="rho", value=rho,
                         fix="use e.g. 0.3 for a demand surge that raises both.")
    frame = stored_usage(settings)
    if frame.empty:
        raise InputError("there is no stored usage to forecast.", fix="import exports on the Data page first.")
    steps = steps or {}
    parts = {}
    for i, u in enumerate(market_service.UNDERLYINGS):
        # each underlying draws its own random numbers: token and GPU prices (and volumes) are
        # simulated as independent markets; sharing a seed would make them move in lockstep
        part = _forecast_underlying(frame, u, horizon=int(horizon), n_paths=int(n_paths), seed=int(seed) + 1000 * i,
                                    rho=rho,
                                    by=by, steps=tuple(steps.get(u, ())), settings=settings)
        if part is not None:
            parts[u] = part
    if not parts:
        raise InputError("the stored usage has neither tokens nor GPU-hours.", fix="import usage exports.")
    futures = {tuple(p.future) for p in parts.values()}
    if len(futures) > 1:
        raise InputError("the token and GPU histories end in different months, so their forecasts do not line up.",
                         fix="import usage for both up to the same month.")
    total = sum(p.spend for p in parts.values())
    months = next(iter(parts.values())).months
    history = sum(pd.Series(p.cost, index=p.months).reindex(months, fill_value=0.0).to_numpy() for p in parts.values())
    return ForecastView(int(horizon), int(n_paths), int(seed), float(rho), by, next(iter(parts.values())).future,
                        parts, total, months, history)
