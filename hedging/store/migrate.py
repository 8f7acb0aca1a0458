"""Schema revisions (Alembic, in ``migrations/`` next to this file), applied on an open connection.

:func:`migrate` brings a database to this release's schema: a new database gets every table and is
recorded at the newest revision; a database made before revisions were tracked (tables but no
``alembic_version``) is adopted at the baseline revision and upgraded; a database at an older
revision is upgraded. The caller holds the database's write lock and commits
(:func:`hedging.store.engine.create_tables`), so concurrent first opens apply each revision once.

Alembic is driven from here with no ``alembic.ini``: the script location points into the package
and the connection is handed to ``migrations/env.py`` in ``config.attributes``; nothing here touches
the application's logging configuration.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

from hedging.errors import StorageError

from . import tables  # noqa: F401  (registers the tables on SQLModel.metadata)
from .tables import Membership, Workspace, utcnow

MIGRATIONS = Path(__file__).resolve().with_name("migrations")
#: The schema of the last release made before revisions were tracked.
BASELINE = "0001_baseline"
#: Alembic runs ``env.py`` and the revisions through module-level proxies (``alembic.context``,
#: ``alembic.op``) that one thread at a time may use. Taken only after the database's own lock, and
#: nothing else is waited for while it is held, so it cannot deadlock with another database's lock.
_ALEMBIC_LOCK = threading.Lock()


@dataclass(frozen=True)
class Revisions:
    """A database's schema revision before and after :func:`migrate` (``None``: not recorded)."""

    before: str | None
    after: str | None
    head: str
    created: bool  # the database had none of the tables: the schema was created at the head

    @property
    def changed(self) -> bool:
        return self.created or self.before != self.after


def _config(conn: Connection | None = None) -> Config:
    config = Config()  # no file: nothing read from disk, no logging configured
    config.set_main_option("script_location", str(MIGRATIONS).replace("%", "%%"))
    if conn is not None:
        config.attributes["connection"] = conn
    return config


@lru_cache(maxsize=1)
def _scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(_config())


def head() -> str:
    """This release's schema revision."""
    return _scripts().get_current_head()


def current_revision(conn: Connection) -> str | None:
    """The revision recorded in the database (``None`` when it records none)."""
    return MigrationContext.configure(conn).get_current_revision()


def migrate(conn: Connection) -> Revisions:
    """Bring the database behind ``conn`` to :func:`head` inside the caller's transaction.

    Finally every table the code declares is created if missing, which creates nothing once the
    revisions are complete (a test compares the upgraded schema with the declared one).
    """
    target = head()
    before = current_revision(conn)
    app_tables = set(SQLModel.metadata.tables)
    fresh = before is None and not (app_tables & set(inspect(conn).get_table_names()))
    if before is not None and before != target:
        try:
            _scripts().get_revision(before)
        except Exception:  # alembic's own "can't locate revision" errors
            raise StorageError(f"The database is at schema revision {before!r}, which this version of hedging "
                               f"does not know (its newest is {target!r}): it was made by a newer release. "
                               "Upgrade hedging, or point DATABASE_URL at another database.") from None
    if not fresh and before != target:
        # A database made before revisions is adopted at the baseline, whose revision creates only
        # the tables it lacks, then every later revision runs.
        with _ALEMBIC_LOCK:
            command.upgrade(_config(conn), "head")
    SQLModel.metadata.create_all(conn)
    if fresh:
        _default_workspace(conn)
        MigrationContext.configure(conn).stamp(_scripts(), "head")
    return Revisions(before=before, after=current_revision(conn), head=target, created=fresh)


#: The local mode's one user (``hedging.service.audit.LOCAL_USER``), admin of workspace 1.
LOCAL_USER = "local user"


def _default_workspace(conn: Connection) -> None:
    """Workspace 1, "Default", with the local user as its admin: what revision 0006 creates in an
    upgraded database, created here in a new one."""
    now = utcnow()
    conn.execute(Workspace.__table__.insert().values(id=1, slug="default", name="Default", created_at=now))
    conn.execute(Membership.__table__.insert().values(workspace_id=1, user=LOCAL_USER, role="admin", created_at=now))
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SELECT setval(pg_get_serial_sequence('workspaces', 'id'), 1)")
