"""The ``hedging`` command line over :mod:`hedging.service`.

Exit status: 0 success, 2 bad input or a refused operation (message on stderr, nothing stored).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
from collections.abc import Sequence

from hedging import service
from hedging.config import Settings
from hedging.errors import HedgingError


def _settings(args: argparse.Namespace) -> Settings:
    settings = service.default_settings()
    if getattr(args, "db", None):
        settings = dataclasses.replace(settings, database_url=args.db)
    return settings


def _print(obj, as_json: bool, text: str) -> None:
    print(json.dumps(obj, indent=2, default=str) if as_json else text)


def cmd_import(args: argparse.Namespace) -> int:
    outcomes = service.import_files([(None, p) for p in args.paths], _settings(args),
                                    skip_bad_rows=args.skip_bad_rows)
    summaries = [o.summary() for o in outcomes]
    lines = []
    for s in summaries:
        if s["already_imported"]:
            lines.append(f"{s['file']}: already imported as #{s['import_id']}; nothing changed.")
            continue
        head = f"{s['file']}: {s['format']}, {s['rows_imported']:,} of {s['rows_read']:,} rows imported"
        if s["import_id"] is None:
            head = f"{s['file']}: {s['format']}, nothing to import"
        lines.append(f"{head} ({s['rows_skipped']:,} skipped, {s['rows_rejected']:,} rejected), "
                     f"{s['first_day']} to {s['last_day']}, ${s['cost_usd']:,.2f}")
        lines += [f"  replaced {r['rows']:,} rows of import #{r['import_id']} ({r['first_day']} to "
                  f"{r['last_day']})" for r in s["replaced"]]
        lines += [f"  warning: {w}" for w in s["warnings"]]
    payload = summaries[0] if len(summaries) == 1 else summaries
    _print(payload, args.json, "\n".join(lines))
    return 0


def cmd_usage(args: argparse.Namespace) -> int:
    rows = service.usage_totals(_settings(args))
    text = "\n".join(f"{r['month']} {r['provider']:<12} {r['model']:<24} ${r['cost_usd']:>14,.2f}" for r in rows)
    _print(rows, args.json, text or "No usage stored yet. Import exports with `hedging import FILE...`.")
    return 0


def cmd_imports(args: argparse.Namespace) -> int:
    items = service.list_imports(_settings(args))
    rows = [dataclasses.asdict(i) for i in items]
    text = "\n".join(f"#{i.id:<4} {i.file_name:<48} {i.format:<16} {i.rows_stored:>8,} rows  "
                     f"{i.first_day} to {i.last_day}  ${i.cost_usd:,.2f}" for i in items)
    _print(rows, args.json, text or "No imports yet.")
    return 0


def cmd_delete(args: argparse.Namespace) -> int:
    n = service.delete_import(args.import_id, _settings(args))
    _print({"deleted_import": args.import_id, "rows_removed": n}, args.json,
           f"Deleted import #{args.import_id} and its {n:,} usage rows.")
    return 0


def cmd_sample(args: argparse.Namespace) -> int:
    outcomes = service.load_sample_company(_settings(args))
    _print([o.summary() for o in outcomes], args.json,
           "\n".join(f"{o.read.file_name}: {o.read.rows_kept:,} rows" for o in outcomes))
    return 0


def cmd_market(args: argparse.Namespace) -> int:
    settings = _settings(args)
    out, text = [], []
    for underlying in ([args.underlying] if args.underlying != "both" else list(service.UNDERLYINGS)):
        view = service.market_view(underlying, None, args.model, n_paths=args.paths, seed=args.seed,
                                   settings=settings)
        curve = view.curve.copy()
        for col in ("delivery_month", "last_trading_day"):
            curve[col] = curve[col].astype(str)
        out.append({
            "underlying": underlying, "index": view.index.name, "unit": view.index.unit,
            "illustrative": view.index.illustrative, "valuation_date": view.valuation_date.isoformat(),
            "spot": view.spot, "model": view.model_label,
            "parameters": {r.parameter: {"value": r.value, "std_error": None if r.std_error != r.std_error else r.std_error}
                           for r in view.parameters.itertuples()},
            "monte_carlo": {"paths": view.n_paths, "seed": view.seed},
            "contracts": curve.drop(columns=["margin_reason"]).to_dict("records"),
            "warnings": [w.message for w in view.warnings], "contract_note": view.contract_note,
        })
        text.append(f"{view.index.name} ({view.index.unit}), valued {view.valuation_date} at {view.spot:,.4f}")
        text.append(f"  model: {view.model_label}")
        text += [f"  warning: {w.message}" for w in view.warnings]
        text.append(f"  {'contract':<9} {'month':<8} {'last trade':<11} {'fair':>9} {'bid':>9} {'ask':>9} "
                    f"{'MC check':>17} {'init margin':>12} {'maint':>10}")
        for r in view.curve.itertuples():
            text.append(f"  {r.symbol:<9} {r.delivery_month:%b %Y} {r.last_trading_day!s:<11} {r.fair:>9.4f} "
                        f"{r.bid:>9.4f} {r.ask:>9.4f} {r.mc_mean:>9.4f}±{3 * r.mc_std_error:<7.4f} "
                        f"{r.initial_margin:>12,.2f} {r.maintenance_margin:>10,.2f}")
    _print(out, args.json, "\n".join(text))
    return 0


def _summary(m) -> dict:
    return {"expected": round(m.expected, 2), "median": round(m.median, 2), "p95": round(m.p95, 2),
            "band_50": [round(m.lower_50, 2), round(m.upper_50, 2)], "band_80": [round(m.lower_80, 2), round(m.upper_80, 2)],
            "band_95": [round(m.lower_95, 2), round(m.upper_95, 2)], "budget": m.budget,
            "prob_over_budget": m.prob_over_budget, "budget_at_risk": round(m.budget_at_risk, 2)}


def cmd_forecast(args: argparse.Namespace) -> int:
    view = service.forecast_view(args.horizon, args.paths, args.seed, args.rho, args.by, settings=_settings(args))
    budget_annual = args.budget if args.budget is not None else view.default_budget()
    budget = view.budget(annual=budget_annual)
    out = {"horizon": view.horizon, "paths": view.n_paths, "seed": view.seed, "rho": view.rho,
           "budget_annual": budget_annual, "months": [m.strftime("%Y-%m") for m in view.future],
           "spend_total": _summary(budget.total), "spend_by_month": [_summary(m) for m in budget.monthly],
           "warnings": [w.message for w in budget.warnings], "underlyings": {}}
    text = [f"Spend forecast, {view.horizon} months, {view.n_paths:,} paths (seed {view.seed}), "
            f"volume-price correlation {view.rho:g}",
            f"  expected ${budget.total.expected:,.0f}; 95th percentile ${budget.total.p95:,.0f}; budget at risk "
            f"${budget.total.budget_at_risk:,.0f}; P(spend > ${budget_annual:,.0f}) = {budget.total.prob_over_budget:.1%}"]
    for u, part in view.underlyings.items():
        b = part.basis
        out["underlyings"][u] = {
            "unit": part.unit, "model": part.model, "index": part.index_name,
            "backtest": part.scores.to_dict("records"),
            "basis": {"intercept": b.intercept, "slope": b.slope, "r_squared": b.r_squared,
                      "residual_sd_monthly": b.residual_sd, "n": b.n},
            "volume_mean": [round(float(x), 3) for x in part.volume_mean],
            "volume_band_80": [[round(float(x), 3) for x in part.volume_bands[80][0]],
                               [round(float(x), 3) for x in part.volume_bands[80][1]]],
            "spend_expected": [round(float(x), 2) for x in part.spend.mean(axis=0)],
            "warnings": [w.message for w in part.warnings]}
        text.append(f"  {part.label}: volume model {part.model}, basis slope {b.slope:.2f} (R² {b.r_squared:.2f}), "
                    f"expected spend ${part.spend.sum(axis=1).mean():,.0f}")
    _print(out, args.json, "\n".join(text))
    return 0


def cmd_hedge(args: argparse.Namespace) -> int:
    policy = service.Policy(name=args.policy.replace("-", "_"), volume_percentile=args.percentile,
                            position_limit=args.position_limit, margin_budget=args.margin_budget,
                            excluded=tuple(args.exclude or ()))
    view, result, outcome = service.hedge_view(args.horizon, args.paths, args.seed, args.rho, policy, args.budget,
                                               settings=_settings(args))
    schedule = service.schedule_table(result, view)
    table = service.metrics_table(outcome)
    e = outcome.effectiveness
    out = {"policy": policy.name, "horizon": view.horizon, "paths": view.n_paths, "seed": view.seed,
           "schedule": schedule.to_dict("records"),
           "hedge_ratio_by_month": service.ratio_table(result, view).assign(
               month=lambda f: f["month"].dt.strftime("%Y-%m")).to_dict("records"),
           "before_after": {r.metric: {"unhedged": r.unhedged, "hedged": r.hedged} for r in table.itertuples()},
           "volatility_reduction": outcome.sd_reduction, "variance_reduction": outcome.variance_reduction,
           "program_cost": outcome.program_cost,
           "liquidity": {"initial_margin_by_month": outcome.liquidity.initial_margin.assign(
               month=lambda f: f["month"].dt.strftime("%Y-%m")).to_dict("records"),
               "peak_variation_margin_p95": outcome.liquidity.peak_variation_margin_p95},
           "effectiveness": None if e is None else {
               "slope": e.slope, "r_squared": e.r_squared, "dollar_offset": e.dollar_offset,
               "passes_regression": e.passes_regression, "passes_dollar_offset": e.passes_dollar_offset},
           "solver": {"status": result.program.status, "message": result.program.message},
           "warnings": [w.message for w in result.warnings]}
    text = [f"{service.POLICIES[policy.name]}: {len(schedule)} trades, {int(result.lots.sum()):,} lots, "
            f"cost ${outcome.program_cost:,.0f}",
            f"  volatility of {view.horizon}-month spend: ${outcome.unhedged.std:,.0f} -> ${outcome.hedged.std:,.0f} "
            f"({outcome.sd_reduction:+.1%} reduction); CVaR95 ${outcome.unhedged.cvar_95:,.0f} -> "
            f"${outcome.hedged.cvar_95:,.0f}",
            f"  margin: ${outcome.liquidity.initial_margin['initial margin'].max():,.0f} initial at peak; variation "
            f"margin p95 ${outcome.liquidity.peak_variation_margin_p95:,.0f}"]
    text += [f"  {r['contract']:<9} {r['delivery month']:<9} {r['trade date']:<12} buy {r['lots']:>9,} @ {r['price']:.4f}"
             for r in schedule.to_dict("records")]
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
    pdf = service.proposal_pdf(proposal_id, settings)
    with open(args.out, "wb") as fh:
        fh.write(pdf)
    _print({"proposal": proposal_id, "out": args.out, "bytes": len(pdf)}, args.json,
           f"Wrote proposal #{proposal_id} to {args.out} ({len(pdf) / 1024:,.0f} KB).")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    settings = _settings(args)
    outcomes = service.import_files([(None, p) for p in args.paths], settings, skip_bad_rows=args.skip_bad_rows)
    policy = service.Policy(name=args.policy.replace("-", "_"))
    proposal_id = service.save_proposal(args.name, args.company, horizon=args.horizon, n_paths=args.paths_sim,
                                        seed=args.seed, policy=policy, budget_annual=args.budget, settings=settings)
    pdf = service.proposal_pdf(proposal_id, settings)
    with open(args.out, "wb") as fh:
        fh.write(pdf)
    headline = service.load_proposal(proposal_id, settings)["headline"]
    _print({"imports": [o.summary() for o in outcomes], "proposal": proposal_id, "out": args.out,
            "headline": headline}, args.json,
           f"Imported {len(outcomes)} file(s); proposal #{proposal_id}: {headline['summary']}\nWrote {args.out}.")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hedging", description="Compute-cost hedging desk.")
    sub = parser.add_subparsers(dest="command", required=True)

    def add(name: str, func, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.add_argument("--db", metavar="URL", help="database URL (default: DATABASE_URL or the SQLite file)")
        p.add_argument("--json", action="store_true", help="print JSON")
        p.set_defaults(func=func)
        return p

    p = add("import", cmd_import, "Import usage or cost exports (format detected from the header).")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--skip-bad-rows", action="store_true",
                   help="import the valid rows and leave rejected rows out (default: refuse the file)")
    add("usage", cmd_usage, "Stored totals by month, provider and model.")
    add("imports", cmd_imports, "List stored imports.")
    p = add("delete", cmd_delete, "Delete one import and exactly its rows.")
    p.add_argument("import_id", type=int)
    add("sample", cmd_sample, "Load the sample company's exports.")
    p = add("forecast", cmd_forecast, "Volume, price and spend forecast with budget at risk.")
    p.add_argument("--horizon", type=int, default=12)
    p.add_argument("--paths", type=int, default=10_000)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--rho", type=float, default=0.3, help="volume-price correlation of monthly shocks")
    p.add_argument("--by", choices=["provider", "model", "team"], default="provider")
    p.add_argument("--budget", type=float, default=None, help="annual budget in USD (default: expected, rounded up)")
    p = add("report", cmd_report, "Write a saved proposal as a PDF.")
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--proposal", type=int, metavar="ID")
    which.add_argument("--latest", action="store_true")
    p.add_argument("--out", required=True, metavar="FILE.pdf")
    p = add("run", cmd_run, "Import exports, forecast, hedge, save a proposal and write its PDF in one run.")
    p.add_argument("paths", nargs="+", metavar="USAGE_FILE")
    p.add_argument("--out", required=True, metavar="FILE.pdf")
    p.add_argument("--name", default="Compute hedge proposal")
    p.add_argument("--company", default="")
    p.add_argument("--policy", choices=["min-variance", "min-cvar", "layered"], default="min-variance")
    p.add_argument("--horizon", type=int, default=12)
    p.add_argument("--paths-sim", type=int, default=10_000, help="simulated paths")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--budget", type=float, default=None)
    p.add_argument("--skip-bad-rows", action="store_true")
    p = add("hedge", cmd_hedge, "Build a futures hedge program and show spend before and after it.")
    p.add_argument("--policy", choices=["min-variance", "min-cvar", "layered"], default="min-variance")
    p.add_argument("--horizon", type=int, default=12)
    p.add_argument("--paths", type=int, default=10_000)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--rho", type=float, default=0.3)
    p.add_argument("--budget", type=float, default=None, help="annual budget in USD")
    p.add_argument("--percentile", type=float, default=25.0, help="lot cap: percentile of forecast volume")
    p.add_argument("--position-limit", type=int, default=1_000_000)
    p.add_argument("--margin-budget", type=float, default=None)
    p.add_argument("--exclude", nargs="*", help="underlyings or underlying:series to leave unhedged")
    p = add("market", cmd_market, "Forward curve and contract table of the local contract engine.")
    p.add_argument("--underlying", choices=["token", "gpu", "both"], default="both")
    p.add_argument("--model", choices=["auto", "calibrated", "paper"], default="auto")
    p.add_argument("--paths", type=int, default=20_000, help="Monte Carlo paths for the check (default 20,000)")
    p.add_argument("--seed", type=int, default=11)
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
