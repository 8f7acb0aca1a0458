"""The numbered sections of the PDF proposal; each draws what the saved payload holds, or says it is absent."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from fpdf.enums import XPos, YPos

from hedging import fmt

from .pdf_candidates import candidate_indices
from .pdf_decision import disclosure, points_to_note
from .pdf_instruments import instruments_and_regret, natural_hedges
from .pdf_layout import FAMILY, GREY, INK, NAVY, TINT, ReportPDF
from .pdf_tables import count, draw_key_values, draw_table, money, plain, share


def _map(value: object) -> Mapping:
    return value if isinstance(value, Mapping) else {}


def _list(value: object) -> list:
    return list(value) if isinstance(value, Sequence) and not isinstance(value, (str, bytes)) else []


def _policy_name(p: Mapping) -> str:
    """The policy's ratios in words for a heading ("layered ratios", "minimum-variance ratios")."""
    name = str(_map(p.get("inputs")).get("policy") or "")
    return {"layered": "layered ratios", "min_variance": "minimum-variance ratios",
            "min_cvar": "minimum-CVaR ratios"}.get(name, "chosen policy's ratios")


def _at_tick(schedule: list, p: Mapping) -> list:
    """The schedule with each futures price written at its contract's tick (``contracts`` in the
    provenance give root and tick; a symbol starts with its root) and the underlying by its plain
    name; other cells unchanged."""
    ticks = {str(c.get("root")): c.get("tick") for c in _list(_map(p.get("provenance")).get("contracts"))
             if isinstance(c, Mapping) and fmt.as_number(c.get("tick"))}
    out = []
    for row in schedule:
        if not isinstance(row, Mapping):
            continue
        root = next((r for r in sorted(ticks, key=len, reverse=True) if str(row.get("contract", "")).startswith(r)), None)
        price = row.get("price")
        if root and fmt.as_number(price) is not None and not isinstance(price, str):
            row = {**row, "price": fmt.price(price, ticks[root], currency=False)}
        if "underlying" in row:
            row = {**row, "underlying": fmt.underlying(row["underlying"])}   # "LLM tokens", not the key
        out.append(row)
    return out


def _parts(p: Mapping) -> tuple[Mapping, Mapping, Mapping, Mapping]:
    return _map(p.get("headline")), _map(p.get("tables")), _map(p.get("statements")), _map(p.get("inputs"))


def _months(h: Mapping) -> str:
    n = h.get("horizon_months")
    return f"{n} months" if isinstance(n, (int, float)) and not isinstance(n, bool) else "the horizon"


def _arrow(fmt, before: object, after: object) -> str:
    return f"{fmt(before)} → {fmt(after)}"


def _sum(*values: object) -> float | None:
    try:
        return float(sum(float(v) for v in values))
    except (TypeError, ValueError):
        return None


def _num(value: object) -> float | None:
    return fmt.as_number(value)


def _tile(doc: ReportPDF, x: float, y: float, w: float, h: float, label: str, value: str, sub: str) -> None:
    doc.set_fill_color(*TINT)
    doc.rect(x, y, w, h, style="F")
    doc.set_fill_color(*NAVY)
    doc.rect(x, y, 1.2, h, style="F")
    doc.set_xy(x + 4, y + 2.5)
    doc.set_font(FAMILY, "", 7.5)
    doc.set_text_color(*GREY)
    doc.cell(w - 6, 3.8, doc.fit_width(label, w - 6))
    doc.set_xy(x + 4, y + 7.2)
    doc.set_font(FAMILY, "B", 14)
    doc.set_text_color(*NAVY)
    doc.cell(w - 6, 7, doc.fit_width(value, w - 6))
    doc.set_xy(x + 4, y + 15)
    doc.set_font(FAMILY, "", 7.5)
    doc.set_text_color(*INK)
    doc.multi_cell(w - 6, 3.5, doc.fit_lines(sub, w - 6, 2, 3.5))


def executive_summary(doc: ReportPDF, p: Mapping, charts, title: str) -> None:
    h, _, st, _ = _parts(p)
    doc.section(title)
    if p.get("spec_line"):
        doc.paragraph(str(p.get("spec_line")), size=8, color=GREY, limit=900)
    doc.paragraph(h.get("summary") or "The proposal holds no summary sentence.", size=11.5, limit=600)
    months = _months(h)
    fiscal = str(h.get("fiscal_year") or months).split(" (")[0]
    margin_total = _sum(h.get("initial_margin_peak"), h.get("vm_p95"))
    tiles = [
        (f"Budget at risk (95th percentile − expected), {fiscal}",
         _arrow(money, h.get("bar_before"), h.get("bar_after")),
         "before → after the program, USD"),
        ("Volatility reduction (sd of total spend)", share(h.get("volatility_reduction")),
         f"sd {_arrow(money, h.get('sd_before'), h.get('sd_after'))}; variance down "
         f"{share(h.get('variance_reduction'))}"),
        ("P(spend > budget)", _arrow(share, h.get("prob_over_before"), h.get("prob_over_after")),
         f"before → after; budget {money(h.get('budget'))} for {fiscal}"),
        ("Expected cost of hedging (net)", money(h.get("expected_cost_of_hedging")),
         f"program cost {money(h.get('program_cost'))} (fees and half-spreads) less expected futures P&L "
         f"{money(_sum(h.get('program_cost'), -(_num(h.get('expected_cost_of_hedging')) or 0)), signed=True)}; "
         f"USD over {months}"),
        ("Margin cash needed", money(margin_total),
         f"initial margin peak {money(h.get('initial_margin_peak'))} + 95th percentile variation margin "
         f"{money(h.get('vm_p95'))}"),
        (f"Expected spend, {months}", money(h.get("expected_spend")),
         f"{fiscal}: {money(h.get('fiscal_expected_spend'))} expected against {money(h.get('budget'))}"),
    ]
    w, gap, th = (doc.epw - 4) / 2, 4, 24
    doc.ensure_space(3 * (th + gap) + 4)
    top = doc.y + 1
    for i, (label, value, sub) in enumerate(tiles):
        _tile(doc, doc.l_margin + (i % 2) * (w + gap), top + (i // 2) * (th + gap), w, th, label, value, sub)
    doc.set_xy(doc.l_margin, top + 3 * (th + gap) + 1)
    doc.set_text_color(*INK)
    doc.paragraph("Budget at risk is the 95th percentile of simulated fiscal-year spend (reported, estimated and "
                  "forecast months) minus its expected value. The program is judged by how much it narrows the spread of spend (variance reduction), "
                  "not by the profit or loss of the futures.", size=8.5, color=GREY)
    warnings = _list(st.get("warnings"))
    if warnings and not points_to_note(doc, p):  # documents saved before advice: the warnings as saved
        doc.subsection("Points to note before deciding")
        doc.bullets(warnings)


def exposure_profile(doc: ReportPDF, p: Mapping, charts, title: str) -> None:
    _, t, st, _ = _parts(p)
    doc.section(title)
    doc.paragraph("What the company is expected to buy over the horizon, how much of it maps to a hedgeable index, "
                  "and how closely the company's own price follows that index.")
    draw_table(doc, _list(t.get("exposure")))
    natural_hedges(doc, p)
    if st.get("basis"):
        doc.paragraph(f"Basis: {doc.clean(st.get('basis'), 3000, multiline=True)}")
    for key in _of_underlyings(charts, "volume"):
        charts.draw(doc, key)


def _of_underlyings(charts, kind: str) -> list[str]:
    """The ``kind`` chart of each underlying the proposal has figures for (a company that buys no
    GPU-hours has no GPU charts, and its PDF says nothing of their absence); of both when it has
    figures for neither (a proposal saved without its charts is told so, chart by chart)."""
    stored = charts.figures if isinstance(charts.figures, Mapping) else {}
    present = [u for u in ("token", "gpu") if f"volume_{u}" in stored or f"basis_{u}" in stored]
    return [f"{kind}_{u}" for u in (present or ("token", "gpu"))]


def forecast(doc: ReportPDF, p: Mapping, charts, title: str) -> None:
    _, t, _, inputs = _parts(p)
    doc.section(title, keep_with=100)
    paths, seed = inputs.get("paths"), inputs.get("seed")
    doc.paragraph(f"Spend is simulated as volume × price on {count(paths)} paths (seed {doc.clean(seed, 20)}); "
                  "the bands show how wide the outcome can be, month by month.")
    charts.draw(doc, "spend_fan")
    doc.subsection("Monthly spend against the budget")
    draw_table(doc, _list(t.get("monthly_budget")))
    scores = _map(t.get("backtest_scores"))
    for underlying, rows in scores.items():
        doc.subsection(f"Volume model backtest: {doc.clean(fmt.underlying(underlying), 60)}")
        draw_table(doc, [{**r, "model": fmt.volume_model(r.get("model"))} if isinstance(r, Mapping) else r
                         for r in _list(rows)])   # "damped trend", not the key damped_trend
    if scores:
        doc.paragraph("MASE below 1 beats the seasonal naive forecast; coverage is the share of realised months "
                      "that fell inside the stated interval in a rolling-origin backtest.", size=8.5, color=GREY)


def _bands(bands: object) -> str:
    parts, start = [], 1
    for band in _list(bands):
        try:
            end, ratio = int(band[0]), float(band[1])
        except (TypeError, ValueError, IndexError):
            continue
        parts.append(f"{share(ratio)} of months {start}-{end}")
        start = end + 1
    return ", ".join(parts) or "none"


def _ordinal(value: object) -> str:
    try:
        x = float(value)
    except (TypeError, ValueError):
        return str(value)
    n = f"{x:g}"
    if not x.is_integer():
        return f"{n}th"
    k = int(x)
    suffix = "th" if 10 <= k % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(k % 10, "th")
    return f"{n}{suffix}"


def _policy_rows(inputs: Mapping) -> list[tuple[str, object]]:
    excluded = [str(x) for x in _list(inputs.get("excluded"))]
    margin = inputs.get("margin_budget")
    changes = [str(x) for x in _list(inputs.get("price_changes"))]
    as_of = str(inputs.get("as_of") or "")
    try:
        as_of = fmt.date(dt.date.fromisoformat(as_of))
    except ValueError:
        as_of = as_of or "not stated"
    return [("As-of date", as_of),
            ("Policy", inputs.get("policy_label") or inputs.get("policy") or "not stated"),
            ("Horizon", f"{count(inputs.get('horizon'))} months after the as-of month"),
            ("Simulation", f"{count(inputs.get('paths'))} paths, seed {inputs.get('seed')}, price-volume "
                           f"correlation {plain(inputs.get('rho'))}"),
            ("Annual budget", f"{money(inputs.get('budget_annual'))} for {inputs.get('fiscal_year') or 'the fiscal year'}"),
            ("Announced price changes", "; ".join(changes) if changes else "none"),
            ("Volume hedged at most", f"the {_ordinal(inputs.get('volume_percentile'))} percentile of forecast volume"),
            ("Position limit", f"{count(inputs.get('position_limit'))} lots per contract"),
            ("Margin budget", "none set" if margin is None else money(margin)),
            ("Left unhedged", "; ".join(excluded) if excluded else "nothing excluded"),
            ("Layered ratios by tenor", _bands(inputs.get("bands")))] + (
        [("Materiality threshold", f"trades under {money(inputs['min_notional'])} of notional are dropped"
          if inputs.get("min_notional") else "none (every trade is kept)")] if "min_notional" in inputs else [])


def _ratio_pivot(rows: list) -> list[dict]:
    table: dict[str, dict] = {}
    for r in rows:
        if not isinstance(r, Mapping) or "month" not in r:
            return rows
        row = table.setdefault(str(r.get("month")), {"month": str(r.get("month"))})
        row[f"{r.get('underlying', 'all')} hedge ratio"] = r.get("hedge ratio")
    return sorted(table.values(), key=lambda row: row["month"])  # ISO months: text order is time order


def program(doc: ReportPDF, p: Mapping, charts, title: str) -> None:
    h, t, _, inputs = _parts(p)
    doc.section(title)
    doc.subsection("Policy and limits")
    draw_key_values(doc, _policy_rows(inputs))
    schedule = _list(t.get("schedule"))
    doc.subsection("Trade schedule", keep_with=40)
    caps = sum(1 for r in schedule if isinstance(r, Mapping) and "cap" in str(r.get("side", "")))
    what = (f"{len(schedule) - caps:,} long futures trades and {caps:,} cap purchases" if caps else
            f"{len(schedule):,} trades, all long futures")
    doc.paragraph(f"{what} (a buyer of compute is short the price). Prices are per lot unit (USD per million tokens "
                  "or per GPU-hour; a cap's is its premium); cost is fees and half the bid-ask spread"
                  + (", and a cap's premium" if caps else "") + f". Total program cost {money(h.get('program_cost'))}.",
                  size=8.5)
    draw_table(doc, _at_tick(schedule, p), kinds={"price": "price"})
    dropped = [r for r in _list(t.get("dropped")) if isinstance(r, Mapping)]
    if dropped:
        doc.subsection("Dropped as immaterial", keep_with=30)
        doc.paragraph(f"{len(dropped):,} trade{'s' if len(dropped) != 1 else ''} below the materiality threshold of "
                      f"{money(inputs.get('min_notional'))} notional, {money(_sum(*(r.get('notional (USD)') for r in dropped)))} "
                      "in all, left out of the programme; every figure in this document is for the trades above.",
                      size=8.5)
        draw_table(doc, _at_tick(dropped, p), kinds={"price": "price"})
    charts.draw(doc, "hedge_ratios")
    ratios = _list(t.get("ratios"))
    if ratios:
        doc.subsection("Hedge ratio by delivery month")
        pivot = _ratio_pivot(ratios)
        columns = {k for row in pivot for k in row}
        if any(set(row) != columns for row in pivot):
            doc.paragraph("A dash: no listed contract of that underlying settles in that month, so nothing can be "
                          "hedged there; 0.0%: a contract is listed but the programme buys none of it.", size=8.5)
        draw_table(doc, pivot)
    disclosure(doc, p)
    instruments_and_regret(doc, p)


def before_after(doc: ReportPDF, p: Mapping, charts, title: str) -> None:
    h, t, st, _ = _parts(p)
    doc.section(title)
    doc.paragraph(f"Risk of total spend over {_months(h)}, without and with the program (USD unless stated). "
                  "Performance is measured by the reduction in variance, not by the futures' profit or loss.")
    draw_table(doc, _list(t.get("metrics")), label_column="metric")
    charts.draw(doc, "distribution")
    charts.draw(doc, "fan_compare")
    remaining(doc, t, st, charts)
    history = _map(t.get("history"))
    names = {str(i.get("underlying")): str(i.get("name") or "").split(" (")[0]
             for i in _list(_map(p.get("provenance")).get("indices")) if isinstance(i, Mapping)}
    rows = [{"underlying": names.get(str(u)) or str(u), **{str(k).replace("_", " "): v for k, v in _map(vals).items()}}
            for u, vals in history.items()]
    if rows:
        doc.subsection(f"Historical backtest (the {_policy_name(p)} applied to past months)")
        draw_table(doc, rows)
        doc.paragraph("sd is the standard deviation of monthly cost over the backtest window; totals are the sums "
                      "over the window.", size=8.5, color=GREY)


def remaining(doc: ReportPDF, t: Mapping, st: Mapping, charts) -> None:
    """What the hedge did not remove, by source (documents saved before it existed have none: skipped)."""
    rows, sentence = _list(t.get("remaining")), st.get("remaining")
    if not rows and not sentence:
        return
    doc.subsection("What the hedge did not remove", keep_with=40)
    if sentence:
        doc.paragraph(str(sentence))
    charts.draw(doc, "remaining")
    if rows:
        draw_table(doc, rows, kinds={"share of what remains": "share", "part of the sd (USD)": "money"})
        doc.paragraph("Each source is switched off in turn on the same simulated paths (volume at its expected path, "
                      "the company's price following the index, settlement on the month's average, exact fractions "
                      "of a lot, nothing excluded, full cover) and what it adds to the variance is averaged over "
                      "every order (Shapley value), so the parts add up to the remaining variance; the last column "
                      "splits the remaining standard deviation (sd) in the same proportions. A negative "
                      "part offsets the others.", size=8.5, color=GREY)


def stress(doc: ReportPDF, p: Mapping, charts, title: str) -> None:
    _, t, _, _ = _parts(p)
    doc.section(title)
    doc.paragraph("Total spend over the horizon under each scenario, without and with the program, in USD. The "
                  "program covers the planned volume only, so extra volume is bought at the index.")
    draw_table(doc, _list(t.get("stress")), notes_title="What each scenario assumes")


def liquidity(doc: ReportPDF, p: Mapping, charts, title: str) -> None:
    h, _, _, _ = _parts(p)
    doc.section(title)
    total = _sum(h.get("initial_margin_peak"), h.get("vm_p95"))
    doc.paragraph(f"The program needs up to {money(h.get('initial_margin_peak'))} of initial margin at its peak and, "
                  f"in 95% of simulated paths, no more than {money(h.get('vm_p95'))} of variation margin when prices "
                  f"fall; treasury should keep {money(total)} of cash or credit lines available for margin calls. "
                  "Maintenance margin is 75% of initial margin.")
    charts.draw(doc, "margin")


def basis_risk(doc: ReportPDF, p: Mapping, charts, title: str) -> None:
    _, t, st, _ = _parts(p)
    doc.section(title)
    doc.paragraph(st.get("basis") or "The proposal holds no basis statement.")
    rows = [{k: r.get(k) for k in ("underlying", "basis slope", "basis R²") if k in r}
            for r in _list(t.get("exposure")) if isinstance(r, Mapping) and "basis slope" in r]
    if rows:
        draw_table(doc, rows)
    doc.paragraph("Futures settle on the index, not on the company's invoices: the residual of the invoice-to-index "
                  "regression and any change in volume stay with the company, whatever the hedge ratio.", size=8.5,
                  color=GREY)
    candidate_indices(doc, t)
    for key in _of_underlyings(charts, "basis"):
        charts.draw(doc, key)


def hedge_accounting(doc: ReportPDF, p: Mapping, charts, title: str) -> None:
    _, _, st, _ = _parts(p)
    doc.section(title, keep_with=40)
    eff = st.get("effectiveness")
    if not isinstance(eff, Mapping):
        doc.note("The effectiveness tests could not run for this proposal (the program holds no lots, or the "
                 "simulated hedge and exposure do not vary).", fill=TINT)
        return
    passes = eff.get("passes")
    verdict = ("passes: highly effective" if passes is True else
               "fails: not highly effective" if passes is False else "not determined")
    dollar = eff.get("dollar_offset")
    draw_key_values(doc, [
        ("Regression slope (hedge change on exposure change)",
         f"{plain(eff.get('slope'))} (highly effective: -1.25 to -0.80)"),
        ("R²", f"{plain(eff.get('r_squared'))} (highly effective: 0.80 or more)"),
        ("Dollar offset", f"{plain(dollar)} ({share(dollar)}; highly effective: 80% to 125%)"),
        ("Result (ASC 815 bright lines)", verdict),
        ("Explanation", eff.get("explanation") or ""),
        ("IFRS 9", eff.get("ifrs9_note") or ""),
    ], label_width=62)
    if passes is False:
        doc.note("Consequence: hedge accounting is not available, so the futures' gains and losses go through profit "
                 "and loss each quarter, before the compute cost they offset. What to do: leave the underlying whose "
                 "price does not follow its index unhedged (“Leave unhedged” on the Hedge program page), or choose "
                 "another policy, and test again before designating the hedge.")
    doc.paragraph("The intended designation is a cash-flow hedge of forecast compute purchases; the tests are "
                  "prospective, on the simulated paths, and are to be repeated at inception and each reporting date.",
                  size=8.5, color=GREY)


def methodology(doc: ReportPDF, p: Mapping, charts, title: str) -> None:
    _, _, st, inputs = _parts(p)
    prov = _map(p.get("provenance"))
    doc.section(title)
    for para in _list(st.get("methodology")):
        doc.paragraph(para)
    contracts = [c for c in _list(prov.get("contracts")) if isinstance(c, Mapping)]
    if contracts:
        doc.subsection("Contracts (this app's assumptions; no exchange has published specifications)")
        listed = {str(a) for a in _list(st.get("assumptions"))}
        notes_elsewhere = all(str(c.get("assumption_note")) in listed for c in contracts)
        rows = [{k: v for k, v in c.items() if not (notes_elsewhere and k == "assumption_note")} for c in contracts]
        draw_table(doc, rows, kinds={"tick": "price", "fee_per_lot": "money"},
                   headers={"root": "symbol root", "assumption_note": "assumption", "fee_per_lot": "fee per lot (USD)"},
                   notes_title=None if notes_elsewhere else "Contract assumptions")
        if notes_elsewhere:
            doc.paragraph("Each contract's full assumption note is listed under Assumptions below.", size=8.5,
                          color=GREY)
    models = [m for m in _list(prov.get("models")) if isinstance(m, Mapping)]
    if models:
        doc.subsection("Price models and parameters")
        doc.bullets([f"{m.get('underlying')}: {m.get('label')}" for m in models])
        rows = [{"underlying": str(m.get("underlying")), **{str(k): v for k, v in _map(m.get("parameters")).items()}}
                for m in models]
        draw_table(doc, rows, kinds={c: "price" for r in rows for c in r if c != "underlying"})
    indices = _list(prov.get("indices"))
    if indices:
        doc.subsection("Price indices")
        draw_table(doc, indices, kinds={"spot": "price"},
                   headers={"valuation_date": "valuation date", "points": "months matched to usage"})
    doc.subsection("Simulation")
    doc.paragraph(f"{count(inputs.get('paths'))} Monte Carlo paths with seed {doc.clean(inputs.get('seed'), 20)}, "
                  f"price-volume correlation {plain(inputs.get('rho'))}; rerunning with the same inputs and seed "
                  "reproduces every figure in this report.")
    if st.get("paper_check"):
        doc.subsection("Model check against the paper")
        doc.paragraph(st.get("paper_check"))
    if _list(st.get("assumptions")):
        doc.subsection("Assumptions")
        doc.bullets(_list(st.get("assumptions")))
    if _list(st.get("data_sources")):
        doc.subsection("Data sources and licences")
        doc.bullets(_list(st.get("data_sources")))
    imports = [r for r in _list(prov.get("imports")) if isinstance(r, Mapping)]
    doc.subsection("Imported usage files")
    if imports:
        draw_table(doc, [{"id": r.get("id"), "file name": r.get("file_name"), "format": r.get("format"),
                          "first day": r.get("first_day"), "last day": r.get("last_day"), "rows": r.get("rows"),
                          "SHA-256 (first 12)": str(r.get("sha256") or "")[:12]} for r in imports],
                   kinds={"id": "count"})
    else:
        doc.paragraph("No usage files are recorded with this proposal.")
    extra = charts.others()
    if extra:
        doc.subsection("Further charts")
        for key in extra:
            charts.draw(doc, key)


def disclaimer(doc: ReportPDF, p: Mapping, charts, title: str) -> None:
    inputs = _map(p.get("inputs"))
    doc.section(title, keep_with=45)
    doc.paragraph(
        "This proposal is decision support for the company's own budgeting. It is not investment advice, not an "
        "offer or solicitation to trade, and not an accounting or tax opinion; take professional advice before "
        "designating any hedge.")
    doc.paragraph(
        "The futures contracts in this proposal are hypothetical: exchanges are designing compute futures, but none "
        "has published specifications, so lot sizes, ticks, margins and fees are this application's assumptions. "
        "Prices are model prices, not quotes.")
    doc.paragraph(
        f"Every number is a Monte Carlo simulation of the stated models ({count(inputs.get('paths'))} paths, seed "
        f"{doc.clean(inputs.get('seed'), 20)}) on the data listed in section 10. Outcomes outside the simulated "
        "range, model error and changes in the company's usage are not covered.")
    doc.set_font(FAMILY, "", 8)
    doc.set_text_color(*GREY)
    doc.multi_cell(0, 4, f"{doc.label}, application version {doc.clean(p.get('app_version') or 'not stated', 40)}.",
                   new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    doc.set_text_color(*INK)


__all__ = ["executive_summary", "exposure_profile", "forecast", "program", "before_after", "stress", "liquidity",
           "basis_risk", "hedge_accounting", "methodology", "disclaimer"]
