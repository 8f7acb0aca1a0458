"""The hedge designation memo of a frozen proposal: one pure builder returning plain data.

Hedge accounting needs documentation written at inception (ASC 815-20-25-3; IFRS 9 §6.4.1(b)): the
relationship, the risk-management objective and strategy, the hedged item, the nature of the risk,
the instrument, how the hedge ratio was set, how effectiveness is assessed and the expected sources of
ineffectiveness. :func:`designation_memo` writes that from what a saved proposal froze (its tables and
statements, the hedged-item record of :mod:`hedging.service.memo_item`) and from where the proposal
stands in its workspace's approvals (:class:`Lineage`, derived from the lifecycle records by
:mod:`hedging.service.designation`). It reads no database and recomputes nothing, so the memo can never
drift from the proposal it documents. Citations follow the reference note on treasury practice
(``reference/treasury-and-instruments.md``, section A) that collects the sources.

Versions: in a workspace every approval after the first supersedes the approved proposal before it,
which rebalances the programme, so the approved proposals are the memo's versions 1, 2, ... in order
of approval; version n+1 names version n and what changed (ratio, lots, instruments). A proposal not
(yet) approved has no version: its memo is a draft that "would become version n+1 on approval".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from hedging import fmt

TITLE = "Hedge designation memo"
#: Thresholds this app applies before it writes "highly probable" or "probable" (the standards give none:
#: "highly probable" is "much more likely than more likely than not", reference note §A3).
HIGHLY_PROBABLE = {"history_months": 24, "probability": 0.95, "coverage_80": 0.70, "forecasts": 12}
PROBABLE = {"history_months": 12, "probability": 0.90}
DECIDED = ("approved", "superseded")
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


@dataclass(frozen=True)
class Lineage:
    """Where a proposal stands among its workspace's approved proposals (plain data).

    ``version``: its number among the workspace's approvals (None when not approved);
    ``approvals_before``: approvals before it (for a proposal not approved: all so far);
    ``replaces``: the approved proposal it replaces or would replace (``{"version", "proposal"}``,
    the proposal being its saved document); ``superseded_by``: ``{"version", "proposal_id", "name",
    "at"}`` once a later approval replaced it."""

    status: str
    version: int | None
    approvals_before: int
    workspace: str = ""
    replaces: Mapping | None = None
    superseded_by: Mapping | None = None


def _map(v) -> Mapping:
    return v if isinstance(v, Mapping) else {}


def _list(v) -> list:
    return [x for x in v if isinstance(x, Mapping)] if isinstance(v, Sequence) and not isinstance(v, str) else []


def _num(v) -> float | None:
    return None if isinstance(v, bool) else fmt.as_number(v)


def _quantity(value, unit: str) -> str:
    return f"{fmt.count(round(value))} {unit}" if _num(value) is not None else fmt.DASH


# --- the programme in numbers (this proposal's and the one it replaces) ------------------------------------

def programme_summary(p: Mapping) -> dict:
    """Lots, designated quantity and hedge ratio per underlying, contracts and policy of a saved proposal."""
    t = _map(p.get("tables"))
    lots: dict[str, int] = {}
    contracts: dict[str, int] = {}
    for row in _list(t.get("schedule")):
        u = str(row.get("underlying") or "")
        q = int(_num(row.get("lots")) or 0)
        lots[u] = lots.get(u, 0) + q
        contracts[str(row.get("contract"))] = contracts.get(str(row.get("contract")), 0) + q
    months = _list(t.get("hedged_item"))
    ratio_rows = _list(t.get("ratios"))
    ratio: dict[str, float | None] = {}
    designated: dict[str, float] = {}
    for u in dict.fromkeys(str(m.get("underlying")) for m in months):
        rows = [m for m in months if str(m.get("underlying")) == u]
        label = str(rows[0].get("label"))
        traded = {str(r.get("month"))[:7] for r in ratio_rows if str(r.get("underlying")) == label}
        base = sum(_num(m.get("price-exposed volume")) or 0.0 for m in rows if str(m.get("month"))[:7] in traded)
        designated[u] = sum(_num(m.get("designated")) or 0.0 for m in rows)
        ratio[u] = designated[u] / base if base > 0 else None
    if not months:   # saved before memos: the quarterly disclosure table gives hedged over expected consumption
        for row in _list(t.get("disclosure")):
            u = str(row.get("underlying"))
            designated[u] = designated.get(u, 0.0) + (_num(row.get("hedged")) or 0.0)
        for u in designated:
            base = sum(_num(r.get("expected consumption")) or 0.0 for r in _list(t.get("disclosure"))
                       if str(r.get("underlying")) == u)
            ratio[u] = designated[u] / base if base > 0 else None
    inputs = _map(p.get("inputs"))
    return {"lots": lots, "total_lots": sum(lots.values()), "contracts": contracts, "designated": designated,
            "ratio": ratio, "policy": str(inputs.get("policy_label") or inputs.get("policy") or fmt.DASH),
            "trades": len(_list(t.get("schedule")))}


def changes_between(before: Mapping, after: Mapping, labels: Mapping[str, str]) -> list[str]:
    """What changed from one version's programme to the next, in plain sentences."""
    out = []
    if before["policy"] != after["policy"]:
        out.append(f"Sizing rule: {before['policy']} → {after['policy']}.")
    for u in dict.fromkeys([*before["lots"], *after["lots"], *before["ratio"], *after["ratio"]]):
        name = labels.get(u, u)
        lb, la = before["lots"].get(u, 0), after["lots"].get(u, 0)
        if lb != la:
            out.append(f"{name}: {fmt.count(lb)} → {fmt.count(la)} lots ({fmt.count(la - lb, signed=True)}).")
        rb, ra = before["ratio"].get(u), after["ratio"].get(u)
        if rb is not None and ra is not None and abs(ra - rb) >= 0.0005:
            out.append(f"{name}: hedge ratio {fmt.share(rb)} → {fmt.share(ra)} ({fmt.points(ra - rb)}).")
        elif (rb is None) != (ra is None):
            out.append(f"{name}: hedge ratio {fmt.share(rb) if rb is not None else 'none'} → "
                       f"{fmt.share(ra) if ra is not None else 'none'}.")
    added = sorted(set(after["contracts"]) - set(before["contracts"]))
    removed = sorted(set(before["contracts"]) - set(after["contracts"]))
    if added:
        out.append(f"Instruments added: {', '.join(added)}.")
    if removed:
        out.append(f"Instruments no longer held: {', '.join(removed)}.")
    return out or ["No change in sizing rule, lots, hedge ratios or instruments (a re-approval of the same programme)."]


# --- the parts of the memo ------------------------------------------------------------------------------------

def _section(title: str, paragraphs=(), facts=(), tables=(), bullets=(), facts_first: bool = False) -> dict:
    return {"title": title, "paragraphs": [p for p in paragraphs if p], "facts": [list(f) for f in facts],
            "tables": list(tables), "bullets": [b for b in bullets if b], "facts_first": facts_first}


def _table(title: str, columns: list[str], kinds: Mapping[str, str], rows: list[dict]) -> dict:
    return {"title": title, "columns": columns, "kinds": dict(kinds), "rows": rows}


def _labels(p: Mapping) -> dict[str, str]:
    t = _map(p.get("tables"))
    out = {str(e.get("underlying")): str(e.get("label")) for e in _list(t.get("hedged_item_evidence"))}
    out.setdefault("token", "AI token price")
    out.setdefault("gpu", "GPU rental price")
    return out


def _backtest(p: Mapping, u: str) -> Mapping | None:
    rows = _list(_map(_map(p.get("tables")).get("backtest_scores")).get(u))
    combined = [r for r in rows if r.get("model") == "combination"]
    if combined:
        return combined[0]
    scored = [r for r in rows if _num(r.get("MASE")) is not None]
    return min(scored, key=lambda r: _num(r.get("MASE"))) if scored else None


def probability_verdict(evidence: Mapping | None, backtest: Mapping | None, lowest: float | None) -> tuple[str, str]:
    """("highly probable" | "probable" | "not shown", why) for one underlying's designated purchases,
    judged on the reported months of history, the forecast backtest and the lowest monthly probability
    that volume reaches the designated quantity (thresholds: :data:`HIGHLY_PROBABLE`, :data:`PROBABLE`)."""
    if evidence is None or lowest is None:
        return "not shown", ("this proposal was saved before the app recorded the forecast's evidence for a memo, "
                             "so the probability of the designated purchases cannot be shown from it; save the "
                             "programme again to document it")
    months = int(_num(evidence.get("history months")) or 0) - int(_num(evidence.get("estimated history months")) or 0)
    cov = _num((backtest or {}).get("80% coverage"))
    n = int(_num((backtest or {}).get("forecasts")) or 0)
    facts = [f"{months} reported months of usage history",
             f"volume reaches the designated quantity on at least {fmt.share(lowest)} of simulated paths in every "
             "designated month"]
    facts.append(f"the volume forecast's 80% band held {fmt.share(cov)} of {n} backtest forecasts" if cov is not None
                 else "no backtest of the volume forecast (too little history)")
    h, pr = HIGHLY_PROBABLE, PROBABLE
    if (months >= h["history_months"] and lowest >= h["probability"] and cov is not None
            and cov >= h["coverage_80"] and n >= h["forecasts"]):
        return "highly probable", "; ".join(facts)
    missing = []
    if months < h["history_months"]:
        missing.append(f"fewer than {h['history_months']} reported months")
    if lowest < h["probability"]:
        missing.append(f"a monthly probability below {fmt.share(h['probability'], 0)}")
    if cov is None or n < h["forecasts"]:
        missing.append(f"no backtest of at least {h['forecasts']} forecasts")
    elif cov < h["coverage_80"]:
        missing.append(f"80% band coverage below {fmt.share(h['coverage_80'], 0)}")
    if months >= pr["history_months"] and lowest >= pr["probability"]:
        return "probable", "; ".join(facts) + f" (not highly probable: {', '.join(missing)})"
    return "not shown", "; ".join(facts) + f" (short of this app's threshold: {', '.join(missing)})"


def _hedged_item(p: Mapping, labels: Mapping[str, str]) -> tuple[dict, dict]:
    t = _map(p.get("tables"))
    months = _list(t.get("hedged_item"))
    evidence = {str(e.get("underlying")): e for e in _list(t.get("hedged_item_evidence"))}
    verdicts: dict[str, tuple[str, str]] = {}
    tables, bullets = [], []
    if not months:
        rows = [{"quarter": r.get("quarter"), "underlying": r.get("underlying"),
                 "expected consumption": r.get("expected consumption"), "designated (hedged)": r.get("hedged")}
                for r in _list(t.get("disclosure")) if (_num(r.get("hedged")) or 0) > 0]
        tables.append(_table("Designated purchases by quarter (monthly forecast not stored with this proposal)",
                             ["quarter", "underlying", "expected consumption", "designated (hedged)"],
                             {"expected consumption": "count", "designated (hedged)": "count"}, rows))
        for u in dict.fromkeys(str(r.get("underlying")) for r in rows):
            verdicts[u] = probability_verdict(None, None, None)
    for u in dict.fromkeys(str(m.get("underlying")) for m in months):
        rows = [m for m in months if str(m.get("underlying")) == u]
        unit = str(rows[0].get("unit") or "")
        designated = [m for m in rows if (_num(m.get("designated")) or 0) > 0]
        if not designated:
            continue
        shown = [{"month": str(m.get("month"))[:10], f"designated ({unit})": m.get("designated"),
                  f"expected volume ({unit})": m.get("price-exposed volume"),
                  f"80% band low ({unit})": m.get("volume p10"), f"80% band high ({unit})": m.get("volume p90"),
                  f"95% band low ({unit})": m.get("volume p2.5"),
                  "expected spend (USD)": m.get("expected spend (USD)"),
                  "P(volume ≥ designated)": m.get("probability volume reaches designated")} for m in designated]
        kinds = {c: "count" for c in shown[0] if unit in c}
        kinds.update({"expected spend (USD)": "money", "P(volume ≥ designated)": "share"})
        tables.append(_table(f"{labels.get(u, u)}: forecast purchases designated, by month", list(shown[0]), kinds,
                             shown))
        lowest = min(_num(m.get("probability volume reaches designated")) or 0.0 for m in designated)
        verdicts[u] = probability_verdict(evidence.get(u), _backtest(p, u), lowest)
        e = evidence.get(u) or {}
        total = sum(_num(m.get("designated")) or 0 for m in designated)
        bullets.append(f"{labels.get(u, u)}: in each month listed, the first purchases of that month's designated "
                       f"quantity, billed in that calendar month (e.g. the first "
                       f"{_quantity(_num(designated[0].get('designated')), unit)} billed in "
                       f"{fmt.month(designated[0].get('month'))}); {fmt.count(len(designated))} months, "
                       f"{_quantity(total, unit)} in all. Volume forecast by {e.get('volume model') or 'the volume model'}"
                       f" on usage from {fmt.month(e.get('first month'))} to {fmt.month(e.get('last complete month'))}.")
        floor = sum(min(_num(m.get("volume p2.5")) or 0.0, _num(m.get("designated")) or 0.0) for m in designated)
        if lowest < HIGHLY_PROBABLE["probability"] and floor < total:
            bullets.append(f"{labels.get(u, u)}: designating no more than the low end of each month's 95% volume band "
                           f"({_quantity(floor, unit)} in all, {fmt.share(floor / total)} of the hedged quantity) would "
                           "leave volume above the designated quantity on at least 97.5% of simulated paths; the "
                           "hedge on the rest would be an economic hedge outside hedge accounting.")
    return {"tables": tables, "bullets": bullets}, verdicts


def _probability_paragraphs(verdicts: Mapping[str, tuple[str, str]], labels: Mapping[str, str]) -> list[str]:
    out = []
    for u, (verdict, why) in verdicts.items():
        name = labels.get(u, u)
        if verdict == "highly probable":
            out.append(f"{name}: the designated purchases are supported as highly probable (IFRS 9 §6.3.3) and "
                       f"probable (ASC 815-20-25-15(b)): {why}.")
        elif verdict == "probable":
            out.append(f"{name}: the evidence supports the designated purchases as probable (ASC 815-20-25-15(b)); "
                       f"this memo does not assert that they are highly probable under IFRS 9 §6.3.3: {why}.")
        else:
            out.append(f"{name}: the evidence does not yet show the designated purchases to be probable "
                       f"(ASC 815-20-25-15(b)) or highly probable (IFRS 9 §6.3.3): {why}. Designate a smaller "
                       "quantity or wait for more history before applying hedge accounting.")
    if out:
        out.append("Thresholds used (this app's, not the standards'): highly probable needs at least "
                   f"{HIGHLY_PROBABLE['history_months']} reported months, volume at or above the designated quantity "
                   f"on {fmt.share(HIGHLY_PROBABLE['probability'], 0)} of paths in every month and a backtest of at "
                   f"least {HIGHLY_PROBABLE['forecasts']} forecasts whose 80% band held at least "
                   f"{fmt.share(HIGHLY_PROBABLE['coverage_80'], 0)}; probable needs {PROBABLE['history_months']} "
                   f"months and {fmt.share(PROBABLE['probability'], 0)}. The evidence is reassessed each quarter "
                   f"({SOURCES['A3']}).")
    return out


def _hedged_risk(p: Mapping, labels: Mapping[str, str], hedged: Sequence[str]) -> list[str]:
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
    return f"{fmt.number(float(size), 0 if float(size).is_integer() else 2)} {unit}".strip() \
        if _num(size) is not None else str(text or fmt.DASH)


def _instruments(p: Mapping) -> dict:
    t, inputs = _map(p.get("tables")), _map(p.get("inputs"))
    prov = _map(p.get("provenance"))
    lot = {str(c.get("root")): _lot(c.get("lot")) for c in _list(prov.get("contracts"))}
    rows = []
    for r in _list(t.get("schedule")):
        root = next((k for k in sorted(lot, key=len, reverse=True) if str(r.get("contract", "")).startswith(k)), None)
        rows.append({"contract": r.get("contract"), "delivery month": r.get("delivery month"),
                     "last trading day": r.get("last trading day"), "side": r.get("side"), "lots": r.get("lots"),
                     "lot": lot.get(root, fmt.DASH) if root else fmt.DASH, "price": r.get("price"),
                     "notional (USD)": r.get("notional (USD)")})
    as_of = fmt.date(inputs.get("as_of"))
    paragraphs = [f"{fmt.count(len(rows))} trades, {fmt.count(sum(int(_num(r['lots']) or 0) for r in rows))} lots in "
                  f"all, long (the company buys compute, so it is short the price). Prices are the contracts' fair "
                  f"prices as of {as_of} from the local contract engine (or, for later layers, the price expected on "
                  "the trade date); the contracts are this app's assumptions, as no exchange has published "
                  "specifications. Valuation: cash-settled against the index; fair value is the difference between "
                  "the settlement (or current futures) price and the trade price times the lot."]
    if not rows:
        paragraphs = ["The programme holds no instrument, so there is no hedging relationship to designate."]
    table = _table("Hedging instruments", ["contract", "delivery month", "last trading day", "side", "lots", "lot",
                                           "price", "notional (USD)"],
                   {"lots": "count", "price": "price", "notional (USD)": "money"}, rows)
    return {"paragraphs": paragraphs, "tables": [table] if rows else []}


def _ratio(p: Mapping, summary: Mapping, labels: Mapping[str, str]) -> dict:
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


def _effectiveness(p: Mapping, labels: Mapping[str, str]) -> dict:
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


def _ineffectiveness(p: Mapping, labels: Mapping[str, str], hedged: Sequence[str]) -> list[str]:
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
    out = [f"Basis: the invoice price is not the index ({basis}); {part('basis')}.",
           f"Volume: usage may fall short of the designated quantity or move to another provider (volume "
           f"uncertainty, sd/mean over the horizon: {volume}); {part('volume')}. Over-hedged quantities would be "
           "de-designated.",
           "Timing: " + "; ".join(TIMING[u] for u in hedged if u in TIMING) + (", while " if any(u in TIMING for u in hedged) else "")
           + f"purchases are billed through the month; {part('timing')}.",
           f"Lot rounding: only whole lots trade; {part('lot rounding')}.",
           "Credit: the futures are assumed cleared; an OTC swap in their place adds the dealer's credit risk."]
    if st.get("remaining"):
        out.append(str(st["remaining"]))
    out.append(f"Figures from the proposal's variance attribution on its simulated paths. ({SOURCES['A6']}.)")
    return out


def _notes() -> list[str]:
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


def _version_facts(p: Mapping, lineage: Lineage, summary: Mapping, labels: Mapping[str, str]) -> tuple[dict, list]:
    approval = _map(p.get("approval"))
    draft = lineage.status not in DECIDED
    n = lineage.approvals_before
    ws = lineage.workspace or "the workspace"
    if draft:
        label = f"draft — would become version {n + 1} on approval"
    elif lineage.version == 1:
        label = "version 1 (first designation)"
    else:
        label = f"version {lineage.version} (rebalance)"
    facts = [("Memo", f"{TITLE}, {ws} hedge programme, {label}"),
             ("Proposal", f"#{p.get('id')} {p.get('name') or ''}".strip()),
             ("Fingerprint", str(p.get("fingerprint") or "not saved")),
             ("Status", str(approval.get("meaning") or lineage.status)),
             ("Prepared by", f"{approval.get('prepared_by') or fmt.DASH}, {approval.get('prepared_at') or fmt.DASH}"),
             ("Approved by", f"{approval.get('approved_by')}, {approval.get('approved_at')}" if not draft
              else "not approved"),
             ("Designation date", str(approval.get("approved_at")) if not draft else "on approval")]
    changes: list[str] = []
    rep = _map(lineage.replaces)
    if rep:
        old = _map(rep.get("proposal"))
        facts.append(("Replaces" if not draft else "Would replace",
                      f"version {rep.get('version')}: proposal #{old.get('id')} {old.get('name') or ''} "
                      f"(fingerprint {str(old.get('fingerprint') or '')[:12]}…)"))
        changes = ([f"What changed cannot be shown: {rep['problem']}"] if rep.get("problem")
                   else changes_between(programme_summary(old), summary, labels))
    sup = _map(lineage.superseded_by)
    if sup:
        facts.append(("Superseded by", f"version {sup.get('version')}: proposal #{sup.get('proposal_id')} "
                                       f"{sup.get('name') or ''}, {sup.get('at') or ''}".rstrip(", ")))
    return {"label": label, "draft": draft, "facts": facts}, changes


def designation_memo(proposal: Mapping, lineage: Lineage) -> dict:
    """The designation memo of a saved proposal ``proposal`` (its document, as
    :func:`hedging.service.proposal.load_proposal` returns it) standing where ``lineage`` says.

    Returns plain data: ``title``, ``version`` (None for a draft), ``version_label``, ``draft``,
    ``facts`` (label, value pairs for the header), ``changes`` (sentences: what changed from the version
    it replaces), ``sections`` (each with ``title``, ``paragraphs``, ``facts``, ``tables`` and
    ``bullets``; a table is ``title``, ``columns``, ``kinds``, ``rows`` of raw numbers) and ``numbers``
    (lots, designated quantities and hedge ratios per underlying, the effectiveness figures)."""
    p = _map(proposal)
    labels = _labels(p)
    summary = programme_summary(p)
    hedged = [u for u, q in summary["designated"].items() if q > 0]
    if not hedged:
        hedged = [u for u, n in summary["lots"].items() if n > 0]
    head, changes = _version_facts(p, lineage, summary, labels)
    item, verdicts = _hedged_item(p, labels)
    inputs, h = _map(p.get("inputs")), _map(p.get("headline"))
    months = _map(p.get("spec")).get("horizon_months") or []
    period = f"{fmt.month(months[0] + '-01')} – {fmt.month(months[-1] + '-01')}" if months else "the horizon"
    relationship = [
        f"Hedge type: cash-flow hedge of forecast purchases of compute ({', '.join(labels.get(u, u) for u in hedged) or 'none'}) "
        f"in {period}.",
        f"Risk-management objective and strategy: reduce the variability of the company's AI compute spend over the "
        f"next {fmt.count(inputs.get('horizon'))} months by buying index futures under the "
        f"{summary['policy']} rule; on the proposal's simulation this lowers the standard deviation of spend by "
        f"{fmt.share(_num(h.get('volatility_reduction')))} (from {fmt.money(_num(h.get('sd_before')))} to "
        f"{fmt.money(_num(h.get('sd_after')))}). Speculation is not an objective: the programme is judged on the "
        "variability removed, not on whether the futures make money.",
    ]
    if changes:
        relationship.append(("Rebalance: this version replaces the one before it, adjusting the designated "
                             "quantities within the same objective." if not head["draft"] else
                             "On approval this would rebalance the programme, replacing the approved version.")
                            + " What changed: " + " ".join(changes))
    e = _map(_map(p.get("statements")).get("effectiveness"))
    sections = [
        _section("Relationship, objective and strategy", relationship),
        _section("Hedged item", _probability_paragraphs(verdicts, labels), tables=item["tables"],
                 bullets=item["bullets"]),
        _section("Hedged risk", _hedged_risk(p, labels, hedged)),
        _section("Hedging instruments", **_instruments(p)),
        _section("Hedge ratio and how it was set", **_ratio(p, summary, labels)),
        _section("Effectiveness assessment", **_effectiveness(p, labels)),
        _section("Expected sources of ineffectiveness", bullets=_ineffectiveness(p, labels, hedged)),
        _section("ASC 815 and IFRS 9 notes", bullets=_notes() + [
            "Sources as collected in the reference note on treasury practice (treasury-and-instruments.md, §A1–A8); "
            "check the Codification and IFRS wording before relying on a paraphrase."]),
    ]
    return {
        "title": TITLE, "version": None if head["draft"] else lineage.version, "version_label": head["label"],
        "draft": head["draft"], "status": lineage.status, "proposal_id": p.get("id"),
        "fingerprint": p.get("fingerprint"), "facts": [list(f) for f in head["facts"]], "changes": changes,
        "sections": sections,
        "probability": {u: v for u, (v, _why) in verdicts.items()},
        "numbers": {"lots": summary["lots"], "total_lots": summary["total_lots"],
                    "designated": summary["designated"], "hedge_ratio": summary["ratio"],
                    "effectiveness": {k: e.get(k) for k in ("slope", "r_squared", "dollar_offset", "passes")} if e
                    else None},
    }
