"""The import's warnings in a treasurer's words (merged into :data:`hedging.service.advice.CATALOGUE`).

Each file format's reader says what it assumed or left out in its own terms ("pricing_unit …
1,000 tokens (thousands)", "no BillingCurrency column"); the Data page shows, for each, what
happened, what it means for the spend totals, the forecast and the hedge, and the control that
fixes it, with the reader's own text one click away ("The statistics"). code -> (message,
consequence, action, page), as in the catalogue.
"""

from __future__ import annotations

DATA = "Data"
UPLOAD = "“Usage or cost exports” on the Data page"
#: The provider's cost export is exact where a usage export was priced at list prices.
COST_EXPORT = f"Import the provider's cost export for the same days with {UPLOAD} (its cost takes precedence)."
LIST_PRICED = ("The spend totals, the forecast and the hedge sized on them are understated by the premium, unless "
               "a cost export for the same days is imported.")

IMPORT_CATALOGUE: dict[str, tuple[str, str, str, str]] = {
    "repeated_rows": (
        "Some rows of the file repeat earlier rows and were counted once.",
        "Nothing is double-counted; if the repeats were real, separate requests, the spend totals are understated.",
        f"Nothing to change if the file was exported twice over; otherwise export it again and import it with {UPLOAD}.",
        DATA),
    "nothing_kept": (
        "None of the file's rows is AI usage, so nothing would be stored.",
        "The spend totals, the forecast and the hedge do not change.",
        f"Check that the right export was chosen (AI services only) and import it with {UPLOAD}.", DATA),
    "commitment_purchase": (
        "The file holds prepaid AI commitments (reserved capacity or savings plans), kept out of usage.",
        "They are an existing hedge: a price already fixed for part of the usage, so hedging that part again with "
        "futures would over-hedge it.",
        "Record them in the natural hedges table and press “Apply commitments” on the Hedge program page.",
        "Hedge program"),
    "multi_day_period": (
        "Some rows cover several days and are dated on their first day.",
        "Monthly totals stay right, but daily detail is lumped on one day, and a period that crosses a month end "
        "puts its cost in the first month.",
        f"Export the billing data at daily granularity and import it again with {UPLOAD}.", DATA),
    "commitment_drawdown": (
        "Some usage was drawn from a prepaid commitment and is counted at its effective cost.",
        "Spend reflects the cost of the usage, not the cash paid this month; the commitment's price is fixed, so "
        "that part of spend does not move with the index.",
        "Record the commitment in the natural hedges table and press “Apply commitments” on the Hedge program page.",
        "Hedge program"),
    "token_reversals": (
        "Some rows reverse earlier usage (credits or corrections) and are kept so that totals net out.",
        "Monthly totals are net of the reversals; a month with a large reversal looks cheaper than its usage.",
        "Nothing to change; check the month with “Break down by” provider on the Data page if it looks low.", DATA),
    "azure_direction_assumed": (
        "Some Azure token meters do not say whether tokens were input or output; they are counted as input.",
        "Total tokens and cost are right; the split between input and output tokens may be off for those meters.",
        f"Nothing to change for the hedge; for an exact split, import the Azure OpenAI usage export with {UPLOAD}.",
        DATA),
    "azure_currency_assumed": (
        "The Azure export names no currency, so its costs are taken as US dollars.",
        "If the account is billed in another currency, every amount from this file is off by the exchange rate.",
        f"Export the cost details with the BillingCurrency column and import them again with {UPLOAD} (delete this "
        "import first with “Delete an import”).", DATA),
    "byok_excluded": (
        "Requests run on your own provider keys (BYOK) are not in this file's cost; the provider bills them.",
        "Their tokens count here, their cost comes from that provider's own export; without it, spend is understated.",
        f"Import that provider's cost export for the same days with {UPLOAD}.", DATA),
    "unknown_service_tier": (
        "Some rows name a service tier this app does not know; they are marked “unknown”.",
        "Cost is kept as exported; only the tier breakdown is affected.",
        "Nothing to change for the hedge; the values are listed under “The statistics” below.", DATA),
    "long_context_priced_at_list": (
        "Some requests used the long context window, billed above standard rates, and are priced at the standard "
        "list price.", LIST_PRICED, COST_EXPORT, DATA),
    "speed_priced_at_list": (
        "Some requests used a faster, premium-priced mode and are priced at the standard list price.",
        LIST_PRICED, COST_EXPORT, DATA),
    "cache_write_1h_priced_as_5m": (
        "One-hour cache writes are priced as five-minute writes, which cost less.", LIST_PRICED, COST_EXPORT, DATA),
    "web_search_not_priced": (
        "Web searches are charged per search, not per token, and are not in the computed cost.",
        "Spend from this usage export leaves the searches out, so totals are understated by their cost.",
        COST_EXPORT, DATA),
    "unknown_token_type": (
        "Some rows carry a token type this app does not know; their cost is counted as token cost.",
        "Totals keep the cost; only the split by token type may be off.",
        "Nothing to change for the hedge; the values are listed under “The statistics” below.", DATA),
    "aws_unknown_line_item_type": (
        "Some Bedrock lines have a line item type this app does not know; they count as adjustments (cost, no "
        "tokens).",
        "Spend keeps their cost; if they were usage, token volumes and the effective price per token are off.",
        "Check the types listed under “The statistics” below; nothing to change if they are credits or fees.", DATA),
    "aws_unit_assumed": (
        "Some Bedrock token lines do not say their unit; one unit was taken as 1,000 tokens.",
        "If the unit differs, token volumes, the effective price per token and the hedge's lots are off by that "
        "factor; the cost is as billed.",
        f"Check one line against the Bedrock price, then export the report with its pricing unit and import it with "
        f"{UPLOAD}.", DATA),
    "aws_unit_assumed_millions": (
        "Some Bedrock marketplace lines do not say their unit; one unit was taken as a million tokens.",
        "If the unit differs, token volumes, the effective price per token and the hedge's lots are off by that "
        "factor; the cost is as billed.",
        f"Check one line against the marketplace price, then import a corrected export with {UPLOAD}.", DATA),
    "aws_rate_mismatch": (
        "On some Bedrock lines, rate times usage does not match the cost; the billed cost is used.",
        "Spend follows the bill; the effective price per token of those lines may look odd.",
        "Nothing to change; the count of lines is under “The statistics” below, to check with AWS if it is large.", DATA),
    "aws_multi_day_lines": (
        "Some Bedrock lines cover more than one day (a monthly report) and are dated on their first day.",
        "Monthly totals stay right; daily detail is lost, and the index fit sees fewer points.",
        f"Export the Cost and Usage Report at daily or hourly granularity and import it with {UPLOAD}.", DATA),
    "gcp_unit_assumed": (
        "Some Google Cloud token lines have no usage unit; their amount was taken as a token count.",
        "If the unit differs, token volumes and the effective price per token are off; the cost is as billed.",
        f"Include usage.unit in the billing export query and import it again with {UPLOAD}.", DATA),
    "gcp_characters": (
        "Some Google Cloud lines are metered in characters (older models), not tokens; their cost is kept as "
        "non-token cost.",
        "Spend keeps their cost; they add no tokens, so they do not move with the token price index.",
        "Nothing to change; to see their months, choose model under “Break down by” on the Data page.", DATA),
    "gcp_unit_not_tokens": (
        "Some Google Cloud lines are metered in another unit than tokens; their cost is kept as non-token cost.",
        "Spend keeps their cost; they add no tokens, so they do not move with the token price index.",
        "Nothing to change; to see their months, choose model under “Break down by” on the Data page.", DATA),
    "prompt_excludes_cache": (
        "In some LiteLLM rows the prompt tokens leave the cached tokens out; uncached input was worked out from "
        "what fits.",
        "Total tokens are right; the split between cached and uncached input may be off for those rows.",
        "Nothing to change for the hedge; the rows are counted under “The statistics” below.", DATA),
    "no_upstream_provider": (
        "Some LiteLLM rows do not name the provider that bills them; they are filed under “other”.",
        "Totals are right; the split by provider, and the reconciliation with each provider's invoice, miss them.",
        "Configure the provider in LiteLLM for these models, or check the rows with “Break down by” provider on the "
        "Data page.", DATA),
    "tag_rollup_overlaps": (
        "This LiteLLM tag roll-up counts a request once per tag, so totals can exceed real spend.",
        "Spend, the forecast and the hedge sized on it may be overstated.",
        f"Delete this import with “Delete an import” and import LiteLLM's DailyUserSpend or DailyTeamSpend with "
        f"{UPLOAD}.", DATA),
    "no_price_table": (
        "No list-price table was available, so usage without a cost column is shown at $0.",
        "Spend from this file is understated, and so are the forecast and the hedge.",
        COST_EXPORT, DATA),
    "unpriced_model": (
        "Some models have no list price on their usage dates, so their cost is counted as $0.",
        "Spend, the forecast and the hedge leave those models' cost out until a cost export gives it.",
        COST_EXPORT, DATA),
    "cache_priced_as_input": (
        "Some cached tokens have no cache price and are priced at the input price.",
        "Spend from this usage export is overstated for those tokens (cache is cheaper than input).",
        COST_EXPORT, DATA),
    "replaced_days": (
        "An earlier import of the same source held some of these days; its rows for them were replaced.",
        "Each day counts once, from the newer export; totals for those days may change.",
        "Nothing to change; to go back, delete this import with “Delete an import” and import the earlier file "
        "again.", DATA),
    "kept_with_import": (
        "A warning that the earlier import of this same file gave; the file was not read again.",
        "The stored figures are those of that import; nothing changed.",
        "Nothing to change; to import the file afresh, delete the earlier import with “Delete an import” and "
        "import it again.", DATA),
}
