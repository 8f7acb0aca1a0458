"""The audit trail: who imported, deleted, uploaded, chose, saved or exported what, and when.

Every service call that changes stored data takes ``actor`` (who is acting: the signed-in user's
e-mail, :data:`LOCAL_USER` in local mode, ``cli:<login>`` on the command line) and writes its entry
through :func:`audited` in the same transaction as the change: the change and its entry are
committed together or not at all. Entries are never changed or deleted (the database refuses).
"""

from __future__ import annotations

import datetime as dt
import getpass
import os
from collections.abc import Iterator
from contextlib import contextmanager

import pandas as pd
from sqlalchemy.engine import Connection

from hedging import fmt, store
from hedging.config import Settings
from hedging.errors import InputError
from hedging.service import access
from hedging.store import audit as audit_store

#: Who acts in local mode (one user, no sign-in).
LOCAL_USER = access.LOCAL_USER
#: The actions the trail records, in the words the page and the CSV show.
IMPORT, DELETE_IMPORT = "import", "delete import"
INDEX_UPLOAD, INDEX_DELETE, INDEX_CHOICE = "index upload", "index delete", "index choice"
PROPOSAL_SAVE, PROPOSAL_DELETE, PDF_EXPORT = "proposal save", "proposal delete", "PDF export"
PROPOSAL_SUBMIT, PROPOSAL_APPROVE = "proposal submit", "proposal approve"
PROPOSAL_REJECT, PROPOSAL_SUPERSEDE = "proposal reject", "proposal superseded"
MEMBER_CHANGE, WORKSPACE_CREATE = "member change", "workspace create"
POLICY_CHANGE, POLICY_EXCEPTION = "policy change", "policy exception"
ACTIONS = (IMPORT, DELETE_IMPORT, INDEX_UPLOAD, INDEX_DELETE, INDEX_CHOICE, PROPOSAL_SAVE, PROPOSAL_DELETE,
           PDF_EXPORT, PROPOSAL_SUBMIT, PROPOSAL_APPROVE, PROPOSAL_REJECT, PROPOSAL_SUPERSEDE, MEMBER_CHANGE,
           WORKSPACE_CREATE, POLICY_CHANGE, POLICY_EXCEPTION)
#: The hedge designation memo built for download or written to a file (``hedging memo``).
MEMO_EXPORT = "memo export"
ACTIONS += (MEMO_EXPORT,)
#: The columns of :func:`audit_trail` (and of its CSV), in order.
COLUMNS = ("when (UTC)", "who", "action", "record", "id", "name", "fingerprint", "detail")


def _settings(settings: Settings | None) -> Settings:
    return settings or Settings.from_env(os.environ)


def who(actor: str | None) -> str:
    """The name an entry records: ``actor``, or :data:`LOCAL_USER` when none is given."""
    return actor.strip() if actor and actor.strip() else LOCAL_USER


def cli_actor() -> str:
    """Who acts from the command line: ``cli:`` and the operating-system login."""
    try:
        login = getpass.getuser()
    except (KeyError, OSError):  # no name for the user id (a bare container)
        login = f"uid {os.getuid()}"
    return f"cli:{login}"


@contextmanager
def audited(settings: Settings | None = None) -> Iterator[Connection]:
    """The connection of one transaction for an action and its audit entry: the caller's own
    (inside ``service.transaction``, as ``hedging run`` does) or a new one, committed when the
    block ends and rolled back, entry and action together, when it raises."""
    url = _settings(settings).database_url
    bound = store.get_engine(url)
    if isinstance(bound, Connection):
        yield bound
        return
    with store.transaction(url) as conn:
        yield conn


def record(conn: Connection, actor: str | None, action: str, kind: str, target_id, label: str = "",
           fingerprint: str = "", detail: str = "", *, workspace_id: int = 1) -> int:
    """Append one entry of workspace ``workspace_id`` on the action's own connection (see :func:`audited`)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    return audit_store.record(conn, actor=who(actor), action=action, kind=kind, target_id=target_id, label=label,
                              fingerprint=fingerprint, detail=detail, workspace_id=workspace_id)


def record_pdf_export(proposal_id: int, fingerprint: str, settings: Settings | None = None, *,
                      actor: str | None = None, detail: str = "") -> int:
    """Record that the PDF of proposal ``proposal_id`` (the document ``fingerprint``) was built for
    download or written to a file."""
    me = access.authorize(settings, access.READ)
    with audited(settings) as conn:
        label, stored = audit_store.proposal_target(conn, proposal_id, me.workspace_id)
        if stored != fingerprint:
            raise InputError(f"proposal #{proposal_id} is no longer the document that was exported.",
                             fix="reopen the proposal from the list and export it again.")
        return record(conn, access.audit_name(settings, actor), PDF_EXPORT, "proposal", proposal_id, label,
                      fingerprint, detail, workspace_id=me.workspace_id)


def audit_actors(settings: Settings | None = None) -> list[str]:
    """Everyone who appears in the workspace's trail (the page's "who" filter)."""
    me = access.authorize(settings, access.READ)
    return audit_store.actors(store.get_engine(_settings(settings).database_url), me.workspace_id)


def audit_trail(settings: Settings | None = None, *, actor: str | None = None, action: str | None = None,
                start: dt.date | None = None, end: dt.date | None = None) -> pd.DataFrame:
    """The trail, newest first, filtered by who, action and UTC dates from ``start`` to ``end``
    (both included): one row per entry with :data:`COLUMNS`; "when (UTC)" stays a timestamp (the
    page formats it, the CSV writes it as ISO 8601)."""
    if action is not None and action not in ACTIONS:
        raise InputError(f"there is no audit action {action!r}.", fix=f"use one of: {', '.join(ACTIONS)}.")
    if start is not None and end is not None and start > end:
        raise InputError(f"the date range starts on {fmt.date(start)}, after it ends on {fmt.date(end)}.",
                         fix="choose a 'from' date on or before the 'to' date.")
    me = access.authorize(settings, access.READ)
    rows = audit_store.entries(store.get_engine(_settings(settings).database_url), actor=actor, action=action,
                               start=start, end=end, workspace_id=me.workspace_id)
    frame = pd.DataFrame([(r["at"], r["actor"], r["action"], r["target_kind"], r["target_id"], r["target_label"],
                           r["fingerprint"], r["detail"]) for r in rows], columns=list(COLUMNS))
    frame["when (UTC)"] = pd.to_datetime(frame["when (UTC)"], utc=True)
    return frame


def when(value) -> str:
    """An entry's time in the product's date format with the UTC clock time: "6 Dec 2026 09:41:07"."""
    return fmt.DASH if value is None or value != value else f"{fmt.date(value)} {pd.Timestamp(value):%H:%M:%S}"


def audit_csv(frame: pd.DataFrame) -> bytes:
    """The trail as CSV: times in ISO 8601 UTC, every cell a spreadsheet would run as a formula
    neutralised."""
    out = frame.copy()
    out["when (UTC)"] = out["when (UTC)"].map(lambda t: t.isoformat(timespec="seconds"))
    return out.map(fmt.formula_safe).to_csv(index=False).encode("utf-8")
