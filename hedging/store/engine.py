"""One engine per database URL; SQLite files get foreign keys and their folder created."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlmodel import SQLModel, create_engine

from hedging.errors import StorageError

from . import tables  # noqa: F401  (registers the tables on SQLModel.metadata)


#: Inside :func:`transaction`, the open connection that stands in for the engine of its URL.
_BOUND: ContextVar[dict] = ContextVar("hedging_bound_connections", default={})


def get_engine(url: str) -> Engine | Connection:
    """The engine for ``url`` with every table created (idempotent); inside :func:`transaction`,
    the transaction's connection, so every read and write joins it."""
    bound = _BOUND.get().get(url)
    return bound if bound is not None else _engine(url)


def clear_engines() -> None:
    """Forget every cached engine (tests that recreate a database under the same URL)."""
    _engine.cache_clear()


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


@lru_cache(maxsize=16)
def _engine(url: str) -> Engine:
    """The engine for ``url`` with every table created (idempotent)."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record):  # pragma: no cover - exercised by every SQLite test
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.close()
    else:
        engine = create_engine(url, pool_pre_ping=True)
    try:
        SQLModel.metadata.create_all(engine)
    except Exception as exc:  # the driver's own error types differ per database
        raise StorageError(f"Could not open the database at {_redact(url)}: {exc}. Check DATABASE_URL "
                           "(and that the server is running).") from exc
    return engine


def _redact(url: str) -> str:
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://…@{rest.split('@', 1)[1]}"
    return url
