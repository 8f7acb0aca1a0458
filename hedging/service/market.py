"""Market: index histories (built in or uploaded), the price model, the forward curve, margins.

The valuation date is the latest index print: monthly indices are published at month start, so
the curve is what the model says on that date, and the UI says which date that is.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from hedging import fmt, store
from hedging.config import Settings
from hedging.contracts import forward_curve, load_specs, margin_requirement, year_fraction
from hedging.errors import HedgingWarning, InputError, ModelError
from hedging.ingest.source import Source, iter_tables, open_source
from hedging.market import PAPER_TABLE3, JumpDiffusionModel, calibrate
from hedging.market.analysis import LevelPricer, annual_volatility, monte_carlo_check, price_fan
from hedging.market.calibrate import BOUNDS
from hedging.market.index import validate_index_history
from hedging.market.plausibility import GPU_RENTAL, TOKEN_PRICES
from hedging.service import access, audit
from hedging.service.ahead import Ahead
from hedging.service.usage import data_version, default_settings
from hedging.store import audit as audit_store
from hedging.store import indices as index_store


@dataclass(frozen=True)
class Underlying:
    key: str
    label: str
    contract: str
    unit: str
    builtin_file: str
    builtin_name: str


UNDERLYINGS = {
    "token": Underlying("token", "AI token price", "SIT", "USD per million tokens", "token_index_monthly.csv",
                        "Token price index (paper's TPI method, built from dated list prices)"),
    "gpu": Underlying("gpu", "GPU rental price", "GPUH", "USD per GPU-hour", "gpu_h100_index_monthly.csv",
                      "H100 rental index (illustrative, neocloud on-demand)"),
}

#: The other built-in candidate indices per underlying: key -> (name, file in sample_data/indices, or
#: None for the company's own basket, built from its usage).
CANDIDATE_BUILTINS = {
    "token": {"builtin:frontier": ("Frontier-model basket (list prices of the models frontier users buy)",
                                   "frontier_basket_monthly.csv"),
              "builtin:company": ("Your usage-weighted list-price basket (from your imported usage)", None)},
    "gpu": {"builtin:hyperscaler": ("H100 on-demand, hyperscaler (illustrative, AWS p5 list price)",
                                    "gpu_h100_hyperscaler_monthly.csv")},
}


def contract_tick(underlying: str) -> float:
    """The price step of ``underlying``'s contract (quote units): prices are shown at this precision."""
    return float(load_specs()[_underlying(underlying).contract].tick)


PARAMETER_MEANING = {
    "kappa": "mean-reversion speed (per year)", "theta0": "long-run log level at the origin",
    "beta": "trend of the long-run level (log per year)", "sigma": "diffusion volatility (per sqrt year)",
    "lam": "jumps per year", "mu_j": "mean log jump", "sigma_j": "jump size dispersion",
    "gamma": "seasonal amplitude (log)", "season_period": "seasonal period (years)",
}
#: A 99% one-sided move over a two-day margin period of risk sets the SPAN scan range (assumption).
SCAN_Z, SCAN_DAYS = 2.326, 2


def _underlying(key: str) -> Underlying:
    if key not in UNDERLYINGS:
        raise InputError(f"unknown underlying {key!r}.", fix=f"use one of {', '.join(UNDERLYINGS)}.")
    return UNDERLYINGS[key]


def _engine(settings: Settings):
    return store.get_engine(settings.database_url)


def index_choices(underlying: str, settings: Settings | None = None) -> list[tuple[str, str]]:
    """(key, label) of every index usable for ``underlying``: the built-in one, then uploads."""
    settings = settings or default_settings()
    me = access.authorize(settings, access.READ)
    u = _underlying(underlying)
    items = [("builtin", u.builtin_name)] + [(k, name) for k, (name, _) in CANDIDATE_BUILTINS[underlying].items()]
    for r in index_store.list_indices(_engine(settings), underlying, me.workspace_id):
        items.append((f"upload:{r.id}", f"{r.name} (uploaded {r.file_name}, {r.first_date} to {r.last_date})"))
    return items


def chosen_index(underlying: str, settings: Settings | None = None) -> str:
    settings = settings or default_settings()
    me = access.authorize(settings, access.READ)
    key = index_store.get_choice(_engine(settings), underlying, me.workspace_id)
    return key if key in dict(index_choices(underlying, settings)) else "builtin"


def choose_index(underlying: str, key: str, settings: Settings | None = None, *, actor: str | None = None) -> None:
    """Use index ``key`` for ``underlying`` from now on (a stored setting), recorded in the audit
    trail as chosen by ``actor``, with the fingerprint of the chosen history, in the same transaction."""
    settings = settings or default_settings()
    me = access.authorize(settings, access.INDEX)
    choices = dict(index_choices(underlying, settings))
    if key not in choices:
        raise InputError(f"there is no index {key!r} for the {underlying} underlying.", fix="pick a listed index.")
    with audit.audited(settings) as conn:
        before = index_store.get_choice(conn, underlying, me.workspace_id)
        index_store.set_choice(conn, underlying, key, me.workspace_id)
        sha = (audit_store.index_target(conn, int(key.split(":")[1]), me.workspace_id)[1] if key.startswith("upload:")
               else "built in")
        audit.record(conn, access.audit_name(settings, actor), audit.INDEX_CHOICE, "index choice", underlying,
                     choices[key], sha, f"{_underlying(underlying).label}: {before} -> {key}",
                     workspace_id=me.workspace_id)


def upload_index(underlying: str, name: str, source: Source, file_name: str | None = None,
                 settings: Settings | None = None, *,
                 actor: str | None = None) -> tuple[int, bool, tuple[HedgingWarning, ...]]:
    """Validate and store an index history CSV (``date,value[,source]``); nothing stored on error.
    A new upload is recorded in the audit trail as done by ``actor``, in the same transaction."""
    settings = settings or default_settings()
    me = access.authorize(settings, access.INDEX)
    u = _underlying(underlying)
    raw = open_source(source, file_name, settings.max_upload_bytes)
    frame = pd.concat(list(iter_tables(raw, raw.header, raw.header)), ignore_index=True).fillna("")
    history, warnings = validate_index_history(frame, raw.name)
    label = name.strip() or raw.name
    with audit.audited(settings) as conn:
        index_id, already = index_store.save_index(conn, name=label, underlying=underlying, unit=u.unit,
                                                   file_name=raw.name, sha256=raw.sha256, history=history,
                                                   workspace_id=me.workspace_id)
        if not already:
            audit.record(conn, access.audit_name(settings, actor), audit.INDEX_UPLOAD, "index", index_id,
                         f"{label} ({underlying})", raw.sha256, f"file {raw.name}, {len(history):,} points",
                         workspace_id=me.workspace_id)
    return index_id, already, warnings


def market_version(settings: Settings | None = None) -> str:
    """Changes when an index is uploaded, deleted or chosen; keys cached market views."""
    settings = settings or default_settings()
    me = access.authorize(settings, access.READ)
    records = index_store.list_indices(_engine(settings), None, me.workspace_id)
    sha = {f"upload:{r.id}": r.sha256 for r in records}
    chosen = {u: chosen_index(u, settings) for u in UNDERLYINGS}
    parts = [f"{u}={sha.get(k, k)}" for u, k in chosen.items()]
    if "builtin:company" in chosen.values():  # the company's basket changes with its usage
        parts.append(data_version(settings))
    parts += sorted(r.sha256 for r in records)
    return ";".join(parts)


def delete_index(index_id: int, settings: Settings | None = None, *, actor: str | None = None) -> None:
    """Delete an uploaded index history (an underlying that used it goes back to the built-in one),
    recorded in the audit trail as done by ``actor`` in the same transaction."""
    settings = settings or default_settings()
    me = access.authorize(settings, access.INDEX)
    with audit.audited(settings) as conn:
        label, sha = audit_store.index_target(conn, index_id, me.workspace_id)
        index_store.delete_index(conn, index_id, me.workspace_id)
        audit.record(conn, access.audit_name(settings, actor), audit.INDEX_DELETE, "index", index_id, label, sha,
                     workspace_id=me.workspace_id)


@dataclass(frozen=True, eq=False)
class IndexData:
    key: str
    name: str
    unit: str
    history: pd.DataFrame  # date, value, source
    illustrative: bool
    observation: str = "point"  # "point": each value is the price on its date; "average": the month's mean

    @property
    def observation_note(self) -> str:
        if self.observation == "average":
            return ("Each value is read as the average of its calendar month's daily index (an uploaded monthly "
                    "history), and the fit uses the likelihood of a monthly average.")
        if self.illustrative:
            return "Each value is read as the index on its date (the built-in history is built at month starts)."
        return "Each value is read as the index on its date (the uploaded rows are closer than a month apart)."


def _observation(history: pd.DataFrame) -> str:
    """How an uploaded history's rows are read: one a month means the month's average of the daily index
    (how monthly index series and the contracts' settlement are published); closer rows are daily prints."""
    months = pd.to_datetime(history["date"]).dt.to_period("M")
    gaps = pd.to_datetime(history["date"]).diff().dt.days.dropna()
    monthly = len(gaps) > 0 and gaps.median() >= 27 and gaps.median() <= 32 and months.is_unique
    return "average" if monthly else "point"


def index_history(underlying: str, key: str | None = None, settings: Settings | None = None) -> IndexData:
    settings = settings or default_settings()
    me = access.authorize(settings, access.READ)
    u = _underlying(underlying)
    key = key or chosen_index(underlying, settings)
    if key == "builtin":
        frame = pd.read_csv(settings.sample_dir / "indices" / u.builtin_file, parse_dates=["date"])
        return IndexData(key, u.builtin_name, u.unit, frame, illustrative=True)
    if key in CANDIDATE_BUILTINS[underlying]:
        name, file = CANDIDATE_BUILTINS[underlying][key]
        if file is None:
            from hedging.service.baskets import company_basket  # reads stored usage; imported when needed
            series = company_basket(settings)
            return IndexData(key, name, u.unit, series.frame(), illustrative=False)
        frame = pd.read_csv(settings.sample_dir / "indices" / file, parse_dates=["date"])
        return IndexData(key, name, u.unit, frame, illustrative=True)
    if not key.startswith("upload:"):
        raise InputError(f"there is no index {key!r} for the {underlying} underlying.", fix="choose a listed index.")
    index_id = int(key.split(":", 1)[1])
    record = next((r for r in index_store.list_indices(_engine(settings), underlying, me.workspace_id)
                   if r.id == index_id), None)
    if record is None:
        raise InputError(f"there is no uploaded index #{index_id}.", fix="choose one of the listed indices.")
    points = index_store.index_points(_engine(settings), index_id, me.workspace_id)
    return IndexData(key, record.name, u.unit, points, False, _observation(points))


@dataclass(frozen=True, eq=False)
class ContractTable:
    """Listed contracts on the valuation date: fair price, bid, ask and margins per lot."""

    spec: object
    quotes: tuple
    margins: tuple
    t0: float

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([{
            "symbol": q.symbol, "delivery_month": q.delivery_month, "last_trading_day": q.last_trading_day,
            "settlement": q.settlement, "years_to_expiry": q.T - self.t0, "fair": q.fair, "bid": q.bid,
            "ask": q.ask, "notional_per_lot": q.notional_per_lot, "initial_margin": m.initial_per_lot,
            "maintenance_margin": m.maintenance_per_lot, "margin_method": m.method, "margin_reason": m.reason}
            for q, m in zip(self.quotes, self.margins)])


def contract_table(model: JumpDiffusionModel, spec, valuation: dt.date, spot: float, origin: dt.date,
                   as_of: dt.date | None = None) -> ContractTable:
    """Forward curve of the months of ``spec`` listed on ``as_of`` with margins per lot.

    The index was last observed on ``valuation`` at ``spot``; when that is before ``as_of`` the
    model carries it forward: a fair price on ``as_of`` given what was known on ``valuation`` is
    ``E[S_T | I_valuation]`` (the tower property), so the curve is priced from ``valuation``.
    Contracts whose last trading day is before ``as_of`` are not listed.

    Margin: the paper's formula against a SPAN-style scan whose range is a 99% two-day move at the
    model's annual volatility; the larger governs.
    """
    t0 = year_fraction(origin, valuation)
    curve = forward_curve(LevelPricer(model), spec, max(as_of or valuation, valuation), spot, origin=origin, t0=t0,
                          realised_average=spot)
    sigma = annual_volatility(model)
    margins = tuple(margin_requirement(q.fair, spec, sigma, price_scan_range=SCAN_Z * sigma * math.sqrt(SCAN_DAYS / 252)
                                       * spec.notional(q.fair)) for q in curve.quotes)
    return ContractTable(spec, curve.quotes, margins, t0)


@dataclass(frozen=True, eq=False)
class MarketView:
    """Everything the Market page and ``hedging market`` show for one underlying."""

    underlying: str
    index: IndexData
    valuation_date: dt.date
    spot: float
    model_choice: str
    model_label: str
    model: JumpDiffusionModel
    parameters: pd.DataFrame  # parameter, value, std_error, ci_low, ci_high (95% interval; not for the preset), meaning
    fan: pd.DataFrame
    curve: pd.DataFrame
    contract_note: str
    margin_note: str
    warnings: tuple[HedgingWarning, ...]
    n_paths: int
    seed: int
    as_of: dt.date | None = None


#: What each calibration warning asks of the user, naming the Market page's controls.
_LONGER = ("A longer or daily history helps: upload one under \u201cUpload your own index history\u201d and "
           "choose it in \u201cIndex\u201d, or ")
_PAPER = "choose \u201c{}\u201d in \u201cModel parameters\u201d on the Market page."
_ADVICE = {
    "implausible_trend": "To use all of the paper's parameters instead, " + _PAPER,
    "implausible_season": "To use all of the paper's parameters instead, " + _PAPER,
    "kappa_bias": "A longer history needs less correction; to use the paper's parameters instead, " + _PAPER,
}
PLAUSIBLE = {"token": TOKEN_PRICES, "gpu": GPU_RENTAL}


def _advised(w: HedgingWarning) -> HedgingWarning:
    paper = MODEL_CHOICES["paper"]
    advice = _ADVICE.get(w.code, _LONGER + _PAPER)
    return HedgingWarning(w.code, f"{w.message} {advice.format(paper)}")


#: Fits by the content of the history they were fitted to (at most 16 kept, shared by every session):
#: a calibration with its interval bootstrap takes seconds and gives the same result for the same
#: history, so a second run, page or proposal on unchanged market data reads it, and two sessions
#: asking at once share one fit.
_FITS = Ahead(max_entries=16)


def _calibrated(times: np.ndarray, logs: np.ndarray, window_days, underlying: str):
    """``calibrate`` with the app's plausibility bounds, kept by a SHA-256 of its inputs (never an id)."""
    digest = hashlib.sha256(underlying.encode())
    for part in (times, logs, window_days):
        digest.update(b"|" if part is None else np.ascontiguousarray(part, dtype=float).tobytes() + b";")
    return _FITS.get(digest.hexdigest(), lambda: calibrate(times, logs, window_days=window_days,
                                                           plausible=PLAUSIBLE.get(underlying), preset=PAPER_TABLE3))


def _model(history: pd.DataFrame, choice: str, underlying: str = "token", observation: str = "point"
           ) -> tuple[JumpDiffusionModel, str, dict, dict, list[HedgingWarning], dt.date]:
    """The model for ``history`` (time origin: its first date, or its month for averages), its standard errors
    and its 95% confidence intervals (``{parameter: (low, high)}``; empty for the paper's preset)."""
    dates = pd.to_datetime(history["date"])
    window_days = None
    if observation == "average":           # each row: the average of its calendar month's daily fixings
        dates = dates.dt.to_period("M").dt.to_timestamp()
        window_days = dates.dt.days_in_month.to_numpy()
    origin = dates.iloc[0].date()
    times = np.array([year_fraction(origin, d.date()) for d in dates])
    logs = np.log(history["value"].to_numpy(dtype=float))
    t0, x0 = times[-1], logs[-1]
    warnings: list[HedgingWarning] = []
    if choice == "calibrated":
        try:
            fit = _calibrated(times, logs, window_days, underlying)
            how = ("monthly averages" if observation == "average" else "point prints") + (
                f"; standard errors from {fit.n_bootstrap} histories simulated from the fit"
                if fit.se_method == "bootstrap" else "; asymptotic standard errors")
            intervals = {k: fit.confidence_interval(k) for k in PARAMETER_MEANING}     # held: (value, value)
            return fit.model, f"Calibrated to this index by maximum likelihood ({how}). " + _interval_note(fit), \
                dict(fit.std_errors), intervals, [_advised(w) for w in fit.warnings], origin
        except ModelError as exc:
            warnings.append(_advised(HedgingWarning("calibration_failed", f"Calibration failed ({exc}); the "
                                                    "paper's Table 3 parameters are used instead.")))
    p = PAPER_TABLE3
    theta0 = x0 - p.beta * t0 - p.gamma * math.sin(2 * math.pi * t0 / p.season_period)
    model = dataclasses.replace(p, theta0=theta0, label="Paper Table 3, anchored")
    label = ("Paper's Table 3 (arXiv 2603.21690), long-run level anchored so that it equals the latest "
             "index value on the valuation date")
    return model, label, {}, {}, warnings, origin


#: Share of the true jump rate, size and spread inside their 95% intervals, measured by
#: bench/calibration.py --jumps 730,1095 (two and three years of daily prints; see the README).
JUMP_COVERAGE = "rate 96-97%, spread 95-96% and mean size 97-98%"


def interval_text(parameter: str, low: float, high: float, decimals: int = 4) -> str:
    """A 95% interval as the page shows it: ``"0.0100 to 4.5000"``; an end at the model's allowed limit
    says so, and an interval that is the whole allowed range says the history does not pin the value
    down (two or three years cannot tell a slow pull back to the long-run level from none, and then its
    level, trend and season are free); a held parameter reads "held at"; no interval: "—"."""
    if not (math.isfinite(low) and math.isfinite(high)):
        return fmt.DASH
    if low == high:
        return f"held at {fmt.number(low, decimals)}"
    bound_low, bound_high = BOUNDS.get(parameter, (-math.inf, math.inf))
    at_low = low <= bound_low + 1e-9 * max(1.0, abs(bound_low))
    at_high = high >= bound_high - 1e-9 * max(1.0, abs(bound_high))
    lo, hi = fmt.number(low, decimals), fmt.number(high, decimals)
    if at_low and at_high:
        return f"not pinned down by this history: any value the model allows ({lo} to {hi})"
    return (f"{lo} (the model's limit)" if at_low else lo) + " to " + (f"{hi} (the model's limit)" if at_high else hi)


def _interval_note(fit) -> str:
    """What the 95% intervals are and how far they can be trusted, in a sentence or two (no final period: the
    model label it ends is followed by the page's own sentences)."""
    jumps = ("; those of the jump rate, size and spread allow for the handful of jumps a few years of prices hold "
             "(in simulated two- and three-year daily histories they held the true "
             f"{JUMP_COVERAGE} of the time), and the volatility's is value ± 1.96 standard errors")
    if fit.interval_method == "profile likelihood":
        return ("The 95% intervals come from the likelihood, with limits set by simulating histories like this "
                "one; they are not centred on the value (mean reversion is corrected for its bias on short "
                "histories, and the likelihood is lopsided), so read them rather than value ± 2 standard errors")
    if fit.interval_method == "quasi-likelihood ratio":
        return ("The 95% intervals of the mean reversion, level, trend and season come from the likelihood without "
                "jumps, with limits set by simulating histories like this one, jumps included; they are not centred "
                "on the value" + jumps)
    if fit.interval_method == "bias-corrected bootstrap":
        return (f"The 95% intervals come from refitting {fit.n_bootstrap} histories simulated from the fit, "
                "corrected for the bias the refits show")
    if fit.model.lam > 0:
        return ("The 95% intervals are value ± 1.96 standard errors from the curvature of the likelihood, which in "
                "simulated two- and three-year daily histories held the true mean reversion, level and trend only "
                "78-85% of the time" + jumps)
    return "The 95% intervals are value ± 1.96 standard errors"


MODEL_CHOICES = {
    "auto": "Automatic: calibrate to a real history of 36+ months, else the paper's parameters",
    "calibrated": "Calibrated to the index (maximum likelihood)",
    "paper": "Paper's Table 3 (arXiv 2603.21690), anchored to the latest index value",
}
MIN_POINTS_TO_CALIBRATE = 36


def _resolve_choice(choice: str, data: IndexData) -> tuple[str, str]:
    if choice not in MODEL_CHOICES:
        raise InputError(f"unknown model choice {choice!r}.", fix=f"use one of {', '.join(MODEL_CHOICES)}.")
    if choice != "auto":
        return choice, ""
    if data.illustrative or data.key in ("builtin:company",):
        return "paper", ("The built-in index is constructed (list-price steps or interpolation between cited "
                         "anchors), so its month-to-month moves are not market volatility and a fit to it would "
                         "mislead; the paper's parameters are used. Choose 'Calibrated' to see the fit anyway, or "
                         "upload a real index history.")
    if len(data.history) < MIN_POINTS_TO_CALIBRATE:
        return "paper", (f"The history has {len(data.history)} points, fewer than the {MIN_POINTS_TO_CALIBRATE} "
                         "needed for a fit worth trusting; the paper's parameters are used.")
    return "calibrated", ""


@dataclass(frozen=True, eq=False)
class PriceModel:
    """The index as known on the as-of date and the price model that carries it forward."""

    data: IndexData             # history up to the as-of date
    choice: str                 # calibrated | paper (``auto`` resolved)
    why: str                    # why ``auto`` chose it ("" when the user chose)
    model: JumpDiffusionModel
    label: str
    std_errors: dict
    warnings: tuple[HedgingWarning, ...]
    origin: dt.date
    valuation: dt.date          # the last observation on or before the as-of date
    spot: float
    as_of: dt.date
    intervals: dict = dataclasses.field(default_factory=dict)   # parameter -> 95% interval (low, high)

    @property
    def age_days(self) -> int:
        return (self.as_of - self.valuation).days

    def staleness(self) -> HedgingWarning | None:
        if self.age_days <= 31:
            return None
        return HedgingWarning("stale_market", (
            f"The {self.data.name.split(' (')[0]} was last observed on {fmt.date(self.valuation)}, {self.age_days} days "
            f"before the as-of date {fmt.date(self.as_of)}; the model carries it forward from there (its expectation "
            "and its uncertainty over those days). Upload a newer history on the Market page to replace that."))


def price_model(underlying: str, key: str | None = None, model_choice: str = "auto", as_of: dt.date | None = None,
                settings: Settings | None = None) -> PriceModel:
    """The chosen index up to ``as_of`` (default: its last date) and the model fitted or anchored to it."""
    settings = settings or default_settings()
    data = index_history(underlying, key, settings)
    history = data.history
    if as_of is not None:
        history = history[pd.to_datetime(history["date"]) <= pd.Timestamp(as_of)].reset_index(drop=True)
        if history.empty:
            raise InputError(f"the {data.name} starts after the as-of date {fmt.date(as_of)}.",
                             column="as_of", value=as_of.isoformat(),
                             fix="choose a later as-of date or upload an index history that covers it.")
        data = dataclasses.replace(data, history=history)
    choice, why = _resolve_choice(model_choice, data)
    model, label, std_errors, intervals, warnings, origin = _model(history, choice, underlying, data.observation)
    valuation = pd.Timestamp(history["date"].iloc[-1]).date()
    return PriceModel(data, choice, why, model, label, std_errors, tuple(warnings), origin, valuation,
                      float(history["value"].iloc[-1]), as_of or valuation, intervals)


def market_view(underlying: str, key: str | None = None, model_choice: str = "auto", *,
                n_paths: int = 20_000, seed: int = 11, fan_months: int = 36, as_of: dt.date | None = None,
                settings: Settings | None = None) -> MarketView:
    """Index, model, fan of paths, forward curve with its Monte Carlo check, and margins per lot,
    all as of ``as_of`` (default: the index's last date)."""
    settings = settings or default_settings()
    u = _underlying(underlying)
    pm = price_model(underlying, key, model_choice, as_of, settings)
    data, model, origin, valuation, spot = pm.data, pm.model, pm.origin, pm.valuation, pm.spot
    warnings = list(pm.warnings)
    if pm.why:
        warnings.insert(0, HedgingWarning("model_default", pm.why))
    if pm.staleness():
        warnings.insert(0, pm.staleness())
    t0 = year_fraction(origin, valuation)
    spec = load_specs()[u.contract]
    curve = contract_table(model, spec, valuation, spot, origin, pm.as_of)
    check = monte_carlo_check(model, math.log(spot), t0, curve.quotes, n_paths=n_paths, seed=seed,
                              realised_average=spot)
    low, high = check.band(3.0)
    rows = curve.to_frame().assign(mc_mean=check.mean, mc_std_error=check.std_error, mc_low=low, mc_high=high,
                                   tick=spec.tick)
    sigma = annual_volatility(model)
    params = pd.DataFrame([{"parameter": f.name, "value": getattr(model, f.name),
                            "std_error": pm.std_errors.get(f.name, float("nan")),
                            "ci_low": pm.intervals.get(f.name, (float("nan"),) * 2)[0],
                            "ci_high": pm.intervals.get(f.name, (float("nan"),) * 2)[1],
                            "meaning": PARAMETER_MEANING[f.name]}
                           for f in dataclasses.fields(model) if f.name in PARAMETER_MEANING])
    if not pm.intervals:                   # the paper's preset: no fit, so no interval to show
        params = params.drop(columns=["ci_low", "ci_high"])
    fan = price_fan(model, math.log(spot), t0, months=fan_months, n_paths=min(n_paths, 5000), seed=seed)
    fan["date"] = [pd.Timestamp(valuation) + pd.DateOffset(months=int(m)) for m in fan["month"]]
    margin_note = (f"Initial margin per lot is the larger of the paper's formula (alpha = {spec.margin_alpha:g} x "
                   f"annual volatility {sigma:.0%} x sqrt(one trading day) x notional, floor "
                   f"{spec.margin_floor_fraction:.0%} of notional) and a SPAN-style 16-scenario scan whose range is a "
                   f"99% two-day move; maintenance is {spec.maintenance_ratio:.0%} of initial. Annual volatility is "
                   "the model's (diffusion and jumps), as only monthly index history is available.")
    return MarketView(underlying, data, valuation, spot, pm.choice, pm.label, model, params, fan,
                      rows, spec.assumption_note, margin_note,
                      tuple(warnings), n_paths, seed, pm.as_of)
