"""A gateway's estimate against the invoice, per billing provider and month, split into causes.

A gateway (LiteLLM SpendLogs or its daily tables) prices every call it proxies from its own price
map and stores the upstream provider (``openai``, ``anthropic``, ``aws`` …) as the billing
provider. Where the same provider and month also has an invoice (a billing file: FOCUS, CUR,
Azure, GCP; or the provider's cost export), ``difference = gateway - invoice`` is split into
causes read from the rows, each row's cost going to exactly one of them so that they add up to the
difference:

- **credits, tax and adjustments** on the invoice (its charge category): the gateway has none;
- **days the gateway did not see** (invoice cost on provider-days with no gateway rows: traffic
  that did not go through the proxy) and **gateway days not on the invoice**;
- **models the gateway did not see** (on shared days, invoice rows of models absent from the
  gateway) and **gateway models not on the invoice** (only where the invoice names models);
- **non-token charges** (web search, storage): the gateway's non-token cost less the invoice's;
- **invoice discounts** (negotiated or batch): invoice rows that carry their list cost (FOCUS
  ``ListCost``, Anthropic ``list_price_usd``) charged below it;
- **gateway prices vs list prices**: the gateway's cost of its matched rows less the same tokens
  at the dated list prices; named **cached tokens** (likely) when the gateway's cache-read tokens
  priced at the input price rather than the cache-read price can account for it;
- **token counts differ**: the matched gateway tokens at list price less the invoice's matched
  charges at list price (requests that bypassed the proxy on a day and model it also saw, retries
  the provider did not bill …).

Worked example (``tests/service/test_reconcile_gateway.py``): gpt-4o, 10 days, 100 M uncached
input, 20 M cached input and 10 M output tokens a day through LiteLLM, whose price map charges the
cached tokens at the $2.50 input price ($4,000 at the gateway against $3,750 at list with the
$1.25 cache price); the FOCUS bill is list less 20% with a $300 credit and one extra day of $400 at
list the gateway did not see: $3,000 + $320 - $300 = $3,020. Difference $980 = $250 cached tokens +
$750 invoice discount + $300 credit - $320 day not seen.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hedging.ingest import PriceTable
from hedging.ingest.prices import apply_computed_cost
from hedging.models import TOKEN_COLUMNS

#: Causes in the order they are listed, with their labels.
GATEWAY_CAUSES = {
    "charges": "credits, tax and adjustments on the invoice",
    "invoice_days": "days the gateway did not see",
    "gateway_days": "gateway days not on the invoice",
    "invoice_models": "models the gateway did not see",
    "gateway_models": "gateway models not on the invoice",
    "non_token": "non-token charges (web search, storage)",
    "discounts": "invoice discounts (negotiated, batch)",
    "cached": "cached tokens priced at the input price by the gateway",
    "price_map": "gateway prices differ from list prices",
    "tokens": "token counts differ (calls that bypassed the gateway, retries)",
}
_LIKELY = {"cached", "tokens"}
_KEY = ["billing_provider", "month"]
_NO_MODEL = ("", "non-token charges")
COLUMNS = ["provider", "month", "gateway_usd", "invoice_usd", "difference_usd", "cause", "key", "usd", "how",
           "evidence"]


def empty() -> pd.DataFrame:
    return pd.DataFrame(columns=COLUMNS)


def gateway_causes(raw: pd.DataFrame, prices: PriceTable | None, floor_share: float = 0.001) -> pd.DataFrame:
    """Causes of gateway minus invoice, one row per provider, month and cause (``COLUMNS``).

    ``raw`` is the stored rows with ``kind`` (see :func:`hedging.service.reconcile.source_kind`)
    and ``month``. Only provider-months with both a gateway figure and an invoice figure are split;
    causes smaller than ``floor_share`` of the gateway figure (and than a cent) are left out.
    """
    gateway = _one_source(raw[raw["kind"] == "gateway"])
    invoice = _one_source(raw[raw["kind"].isin(["billing", "cost_export"])])
    if gateway.empty or invoice.empty:
        return empty()
    both = set(map(tuple, gateway[_KEY].drop_duplicates().to_numpy())) & \
        set(map(tuple, invoice[_KEY].drop_duplicates().to_numpy()))
    if not both:
        return empty()
    gateway = _priced(gateway[[k in both for k in zip(gateway["billing_provider"], gateway["month"])]], prices)
    invoice = invoice[[k in both for k in zip(invoice["billing_provider"], invoice["month"])]].copy()
    rows = []
    for (provider, month), g in gateway.groupby(_KEY, sort=True):
        i = invoice[(invoice["billing_provider"] == provider) & (invoice["month"] == month)]
        amounts, evidence = _split(g, i)
        g_usd, i_usd = float(g["cost_usd"].sum()), float(i["cost_usd"].sum())
        floor = max(0.01, floor_share * abs(g_usd))
        for key, usd in amounts.items():
            if abs(usd) < floor:
                continue
            rows.append({"provider": provider, "month": month, "gateway_usd": g_usd, "invoice_usd": i_usd,
                         "difference_usd": g_usd - i_usd, "cause": GATEWAY_CAUSES[key], "key": key, "usd": usd,
                         "how": "likely" if key in _LIKELY else "from the rows", "evidence": evidence[key]})
    return pd.DataFrame(rows, columns=COLUMNS) if rows else empty()


def _one_source(rows: pd.DataFrame) -> pd.DataFrame:
    """Per provider-day one source format of a kind (a FOCUS file and a CUR of the same days are
    the same bill, never added together), as the reconciliation's figures take it."""
    if rows.empty:
        return rows
    first = rows.groupby(["billing_provider", "usage_date"])["source_format"].transform("min")
    return rows[rows["source_format"] == first]


def _priced(rows: pd.DataFrame, prices: PriceTable | None) -> pd.DataFrame:
    """Gateway rows with ``list_usd`` (their tokens at the dated list price; NaN where the table has
    no price) and ``cache_over_usd`` (what pricing their cache reads at the input price adds)."""
    out = rows.copy()
    if prices is None or out.empty:
        out["list_usd"], out["cache_over_usd"] = np.nan, 0.0
        return out
    priced, _ = apply_computed_cost(out.assign(cost_basis="computed", cost_usd=0.0, list_cost_usd=np.nan), prices)
    tokens = out[list(TOKEN_COLUMNS)].abs().sum(axis=1).to_numpy()
    out["list_usd"] = np.where(priced["list_cost_usd"].isna().to_numpy() & (tokens > 0), np.nan,
                               priced["cost_usd"].to_numpy(dtype=float))
    p = prices.prices_for(out["model"].to_numpy(), out["usage_date"].to_numpy())
    gap = p["input_usd_per_m"].to_numpy(dtype=float) - p["cache_read_usd_per_m"].to_numpy(dtype=float)
    out["cache_over_usd"] = np.nan_to_num(out["cache_read_tokens"].to_numpy(dtype=float) * np.maximum(gap, 0) / 1e6)
    return out


def _split(g: pd.DataFrame, i: pd.DataFrame) -> tuple[dict[str, float], dict[str, str]]:
    """One provider-month: every gateway and invoice row's cost assigned to one cause."""
    amounts = dict.fromkeys(GATEWAY_CAUSES, 0.0)
    evidence = dict.fromkeys(GATEWAY_CAUSES, "")
    cat = i["charge_category"].to_numpy()
    charges = np.isin(cat, ["credit", "tax", "adjustment", "purchase"])
    amounts["charges"] = -float(i.loc[charges, "cost_usd"].sum())
    evidence["charges"] = f"{int(charges.sum()):,} invoice row(s) with charge category credit, tax or adjustment."
    i = i[~charges]

    g_days, i_days = set(g["usage_date"]), set(i["usage_date"])
    only_i = ~i["usage_date"].isin(g_days).to_numpy()
    only_g = ~g["usage_date"].isin(i_days).to_numpy()
    amounts["invoice_days"] = -float(i.loc[only_i, "cost_usd"].sum())
    amounts["gateway_days"] = float(g.loc[only_g, "cost_usd"].sum())
    evidence["invoice_days"] = f"billed with no gateway rows: {_days(i.loc[only_i, 'usage_date'])}."
    evidence["gateway_days"] = f"gateway rows with no invoice rows: {_days(g.loc[only_g, 'usage_date'])}."
    i, g = i[~only_i], g[~only_g]

    # models: compared only on days where the invoice names models (a bill without models matches by day)
    named = ~i["model"].isin(_NO_MODEL).to_numpy()
    i_pairs = set(zip(i.loc[named, "usage_date"], i.loc[named, "model"]))
    g_pairs = set(zip(g["usage_date"], g["model"]))
    named_days = {d for d, _m in i_pairs}
    i_missing = named & ~np.array([p in g_pairs for p in zip(i["usage_date"], i["model"])], dtype=bool)
    g_missing = np.array([d in named_days and (d, m) not in i_pairs for d, m in zip(g["usage_date"], g["model"])],
                         dtype=bool)
    amounts["invoice_models"] = -float(i.loc[i_missing, "cost_usd"].sum())
    amounts["gateway_models"] = float(g.loc[g_missing, "cost_usd"].sum())
    evidence["invoice_models"] = f"billed, not in the gateway log: {_few(sorted(set(i.loc[i_missing, 'model'])))}."
    evidence["gateway_models"] = f"in the gateway log, not billed: {_few(sorted(set(g.loc[g_missing, 'model'])))}."
    i, g = i[~i_missing], g[~g_missing]

    i_cost = i["cost_usd"].to_numpy(dtype=float)
    g_cost = g["cost_usd"].to_numpy(dtype=float)
    i_non = i["non_token_cost_usd"].to_numpy(dtype=float)
    g_non = g["non_token_cost_usd"].to_numpy(dtype=float)
    amounts["non_token"] = float(g_non.sum() - i_non.sum())
    evidence["non_token"] = (f"${g_non.sum():,.2f} of non-token cost in the gateway log, ${i_non.sum():,.2f} "
                             "on the invoice.")
    listed = i["list_cost_usd"].to_numpy(dtype=float)
    discount = np.where(np.isnan(listed), 0.0, i_cost - np.nan_to_num(listed))
    amounts["discounts"] = -float(discount.sum())
    n_disc = int((discount != 0).sum())
    evidence["discounts"] = (f"{n_disc:,} invoice row(s) charged below their list cost "
                             f"(${np.nan_to_num(listed)[discount != 0].sum():,.2f} at list).")
    i_tokens_at_list = float((i_cost - i_non - discount).sum())  # the invoice's matched charges at list
    g_tokens = g_cost - g_non
    g_list = g["list_usd"].to_numpy(dtype=float)
    unpriced = np.isnan(g_list)
    g_list = np.where(unpriced, g_tokens, g_list)  # no list price: the gateway's own price is taken as list
    price_gap = float((g_tokens - g_list).sum())
    cache_over = float(g["cache_over_usd"].to_numpy(dtype=float)[~unpriced].sum())
    tolerance = max(0.01, 0.001 * abs(float(g_cost.sum())))
    if price_gap > 0 and cache_over > 0 and abs(price_gap - cache_over) <= tolerance:
        amounts["cached"] = price_gap
    else:
        amounts["price_map"] = price_gap
    cached_tokens = int(g["cache_read_tokens"].sum())
    evidence["cached"] = (f"{cached_tokens:,} cache-read tokens in the gateway log; at the input price instead of "
                          f"the cache-read price they add ${cache_over:,.2f}.")
    evidence["price_map"] = ("the gateway's cost of its matched rows against the same tokens at the dated list "
                             f"prices ({int(unpriced.sum()):,} row(s) of models without a list price taken at the "
                             "gateway's own price).")
    amounts["tokens"] = float(g_list.sum()) - i_tokens_at_list
    evidence["tokens"] = (f"{int(g[list(TOKEN_COLUMNS)].to_numpy().sum()):,} tokens in the gateway's matched rows "
                          f"(${g_list.sum():,.2f} at list) against ${i_tokens_at_list:,.2f} billed at list.")
    return amounts, evidence


def _days(values) -> str:
    days = sorted({pd.Timestamp(d).strftime("%Y-%m-%d") for d in values})
    return f"{len(days):,} day(s) ({_few(days)})" if days else "none"


def _few(items: list[str], n: int = 4) -> str:
    items = [str(x) or "(blank)" for x in items]
    return ", ".join(items[:n]) + (f" and {len(items) - n} more" if len(items) > n else "") if items else "none"
