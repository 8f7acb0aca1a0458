"""The engine: tables created once under races (threads and processes), private SQLite files,
and no password from DATABASE_URL in any message."""

from __future__ import annotations

import multiprocessing
import stat
import threading
import traceback
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import inspect
from sqlmodel import SQLModel

from hedging.config import Settings
from hedging.errors import StorageError
from hedging.store import engine as engine_module
from hedging.store.engine import _open, _redact, clear_engines, get_engine

TABLES = set(SQLModel.metadata.tables)


def _open_after(url: str, barrier) -> str:
    """Open ``url`` (a new engine, so its own CREATE TABLE) once every opener is ready."""
    try:
        barrier.wait(timeout=60)
        engine = _open(url)
        names = set(inspect(engine).get_table_names())
        engine.dispose()
        return "ok" if TABLES <= names else f"missing tables: {sorted(TABLES - names)}"
    except Exception:  # noqa: BLE001 - the test reports whatever went wrong in the worker
        return traceback.format_exc()


def _process_worker(url: str, barrier, results) -> None:
    results.put(_open_after(url, barrier))


def test_schema_is_created_once_by_racing_threads(tmp_path):
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    barrier = threading.Barrier(8)
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda _: _open_after(url, barrier), range(8)))
    assert results == ["ok"] * 8


def test_get_engine_from_racing_threads_builds_one_engine(tmp_path):
    url = f"sqlite:///{tmp_path / 'cached.db'}"
    barrier = threading.Barrier(6)

    def first_load(_):
        barrier.wait(timeout=30)
        return get_engine(url)

    with ThreadPoolExecutor(max_workers=6) as pool:
        engines = list(pool.map(first_load, range(6)))
    assert len({id(e) for e in engines}) == 1
    assert TABLES <= set(inspect(engines[0]).get_table_names())


@pytest.mark.parametrize("processes", [2, 4])
def test_schema_is_created_once_by_racing_processes(tmp_path, processes):
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    ctx = multiprocessing.get_context("spawn")
    barrier, results = ctx.Barrier(processes), ctx.Queue()
    workers = [ctx.Process(target=_process_worker, args=(url, barrier, results)) for _ in range(processes)]
    for w in workers:
        w.start()
    outcomes = [results.get(timeout=120) for _ in workers]
    for w in workers:
        w.join(timeout=60)
    assert outcomes == ["ok"] * processes
    assert [w.exitcode for w in workers] == [0] * processes


def test_schema_is_created_on_postgres_by_racing_threads(postgres_url):
    from tests.conftest import _reset_postgres

    _reset_postgres(postgres_url)
    barrier = threading.Barrier(4)
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: _open_after(postgres_url, barrier), range(4)))
    assert results == ["ok"] * 4
    clear_engines()


def test_losing_a_creation_race_rechecks_the_tables(tmp_path, monkeypatch):
    """Another process's CREATE TABLE can win between our check and ours ("already exists"):
    the tables are then looked at again instead of failing the page."""
    url = f"sqlite:///{tmp_path / 'lost.db'}"
    _open(url).dispose()  # the tables now exist, as if another process had just made them
    engine = engine_module.create_engine(url)
    real = SQLModel.metadata.create_all
    calls = []

    def create_all_that_loses(bind, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            real(bind, checkfirst=False)  # raises "table ... already exists"
        real(bind, **kwargs)

    monkeypatch.setattr(SQLModel.metadata, "create_all", create_all_that_loses)
    engine_module.create_tables(engine)
    assert calls == [1]
    engine.dispose()


# --- private files ---------------------------------------------------------------------------


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_new_data_directory_is_0700_and_database_file_0600(tmp_path):
    data_dir = tmp_path / "home" / "hedging"
    settings = Settings.from_env({"HEDGING_DATA_DIR": str(data_dir)})
    engine = get_engine(settings.database_url)
    with engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO market_choices (underlying, index_key) VALUES ('token', 'builtin')")
    assert _mode(data_dir) == 0o700
    db = data_dir / "hedging.db"
    assert _mode(db) == 0o600
    for extra in (data_dir / "hedging.db-wal", data_dir / "hedging.db-shm"):
        if extra.exists():  # WAL files take the database file's mode
            assert _mode(extra) == 0o600, extra
    engine.dispose()


def test_existing_folder_and_file_keep_their_modes(tmp_path):
    folder = tmp_path / "shared"
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)
    db = folder / "team.db"
    _open(f"sqlite:///{db}").dispose()
    db.chmod(0o640)
    clear_engines()
    get_engine(f"sqlite:///{db}").dispose()
    assert _mode(folder) == 0o755 and _mode(db) == 0o640


# --- passwords never shown ---------------------------------------------------------------------

SECRETS = ("hunter2pw", "qu3rysecret", "ssl-s3cret")


@pytest.mark.parametrize("url, shown", [
    ("postgresql+psycopg://ann:hunter2pw@db.example:5432/hedging", "postgresql+psycopg://…@db.example:5432/hedging"),
    ("postgresql+psycopg://db.example/hedging?user=ann&password=qu3rysecret&sslmode=require",
     "postgresql+psycopg://db.example/hedging?user=ann&password=…&sslmode=require"),
    ("postgresql://ann:hunter2pw@db/h?sslpassword=ssl-s3cret&PASSWORD=qu3rysecret",
     "postgresql://…@db/h?sslpassword=…&PASSWORD=…"),
    ("postgresql://ann:p%40ss@db/h", "postgresql://…@db/h"),
    ("sqlite:////var/lib/hedging/hedging.db", "sqlite:////var/lib/hedging/hedging.db"),
])
def test_redact_hides_passwords_in_user_part_and_query(url, shown):
    assert _redact(url) == shown


@pytest.mark.parametrize("url", [
    # no server listens on port 1: the driver's connection error
    "postgresql+psycopg://ann:hunter2pw@127.0.0.1:1/hedging?connect_timeout=2",
    "postgresql+psycopg://ann@127.0.0.1:1/hedging?password=qu3rysecret&connect_timeout=2",
    "postgresql+psycopg://127.0.0.1:1/h?user=ann&password=qu3rysecret&sslpassword=ssl-s3cret&connect_timeout=2",
    # URLs SQLAlchemy cannot parse or load quote themselves in the error
    "postgresql+psycopg://ann:hunter2pw@db.example:notaport/hedging",
    "nosuchdatabase://ann:hunter2pw@db.example/hedging?password=qu3rysecret",
])
def test_database_errors_never_show_the_password(url):
    with pytest.raises(StorageError) as caught:
        get_engine(url)
    err = caught.value
    shown = str(err) + "".join(traceback.format_exception(err))
    assert "DATABASE_URL" in str(err)
    for secret in SECRETS:
        assert secret not in shown, shown
    assert err.__cause__ is None and err.__suppress_context__


def test_settings_repr_does_not_show_the_url():
    settings = Settings.from_env({"DATABASE_URL": "postgresql://ann:hunter2pw@db/h?password=qu3rysecret",
                                  "HEDGING_DATA_DIR": "/tmp/x"})
    assert "hunter2pw" not in repr(settings) and "qu3rysecret" not in repr(settings)
