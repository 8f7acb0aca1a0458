"""The PDF's table of candidate indices: each index's basis fit and simulated hedge effectiveness,
which one the proposal hedges on, and why."""

from __future__ import annotations

from collections.abc import Mapping

from hedging import fmt

from .pdf_layout import GREY, ReportPDF
from .pdf_tables import draw_table

LABELS = {"token": "AI token price", "gpu": "GPU rental price"}


def _rows(block: Mapping) -> list[dict]:
    rows = []
    for i, r in enumerate(block.get("rows") or []):
        if not isinstance(r, Mapping):
            continue
        ok = bool(r.get("available"))
        se = r.get("std_error")
        rows.append({
            "rank": str(i + 1) if ok else "—",
            "index": str(r.get("index") or ""),
            "used": "✓" if r.get("chosen") else "",
            "effectiveness": (fmt.share(r.get("effectiveness")) + (f" ± {fmt.share(se)}" if se is not None else ""))
            if ok else "—",
            "R²": fmt.ratio(r.get("r_squared")) if ok else "—",
            "slope": fmt.ratio(r.get("slope")) if ok else "—",
            "residual vol / yr": fmt.share(r.get("residual_vol")) if ok else "—",
            "note": str(r.get("note") or ""),
        })
    return rows


def candidate_indices(doc: ReportPDF, tables: Mapping) -> None:
    """Draw one table per underlying from ``tables["index_candidates"]`` (nothing when absent)."""
    blocks = tables.get("index_candidates")
    if not isinstance(blocks, Mapping) or not blocks:
        return
    doc.subsection("Candidate indices: which index the hedge settles on")
    for key, block in blocks.items():
        if not isinstance(block, Mapping):
            continue
        doc.paragraph(f"{LABELS.get(key, key)}. {block.get('sentence') or ''} {block.get('why_chosen') or ''}",
                      size=9)
        draw_table(doc, _rows(block), columns=["index", "rank", "used", "effectiveness", "R²", "slope",
                                               "residual vol / yr", "note"], notes_title="Notes")
        sources = [f"{r.get('index')}: {r.get('source')}" for r in block.get("rows") or []
                   if isinstance(r, Mapping) and r.get("source")]
        if sources:
            doc.paragraph("Sources. " + "; ".join(sources) + ".", size=8.5, color=GREY)
    first = next(iter(blocks.values()), {})
    doc.paragraph(f"Effectiveness: the share of the variance of the {first.get('horizon', 12)}-month spend a "
                  "minimum-variance long hedge on the index removes, simulated on "
                  f"{fmt.count(first.get('paths'))} paths (seed {first.get('seed')}) with volume held at its recent "
                  "level (price and basis risk only), ± one standard error. Slope, R² and residual volatility come "
                  "from the log-log regression of the company's monthly price on the index. The simulated figure can exceed R²: "
                  "the index moves as the price model says (for the built-in, constructed histories the paper's "
                  "parameters, more volatile than the histories), so index moves weigh more against the basis residual "
                  "than they did in the fitted months.", size=8.5, color=GREY)
