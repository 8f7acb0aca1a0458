"""The hedge policy: the governance limits a workspace's admins adopt and every proposal is checked against.

Not to be confused with :class:`hedging.service.spec.Policy`, the *sizing rule* that builds a
programme (minimum variance, minimum CVaR, layered). The hedge policy says what any programme
must respect, whichever rule built it (``/work/shared/reference/treasury-and-instruments.md`` B1):

* objectives (text);
* authorised instruments (of the ones the app prices: futures, swap, cap, collar, binary);
* tenor bands: for months ``first``-``last`` ahead, the minimum and maximum share of forecast
  volume hedged in each delivery month;
* the most initial margin the programme may hold at its peak (USD), and the most liquidity it may
  use: peak initial margin plus the 95th-percentile variation-margin outflow (USD);
* minimum effectiveness: a variance reduction of total spend of at least X, and optionally the
  prospective dollar-offset test (80%-125%) passed;
* materiality: no trade under a notional (USD).

The default policy (:data:`DEFAULT_POLICY`) is what a workspace has before an admin adopts one; it
is labelled so wherever it is shown. Its bands follow the layered shape of public airline policies
(B2: a Mercatus example airline policy 50-75% for months 1-12; easyJet 65-85% for months 1-12,
Lufthansa up to 85%), declining with tenor as the app's own layered programme does (75% / 50% /
25%): 50-85% of months 1-3, 25-65% of months 4-6, 0-50% of months 7-12. No public policy with a
margin or liquidity limit in numbers was found (reference note, section I), so the default sets
none; it requires that a programme does not add volatility (variance reduction of at least 0%)
and authorises exchange futures, swaps and bought caps (a collar writes a put; a binary is a bet).
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass

from hedging import fmt
from hedging.errors import InputError

#: The instruments a policy may authorise, in the order the app shows them (``hedge.instrument_book.ORDER``).
INSTRUMENTS = ("futures", "swap", "cap", "collar", "binary")
INSTRUMENT_NAMES = {"futures": "exchange futures", "swap": "fixed-for-floating swaps", "cap": "bought caps",
                    "collar": "zero-cost collars", "binary": "binary event contracts"}
MAX_TENOR = 36
MAX_OBJECTIVES = 4000


@dataclass(frozen=True)
class TenorBand:
    """Months ``first``-``last`` ahead (1 = the first month after the as-of month): each delivery
    month's hedged share of forecast volume must lie between ``low`` and ``high`` (fractions)."""

    first: int
    last: int
    low: float
    high: float

    def label(self) -> str:
        return f"months {self.first}–{self.last}" if self.last != self.first else f"month {self.first}"

    def range_text(self) -> str:
        return f"{fmt.share(self.low, 0)}–{fmt.share(self.high, 0)}"


DEFAULT_BANDS = (TenorBand(1, 3, 0.50, 0.85), TenorBand(4, 6, 0.25, 0.65), TenorBand(7, 12, 0.0, 0.50))
DEFAULT_OBJECTIVES = (
    "Reduce the volatility of the AI compute budget (LLM tokens and GPU rental) over the next twelve months. "
    "Hedges offset forecast purchases only; speculation is prohibited, and hedges are not judged on whether they "
    "made money.")


@dataclass(frozen=True)
class HedgePolicy:
    """A workspace's hedge policy (see the module docstring). Amounts in USD, shares as fractions;
    ``None`` means no limit."""

    objectives: str = DEFAULT_OBJECTIVES
    instruments: tuple[str, ...] = ("futures", "swap", "cap")
    bands: tuple[TenorBand, ...] = DEFAULT_BANDS
    max_initial_margin: float | None = None
    max_liquidity: float | None = None
    min_variance_reduction: float | None = 0.0
    require_prospective_test: bool = False
    min_notional: float = 0.0

    def __post_init__(self):
        objectives = str(self.objectives or "").strip()
        object.__setattr__(self, "objectives", objectives)
        if len(objectives) > MAX_OBJECTIVES:
            raise InputError(f"the objectives are {len(objectives):,} characters long; at most {MAX_OBJECTIVES:,} are "
                             "kept.", column="objectives", fix="shorten them, or refer to the board paper by name.")
        unknown = [i for i in self.instruments if i not in INSTRUMENTS]
        if unknown:
            raise InputError(f"unknown instrument {unknown[0]!r} in the hedge policy.", column="instruments",
                             value=unknown[0], fix=f"use some of: {', '.join(INSTRUMENTS)}.")
        object.__setattr__(self, "instruments", tuple(i for i in INSTRUMENTS if i in self.instruments))
        bands = tuple(sorted((b if isinstance(b, TenorBand) else TenorBand(*b) for b in self.bands),
                             key=lambda b: b.first))
        for b in bands:
            where = f"tenor band {b.first}–{b.last}"
            if not (1 <= int(b.first) <= int(b.last) <= MAX_TENOR):
                raise InputError(f"{where}: months must run from 1 to {MAX_TENOR}, first before last.",
                                 column="bands", value=f"{b.first}-{b.last}", fix="e.g. months 1–3, 4–6, 7–12.")
            for v in (b.low, b.high):
                if not (isinstance(v, (int, float)) and math.isfinite(v) and 0 <= v <= 1):
                    raise InputError(f"{where}: a hedged share must be between 0% and 100%.", column="bands",
                                     value=v, fix="e.g. minimum 50%, maximum 85%.")
            if b.low > b.high:
                raise InputError(f"{where}: the minimum ({fmt.share(b.low, 0)}) is above the maximum "
                                 f"({fmt.share(b.high, 0)}).", column="bands", value=f"{b.low}>{b.high}",
                                 fix="swap them, or lower the minimum.")
        for a, b in zip(bands, bands[1:]):
            if b.first <= a.last:
                raise InputError(f"tenor bands {a.first}–{a.last} and {b.first}–{b.last} overlap.", column="bands",
                                 value=f"{b.first}", fix=f"start the second band at month {a.last + 1}.")
        object.__setattr__(self, "bands", bands)
        for name in ("max_initial_margin", "max_liquidity"):
            v = getattr(self, name)
            if v is not None and not (math.isfinite(v) and v > 0):
                raise InputError(f"the {name.replace('_', ' ')} must be a positive amount in USD (or none).",
                                 column=name, value=v, fix="leave it empty for no limit, or give e.g. 500000.")
        v = self.min_variance_reduction
        if v is not None and not (math.isfinite(v) and -1 <= v <= 1):
            raise InputError("the minimum variance reduction must be between -100% and 100% (or none).",
                             column="min_variance_reduction", value=v, fix="e.g. 0 (never add volatility) or 30.")
        if not (math.isfinite(self.min_notional) and self.min_notional >= 0):
            raise InputError("the materiality threshold must be an amount in USD, zero or more.", column="min_notional",
                             value=self.min_notional, fix="e.g. 25000, or 0 for no threshold.")
        object.__setattr__(self, "require_prospective_test", bool(self.require_prospective_test))

    # --- stored form --------------------------------------------------------------------------------
    def to_dict(self) -> dict:
        return {"objectives": self.objectives, "instruments": list(self.instruments),
                "bands": [[b.first, b.last, b.low, b.high] for b in self.bands],
                "max_initial_margin": self.max_initial_margin, "max_liquidity": self.max_liquidity,
                "min_variance_reduction": self.min_variance_reduction,
                "require_prospective_test": self.require_prospective_test, "min_notional": self.min_notional}

    @classmethod
    def from_dict(cls, data: dict) -> "HedgePolicy":
        def amount(key):
            v = data.get(key)
            return None if v is None or v == "" else float(v)
        return cls(objectives=str(data.get("objectives", "")), instruments=tuple(data.get("instruments", ())),
                   bands=tuple(TenorBand(int(a), int(b), float(lo), float(hi)) for a, b, lo, hi in data.get("bands", ())),
                   max_initial_margin=amount("max_initial_margin"), max_liquidity=amount("max_liquidity"),
                   min_variance_reduction=amount("min_variance_reduction"),
                   require_prospective_test=bool(data.get("require_prospective_test", False)),
                   min_notional=float(data.get("min_notional") or 0.0))

    def canonical(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True, ensure_ascii=True, separators=(",", ":"))

    def fingerprint(self) -> str:
        """SHA-256 of the canonical JSON of the policy's content."""
        return hashlib.sha256(self.canonical().encode("ascii")).hexdigest()

    # --- words ---------------------------------------------------------------------------------------
    def lines(self) -> list[tuple[str, str]]:
        """(limit, value) in plain words, in the order the pages and the PDF show them."""
        out = [("Objectives", self.objectives or fmt.DASH),
               ("Authorised instruments", ", ".join(INSTRUMENT_NAMES[i] for i in self.instruments) or "none")]
        out += [(f"Hedged share, {b.label()}", b.range_text()) for b in self.bands]
        out += [("Peak initial margin, at most", _limit(self.max_initial_margin)),
                ("Liquidity use (peak initial + 95th-pct variation margin), at most",
                 _limit(self.max_liquidity)),
                ("Variance reduction of total spend, at least",
                 "no minimum" if self.min_variance_reduction is None else fmt.share(self.min_variance_reduction)),
                ("Prospective dollar-offset test (80%–125%)", "required" if self.require_prospective_test
                 else "not required"),
                ("Materiality: smallest trade notional",
                 fmt.money(self.min_notional) if self.min_notional else "no minimum")]
        return out


def _limit(value: float | None) -> str:
    return "no limit" if value is None else fmt.money(value)


DEFAULT_POLICY = HedgePolicy()


def policy_diff(old: HedgePolicy | None, new: HedgePolicy) -> list[tuple[str, str, str]]:
    """(limit, before, after) for every line that differs between two versions; every line of
    ``new`` (before "—") when there is no earlier version."""
    before = dict(old.lines()) if old is not None else {}
    after = dict(new.lines())
    keys = list(after) + [k for k in before if k not in after]
    return [(k, before.get(k, fmt.DASH), after.get(k, fmt.DASH)) for k in keys if before.get(k) != after.get(k)]
