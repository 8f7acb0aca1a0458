"""Warnings in a treasurer's words: what happened, what it means for the decision, what to do.

The models emit :class:`~hedging.errors.HedgingWarning` with a stable ``code`` and a message that
carries the statistics ("lag-1 autocorrelation 0.88 … sqrt(12) x 0.112 = 0.389 (log units)").
:func:`advise` turns each into an :class:`Advice`: a plain ``message``, its ``consequence`` for the
numbers a board reads, an ``action`` that names the control to change by its label and page, and
the original text as ``statistics`` (shown one click away: the page's "The statistics" expander,
the PDF's appendix). Codes not listed in :data:`CATALOGUE` keep their own message and get the
action of their family (data, market model, forecast, program).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, replace

from hedging.errors import HedgingWarning
from hedging.service.import_advice import IMPORT_CATALOGUE


@dataclass(frozen=True)
class Advice:
    code: str
    message: str        # what happened, in plain words
    consequence: str    # what it means for the numbers the decision rests on
    action: str         # what to do, naming a control by its label and the page it is on
    statistics: str     # the warning as the model wrote it, with its figures
    page: str           # the page the action's control is on

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "Advice":
        return cls(**{k: str(data.get(k) or "") for k in ("code", "message", "consequence", "action", "statistics",
                                                          "page")})


DATA_IMPORT = "Import the later or missing exports with “Usage or cost exports” on the Data page"
HEDGE = "Hedge program"

#: code -> (message, consequence, action, page). ``{0}``, ``{1}`` take the figures :data:`FIGURES` reads.
CATALOGUE: dict[str, tuple[str, str, str, str]] = {
    "immaterial_trades": (
        "Some trades were too small to be worth booking and were dropped.",
        "Every figure shown is for the trades that remain, so the programme hedges a little less than the "
        "policy asked; the dropped trades are listed under “Dropped as immaterial”.",
        "Lower “Materiality threshold (USD)” on the Hedge program page to keep them.", HEDGE),
    "stale_market": (
        "The market price data is {0} days older than the analysis date.",
        "Futures prices, the hedge's cost and the price risk over those days are the model's estimates, not "
        "observed prices, so the budget at risk is somewhat wider than with current data.",
        "Upload a newer history with “Index history CSV” on the Market page, or move “As of” in the sidebar "
        "closer to the last print.", "Market"),
    "estimated_months": (
        "Your most recent usage months are estimated, not reported.",
        "The fiscal-year total and the budget comparison count those months as forecasts, so they are less "
        "certain than reported months would be.",
        DATA_IMPORT + ".", "Data"),
    "residual_autocorrelation": (
        "Your price drifts away from the index for several months at a time (the basis persists).",
        "The hedge removes less of your price risk than the fit suggests, and a programme that passes the "
        "hedge-accounting tests today may fail them at a later reporting date.",
        "Compare policies with “Policy” on the Hedge program page (minimum variance sizes the hedge on the "
        "measured fit), or choose another index with “Index” on the Market page.", HEDGE),
    "short_history": (
        "An estimate rests on only a few months of data.",
        "The hedge ratio and the forecast bands are rough: the programme may hedge too much or too little.",
        "Hedge less until more months exist: lower “Cap: percentile of forecast volume” on the Hedge program "
        "page; or import older exports on the Data page.", HEDGE),
    "basis_identity": (
        "Your price could not be compared with the index, so it is assumed to move one-for-one with it.",
        "The hedge's effectiveness is then an assumption, not a measurement, and is probably overstated.",
        "Import at least six months of usage with its cost on the Data page; until then, leave the underlying "
        "out with “Leave unhedged” on the Hedge program page.", HEDGE),
    "constant_unit_price": (
        "Your unit price did not move while the index did.",
        "Futures on that index would add risk instead of removing it.",
        "Leave that underlying out with “Leave unhedged” on the Hedge program page.", HEDGE),
    "missing_months": (
        "Some months have no usage at all from a provider.",
        "Those months are estimated from the months either side, so the history the forecast learns from is "
        "partly estimated.", DATA_IMPORT + ".", "Data"),
    "lagging_provider": (
        "Some providers' exports end earlier than others.",
        "Their latest months are carried at their recent average, so recent spend may be over- or understated.",
        DATA_IMPORT + ".", "Data"),
    "provider_stopped": (
        "A provider's usage stopped and it is treated as no longer used.",
        "If the company still uses it, the forecast, the budget at risk and the hedge are all too small.",
        DATA_IMPORT + ".", "Data"),
    "spike": (
        "One month's spend was a one-off spike ({0} times the months around it).",
        "The forecast treats it as a one-off; if such months recur, expected spend and the budget at risk are "
        "understated.",
        "Check that month on the Data page (“Break down by” provider or team); if it will recur, raise "
        "“Annual budget for AI compute (USD)” on the Forecast page.", "Data"),
    "fiscal_year_partly_covered": (
        "The data covers only part of the fiscal year.",
        "The budget is compared pro rata, so budget at risk and P(spend > budget) describe the covered months only.",
        "Choose the month the year starts with “Fiscal year starts in” on the Forecast page, or import earlier "
        "exports on the Data page.", "Forecast"),
    "adds_volatility": (
        "This programme makes spend more volatile, not less.",
        "It would cost fees and margin and make the budget less predictable.",
        "Choose “minimum variance” with “Policy” on the Hedge program page, or leave the underlying whose price "
        "moves against its index out with “Leave unhedged”.", HEDGE),
    "max_lots": (
        "Some months are hedged below the policy's target because of a lot limit.",
        "Those months keep more price risk than the policy intends.",
        "Raise “Position limit (lots per contract)” or “Cap: percentile of forecast volume” on the Hedge "
        "program page.", HEDGE),
    "margin_budget": (
        "The margin budget is smaller than the programme needs.",
        "The programme hedges less than the policy would, so more price risk stays with the budget.",
        "Raise “Margin budget (USD)” on the Hedge program page, or lower the layered ratios.", HEDGE),
    "margin_bound": (
        "The margin budget limits how much is hedged.",
        "The programme hedges less than the policy would, so more price risk stays with the budget.",
        "Raise “Margin budget (USD)” on the Hedge program page.", HEDGE),
    "search_limit": (
        "The search for whole lots stopped before it could prove the best answer.",
        "The lots are close to the best found; the risk figures shown are still measured on these lots.",
        "Try the layered policy with “Policy” on the Hedge program page, or fewer “Simulated paths” on the "
        "Forecast page.", HEDGE),
    "time_limit": (
        "A calculation stopped at its time limit.",
        "The result is the best found in the time; the figures shown are measured on it.",
        "Use fewer “Simulated paths” on the Forecast page.", "Forecast"),
    "price_change_in_history": (
        "An announced price change falls inside the reported history.",
        "It is applied only from the first forecast month; the history already holds it.",
        "Move or remove it under “Announced price changes” (“Remove”) on the Forecast page.", "Forecast"),
    "ceiling_unreachable": (
        "Caps alone cannot hold spend under the ceiling you set.",
        "The programme buys the caps that come closest; the 95% tail of spend stays above the ceiling.",
        "Raise “Spend ceiling for the caps-only policy, % above expected spend” or lower “Cap strike, % of the "
        "month's fair price” on the Hedge program page, or choose the futures-and-caps policy with “Policy”.", HEDGE),
    "intervals_widened": (
        "The volume forecast's ranges were widened: in the backtest, actual usage fell outside them more often "
        "than they promised.",
        "The forecast bands, the budget at risk and P(spend > budget) now hold about 80% and 95% of outcomes as "
        "stated; a budget set on the narrower bands would be overrun more often than planned.",
        "Nothing to change; to see the widening, open the backtest table on the Forecast page. A longer history "
        "(import older exports on the Data page) can narrow it.", "Forecast"),
    "backtest_coverage": (
        "In the backtest, actual usage fell outside the forecast's 80% range more often than it should.",
        "The volume ranges are too narrow: the budget at risk understates how far spend can move.",
        "Set the budget with room to spare in “Annual budget for AI compute (USD)” on the Forecast page, and "
        "import a longer history on the Data page.", "Forecast"),
    "intervals_uncalibrated": (
        "At some horizons the backtest had too few months to check the forecast's ranges.",
        "There the ranges are the models' own and may be too narrow, so the budget at risk may be understated.",
        "Import a longer history with “Usage or cost exports” on the Data page.", "Data"),
    "no_backtest": (
        "There are too few months to test the volume forecast against the past.",
        "One model is used without comparison and its ranges are unchecked; treat the budget at risk as rough.",
        "Import a longer history with “Usage or cost exports” on the Data page.", "Data"),
    "level_shift": (
        "Usage stepped up or down at some point (a migration or a new product) and the forecast allows for it.",
        "The trend is measured around the step, so the forecast does not extrapolate the jump itself.",
        "Check the month on the Data page (“Break down by” provider or model); nothing to change if the step "
        "is real.", "Data"),
    "zero_months": (
        "Some months after usage began show no usage at all.",
        "They are treated as very low usage; if they are missing exports, the forecast is too low.",
        DATA_IMPORT + ".", "Data"),
    "settlement_fixings_missing": (
        "Some daily index prints are missing in a settlement month.",
        "The month's settlement average uses the prints there are, so it may differ from a full month's.",
        "Upload a complete history with “Index history CSV” on the Market page.", "Market"),
    "realised_average_assumed": (
        "A contract is already in its settlement month; the prints so far are taken at today's index level.",
        "The first contract's settlement is partly an estimate.",
        "Upload the latest index prints with “Index history CSV” on the Market page.", "Market"),
    "model_default": (
        "The price model uses the paper's published parameters instead of a fit to this index.",
        "Simulated price risk follows the paper's estimates; a built-in index is constructed from price-list steps, so "
        "a fit to it would mistake those steps for volatility.",
        "Upload a real index history with “Index history CSV” on the Market page, or choose calibration with "
        "“Model parameters” to see the fit.", "Market"),
    "index_gap": (
        "The uploaded index history has long gaps between dates.",
        "The model treats each gap as one long step, so the fitted volatility may be off.",
        "Upload a history without gaps with “Index history CSV” on the Market page.", "Market"),
    "extrapolated": (
        "Some index months lie outside the cited price anchors and are held flat.",
        "Those months of the built-in index show no movement, so its history understates price changes.",
        "Upload a real index history with “Index history CSV” on the Market page.", "Market"),
    "after_as_of": (
        "Usage dated after the analysis date is left out.",
        "The analysis stands on what was known on the as-of date; later months do not count.",
        "Move “As of” in the sidebar to a later date to include them.", "Data"),
    "discount_in_history": (
        "A discount you entered already shows in the imported invoices, so it is not applied again.",
        "The forecast price already includes it; applying it twice would understate spend.",
        "Nothing to change if the start month is right; otherwise correct it in the natural hedges table and press "
        "“Apply commitments” on the Hedge program page.", HEDGE),
    "reserved_unused": (
        "Reserved capacity exceeds the usage forecast: part of it is paid for and not used.",
        "That take-or-pay cost is volume risk the commitment adds; no futures hedge removes it.",
        "Check the reserved volume in the natural hedges table and press “Apply commitments” on the Hedge program "
        "page.", HEDGE),
    "effectiveness_not_tested": (
        "The hedge-accounting tests could not run.",
        "Without them, hedge accounting (deferring gains and losses in equity) cannot be applied.",
        "Choose a policy that holds futures with “Policy” on the Hedge program page.", HEDGE),
}

CATALOGUE.update(IMPORT_CATALOGUE)   # the file readers' warnings, shown in each file's import report

#: Codes of the price model's calibration: one plain reading for all of them.
MODEL_CODES = ("weakly_identified", "parameter_at_bound", "calibration_failed", "hessian_not_invertible", "kappa_bias",
               "no_mean_reversion", "jumps_not_supported", "implausible_trend", "implausible_season", "subsample",
               "averages_without_jumps", "bootstrap_failed", "zero_scale")
#: Codes of the built-in index's construction.
INDEX_CODES = ("carried_back", "no_qualifying_quote", "cap_infeasible", "basket_starts_late")
INDEX = ("In some months the index could not be built the usual way (too few qualifying quotes, or no quote yet).",
         "Those months rest on fewer quotes or carried values, so the index history there is less reliable.",
         "Upload a licensed or internal index with “Index history CSV” on the Market page.", "Market")
MODEL = ("The price model's fit to the index history is uncertain.",
         "The simulated price risk, and so the budget at risk and the hedge's effect, depend on an assumption the "
         "data does not pin down.",
         "Use the paper's preset with “Model parameters” on the Market page, or upload a longer history with "
         "“Index history CSV”.", "Market")
#: Codes of the volume forecast.
FORECAST_CODES = ("calendar_ignored", "few_seasonal_differences", "mase_undefined", "negative_children",
                  "unscored_models", "dropped_months", "leading_zeros", "partial_month", "no_volume", "no_volumes",
                  "few_tail_paths", "prorated_annual_budget", "budgets_disagree")
FORECAST = ("The volume forecast had to work around the data.",
            "The forecast bands are less certain than the backtest table suggests.",
            "Check the months on the Data page; the horizon is set with “Horizon (months after the as-of month)” on "
            "the Forecast page.", "Forecast")

#: Figures a plain message quotes: code -> pattern whose groups fill ``{0}``, ``{1}``.
FIGURES = {"stale_market": re.compile(r"(\d+) days before"), "spike": re.compile(r"was ([\d.,]+) times")}


def advise(warning: HedgingWarning) -> Advice:
    """The treasurer's reading of ``warning`` (see the module docstring)."""
    code, text = warning.code, warning.message
    if code in CATALOGUE:
        message, consequence, action, page = CATALOGUE[code]
        if code == "short_history" and "basis" not in text:
            message = "The volume forecast rests on only a few months of usage."
        pattern = FIGURES.get(code)
        found = pattern.search(text) if pattern else None
        if "{0}" in message:
            message = message.format(*(found.groups() if found else ("several",)))
    elif code in MODEL_CODES:
        message, consequence, action, page = MODEL
    elif code in INDEX_CODES:
        message, consequence, action, page = INDEX
    elif code in FORECAST_CODES:
        message, consequence, action, page = FORECAST
    else:
        message, consequence, action, page = (text.split(". ")[0].rstrip(".") + ".",
                                              "The figures that depend on it are less certain than they look.",
                                              "Review the inputs on the Forecast and Hedge program pages "
                                              "(“Policy”, “Horizon (months after the as-of month)”).", HEDGE)
    return Advice(code, message, consequence, action, text, page)


def advice_list(warnings) -> list[Advice]:
    """Each point once, in the order first given: warnings that read the same in plain words (the
    token and the GPU index both 35 days old) are one point, with each one's statistics."""
    merged: dict[tuple[str, str, str], Advice] = {}
    for w in dict.fromkeys(warnings):
        a = advise(w)
        key = (a.message, a.consequence, a.action)
        if key in merged:
            a = replace(merged[key], statistics=merged[key].statistics + "\n" + a.statistics)
        merged[key] = a
    return list(merged.values())
