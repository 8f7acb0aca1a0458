"""Invoice reconciliation: usage priced at list prices against what the provider actually charges.

Per billing provider and calendar month (UTC) four figures are set side by side:

- **usage at list price**: the tokens that count (the provider's usage export first, else the
  billing file's or the gateway's token counts; see :mod:`hedging.ingest.consolidate`) priced
  with the dated list-price table, batch-tier rows at the published 50%;
- **cost export**: the provider's own cost export (OpenAI, Anthropic console);
- **billing file**: FOCUS, AWS CUR, Azure cost details, GCP billing (and the canonical template
  when it says ``invoice``);
- **gateway estimate**: what a gateway log (OpenRouter, LiteLLM) says the calls cost.

The figure the app counts in its totals (invoice over estimate) is compared with the list-price
figure: ``difference = counted - list`` and ``difference % = difference / list``. A month is
flagged when any available figure differs from the list-price figure by more than the threshold.

The difference is split into causes read from the rows themselves, each row's cost going to exactly
one cause so that the causes add up to the difference:

- credits, and tax and adjustments: the charge category of the invoice rows (FOCUS ``ChargeCategory``);
- web search and other non-token charges: the rows' non-token cost (search, storage, provisioned);
- negotiated discount and batch discount: invoice rows that carry a list cost (FOCUS ``ListCost``,
  Anthropic ``list_price_usd``) charged below it, split by the rows' service tier;
- days and models missing from the usage export: invoice cost on provider-days, or models on a
  day, that have no usage rows; usage not on the invoice: estimated cost with no invoice rows;
- models without a list price: usage the price table cannot price (counted at $0 in the estimate);
- what remains on matched rows (token counts or unit prices differ) is named *cached tokens* when
  cache reads were priced at the input price for lack of a cache price and that overstatement can
  account for it, *batch discount* when it equals the discount the estimate assumed for batch rows,
  and *unexplained* otherwise.

Worked example (``tests/service/test_reconcile.py``): 100 M input and 10 M output gpt-4o tokens a
day for 10 days at $2.50 / $10.00 per million is $3,500 at list; a billing file at a 20% negotiated
discount with a $500 credit says $2,300, so the difference is -$1,200 (-34.3%): -$700 negotiated
discount and -$500 credits.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from hedging.config import Settings
from hedging.errors import InputError
from hedging.ingest import PriceTable
from hedging.ingest.prices import apply_computed_cost
from hedging.models import TOKEN_COLUMNS
from hedging.service import reconcile_gateway
from hedging.service.usage import counted_rows, default_settings, price_table, safe_csv, usage_aggregate

DEFAULT_THRESHOLD = 0.10

#: The kinds of source set side by side, and how each is labelled.
KINDS = {"usage": "usage export", "cost_export": "cost export", "billing": "billing file", "gateway": "gateway"}
_FORMAT_KIND = {
    "openai_usage": "usage", "anthropic_usage": "usage",
    "openai_cost": "cost_export", "anthropic_cost": "cost_export",
    "focus": "billing", "aws_cur": "billing", "azure_cost": "billing", "gcp_billing": "billing",
    "litellm": "gateway", "openrouter": "gateway",
}
_BASIS_KIND = {"computed": "usage", "invoice": "billing", "vendor_estimate": "cost_export",
               "gateway_estimate": "gateway"}

#: Causes in the order they are listed, with their labels.
CAUSES = {
    "credits": "credits",
    "tax": "tax and adjustments",
    "non_token": "web search and other non-token charges",
    "negotiated": "negotiated discount",
    "batch": "batch discount",
    "missing_days": "days missing from the usage export",
    "missing_models": "models missing from the usage export",
    "unbilled": "usage not on the invoice",
    "unpriced": "models without a list price",
    "cached": "cached tokens",
    "unexplained": "unexplained (token counts or unit prices differ)",
}
#: A cause smaller than this share of the list-price figure (and than a cent) is not listed.
MIN_CAUSE_SHARE = 0.001
MIN_CAUSE_USD = 0.01

_NO_MODEL = ("", "non-token charges")
_KEY = ["billing_provider", "month"]


@dataclass(frozen=True, eq=False)
class Reconciliation:
    """One row per billing provider and month (``months``) and the causes of each difference.

    ``months`` columns: provider, month (first day), list_usd, list_source, cost_export_usd,
    billing_usd, gateway_usd, counted_usd, counted_source, difference_usd, difference_pct (a
    fraction), max_gap_pct (largest gap of any figure from the list-price one), flagged, causes
    (text), then one ``<cause>_usd`` column per key of :data:`CAUSES`.
    ``causes`` columns: provider, month, cause, usd, share (of the list-price figure), how
    ("from the rows" or "likely"), evidence.
    """

    months: pd.DataFrame
    causes: pd.DataFrame
    threshold: float
    #: a gateway's estimate against the invoice, split into causes (:mod:`.reconcile_gateway`)
    gateway: pd.DataFrame = field(default_factory=reconcile_gateway.empty)

    def with_threshold(self, threshold: float) -> "Reconciliation":
        """The same reconciliation flagged at another threshold (nothing is recomputed but the flags)."""
        check_threshold(threshold)
        months = self.months.copy()
        months["flagged"] = _flags(months, threshold)
        return replace(self, months=months, threshold=threshold)

    @property
    def flagged(self) -> pd.DataFrame:
        return self.months[self.months["flagged"]]

    def table(self, flagged_only: bool = False) -> pd.DataFrame:
        """The months as people read them: labelled columns, units in the headers, newest first."""
        m = self.months.sort_values(["month", "provider"], ascending=[False, True])
        if flagged_only:
            m = m[m["flagged"]]
        pct = f"above {self.threshold * 100:g}%"
        out = pd.DataFrame({
            "provider": m["provider"],
            "month": m["month"].dt.strftime("%Y-%m"),
            "usage at list price (USD)": m["list_usd"],
            "cost export (USD)": m["cost_export_usd"],
            "billing file (USD)": m["billing_usd"],
            "gateway estimate (USD)": m["gateway_usd"],
            "counted in totals (USD)": m["counted_usd"],
            "counted from": m["counted_source"],
            "difference vs list (USD)": m["difference_usd"],
            "difference vs list (%)": m["difference_pct"] * 100,
            f"flagged ({pct})": np.where(m["flagged"], "yes", ""),
            "likely causes": m["causes"],
        })
        return out.reset_index(drop=True)

    def csv_frame(self) -> pd.DataFrame:
        """The table plus one column per cause (USD), for the CSV download."""
        m = self.months.sort_values(["month", "provider"], ascending=[False, True]).reset_index(drop=True)
        out = self.table()
        out["usage priced from"] = m["list_source"]
        out["largest gap of any figure from list (%)"] = m["max_gap_pct"] * 100
        for key, label in CAUSES.items():
            out[f"{label} (USD)"] = m[f"{key}_usd"]
        return out


def check_threshold(threshold: float) -> None:
    """Refuse a threshold that would flag everything or nothing (it is a fraction: 0.10 = 10%)."""
    if not (threshold == threshold and 0 < threshold <= 10):
        raise InputError("the threshold for flagging a difference must be above 0% and at most 1,000%.",
                         column="flag differences above", value=f"{threshold * 100:g}%",
                         fix="enter a percentage such as 10.")


def source_kind(source_format: str, cost_basis: str) -> str:
    """Which of :data:`KINDS` a stored row's source is (the canonical template by its cost basis)."""
    return _FORMAT_KIND.get(source_format) or _BASIS_KIND.get(cost_basis, "billing")


def reconcile_frame(stored: pd.DataFrame, prices: PriceTable | None,
                    threshold: float = DEFAULT_THRESHOLD) -> Reconciliation:
    """Reconcile stored rows (canonical columns, as stored, not yet consolidated).

    ``threshold`` is a fraction (0.10 = 10%). Pure: no database, no files.
    """
    check_threshold(threshold)
    if stored.empty:
        return Reconciliation(_empty_months(), _empty_causes(), threshold)
    raw = counted_rows(stored)
    raw["kind"] = [source_kind(f, b) for f, b in zip(raw["source_format"], raw["cost_basis"])]
    estimate = _estimate(raw[raw["counts_tokens"]], prices)
    invoice = raw[raw["counts_cost"]]

    figures = raw.groupby(_KEY).agg(counted_usd=("counted_usd", "sum")).reset_index()
    for kind in ("cost_export", "billing", "gateway"):
        rows = raw[raw["kind"] == kind]
        # two files of one kind for the same provider-day (a FOCUS file and a CUR): one of them, as
        # consolidation picks, so that the figure is never the two added together
        first = rows.groupby(["billing_provider", "usage_date"])["source_format"].transform("min")
        part = rows[rows["source_format"] == first].groupby(_KEY)["cost_usd"].sum().rename(f"{kind}_usd")
        figures = figures.merge(part.reset_index(), on=_KEY, how="left")
    est = estimate.groupby(_KEY).agg(list_usd=("est", "sum"), list_source=("source_format", _joined)).reset_index()
    figures = figures.merge(est, on=_KEY, how="left")
    figures = figures.merge(invoice.groupby(_KEY).agg(counted_source=("source_format", _joined)).reset_index(),
                            on=_KEY, how="left")
    figures["list_source"] = figures["list_source"].fillna("")
    figures["counted_source"] = figures["counted_source"].fillna("")
    if prices is None:
        figures["list_usd"] = np.nan
    causes = _causes(invoice, estimate, figures)
    return Reconciliation(_finish(figures, causes, threshold), causes, threshold,
                          reconcile_gateway.gateway_causes(raw, prices))


def reconciliation(settings: Settings | None = None, threshold: float = DEFAULT_THRESHOLD,
                   stored: pd.DataFrame | None = None) -> Reconciliation:
    """Reconcile everything stored (the Data page's section and ``hedging reconcile``). ``stored``:
    the stored rows as read (every row, or ``usage_aggregate``, read here when not given)."""
    settings = settings or default_settings()
    frame = usage_aggregate(settings) if stored is None else stored
    return reconcile_frame(frame, price_table(settings), threshold)


def reconciliation_csv(rec: Reconciliation) -> bytes:
    """The CSV download: one row per provider and month, units in the headers."""
    return safe_csv(rec.csv_frame())


# --- the estimate ---------------------------------------------------------------------------------


def _estimate(rows: pd.DataFrame, prices: PriceTable | None) -> pd.DataFrame:
    """The counted token rows priced at list price: ``est`` (USD, 0 where unpriced), ``unpriced``
    (no list price for the model that day), ``cache_at_input`` (USD of cache reads priced at the
    input price for lack of a cache price) and ``batch_saving`` (the 50% the estimate took off)."""
    out = rows.copy()
    if out.empty or prices is None:
        out["est"], out["unpriced"] = 0.0, prices is None
        out["cache_at_input"], out["batch_saving"] = 0.0, 0.0
        return out
    tokens = out[list(TOKEN_COLUMNS)].sum(axis=1).to_numpy()
    sign = np.where(tokens < 0, -1, 1)  # reversals (negative tokens) are priced as negative usage
    positive = out.assign(cost_basis="computed", cost_usd=0.0, list_cost_usd=np.nan,
                          **{c: out[c].to_numpy() * sign for c in TOKEN_COLUMNS})
    priced, _ = apply_computed_cost(positive, prices)
    out["est"] = priced["cost_usd"].to_numpy() * sign
    out["unpriced"] = priced["list_cost_usd"].isna().to_numpy() & (tokens != 0)
    p = prices.prices_for(out["model"].to_numpy(), out["usage_date"].to_numpy())
    p_in = p["input_usd_per_m"].to_numpy(dtype=float)
    no_cache_price = np.isnan(p["cache_read_usd_per_m"].to_numpy(dtype=float)) & ~np.isnan(p_in)
    batch = out["service_tier"].to_numpy() == "batch"
    factor = np.where(batch, 0.5, 1.0)
    out["cache_at_input"] = np.where(no_cache_price, out["cache_read_tokens"].to_numpy() * np.nan_to_num(p_in)
                                     / 1e6 * factor, 0.0)
    out["batch_saving"] = np.where(batch, out["est"].to_numpy(), 0.0)  # the estimate is half of list
    return out


# --- the causes -----------------------------------------------------------------------------------


def _causes(invoice: pd.DataFrame, estimate: pd.DataFrame, figures: pd.DataFrame) -> pd.DataFrame:
    """Every invoice row's cost and every estimated row's cost assigned to exactly one cause."""
    inv = invoice.copy()
    est = estimate.copy()
    cat = inv["charge_category"].to_numpy()
    est_days = set(zip(est["billing_provider"], est["usage_date"]))
    est_models = set(zip(est["billing_provider"], est["usage_date"], est["model"]))
    day = pd.Series(list(zip(inv["billing_provider"], inv["usage_date"])), dtype=object)
    has_model = ~inv["model"].isin(_NO_MODEL).to_numpy()
    covered = day.isin(est_days).to_numpy()
    model_key = pd.Series(list(zip(inv["billing_provider"], inv["usage_date"], inv["model"])), dtype=object)
    model_covered = model_key.isin(est_models).to_numpy()
    bucket = np.select(
        [cat == "credit", np.isin(cat, ["tax", "adjustment", "purchase"]), ~covered, has_model & ~model_covered],
        ["credits", "tax", "missing_days", "missing_models"], "matched")
    inv["bucket"] = bucket
    cost = inv["cost_usd"].to_numpy(dtype=float)
    matched = bucket == "matched"
    non_token = np.where(matched, inv["non_token_cost_usd"].to_numpy(dtype=float), 0.0)
    listed = inv["list_cost_usd"].to_numpy(dtype=float)
    # a discount only where the row says what the same charge costs at list price
    discount = np.where(matched & ~np.isnan(listed), cost - np.nan_to_num(listed), 0.0)
    batch = inv["service_tier"].to_numpy() == "batch"
    inv["non_token"] = non_token
    inv["negotiated"] = np.where(batch, 0.0, discount)
    inv["batch"] = np.where(batch, discount, 0.0)
    inv["token_part"] = np.where(matched, cost - non_token - discount, 0.0)
    amounts = {key: pd.Series(dtype=float) for key in CAUSES}
    whole = inv[~matched]
    for key in ("credits", "tax", "missing_days", "missing_models"):
        amounts[key] = whole[whole["bucket"] == key].groupby(_KEY)["cost_usd"].sum()
    for key in ("non_token", "negotiated", "batch"):
        amounts[key] = inv.groupby(_KEY)[key].sum()
    # match token parts with the estimate: by model where the invoice names models, else by day
    inv_days_with_models = set(zip(inv.loc[matched & has_model, "billing_provider"],
                                   inv.loc[matched & has_model, "usage_date"]))
    est_by_model = pd.Series(list(zip(est["billing_provider"], est["usage_date"])), dtype=object).isin(
        inv_days_with_models).to_numpy()
    est["group"] = np.where(est_by_model, est["model"], "*")
    inv["group"] = np.where(has_model, inv["model"], "*")
    keys = ["billing_provider", "usage_date", "group"]
    left = inv[matched].groupby(keys + ["month"]).agg(token_part=("token_part", "sum"),
                                                     inv_cache=("cache_read_tokens", "sum")).reset_index()
    right = est.groupby(keys + ["month"]).agg(est=("est", "sum"), unpriced=("unpriced", "any"),
                                              cache_at_input=("cache_at_input", "sum"),
                                              batch_saving=("batch_saving", "sum")).reset_index()
    both = left.merge(right, on=keys + ["month"], how="outer")
    for col in ("token_part", "est", "cache_at_input", "batch_saving", "inv_cache"):
        both[col] = both[col].fillna(0.0)
    both["unpriced"] = both["unpriced"].astype("boolean").fillna(False).astype(bool)
    in_left = both.set_index(keys).index.isin(left.set_index(keys).index)
    unbilled = ~in_left
    both["unbilled"] = np.where(unbilled, -both["est"], 0.0)
    both["unpriced_usd"] = np.where(~unbilled & both["unpriced"], both["token_part"] - both["est"], 0.0)
    both["remainder"] = np.where(~unbilled & ~both["unpriced"], both["token_part"] - both["est"], 0.0)
    amounts["unbilled"] = both.groupby(_KEY)["unbilled"].sum()
    amounts["unpriced"] = both.groupby(_KEY)["unpriced_usd"].sum()
    rem = both.groupby(_KEY).agg(remainder=("remainder", "sum"), cache_at_input=("cache_at_input", "sum"),
                                 batch_saving=("batch_saving", "sum"))
    rows = []
    # each provider-month's rows, split once (filtering the whole frame per month is slow)
    split = [({k: g for k, g in frame.groupby(_KEY, sort=False)}, frame.iloc[:0]) for frame in (inv, est, both)]
    for (provider, month), fig in figures.set_index(_KEY).iterrows():
        base = fig["list_usd"]
        if not np.isfinite(base):
            continue  # nothing to price (GPU rental, cost-only sources): no estimate to reconcile
        listed_amounts = {key: float(amounts[key].get((provider, month), 0.0)) for key in CAUSES}
        r = rem.loc[(provider, month)] if (provider, month) in rem.index else None
        remainder = float(r["remainder"]) if r is not None else 0.0
        frames = [parts.get((provider, month), empty) for parts, empty in split]
        likely = _name_remainder(remainder, r, base)
        listed_amounts[likely] += remainder
        for key, usd in listed_amounts.items():
            if abs(usd) < _floor(base):
                continue
            how = "likely" if key in ("cached", "unexplained") or (key == "batch" and likely == "batch") \
                else "from the rows"
            rows.append({"provider": provider, "month": month, "cause": CAUSES[key], "key": key, "usd": usd,
                         "share": usd / base if base else np.nan, "how": how, "evidence": _evidence(key, *frames)})
    out = pd.DataFrame(rows, columns=list(_empty_causes().columns))
    return out


def _floor(base: float) -> float:
    """The smallest cause listed: 0.1% of the list-price figure (rounding to cents over a month
    stays below it), and at least a cent."""
    return max(MIN_CAUSE_USD, MIN_CAUSE_SHARE * abs(base))


def _name_remainder(remainder: float, r, base: float) -> str:
    """What the matched rows' remainder most likely is, from what the estimate did."""
    if r is None or remainder == 0:
        return "unexplained"
    tolerance = _floor(base)
    if remainder < 0 and float(r["cache_at_input"]) > 0 and -remainder <= float(r["cache_at_input"]) + tolerance:
        return "cached"
    if float(r["batch_saving"]) > 0 and abs(remainder - float(r["batch_saving"])) <= tolerance:
        return "batch"
    return "unexplained"


def _evidence(key: str, i: pd.DataFrame, e: pd.DataFrame, b: pd.DataFrame) -> str:
    """One sentence naming the rows cause ``key`` comes from: ``i`` the month's invoice rows, ``e``
    its estimated rows, ``b`` its matched groups (computed only for the causes listed)."""
    if key in ("credits", "tax"):
        n = _rows(i[i["bucket"] == key])
        return f"{n:,} invoice row(s) with charge category {'credit' if key == 'credits' else 'tax or adjustment'}."
    if key == "non_token":
        ws = i[i["non_token"] != 0]
        return (f"non-token cost on {_rows(ws):,} invoice row(s) "
                f"({', '.join(sorted(set(ws['model']) - {''})[:3]) or 'no model'}).")
    if key == "negotiated":
        disc = i[i["negotiated"] != 0]
        lst = disc["list_cost_usd"].sum()
        rate = -disc["negotiated"].sum() / lst if lst else np.nan
        return f"{_rows(disc):,} invoice row(s) charged below their list cost (${lst:,.2f} at list, {rate:.1%} off)."
    if key == "batch":
        return (f"batch-tier rows: the invoice's own list cost, or the 50% the estimate took off "
                f"(${float(e['batch_saving'].sum()):,.2f}).")
    if key == "missing_days":
        days = sorted({d.strftime("%Y-%m-%d") for d in i.loc[i["bucket"] == "missing_days", "usage_date"]})
        return f"{len(days):,} day(s) billed with no usage rows ({_few(days)})."
    if key == "missing_models":
        models = sorted(set(i.loc[i["bucket"] == "missing_models", "model"]))
        return f"billed but absent from the usage export on those days: {_few(models)}."
    if key == "unbilled":
        return f"{int((b['unbilled'] != 0).sum()):,} day-model group(s) in the usage export with no invoice rows."
    if key == "unpriced":
        return f"no list price for {_few(sorted(set(e.loc[e['unpriced'], 'model'])))}: the estimate counts them at $0."
    if key == "cached":
        cached = e[e["cache_at_input"] > 0]
        return (f"{int(cached['cache_read_tokens'].sum()):,} cache-read tokens priced at the input price (the price "
                f"table has no cache price for {_few(sorted(set(cached['model'])))}).")
    if set(e["source_format"]) and set(e["source_format"]) == set(i["source_format"]):
        return ("the file's own charges differ from its tokens at list price: contract or regional prices, a "
                "premium tier, or list prices that changed; check the contract's unit prices.")
    return ("the matched invoice and usage rows differ: check that the usage export covers every project, "
            "workspace and key the invoice bills, and the contract's unit prices.")


def _rows(frame: pd.DataFrame) -> int:
    """Stored rows in ``frame``: its length, or what its summed rows stand for (``rows``)."""
    return int(frame["rows"].sum()) if "rows" in frame else len(frame)


def _few(items: list[str], n: int = 4) -> str:
    items = [str(x) or "(blank)" for x in items]
    return ", ".join(items[:n]) + (f" and {len(items) - n} more" if len(items) > n else "") if items else "none"


def _finish(figures: pd.DataFrame, causes: pd.DataFrame, threshold: float) -> pd.DataFrame:
    m = figures.rename(columns={"billing_provider": "provider"}).copy()
    m["difference_usd"] = m["counted_usd"] - m["list_usd"]
    with np.errstate(divide="ignore", invalid="ignore"):
        m["difference_pct"] = np.where(m["list_usd"] > 0, m["difference_usd"] / m["list_usd"], np.nan)
        gaps = pd.DataFrame({c: (m[c] - m["list_usd"]).abs() / m["list_usd"].where(m["list_usd"] > 0)
                             for c in ("counted_usd", "cost_export_usd", "billing_usd", "gateway_usd")})
    m["max_gap_pct"] = gaps.max(axis=1, skipna=True)
    m["flagged"] = _flags(m, threshold)
    wide = (causes.astype({"usd": float}).pivot_table(index=["provider", "month"], columns="key", values="usd",
                                                       aggfunc="sum") if len(causes) else pd.DataFrame())
    for key in CAUSES:
        col = wide[key] if key in wide.columns else pd.Series(dtype=float)
        m[f"{key}_usd"] = [float(col.get((p, mo), 0.0)) if np.isfinite(lu) else np.nan
                           for p, mo, lu in zip(m["provider"], m["month"], m["list_usd"])]
    text = {}
    for (p, mo), part in causes.groupby(["provider", "month"]):
        part = part.reindex(part["usd"].abs().sort_values(ascending=False).index)
        text[(p, mo)] = "; ".join(f"{c} {_signed(u)}" + (" (likely)" if h == "likely" else "")
                                  for c, u, h in zip(part["cause"], part["usd"], part["how"]))
    m["causes"] = [text.get((p, mo), "agrees with list price") if np.isfinite(lu) else "no token usage to price"
                   for p, mo, lu in zip(m["provider"], m["month"], m["list_usd"])]
    cols = ["provider", "month", "list_usd", "list_source", "cost_export_usd", "billing_usd", "gateway_usd",
            "counted_usd", "counted_source", "difference_usd", "difference_pct", "max_gap_pct", "flagged", "causes"]
    return m[cols + [f"{k}_usd" for k in CAUSES]].sort_values(["provider", "month"]).reset_index(drop=True)


def _flags(m: pd.DataFrame, threshold: float) -> np.ndarray:
    """Months where a figure is further than ``threshold`` from the list-price one, or where usage
    could not be priced at all but was charged."""
    unpriceable = (m["list_usd"] == 0) & (m["counted_usd"].abs() > 0.005)
    # compared at 0.0001% so that a contract's exact 10% discount is not flagged at a 10% threshold
    return (m["max_gap_pct"].round(6) > threshold).to_numpy(dtype=bool) | unpriceable.to_numpy(dtype=bool)


def _signed(usd: float) -> str:
    return f"{'-' if usd < 0 else '+'}${abs(usd):,.0f}" if abs(usd) >= 100 else \
        f"{'-' if usd < 0 else '+'}${abs(usd):,.2f}"


def _joined(values: pd.Series) -> str:
    return ", ".join(sorted(set(values)))


def _empty_causes() -> pd.DataFrame:
    return pd.DataFrame(columns=["provider", "month", "cause", "key", "usd", "share", "how", "evidence"])


def _empty_months() -> pd.DataFrame:
    cols = ["provider", "month", "list_usd", "list_source", "cost_export_usd", "billing_usd", "gateway_usd",
            "counted_usd", "counted_source", "difference_usd", "difference_pct", "max_gap_pct", "flagged", "causes"]
    return pd.DataFrame(columns=cols + [f"{k}_usd" for k in CAUSES])
