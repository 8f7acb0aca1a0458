"""The parts of a designation memo after the hedged item: hedged risk, instruments, hedge ratio,
effectiveness, sources of ineffectiveness and the accounting notes (pure; see :mod:`hedging.service.memo`).

Each reads what the saved proposal holds and returns plain data (paragraphs, facts, tables of raw
numbers, bullets); the citations follow section A of the reference note on treasury practice.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from hedging import fmt

#: How each underlying's contract settles against the month's purchases (the timing mismatch).
TIMING = {"token": "token futures settle on the index value of the last trading day",
          "gpu": "GPU-hour futures settle on the month's average of the daily index"}
#: The sources the notes cite, as the reference note names them (section A of treasury-and-instruments.md).
SOURCES = {
    "A1": "ASC 815-20-25-3 (Deloitte DART 2.6.1); IFRS 9 §6.4.1(b)",
    "A2": "ASC 815-20-25-15 (PwC DH 7.3.1, DART 4.3.1); IFRS 9 §6.3.7; IFRS IC March 2019",
    "A3": "ASC 815-20-55-24 (gtreasury); IFRS 9 §6.3.3",
    "A4": "ASC 815-20-25-79 (PwC DH 9.2, kawaller.com); DART 2.5; IFRS 9 §6.4.1(c)",
    "A5": "ASC 815-30-35-3 after ASU 2017-12 (DART 4.1); IFRS 9 §6.5.11",
    "A6": "IFRS 7 §23D (faqifrs.com)",
    "A7": "PwC DH 10.4; IFRS 9 §6.5.12; IFRS 9 rebalancing (annualreporting.info)",
}



def _map(v) -> Mapping:
    return v if isinstance(v, Mapping) else {}


def _list(v) -> list:
    return [x for x in v if isinstance(x, Mapping)] if isinstance(v, Sequence) and not isinstance(v, str) else []


def _num(v) -> float | None:
    return None if isinstance(v, bool) else fmt.as_number(v)


def _quantity(value, unit: str) -> str:
    return f"{fmt.count(round(value))} {unit}" if _num(value) is not None else fmt.DASH



def _section(title: str, paragraphs=(), facts=(), tables=(), bullets=(), facts_first: bool = False) -> dict:
    return {"title": title, "paragraphs": [p for p in paragraphs if p], "facts": [list(f) for f in facts],
            "tables": list(tables), "bullets": [b for b in bullets if b], "facts_first": facts_first}


def _table(title: str, columns: list[str], kinds: Mapping[str, str], rows: list[dict]) -> dict:
    return {"title": title, "columns": columns, "kinds": dict(kinds), "rows": rows}



def hedged_risk(p: Mapping, labels: Mapping[str, str], hedged: Sequence[str]) -> list[str]:
    t, prov = _map(p.get("tables")), _map(p.get("provenance"))
    indices = {str(i.get("underlying")): i for i in _list(prov.get("indices"))}
    exposure = {str(e.get("underlying")): e for e in _list(t.get("exposure"))}
    candidates = _map(t.get("index_candidates"))
    out = []
    for u in hedged:
        idx = indices.get(u) or {}
        e = exposure.get(labels.get(u, u)) or {}
        name = str(idx.get("name") or "the index")
        slope, r2 = _num(e.get("basis slope")), _num(e.get("basis R²"))
        why = _map(candidates.get(u)).get("why_chosen")
        text = (f"{labels.get(u, u)}: the variability of the cash flows of the forecast purchases attributable to "
                f"changes in the {name} ({idx.get('unit') or 'index units'}; last observed "
                f"{fmt.date(idx.get('valuation_date'))}"
                + ("; illustrative, built by this app" if idx.get("illustrative") else "") + "). ")
        if slope is not None and r2 is not None:
            text += (f"Why this index: the company's unit price follows it with a log-log basis slope of "
                     f"{fmt.ratio(slope)} and R² {fmt.ratio(r2)}, the best relationship the contracts on offer "
                     "settle on. ")
        if why:
            text += str(why) + " "
        out.append(text.strip())
    out.append("Under US GAAP the purchases are billed at the providers' list or negotiated prices, which reference no "
               "index, so the risk is designated as the total variability in the purchase price (ASC 815-20-25-15(i)); "
               "the difference between the invoice price and the index therefore shows up in the effectiveness "
               "assessment. Under IFRS 9 an index component may be designated only if it is separately identifiable "
               "and reliably measurable (§6.3.7); with the R² above that argument is "
               + ("plausible but must be made on market structure, as Qantas did for crude in jet fuel."
                  if all((_num((exposure.get(labels.get(u, u)) or {}).get("basis R²")) or 0) >= 0.8 for u in hedged)
                  else "not supported, so the total price variability is designated under both standards.")
               + f" ({SOURCES['A2']}.)")
    return out


def _lot(text) -> str:
    """A contract's lot as stored ("1000 GPU-hours") in the product's number format ("1,000 GPU-hours")."""
    size, _, unit = str(text or "").partition(" ")
    value = _num(size)   # a lot stored already formatted ("1,000 GPU-hours") reads the same
    return (f"{fmt.number(value, 0 if float(value).is_integer() else 2)} {unit}".strip() if value is not None
            else str(text or fmt.DASH))


#: The futures root of each underlying (a cap row names its underlying, not a contract symbol).
ROOTS = {"token": "SIT", "gpu": "GPUH"}


def instruments(p: Mapping) -> dict:
    t, inputs = _map(p.get("tables")), _map(p.get("inputs"))
    prov = _map(p.get("provenance"))
    lot = {str(c.get("root")): _lot(c.get("lot")) for c in _list(prov.get("contracts"))}
    tick = {str(c.get("root")): c.get("tick") for c in _list(prov.get("contracts")) if fmt.as_number(c.get("tick"))}
    rows = []
    for r in _list(t.get("schedule")):
        root = next((k for k in sorted(lot, key=len, reverse=True) if str(r.get("contract", "")).startswith(k)),
                    ROOTS.get(str(r.get("underlying"))))
        price = r.get("price")
        if root in tick and fmt.as_number(price) is not None and not isinstance(price, str):
            price = fmt.price(price, tick[root], currency=False)   # at the contract's tick, as the schedule shows it
        rows.append({"contract": r.get("contract"), "delivery month": r.get("delivery month"),
                     "last trading day": r.get("last trading day"), "side": r.get("side"), "lots": r.get("lots"),
                     "lot": lot.get(root, fmt.DASH) if root else fmt.DASH, "price": price,
                     "price is": r.get("price is"), "notional (USD)": r.get("notional (USD)")})
    if not rows:
        return {"paragraphs": ["The programme holds no instrument, so there is no hedging relationship to designate."],
                "tables": []}
    caps = sum(1 for r in rows if "cap" in str(r.get("side") or ""))
    kinds = ", ".join(k for k in (f"{fmt.count(len(rows) - caps)} futures trades" if len(rows) > caps else "",
                                  f"{fmt.count(caps)} caps (monthly-average calls, premium paid up front)" if caps
                                  else "") if k)
    meaning = {str(r.get("price is")) for r in rows if r.get("price is")}
    columns = ["contract", "delivery month", "last trading day", "side", "lots", "lot", "price", "notional (USD)"]
    if len(meaning) > 1:   # layers bought later, or caps: say per row what the price is
        columns.insert(7, "price is")
    price_is = (f"each price is the {next(iter(meaning))}" if len(meaning) == 1
                else "the column 'price is' says what each price is")
    paragraphs = [f"{kinds}; {fmt.count(sum(int(_num(r['lots']) or 0) for r in rows))} lots in all, long (the company "
                  f"buys compute, so it is short the price). Prices as of {fmt.date(inputs.get('as_of'))} from the "
                  f"local contract engine: {price_is}. The contracts are this app's assumptions, as no exchange has "
                  "published specifications. Valuation: cash-settled against the index; a future's fair value is the "
                  "difference between the settlement (or current futures) price and the trade price times the lot; a "
                  "cap's is its premium's value on the simulated index."]
    table = _table("Hedging instruments", columns, {"lots": "count", "price": "price", "notional (USD)": "money"}, rows)
    return {"paragraphs": paragraphs, "tables": [table]}


def ratio(p: Mapping, summary: Mapping, labels: Mapping[str, str]) -> dict:
    t, inputs = _map(p.get("tables")), _map(p.get("inputs"))
    spec_policy = _map(_map(p.get("spec")).get("policy"))
    facts = [("Sizing rule", summary["policy"]),
             ("Lot cap", f"no more lots than the {fmt.number(inputs.get('volume_percentile'), 0)}th percentile of "
                         "each month's forecast price-exposed volume"),
             ("Position limit", f"{fmt.count(inputs.get('position_limit'))} lots per contract"),
             ("Margin budget", fmt.money(inputs.get("margin_budget")) if inputs.get("margin_budget") else "none"),
             ("Materiality", (f"trades below {fmt.money(inputs.get('min_notional'))} of notional dropped "
                              f"({fmt.count(len(_list(t.get('dropped'))))} dropped)")
              if _num(inputs.get("min_notional")) else "none (every trade kept)")]
    if str(inputs.get("policy")) == "layered" and inputs.get("bands"):
        facts.insert(1, ("Bands by tenor", " / ".join(f"{fmt.share(r, 0)} to month {m}" for m, r in inputs["bands"])))
    if _num(spec_policy.get("cvar_level")) and str(inputs.get("policy")) in ("min_cvar", "min_cvar_caps"):
        facts.insert(1, ("CVaR level", fmt.share(spec_policy.get("cvar_level"), 0)))
    excluded = inputs.get("excluded") or []
    facts.append(("Left unhedged", ", ".join(map(str, excluded)) if excluded else "nothing"))
    for u, r in summary["ratio"].items():
        lots = summary["lots"].get(u, 0)
        facts.append((f"Hedge ratio, {labels.get(u, u)}",
                      f"{fmt.share(r) if r is not None else fmt.DASH} of expected price-exposed volume in the months "
                      f"traded ({fmt.count(lots)} lots)" if lots or (r or 0) > 0 else "not hedged (no lots)"))
    rows = [{"month": str(r.get("month"))[:10], "underlying": r.get("underlying"), "hedge ratio": r.get("hedge ratio")}
            for r in _list(t.get("ratios")) if (_num(r.get("hedge ratio")) or 0) > 0]
    text = ("The hedge ratio is the one the risk-management policy sets, with no deliberate imbalance (IFRS 9 "
            "§6.4.1(c)(iii)): lots are whole, so each month's ratio is the designated quantity over the expected "
            "price-exposed volume of that month, as the proposal shows it.")
    return {"facts": facts, "paragraphs": [text],
            "tables": [_table("Hedge ratio by delivery month", ["month", "underlying", "hedge ratio"],
                              {"hedge ratio": "share"}, rows)] if rows else []}


def effectiveness(p: Mapping, labels: Mapping[str, str]) -> dict:
    st, t = _map(p.get("statements")), _map(p.get("tables"))
    e = _map(st.get("effectiveness"))
    paths = _num(_map(p.get("inputs")).get("paths"))
    facts, paragraphs = [], []
    if e:
        verdict = "passes" if e.get("passes") is True else "fails" if e.get("passes") is False else "not determined"
        facts = [("Prospective method", "regression of the hedged item's value change on the hedge's gain, and the "
                                        "dollar offset, across simulated paths (price doubles within a quarter "
                                        "against the baseline), on the programme as proposed"),
                 ("Regression slope (hedged item on hedge)", f"{fmt.ratio(e.get('slope'))} (highly effective: −1.25 to −0.80)"),
                 ("R²", f"{fmt.ratio(e.get('r_squared'))} (highly effective: 0.80 or more)"),
                 ("Dollar offset", f"{fmt.share(e.get('dollar_offset'), 0)} (highly effective: 80% to 125%)"),
                 ("Simulated paths", fmt.count(paths)),
                 ("Result at inception", verdict)]
        if e.get("explanation"):
            paragraphs.append(str(e["explanation"]))
        if e.get("passes") is False:
            paragraphs.append("Because the prospective test fails, the relationship does not qualify as highly "
                              "effective under ASC 815 as proposed: the instruments' gains and losses would go to "
                              "profit or loss as they arise. Designate only after the test passes (leave the "
                              "underlying whose price does not follow its index unhedged, or choose another index).")
    else:
        paragraphs.append("The prospective test could not run for this proposal (no lots, or no variation in the "
                          "simulated hedge), so no relationship can be designated from it.")
    history = _map(t.get("history"))
    if history:
        bits = [f"{labels.get(u, u)}: standard deviation of monthly spend {fmt.money(_num(h.get('sd_unhedged')))} unhedged, "
                f"{fmt.money(_num(h.get('sd_hedged')))} with the policy's ratios over the last "
                f"{fmt.count(h.get('months'))} months" for u, h in history.items() if isinstance(h, Mapping)]
        paragraphs.append("Historical check of the sizing rule on the company's own past months: " + "; ".join(bits)
                          + ".")
    retro = [("Retrospective method", "cumulative dollar offset from inception, with the regression (hedged item's "
                                      "value change on the hedge's gain, slope −1.25 to −0.80, R² at least 0.80) "
                                      "as the primary test; the hedged item is measured by a hypothetical "
                                      "derivative on the designated quantities, so basis shows in the result"),
             ("Frequency", "at inception, then at least quarterly and at every reporting date (US GAAP: "
                           "prospective and retrospective; IFRS 9: prospective only, and on a significant change)"),
             ("Excluded components", "none for futures; an option's time value is excluded and recognised "
                                     "in the hedged item's line")]
    return {"facts": facts + retro, "paragraphs": paragraphs + [f"Sources: {SOURCES['A4']}."], "facts_first": True}


def ineffectiveness(p: Mapping, labels: Mapping[str, str], hedged: Sequence[str]) -> list[str]:
    t, st = _map(p.get("tables")), _map(p.get("statements"))
    remaining = {str(r.get("source") or "").split(":")[0].lower(): r for r in _list(t.get("remaining"))}
    exposure = {str(e.get("underlying")): e for e in _list(t.get("exposure"))}

    def part(key: str) -> str:
        r = remaining.get(key)
        if r is None:
            return "not measured for this proposal"
        share, usd = _num(r.get("share of what remains")), _num(r.get("part of the sd (USD)"))
        if share is not None and abs(share) < 0.0005:
            return (f"negligible on the simulated paths (under 0.1% of the variance left after the hedge; "
                    f"{fmt.money(usd, cents=False)} of its standard deviation)")
        return f"{fmt.share(share)} of the variance left after the hedge, {fmt.money(usd)} of its standard deviation"

    basis = "; ".join(f"{labels.get(u, u)} R² {fmt.ratio(_num((exposure.get(labels.get(u, u)) or {}).get('basis R²')))}"
                      for u in hedged) or fmt.DASH
    volume = "; ".join(f"{labels.get(u, u)} {fmt.share(_num((exposure.get(labels.get(u, u)) or {}).get('volume uncertainty (sd/mean)')))}"
                       for u in hedged) or fmt.DASH
    out = ["Basis: the invoice price is not the index" + (f" ({basis})" if hedged else "") + f"; {part('basis')}.",
           "Volume: usage may fall short of the designated quantity or move to another provider"
           + (f" (volume uncertainty, sd/mean over the horizon: {volume})" if hedged else "")
           + f"; {part('volume')}. Over-hedged quantities would be de-designated.",
           "Timing: " + "; ".join(TIMING[u] for u in hedged if u in TIMING) + (", while " if any(u in TIMING for u in hedged) else "")
           + f"purchases are billed through the month; {part('timing')}.",
           f"Lot rounding: only whole lots trade; {part('lot rounding')}.",
           "Credit: the futures are assumed cleared; an OTC swap in their place adds the dealer's credit risk."]
    if st.get("remaining"):
        out.append(str(st["remaining"]))
    out.append(f"Figures from the proposal's variance attribution on its simulated paths. ({SOURCES['A6']}.)")
    return out


def notes() -> list[str]:
    return [
        "Documentation: the relationship, objective and strategy, instrument, hedged item, nature of the risk and the "
        f"effectiveness method are documented at inception ({SOURCES['A1']}); the initial quantitative test may be "
        "completed by the first quarterly assessment date.",
        "ASC 815 (after ASU 2017-12): while the hedge is highly effective, the whole change in the instruments' fair "
        "value goes to other comprehensive income and is reclassified into the compute-cost line in the month the "
        "compute is consumed; ineffectiveness is not recognised separately "
        f"({SOURCES['A5']}).",
        "IFRS 9: the cash-flow-hedge reserve is the lower, in absolute terms, of the instruments' cumulative gain or "
        "loss and the cumulative change in the hedged cash flows; the excess is ineffectiveness in profit or loss "
        f"(§6.5.11); compute consumed as an expense is reclassified as it is consumed ({SOURCES['A5']}).",
        "Critical-terms match is not available: no compute index is the invoice price (DART 2.6.1, 815-20-25-84).",
        "Rebalancing and discontinuation: a changed proportion is a rebalance documented as a new version of this "
        "memo, never an edit; discontinue when the objective changes, the relationship ends or the forecast is no "
        "longer probable; amounts in OCI stay unless the purchases become probable not to occur within the period "
        f"plus two months ({SOURCES['A7']}).",
    ]
