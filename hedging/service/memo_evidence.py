"""The hedged item of a designation memo and whether its forecast purchases are probable (pure).

The designated purchases are listed by month with their forecast bands, expected spend and the share
of simulated paths on which volume reaches the designated quantity (frozen with the proposal by
:mod:`hedging.service.memo_item`). "Highly probable" (IFRS 9 §6.3.3) or "probable" (ASC
815-20-25-15(b)) is written only when the history, the backtest and that probability support it.
"""

from __future__ import annotations

from collections.abc import Mapping

from hedging import fmt
from hedging.service.memo_parts import SOURCES, _list, _map, _num, _quantity, _table

#: Thresholds this app applies before it writes "highly probable" or "probable" (the standards give none:
#: "highly probable" is "much more likely than more likely than not", reference note §A3).
HIGHLY_PROBABLE = {"history_months": 24, "probability": 0.95, "coverage_80": 0.70, "forecasts": 12}
PROBABLE = {"history_months": 12, "probability": 0.90}


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
    mase = _num((backtest or {}).get("MASE"))
    accuracy = (f", with a mean absolute scaled error (MASE) of {fmt.ratio(mase)} (below 1 beats the in-sample naive "
                "forecast)") if mase is not None else ""
    facts.append(f"in a rolling-origin backtest of {n} forecasts the volume forecast's 80% band held "
                 f"{fmt.share(cov)} of the realised values{accuracy}" if cov is not None
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


def hedged_item(p: Mapping, labels: Mapping[str, str]) -> tuple[dict, dict]:
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


def probability_paragraphs(verdicts: Mapping[str, tuple[str, str]], labels: Mapping[str, str]) -> list[str]:
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
