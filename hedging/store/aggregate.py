"""Stored usage summed in the database to what the Data page's figures need.

A daily row is one day x source x billing provider x account x model x team x project x key x tier
x region x charge category. The Data page's totals and charts (monthly spend, which import counts,
the invoice reconciliation) never look at the account, project, key, region or model developer, so
the database sums the rows over those (``GROUP BY`` on SQLite and PostgreSQL alike) and hands back
one row per import, day, provider, source, cost basis, model, team, tier and charge category: a
large gateway log with thousands of keys and projects becomes a few per cent of its rows.

Every figure computed from stored rows is a sum of per-row amounts chosen by per-row tests (is the
cost zero, are there tokens, is there a list cost, is the row GPU rental...). So that each test
gives the same answer for a summed row as for every row in it, the rows are also grouped by the
outcome of each test (the sign of the cost, of the tokens, of the non-token cost, of cost minus list
cost; whether the list cost is missing; whether there are GPU-hours). ``rows`` says how many stored
rows each summed row stands for, for the sentences that count rows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sqlalchemy import case, func, select
from sqlalchemy.engine import Engine

from hedging.models import COUNT_COLUMNS, USAGE_COLUMNS, empty_usage_frame

from .engine import connect
from .tables import UsageRecord

#: Columns summed over (the Data page never reads them): left blank in the result.
SUMMED_OVER = ("account_id", "project_id", "api_key_id", "region", "model_developer")
#: Columns the rows are grouped by.
KEPT = ("usage_date", "source_format", "billing_provider", "model_raw", "model", "team", "service_tier",
        "charge_category", "cost_basis")
_AMOUNTS = ("gpu_hours", "cost_usd", "list_cost_usd", "billed_cost_usd", "non_token_cost_usd")


def _sign(expr):
    return case((expr > 0, 1), (expr < 0, -1), else_=0)


def usage_aggregate(engine: Engine, workspace_id: int = 1) -> pd.DataFrame:
    """Stored usage of workspace ``workspace_id`` summed over :data:`SUMMED_OVER` (see the module's
    text): canonical columns (those summed over are ""), plus ``import_id`` and ``rows``, sorted by day."""
    t = UsageRecord.__table__.c
    tokens = t.input_tokens + t.cache_read_tokens + t.cache_write_tokens + t.output_tokens
    any_token = case(((t.input_tokens != 0) | (t.cache_read_tokens != 0) | (t.cache_write_tokens != 0)
                      | (t.output_tokens != 0), 1), else_=0)
    tests = [_sign(t.cost_usd), _sign(tokens), any_token, _sign(t.non_token_cost_usd), _sign(t.gpu_hours),
             case((t.list_cost_usd.is_(None), 2), else_=_sign(t.cost_usd - t.list_cost_usd)),
             case((t.billed_cost_usd.is_(None), 1), else_=0)]
    keys = [t.import_id] + [t[c] for c in KEPT] + [x.label(f"_test{i}") for i, x in enumerate(tests)]
    sums = [func.sum(t[c]).label(c) for c in COUNT_COLUMNS + _AMOUNTS]
    query = (select(*keys, *sums, func.count().label("rows"))
             .where(t.workspace_id == workspace_id)
             .group_by(t.import_id, *[t[c] for c in KEPT], *tests)
             .order_by(t.usage_date, t.import_id))
    with connect(engine) as conn:
        rows = conn.execute(query).fetchall()
    columns = ["import_id", *KEPT, *[f"_test{i}" for i in range(len(tests))], *COUNT_COLUMNS, *_AMOUNTS, "rows"]
    if not rows:
        out = empty_usage_frame()
        out["import_id"] = pd.Series(dtype="int64")
        out["rows"] = pd.Series(dtype="int64")
        return out
    frame = pd.DataFrame.from_records(rows, columns=columns)
    frame["usage_date"] = pd.to_datetime(frame["usage_date"]).astype("datetime64[s]")
    for col in (*COUNT_COLUMNS, "import_id", "rows"):  # PostgreSQL sums integers as NUMERIC
        frame[col] = frame[col].astype(np.int64)
    for col in _AMOUNTS:
        frame[col] = pd.to_numeric(frame[col], errors="coerce").astype(float)
    for col in SUMMED_OVER:
        frame[col] = ""
    return frame[list(USAGE_COLUMNS) + ["import_id", "rows"]]
