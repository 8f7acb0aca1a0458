"""A proposal checked against the hedge policy: one row per limit, pass or breach, in a treasurer's words.

:func:`check_policy` is pure: it reads :class:`PolicyFacts` (what a run or a saved proposal
reports: hedge ratio by delivery month, instruments, margin, liquidity, effectiveness, trade
notionals) and a :class:`~hedging.hedge.hedge_policy.HedgePolicy`, and returns the checks.
The service builds the facts from a live run and from a saved proposal's frozen document
alike, so a proposal is judged on exactly the numbers it shows.

Rules:

* **Tenor bands.** Each delivery month ``t`` months after the as-of month, of each underlying the
  programme could hedge, must hold between the band's minimum and maximum share of its forecast
  volume (the hedge ratio the Hedge program page and the PDF show). A month with no listed
  contract cannot be hedged and is left out of the check (said so); an underlying the programme
  leaves out altogether counts 0% in every month. A band beyond the horizon is not applicable.
  Shares are compared as displayed (to 0.1 percentage point), so lot rounding that shows as 75.0%
  meets a 75% maximum.
* **Amounts** (peak initial margin; liquidity use = peak initial margin + 95th-percentile
  variation margin) must not exceed the limit; **variance reduction** must reach the minimum;
  the **prospective test** (hedge gain against the extra cost when the price doubles within a
  quarter, 80%-125%, :mod:`hedging.hedge.effectiveness`) must pass when required; a programme
  holding nothing has nothing to test and passes.
* **Materiality.** Every trade's notional must be at least the threshold.

A limit the policy does not set, or a figure the caller has not measured (the Hedge program page
does not simulate variation margin), gives "n/a" with the reason: never a pass.
"""

from __future__ import annotations

from dataclasses import dataclass

from hedging import fmt
from hedging.hedge.hedge_policy import INSTRUMENT_NAMES, HedgePolicy

PASS, BREACH, NA = "pass", "breach", "n/a"
#: Shares are compared as shown (fmt.share: 0.1 percentage point).
SHARE_TOLERANCE = 0.0005


@dataclass(frozen=True)
class MonthRatio:
    underlying: str      # plain name, e.g. "LLM tokens"
    tenor: int           # months after the as-of month (1 = the first horizon month)
    month: str           # "Jan 2027"
    ratio: float         # hedged share of forecast volume (fraction)


@dataclass(frozen=True)
class PolicyFacts:
    """What a proposal (or the run on screen) reports, as the policy check reads it. ``None``: not measured."""

    horizon: int
    ratios: tuple[MonthRatio, ...] = ()
    unhedged: tuple[str, ...] = ()               # underlyings forecast but left out of the programme
    instruments: tuple[str, ...] = ()            # keys of hedge_policy.INSTRUMENTS the trades use
    initial_margin_peak: float | None = None     # USD
    liquidity_need: float | None = None          # USD: peak initial margin + 95th-percentile variation margin
    variance_reduction: float | None = None      # 1 - hedged variance / unhedged variance of total spend
    prospective_offset: float | None = None      # dollar offset when the price doubles (fraction)
    prospective_passes: bool | None = None       # None: not measured; holds_position False: nothing to test
    holds_position: bool = True
    trade_notionals: tuple[float, ...] = ()      # USD
    where_missing: str = ""                      # why a None figure is missing (shown in its sentence)


@dataclass(frozen=True)
class PolicyCheck:
    limit: str
    policy_value: str
    proposal_value: str
    status: str          # pass, breach or n/a
    sentence: str

    def to_dict(self) -> dict:
        return {"limit": self.limit, "policy": self.policy_value, "proposal": self.proposal_value,
                "result": self.status, "explanation": self.sentence}


def breaches(checks) -> list[PolicyCheck]:
    return [c for c in checks if c.status == BREACH]


def check_policy(facts: PolicyFacts, policy: HedgePolicy) -> tuple[PolicyCheck, ...]:
    """Every limit of ``policy`` against ``facts``, in the policy's order (see the module docstring)."""
    out = [_instruments(facts, policy)]
    for band in policy.bands:
        out += _band(facts, band)
    out.append(_at_most("Peak initial margin", facts.initial_margin_peak, policy.max_initial_margin,
                        "the programme's initial margin at its peak month", facts.where_missing))
    out.append(_at_most("Liquidity use", facts.liquidity_need, policy.max_liquidity,
                        "peak initial margin plus the 95th-percentile variation-margin outflow", facts.where_missing))
    out.append(_variance(facts, policy))
    out.append(_prospective(facts, policy))
    out.append(_materiality(facts, policy))
    return tuple(out)


def _instruments(facts: PolicyFacts, policy: HedgePolicy) -> PolicyCheck:
    allowed = ", ".join(INSTRUMENT_NAMES[i] for i in policy.instruments) or "none"
    used = ", ".join(INSTRUMENT_NAMES.get(i, i) for i in facts.instruments) or "none"
    outside = [i for i in facts.instruments if i not in policy.instruments]
    if outside:
        names = ", ".join(INSTRUMENT_NAMES.get(i, i) for i in outside)
        return PolicyCheck("Authorised instruments", allowed, used, BREACH,
                           f"The programme uses {names}, which the policy does not authorise.")
    return PolicyCheck("Authorised instruments", allowed, used, PASS,
                       "Every instrument the programme trades is authorised." if facts.instruments
                       else "The programme trades nothing, so no instrument is used.")


def _band(facts: PolicyFacts, band) -> list[PolicyCheck]:
    label = f"Hedged share, {band.label()}"
    if band.first > facts.horizon:
        return [PolicyCheck(label, band.range_text(), fmt.DASH, NA,
                            f"The horizon is {facts.horizon} months, so no month of this band is hedged or checked.")]
    names = list(dict.fromkeys([r.underlying for r in facts.ratios] + list(facts.unhedged)))
    out = []
    for name in names:
        if name in facts.unhedged:
            if band.low > 0:
                out.append(PolicyCheck(f"{label} ({name})", band.range_text(), fmt.share(0.0), BREACH,
                                       f"{name} is left out of the programme, so 0% of its forecast volume is hedged "
                                       f"in {band.label()}, below the policy's minimum of {fmt.share(band.low, 0)}."))
            else:
                out.append(PolicyCheck(f"{label} ({name})", band.range_text(), fmt.share(0.0), PASS,
                                       f"{name} is left out of the programme; the policy sets no minimum for "
                                       f"{band.label()}."))
            continue
        rows = [r for r in facts.ratios if r.underlying == name and band.first <= r.tenor <= band.last]
        if not rows:
            out.append(PolicyCheck(f"{label} ({name})", band.range_text(), fmt.DASH, NA,
                                   f"No {name} contract is listed for {band.label()}, so nothing there can be hedged "
                                   "or checked."))
            continue
        shown = _range(rows)
        low = [r for r in rows if r.ratio < band.low - SHARE_TOLERANCE]
        high = [r for r in rows if r.ratio > band.high + SHARE_TOLERANCE]
        if low or high:
            parts = []
            if high:
                parts.append(f"above the maximum of {fmt.share(band.high, 0)} in {_months(high)}")
            if low:
                parts.append(f"below the minimum of {fmt.share(band.low, 0)} in {_months(low)}")
            sentence = (f"{name}, {band.label()}: the policy allows {band.range_text()} of forecast volume hedged; "
                        f"the programme is {' and '.join(parts)}.")
            status = BREACH
        else:
            sentence = (f"{name}, {band.label()}: every delivery month holds {shown} of its forecast volume, within the "
                        f"policy's {band.range_text()}.")
            status = PASS
        skipped = _unlisted(facts, name, band, rows)
        if skipped:
            sentence += f" {skipped}"
        out.append(PolicyCheck(f"{label} ({name})", band.range_text(), shown, status, sentence))
    if not out:
        out.append(PolicyCheck(label, band.range_text(), fmt.DASH, NA, "The programme has no hedgeable exposure."))
    return out


def _range(rows) -> str:
    lo, hi = min(r.ratio for r in rows), max(r.ratio for r in rows)
    return fmt.share(lo) if fmt.share(lo) == fmt.share(hi) else f"{fmt.share(lo)}–{fmt.share(hi)}"


def _months(rows) -> str:
    return ", ".join(f"{r.month} ({fmt.share(r.ratio)})" for r in rows)


def _unlisted(facts: PolicyFacts, name: str, band, rows) -> str:
    have = {r.tenor for r in rows}
    missing = [t for t in range(band.first, min(band.last, facts.horizon) + 1) if t not in have]
    if not missing:
        return ""
    which = ", ".join(str(t) for t in missing)
    return f"Month{'s' if len(missing) > 1 else ''} {which} ahead {'have' if len(missing) > 1 else 'has'} no listed contract and {'are' if len(missing) > 1 else 'is'} not counted."


def _at_most(limit: str, value: float | None, cap: float | None, what: str, where_missing: str) -> PolicyCheck:
    policy_value = "no limit" if cap is None else f"at most {fmt.money(cap)}"
    if cap is None:
        return PolicyCheck(limit, policy_value, fmt.money(value) if value is not None else fmt.DASH, NA,
                           f"The policy sets no limit on {what}.")
    if value is None:
        return PolicyCheck(limit, policy_value, fmt.DASH, NA,
                           f"{what[0].upper()}{what[1:]} is not measured here{': ' + where_missing if where_missing else ''}.")
    if value > cap:
        return PolicyCheck(limit, policy_value, fmt.money(value), BREACH,
                           f"The programme needs {fmt.money(value)} ({what}), {fmt.money(value - cap)} more than the "
                           f"policy's limit of {fmt.money(cap)}.")
    return PolicyCheck(limit, policy_value, fmt.money(value), PASS,
                       f"The programme needs {fmt.money(value)} ({what}), within the policy's limit of {fmt.money(cap)}.")


def _variance(facts: PolicyFacts, policy: HedgePolicy) -> PolicyCheck:
    limit, floor = "Variance reduction", policy.min_variance_reduction
    policy_value = "no minimum" if floor is None else f"at least {fmt.share(floor)}"
    value = facts.variance_reduction
    shown = fmt.share(value) if value is not None else fmt.DASH
    if floor is None:
        return PolicyCheck(limit, policy_value, shown, NA, "The policy sets no minimum variance reduction.")
    if value is None:
        return PolicyCheck(limit, policy_value, shown, NA, "The variance reduction is not measured here.")
    if value < floor - SHARE_TOLERANCE:
        did = (f"lowers the variance of total spend by {shown}" if value >= 0
               else f"raises the variance of total spend by {fmt.share(-value)}")
        return PolicyCheck(limit, policy_value, shown, BREACH,
                           f"The programme {did}, short of the policy's minimum reduction of {fmt.share(floor)}.")
    return PolicyCheck(limit, policy_value, shown, PASS,
                       f"The programme lowers the variance of total spend by {shown}, meeting the policy's minimum of "
                       f"{fmt.share(floor)}.")


def _prospective(facts: PolicyFacts, policy: HedgePolicy) -> PolicyCheck:
    limit = "Prospective effectiveness (80%–125%)"
    policy_value = "required" if policy.require_prospective_test else "not required"
    shown = fmt.share(facts.prospective_offset) if facts.prospective_offset is not None else fmt.DASH
    if not policy.require_prospective_test:
        return PolicyCheck(limit, policy_value, shown, NA, "The policy does not require the prospective test.")
    if not facts.holds_position:
        return PolicyCheck(limit, policy_value, fmt.DASH, PASS, "The programme holds no position, so there is no "
                           "hedge relationship to test.")
    if facts.prospective_passes is None:
        return PolicyCheck(limit, policy_value, shown, NA,
                           "The prospective test is not measured here"
                           + (f": {facts.where_missing}." if facts.where_missing else "."))
    if facts.prospective_passes:
        return PolicyCheck(limit, policy_value, shown, PASS,
                           f"When the price doubles within a quarter the hedge offsets {shown} of the extra cost, "
                           "inside 80%–125%.")
    return PolicyCheck(limit, policy_value, shown, BREACH,
                       f"When the price doubles within a quarter the hedge offsets {shown} of the extra cost, outside "
                       "the 80%–125% the policy requires.")


def _materiality(facts: PolicyFacts, policy: HedgePolicy) -> PolicyCheck:
    limit, floor = "Materiality (smallest trade)", policy.min_notional
    smallest = min(facts.trade_notionals) if facts.trade_notionals else None
    shown = fmt.money(smallest) if smallest is not None else fmt.DASH
    if not floor:
        return PolicyCheck(limit, "no minimum", shown, NA, "The policy sets no materiality threshold.")
    policy_value = f"at least {fmt.money(floor)}"
    small = [n for n in facts.trade_notionals if n < floor]
    if small:
        return PolicyCheck(limit, policy_value, shown, BREACH,
                           f"{fmt.count(len(small))} trade{'s are' if len(small) > 1 else ' is'} under the policy's "
                           f"materiality threshold of {fmt.money(floor)} notional (smallest {shown}); set the "
                           "programme's materiality threshold on the Hedge program page to drop them.")
    return PolicyCheck(limit, policy_value, shown, PASS,
                       f"Every trade is at least {fmt.money(floor)} of notional (smallest {shown})."
                       if smallest is not None else "The programme trades nothing.")
