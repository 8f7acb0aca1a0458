"""The ``hedging`` command line over :mod:`hedging.service`.

Exit status: 0 success, 2 bad input or a refused operation (message on stderr, nothing stored).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import math
import os
import shutil
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from hedging import service
from hedging.config import Settings
from hedging.errors import HedgingError, InputError
from hedging.service import access, lifecycle
from hedging.service import workspaces as ws_service


def _settings(args: argparse.Namespace) -> Settings:
    settings = service.default_settings()
    if getattr(args, "db", None):
        settings = dataclasses.replace(settings, database_url=args.db)
    # --user / --workspace (or HEDGING_USER / HEDGING_WORKSPACE): every command acts as that member
    return settings.acting(getattr(args, "user", None) or settings.user, getattr(args, "workspace", None))


def _print(obj, as_json: bool, text: str) -> None:
    print(json.dumps(obj, indent=2, default=str) if as_json else text)


def _import_lines(s: dict) -> list[str]:
    """One imported file in words, with the counts labelled as on the Data page."""
    if s["already_imported"]:
        return [f"{s['file']}: already imported as #{s['import_id']}; nothing changed."]
    label = service.count_label
    head = (f"{s['file']}: {s['format']}, {s['rows_read']:,} {label('rows_read')}, {s['rows_kept']:,} "
            f"{label('rows_kept')} ({s['rows_skipped']:,} skipped, {s['rows_rejected']:,} rejected), ")
    if s["import_id"] is None:
        head += "nothing to store"
    else:
        head += (f"{s['rows_stored']:,} {label('rows_stored')} ({s['provider_days']:,} {label('provider_days')}), "
                 f"{s['first_day']} to {s['last_day']}, {service.fmt.money(s['cost_usd'])}")
    lines = [head]
    lines += [f"  replaced {r['rows']:,} daily rows of import #{r['import_id']} ({r['first_day']} to "
              f"{r['last_day']})" for r in s["replaced"]]
    lines += [f"  warning: {w}" for w in s["warnings"]]
    return lines


class _ImportProgress:
    """A progress bar on stderr for ``hedging import``: rows done and time left, redrawn in place
    on a terminal, a line every few seconds into a log file."""

    def __init__(self) -> None:
        self.tty = sys.stderr.isatty()
        self.last = -1e9
        self.drawn = False

    def __call__(self, fraction: float, text: str) -> None:
        now = time.monotonic()
        if now - self.last < (0.25 if self.tty else 5.0):
            return
        self.last = now
        line = f"[{'#' * int(fraction * 24):<24}] {fraction:4.0%} {text}"
        if self.tty:
            width = shutil.get_terminal_size((100, 20)).columns - 1
            print("\r" + line[:width].ljust(width), end="", file=sys.stderr, flush=True)
            self.drawn = True
        else:
            print(line, file=sys.stderr, flush=True)

    def done(self) -> None:
        if self.drawn:
            print(file=sys.stderr, flush=True)


def cmd_import(args: argparse.Namespace) -> int:
    bar = None if args.json else _ImportProgress()
    try:
        outcomes = service.import_files([(None, p) for p in args.paths], _settings(args),
                                        skip_bad_rows=args.skip_bad_rows, progress=bar, actor=service.cli_actor())
    finally:
        if bar:
            bar.done()
    summaries = [service.import_summary(o) for o in outcomes]
    lines = [line for s in summaries for line in _import_lines(s)]
    payload = summaries[0] if len(summaries) == 1 else summaries
    _print(payload, args.json, "\n".join(lines))
    return 0


def cmd_usage(args: argparse.Namespace) -> int:
    rows = service.usage_totals(_settings(args))
    text = "\n".join(f"{r['month']} {r['provider']:<12} {r['model']:<24} {service.fmt.money(r['cost_usd']):>15}" for r in rows)
    _print(rows, args.json, text or "No usage stored yet. Import exports with `hedging import FILE...`.")
    return 0


def cmd_imports(args: argparse.Namespace) -> int:
    settings = _settings(args)
    items = service.list_imports(settings)
    ov = service.imports_overview(settings)
    extra = {r["id"]: r for r in ov.imports.to_dict("records")} if len(ov.imports) else {}
    label = service.count_label
    rows, lines = [], []
    for i in items:
        o = extra.get(i.id, {})
        rows.append(dataclasses.asdict(i) | {
            "rows_kept": i.rows_imported, "provider_days": o.get(label("provider_days"), 0),
            "cost_counts_in": o.get("cost counts in", ""), "tokens_count_in": o.get("tokens count in", ""),
            "why": o.get("why", ""), "counted_last_12_months_usd": round(o.get("counted, last 12 months (USD)", 0.0), 2)})
        lines.append(f"#{i.id:<4} {i.file_name} ({i.format}), {i.first_day} to {i.last_day}: "
                     f"{i.rows_read:,} {label('rows_read')}, {i.rows_imported:,} {label('rows_kept')}, "
                     f"{i.rows_stored:,} {label('rows_stored')}, {rows[-1]['provider_days']:,} {label('provider_days')}; "
                     f"{service.fmt.money(i.cost_usd)} in the file")
        lines.append(f"      cost counts in: {rows[-1]['cost_counts_in']}; tokens count in: {rows[-1]['tokens_count_in']}; "
                     f"why: {rows[-1]['why']}; counted, last 12 months: {service.fmt.money(rows[-1]['counted_last_12_months_usd'])}")
    if items and ov.last_12:
        lines.append(f"Counted, last 12 months ({ov.last_12[0]:%b %Y} to {ov.last_12[1]:%b %Y}): "
                     f"{service.fmt.money(ov.counted_last_12_usd)}, the Data page's spend of the last 12 months.")
    _print(rows, args.json, "\n".join(lines) or "No imports yet.")
    return 0


def cmd_reconcile(args: argparse.Namespace) -> int:
    """Usage at list price against the cost export, billing file and gateway, per provider and month."""
    rec = service.reconciliation(_settings(args), threshold=args.threshold / 100)
    if args.csv:
        with open(args.csv, "wb") as fh:
            fh.write(service.reconciliation_csv(rec))
    rows = []
    for r in rec.months.itertuples(index=False):
        rows.append({"provider": r.provider, "month": r.month.strftime("%Y-%m"), "list_usd": _usd(r.list_usd),
                     "cost_export_usd": _usd(r.cost_export_usd), "billing_usd": _usd(r.billing_usd),
                     "gateway_usd": _usd(r.gateway_usd), "counted_usd": _usd(r.counted_usd),
                     "counted_from": r.counted_source, "difference_usd": _usd(r.difference_usd),
                     "difference_pct": None if r.difference_pct != r.difference_pct else round(r.difference_pct * 100, 4),
                     "flagged": bool(r.flagged), "causes": r.causes})
    shown = [r for r in rows if r["flagged"]] if not args.all else rows
    head = (f"{'provider':<12} {'month':<7} {'list price':>13} {'cost export':>13} {'billing file':>13} "
            f"{'gateway':>13} {'counted':>13} {'difference':>11}")

    def money(x):
        return "" if x is None else service.fmt.money(x, cents=False)

    lines = [f"{r['provider']:<12} {r['month']:<7} {money(r['list_usd']):>13} {money(r['cost_export_usd']):>13} "
             f"{money(r['billing_usd']):>13} {money(r['gateway_usd']):>13} {money(r['counted_usd']):>13} "
             f"{'' if r['difference_pct'] is None else format(r['difference_pct'], '+.1f') + '%':>11}"
             f"{'  flagged' if r['flagged'] else ''}\n    {r['causes']}" for r in shown]
    n = sum(r["flagged"] for r in rows)
    summary = (f"{n} of {len(rows)} provider-months differ from usage at list price by more than "
               f"{args.threshold:g}%." + ("" if args.all else " (--all lists every month.)")
               + (f" Wrote {args.csv}." if args.csv else ""))
    gateway = []
    for (provider, month), part in rec.gateway.groupby(["provider", "month"], sort=True):
        first = part.iloc[0]
        gateway.append(f"{provider:<12} {month:%Y-%m} gateway {service.fmt.money(first['gateway_usd'])} - invoice "
                       f"{service.fmt.money(first['invoice_usd'])} = {_signed_usd(first['difference_usd'])}: " + "; ".join(
                           f"{c} {_signed_usd(u)}" + (" (likely)" if h == "likely" else "")
                           for c, u, h in zip(part["cause"], part["usd"], part["how"])))
    if gateway:
        summary += "\nGateway estimate against the invoice:\n" + "\n".join(gateway)
    text = "\n".join(([head] + lines if lines else []) + [summary]) if rows else \
        "No usage stored yet. Import exports with `hedging import FILE...`."
    _print(rows, args.json, text)
    return 0


def _warning_lines(warnings, indent: str = "  ") -> list[str]:
    """Warnings as the pages print them: what happened, what it means and what to do (the
    treasurer's reading, :func:`hedging.service.advise`), with the model's own figures after it."""
    lines = []
    for a in service.advice_list(warnings):
        lines.append(f"{indent}warning: {a.message} {a.consequence} {a.action}")
        lines += [f"{indent}  the statistics: {line}" for line in a.statistics.splitlines() if line.strip()]
    return lines


def _signed_usd(x: float) -> str:
    return service.fmt.money_change(x, cents=False)


def _usd(x) -> float | None:
    return None if x != x else round(float(x), 2)


def cmd_delete(args: argparse.Namespace) -> int:
    n = service.delete_import(args.import_id, _settings(args), actor=service.cli_actor())
    _print({"deleted_import": args.import_id, "rows_removed": n}, args.json,
           f"Deleted import #{args.import_id} and its {n:,} usage rows.")
    return 0


def cmd_sample(args: argparse.Namespace) -> int:
    outcomes = service.load_sample_company(_settings(args), actor=service.cli_actor())
    summaries = [service.import_summary(o) for o in outcomes]
    _print(summaries, args.json, "\n".join(line for s in summaries for line in _import_lines(s)))
    return 0


def cmd_market(args: argparse.Namespace) -> int:
    settings = _settings(args)
    out, text = [], []
    for underlying in ([args.underlying] if args.underlying != "both" else list(service.UNDERLYINGS)):
        view = service.market_view(underlying, None, args.model, n_paths=args.paths, seed=args.seed,
                                   as_of=dt.date.fromisoformat(args.as_of) if args.as_of else service.today_utc(),
                                   settings=settings)
        curve = view.curve.copy()
        for col in ("delivery_month", "last_trading_day"):
            curve[col] = curve[col].astype(str)
        out.append({
            "underlying": underlying, "index": view.index.name, "unit": view.index.unit,
            "illustrative": view.index.illustrative, "valuation_date": view.valuation_date.isoformat(),
            "spot": view.spot, "model": view.model_label,
            "parameters": {r.parameter: {"value": r.value, "std_error": None if r.std_error != r.std_error else r.std_error,
                                         "ci_95": None if getattr(r, "ci_low", math.nan) != getattr(r, "ci_low", math.nan)
                                         else [r.ci_low, r.ci_high]}
                           for r in view.parameters.itertuples()},
            "monte_carlo": {"paths": view.n_paths, "seed": view.seed},
            "contracts": curve.drop(columns=["margin_reason"]).to_dict("records"),
            "warnings": [w.message for w in view.warnings], "contract_note": view.contract_note,
        })
        text.append(f"{view.index.name} ({view.index.unit}), valued {view.valuation_date} at {view.spot:,.4f}")
        text.append(f"  model: {view.model_label}")
        text += _warning_lines(view.warnings)
        text.append(f"  {'contract':<9} {'month':<8} {'last trade':<11} {'fair':>9} {'bid':>9} {'ask':>9} "
                    f"{'MC check':>17} {'init margin':>12} {'maint':>10}")
        for r in view.curve.itertuples():
            text.append(f"  {r.symbol:<9} {r.delivery_month:%b %Y} {r.last_trading_day!s:<11} {r.fair:>9.4f} "
                        f"{r.bid:>9.4f} {r.ask:>9.4f} {r.mc_mean:>9.4f}±{3 * r.mc_std_error:<7.4f} "
                        f"{service.fmt.money(r.initial_margin):>12} {service.fmt.money(r.maintenance_margin):>10}")
    _print(out, args.json, "\n".join(text))
    return 0


def cmd_commitments_template(args: argparse.Namespace) -> int:
    """Write the natural hedges' CSV template (one example row of each kind)."""
    data = service.commitments_template()
    if args.out:
        Path(args.out).write_bytes(data)
        print(f"Wrote the commitments template to {args.out}.")
    else:
        sys.stdout.write(data.decode())
    return 0


def _spec(args: argparse.Namespace) -> "service.RunSpec":
    """The run specification from the common flags (RunSpec holds every default)."""
    fields = {}
    if args.as_of:
        try:
            fields["as_of"] = dt.date.fromisoformat(args.as_of)
        except ValueError:
            raise InputError("the as-of date must be YYYY-MM-DD.", column="--as-of", value=args.as_of,
                             fix="e.g. --as-of 2026-12-06.") from None
    for flag, key in (("horizon", "horizon"), ("budget", "budget_annual"), ("fiscal_start", "fiscal_start"),
                      ("fiscal_year", "fiscal_year"), ("paths_sim", "n_paths"), ("seed", "seed"), ("rho", "rho"),
                      ("by", "by")):
        if getattr(args, flag, None) is not None:
            fields[key] = getattr(args, flag)
    fields["price_changes"] = tuple(service.PriceChange.parse(t) for t in (args.price_change or ()))
    fields["model"] = tuple((u, args.model) for u in service.UNDERLYINGS) if args.model else ()
    if getattr(args, "commitments", None):   # natural hedges from the CSV template
        path = Path(args.commitments)
        if not path.is_file():
            raise InputError("the commitments file does not exist.", file=str(path), column="--commitments",
                             fix="give the path of a CSV made from `hedging commitments-template`.")
        fields["commitments"] = service.commitments_from_csv(path.read_bytes(), path.name)
    policy = {}
    if args.policy:
        policy["name"] = args.policy.replace("-", "_")
    for flag, key in (("percentile", "volume_percentile"), ("position_limit", "position_limit"),
                      ("margin_budget", "margin_budget"), ("min_notional", "min_notional")):
        if getattr(args, flag, None) is not None:
            policy[key] = getattr(args, flag)
    if args.exclude:
        policy["excluded"] = tuple(args.exclude)
    return service.RunSpec(policy=service.Policy(**policy), **fields)


def _progress(args):
    if args.json:
        return None
    return lambda fraction, text: print(f"[{fraction:4.0%}] {text}…", file=sys.stderr, flush=True)


def _summary(m) -> dict:
    return {"expected": round(m.expected, 2), "median": round(m.median, 2), "p95": round(m.p95, 2),
            "band_80": [round(m.lower_80, 2), round(m.upper_80, 2)],
            "band_95": [round(m.lower_95, 2), round(m.upper_95, 2)]}


def _run_json(run) -> dict:
    return {"spec": run.spec.to_dict(), "spec_line": run.spec_line(), "headline": run.headline(),
            "data": {u: {"last_complete_month": p.last_complete_month.strftime("%Y-%m"),
                         "last_day": p.last_day.strftime("%Y-%m-%d"),
                         "estimated_months": [m.strftime("%Y-%m") for m in p.bridge],
                         "index": p.index_name, "index_last_observed": p.market.valuation.isoformat(),
                         "model": p.market.choice}
                     for u, p in run.forecast.underlyings.items()},
            "warnings": [w.message for w in run.warnings]}


def _headline_text(run) -> list[str]:
    h = run.headline()
    return [run.spec_line(),
            f"  expected spend {service.fmt.money(h['expected_spend'])} over {h['horizon_months']} months; {h['fiscal_year']}: "
            f"expected {service.fmt.money(h['fiscal_expected_spend'])} against {service.fmt.money(h['budget_compared'])}, budget at risk "
            f"{service.fmt.money(h['bar_before'])} -> {service.fmt.money(h['bar_after'])}",
            f"  volatility {service.fmt.money(h['sd_before'])} -> {service.fmt.money(h['sd_after'])} ({service.fmt.share(abs(h['volatility_reduction']))} {'lower' if h['volatility_reduction'] >= 0 else 'higher'}); "
            f"program cost {service.fmt.money(h['program_cost'])}; margin needed {service.fmt.money(h['margin_needed'])}; {h['trades']} trades"]


def cmd_forecast(args: argparse.Namespace) -> int:
    spec = _spec(args)
    view = service.forecast(spec, _settings(args))
    from hedging.risk import quantile

    total = view.total_spend.sum(axis=1)
    fiscal = view.fiscal_spend()
    budget = spec.budget_annual if spec.budget_annual is not None else view.default_budget()
    compared = view.budget_for_covered(budget)
    out = {"spec": spec.to_dict(), "months": [m.strftime("%Y-%m") for m in view.future],
           "spend_total": {"expected": float(total.mean()), "p95": quantile(total, 0.95)},
           "fiscal_year": {"name": spec.fiscal_name(), "budget_annual": budget, "budget_compared": compared,
                           "months_covered": view.fiscal_covered, "expected": float(fiscal.mean()),
                           "p95": quantile(fiscal, 0.95), "budget_at_risk": quantile(fiscal, 0.95) - float(fiscal.mean()),
                           "prob_over_budget": float((fiscal > compared).mean())},
           "spend_by_month": [{"month": m.strftime("%Y-%m"), "expected": float(view.total_spend[:, j].mean()),
                               "p95": quantile(view.total_spend[:, j], 0.95)} for j, m in enumerate(view.future)],
           "estimated_months": [m.strftime("%Y-%m") for m in view.estimate_months],
           "warnings": [w.message for w in view.warnings], "underlyings": {}}
    text = [f"Spend forecast as of {spec.as_of}, {view.horizon} months from {view.future[0]:%b %Y}, "
            f"{view.n_paths:,} paths (seed {view.seed})",
            f"  expected {service.fmt.money(total.mean())}; 95th percentile {service.fmt.money(quantile(total, 0.95))}",
            f"  {spec.fiscal_name()}: expected {service.fmt.money(fiscal.mean())} against {service.fmt.money(compared)}; "
            f"P(over) = {service.fmt.share((fiscal > compared).mean())}"]
    for u, part in view.underlyings.items():
        b = part.basis
        out["underlyings"][u] = {
            "unit": part.unit, "model": part.model, "index": part.index_name,
            "last_complete_month": part.last_complete_month.strftime("%Y-%m"),
            "backtest": part.scores.to_dict("records"),
            "basis": {"intercept": b.intercept, "slope": b.slope, "r_squared": b.r_squared,
                      "residual_sd_monthly": b.residual_sd, "n": b.n},
            "volume_mean": [round(float(x), 3) for x in part.volume_paths.mean(axis=0)],
            "spend_expected": [round(float(x), 2) for x in part.spend.mean(axis=0)],
            "warnings": [w.message for w in part.warnings]}
        text.append(f"  {part.label}: data to {part.last_complete_month:%b %Y}, volume model {service.fmt.volume_model(part.model)}, basis slope "
                    f"{b.slope:.2f} (R² {b.r_squared:.2f}), expected spend {service.fmt.money(part.spend.sum(axis=1).mean())}")
        text += _warning_lines(part.warnings, "    ")
    _print(out, args.json, "\n".join(text))
    return 0


def cmd_hedge(args: argparse.Namespace) -> int:
    run = service.build_run(_spec(args), _settings(args), progress=_progress(args))
    view, result, outcome = run.forecast, run.result, run.outcome
    schedule = service.schedule_table(result, view)
    table = service.metrics_table(outcome, run.spec.fiscal_name())
    e = outcome.effectiveness
    out = {**_run_json(run), "schedule": schedule.to_dict("records"),
           "hedge_ratio_by_month": service.ratio_table(result, view).assign(
               month=lambda f: f["month"].dt.strftime("%Y-%m")).to_dict("records"),
           "before_after": {r.metric: {"unhedged": r.unhedged, "hedged": r.hedged} for r in table.itertuples()},
           "liquidity": {"initial_margin_by_month": outcome.liquidity.initial_margin.assign(
               month=lambda f: f["month"].dt.strftime("%Y-%m")).to_dict("records"),
               "peak_variation_margin_p95": outcome.liquidity.peak_variation_margin_p95},
           "effectiveness": None if e is None else {
               "slope": e.slope, "r_squared": e.r_squared, "dollar_offset": e.dollar_offset,
               "passes_regression": e.passes_regression, "passes_dollar_offset": e.passes_dollar_offset},
           "solver": {"status": result.program.status, "message": result.program.message}}
    text = _headline_text(run)
    text += [f"  {r['contract']:<9} {r['delivery month']:<9} {r['trade date']:<12} buy {r['lots']:>9,} @ {r['price']:.4f}"
             for r in schedule.to_dict("records")]
    text += _warning_lines(run.warnings)
    _print(out, args.json, "\n".join(text))
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    settings = _settings(args)
    if args.latest:
        items = service.list_proposals(settings)
        if not items:
            raise HedgingError("there is no saved proposal. Fix: save one on the Proposal page or use `hedging run`.")
        proposal_id = items[-1]["id"]
    else:
        proposal_id = args.proposal
    if not args.out and not args.xlsx:
        raise HedgingError("nothing to write. Fix: give --out FILE.pdf, --xlsx FILE.xlsx or both.")
    fingerprint = service.load_proposal(proposal_id, settings)["fingerprint"]
    result = {"proposal": proposal_id}
    lines = []
    if args.out:
        pdf = service.proposal_pdf(proposal_id, settings)
        with service.transaction(settings):  # the entry is kept only if the file was written
            service.record_pdf_export(proposal_id, fingerprint, settings, actor=service.cli_actor(),
                                      detail=f"written to {os.path.basename(args.out)}")
            with open(args.out, "wb") as fh:
                fh.write(pdf)
        result.update(out=args.out, bytes=len(pdf))
        lines.append(f"Wrote proposal #{proposal_id} to {args.out} ({len(pdf) / 1024:,.0f} KB).")
    if args.xlsx:
        lines.append(_write_xlsx(proposal_id, fingerprint, settings, args.xlsx))
        result["xlsx"] = args.xlsx
    _print(result, args.json, "\n".join(lines))
    return 0


def cmd_memo(args: argparse.Namespace) -> int:
    """The designation memo alone: its version, status and fingerprint, written as a PDF."""
    settings = _settings(args)
    if not args.out and not args.json:
        raise HedgingError("nothing to write. Fix: give --out FILE.pdf (or --json to print the memo's data).")
    memo = service.designation_memo_of(args.proposal_id, settings)
    result = {"proposal": args.proposal_id, "version": memo["version"], "version_label": memo["version_label"],
              "status": memo["status"], "fingerprint": memo["fingerprint"]}
    lines = [f"Proposal #{args.proposal_id}: hedge designation memo, {memo['version_label']}."]
    if args.out:
        pdf = service.memo_pdf(args.proposal_id, settings, fingerprint=memo["fingerprint"])
        with service.transaction(settings):  # the entry is kept only if the file was written
            service.record_memo_export(args.proposal_id, memo["fingerprint"], settings, actor=service.cli_actor(),
                                       detail=f"{memo['version_label']}; written to {os.path.basename(args.out)}")
            with open(args.out, "wb") as fh:
                fh.write(pdf)
        result.update(out=args.out, bytes=len(pdf))
        lines.append(f"Wrote it to {args.out} ({len(pdf) / 1024:,.0f} KB).")
    else:
        result["memo"] = memo
    _print(result, args.json, "\n".join(lines))
    return 0


def _write_xlsx(proposal_id: int, fingerprint: str, settings, path: str) -> str:
    data = service.proposal_xlsx(proposal_id, settings, fingerprint=fingerprint)
    with open(path, "wb") as fh:
        fh.write(data)
    return f"Wrote the workbook of proposal #{proposal_id} to {path} ({len(data) / 1024:,.0f} KB)."


def cmd_run(args: argparse.Namespace) -> int:
    """Import, run, save and write the PDF in one transaction: if any step fails, nothing is stored."""
    settings = _settings(args)
    spec = _spec(args)
    say = _progress(args)
    actor = service.cli_actor()
    with service.transaction(settings):
        outcomes = service.import_files([(None, p) for p in args.paths], settings, skip_bad_rows=args.skip_bad_rows,
                                        actor=actor)
        run = service.build_run(spec, settings, progress=say)
        proposal_id = service.save_proposal(run, args.name, args.company, settings, actor=actor)
        saved = service.load_proposal(proposal_id, settings)
        if say:
            say(0.97, "Rendering the PDF")
        pdf = service.proposal_pdf(proposal_id, settings)
        service.record_pdf_export(proposal_id, saved["fingerprint"], settings, actor=actor,
                                  detail=f"written to {os.path.basename(args.out)}")
        with open(args.out, "wb") as fh:
            fh.write(pdf)
        if args.xlsx:
            _write_xlsx(proposal_id, saved["fingerprint"], settings, args.xlsx)
    imports = [{"import_id": o.summary()["import_id"], "file": o.summary()["file"], "format": o.summary()["format"],
                "first_day": o.summary()["first_day"], "last_day": o.summary()["last_day"],
                "rows_imported": o.summary()["rows_imported"], "already_imported": o.summary()["already_imported"]}
               for o in outcomes]
    _print({**_run_json(run), "proposal": {"id": proposal_id, "fingerprint": saved.get("fingerprint")},
            "imports": imports, "out": args.out, **({"xlsx": args.xlsx} if args.xlsx else {})}, args.json,
           "\n".join([f"Imported {len(outcomes)} file(s); proposal #{proposal_id}."] + _headline_text(run)
                     + _warning_lines(run.warnings)
                     + [f"Wrote {args.out}" + (f" and {args.xlsx}." if args.xlsx else ".")]))
    return 0


def cmd_index_upload(args: argparse.Namespace) -> int:
    settings = _settings(args)
    index_id, already, warnings = service.upload_index(args.underlying, args.name or "", args.file, settings=settings,
                                                       actor=service.cli_actor())
    if args.choose:
        service.choose_index(args.underlying, f"upload:{index_id}", settings, actor=service.cli_actor())
    _print({"index_id": index_id, "key": f"upload:{index_id}", "already_uploaded": already, "chosen": args.choose,
            "warnings": [w.message for w in warnings]}, args.json,
           "\n".join([f"{'Already uploaded' if already else 'Uploaded'} as upload:{index_id}"
                      + (f"; now used for {args.underlying}." if args.choose else ".")]
                     + _warning_lines(warnings)))
    return 0


def cmd_index_list(args: argparse.Namespace) -> int:
    settings = _settings(args)
    rows = [{"underlying": u, "key": key, "name": label, "chosen": key == service.chosen_index(u, settings)}
            for u in service.UNDERLYINGS for key, label in service.index_choices(u, settings)]
    _print(rows, args.json, "\n".join(f"{'*' if r['chosen'] else ' '} {r['underlying']:<6} {r['key']:<10} {r['name']}"
                                        for r in rows))
    return 0


def cmd_index_rank(args: argparse.Namespace) -> int:
    """The Market page's candidate ranking for one underlying; ``--choose-best`` uses the first."""
    settings = _settings(args)
    fields = {k: getattr(args, k) for k in ("horizon", "seed") if getattr(args, k) is not None}
    if args.as_of:
        try:
            fields["as_of"] = dt.date.fromisoformat(args.as_of)
        except ValueError:
            raise InputError("the as-of date must be YYYY-MM-DD.", column="--as-of", value=args.as_of,
                             fix="e.g. --as-of 2026-12-06.") from None
    found = service.index_candidates(args.underlying, service.RunSpec(**fields), settings)
    if args.choose_best and found.recommended:
        service.choose_index(args.underlying, found.recommended, settings, actor=service.cli_actor())
    table = service.candidate_summary(found)
    lines = [found.sentence, found.why_chosen() if not args.choose_best else
             f"Now used for {args.underlying}: {found.recommended}.", table.to_string(index=False)]
    _print(found.records(), args.json, "\n".join(lines))
    return 0


def cmd_index_choose(args: argparse.Namespace) -> int:
    settings = _settings(args)
    service.choose_index(args.underlying, args.key, settings, actor=service.cli_actor())
    _print({"underlying": args.underlying, "key": args.key}, args.json, f"Now used for {args.underlying}: {args.key}.")
    return 0


def cmd_audit(args: argparse.Namespace) -> int:
    """The audit trail, newest first, optionally filtered and written to CSV."""
    settings = _settings(args)
    try:
        start, end = (dt.date.fromisoformat(d) if d else None for d in (args.since, args.until))
    except ValueError:
        raise InputError("dates must be YYYY-MM-DD.", column="--since/--until",
                         value=f"{args.since or ''} {args.until or ''}".strip(), fix="e.g. --since 2026-12-01.") from None
    frame = service.audit_trail(settings, actor=args.who, action=args.action, start=start, end=end)
    if args.csv:
        with open(args.csv, "wb") as fh:
            fh.write(service.audit_csv(frame))
    rows = [{"at": r["when (UTC)"].isoformat(timespec="seconds"), "who": r["who"], "action": r["action"],
             "record": r["record"], "id": r["id"], "name": r["name"], "fingerprint": r["fingerprint"],
             "detail": r["detail"]} for r in frame.to_dict("records")]
    lines = [f"{service.audit_when(r['when (UTC)'])}  {r['who']}  {r['action']}  {r['record']} #{r['id']} {r['name']}"
             + (f"  {r['fingerprint'][:12]}" if r["fingerprint"] else "") + (f"\n    {r['detail']}" if r["detail"] else "")
             for r in frame.to_dict("records")]
    lines.append(f"{len(rows):,} entr{'y' if len(rows) == 1 else 'ies'}, times in UTC."
                 + (f" Wrote {args.csv}." if args.csv else ""))
    _print(rows, args.json, "\n".join(lines))
    return 0


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    from hedging.store import upgrade_database

    r = upgrade_database(_settings(args).database_url)
    before = r.before or ("none (a new database)" if r.created else "none (made before schema revisions)")
    text = (f"Schema created at revision {r.after}." if r.created
            else f"Schema upgraded from {before} to {r.after}." if r.changed
            else f"Schema already at revision {r.after}; nothing to do.")
    _print({"before": r.before, "after": r.after, "head": r.head, "created": r.created, "upgraded": r.changed},
           args.json, text)
    return 0


def _add_spec_args(p: argparse.ArgumentParser, paths_flag: str = "--paths-sim") -> None:
    """The run specification's flags, the same on forecast, hedge and run (defaults live in RunSpec)."""
    p.add_argument("--as-of", metavar="YYYY-MM-DD", help="the day the analysis stands on (default: today, UTC)")
    p.add_argument("--horizon", type=int, help="months hedged after the as-of month (default 12)")
    p.add_argument("--budget", type=float, metavar="USD", help="annual budget (default: expected fiscal-year spend, "
                                                               "rounded up to $50,000)")
    p.add_argument("--fiscal-start", type=int, metavar="MONTH", help="first month of the fiscal year, 1-12 (default 1)")
    p.add_argument("--fiscal-year", type=int, metavar="YYYY", help="fiscal year compared with the budget, named by the "
                   "year it ends in (default: the one containing the first horizon month)")
    p.add_argument("--price-change", action="append", metavar="UNDERLYING[:PROVIDER]:YYYY-MM:+PCT",
                   help="an announced price change, e.g. token:2027-03:-20 (repeat for several)")
    p.add_argument("--commitments", metavar="CSV", help="natural hedges (contracted prices, reserved capacity, "
                   "discounts, prepaid credits) from the CSV template; netted before any hedge is sized")
    p.add_argument(paths_flag, dest="paths_sim", type=int, metavar="N", help="simulated paths (default 10,000)")
    p.add_argument("--seed", type=int, help="random seed (default 7)")
    p.add_argument("--rho", type=float, help="volume-price correlation of monthly shocks (default 0.3)")
    p.add_argument("--by", choices=["provider", "model", "team"], help="drill-down (default provider)")
    p.add_argument("--model", choices=["auto", "calibrated", "paper"], help="price model for every underlying")
    p.add_argument("--policy", choices=["min-variance", "min-cvar", "layered", "min-cvar-caps", "cap-tail"], help="hedge policy (default min-variance)")
    p.add_argument("--percentile", type=float, help="lot cap: percentile of forecast volume (default 25)")
    p.add_argument("--position-limit", type=int, help="lots per contract (default 1,000,000)")
    p.add_argument("--margin-budget", type=float, metavar="USD", help="initial margin the treasury can post")
    p.add_argument("--exclude", nargs="*", help="underlyings or underlying:series to leave unhedged")
    p.add_argument("--min-notional", type=float, metavar="USD",
                   help="materiality: drop trades whose notional is below this many USD (default 0: keep all)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hedging", description="Compute-cost hedging desk.")
    sub = parser.add_subparsers(dest="command", required=True)

    def add(name: str, func, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.add_argument("--db", metavar="URL", help="database URL (default: DATABASE_URL or the SQLite file)")
        p.add_argument("--json", action="store_true", help="print JSON")
        add_identity_args(p)
        p.set_defaults(func=func)
        return p

    p = add("import", cmd_import, "Import usage or cost exports (format detected from the header).")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--skip-bad-rows", action="store_true",
                   help="import the valid rows and leave rejected rows out (default: refuse the file)")
    add("usage", cmd_usage, "Stored totals by month, provider and model.")
    add("imports", cmd_imports, "List stored imports.")
    p = add("reconcile", cmd_reconcile, "Check usage at list prices against cost exports, billing files and "
                                         "gateway estimates, per provider and month, with likely causes.")
    p.add_argument("--threshold", type=float, default=10.0, metavar="PCT",
                   help="flag a month whose figures differ from usage at list price by more than PCT%% (default 10)")
    p.add_argument("--csv", metavar="FILE.csv", help="also write every provider-month to this CSV file")
    p.add_argument("--all", action="store_true", help="list every provider-month, not only the flagged ones")
    p = add("delete", cmd_delete, "Delete one import and exactly its rows.")
    p.add_argument("import_id", type=int)
    add("sample", cmd_sample, "Load the sample company's exports.")
    p = add("forecast", cmd_forecast, "Volume, price and spend forecast against the fiscal-year budget.")
    _add_spec_args(p, "--paths")
    p = add("report", cmd_report, "Write a saved proposal as a PDF, an Excel workbook, or both.")
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--proposal", type=int, metavar="ID")
    which.add_argument("--latest", action="store_true")
    p.add_argument("--out", metavar="FILE.pdf")
    p.add_argument("--xlsx", metavar="FILE.xlsx", help="also (or only) write the proposal as an Excel workbook")
    p = add("run", cmd_run, "Import exports, forecast, hedge, save a proposal and write its PDF in one transaction.")
    p.add_argument("paths", nargs="+", metavar="USAGE_FILE")
    p.add_argument("--out", required=True, metavar="FILE.pdf")
    p.add_argument("--xlsx", metavar="FILE.xlsx", help="also write the proposal as an Excel workbook")
    p.add_argument("--name", default="Compute hedge proposal")
    p.add_argument("--company", default="")
    p.add_argument("--skip-bad-rows", action="store_true")
    _add_spec_args(p)
    p = add("commitments-template", cmd_commitments_template,
            "Print (or --out write) the CSV template for natural hedges, used with --commitments.")
    p.add_argument("--out", metavar="FILE.csv")
    p = add("hedge", cmd_hedge, "Build a futures hedge program and show spend before and after it.")
    _add_spec_args(p, "--paths")
    p = add("index", None, "Index histories: upload one, list them, rank them for your usage, choose one.")
    isub = p.add_subparsers(dest="index_command", required=True)
    q = isub.add_parser("upload", help="upload a date,value[,source] history and optionally use it")
    q.add_argument("underlying", choices=["token", "gpu"])
    q.add_argument("file", metavar="FILE")
    q.add_argument("--name", default="")
    q.add_argument("--choose", action="store_true", help="use it for the underlying from now on")
    q.add_argument("--db", metavar="URL", default=argparse.SUPPRESS)
    q.add_argument("--json", action="store_true", default=argparse.SUPPRESS)
    add_identity_args(q, suppress=True)
    q.set_defaults(func=cmd_index_upload)
    q = isub.add_parser("list", help="the indices of each underlying (* = in use)")
    q.add_argument("--db", metavar="URL", default=argparse.SUPPRESS)
    q.add_argument("--json", action="store_true", default=argparse.SUPPRESS)
    add_identity_args(q, suppress=True)
    q.set_defaults(func=cmd_index_list)
    q = isub.add_parser("rank", help="fit your price to every index of the underlying and rank a hedge on each")
    q.add_argument("underlying", choices=["token", "gpu"])
    q.add_argument("--as-of", metavar="YYYY-MM-DD")
    q.add_argument("--horizon", type=int)
    q.add_argument("--seed", type=int)
    q.add_argument("--choose-best", action="store_true", help="use the recommended index from now on")
    q.add_argument("--db", metavar="URL", default=argparse.SUPPRESS)
    q.add_argument("--json", action="store_true", default=argparse.SUPPRESS)
    q.set_defaults(func=cmd_index_rank)
    q = isub.add_parser("choose", help="use index KEY (see `index list`) for the underlying from now on")
    q.add_argument("underlying", choices=["token", "gpu"])
    q.add_argument("key")
    q.add_argument("--db", metavar="URL", default=argparse.SUPPRESS)
    q.add_argument("--json", action="store_true", default=argparse.SUPPRESS)
    q.set_defaults(func=cmd_index_choose)
    p = add("audit", cmd_audit, "The audit trail: who imported, deleted, uploaded, chose, saved or exported what, "
                                 "and when (UTC), newest first.")
    p.add_argument("--csv", metavar="FILE.csv", help="also write the entries shown to this CSV file")
    p.add_argument("--who", metavar="USER", help="only this user's entries (as listed, e.g. cli:ann)")
    p.add_argument("--action", choices=list(service.AUDIT_ACTIONS), help="only this action")
    p.add_argument("--since", metavar="YYYY-MM-DD", help="from this UTC day")
    p.add_argument("--until", metavar="YYYY-MM-DD", help="up to and including this UTC day")
    p = add("db", None, "Database schema: upgrade it to this release's revision.")
    dsub = p.add_subparsers(dest="db_command", required=True)
    q = dsub.add_parser("upgrade", help="upgrade the schema now (the first open of a database does it anyway) "
                                        "and print the revision before and after")
    q.add_argument("--db", metavar="URL", default=argparse.SUPPRESS)
    q.add_argument("--json", action="store_true", default=argparse.SUPPRESS)
    q.set_defaults(func=cmd_db_upgrade)
    p = add("market", cmd_market, "Forward curve and contract table of the local contract engine.")
    p.add_argument("--underlying", choices=["token", "gpu", "both"], default="both")
    p.add_argument("--model", choices=["auto", "calibrated", "paper"], default="auto")
    p.add_argument("--paths", type=int, default=20_000, help="Monte Carlo paths for the check (default 20,000)")
    p.add_argument("--seed", type=int, default=11)
    p.add_argument("--as-of", metavar="YYYY-MM-DD", help="list and price contracts as of this day (default: today, UTC)")
    add_governance_commands(add, _settings, _print)
    p = add("memo", cmd_memo, "Write the hedge designation memo of a saved proposal as a PDF of its own.")
    p.add_argument("proposal_id", type=int, metavar="PROPOSAL_ID")
    p.add_argument("--out", metavar="FILE.pdf", help="write the memo here (with --json and no --out: print its data)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except HedgingError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except FileNotFoundError as exc:
        print(f"error: {exc.filename}: no such file. Fix: check the path.", file=sys.stderr)
        return 2
    except BrokenPipeError:  # output piped into `head` and the like
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


# --- workspaces, members and approvals; --workspace / --user on every command -------------------------

def add_identity_args(p: argparse.ArgumentParser, suppress: bool = False) -> None:
    """``--workspace`` and ``--user`` on a command (``suppress``: on a sub-command, not overriding
    what its parent command was given)."""
    default = argparse.SUPPRESS if suppress else None
    p.add_argument("--workspace", metavar="NAME", default=default,
                   help="the workspace to act in, by its short name (default: HEDGING_WORKSPACE or 'default')")
    p.add_argument("--user", metavar="EMAIL", default=default,
                   help="act as this member of the workspace (default: HEDGING_USER or the local user)")


def add_governance_commands(add, settings_of, print_out) -> None:
    """Register ``workspace`` and ``proposal`` through the parser's ``add`` function."""

    def sub(parent, name: str, func, help_text: str) -> argparse.ArgumentParser:
        q = parent.add_parser(name, help=help_text, description=help_text)
        q.add_argument("--db", metavar="URL", default=argparse.SUPPRESS)
        q.add_argument("--json", action="store_true", default=argparse.SUPPRESS)
        add_identity_args(q, suppress=True)
        q.set_defaults(func=func)
        return q

    def ws_list(args) -> int:
        rows = access.my_workspaces(settings_of(args))
        print_out(rows, args.json, "\n".join(f"{r['slug']:<20} {r['role']:<9} {r['name']}" for r in rows)
                  or "You are not a member of any workspace.")
        return 0

    def ws_create(args) -> int:
        new_id = ws_service.create_workspace(args.slug, args.name or args.slug, settings_of(args))
        print_out({"workspace_id": new_id, "slug": args.slug}, args.json,
                  f"Created workspace {args.slug!r} (#{new_id}); you are its admin.")
        return 0

    def ws_members(args) -> int:
        frame = ws_service.members(settings_of(args))
        print_out(frame.to_dict("records"), args.json,
                  "\n".join(f"{r['user']:<32} {r['role']:<9} {r['may']}" for r in frame.to_dict("records")))
        return 0

    def ws_set_role(args) -> int:
        before = ws_service.set_member(args.member, args.role, settings_of(args))
        print_out({"user": args.member, "before": before, "role": args.role}, args.json,
                  f"{args.member}: {before or 'not a member'} -> {args.role}.")
        return 0

    def ws_remove(args) -> int:
        before = ws_service.remove_member(args.member, settings_of(args))
        print_out({"user": args.member, "removed": before}, args.json, f"Removed {args.member} ({before}).")
        return 0

    p = add("workspace", None, "Workspaces and their members (admins manage members).")
    wsub = p.add_subparsers(dest="workspace_command", required=True)
    sub(wsub, "list", ws_list, "the workspaces you are a member of, with your role")
    q = sub(wsub, "create", ws_create, "create a workspace; you become its admin")
    q.add_argument("slug", metavar="SHORT_NAME")
    q.add_argument("--name", default="", help="its full name (default: the short name)")
    sub(wsub, "members", ws_members, "the members of the workspace and their roles")
    q = sub(wsub, "set-role", ws_set_role, "add a member or change their role (admins)")
    q.add_argument("member", metavar="EMAIL")
    q.add_argument("role", choices=list(access.ROLES))
    q = sub(wsub, "remove", ws_remove, "remove a member (admins)")
    q.add_argument("member", metavar="EMAIL")

    def status_text(state: lifecycle.Lifecycle) -> str:
        lines = [f"Proposal #{state.proposal_id}: {lifecycle.MEANING[state.status]}."]
        lines += [f"  {step} by {who} on {lifecycle._when(when)}" + (f": {comment}" if comment else "")
                  for step, who, when, comment in state.steps]
        return "\n".join(lines)

    def as_json(state: lifecycle.Lifecycle) -> dict:
        return {"proposal": state.proposal_id, "status": state.status, "prepared_by": state.prepared_by,
                "submitted_by": state.submitted_by, "decided_by": state.decided_by, "comment": state.comment,
                "steps": [{"status": s, "by": w, "at": t.isoformat(), "comment": c} for s, w, t, c in state.steps]}

    def step(func):
        def run(args) -> int:
            kwargs = {} if func is lifecycle.lifecycle else {"comment": args.comment or ""}
            if func is lifecycle.approve:
                kwargs["exception"] = args.exception or ""
            state = func(args.proposal_id, settings_of(args), **kwargs)
            print_out(as_json(state), args.json, status_text(state))
            return 0
        return run

    p = add("proposal", None, "A saved proposal's approval: status, submit, approve, reject.")
    psub = p.add_subparsers(dest="proposal_command", required=True)
    for name, func, text in (("status", lifecycle.lifecycle, "where the proposal stands, step by step"),
                             ("submit", lifecycle.submit, "submit a draft for approval (preparers)"),
                             ("approve", lifecycle.approve, "approve a submitted proposal (approvers; not your own)"),
                             ("reject", lifecycle.reject, "reject a submitted proposal with a comment (approvers)")):
        q = sub(psub, name, step(func), text)
        q.add_argument("proposal_id", type=int, metavar="ID")
        if name != "status":
            q.add_argument("--comment", default="", required=name == "reject", help="why (required to reject)")
        if name == "approve":
            q.add_argument("--exception", default="", metavar="REASON",
                           help="approve although the proposal breaches the adopted hedge policy, for this reason "
                                "(recorded with the signed approval and in the audit trail)")
    add_policy_commands(add, sub, settings_of, print_out)


def add_policy_commands(add, sub, settings_of, print_out) -> None:
    """Register ``policy show`` and ``policy set`` (admins) through the parser's ``add`` function."""
    from hedging.service import hedge_policy

    def show(args) -> int:
        version = hedge_policy.policy_in_force(settings_of(args))
        lines = [version.label() + "."] + [f"  {k}: {v}" for k, v in version.policy.lines()]
        if getattr(args, "versions", False):
            for v, changes in hedge_policy.policy_versions(settings_of(args)):
                lines.append(f"v{v.version} by {v.author} on {lifecycle._when(v.created_at)}: {v.reason}")
                lines += [f"    {k}: {a} -> {b}" for k, a, b in changes]
        print_out({"version": version.version, "adopted": version.adopted, "label": version.label(),
                   "fingerprint": version.fingerprint, "policy": version.policy.to_dict()}, args.json, "\n".join(lines))
        return 0

    def set_(args) -> int:
        settings = settings_of(args)
        current = hedge_policy.policy_in_force(settings).policy
        bands = current.bands
        if args.band:
            bands = tuple(_band_arg(text) for text in args.band)
        changes = {"bands": bands}
        if args.objectives is not None:
            changes["objectives"] = args.objectives
        if args.instruments is not None:
            changes["instruments"] = tuple(i.strip() for i in args.instruments.split(",") if i.strip())
        for flag in ("max_initial_margin", "max_liquidity"):
            value = getattr(args, flag)
            if value is not None:
                changes[flag] = None if value.strip().lower() in ("", "none") else _amount_arg(value, flag)
        if args.min_variance_reduction is not None:
            text = args.min_variance_reduction.strip().lower()
            changes["min_variance_reduction"] = None if text in ("", "none") else _number_arg(text, "--min-variance-reduction") / 100
        if args.prospective is not None:
            changes["require_prospective_test"] = args.prospective
        if args.min_notional is not None:
            changes["min_notional"] = _amount_arg(args.min_notional, "min_notional") or 0.0
        policy = dataclasses.replace(current, **changes)
        version = hedge_policy.set_policy(policy, settings, actor=service.cli_actor(), reason=args.reason)
        print_out({"version": version.version, "fingerprint": version.fingerprint, "policy": policy.to_dict()},
                  args.json, f"Saved {version.label()}; it is in force from now.")
        return 0

    p = add("policy", None, "The workspace's hedge policy (governance limits): show it, or save a new version "
                            "(admins).")
    psub = p.add_subparsers(dest="policy_command", required=True)
    q = sub(psub, "show", show, "the policy in force (the default until an admin adopts one)")
    q.add_argument("--versions", action="store_true", help="also list every saved version and what it changed")
    q = sub(psub, "set", set_, "save a new version (admins); options not given keep the values in force")
    q.add_argument("--reason", required=True, help="why the policy changes (recorded with the version)")
    q.add_argument("--objectives", help="the policy's objectives (text)")
    q.add_argument("--instruments", metavar="LIST", help="authorised instruments, comma-separated, of: "
                   "futures, swap, cap, collar, binary")
    q.add_argument("--band", action="append", metavar="FIRST-LAST:MIN-MAX",
                   help="a tenor band in months ahead and percent hedged, e.g. 1-3:50-75 (repeat; replaces all bands)")
    q.add_argument("--max-initial-margin", metavar="USD", help="peak initial margin at most (none: no limit)")
    q.add_argument("--max-liquidity", metavar="USD", help="peak initial margin + 95th-percentile variation margin at "
                   "most (none: no limit)")
    q.add_argument("--min-variance-reduction", metavar="PCT", help="variance reduction of total spend at least this "
                   "percent (none: no minimum)")
    q.add_argument("--prospective", action=argparse.BooleanOptionalAction, default=None,
                   help="require the prospective 80%%-125%% dollar-offset test")
    q.add_argument("--min-notional", metavar="USD", help="materiality: no trade under this notional (0: none)")


def _number_arg(text: str, flag: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise InputError(f"{flag} takes a number, not {text!r}.", column=flag, value=text,
                         fix="e.g. 30 for 30%.") from None


def _amount_arg(text: str, flag: str) -> float:
    try:
        value = service.fmt.parse_amount(text)
    except ValueError:
        value = None
    if value is None:
        raise InputError(f"--{flag.replace('_', '-')} takes an amount in USD, not {text!r}.", column=flag, value=text,
                         fix="e.g. 500000, 500,000 or $500k.")
    return float(value)


def _band_arg(text: str):
    from hedging.hedge.hedge_policy import TenorBand

    try:
        months, shares = text.split(":")
        first, last = (int(v) for v in months.split("-"))
        low, high = (float(v.strip().rstrip("%")) for v in shares.split("-"))
    except ValueError:
        raise InputError(f"a tenor band reads FIRST-LAST:MIN-MAX, not {text!r}.", column="--band", value=text,
                         fix="e.g. 1-3:50-75 for months 1 to 3 hedged between 50% and 75%.") from None
    return TenorBand(first, last, low / 100, high / 100)
