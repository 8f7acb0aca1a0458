"""The one model of the data: canonical usage columns and the small result objects around them.

A canonical usage row is one UTC day x source x billing provider x account x model x team x
service tier x region x charge category, with token counts (integers), GPU-hours, and cost in USD.
See README "Canonical template" for the file format users can write by hand.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd

from hedging.errors import HedgingWarning

# --- canonical usage frame -------------------------------------------------------------------

#: Identity of a daily row; rows of one import are unique on these.
KEY_COLUMNS: tuple[str, ...] = (
    "usage_date",
    "source_format",
    "billing_provider",
    "account_id",
    "model_raw",
    "team",
    "project_id",
    "api_key_id",
    "service_tier",
    "region",
    "charge_category",
)

#: Descriptive text columns carried along with the key.
LABEL_COLUMNS: tuple[str, ...] = ("model", "model_developer", "cost_basis")

#: Integer token counts. ``input_tokens`` is *uncached* input only.
TOKEN_COLUMNS: tuple[str, ...] = (
    "input_tokens",
    "cache_read_tokens",
    "cache_write_tokens",
    "output_tokens",
)

#: Other integer counts.
COUNT_COLUMNS: tuple[str, ...] = TOKEN_COLUMNS + ("reasoning_tokens", "requests")

#: Float quantities: GPU-hours and USD amounts.
AMOUNT_COLUMNS: tuple[str, ...] = (
    "gpu_hours",
    "cost_usd",
    "list_cost_usd",
    "billed_cost_usd",
    "non_token_cost_usd",
)

USAGE_COLUMNS: tuple[str, ...] = KEY_COLUMNS + LABEL_COLUMNS + COUNT_COLUMNS + AMOUNT_COLUMNS

TEXT_COLUMNS: tuple[str, ...] = tuple(c for c in KEY_COLUMNS + LABEL_COLUMNS if c != "usage_date")

#: Where a row's cost comes from, most authoritative first.
COST_BASES: tuple[str, ...] = ("invoice", "vendor_estimate", "gateway_estimate", "computed")

CHARGE_CATEGORIES: tuple[str, ...] = ("usage", "purchase", "credit", "tax", "adjustment")

SERVICE_TIERS: tuple[str, ...] = (
    "standard", "batch", "priority", "flex", "provisioned", "unknown",
)


def empty_usage_frame() -> pd.DataFrame:
    """A canonical usage frame with no rows and the right dtypes."""
    frame = pd.DataFrame({c: pd.Series(dtype="object") for c in TEXT_COLUMNS})
    frame["usage_date"] = pd.Series(dtype="datetime64[s]")
    for c in COUNT_COLUMNS:
        frame[c] = pd.Series(dtype="int64")
    for c in AMOUNT_COLUMNS:
        frame[c] = pd.Series(dtype="float64")
    return frame[list(USAGE_COLUMNS)]


# --- import results -----------------------------------------------------------------------------


@dataclass(frozen=True)
class RejectedRow:
    """One input row that failed validation (row numbered as in a spreadsheet: header = 1)."""

    row: int
    column: str
    value: str
    reason: str
    fix: str

    def message(self, file: str = "") -> str:
        where = f"{file}, " if file else ""
        shown = self.value if len(self.value) <= 60 else self.value[:60] + "…"
        return f"{where}row {self.row}, column `{self.column}`, value {shown!r}: {self.reason}. Fix: {self.fix}"


@dataclass(frozen=True, eq=False)
class UsageRead:
    """What reading one usage export produced, before anything is stored.

    ``frame`` holds canonical daily rows (see :data:`USAGE_COLUMNS`); ``rejected`` the rows that
    failed validation; ``skipped`` counts rows deliberately left out (non-AI charges, empty
    buckets) by reason. ``known``: the file's SHA-256 was among those already stored, so the
    reading stopped as soon as that was known (``frame`` is empty, ``rows_read`` the rows read
    until then).
    """

    file_name: str
    format: str
    frame: pd.DataFrame
    rows_read: int
    rejected: tuple[RejectedRow, ...] = ()
    skipped: tuple[tuple[str, int], ...] = ()
    warnings: tuple[HedgingWarning, ...] = ()
    sha256: str = ""
    known: bool = False

    @property
    def rows_rejected(self) -> int:
        """Input rows rejected (a row counts once however many of its cells are bad)."""
        return len({r.row for r in self.rejected})

    @property
    def rows_skipped(self) -> int:
        return sum(n for _, n in self.skipped)

    @property
    def rows_kept(self) -> int:
        """Input rows that went into the canonical frame (before daily aggregation)."""
        return self.rows_read - self.rows_rejected - self.rows_skipped

    @property
    def first_day(self) -> dt.date | None:
        return None if self.frame.empty else self.frame["usage_date"].min().date()

    @property
    def last_day(self) -> dt.date | None:
        return None if self.frame.empty else self.frame["usage_date"].max().date()

    def totals(self) -> dict[str, float | int]:
        """Sums of the kept rows: cost in USD and each token class (uncached input first)."""
        f = self.frame
        out: dict[str, float | int] = {"cost_usd": float(f["cost_usd"].sum()) if len(f) else 0.0}
        for c in TOKEN_COLUMNS + ("requests",):
            out[c] = int(f[c].sum()) if len(f) else 0
        out["gpu_hours"] = float(f["gpu_hours"].sum()) if len(f) else 0.0
        return out

    def figures(self) -> dict:
        """What :meth:`ImportOutcome.summary` says of the file that the read's frame and rejected
        rows hold (kept with the import, so that a file already imported can be reported without
        reading it again)."""
        totals = self.totals()
        return {
            "rows_rejected": self.rows_rejected,
            "first_day": self.first_day.isoformat() if self.first_day else None,
            "last_day": self.last_day.isoformat() if self.last_day else None,
            "cost_usd": round(float(totals["cost_usd"]), 6),
            **{c: int(totals[c]) for c in TOKEN_COLUMNS + ("requests",)},
            "gpu_hours": round(float(totals["gpu_hours"]), 6),
        }

    def rejected_frame(self) -> pd.DataFrame:
        """The rejected rows as a table (row, column, value, reason, fix) for download."""
        return pd.DataFrame(
            [(r.row, r.column, r.value, r.reason, r.fix) for r in self.rejected],
            columns=["row", "column", "value", "reason", "fix"],
        )


@dataclass(frozen=True)
class ReplacedRows:
    """Rows of an earlier import that a newer import of the same source replaced."""

    import_id: int
    rows: int
    first_day: dt.date
    last_day: dt.date


@dataclass(frozen=True)
class ImportSummary:
    """A stored import as listed on the Data page and by the CLI."""

    id: int
    file_name: str
    sha256: str
    format: str
    rows_read: int
    rows_imported: int
    rows_skipped: int
    rows_rejected: int
    rows_stored: int
    first_day: dt.date | None
    last_day: dt.date | None
    cost_usd: float
    created_at: dt.datetime


@dataclass(frozen=True)
class ImportOutcome:
    """The result of importing one file: the read report plus what storage did.

    A file recognised as already imported before it was read (``read.known``) carries the figures
    its import kept (``figures``, :meth:`UsageRead.figures`), which :meth:`summary` reports in place
    of the read's.
    """

    read: UsageRead
    import_id: int | None
    already_imported: bool = False
    replaced: tuple[ReplacedRows, ...] = field(default_factory=tuple)
    figures: dict | None = None

    def summary(self) -> dict:
        """The CLI's ``--json`` object for this file."""
        r = self.read
        figures = self.figures if self.figures is not None else r.figures()
        return {
            "file": r.file_name,
            "format": r.format,
            "import_id": self.import_id,
            "already_imported": self.already_imported,
            "rows_read": r.rows_read,
            "rows_imported": 0 if self.already_imported else r.rows_kept,
            "rows_skipped": r.rows_skipped,
            "rows_rejected": figures["rows_rejected"],
            "first_day": figures["first_day"],
            "last_day": figures["last_day"],
            "cost_usd": figures["cost_usd"],
            "input_tokens": figures["input_tokens"],
            "output_tokens": figures["output_tokens"],
            "cache_read_tokens": figures["cache_read_tokens"],
            "cache_write_tokens": figures["cache_write_tokens"],
            "requests": figures["requests"],
            "gpu_hours": figures["gpu_hours"],
            "replaced": [
                {"import_id": x.import_id, "rows": x.rows,
                 "first_day": x.first_day.isoformat(), "last_day": x.last_day.isoformat()}
                for x in self.replaced
            ],
            "warnings": [w.message for w in r.warnings],
        }
