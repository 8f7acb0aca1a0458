"""Proposals: freeze a hedge program with everything it depends on, reopen it exactly, compare two.

A proposal is one JSON document: the inputs, the provenance (imports with their file hashes, the
index histories, model parameters, contract specs), every table and statement the proposal shows,
and the plotly figures as JSON. Reopening renders the document; nothing is recomputed, so a saved
proposal never changes even when the data, the index or the app do.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import math
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable
from functools import partial

import numpy as np
import pandas as pd

import hedging
from hedging import fmt, store
from hedging.config import Settings
from hedging.contracts import load_specs
from hedging.errors import HedgingError, InputError
from hedging.report import charts
from hedging.service import access, audit, lifecycle
from hedging.service import advice as advice_service
from hedging.service import decision as decision_service
from hedging.service import disclosure
from hedging.service import market as market_service
from hedging.service.candidates import candidate_records
from hedging.service.forecast import monthly_table
from hedging.service.hedge import dropped_table, exposure_table, ratio_table, schedule_table
from hedging.service.outcome import metrics_table
from hedging.service.proposal_extras import proposal_parts
from hedging.service.run import Run
from hedging.service.spec import POLICIES, POLICY_SHORT
from hedging.service.stress import paper_reproduction
from hedging.service.usage import default_settings, list_imports
from hedging.store import audit as audit_store
from hedging.store import proposals as proposal_store
from hedging.store import signing

FIGURE_PATHS = 3000
#: The version of the proposal document this release writes. 1: documents saved before versions
#: were recorded (no ``schema_version`` key); 2: the same sections, with ``schema_version``.
#: Documents of every version up to this one open and print; a newer one is refused.
DOCUMENT_VERSION = 2
POLICY_NAMES = {"min_variance": "minimum-variance programme", "min_cvar": "minimum-CVaR programme",
                "layered": "layered programme", "min_cvar_caps": "minimum-CVaR programme over futures and caps",
                "cap_tail": "least-premium caps programme"}  # paths kept in the distribution figure (the figure shows shares, not single paths)


def _clean(value):
    """JSON-friendly scalars: numpy to Python, NaN to None, dates to ISO text."""
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating, float)):
        return None if not math.isfinite(float(value)) else float(value)
    if isinstance(value, (pd.Timestamp, dt.datetime, dt.date)):
        return value.isoformat()[:10] if not isinstance(value, dt.datetime) or isinstance(value, pd.Timestamp) \
            else value.isoformat()
    return value


def _records(frame: pd.DataFrame) -> list[dict]:
    return _clean(frame.to_dict("records"))


def basis_statement(part) -> str:
    """Plain words for a CFO on what an index hedge can and cannot remove for one underlying."""
    b = part.basis
    r2 = b.r_squared if b.r_squared == b.r_squared else 0.0
    direction = ("moved with" if b.slope > 0.2 else "barely followed" if b.slope > -0.2 else "moved against")
    return (f"{part.label}: the company's effective price {direction} the {part.index_name.split(' (')[0]} "
            f"(log-log slope {b.slope:.2f}, R² {r2:.2f} over {b.n} months, residual volatility "
            f"{b.annual_residual_vol:.0%} a year). A futures hedge on this index can remove at most about {max(r2, 0):.0%} "
            "of the price variance; the rest is basis risk, and volume risk is not hedged by price at all.")


#: The charts of a proposal by the run they were drawn from: proposals saved from the same run (several
#: users at once, or one user saving twice) draw them once.
_FIGURES: "weakref.WeakKeyDictionary[Run, dict[str, str]]" = weakref.WeakKeyDictionary()
_FIGURES_LOCK = threading.Lock()


def run_figures(run: Run) -> dict[str, str]:
    """The proposal's charts of ``run`` as plotly JSON, by name. Drawn under a lock, so that sessions
    saving proposals of one run at the same moment wait for one drawing instead of repeating it."""
    with _FIGURES_LOCK:
        if run in _FIGURES:
            return _FIGURES[run]
        view, result, outcome, budget = run.forecast, run.result, run.outcome, run.budget
        parts = view.underlyings
        drawn = {k: f.to_json() for k, f in _draw_figures(run, view, result, outcome, budget, parts).items()}
        _FIGURES[run] = drawn
        return drawn


def _draw_figures(run: Run, view, result, outcome, budget, parts) -> dict:
    rng = np.random.default_rng(0)
    keep = rng.choice(result.unhedged.shape[0], size=min(FIGURE_PATHS, result.unhedged.shape[0]), replace=False)
    figures = {
        "spend_fan": charts.spend_fan(view.history_months, view.history_spend, view.estimate_months.append(view.future),
                                      np.hstack([view.estimate_spend, view.total_spend]), budget / 12,
                                      "AI compute spend: actual, estimated and simulated",
                                      estimated=len(view.estimate_months), budget_months=view.fiscal_months),
        "hedge_ratios": charts.hedge_ratio_bars(disclosure.ratios_by_name(result, view)),
        "distribution": charts.distribution_overlay(result.unhedged[keep].sum(axis=1), result.hedged[keep].sum(axis=1),
                                                    None, f"Total spend over {view.horizon} months"),
        "fan_compare": charts.fan_compare(view.future, result.unhedged, result.hedged, "Monthly spend, 5–95%"),
        "margin": charts.margin_chart(outcome.liquidity.initial_margin),
    }
    for key, part in parts.items():
        figures[f"volume_{key}"] = charts.volume_fan(part.months, part.volume, part.steps, part.volume_mean,
                                                     part.volume_bands, part.unit, f"{part.label}: volume ({part.unit})")
        figures[f"basis_{key}"] = charts.basis_scatter(part.index_at_months, part.unit_price, part.months,
                                                       part.basis.slope, part.basis.intercept, "USD", "USD",
                                                       f"Basis: company price vs {part.index_name.split(' (')[0]}")
    return figures


def run_inputs(run: Run) -> dict:
    """The inputs of ``run`` as a proposal records them (and the comparison shows them)."""
    view, policy = run.forecast, run.result.policy
    return {"as_of": run.spec.as_of.isoformat(), "policy": policy.name, "policy_label": POLICIES[policy.name],
            "horizon": view.horizon, "paths": view.n_paths, "seed": view.seed, "rho": view.rho,
            "budget_annual": run.budget, "fiscal_year": run.spec.fiscal_name(),
            "price_changes": [c.label() for c in run.spec.price_changes],
            "volume_percentile": policy.volume_percentile, "position_limit": policy.position_limit,
            "margin_budget": policy.margin_budget, "min_notional": policy.min_notional,
            "excluded": list(policy.excluded), "bands": [list(b) for b in policy.bands]}


def build_payload(name: str, company: str, run: Run, settings: Settings) -> dict:
    """The frozen document of a proposal (see the module docstring)."""
    view, result, outcome, budget = run.forecast, run.result, run.outcome, run.budget
    policy = result.policy
    specs = load_specs()
    parts = view.underlyings
    h, u = outcome.hedged, outcome.unhedged
    margin_peak = float(outcome.liquidity.initial_margin["initial margin"].max())
    verb = "lowers" if outcome.sd_reduction >= 0 else "raises"
    summary = (f"The {POLICY_NAMES[policy.name]} of {len(result.program.trades)} long futures trades {verb} the standard "
               f"deviation of the next {view.horizon} months' AI compute spend by {fmt.share(abs(outcome.sd_reduction))} "
               f"(from {fmt.money(u.std)} to {fmt.money(h.std)}) for an expected cost of {fmt.money(h.mean - u.mean)}, "
               f"and needs up to {fmt.money(margin_peak + outcome.liquidity.peak_variation_margin_p95)} of margin cash "
               "(peak initial margin plus the 95th-percentile variation margin).")
    monthly = monthly_table(view)
    figures = run_figures(run)
    e = outcome.effectiveness
    history = {k: {"sd_unhedged": hb.sd_unhedged, "sd_hedged": hb.sd_hedged, "total_unhedged": hb.total_unhedged,
                   "total_hedged": hb.total_hedged, "months": len(months)}
               for k, (months, hb) in (outcome.history or {}).items()}
    payload = {
        "schema_version": DOCUMENT_VERSION,
        "name": name, "company": company, "created_at": dt.datetime.now(dt.timezone.utc).isoformat(),
        "app_version": hedging.__version__,
        "spec": run.spec.to_dict(),
        "spec_line": run.spec_line(),
        "inputs": run_inputs(run),
        "data": {k: {"last_complete_month": p.last_complete_month.strftime("%Y-%m"),
                     "last_day": p.last_day.strftime("%Y-%m-%d"),
                     "estimated_months": [m.strftime("%Y-%m") for m in p.bridge],
                     "index_last_observed": p.market.valuation.isoformat(), "index_age_days": p.market.age_days}
                 for k, p in parts.items()},
        "provenance": {
            "imports": [{"id": i.id, "file_name": i.file_name, "sha256": i.sha256, "format": i.format,
                         "first_day": i.first_day, "last_day": i.last_day, "rows": i.rows_stored}
                        for i in list_imports(settings)],
            "indices": [{"underlying": k, "name": p.index_name,
                         "unit": market_service.UNDERLYINGS[k].unit,
                         "illustrative": p.market.data.illustrative,
                         "valuation_date": p.valuation_date, "spot": p.spot,
                         "points": int(np.isfinite(p.index_at_months).sum())}
                        for k, p in parts.items()],
            "index_history": {k: [[m, v] for m, v in zip(p.months.strftime("%Y-%m"), p.index_at_months)]
                              for k, p in parts.items()},
            "models": [{"underlying": k, "label": getattr(p.simulation.model, "label", ""),
                        "parameters": {f.name: getattr(p.simulation.model, f.name)
                                       for f in dataclasses.fields(p.simulation.model) if f.name != "label"}}
                       for k, p in parts.items()],
            "contracts": [{"root": s.root, "name": s.name, "lot": f"{s.lot_size:g} {s.unit}", "tick": s.tick,
                           "fee_per_lot": s.fee_per_lot, "assumption_note": s.assumption_note} for s in specs.values()],
        },
        "headline": {**run.headline(), "summary": summary},
        "tables": {"exposure": _records(exposure_table(view, policy)), "schedule": _records(schedule_table(result, view)),
                   "ratios": _records(disclosure.ratios_by_name(result, view)),
                   "disclosure": _records(disclosure.run_disclosure(run)),
                   "metrics": _records(metrics_table(outcome, run.spec.fiscal_name())),
                   "monthly_budget": _records(monthly), "stress": _records(outcome.stress) if outcome.stress is not None else [],
                   "backtest_scores": {k: _records(p.scores) for k, p in parts.items()}, "history": history,
                   "remaining": [] if outcome.remaining is None else _records(outcome.remaining.table()),
                   "dropped": _records(dropped_table(result, view))},
        "statements": {
            "basis": " ".join(basis_statement(p) for p in parts.values()),
            "effectiveness": None if e is None else {"slope": e.slope, "r_squared": e.r_squared,
                                                     "dollar_offset": e.dollar_offset, "passes": e.passes,
                                                     "explanation": e.explanation, "ifrs9_note": e.ifrs9_note},
            "paper_check": paper_reproduction().explanation(),
            "remaining": None if outcome.remaining is None else outcome.remaining.sentence(),
            "methodology": METHODOLOGY,
            "assumptions": [s.assumption_note for s in specs.values()] + [
                f"Volume shocks are correlated {view.rho:g} with index shocks; token and GPU markets are independent.",
                f"No more lots than the {policy.volume_percentile:g}th percentile of forecast volume; position limit "
                f"{policy.position_limit:,} lots per contract."],
            "data_sources": DATA_SOURCES,
            "warnings": [w.message for w in run.warnings],
            "advice": [a.to_dict() for a in advice_service.advice_list(run.warnings)],
        },
        "decision": decision_service.decision_summary(run).to_dict(),
        "figures": dict(figures),
    }
    if outcome.remaining is not None:
        payload["figures"]["remaining"] = charts.remaining_bars(outcome.remaining.table()).to_json()
    payload["tables"]["index_candidates"] = candidate_records(run, settings)
    extra_tables, extra_statements = proposal_parts(run)   # natural hedges, instruments, hedge regret
    payload["tables"].update(extra_tables)
    payload["statements"].update(extra_statements)
    return _clean(payload)


METHODOLOGY = [
    "Usage exports are imported as canonical daily rows (uncached input, cache reads and writes, output tokens, "
    "GPU-hours, cost in USD); each provider-day's cost and tokens are counted once across overlapping exports.",
    "Volume is forecast per underlying by statistical models (ETS, Theta, seasonal ARIMA, STL and simpler trends); "
    "the three with the lowest MASE in a rolling-origin backtest are combined, and the 80% and 95% bands are set per "
    "horizon band (1-3, 4-6, 7-12 months) from that backtest's own errors (conformal calibration).",
    "Index prices follow the mean-reverting jump diffusion of arXiv 2603.21690 (eqs. 11-12); futures prices are its "
    "closed-form conditional expectation, checked against Monte Carlo.",
    "The company's unit price follows its index through a fitted log-log basis with an AR(1) residual; spend = "
    "volume x unit price on every simulated path; the hedge's settlement comes from the same paths.",
    "Programs: minimum variance per month, minimum CVaR of total spend (Rockafellar-Uryasev, integer lots), or "
    "layered ratios by tenor; lots are whole, fees and half spreads are costs.",
]
DATA_SOURCES = [
    "Company usage: the imports listed below, identified by file name and SHA-256.",
    "Dated LLM list prices: sample_data/list_prices.csv, each row citing its public evidence.",
    "Token price index: built in this app from the list prices by the paper's TPI method (illustrative).",
    "H100 rental index: illustrative, interpolated between cited public anchor points (neocloud on-demand).",
    "FOCUS column layouts: FinOps Open Cost and Usage Specification, CC BY 4.0.",
]


def save_proposal(run: Run, name: str, company: str = "", settings: Settings | None = None, *,
                  actor: str | None = None) -> int:
    """Freeze ``run`` (the one on screen) as a proposal; nothing is recomputed. Returns its id.
    Recorded in the audit trail as saved by ``actor`` (default: the local user), in the same
    transaction."""
    settings = settings or default_settings()
    me = access.authorize(settings, access.BUILD)
    name, company = name.strip(), company.strip()
    if not name:
        raise InputError("the proposal needs a name.", column="name", fix="e.g. 'FY27 compute hedge'.")
    payload = build_payload(name, company or "(company not named)", run, settings)
    key = signing_key(settings)
    with audit.audited(settings) as conn:
        new_id = proposal_store.save_proposal(conn, name, company, hedging.__version__, payload, key=key,
                                              workspace_id=me.workspace_id)
        label, fingerprint = audit_store.proposal_target(conn, new_id, me.workspace_id)
        who = access.audit_name(settings, actor)
        audit.record(conn, who, audit.PROPOSAL_SAVE, "proposal", new_id, label, fingerprint,
                     f"company {company or '(not named)'}; {run.spec_line()}", workspace_id=me.workspace_id)
        lifecycle.record_draft(conn, new_id, me.workspace_id, audit.who(who), fingerprint)
    return new_id


def signing_key(settings: Settings | None = None) -> signing.SigningKey:
    """This installation's proposal signing key: the file named by ``$HEDGING_SIGNING_KEY_FILE``,
    else ``signing.key`` in the data directory, created (mode 0600) on first use."""
    settings = settings or default_settings()
    return signing.load_or_create_key(signing.key_path(settings.data_dir))


def list_proposals(settings: Settings | None = None) -> list[dict]:
    """Every saved proposal, each checked against its signature: ``signature`` is "signed",
    "unsigned (saved before signatures)", or ``None`` for one that fails (``problem`` says why;
    it cannot be opened)."""
    settings = settings or default_settings()
    me = access.authorize(settings, access.READ)
    engine = store.get_engine(settings.database_url)
    items = proposal_store.list_proposals(engine, key=signing_key(settings), workspace_id=me.workspace_id)
    states = lifecycle.states(engine, [p["id"] for p in items])
    return [p | {"status": states[p["id"]].status} for p in items]


def load_proposal(proposal_id: int, settings: Settings | None = None) -> dict:
    """The saved document, after its signature and fingerprint are checked (a record changed
    outside the app is refused with a message saying so)."""
    settings = settings or default_settings()
    me = access.authorize(settings, access.READ)
    payload = proposal_store.load_proposal(store.get_engine(settings.database_url), proposal_id,
                                           key=signing_key(settings), workspace_id=me.workspace_id)
    state = lifecycle.states(store.get_engine(settings.database_url), [proposal_id], signing_key(settings))[proposal_id]
    payload["approval"] = state.approval_block(payload["fingerprint"])
    from hedging.service import hedge_policy   # the policy in force now, not frozen with the document
    payload["policy_check"] = hedge_policy.check_document(
        payload, hedge_policy.in_force_on(store.get_engine(settings.database_url), me.workspace_id)).to_dict()
    version = payload.get("schema_version")
    if not isinstance(version, int) or version > DOCUMENT_VERSION:
        raise InputError(f"proposal #{proposal_id} was saved by a newer release of hedging (document version "
                         f"{version}; this release reads up to {DOCUMENT_VERSION}).",
                         fix="open it with the release that saved it, or upgrade hedging.")
    return payload


def delete_proposal(proposal_id: int, settings: Settings | None = None, *, actor: str | None = None) -> None:
    """Delete a proposal (one that fails its checks too), recorded in the audit trail as done by
    ``actor`` in the same transaction."""
    settings = settings or default_settings()
    me = access.authorize(settings, access.DELETE_PROPOSAL)
    with audit.audited(settings) as conn:
        label, fingerprint = audit_store.proposal_target(conn, proposal_id, me.workspace_id)
        lifecycle.check_deletable(conn, proposal_id)
        proposal_store.delete_proposal(conn, proposal_id, me.workspace_id)
        audit.record(conn, access.audit_name(settings, actor), audit.PROPOSAL_DELETE, "proposal", proposal_id, label,
                     fingerprint, workspace_id=me.workspace_id)


def _listed(v) -> str:
    return ", ".join(str(x) for x in v) if v else "none"


def _bands(v) -> str:
    return " / ".join(f"{fmt.share(r, 0)} to month {last}" for last, r in v) if v else fmt.DASH


#: A policy's short name by its long label (the comparison's columns stay readable at 1024 px).
_POLICY_BY_LABEL = {label: POLICY_SHORT[key] for key, label in POLICIES.items()}

#: What the comparison shows, in order: key -> (label, format of a value, format of a difference or None).
COMPARED = {
    "inputs": {
        "as_of": ("As of", fmt.date, None), "policy_label": ("Policy", lambda v: _POLICY_BY_LABEL.get(v, str(v)), None),
        "horizon": ("Horizon (months)", fmt.count, partial(fmt.count, signed=True)),
        "fiscal_year": ("Fiscal year", str, None), "budget_annual": ("Annual budget", fmt.money, fmt.money_change),
        "paths": ("Simulated paths", fmt.count, partial(fmt.count, signed=True)), "seed": ("Seed", str, None),
        "rho": ("Volume-price correlation", fmt.ratio, fmt.ratio_change),
        "price_changes": ("Announced price changes", _listed, None),
        "volume_percentile": ("Cap: percentile of forecast volume", partial(fmt.number, decimals=0),
                              partial(fmt.number, decimals=0, signed=True)),
        "position_limit": ("Position limit (lots per contract)", fmt.count, partial(fmt.count, signed=True)),
        "margin_budget": ("Margin budget", lambda v: fmt.money(v) if v else "none", fmt.money_change),
        "min_notional": ("Materiality threshold (notional)", lambda v: fmt.money(v) if v else "none",
                         fmt.money_change),
        "excluded": ("Left unhedged", _listed, None), "bands": ("Layered ratios by tenor", _bands, None),
    },
    "headline": {
        "expected_spend": ("Expected spend, horizon", fmt.money, fmt.money_change),
        "sd_before": ("Standard deviation, unhedged", fmt.money, fmt.money_change),
        "sd_after": ("Standard deviation, hedged", fmt.money, fmt.money_change),
        "volatility_reduction": ("Volatility reduction", fmt.share, fmt.points),
        "variance_reduction": ("Variance reduction", fmt.share, fmt.points),
        "program_cost": ("Program cost (fees and half spreads)", fmt.money, fmt.money_change),
        "expected_cost_of_hedging": ("Expected cost of hedging", fmt.money, fmt.money_change),
        "fiscal_expected_spend": ("Expected spend, fiscal year", fmt.money, fmt.money_change),
        "budget_compared": ("Budget compared (months covered)", fmt.money, fmt.money_change),
        "fiscal_months_covered": ("Fiscal months covered", fmt.count, partial(fmt.count, signed=True)),
        "bar_before": ("Budget at risk, unhedged", fmt.money, fmt.money_change),
        "bar_after": ("Budget at risk, hedged", fmt.money, fmt.money_change),
        "prob_over_before": ("P(spend > budget), unhedged", fmt.share, fmt.points),
        "prob_over_after": ("P(spend > budget), hedged", fmt.share, fmt.points),
        "initial_margin_peak": ("Initial margin, peak", fmt.money, fmt.money_change),
        "vm_p95": ("Variation margin, 95th percentile", fmt.money, fmt.money_change),
        "margin_needed": ("Margin cash needed", fmt.money, fmt.money_change),
        "trades": ("Trades", fmt.count, partial(fmt.count, signed=True)),
        "lots": ("Lots", fmt.count, partial(fmt.count, signed=True)),
        "run_rate_monthly": ("Latest monthly spend (run-rate)", fmt.money, fmt.money_change),
    },
}
SECTION_NAMES = {"inputs": "inputs", "headline": "results"}


def compare_proposals(a: dict, b: dict) -> pd.DataFrame:
    """Two saved proposals side by side (:func:`compare_documents`), the difference b - a in one column."""
    return compare_documents([(f"#{a['id']}", a), (f"#{b['id']}", b)]).rename(
        columns={difference_column(f"#{b['id']}", f"#{a['id']}"): "difference"})


#: At most this many scenarios are compared side by side (a table and a chart still readable at 1024 px).
MAX_COMPARED = 4


def difference_column(label: str, first: str) -> str:
    return f"{label} − {first}"


def compare_documents(docs: list[tuple[str, dict]]) -> pd.DataFrame:
    """Inputs and headline results of up to :data:`MAX_COMPARED` scenarios (saved proposals or unsaved
    variants, each a document with ``inputs`` and ``headline`` sections) side by side in plain words,
    each in the product's number format, with each later scenario's signed difference against the
    first where it is a number; ``same`` says whether every scenario agrees. Keys not listed in
    :data:`COMPARED` (a newer document's) follow with their names in words."""
    if not 2 <= len(docs) <= MAX_COMPARED:
        raise InputError(f"compare between 2 and {MAX_COMPARED} scenarios ({len(docs)} chosen).", column="scenarios",
                         value=len(docs), fix=f"choose 2 to {MAX_COMPARED} proposals or variants.")
    labels = [label for label, _ in docs]
    if len(set(labels)) != len(labels):
        raise InputError("two scenarios have the same name.", column="scenarios", value=", ".join(labels),
                         fix="give each variant its own name.")
    (first, a), rest = docs[0], docs[1:]
    rows = []
    for section, known in COMPARED.items():
        present = set().union(*(d[section] for _, d in docs))
        keys = [k for k in known if k in present]
        keys += sorted(k for k in present
                       if k not in known and k not in ("summary", "horizon_months", "fiscal_year", "budget", "policy"))
        for key in keys:
            label, shown, change = known.get(key, (key.replace("_", " ").capitalize(), _plain, None))
            values = [d[section].get(key) for _, d in docs]
            row = {"": label}
            row.update({name: fmt.DASH if v is None else shown(v) for name, v in zip(labels, values)})
            va = values[0]
            for (name, _), vb in zip(rest, values[1:]):
                numeric = all(fmt.as_number(v) is not None and not isinstance(v, str) for v in (va, vb))
                row[difference_column(name, first)] = (
                    (change or partial(fmt.number, decimals=2, signed=True))(vb - va) if numeric and va != vb else "")
            row.update({"same": all(v == va for v in values[1:]), "section": SECTION_NAMES[section]})
            rows.append(row)
    return pd.DataFrame(rows)


def _plain(v) -> str:
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, (list, tuple)):
        return _listed(v)
    return fmt.number(v, 2) if isinstance(v, float) else str(v)


def proposal_pdf(proposal_id: int, settings: Settings | None = None, fingerprint: str | None = None,
                 progress: Callable[[float, str], None] | None = None) -> bytes:
    """The board-ready PDF of a saved proposal, rendered from its frozen document. With
    ``fingerprint``, the document stored under ``proposal_id`` must be that one (callers that cache
    by content pass it, so a PDF is never served for another document). ``progress(fraction, text)``
    hears each step: reading the document, drawing its charts, laying out the pages."""
    from hedging.service.pdf_worker import build_pdf, warm  # laid out in a worker process

    warm()  # the worker starts while the charts are drawn
    say = progress or (lambda fraction, text: None)
    say(0.0, f"Reading proposal #{proposal_id} as it was saved")
    payload = load_proposal(proposal_id, settings)
    if fingerprint is not None and payload.get("fingerprint") != fingerprint:
        raise InputError(f"proposal #{proposal_id} is no longer the document that was opened.",
                         fix="reopen the proposal from the list and download again.")
    from hedging.service.designation import memo_for

    payload["memo"] = memo_for(payload, settings)   # section 13: the designation memo, as it stands today
    figures = payload.get("figures") if isinstance(payload.get("figures"), dict) else {}
    say(0.1, f"Drawing its {len(figures)} charts (headless Chromium; charts already drawn for another proposal "
             "are reused)")
    images, problems = chart_images(figures)
    say(0.6, "Laying out the pages")
    try:  # a chart that failed is drawn again inside build_pdf, which then prints why it is missing
        return build_pdf(payload, images=None if problems else images)
    except (ValueError, TypeError, KeyError, RuntimeError) as err:
        raise HedgingError(f"the PDF of proposal #{proposal_id} could not be laid out ({type(err).__name__}: "
                           f"{str(err)[:200]}). Fix: the trade schedule (CSV) still downloads; report this "
                           "proposal number to the person who maintains the app.") from err


#: PNGs of stored charts by their content (chart name and figure JSON): proposals saved from the same
#: run share every chart, so eight users downloading eight such proposals draw them once.
_IMAGES: OrderedDict[str, bytes] = OrderedDict()
_IMAGES_LOCK = threading.Lock()
IMAGE_CACHE_ENTRIES = 64


def chart_images(figures: dict) -> tuple[dict[str, bytes], dict[str, str]]:
    """PNG bytes by chart name, and the reason for each chart that could not be drawn. Charts drawn
    before (same name, same stored figure) come from memory; the rest are drawn in one batch. The
    lock is held while drawing: the renderer draws one chart at a time anyway, and a caller waiting
    for the same charts then finds them drawn instead of drawing them again."""
    from hedging.report.pdf_figures import render_all

    keys = {name: hashlib.sha256(f"{name}\n{stored}".encode()).hexdigest() for name, stored in figures.items()}
    with _IMAGES_LOCK:
        images = {name: _IMAGES[k] for name, k in keys.items() if k in _IMAGES}
        missing = {name: stored for name, stored in figures.items() if name not in images}
        drawn, problems = render_all(missing) if missing else ({}, {})
        for name, png in drawn.items():
            _IMAGES[keys[name]] = images[name] = png
        for name in images:
            _IMAGES.move_to_end(keys[name])
        while len(_IMAGES) > IMAGE_CACHE_ENTRIES:
            _IMAGES.popitem(last=False)
    return images, problems


def figure(figure_json: str):
    """A saved plotly figure as it was saved, less anything that could make the browser fetch
    (images, links, styles, map tiles: see :func:`hedging.report.pdf_figures.safe_figure`)."""
    import plotly.graph_objects as go

    from hedging.report.pdf_figures import safe_figure

    return go.Figure(safe_figure(figure_json))
