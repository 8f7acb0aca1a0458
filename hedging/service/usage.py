"""Usage: importing exports, listing and deleting imports, and monthly spend.

Every function takes :class:`~hedging.config.Settings` (or builds them from the environment) and
returns plain frames, dicts or the frozen result objects of :mod:`hedging.models`.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from hedging import fmt, store
from hedging.config import Settings
from hedging.errors import InputError, RejectedRowsError, StorageError
from hedging.ingest import PriceTable
from hedging.ingest import read_usage as _read_usage
from hedging.ingest.consolidate import COST_RANK, consolidate
from hedging.ingest.source import Source
from hedging.models import TOKEN_COLUMNS, ImportOutcome, ImportSummary, UsageRead
from hedging.service import access, audit
from hedging.service.advice import advice_list
from hedging.store import audit as audit_store


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
    return _read_usage(source, name, prices=lambda: price_table(settings), max_bytes=settings.max_upload_bytes)


def import_files(files: Iterable[tuple[str | None, Source]], settings: Settings | None = None, *,
                 skip_bad_rows: bool = False,
                 progress: Callable[[float, str], None] | None = None,
                 actor: str | None = None) -> list[ImportOutcome]:
    """Read every file, then store them all in one transaction.

    Any file-level problem, or any rejected row when ``skip_bad_rows`` is false, raises before
    anything is stored. Files with no AI usage at all are reported but not stored.
    ``progress(fraction, message)`` hears how far reading has got (storing is the last 5%).
    Each file stored is recorded in the audit trail as done by ``actor`` (default: the local
    user), in the same transaction. A file already imported in the caller's workspace is
    recognised by its SHA-256 as soon as that is known, and not read further (see
    :func:`hedging.ingest.read_usage`'s ``known_sha256``). Running out of memory or disk space raises
    :class:`StorageError` saying so (:func:`unexpected_import_error`); nothing is stored.
    """
    settings = settings or default_settings()
    me = access.authorize(settings, access.IMPORT)
    actor = access.audit_name(settings, actor)
    try:
        return _import_files(list(files), settings, me, actor, skip_bad_rows, progress)
    except (MemoryError, OSError) as err:     # the machine's, not the file's: nothing was stored
        if isinstance(err, OSError) and err.errno not in _OUT_OF_SPACE:
            raise
        raise StorageError(unexpected_import_error(err)) from err


_OUT_OF_SPACE = (errno.ENOSPC, errno.EDQUOT)


def _import_files(files, settings: Settings, me, actor: str, skip_bad_rows: bool,
                  progress: Callable[[float, str], None] | None) -> list[ImportOutcome]:
    engine = store.get_engine(settings.database_url)
    # files already imported here: not read again. Without skip_bad_rows, a file whose import
    # rejected rows is read as before, so that its rejected rows are refused as before.
    known_sha256 = store.stored_sha256(engine, me.workspace_id, without_rejected=not skip_bad_rows)
    reads, known = [], {}
    for i, (name, src) in enumerate(files):
        def step(fraction: float, message: str, i: int = i) -> None:
            if progress:
                progress(0.95 * (i + fraction) / len(files), message)

        def prices() -> PriceTable | None:  # loaded only if some row needs pricing
            return price_table(settings)

        start = _position(src)
        read = _read_usage(src, name, prices=prices, max_bytes=settings.max_upload_bytes,
                           progress=step, known_sha256=known_sha256)
        if read.known:
            outcome = store.known_import(engine, read, me.workspace_id)
            if outcome is None:  # deleted since the hashes were fetched: read it whole, to be stored again
                if start is not None:
                    src.seek(start)
                read = _read_usage(src, name, prices=prices, max_bytes=settings.max_upload_bytes, progress=step)
            else:
                known[i] = outcome
        reads.append(read)
    for read in reads:
        if read.rejected and not skip_bad_rows:
            raise RejectedRowsError(read.file_name, read.rejected, read.rows_read)
    storable = [r for r in reads if len(r.frame)]
    if known and len(known) == len(reads):  # nothing to store, nothing to record
        if progress:
            progress(1.0, f"{', '.join(o.read.file_name for o in known.values())}: already imported; nothing changed.")
        return list(known.values())
    if progress:
        progress(0.95, f"Storing {sum(len(r.frame) for r in storable):,} daily rows…")
    with audit.audited(settings) as conn:
        saved = store.save_imports(conn, storable, progress=progress, workspace_id=me.workspace_id)
        for o in saved:
            if o.import_id is not None and not o.already_imported:
                _audit_import(conn, o, actor, me.workspace_id)
    stored = iter(saved)
    return [known[i] if i in known else next(stored) if len(r.frame) else ImportOutcome(r, None)
            for i, r in enumerate(reads)]


def _position(source: Source) -> int | None:
    """Where a file object stands before it is read (None for a path or bytes), to read it again."""
    if isinstance(source, (str, os.PathLike, bytes, bytearray)):
        return None
    try:
        return source.tell()
    except (AttributeError, OSError, ValueError):
        return None


def unexpected_import_error(err: BaseException) -> str:
    """What an import that failed for the machine's reason, not the file's (memory, disk space), says:
    what happened, that nothing was stored (the import is one transaction), and what to do."""
    what = ("the server ran out of memory while reading the files" if isinstance(err, MemoryError)
            else "the server ran out of disk space for the unpacked copy of the upload")
    return (f"Nothing was imported: {what}. Everything stored before is unchanged. Try again; if it happens "
            "again, split the export by month and upload the parts.")


def _audit_import(conn, outcome: ImportOutcome, actor: str | None, workspace_id: int) -> None:
    r = outcome.read
    detail = (f"{r.format}, {r.rows_read:,} rows read, {r.rows_kept:,} kept, {len(r.frame):,} daily rows stored, "
              f"{r.first_day} to {r.last_day}")
    if outcome.replaced:
        detail += "; replaced days of import " + ", ".join(f"#{x.import_id}" for x in outcome.replaced)
    audit.record(conn, actor, audit.IMPORT, "import", outcome.import_id, r.file_name, r.sha256, detail,
                 workspace_id=workspace_id)


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


def load_sample_company(settings: Settings | None = None, *, actor: str | None = None) -> list[ImportOutcome]:
    settings = settings or default_settings()
    return import_files([(p.name, p) for p in sample_files(settings)], settings, actor=actor)


def list_imports(settings: Settings | None = None) -> list[ImportSummary]:
    settings = settings or default_settings()
    me = access.authorize(settings, access.READ)
    return store.list_imports(store.get_engine(settings.database_url), me.workspace_id)


def delete_import(import_id: int, settings: Settings | None = None, *, actor: str | None = None) -> int:
    """Delete import ``import_id`` and exactly its rows (how many), recorded in the audit trail as
    done by ``actor`` in the same transaction."""
    settings = settings or default_settings()
    me = access.authorize(settings, access.DELETE_IMPORT)
    with audit.audited(settings) as conn:
        label, sha = audit_store.import_target(conn, import_id, me.workspace_id)
        removed = store.delete_import(conn, import_id, workspace_id=me.workspace_id)
        audit.record(conn, access.audit_name(settings, actor), audit.DELETE_IMPORT, "import", import_id, label, sha,
                     f"{removed:,} daily rows removed", workspace_id=me.workspace_id)
    return removed


def stored_usage(settings: Settings | None = None) -> pd.DataFrame:
    """All stored rows, consolidated so each provider-day's cost and tokens count once."""
    settings = settings or default_settings()
    me = access.authorize(settings, access.READ)
    return consolidate(store.usage_frame(store.get_engine(settings.database_url), me.workspace_id))


_DIMENSIONS = {"provider": "billing_provider", "model": "model", "team": "team", "format": "source_format"}


def usage_aggregate(settings: Settings | None = None) -> pd.DataFrame:
    """Stored rows summed in the database over what the Data page never reads (account, project,
    key, region; :mod:`hedging.store.aggregate`), with ``import_id`` and ``rows``: what
    :func:`monthly_usage`, :func:`imports_overview` and :func:`reconciliation` compute from, with
    the same figures as from every stored row and a fraction of the rows to read."""
    settings = settings or default_settings()
    me = access.authorize(settings, access.READ)
    return store.usage_aggregate(store.get_engine(settings.database_url), me.workspace_id)


def monthly_usage(settings: Settings | None = None, by: str = "provider",
                  stored: pd.DataFrame | None = None) -> pd.DataFrame:
    """Monthly spend (USD), tokens (millions) and GPU-hours by one dimension.

    Columns: month (first day), ``by`` label, cost_usd, tokens_m (all input incl. cache + output,
    millions), gpu_hours, usd_per_m_tokens (effective price; NaN where no tokens). ``stored``: the
    stored rows as read (every row, or :func:`usage_aggregate`, read here when not given).
    """
    column = _DIMENSIONS[by]
    frame = consolidate(usage_aggregate(settings) if stored is None else stored)
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


#: The one definition of each row count, with the label every view uses (import report, Imports
#: table, CLI). rows read = rows kept + rows skipped + rows rejected; daily rows stored <= rows kept.
COUNTS: dict[str, tuple[str, str]] = {
    "rows_read": ("rows read", "Data rows in the file (the header is not counted)."),
    "rows_skipped": ("rows skipped", "Rows read that are not AI usage (other cloud charges, empty time buckets), "
                                     "left out on purpose; the reasons are listed."),
    "rows_rejected": ("rows rejected", "Rows read that failed a check, listed with row number, column, value and "
                                       "fix."),
    "rows_kept": ("rows kept", "Rows read minus rows skipped minus rows rejected: the rows whose tokens and cost "
                               "went into the daily totals."),
    "rows_stored": ("daily rows stored", "The kept rows added up to one row per day, provider, account, model, "
                                         "team, project, key, tier, region and charge category; the Imports table "
                                         "shows how many this import holds now (a later export of the same source "
                                         "and days replaces them)."),
    "provider_days": ("provider-days", "Distinct billing-provider and UTC-day pairs the daily rows cover: when "
                                       "several exports describe the same provider-day, one export's cost counts "
                                       "in the totals."),
}


def count_label(key: str) -> str:
    return COUNTS[key][0]


def count_help(key: str) -> str:
    return COUNTS[key][1]


def _provider_days(frame: pd.DataFrame) -> int:
    if frame.empty:
        return 0
    return int(frame[["billing_provider", "usage_date"]].drop_duplicates().shape[0])


def import_summary(outcome: ImportOutcome) -> dict:
    """The summary of one imported file with every count of :data:`COUNTS` (the CLI's ``--json``).

    ``rows_imported`` is the former name of ``rows_kept`` and is kept for scripts that read it.
    """
    item = outcome.summary()
    stored = outcome.import_id is not None and not outcome.already_imported
    item["rows_kept"] = item["rows_imported"]
    item["rows_stored"] = len(outcome.read.frame) if stored else 0
    item["provider_days"] = _provider_days(outcome.read.frame) if stored else 0
    return item


def import_report(outcomes: list[ImportOutcome], max_rejected: int = 5000) -> list[dict]:
    """Plain dicts for the Data page: the CLI summary plus skipped reasons, rejected rows and the
    warnings as advice (:func:`hedging.service.advice.advice_list`: message, consequence, action)."""
    report = []
    for o in outcomes:
        item = import_summary(o)
        item["skipped"] = dict(o.read.skipped)
        item["rejected"] = o.read.rejected_frame().head(max_rejected).to_dict("records")
        item["advice"] = [a.to_dict() for a in advice_list(o.read.warnings)]   # the warnings in plain words
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
    """CSV bytes with cells that a spreadsheet would run as formulas neutralised (:func:`fmt.runs_as_formula`)."""
    return frame.map(fmt.formula_safe).to_csv(index=False).encode("utf-8")


# --- which import counts in the totals ------------------------------------------------------------

_BASIS_LABEL = {"invoice": "invoice", "vendor_estimate": "provider's estimate",
                "gateway_estimate": "gateway estimate", "computed": "list-price estimate"}


def counted_rows(stored: pd.DataFrame) -> pd.DataFrame:
    """Stored rows (as stored, with ``import_id``) and what the totals count of each, by the rules of
    :func:`hedging.ingest.consolidate.consolidate`: ``counted_usd`` is the row's own cost where its
    source's cost counts for that provider-day (else 0), ``counts_cost`` and ``counts_tokens`` say
    whether it does, ``month`` is the first day of its month. ``counted_usd`` adds up, per
    provider-day, to the consolidated cost (a cost export without models is spread over the usage
    rows' models there, which moves cost between rows of one provider-day, never between days)."""
    f = stored.reset_index(drop=True).copy()
    f["_rid"] = np.arange(len(f))
    cons = consolidate(f).sort_values("_rid").reset_index(drop=True)
    f = f.drop(columns="_rid")
    counts_cost = (cons["superseded_cost_usd"].to_numpy() == 0) & (f["cost_usd"].to_numpy() != 0)
    f["counts_cost"] = counts_cost
    f["counts_tokens"] = cons[list(TOKEN_COLUMNS)].abs().sum(axis=1).to_numpy() > 0
    f["counted_usd"] = np.where(counts_cost, f["cost_usd"].to_numpy(dtype=float), 0.0)
    f["month"] = f["usage_date"].dt.to_period("M").dt.to_timestamp()
    return f


@dataclass(frozen=True, eq=False)
class ImportsOverview:
    """Which import counts in the totals, per import (``imports``) and per provider-month (``months``).

    ``imports`` columns: id, file, counted, last 12 months (USD), cost counts in, tokens count in,
    why, then format, rows read, rows kept, daily rows stored, provider-days, first day, last day and
    cost in file (USD). Its "counted, last 12 months" adds up to ``counted_last_12_usd``, the Data
    page's "Spend, last 12 months" (the last 12 calendar months with any stored usage, ``last_12``).
    ``months`` columns: provider, month, counted (USD), why, cost counted from, not counted, tokens from.
    """

    imports: pd.DataFrame
    months: pd.DataFrame
    last_12: tuple[pd.Timestamp, pd.Timestamp] | None
    counted_last_12_usd: float


def imports_overview(settings: Settings | None = None, stored: pd.DataFrame | None = None) -> ImportsOverview:
    """``stored``: the stored rows as read (every row, or :func:`usage_aggregate`, read when not given)."""
    settings = settings or default_settings()
    return overview_of(list_imports(settings), usage_aggregate(settings) if stored is None else stored)


def overview_of(imports: list[ImportSummary], stored: pd.DataFrame) -> ImportsOverview:
    """:class:`ImportsOverview` of ``imports`` and their stored rows (pure)."""
    f = counted_rows(stored) if len(stored) else None
    if f is not None:
        f["_pd"] = f["billing_provider"].astype(str) + "|" + f["usage_date"].astype(str)
    months = sorted(f["month"].unique()) if f is not None else []
    last12 = months[-12:]
    names = {i.id: f"#{i.id} {i.file_name}" for i in imports}
    rows = []
    by_import = {k: g for k, g in f.groupby("import_id")} if f is not None else {}
    for i in imports:
        g = by_import.get(i.id)
        pm = g[["billing_provider", "month"]].drop_duplicates() if g is not None else pd.DataFrame()
        has_cost = g is not None and bool((g["cost_usd"] != 0).any())
        has_tokens = g is not None and bool((g[list(TOKEN_COLUMNS)].abs().sum(axis=1) > 0).any())
        cost_pm = len(g.loc[g["counts_cost"], ["billing_provider", "month"]].drop_duplicates()) if g is not None else 0
        tok_pm = len(g.loc[g["counts_tokens"], ["billing_provider", "month"]].drop_duplicates()) if g is not None else 0
        rows.append({
            "id": i.id, "file": i.file_name, "format": i.format, count_label("rows_read"): i.rows_read,
            count_label("rows_kept"): i.rows_imported, count_label("rows_stored"): i.rows_stored,
            count_label("provider_days"): _provider_days(g) if g is not None else 0,
            "first day": i.first_day, "last day": i.last_day, "cost in file (USD)": i.cost_usd,
            "cost counts in": _share_text(cost_pm, len(pm)) if has_cost else "no cost in the file",
            "tokens count in": _share_text(tok_pm, len(pm)) if has_tokens else "no tokens in the file",
            "why": _import_why(g, f, names) if g is not None else "all its rows replaced by a later export of the "
                                                                  "same source",
            "counted, last 12 months (USD)": float(g.loc[g["month"].isin(last12), "counted_usd"].sum())
            if g is not None else 0.0,
        })
    order = ["id", "file", "counted, last 12 months (USD)", "cost counts in", "tokens count in", "why"]
    frame = pd.DataFrame(rows)
    frame = frame[order + [c for c in frame.columns if c not in order]] if len(frame) else frame
    total = float(f.loc[f["month"].isin(last12), "counted_usd"].sum()) if f is not None else 0.0
    return ImportsOverview(frame, _months_table(f, names) if f is not None else pd.DataFrame(),
                           (last12[0], last12[-1]) if last12 else None, total)


def _share_text(n: int, of: int) -> str:
    if n == 0:
        return "none"
    if n == of:
        return f"all {of:,} provider-months" if of > 1 else "its one provider-month"
    return f"{n:,} of {of:,} provider-months"


def _why(counted: pd.DataFrame, other: pd.DataFrame) -> str:
    """Why the counted source's cost wins over the other sources' on the same provider-days."""
    return _why_of(set(counted["cost_basis"]), set(counted["source_format"]), set(other["cost_basis"]))


def _why_of(bases: set, formats: set, other_bases: set) -> str:
    if not other_bases:
        return "the only cost of its provider-days"
    best = min(bases, key=lambda b: COST_RANK.get(b, 3))
    worst = sorted(other_bases, key=lambda b: COST_RANK.get(b, 3))
    if COST_RANK.get(best, 3) < COST_RANK.get(worst[0], 3):
        return f"{_BASIS_LABEL.get(best, best)} over {' and '.join(_BASIS_LABEL.get(b, b) for b in worst)}"
    formats = sorted(formats)
    return (f"both are {_BASIS_LABEL.get(best, best)}s: {', '.join(formats)} "
            f"{'counts' if len(formats) == 1 else 'count'} (ties go to the alphabetically first format, so the "
            "result never depends on the order of imports)")


def _import_why(g: pd.DataFrame, f: pd.DataFrame, names: dict[int, str]) -> str:
    """For an import whose cost does not count everywhere: which import's does, and why
    (``_pd`` is each row's provider-day)."""
    lost = g[~g["counts_cost"] & (g["cost_usd"] != 0)]
    if lost.empty:
        won = g[g["counts_cost"]]
        if won.empty:
            return "tokens only: it carries no cost"
        on_days = f["_pd"].isin(set(won["_pd"]))
        return _why(won, f[on_days & ~f["counts_cost"] & (f["cost_usd"] != 0)])
    winners = f[f["_pd"].isin(set(lost["_pd"])) & f["counts_cost"]]
    ids = ", ".join(f"#{int(i)}" for i in sorted(winners["import_id"].unique()))
    return f"{ids or 'another import'} counts instead: {_why(winners, lost)}"


def _months_table(f: pd.DataFrame, names: dict[int, str]) -> pd.DataFrame:
    key = ["billing_provider", "month"]

    def listed(ids) -> str:
        return ", ".join(names.get(int(i), f"#{int(i)}") for i in sorted(set(ids)))

    won = f[f["counts_cost"]]
    lost = f[~f["counts_cost"] & (f["cost_usd"] != 0)]
    out = f[key].drop_duplicates().set_index(key).sort_index()
    w = won.groupby(key).agg(counted=("cost_usd", "sum"), ids=("import_id", listed), bases=("cost_basis", set),
                             formats=("source_format", set))
    lb = lost.groupby(key)["cost_basis"].agg(set)
    lost_by = lost.groupby(key + ["import_id"])["cost_usd"].sum().reset_index()
    lost_by["text"] = [f"{names.get(int(i), f'#{int(i)}')}: ${v:,.2f}" for i, v in
                       zip(lost_by["import_id"], lost_by["cost_usd"])]
    nc = lost_by.groupby(key)["text"].agg("; ".join)
    tok = f[f["counts_tokens"]].groupby(key)["import_id"].agg(listed)
    rows = []
    for k in out.index:
        has = k in w.index
        rows.append({
            "provider": k[0], "month": k[1], "counted (USD)": float(w.at[k, "counted"]) if has else 0.0,
            "why": _why_of(w.at[k, "bases"], w.at[k, "formats"], lb.get(k, set())) if has else "",
            "cost counted from": w.at[k, "ids"] if has else "no cost",
            "not counted": nc.get(k, ""), "tokens from": tok.get(k, "no tokens"),
        })
    return pd.DataFrame(rows).sort_values(["month", "provider"], ascending=[False, True]).reset_index(drop=True)
