"""Tables: one row per import, and the canonical daily usage rows each import stored."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DDL, BigInteger, Column, DateTime, ForeignKey, Index, Integer, Text, event, text
from sqlmodel import Field, SQLModel


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


#: SQLite hands out the largest id + 1, so deleting the newest row would let its id be taken again;
#: AUTOINCREMENT makes ids never reused (PostgreSQL sequences never reuse them anyway).
NEVER_REUSE_IDS = {"sqlite_autoincrement": True}


def _workspace(indexed: bool = True) -> Column:
    """The workspace a row belongs to (revision 0006 put every earlier row in workspace 1, "Default")."""
    return Column(Integer, nullable=False, server_default=text("1"), index=indexed)


class Workspace(SQLModel, table=True):
    """A company or business unit: every import, index upload, index choice, proposal and audit
    entry belongs to exactly one. Workspace 1 ("Default") holds everything stored before workspaces
    existed and is the local mode's only workspace."""

    __tablename__ = "workspaces"
    __table_args__ = NEVER_REUSE_IDS

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(sa_column=Column(Text, nullable=False, unique=True))
    name: str = Field(sa_column=Column(Text, nullable=False))
    created_at: dt.datetime = Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False))


class Membership(SQLModel, table=True):
    """A user's role in a workspace: viewer, preparer, approver or admin (one role per workspace)."""

    __tablename__ = "workspace_members"

    workspace_id: int = Field(sa_column=Column(Integer, ForeignKey("workspaces.id", ondelete="CASCADE"),
                                               primary_key=True))
    user: str = Field(sa_column=Column(Text, primary_key=True))
    role: str = Field(sa_column=Column(Text, nullable=False))
    created_at: dt.datetime = Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False))


class ImportRecord(SQLModel, table=True):
    __tablename__ = "imports"
    __table_args__ = (Index("uq_imports_workspace_sha256", "workspace_id", "sha256", unique=True),
                      NEVER_REUSE_IDS)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(default=1, sa_column=_workspace())
    file_name: str
    sha256: str = Field(index=True)
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


#: What makes a stored daily row distinct within a workspace: source x provider x account/organisation x project x
#: day x team x model x API key x tier x region x charge category (``hedging.models.KEY_COLUMNS``).
#: The database refuses a second row with the same key, whatever code path writes it; the order
#: serves the overlap replacement (source, provider, account, project, then day).
USAGE_KEY = ("source_format", "billing_provider", "account_id", "project_id", "usage_date", "team", "model_raw",
             "api_key_id", "service_tier", "region", "charge_category")


class UsageRecord(SQLModel, table=True):
    __tablename__ = "usage_daily"
    __table_args__ = (
        Index("uq_usage_daily_row", "workspace_id", *USAGE_KEY, unique=True),
    )

    id: int | None = Field(default=None, primary_key=True)
    import_id: int = Field(sa_column=Column(Integer, ForeignKey("imports.id", ondelete="CASCADE"),
                                            nullable=False, index=True))
    workspace_id: int = Field(default=1, sa_column=_workspace(indexed=False))  # leads uq_usage_daily_row
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
    workspace_id: int = Field(default=1, sa_column=_workspace())
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
    """Which index each underlying uses in a workspace: ``builtin`` or ``upload:<id>``."""

    __tablename__ = "market_choices"

    workspace_id: int = Field(default=1, sa_column=Column(Integer, primary_key=True, server_default=text("1")))
    underlying: str = Field(primary_key=True)
    index_key: str


class ProposalRecord(SQLModel, table=True):
    """A saved proposal: everything it depends on and every result, frozen as one JSON document."""

    __tablename__ = "proposals"
    __table_args__ = NEVER_REUSE_IDS

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(default=1, sa_column=_workspace())
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


class AuditRecord(SQLModel, table=True):
    """One entry of the audit trail: who did what, when, to which record (kind, id, label and the
    fingerprint of its content), written in the same transaction as the action itself. The database
    refuses to change or delete an entry (:data:`AUDIT_TRIGGERS`, created with the table)."""

    __tablename__ = "audit_log"
    __table_args__ = NEVER_REUSE_IDS

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(default=1, sa_column=_workspace())
    at: dt.datetime = Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False,
                                                                     index=True))
    actor: str = Field(sa_column=Column(Text, nullable=False))
    action: str = Field(sa_column=Column(Text, nullable=False))
    target_kind: str = Field(sa_column=Column(Text, nullable=False))
    target_id: str = Field(sa_column=Column(Text, nullable=False))
    target_label: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    fingerprint: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    detail: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))


class ProposalReview(SQLModel, table=True):
    """One step of a proposal's lifecycle (draft, submitted, approved, rejected, superseded): who,
    when, the comment, and the fingerprint of the document it concerns. Steps are only ever added;
    a proposal's status is its newest step. An approval carries a signature (HMAC with the
    installation's key) over the proposal's fingerprint, the approver and the time."""

    __tablename__ = "proposal_reviews"
    __table_args__ = NEVER_REUSE_IDS

    id: int | None = Field(default=None, primary_key=True)
    proposal_id: int = Field(sa_column=Column(Integer, nullable=False, index=True))
    workspace_id: int = Field(sa_column=Column(Integer, ForeignKey("workspaces.id"), nullable=False))
    status: str = Field(sa_column=Column(Text, nullable=False))
    actor: str = Field(sa_column=Column(Text, nullable=False))
    at: dt.datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    comment: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    fingerprint: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    signature: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


#: What the database runs to refuse any change to an audit entry, per dialect: SQLite triggers that
#: abort an UPDATE or DELETE, and on PostgreSQL a trigger function that raises on UPDATE, DELETE
#: and TRUNCATE. Revision 0005 creates the same statements on a database it upgrades (a test
#: compares the two); a new database gets them from ``create_all`` through the listeners below.
AUDIT_REFUSED = "the audit trail is append-only: its entries cannot be changed or deleted"
AUDIT_TRIGGERS = {
    "sqlite": [
        "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
        f"BEGIN SELECT RAISE(ABORT, '{AUDIT_REFUSED}'); END",
        "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
        f"BEGIN SELECT RAISE(ABORT, '{AUDIT_REFUSED}'); END",
    ],
    "postgresql": [
        "CREATE OR REPLACE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS "
        f"$body$ BEGIN RAISE EXCEPTION '{AUDIT_REFUSED}' USING ERRCODE = 'insufficient_privilege'; END $body$",
        "CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log "
        "FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change()",
        "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change()",
    ],
}
for _dialect, _statements in AUDIT_TRIGGERS.items():
    for _statement in _statements:
        event.listen(AuditRecord.__table__, "after_create", DDL(_statement).execute_if(dialect=_dialect))


class HedgePolicyVersion(SQLModel, table=True):
    """One version of a workspace's hedge policy (governance limits, ``hedging.hedge.hedge_policy``):
    its content as canonical JSON with its SHA-256, who saved it, when and why. Versions are only
    ever added (the database refuses an UPDATE or DELETE: :data:`APPEND_ONLY_TRIGGERS`); the newest
    is in force from the moment it was saved."""

    __tablename__ = "hedge_policies"
    __table_args__ = (Index("uq_hedge_policies_version", "workspace_id", "version", unique=True), NEVER_REUSE_IDS)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(sa_column=Column(Integer, ForeignKey("workspaces.id"), nullable=False))
    version: int = Field(sa_column=Column(Integer, nullable=False))
    content: str = Field(sa_column=Column(Text, nullable=False))
    fingerprint: str = Field(sa_column=Column(Text, nullable=False))
    author: str = Field(sa_column=Column(Text, nullable=False))
    reason: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    created_at: dt.datetime = Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False))


class PolicyException(SQLModel, table=True):
    """An approval given although the proposal breached the hedge policy in force: the approval step
    it belongs to, the policy version and its fingerprint, the limits breached (JSON list of the
    checks), the reason and the approver. Only ever added (:data:`APPEND_ONLY_TRIGGERS`)."""

    __tablename__ = "policy_exceptions"
    __table_args__ = NEVER_REUSE_IDS

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(sa_column=Column(Integer, ForeignKey("workspaces.id"), nullable=False))
    proposal_id: int = Field(sa_column=Column(Integer, nullable=False, index=True))
    review_id: int = Field(sa_column=Column(Integer, ForeignKey("proposal_reviews.id"), nullable=False))
    policy_version: int = Field(sa_column=Column(Integer, nullable=False))
    policy_fingerprint: str = Field(sa_column=Column(Text, nullable=False))
    breaches: str = Field(sa_column=Column(Text, nullable=False))
    reason: str = Field(sa_column=Column(Text, nullable=False))
    approver: str = Field(sa_column=Column(Text, nullable=False))
    at: dt.datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


def append_only_statements(table: str, message: str) -> dict[str, list[str]]:
    """The statements, per dialect, that make the database refuse to change or delete ``table``'s rows."""
    return {
        "sqlite": [
            f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} BEGIN SELECT RAISE(ABORT, '{message}'); END",
            f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} BEGIN SELECT RAISE(ABORT, '{message}'); END",
        ],
        "postgresql": [
            f"CREATE OR REPLACE FUNCTION {table}_refuse_change() RETURNS trigger LANGUAGE plpgsql AS "
            f"$body$ BEGIN RAISE EXCEPTION '{message}' USING ERRCODE = 'insufficient_privilege'; END $body$",
            f"CREATE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {table}_refuse_change()",
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {table}_refuse_change()",
        ],
    }


POLICY_REFUSED = "hedge policy versions are only ever added: a version cannot be changed or deleted"
EXCEPTION_REFUSED = "policy exceptions are only ever added: an exception cannot be changed or deleted"
#: Revision 0007 creates the same statements on a database it upgrades.
APPEND_ONLY_TRIGGERS = {"hedge_policies": append_only_statements("hedge_policies", POLICY_REFUSED),
                        "policy_exceptions": append_only_statements("policy_exceptions", EXCEPTION_REFUSED)}
for _model in (HedgePolicyVersion, PolicyException):
    for _dialect, _statements in APPEND_ONLY_TRIGGERS[_model.__tablename__].items():
        for _statement in _statements:
            event.listen(_model.__table__, "after_create", DDL(_statement).execute_if(dialect=_dialect))
