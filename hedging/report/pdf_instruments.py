"""PDF parts for natural hedges, the instrument book and the hedge regret; each draws what the saved
payload holds and skips silently for documents saved before the part existed."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from .pdf_layout import GREY, ReportPDF
from .pdf_tables import draw_table, money


def _map(value: object) -> Mapping:
    return value if isinstance(value, Mapping) else {}


def _list(value: object) -> list:
    return list(value) if isinstance(value, Sequence) and not isinstance(value, (str, bytes)) else []


def natural_hedges(doc: ReportPDF, p: Mapping) -> None:
    """Contracted prices and commitments netted from the exposure before the hedge was sized."""
    t = _map(p.get("tables"))
    if "natural" not in t:
        return
    rows = _list(t.get("natural"))
    doc.subsection("Natural hedges: contracted prices and commitments", keep_with=30)
    if not rows:
        doc.paragraph("None entered: all of the exposure above floats with the market price.", size=8.5)
        return
    doc.paragraph("What the company has already fixed is netted first; the hedge was sized on the volume whose price "
                  "still floats (the price-exposed volume). Expected amounts over the horizon, on the simulated "
                  "paths.", size=8.5)
    draw_table(doc, _list(t.get("natural_summary")),
               kinds={"share at fixed prices": "share", "expected volume, horizon": "count",
                      "at fixed prices": "count", "price-exposed volume, horizon": "count",
                      "reserved and unused": "count"})
    columns = ["underlying", "provider", "kind", "period", "terms", "volume at a fixed price, horizon", "unit",
               "paid at fixed prices (USD)", "discount saved (USD)", "paid from prepaid credits (USD)"]
    draw_table(doc, rows, columns=columns, kinds={"volume at a fixed price, horizon": "count"})
    doc.bullets([f"{r.get('kind')} ({r.get('provider')}, {r.get('period')}): {r.get('effect on price risk')}"
                 + (f". Label: {r.get('label')}" if r.get("label") not in (None, "", "—") else "")
                 for r in rows if isinstance(r, Mapping)], size=8.5)


def instruments_and_regret(doc: ReportPDF, p: Mapping) -> None:
    """The instrument book beside futures, the swap's counterparty and credit terms, and the regret table."""
    t, st = _map(p.get("tables")), _map(p.get("statements"))
    if "instruments" not in t:
        return
    doc.subsection("Instruments beside futures, on the same volume", keep_with=50)
    if st.get("instruments"):
        doc.paragraph(str(st.get("instruments")), size=8.5)
    rows = _list(t.get("instruments"))
    columns = ["instrument", "volatility reduction", "expected cost (USD)", "premium today (USD)", "fees (USD)",
               "margin or cash needed (USD)", "95th pct spend after (USD)", "CVaR 95% after (USD)"]
    draw_table(doc, rows, columns=columns, kinds={"volatility reduction": "share"})
    terms = [f"{r.get('instrument')}: {r.get('terms')}" for r in rows if isinstance(r, Mapping) and r.get("terms")]
    if terms:
        doc.paragraph("Terms", size=8.5, bold=True)
        doc.bullets(terms, size=8.5)
    credit = _list(t.get("instrument_credit"))
    if credit:
        doc.subsection("Counterparty and credit", keep_with=30)
        swap = next((r for r in rows if isinstance(r, Mapping) and "swap" in str(r.get("instrument", "")).lower()), None)
        if st.get("swap_credit"):
            doc.paragraph(str(st.get("swap_credit")), size=8.5)
        if swap is not None:
            doc.paragraph(f"Credit exposure to budget for the swap: {money(swap.get('margin or cash needed (USD)'))}, "
                          "the 95th percentile of the net payments owed to the dealer over the horizon (what a Credit "
                          "Support Annex would call as collateral).", size=8.5)
        doc.bullets([f"{r.get('instrument')}: {r.get('venue')}. {r.get('credit')}" for r in credit
                     if isinstance(r, Mapping) and not (st.get("swap_credit") and "swap" in str(r.get("instrument")).lower()
                                                        and "futures" not in str(r.get("instrument")).lower())],
                    size=8.5)
    regret = _list(t.get("regret"))
    if regret:
        doc.subsection("Hedge regret: the same hedges when prices fall or rise", keep_with=40)
        draw_table(doc, regret)
        doc.paragraph("USD over the horizon. The unhedged column is expected spend; each hedge column is its change "
                      "to expected spend against unhedged: negative is protection bought, positive the cost of "
                      "certainty. Terms stay as bought on the as-of date. A cap's regret is limited to its premium; "
                      "a swap, futures and a collar give up savings when prices fall. Where unhedged spend rises when the "
                      "index falls, the company's price moves against the index (see the basis slope in the exposure profile).",
                      size=8.5, color=GREY)
