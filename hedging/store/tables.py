"""Tables: one row per import, and the canonical daily usage rows each import stored."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Column, DateTime, ForeignKey, Index, Integer, Text, text
from sqlmodel import Field, SQLModel


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


#: SQLite hands out the largest id + 1, so deleting the newest row would let its id be taken again;
#: AUTOINCREMENT makes ids never reused (PostgreSQL sequences never reuse them anyway).
NEVER_REUSE_IDS = {"sqlite_autoincrement": True}


class ImportRecord(SQLModel, table=True):
    __tablename__ = "imports"
    __table_args__ = NEVER_REUSE_IDS

    id: int | None = Field(default=None, primary_key=True)
    file_name: str
    sha256: str = Field(index=True, unique=True)
    source_format: str
    rows_read: int
    rows_imported: int
    rows_skipped: int
    rows_rejected: int
    first_day: dt.date | None = None
    last_day: dt.date | None = None
    cost_usd: float = 0.0
    input_tokens: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0))
    output_tokens: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0))
    report_json: str = Field(default="{}", sa_column=Column(Text, nullable=False, default="{}"))
    created_at: dt.datetime = Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False))


def _big() -> Column:
    return Column(BigInteger, nullable=False, default=0)


#: What makes a stored daily row distinct: source x provider x account/organisation x project x
#: day x team x model x API key x tier x region x charge category (``hedging.models.KEY_COLUMNS``).
#: The database refuses a second row with the same key, whatever code path writes it; the order
#: serves the overlap replacement (source, provider, account, project, then day).
USAGE_KEY = ("source_format", "billing_provider", "account_id", "project_id", "usage_date", "team", "model_raw",
             "api_key_id", "service_tier", "region", "charge_category")


class UsageRecord(SQLModel, table=True):
    __tablename__ = "usage_daily"
    __table_args__ = (
        Index("uq_usage_daily_row", *USAGE_KEY, unique=True),
    )

    id: int | None = Field(default=None, primary_key=True)
    import_id: int = Field(sa_column=Column(Integer, ForeignKey("imports.id", ondelete="CASCADE"),
                                            nullable=False, index=True))
    usage_date: dt.date
    source_format: str
    billing_provider: str
    account_id: str = ""
    model_raw: str = ""
    team: str = ""
    project_id: str = ""
    api_key_id: str = ""
    service_tier: str = "standard"
    region: str = ""
    charge_category: str = "usage"
    model: str = ""
    model_developer: str = ""
    cost_basis: str = "computed"
    input_tokens: int = Field(default=0, sa_column=_big())
    cache_read_tokens: int = Field(default=0, sa_column=_big())
    cache_write_tokens: int = Field(default=0, sa_column=_big())
    output_tokens: int = Field(default=0, sa_column=_big())
    reasoning_tokens: int = Field(default=0, sa_column=_big())
    requests: int = Field(default=0, sa_column=_big())
    gpu_hours: float = 0.0
    cost_usd: float = 0.0
    list_cost_usd: float | None = None
    billed_cost_usd: float | None = None
    non_token_cost_usd: float = 0.0
    source_row_hash: str = ""


class CollapsedUsageRecord(SQLModel, table=True):
    """A usage row that the upgrade to one row per key removed or changed, kept whole as JSON:
    why (exact copy, replaced by a newer import, merged within one import) and which row stands
    for its key now. Written once by revision 0003; nothing is lost by collapsing."""

    __tablename__ = "usage_daily_collapsed"

    id: int | None = Field(default=None, primary_key=True)
    usage_row_id: int
    import_id: int
    kept_row_id: int
    reason: str
    row_json: str = Field(sa_column=Column(Text, nullable=False))
    collapsed_at: dt.datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class IndexRecord(SQLModel, table=True):
    """A user-uploaded index history (the built-in ones ship as files in sample_data/indices)."""

    __tablename__ = "index_histories"
    __table_args__ = NEVER_REUSE_IDS

    id: int | None = Field(default=None, primary_key=True)
    name: str
    underlying: str  # "token" or "gpu"
    unit: str
    file_name: str
    sha256: str = Field(index=True)
    points: int
    first_date: dt.date
    last_date: dt.date
    created_at: dt.datetime = Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False))


class IndexPointRecord(SQLModel, table=True):
    __tablename__ = "index_points"

    id: int | None = Field(default=None, primary_key=True)
    index_id: int = Field(sa_column=Column(Integer, ForeignKey("index_histories.id", ondelete="CASCADE"),
                                           nullable=False, index=True))
    date: dt.date
    value: float
    source: str = ""


class MarketChoice(SQLModel, table=True):
    """Which index each underlying uses: ``builtin`` or ``upload:<id>``."""

    __tablename__ = "market_choices"

    underlying: str = Field(primary_key=True)
    index_key: str


class ProposalRecord(SQLModel, table=True):
    """A saved proposal: everything it depends on and every result, frozen as one JSON document."""

    __tablename__ = "proposals"
    __table_args__ = NEVER_REUSE_IDS

    id: int | None = Field(default=None, primary_key=True)
    name: str
    company: str
    app_version: str
    payload_sha256: str
    payload: str = Field(sa_column=Column(Text, nullable=False))
    created_at: dt.datetime = Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False))
    #: The document's schema version (1: saved before versions were recorded).
    schema_version: int = Field(default=1, sa_column=Column(Integer, nullable=False, server_default=text("1")))
    #: HMAC-SHA256 over the whole record (hedging.store.signing); NULL: saved before signatures.
    signature: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
