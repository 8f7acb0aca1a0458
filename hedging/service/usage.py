"""Usage: importing exports, listing and deleting imports, and monthly spend.

Every function takes :class:`~hedging.config.Settings` (or builds them from the environment) and
returns plain frames, dicts or the frozen result objects of :mod:`hedging.models`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from functools import lru_cache
from pathlib import Path

import pandas as pd

from hedging import store
from hedging.config import Settings
from hedging.errors import InputError, RejectedRowsError
from hedging.ingest import PriceTable
from hedging.ingest import read_usage as _read_usage
from hedging.ingest.consolidate import consolidate
from hedging.ingest.source import Source
from hedging.models import TOKEN_COLUMNS, ImportOutcome, ImportSummary, UsageRead


def default_settings() -> Settings:
    return Settings.from_env(os.environ)


@lru_cache(maxsize=4)
def _price_table(path: str, mtime: float) -> PriceTable | None:
    return PriceTable.load(path) if Path(path).exists() else None


def price_table(settings: Settings | None = None) -> PriceTable | None:
    """The bundled dated list-price table (``sample_data/list_prices.csv``)."""
    settings = settings or default_settings()
    path = settings.sample_dir / "list_prices.csv"
    return _price_table(str(path), path.stat().st_mtime if path.exists() else 0.0)


def read_usage(source: Source, name: str | None = None, *, settings: Settings | None = None) -> UsageRead:
    """Read one export into canonical rows without touching any database (see README)."""
    settings = settings or default_settings()
    return _read_usage(source, name, prices=price_table(settings), max_bytes=settings.max_upload_bytes)


def import_files(files: Iterable[tuple[str | None, Source]], settings: Settings | None = None, *,
                 skip_bad_rows: bool = False,
                 progress: Callable[[float, str], None] | None = None) -> list[ImportOutcome]:
    """Read every file, then store them all in one transaction.

    Any file-level problem, or any rejected row when ``skip_bad_rows`` is false, raises before
    anything is stored. Files with no AI usage at all are reported but not stored.
    ``progress(fraction, message)`` hears how far reading has got (storing is the last 5%).
    """
    settings = settings or default_settings()
    files = list(files)
    reads = []
    for i, (name, src) in enumerate(files):
        def step(fraction: float, message: str, i: int = i) -> None:
            if progress:
                progress(0.95 * (i + fraction) / len(files), message)

        reads.append(_read_usage(src, name, prices=price_table(settings), max_bytes=settings.max_upload_bytes,
                                 progress=step))
    for read in reads:
        if read.rejected and not skip_bad_rows:
            raise RejectedRowsError(read.file_name, read.rejected, read.rows_read)
    storable = [r for r in reads if len(r.frame)]
    if progress:
        progress(0.95, f"Storing {sum(len(r.frame) for r in storable):,} daily rows…")
    stored = iter(store.save_imports(store.get_engine(settings.database_url), storable, progress=progress))
    return [next(stored) if len(r.frame) else ImportOutcome(r, None) for r in reads]


def transaction(settings: Settings | None = None):
    """One database transaction around a block of service calls (``hedging run``): everything
    stored inside it is committed together or rolled back together."""
    settings = settings or default_settings()
    return store.transaction(settings.database_url)


def sample_files(settings: Settings | None = None) -> list[Path]:
    """The sample company's exports, in the order a user would upload them."""
    settings = settings or default_settings()
    folder = settings.sample_dir / "company"
    files = sorted(p for p in folder.glob("*.csv"))
    if not files:
        raise InputError(f"no sample exports found in {folder}.", fix="run `python sample_data/generate.py`.")
    return files


def load_sample_company(settings: Settings | None = None) -> list[ImportOutcome]:
    settings = settings or default_settings()
    return import_files([(p.name, p) for p in sample_files(settings)], settings)


def list_imports(settings: Settings | None = None) -> list[ImportSummary]:
    settings = settings or default_settings()
    return store.list_imports(store.get_engine(settings.database_url))


def delete_import(import_id: int, settings: Settings | None = None) -> int:
    settings = settings or default_settings()
    return store.delete_import(store.get_engine(settings.database_url), import_id)


def stored_usage(settings: Settings | None = None) -> pd.DataFrame:
    """All stored rows, consolidated so each provider-day's cost and tokens count once."""
    settings = settings or default_settings()
    return consolidate(store.usage_frame(store.get_engine(settings.database_url)))


_DIMENSIONS = {"provider": "billing_provider", "model": "model", "team": "team", "format": "source_format"}


def monthly_usage(settings: Settings | None = None, by: str = "provider") -> pd.DataFrame:
    """Monthly spend (USD), tokens (millions) and GPU-hours by one dimension.

    Columns: month (first day), ``by`` label, cost_usd, tokens_m (all input incl. cache + output,
    millions), gpu_hours, usd_per_m_tokens (effective price; NaN where no tokens).
    """
    column = _DIMENSIONS[by]
    frame = stored_usage(settings)
    if frame.empty:
        return pd.DataFrame(columns=["month", by, "cost_usd", "tokens_m", "gpu_hours", "usd_per_m_tokens"])
    frame = frame.assign(
        month=frame["usage_date"].dt.to_period("M").dt.to_timestamp(),
        tokens=frame[list(TOKEN_COLUMNS)].sum(axis=1),
        label=frame[column].replace("", "(unassigned)"),
    )
    out = frame.groupby(["month", "label"], sort=True).agg(
        cost_usd=("cost_usd", "sum"), tokens=("tokens", "sum"), gpu_hours=("gpu_hours", "sum")).reset_index()
    out["tokens_m"] = out.pop("tokens") / 1e6
    # Token cost counts wherever consolidation put it (often on a cost export's rows, which carry
    # no tokens), minus per-search and other non-token charges, and never GPU rental.
    token_rows = frame["gpu_hours"] == 0
    token_cost = (frame.loc[token_rows, "cost_usd"] - frame.loc[token_rows, "non_token_cost_usd"]).groupby(
        [frame.loc[token_rows, "month"], frame.loc[token_rows, "label"]]).sum()
    out["usd_per_m_tokens"] = [
        token_cost.get((m, lab), float("nan")) / t if t > 0 else float("nan")
        for m, lab, t in zip(out["month"], out["label"], out["tokens_m"])]
    return out.rename(columns={"label": by})


def usage_totals(settings: Settings | None = None) -> list[dict]:
    """Stored totals by month, billing provider and model (the CLI's ``usage --json``)."""
    frame = stored_usage(settings)
    if frame.empty:
        return []
    frame = frame.assign(month=frame["usage_date"].dt.strftime("%Y-%m"))
    cols = list(TOKEN_COLUMNS) + ["requests"]
    g = frame.groupby(["month", "billing_provider", "model"], sort=True)
    out = g[cols].sum().join(g[["cost_usd", "gpu_hours"]].sum()).reset_index()
    records = []
    for row in out.itertuples(index=False):
        rec = {"month": row.month, "provider": row.billing_provider, "model": row.model,
               "cost_usd": round(float(row.cost_usd), 6), "gpu_hours": round(float(row.gpu_hours), 6)}
        rec.update({c: int(getattr(row, c)) for c in cols})
        records.append(rec)
    return records


def data_version(settings: Settings | None = None) -> str:
    """What the stored usage is, for cache keys: each import's content (file SHA-256) and the rows it
    holds now (an overlapping re-import replaces rows of earlier imports). Keyed by content, never by
    ids, so a deleted and re-imported or corrected export can never be served from a stale cache."""
    items = list_imports(settings)
    return ";".join(sorted(f"{i.sha256}:{i.rows_stored}" for i in items)) or "empty"


def import_report(outcomes: list[ImportOutcome], max_rejected: int = 5000) -> list[dict]:
    """Plain dicts for the Data page: the CLI summary plus skipped reasons and rejected rows."""
    report = []
    for o in outcomes:
        item = o.summary()
        item["skipped"] = dict(o.read.skipped)
        item["rejected"] = o.read.rejected_frame().head(max_rejected).to_dict("records")
        report.append(item)
    return report


def rejected_report(error: RejectedRowsError, max_rejected: int = 5000) -> dict:
    """The Data page's view of a file refused because of rejected rows."""
    rows = [{"row": r.row, "column": r.column, "value": r.value, "reason": r.reason, "fix": r.fix}
            for r in error.rejected[:max_rejected]]
    return {"message": str(error), "file": error.file, "rejected": rows}


def charts():
    """The shared plotly figure builders (pages reach them through the service)."""
    from hedging.report import charts as _charts

    return _charts


def safe_csv(frame: pd.DataFrame) -> bytes:
    """CSV bytes with cells that a spreadsheet would run as formulas (= + - @) neutralised."""
    def neutral(v):
        return "'" + v if isinstance(v, str) and v[:1] in ("=", "+", "-", "@") else v

    return frame.map(neutral).to_csv(index=False).encode("utf-8")
