"""A realistic synthetic proposal, shaped like the frozen payload the app saves.

Numbers come from a small seeded simulation (lognormal monthly spend around a growing forecast,
a long futures position that offsets part of the price move), so the tables, headline figures
and charts agree with one another. Nothing here calls the product's services: the report must
render whatever a saved proposal holds.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hedging.report import charts

BUDGET = 4_900_000.0
HORIZON = 12
PATHS = 10_000
SEED = 7

HOSTILE_COMPANY = "Northwind" + "A" * 500
HOSTILE_TEAMS = ("<script>alert('x')</script>", '=HYPERLINK("http://evil.example","click")',
                 "研究团队 🚀 ML-Ops", "فريق البيانات")


def _months(start: str, n: int) -> pd.DatetimeIndex:
    return pd.date_range(start, periods=n, freq="MS")


def _paths(rng: np.random.Generator):
    """Unhedged and hedged monthly spend, USD, shape (PATHS, HORIZON)."""
    base = np.linspace(360_000, 450_000, HORIZON)
    price = np.exp(np.cumsum(rng.normal(0, 0.035, (PATHS, HORIZON)), axis=1))
    volume = np.exp(rng.normal(0, 0.05, (PATHS, HORIZON)))
    unhedged = base * price * volume
    ratio = np.array([0.75] * 3 + [0.5] * 3 + [0.25] * 6)
    hedged = unhedged - ratio * base * (price - 1.0)
    return base, unhedged, hedged


def _figures(rng: np.random.Generator, future, unhedged, hedged, ratios: pd.DataFrame) -> dict[str, str]:
    hist = _months("2024-11-01", 24)
    hist_spend = np.linspace(250_000, 365_000, 24) * np.exp(rng.normal(0, 0.04, 24))
    figs = {
        "spend_fan": charts.spend_fan(hist, hist_spend, future, unhedged, BUDGET / 12, "Monthly spend forecast"),
        "hedge_ratios": charts.hedge_ratio_bars(ratios),
        "distribution": charts.distribution_overlay(unhedged.sum(axis=1), hedged.sum(axis=1), BUDGET,
                                                    "Spend over the next 12 months"),
        "fan_compare": charts.fan_compare(future, unhedged, hedged, "Monthly spend, unhedged and hedged"),
        "margin": charts.margin_chart(pd.DataFrame({"month": future,
                                                    "initial margin": np.linspace(126_698, 20_000, HORIZON)})),
    }
    for key, unit, level in (("token", "M tokens", 480_000.0), ("gpu", "GPU-hours", 38_000.0)):
        hv = level * np.linspace(0.6, 1.0, 24) * np.exp(rng.normal(0, 0.05, 24))
        mean = level * np.linspace(1.02, 1.3, HORIZON)
        bands = {lev: (mean * (1 - w), mean * (1 + w)) for lev, w in ((50, 0.06), (80, 0.12), (95, 0.2))}
        figs[f"volume_{key}"] = charts.volume_fan(hist, hv, future, mean, bands, unit, f"Volume forecast ({unit})")
        idx = np.exp(rng.normal(0, 0.2, 24)) * (0.7 if key == "token" else 2.1)
        company = idx ** 0.9 * np.exp(rng.normal(0.05, 0.04, 24))
        figs[f"basis_{key}"] = charts.basis_scatter(idx, company, hist, 0.9, 0.05,
                                                    "USD per M tokens" if key == "token" else "USD per GPU-hour",
                                                    "USD per M tokens" if key == "token" else "USD per GPU-hour",
                                                    f"Company price against the {key} index")
    return {k: f.to_json() for k, f in figs.items()}


def _schedule(rng: np.random.Generator, future, rows: int | None, teams: tuple[str, ...]) -> list[dict]:
    out = []
    count = rows if rows is not None else 36
    for i in range(count):
        token = i % 3 != 2
        month = future[(i // 2) % HORIZON]
        trade = future[min(i // 6, HORIZON - 1)]
        price = 0.70 - 0.002 * (i % HORIZON) if token else 2.15 + 0.01 * (i % HORIZON)
        lots = int(rng.integers(20, 400) if token else rng.integers(2, 30))
        size = 1.0 if token else 1000.0
        root = "SIT" if token else "GPUH"
        contract = f"{root}{month.strftime('%y%m')}"
        if teams and i < len(teams):
            contract = teams[i]
        out.append({"contract": contract, "underlying": "token" if token else "gpu",
                    "delivery month": month.strftime("%b %Y"),
                    "trade date": "now" if i < 6 else trade.strftime("%d %b %Y"),
                    "side": "buy", "lots": lots, "price": round(price, 4),
                    "notional (USD)": lots * price * size * (1000.0 if token else 1.0),
                    "initial margin (USD)": lots * (48.0 if token else 390.0),
                    "cost (USD)": lots * (0.9 if token else 6.5)})
    return out


def make_proposal(*, schedule_rows: int | None = None, figures: bool = True, hostile: bool = False) -> dict:
    """A proposal payload as saved by the app, with ``schedule_rows`` trades (default 36).

    ``hostile`` fills every user-supplied text field with layout-breaking content: a 500-character
    unbroken company name, HTML, spreadsheet formulas, emoji, CJK and right-to-left text.
    """
    rng = np.random.default_rng(2026)
    future = _months("2026-12-01", HORIZON)
    base, unhedged, hedged = _paths(rng)
    ratios = pd.DataFrame([{"month": m, "underlying": u, "hedge ratio": r * f}
                           for u, f in (("token", 1.0), ("gpu", 0.8))
                           for m, r in zip(future, [0.75] * 3 + [0.5] * 3 + [0.25] * 6)])
    teams = HOSTILE_TEAMS if hostile else ()
    company = HOSTILE_COMPANY if hostile else "Northwind Analytics"
    file_name = "openai_usage_2024-11_2026-10.csv"
    if hostile:
        file_name = "=cmd|' /C calc'!A0 " + "x" * 300 + " 数据 😀.csv"

    monthly = []
    for j, m in enumerate(future):
        col = unhedged[:, j]
        monthly.append({"month": m.strftime("%b %Y"), "expected": float(col.mean()),
                        "80% low": float(np.quantile(col, 0.1)), "80% high": float(np.quantile(col, 0.9)),
                        "95th pct": float(np.quantile(col, 0.95)), "budget": BUDGET / 12,
                        "P(spend > budget)": float(np.mean(col > BUDGET / 12))})

    u_tot, h_tot = unhedged.sum(axis=1), hedged.sum(axis=1)
    metric_rows = [("Expected spend", u_tot.mean(), h_tot.mean()), ("Standard deviation", u_tot.std(), h_tot.std()),
                   ("Coefficient of variation", u_tot.std() / u_tot.mean(), h_tot.std() / h_tot.mean()),
                   ("VaR 95%", np.quantile(u_tot, 0.95), np.quantile(h_tot, 0.95)),
                   ("Budget at risk (95% − expected)", 600_814.0, 543_339.0),
                   ("P(spend > budget)", 0.44, 0.46),
                   ("Worst month (95th percentile)", np.quantile(unhedged.max(axis=1), 0.95),
                    np.quantile(hedged.max(axis=1), 0.95))]
    metrics = [{"metric": n, "unhedged": float(a), "hedged": float(b), "change": float(b - a)}
               for n, a, b in metric_rows]

    stress = []
    for name, up in (("baseline", 1.0), ("application-layer demand explosion", 1.41),
                     ("accelerated technology progress", 0.6), ("price doubles within a quarter", 1.8),
                     ("price falls 60%", 0.45), ("volume triples", 2.7)):
        ue = 4_864_846.0 * up
        he = ue - (ue - 4_864_846.0) * (0.45 if name != "volume triples" else 0.05)
        stress.append({"scenario": name,
                       "what it assumes": f"Every simulated index path is scaled so that spend reaches {up:.2f} "
                                          "times the baseline within three months and stays there; the hedge covers "
                                          "the planned volume only.",
                       "unhedged, expected": ue, "unhedged, 95th pct": ue * 1.12, "hedged, expected": he,
                       "hedged, 95th pct": he * 1.09, "hedge P&L, expected": ue - he})

    return {
        "id": 3, "name": "FY27 compute hedge", "company": company,
        "created_at": "2026-11-24T03:30:00+00:00", "app_version": "0.1.0",
        "inputs": {"policy": "min_variance", "policy_label": "Minimum variance of each month's spend",
                   "horizon": HORIZON, "paths": PATHS, "seed": SEED, "rho": 0.3, "budget_annual": BUDGET,
                   "volume_percentile": 25.0, "position_limit": 1_000_000, "margin_budget": None,
                   "excluded": list(teams), "bands": [[3, 0.75], [6, 0.5], [12, 0.25]]},
        "provenance": {
            "imports": [{"id": 1, "file_name": file_name,
                         "sha256": "9f2c1e7a5b3d4c8e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f70",
                         "format": "openai_usage", "first_day": "2024-11-01", "last_day": "2026-10-31", "rows": 2620},
                        {"id": 2, "file_name": "gpu_rentals_focus.csv",
                         "sha256": "0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9",
                         "format": "focus", "first_day": "2024-11-01", "last_day": "2026-10-31", "rows": 731}],
            "indices": [{"underlying": "token", "name": "Token price index (capability-adjusted, 30% cap)",
                         "unit": "USD per million tokens", "illustrative": True, "valuation_date": "2026-11-01",
                         "spot": 0.6977, "points": 47},
                        {"underlying": "gpu", "name": "H100 rental index", "unit": "USD per GPU-hour",
                         "illustrative": False, "valuation_date": "2026-11-01", "spot": 2.14, "points": 36}],
            "models": [{"underlying": "token", "label": "Mean-reverting jump diffusion (paper preset, Table 3)",
                        "parameters": {"kappa": 2.5, "beta": -0.35, "sigma": 0.40, "lam": 3.0, "mu_j": 0.10,
                                       "sigma_j": 0.25, "season": 0.08}},
                       {"underlying": "gpu",
                        "label": "Mean-reverting jump diffusion (calibrated by maximum likelihood)",
                        "parameters": {"kappa": 1.8, "beta": -0.12, "sigma": 0.31, "lam": 1.2, "mu_j": 0.06,
                                       "sigma_j": 0.18, "season": 0.0}}],
            "contracts": [{"root": "SIT", "name": "Token index futures", "lot": "1M tokens", "tick": 0.01,
                           "assumption_note": "After the paper's SIT design; no exchange has published "
                                              "specifications."},
                          {"root": "GPUH", "name": "GPU-hour index futures", "lot": "1,000 GPU-hours", "tick": 0.01,
                           "assumption_note": "Cash-settled on the monthly average of the daily index; this "
                                              "app's assumption."}]},
        "headline": {"expected_spend": 4_864_846.0, "budget": BUDGET, "sd_before": 353_373.0, "sd_after": 318_565.0,
                     "volatility_reduction": 0.099, "variance_reduction": 0.187, "bar_before": 600_814.0,
                     "bar_after": 543_339.0, "prob_over_before": 0.44, "prob_over_after": 0.46,
                     "program_cost": 17_333.0, "initial_margin_peak": 126_698.0, "vm_p95": 234_353.0,
                     "horizon_months": HORIZON,
                     "summary": "Buying 36 futures trades over the next year cuts budget-at-risk from $600,814 to "
                                "$543,339 (volatility down 9.9%) for $17,333 in fees, with up to $361,051 of margin "
                                "cash needed."},
        "tables": {
            "exposure": [{"underlying": "AI tokens", "unit": "M tokens", "expected volume, horizon": 7_100_000,
                          "hedgeable share": 0.92, "expected spend (USD)": 3_950_000.0, "basis slope": 0.91,
                          "basis R²": 0.76, "volume uncertainty (sd/mean)": 0.081},
                         {"underlying": "GPU-hours", "unit": "GPU-hours", "expected volume, horizon": 540_000,
                          "hedgeable share": 1.0, "expected spend (USD)": 914_846.0, "basis slope": 0.98,
                          "basis R²": 0.88, "volume uncertainty (sd/mean)": 0.064}],
            "schedule": _schedule(rng, future, schedule_rows, teams),
            "ratios": [{"month": m.strftime("%b %Y"), "underlying": u, "hedge ratio": float(r)}
                       for m, u, r in zip(ratios["month"], ratios["underlying"], ratios["hedge ratio"])],
            "metrics": metrics,
            "monthly_budget": monthly,
            "stress": stress,
            "backtest_scores": {"token": [{"model": "ets", "MASE": 0.82, "80% coverage": 0.79, "95% coverage": 0.93,
                                           "forecasts": 66, "note": ""},
                                          {"model": "seasonal_naive", "MASE": 1.0, "80% coverage": 0.71,
                                           "95% coverage": 0.88, "forecasts": 66, "note": ""}],
                                "gpu": [{"model": "drift", "MASE": 0.94, "80% coverage": 0.8, "95% coverage": 0.95,
                                         "forecasts": 66, "note": "two months with zero usage"}]},
            "history": {"token": {"sd_unhedged": 41_200.0, "sd_hedged": 33_900.0, "total_unhedged": 3_120_000.0,
                                  "total_hedged": 3_084_500.0}},
        },
        "statements": {
            "basis": "The company's token price tracks the index with slope 0.91 and R² 0.76; the residual "
                     "volatility of 11% a year is basis risk the futures cannot remove.",
            "effectiveness": {"slope": -0.69, "r_squared": 0.76, "dollar_offset": 3.05, "passes": False,
                              "explanation": "The dollar offset of 3.05 lies outside the 0.80-1.25 band and the slope "
                                             "of -0.69 outside -1.25 to -0.80, so the relationship would not "
                                             "qualify as "
                                             "highly effective under the US GAAP bright lines.",
                              "ifrs9_note": "IFRS 9 drops the 80-125% bright line: an economic relationship, credit "
                                            "risk not dominating and a documented hedge ratio suffice; ineffectiveness "
                                            "is still measured and reported in profit or loss."},
            "paper_check": "Re-running the paper's Table 3 model with its published parameters reproduces a volatility "
                           "reduction of 58% for a pure price exposure; this company's 9.9% is lower because volume "
                           "and basis risk are not hedgeable.",
            "methodology": ["Monthly volume is forecast per underlying by the model with the best rolling-origin "
                            "backtest; its intervals are widened when the backtest coverage falls short.",
                            "Index paths follow a mean-reverting jump diffusion with a time-varying mean; futures "
                            "prices are the model's conditional expectation in closed form, checked against "
                            "Monte Carlo.",
                            "The company's unit price follows its index through the fitted basis regression, and "
                            "volume shocks correlate with price shocks (rho 0.3)."],
            "assumptions": ["Futures can be bought at the model's fair price plus half the bid-ask spread and a fee "
                            "of $0.90 per token lot and $6.50 per GPU-hour lot.",
                            "Initial margin follows max(alpha x sigma_20 x sqrt(T) x notional, floor); maintenance "
                            "margin is 75% of initial."],
            "data_sources": ["Token price index: providers' published list prices, compiled by the app (illustrative).",
                             "GPU rental index: public H100 rental price observations, CC BY 4.0.",
                             "Company usage: the imported exports listed below."],
            "warnings": ["The token index is illustrative: it is built from list prices, not from traded prices.",
                         "Volume uncertainty is not hedgeable: the program hedges the 25th-percentile volume."],
        },
        "figures": _figures(rng, future, unhedged, hedged, ratios) if figures else {},
    }
