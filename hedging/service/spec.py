"""The run specification: everything a result depends on, frozen, and the only home of defaults.

A :class:`RunSpec` goes in, one frozen run comes out (:func:`hedging.service.run.build_run`). The
pages, the command line and a saved proposal all describe their run by a spec, so the same spec
always gives the same numbers, and a spec printed on a page or a PDF says exactly what was run.

Time (DESIGN.md section 4.2): ``as_of`` is the day the analysis stands on (today in UTC unless
set). The forecast horizon is the ``horizon`` whole calendar months after the as-of month; the
hedge trades contracts delivering in those months only. The budget is compared with one fiscal
year: ``fiscal_start`` is its first calendar month and ``fiscal_year`` is named, as US companies
do, by the calendar year in which it ends (FY2027 with an April start runs Apr 2026 - Mar 2027).
By default it is the fiscal year that contains the first horizon month.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field, fields, replace

import pandas as pd

from hedging.errors import InputError
from hedging.hedge.layered import DEFAULT_BANDS
from hedging.hedge.natural import Commitment

UNDERLYING_KEYS = ("token", "gpu")
MODEL_KEYS = ("auto", "calibrated", "paper")
POLICIES = {
    "min_variance": "Minimum variance of each month's spend",
    "min_cvar": "Minimum CVaR (95%) of total spend",
    "layered": "Layered by tenor (default 75% of months 1-3, 50% of 4-6, 25% of 7-12, bought in monthly layers)",
    "min_cvar_caps": "Minimum CVaR (95%) of total spend, over futures and caps (monthly Asian calls) together",
    "cap_tail": "Caps only: the least premium that holds the 95th percentile of total spend under a ceiling",
}
POLICY_SHORT = {"min_variance": "minimum variance", "min_cvar": "minimum CVaR (95%)", "layered": "layered by tenor",
                "min_cvar_caps": "minimum CVaR (95%), futures and caps", "cap_tail": "caps for the least premium"}
DRILL_DOWNS = ("provider", "model", "team")
COMMITMENT_FIELDS = ("kind", "underlying", "start", "end", "provider", "volume", "price", "share", "discount", "amount",
                     "label")
HORIZONS = (3, 6, 9, 12, 18, 24, 36)
_MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def today_utc() -> dt.date:
    """Today's date in UTC, the default as-of date."""
    return dt.datetime.now(dt.timezone.utc).date()


@dataclass(frozen=True)
class Policy:
    """How the hedge program is chosen (all small, hashable parameters)."""

    name: str = "min_variance"
    volume_percentile: float = 25.0      # no more lots than this percentile of forecast volume
    position_limit: int = 1_000_000      # lots per contract
    margin_budget: float | None = None   # USD of initial margin the treasury can post
    excluded: tuple[str, ...] = ()       # underlyings or "underlying:label" drill-down series left unhedged
    bands: tuple[tuple[int, float], ...] = DEFAULT_BANDS
    cvar_level: float = 0.95
    cap_strike: float = 110.0            # caps' strike, % of the month's fair (swap) price
    tail_ceiling: float = 25.0           # cap_tail: 95th pct of total spend at most this % above its expectation

    def __post_init__(self):
        if self.name not in POLICIES:
            raise InputError(f"unknown hedge policy {self.name!r}.", column="policy", value=self.name,
                             fix=f"use one of {', '.join(POLICIES)}.")
        if not 0 < self.volume_percentile <= 100:
            raise InputError("the volume percentile must be between 0 and 100.", column="volume_percentile",
                             value=self.volume_percentile, fix="use e.g. 25 (hedge no more than you are 75% sure to use).")
        if self.position_limit < 0:
            raise InputError("the position limit cannot be negative.", column="position_limit",
                             value=self.position_limit, fix="use a whole number of lots, e.g. 1,000,000.")
        if self.margin_budget is not None and not (math.isfinite(self.margin_budget) and self.margin_budget > 0):
            raise InputError("the margin budget must be a positive amount in USD (or none).", column="margin_budget",
                             value=self.margin_budget, fix="leave it empty for no limit, or give e.g. 250000.")
        if not (math.isfinite(self.cap_strike) and 100 <= self.cap_strike <= 300):
            raise InputError("the cap strike must be between 100% and 300% of the fair price.", column="cap_strike",
                             value=self.cap_strike, fix="use e.g. 110 for a strike 10% above the fair price.")
        if not (math.isfinite(self.tail_ceiling) and 0 <= self.tail_ceiling <= 200):
            raise InputError("the spend ceiling must be between 0% and 200% above expected spend.",
                             column="tail_ceiling", value=self.tail_ceiling, fix="use e.g. 25 for 25% above.")
        for last, ratio in self.bands:
            if not 0 <= ratio <= 1:
                raise InputError("a layered hedge ratio must be between 0% and 100%.", column="bands",
                                 value=ratio, fix="use e.g. 75 for 75%.")


_CHANGE = re.compile(r"^(?P<u>[a-z]+)(?::(?P<p>[^:]+))?:(?P<m>\d{4}-\d{2}):(?P<pct>[+-]?\d+(?:\.\d+)?)%?$")


@dataclass(frozen=True)
class PriceChange:
    """An announced price change: from ``month`` on, ``underlying``'s price moves ``pct`` %.

    ``provider`` narrows it to one provider or one model (the name as the imports store it): that
    part's share of the underlying's recent cost moves, so +50% on a provider with 40% of the cost
    raises the underlying's unit price by 20%. Several changes to the same underlying compound
    (+10% in March then -20% in June gives 1.10 x 0.80 = 0.88 from June on).
    """

    underlying: str
    month: str          # YYYY-MM, the first month the new price applies
    pct: float          # +50 means the price is 1.5 times what it would have been
    provider: str = ""  # "" = the whole underlying; else one provider or one model

    def __post_init__(self):
        if self.underlying not in UNDERLYING_KEYS:
            raise InputError(f"unknown underlying {self.underlying!r} in a price change.", column="price_change",
                             value=self.underlying, fix="use token or gpu, e.g. token:2027-03:-20.")
        if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", self.month):
            raise InputError("a price change month must be YYYY-MM.", column="price_change", value=self.month,
                             fix="e.g. token:2027-03:-20 for a 20% cut from March 2027.")
        if not (math.isfinite(self.pct) and -95 <= self.pct <= 1000):
            raise InputError("a price change must be between -95% and +1000%.", column="price_change",
                             value=self.pct, fix="give the change in percent, e.g. -20 or +50.")

    @classmethod
    def parse(cls, text: str) -> "PriceChange":
        """``UNDERLYING[:PROVIDER]:YYYY-MM:+PCT`` as the command line takes it, e.g. ``token:openai:2027-03:-20``."""
        m = _CHANGE.match(text.strip().lower())
        if not m:
            raise InputError("a price change reads UNDERLYING[:PROVIDER]:YYYY-MM:+PCT.", column="--price-change",
                             value=text, fix="e.g. token:2027-03:-20 or gpu:coreweave:2027-01:+15.")
        return cls(m["u"], m["m"], float(m["pct"]), (m["p"] or "").strip())

    @property
    def factor(self) -> float:
        return 1.0 + self.pct / 100.0

    def label(self) -> str:
        who = f"{self.underlying}" + (f" ({self.provider})" if self.provider else "")
        return f"{who} {self.pct:+g}% from {pd.Timestamp(self.month + '-01'):%b %Y}"


@dataclass(frozen=True)
class RunSpec:
    """Everything a run depends on. Construct with keywords; every default lives here."""

    as_of: dt.date = field(default_factory=today_utc)
    horizon: int = 12
    fiscal_start: int = 1
    fiscal_year: int | None = None        # None: the fiscal year containing the first horizon month
    budget_annual: float | None = None    # None: expected fiscal-year spend rounded up to $50,000
    n_paths: int = 10_000
    seed: int = 7
    rho: float = 0.3
    by: str = "provider"
    price_changes: tuple[PriceChange, ...] = ()
    index: tuple[tuple[str, str], ...] = ()   # (underlying, index key); missing: the Market page's choice
    model: tuple[tuple[str, str], ...] = ()   # (underlying, auto | calibrated | paper); missing: auto
    policy: Policy = field(default_factory=Policy)
    commitments: tuple[Commitment, ...] = ()  # natural hedges, netted before any hedge is sized

    def __post_init__(self):
        if isinstance(self.as_of, dt.datetime):
            object.__setattr__(self, "as_of", self.as_of.date())
        if not isinstance(self.as_of, dt.date):
            raise InputError("the as-of date must be a date.", column="as_of", value=self.as_of, fix="use YYYY-MM-DD.")
        if not 1 <= int(self.horizon) <= 36:
            raise InputError("the horizon must be between 1 and 36 months.", column="horizon", value=self.horizon,
                             fix="choose 12, 18 or 24 months.")
        if not 1 <= int(self.fiscal_start) <= 12:
            raise InputError("the fiscal year's first month must be 1 (January) to 12 (December).",
                             column="fiscal_start", value=self.fiscal_start, fix="e.g. 4 for a year starting in April.")
        if self.budget_annual is not None and not (math.isfinite(self.budget_annual) and self.budget_annual > 0):
            raise InputError("the annual budget must be a positive amount in USD.", column="budget_annual",
                             value=self.budget_annual, fix="e.g. 6000000, or leave it empty for a default.")
        if not 200 <= int(self.n_paths) <= 200_000:
            raise InputError("the number of simulated paths must be between 200 and 200,000.", column="paths",
                             value=self.n_paths, fix="use 10,000 for a proposal, 2,000 to explore.")
        if not -1 <= self.rho <= 1:
            raise InputError("the volume-price correlation must be between -1 and 1.", column="rho", value=self.rho,
                             fix="use e.g. 0.3 for a demand surge that raises both.")
        if self.by not in DRILL_DOWNS:
            raise InputError(f"unknown drill-down {self.by!r}.", column="by", value=self.by,
                             fix=f"use one of {', '.join(DRILL_DOWNS)}.")
        for u, m in self.model:
            if m not in MODEL_KEYS:
                raise InputError(f"unknown model choice {m!r}.", column="model", value=m,
                                 fix=f"use one of {', '.join(MODEL_KEYS)}.")
        object.__setattr__(self, "price_changes", tuple(sorted(self.price_changes, key=lambda c: (
            c.underlying, c.provider, c.month, c.pct))))
        object.__setattr__(self, "index", tuple(sorted(self.index)))
        object.__setattr__(self, "model", tuple(sorted(self.model)))
        object.__setattr__(self, "commitments", tuple(self.commitments))

    # --- time -------------------------------------------------------------------------------
    @property
    def horizon_months(self) -> pd.DatetimeIndex:
        """The hedge horizon: the ``horizon`` calendar months after the as-of month (month starts)."""
        first = pd.Timestamp(self.as_of).to_period("M").to_timestamp() + pd.offsets.MonthBegin(1)
        return pd.date_range(first, periods=int(self.horizon), freq="MS")

    @property
    def fiscal_year_label(self) -> int:
        """The fiscal year the budget is compared with, named by the calendar year it ends in."""
        if self.fiscal_year is not None:
            return int(self.fiscal_year)
        first = self.horizon_months[0]
        return first.year + (1 if self.fiscal_start > 1 and first.month >= self.fiscal_start else 0)

    @property
    def fiscal_months(self) -> pd.DatetimeIndex:
        """The 12 month starts of the fiscal year."""
        start_year = self.fiscal_year_label - (1 if self.fiscal_start > 1 else 0)
        return pd.date_range(pd.Timestamp(start_year, self.fiscal_start, 1), periods=12, freq="MS")

    def fiscal_name(self) -> str:
        m = self.fiscal_months
        return f"FY{self.fiscal_year_label} ({m[0]:%b %Y} – {m[-1]:%b %Y})"

    # --- lookups ----------------------------------------------------------------------------
    def index_key(self, underlying: str) -> str | None:
        return dict(self.index).get(underlying)

    def model_choice(self, underlying: str) -> str:
        return dict(self.model).get(underlying, "auto")

    def changes_for(self, underlying: str) -> tuple[PriceChange, ...]:
        return tuple(c for c in self.price_changes if c.underlying == underlying)

    def simulation_key(self) -> tuple:
        """The fields that need a new simulation when they change (the forecast's cache key)."""
        return (self.as_of, self.horizon, self.fiscal_start, self.fiscal_year, self.n_paths, self.seed, self.rho,
                self.by, self.price_changes, self.index, self.model, self.commitments)

    def with_(self, **changes) -> "RunSpec":
        return replace(self, **changes)

    def to_dict(self) -> dict:
        """Every field as JSON-friendly values (what ``--json`` prints and a proposal stores)."""
        out = {}
        for f in fields(self):
            v = getattr(self, f.name)
            if f.name == "as_of":
                v = v.isoformat()
            elif f.name == "price_changes":
                v = [{"underlying": c.underlying, "provider": c.provider, "month": c.month, "pct": c.pct} for c in v]
            elif f.name in ("index", "model"):
                v = dict(v)
            elif f.name == "policy":
                v = {"name": v.name, "volume_percentile": v.volume_percentile, "position_limit": v.position_limit,
                     "margin_budget": v.margin_budget, "excluded": list(v.excluded),
                     "bands": [list(b) for b in v.bands], "cvar_level": v.cvar_level, "cap_strike": v.cap_strike,
                     "tail_ceiling": v.tail_ceiling}
            elif f.name == "commitments":
                v = [{k: getattr(c, k) for k in COMMITMENT_FIELDS} for c in v]
            out[f.name] = v
        out["horizon_months"] = [m.strftime("%Y-%m") for m in self.horizon_months]
        out["fiscal_year_label"] = self.fiscal_year_label
        out["fiscal_months"] = [self.fiscal_months[0].strftime("%Y-%m"), self.fiscal_months[-1].strftime("%Y-%m")]
        return out

    @classmethod
    def from_dict(cls, data: dict) -> "RunSpec":
        """The inverse of :meth:`to_dict` (extra keys are ignored)."""
        p = data.get("policy") or {}
        policy = Policy(name=p.get("name", "min_variance"), volume_percentile=float(p.get("volume_percentile", 25.0)),
                        position_limit=int(p.get("position_limit", 1_000_000)), margin_budget=p.get("margin_budget"),
                        excluded=tuple(p.get("excluded", ())),
                        bands=tuple((int(a), float(b)) for a, b in p.get("bands", DEFAULT_BANDS)),
                        cvar_level=float(p.get("cvar_level", 0.95)), cap_strike=float(p.get("cap_strike", 110.0)),
                        tail_ceiling=float(p.get("tail_ceiling", 25.0)))
        return cls(as_of=dt.date.fromisoformat(data["as_of"]), horizon=int(data["horizon"]),
                   fiscal_start=int(data.get("fiscal_start", 1)), fiscal_year=data.get("fiscal_year"),
                   budget_annual=data.get("budget_annual"), n_paths=int(data["n_paths"]), seed=int(data["seed"]),
                   rho=float(data["rho"]), by=data.get("by", "provider"),
                   price_changes=tuple(PriceChange(c["underlying"], c["month"], float(c["pct"]), c.get("provider", ""))
                                       for c in data.get("price_changes", ())),
                   index=tuple((data.get("index") or {}).items()), model=tuple((data.get("model") or {}).items()),
                   policy=policy,
                   commitments=tuple(Commitment(**{k: c.get(k) for k in COMMITMENT_FIELDS if k in c})
                                     for c in data.get("commitments", ())))


def month_name(month: int) -> str:
    return _MONTH_NAMES[int(month) - 1]
