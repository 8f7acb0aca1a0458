"""One engine per database URL, its schema created or upgraded exactly once even when several
threads or processes open the database at the same moment.

The first open of a database in a process brings it to this release's schema revision
(:mod:`hedging.store.migrate`): a new database gets every table, one made by an earlier release is
upgraded in place with every row kept.

SQLite files get foreign keys, WAL, and private permissions when this module creates them: the
folder 0700, the database file 0600 (SQLite gives its -wal and -shm files the same mode).
Passwords in a URL, whether before the ``@`` or in the query string, never appear in a message.
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from urllib.parse import unquote

from sqlalchemy import event, inspect, text
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import SQLModel, create_engine

from hedging.errors import StorageError

from . import tables  # noqa: F401  (registers the tables on SQLModel.metadata)
from .migrate import Revisions, current_revision, head, migrate

#: Inside :func:`transaction`, the open connection that stands in for the engine of its URL.
_BOUND: ContextVar[dict] = ContextVar("hedging_bound_connections", default={})

_MAX_ENGINES = 16
_ENGINES: OrderedDict[str, Engine] = OrderedDict()
_URL_LOCKS: dict[str, threading.Lock] = {}
_REGISTRY_LOCK = threading.Lock()
#: PostgreSQL advisory-lock key held while the schema is created ("HEDGE" in ASCII).
_PG_SCHEMA_LOCK = 0x4845444745
#: PostgreSQL advisory-lock key held by every write of usage data ("WRITE" in ASCII).
_PG_WRITE_LOCK = 0x5752495445
_CREATE_ATTEMPTS = 5
#: How long a write waits for another one to finish before it gives up with a message (seconds).
WRITE_TIMEOUT_S = 30.0
#: What a writer that has to wait says through its progress callback.
WAITING = "waiting for another import to finish"


def get_engine(url: str) -> Engine | Connection:
    """The engine for ``url`` with every table created (idempotent); inside :func:`transaction`,
    the transaction's connection, so every read and write joins it."""
    bound = _BOUND.get().get(url)
    return bound if bound is not None else _engine(url)


def clear_engines() -> None:
    """Forget every cached engine (tests that recreate a database under the same URL)."""
    with _REGISTRY_LOCK:
        _ENGINES.clear()


@contextmanager
def transaction(url: str) -> Iterator[Connection]:
    """One database transaction around everything the block stores through :func:`get_engine`:
    committed when the block ends, rolled back (every import, replacement and save undone) when
    it raises."""
    with _engine(url).connect() as conn:
        outer = conn.begin()
        token = _BOUND.set({**_BOUND.get(), url: conn})
        try:
            yield conn
        except BaseException:
            outer.rollback()
            raise
        else:
            outer.commit()
        finally:
            _BOUND.reset(token)


@contextmanager
def connect(bind: Engine | Connection) -> Iterator[Connection]:
    """A connection from an engine, or the connection itself (inside a transaction)."""
    if isinstance(bind, Connection):
        yield bind
    else:
        with bind.connect() as conn:
            yield conn


def busy_message(waited_s: float, what: str = "nothing was stored") -> str:
    return (f"The database is busy: another import, delete or save was still writing after {waited_s:.0f} s, "
            f"so {what}. Try again when it has finished; if this keeps happening, look for a long import "
            "still running in another window or process.")


@contextmanager
def write_lock(bind: Engine | Connection, progress=None, timeout_s: float | None = None) -> Iterator[Connection]:
    """A connection in a transaction that holds the database's write lock: SQLite ``BEGIN
    IMMEDIATE``, PostgreSQL a transaction-level advisory lock every usage write takes. Committed
    when the block ends, rolled back when it raises.

    Take it only around the write itself: everything that can be computed before (parsing,
    validation, building the rows) belongs outside. When another writer holds the lock,
    ``progress(0.95, WAITING)`` is called once and the wait goes on for up to ``timeout_s``
    (:data:`WRITE_TIMEOUT_S`); then a :class:`StorageError` says so, and nothing is written.
    Inside :func:`transaction` (a bound connection), the lock joins that transaction.
    """
    timeout_s = WRITE_TIMEOUT_S if timeout_s is None else timeout_s
    if isinstance(bind, Connection):
        _lock(bind, progress, timeout_s)
        yield bind
        return
    with bind.connect() as conn:
        _lock(conn, progress, timeout_s)
        try:
            yield conn
        except BaseException:
            conn.rollback()
            raise
        conn.commit()


def _lock(conn: Connection, progress, timeout_s: float) -> None:
    dialect = conn.dialect.name
    if dialect == "sqlite":
        if conn.in_transaction() and conn.connection.dbapi_connection.in_transaction:
            return  # joined an outer transaction: its first write takes the lock (busy timeout applies)
        raw = conn.connection.dbapi_connection
        raw.execute("PRAGMA busy_timeout = 0")
        try:
            try:
                raw.execute("BEGIN IMMEDIATE")
                return
            except Exception as exc:  # sqlite3.OperationalError: database is locked
                if "locked" not in str(exc) and "busy" not in str(exc):
                    raise
            if progress:
                progress(0.95, WAITING)
            raw.execute(f"PRAGMA busy_timeout = {int(timeout_s * 1000)}")
            try:
                raw.execute("BEGIN IMMEDIATE")
            except Exception as exc:
                if "locked" in str(exc) or "busy" in str(exc):
                    raise StorageError(busy_message(timeout_s)) from None
                raise
        finally:
            raw.execute(f"PRAGMA busy_timeout = {int(WRITE_TIMEOUT_S * 1000)}")
    elif dialect == "postgresql":
        got = conn.execute(text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": _PG_WRITE_LOCK}).scalar()
        if got:
            return
        if progress:
            progress(0.95, WAITING)
        conn.execute(text(f"SET LOCAL lock_timeout = '{int(timeout_s * 1000)}ms'"))
        try:
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_WRITE_LOCK})
        except StorageError:
            raise StorageError(busy_message(timeout_s)) from None
        conn.execute(text(f"SET LOCAL lock_timeout = '{int(WRITE_TIMEOUT_S * 1000)}ms'"))


def _pg_lock_timeout(dbapi_conn, _record) -> None:  # pragma: no cover - every PostgreSQL test
    """A statement waiting for a lock longer than :data:`WRITE_TIMEOUT_S` fails (and is then
    reported as busy) instead of waiting for ever."""
    with dbapi_conn.cursor() as cur:
        cur.execute(f"SET lock_timeout = '{int(WRITE_TIMEOUT_S * 1000)}ms'")
    dbapi_conn.commit()
_BUSY_WORDS = ("database is locked", "database table is locked", "lock timeout", "locknotavailable",
               "canceling statement due to lock timeout", "could not obtain lock")


def _translate_busy(context) -> None:
    """Every write that waited too long for a lock ends in a :class:`StorageError` saying so, never
    in the driver's ``OperationalError`` (a delete, a proposal save, an import)."""
    original = context.original_exception
    words = f"{type(original).__name__} {original}".lower()
    if any(w in words for w in _BUSY_WORDS):
        raise StorageError(busy_message(WRITE_TIMEOUT_S, "nothing was changed")) from None


def _engine(url: str) -> Engine:
    """The cached engine for ``url``; the first caller per URL opens it, the others wait for it."""
    with _REGISTRY_LOCK:
        engine = _ENGINES.get(url)
        if engine is not None:
            _ENGINES.move_to_end(url)
            return engine
        lock = _URL_LOCKS.setdefault(url, threading.Lock())
    with lock:  # one opener per URL; other URLs are not held up by a slow server
        with _REGISTRY_LOCK:
            engine = _ENGINES.get(url)
        if engine is None:
            engine = _open(url)
            with _REGISTRY_LOCK:
                _ENGINES[url] = engine
                while len(_ENGINES) > _MAX_ENGINES:
                    _ENGINES.popitem(last=False)
        return engine


def _open(url: str) -> Engine:
    """A new engine for ``url`` with its schema at this release's revision."""
    return _open_and_migrate(url)[0]


def upgrade_database(url: str) -> Revisions:
    """Bring the database at ``url`` to this release's schema revision now (what its first open
    does anyway), on an engine of its own; the revision before and after."""
    engine, revisions = _open_and_migrate(url)
    engine.dispose()
    return revisions


def _open_and_migrate(url: str) -> tuple[Engine, Revisions]:
    engine = None
    try:
        if url.startswith("sqlite"):
            engine = _sqlite_engine(url)
        else:
            engine = create_engine(url, pool_pre_ping=True)
            if engine.dialect.name == "postgresql":
                event.listen(engine, "connect", _pg_lock_timeout)
        revisions = create_tables(engine)
        event.listen(engine, "handle_error", _translate_busy)
    except Exception as exc:  # the driver's own error types differ per database; the cause is
        # not chained because a driver may quote the URL it was given, password included
        if engine is not None:
            engine.dispose()
        raise StorageError(f"Could not open the database at {_redact(url)}: "
                           f"{_redact_text(f'{type(exc).__name__}: {exc}', url)}. Check DATABASE_URL "
                           "(and that the server is running).") from None
    return engine, revisions


def _sqlite_engine(url: str) -> Engine:
    database = make_url(url).database
    if database and database != ":memory:" and not database.startswith("file:"):
        _create_private_file(Path(database))
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": WRITE_TIMEOUT_S})

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn, _record):  # pragma: no cover - exercised by every SQLite test
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.close()

    return engine


def _create_private_file(path: Path) -> None:
    """Create the database's folder (0700) and an empty database file (0600) if they are missing.

    Only what is created here is restricted; an existing folder or file keeps its mode.
    """
    folder = path.parent
    if not folder.exists():
        folder.mkdir(parents=True, exist_ok=True)
        os.chmod(folder, 0o700)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    os.close(fd)
    os.chmod(path, 0o600)  # whatever the umask


def create_tables(engine: Engine) -> Revisions:
    """Create or upgrade the schema to this release's revision, safely when other threads or
    processes do the same; the revision before and after.

    The check and the migration happen in one transaction that holds the database's write lock
    (SQLite ``BEGIN IMMEDIATE``; a PostgreSQL advisory lock), so a second opener waits and then
    finds the schema at the newest revision, with nothing left to do. On SQLite, foreign keys are
    not enforced during that transaction (a revision that rebuilds a table must not cascade its
    drop onto the rows referring to it; revisions check those rows themselves) and are enforced
    again on the connection afterwards. On any other database, an opener that loses the race gets
    an "already exists" error: the schema is then checked again and the migration retried.
    """
    dialect = engine.dialect.name
    for attempt in range(_CREATE_ATTEMPTS):
        try:
            with engine.connect() as conn, _foreign_keys_off(conn):
                if dialect == "sqlite":
                    conn.exec_driver_sql("BEGIN IMMEDIATE")
                elif dialect == "postgresql":
                    conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_SCHEMA_LOCK})
                revisions = migrate(conn)
                conn.commit()
            return revisions
        except SQLAlchemyError:
            if _schema_complete(engine):  # another process migrated between our check and ours
                return Revisions(before=head(), after=head(), head=head(), created=False)
            if attempt == _CREATE_ATTEMPTS - 1:
                raise
            time.sleep(0.05 * (attempt + 1))
    raise AssertionError("unreachable")  # pragma: no cover


@contextmanager
def _foreign_keys_off(conn: Connection) -> Iterator[None]:
    """SQLite: foreign keys not enforced on ``conn`` inside the block (the pragma only takes effect
    outside a transaction), enforced again when it ends, whatever happened."""
    if conn.dialect.name != "sqlite":
        yield
        return
    conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
    try:
        yield
    finally:
        try:
            conn.rollback()  # nothing after a commit; ends a failed transaction so the pragma applies
            conn.exec_driver_sql("PRAGMA foreign_keys=ON")
            restored = conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        except SQLAlchemyError:
            restored = False
        if not restored:
            conn.invalidate()  # never hand a connection without foreign keys back to the pool


def _schema_complete(engine: Engine) -> bool:
    try:
        existing = set(inspect(engine).get_table_names())
        with engine.connect() as conn:
            revision = current_revision(conn)
    except SQLAlchemyError:
        return False
    return set(SQLModel.metadata.tables) <= existing and revision == head()


_SECRET_KEYS = re.compile(r"pass|pwd|secret|token|key|auth|credential", re.IGNORECASE)
_USERINFO = re.compile(r"(?P<scheme>^[^:/?#]+://)(?P<userinfo>[^/?#]*)@")
_QUERY_PAIR = re.compile(r"(?P<key>[^?&=#;]+)=(?P<value>[^&#;]*)")


def _redact(url: str) -> str:
    """``url`` without its password: the user part before ``@`` and every query parameter whose
    name suggests a secret (``password``, ``sslpassword``, ``token``…) are replaced by ``…``.

    >>> _redact("postgresql+psycopg://ann:s3cret@db:5432/h?sslmode=require&password=x")
    'postgresql+psycopg://…@db:5432/h?sslmode=require&password=…'
    """
    out = _USERINFO.sub(lambda m: f"{m['scheme']}…@", url, count=1)
    if "?" in out:
        base, query = out.split("?", 1)
        query = _QUERY_PAIR.sub(
            lambda m: f"{m['key']}=…" if _SECRET_KEYS.search(m["key"]) else m.group(0), query)
        out = f"{base}?{query}"
    return out


def _secrets(url: str) -> list[str]:
    """Every secret value written in ``url`` (raw and percent-decoded), longest first."""
    found: list[str] = []
    if m := _USERINFO.match(url):
        userinfo = m["userinfo"]
        if ":" in userinfo:
            found.append(userinfo.split(":", 1)[1])
        found.append(userinfo)
    if "?" in url:
        for m in _QUERY_PAIR.finditer(url.split("?", 1)[1]):
            if _SECRET_KEYS.search(m["key"]):
                found.append(m["value"])
    found += [unquote(s) for s in found]
    return sorted({s for s in found if s}, key=len, reverse=True)


def _redact_text(message: str, url: str) -> str:
    """``message`` with the URL and every secret it holds replaced (drivers may quote them)."""
    message = message.replace(url, _redact(url))
    for secret in _secrets(url):
        message = message.replace(secret, "…")
    return message
