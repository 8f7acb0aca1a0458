"""Scenario comparison: saved proposals and unsaved variants (runs of other settings) side by side.

A saved proposal is read as it was frozen (its inputs, its headline and the sample of paths its
distribution chart keeps); an unsaved variant is a run the caller built from settings held in its
session, described the same way (:func:`variant_document`). The table is
:func:`hedging.service.proposal.compare_documents`; the chart overlays the distributions.
"""

from __future__ import annotations

import base64
import json

import numpy as np

from hedging import fmt
from hedging.report import compare_charts as compare_charts_module
from hedging.service.proposal import FIGURE_PATHS, run_inputs
from hedging.service.run import Run
from hedging.service.spec import POLICY_SHORT


def variant_document(run: Run, label: str) -> dict:
    """An unsaved variant described as a proposal describes itself: inputs, headline, and the same
    sample of paths a saved proposal keeps for its distribution (so the two compare like for like)."""
    r = run.result
    keep = np.random.default_rng(0).choice(r.unhedged.shape[0], size=min(FIGURE_PATHS, r.unhedged.shape[0]),
                                           replace=False)
    return {"id": label, "inputs": run_inputs(run), "headline": run.headline(),
            "paths": (r.unhedged[keep].sum(axis=1), r.hedged[keep].sum(axis=1))}


def variant_label(run: Run, number: int) -> str:
    """"Variant 2: layered by tenor, budget $5,350,000" (what sets it apart, in a few words)."""
    s = run.spec
    return f"Variant {number}: {POLICY_SHORT[s.policy.name]}, budget {fmt.money(run.budget)}"


def document_paths(doc: dict) -> tuple[np.ndarray, np.ndarray] | None:
    """Total spend per path over the horizon, unhedged and hedged: a variant's own sample, or the
    one a saved proposal's distribution chart froze; None when the document kept none."""
    if "paths" in doc:
        return doc["paths"]
    stored = (doc.get("figures") or {}).get("distribution")
    if not stored:
        return None
    traces = {t.get("name"): t.get("x") for t in json.loads(stored).get("data", [])}
    out = [_values(traces.get(name)) for name in ("unhedged", "hedged")]
    return None if any(v is None or v.size < 2 for v in out) else (out[0], out[1])


def _values(x) -> np.ndarray | None:
    """A plotly array as saved: a list, or ``{"dtype", "bdata"}`` (base64, as plotly 6 writes numpy arrays)."""
    if isinstance(x, list):
        return np.asarray(x, dtype=float)
    if isinstance(x, dict) and "bdata" in x:
        return np.frombuffer(base64.b64decode(x["bdata"]), dtype=np.dtype(x.get("dtype", "f8"))).astype(float)
    return None


def scenario_figure(docs: list[tuple[str, dict]]):
    """The distribution overlay of the scenarios that kept paths (a proposal saved without its chart is left out)."""
    items = [(label, *paths) for label, doc in docs if (paths := document_paths(doc)) is not None]
    months = {int(doc["inputs"].get("horizon", 0)) for _, doc in docs}
    span = f"{months.pop()} months" if len(months) == 1 else "each scenario's horizon"
    return compare_charts_module.scenario_distributions(items, f"Total spend over {span}: unhedged (dotted) and hedged")



def compare_charts():
    """The comparison and sensitivity charts (pages draw them through the service layer)."""
    return compare_charts_module
