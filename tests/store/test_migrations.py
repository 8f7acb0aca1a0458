"""Schema revisions: a database made by the previous release (no ``alembic_version``, and on SQLite
``imports``, ``index_histories`` and ``proposals`` without AUTOINCREMENT) opens with every row
kept and ends at the newest revision; new databases start there; a second open changes nothing;
concurrent first opens migrate once; ``hedging db upgrade`` reports the revision before and after."""

from __future__ import annotations

import hashlib
import json
import logging
import multiprocessing
import threading
import traceback
from concurrent.futures import ThreadPoolExecutor

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, event, inspect
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

from hedging import cli, store
from hedging.errors import StorageError
from hedging.store import migrate as migrate_module
from hedging.store.engine import _foreign_keys_off, _open, clear_engines
from hedging.store.indices import index_points
from hedging.store.migrate import BASELINE, _config, head
from hedging.store.proposals import delete_proposal, list_proposals, load_proposal, save_proposal
from hedging.store.signing import load_or_create_key

REBUILT = ("imports", "index_histories", "proposals")
ALL_TABLES = ("imports", "usage_daily", "index_histories", "index_points", "market_choices", "proposals")

# The schema exactly as the previous release's create_all wrote it (no AUTOINCREMENT on SQLite).
_OLD_SCHEMA = """
CREATE TABLE imports (
    id {pk}, file_name VARCHAR NOT NULL, sha256 VARCHAR NOT NULL, source_format VARCHAR NOT NULL,
    rows_read INTEGER NOT NULL, rows_imported INTEGER NOT NULL, rows_skipped INTEGER NOT NULL,
    rows_rejected INTEGER NOT NULL, first_day DATE, last_day DATE, cost_usd FLOAT NOT NULL,
    input_tokens BIGINT NOT NULL, output_tokens BIGINT NOT NULL, report_json TEXT NOT NULL,
    created_at {ts} NOT NULL, PRIMARY KEY (id));
CREATE UNIQUE INDEX ix_imports_sha256 ON imports (sha256);
CREATE TABLE index_histories (
    id {pk}, name VARCHAR NOT NULL, underlying VARCHAR NOT NULL, unit VARCHAR NOT NULL,
    file_name VARCHAR NOT NULL, sha256 VARCHAR NOT NULL, points INTEGER NOT NULL,
    first_date DATE NOT NULL, last_date DATE NOT NULL, created_at {ts} NOT NULL, PRIMARY KEY (id));
CREATE INDEX ix_index_histories_sha256 ON index_histories (sha256);
CREATE TABLE market_choices (underlying VARCHAR NOT NULL, index_key VARCHAR NOT NULL, PRIMARY KEY (underlying));
CREATE TABLE proposals (
    id {pk}, name VARCHAR NOT NULL, company VARCHAR NOT NULL, app_version VARCHAR NOT NULL,
    payload_sha256 VARCHAR NOT NULL, payload TEXT NOT NULL, created_at {ts} NOT NULL, PRIMARY KEY (id));
CREATE TABLE index_points (
    id {pk}, index_id INTEGER NOT NULL, date DATE NOT NULL, value FLOAT NOT NULL, source VARCHAR NOT NULL,
    PRIMARY KEY (id), FOREIGN KEY(index_id) REFERENCES index_histories (id) ON DELETE CASCADE);
CREATE INDEX ix_index_points_index_id ON index_points (index_id);
CREATE TABLE usage_daily (
    id {pk}, import_id INTEGER NOT NULL, usage_date DATE NOT NULL, source_format VARCHAR NOT NULL,
    billing_provider VARCHAR NOT NULL, account_id VARCHAR NOT NULL, model_raw VARCHAR NOT NULL,
    team VARCHAR NOT NULL, project_id VARCHAR NOT NULL, api_key_id VARCHAR NOT NULL,
    service_tier VARCHAR NOT NULL, region VARCHAR NOT NULL, charge_category VARCHAR NOT NULL,
    model VARCHAR NOT NULL, model_developer VARCHAR NOT NULL, cost_basis VARCHAR NOT NULL,
    input_tokens BIGINT NOT NULL, cache_read_tokens BIGINT NOT NULL, cache_write_tokens BIGINT NOT NULL,
    output_tokens BIGINT NOT NULL, reasoning_tokens BIGINT NOT NULL, requests BIGINT NOT NULL,
    gpu_hours FLOAT NOT NULL, cost_usd FLOAT NOT NULL, list_cost_usd FLOAT, billed_cost_usd FLOAT,
    non_token_cost_usd FLOAT NOT NULL, source_row_hash VARCHAR NOT NULL,
    PRIMARY KEY (id), FOREIGN KEY(import_id) REFERENCES imports (id) ON DELETE CASCADE);
CREATE INDEX ix_usage_daily_import_id ON usage_daily (import_id);
CREATE INDEX ix_usage_source_day ON usage_daily (source_format, billing_provider, usage_date);
"""
_TYPES = {"sqlite": {"pk": "INTEGER NOT NULL", "ts": "DATETIME"},
          "postgresql": {"pk": "SERIAL NOT NULL", "ts": "TIMESTAMP WITH TIME ZONE"}}


def _raw_engine(url: str) -> Engine:
    """An engine that neither creates nor migrates anything (foreign keys on, as the app has them)."""
    engine = create_engine(url)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", lambda dbapi_conn, _r: dbapi_conn.execute("PRAGMA foreign_keys=ON"))
    return engine


def _insert(conn, table: str, **values) -> int:
    cols = ", ".join(values)
    marks = ", ".join(f"%({c})s" if conn.dialect.name == "postgresql" else f":{c}" for c in values)
    sql = f"INSERT INTO {table} ({cols}) VALUES ({marks}) RETURNING id"
    cursor = conn.connection.dbapi_connection.cursor()
    cursor.execute(sql, values)
    new_id = cursor.fetchone()[0]
    cursor.close()
    return new_id


def _usage_row(import_id: int, day: str, cost: float, account: str | None = None, **changes) -> dict:
    """A stored daily row; each import its own OpenAI organisation unless ``account`` is given."""
    row = dict(import_id=import_id, usage_date=day, source_format="canonical", billing_provider="openai",
               account_id=f"org-{import_id}" if account is None else account, model_raw="gpt-4o",
               team="search", project_id="", api_key_id="", service_tier="standard", region="",
               charge_category="usage", model="gpt-4o", model_developer="openai", cost_basis="computed",
               input_tokens=1000, cache_read_tokens=0, cache_write_tokens=0, output_tokens=100,
               reasoning_tokens=0, requests=3, gpu_hours=0.0, cost_usd=cost, list_cost_usd=None,
               billed_cost_usd=cost, non_token_cost_usd=0.0, source_row_hash=f"h{import_id}{day}")
    return row | changes


def _proposal(name: str) -> dict:
    text = json.dumps({"name": name, "numbers": [1, 2, 3]})
    return dict(name=name, company="Acme", app_version="0.1.0", payload=text,
                payload_sha256=hashlib.sha256(text.encode()).hexdigest(), created_at="2026-11-01 10:00:00+00:00")


def make_previous_release_db(url: str, tables: tuple[str, ...] = ALL_TABLES, duplicates: bool = False) -> None:
    """A database as the previous release left it: its tables, no ``alembic_version``, and data:
    three imports (the third deleted, so ids 1, 2 remain) with usage rows, an uploaded index with
    points, a market choice and three proposals.

    With ``duplicates``, the two imports are of the SAME organisation and overlap, as two imports
    run at the same moment left them: days 1-3 stored twice with equal figures, day 4 twice with
    different costs (9.00 by import 1, 7.00 by import 2), and import 2 holding day 5 twice with one
    key (costs 2.00 and 3.00, differing only in the cost basis)."""
    engine = _raw_engine(url)
    ddl = _OLD_SCHEMA.format(**_TYPES[engine.dialect.name])
    with engine.begin() as conn:
        for statement in filter(str.strip, ddl.split(";")):
            name = statement.split("(")[0].split()[-1]
            on = statement.split(" ON ")[-1].split()[0] if " INDEX " in statement else name
            if on in tables:
                conn.exec_driver_sql(statement)
        imports = [_insert(conn, "imports", file_name=f"usage_{i}.csv", sha256=f"sha{i}", source_format="canonical",
                           rows_read=3, rows_imported=3, rows_skipped=0, rows_rejected=0, first_day="2025-03-01",
                           last_day="2025-03-03", cost_usd=4.5, input_tokens=3000, output_tokens=300,
                           report_json="{}", created_at="2026-10-01 09:00:00+00:00") for i in range(3)]
        account = "" if duplicates else None
        for import_id in imports:
            for d in (1, 2, 3):
                _insert(conn, "usage_daily", **_usage_row(import_id, f"2025-03-0{d}", 1.5 * d, account))
        if duplicates:
            _insert(conn, "usage_daily", **_usage_row(imports[0], "2025-03-04", 9.0, account))
            _insert(conn, "usage_daily", **_usage_row(imports[1], "2025-03-04", 7.0, account))
            _insert(conn, "usage_daily", **_usage_row(imports[1], "2025-03-05", 2.0, account))
            _insert(conn, "usage_daily", **_usage_row(imports[1], "2025-03-05", 3.0, account, cost_basis="invoice",
                                                      list_cost_usd=2.5))
        conn.exec_driver_sql(f"DELETE FROM imports WHERE id = {imports[-1]}")  # cascades to its rows
        if "index_histories" in tables:
            index_id = _insert(conn, "index_histories", name="My index", underlying="token", unit="USD/Mtok",
                               file_name="idx.csv", sha256="idxsha", points=4, first_date="2025-01-01",
                               last_date="2025-04-01", created_at="2026-10-02 09:00:00+00:00")
            for m in range(1, 5):
                _insert(conn, "index_points", index_id=index_id, date=f"2025-0{m}-01", value=1.0 + m / 10,
                        source="upload")
            conn.exec_driver_sql("INSERT INTO market_choices (underlying, index_key) "
                                 f"VALUES ('token', 'upload:{index_id}')")
        if "proposals" in tables:
            for name in ("Q1 plan", "Q2 plan", "Q3 plan"):
                _insert(conn, "proposals", **_proposal(name))
    engine.dispose()


#: Columns later revisions add (their values are checked by the tests of those revisions).
ADDED_COLUMNS = {"proposals": {"schema_version", "signature", "workspace_id"},
                 **{t: {"workspace_id"} for t in ("imports", "usage_daily", "index_histories", "market_choices")}}


def snapshot(url: str) -> dict[str, list[tuple]]:
    """Every row of every application table, in id order: the columns the previous release had."""
    engine = _raw_engine(url)
    with engine.connect() as conn:
        names = set(inspect(conn).get_table_names())
        out = {}
        for t in ALL_TABLES:
            if t in names:
                cols = [c["name"] for c in inspect(conn).get_columns(t) if c["name"] not in ADDED_COLUMNS.get(t, ())]
                out[t] = [tuple(r) for r in conn.exec_driver_sql(f"SELECT {', '.join(cols)} FROM {t} ORDER BY 1")]
    engine.dispose()
    return out


def table_sql(url: str, table: str) -> str:
    engine = _raw_engine(url)
    with engine.connect() as conn:
        sql = conn.exec_driver_sql("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?",
                                   (table,)).scalar()
    engine.dispose()
    return sql


def revision(url: str) -> str | None:
    engine = _raw_engine(url)
    with engine.connect() as conn:
        rev = MigrationContext.configure(conn).get_current_revision()
    engine.dispose()
    return rev


def schema_differences(url: str) -> list:
    """What differs between the database's schema and the tables the code declares."""
    engine = _raw_engine(url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), SQLModel.metadata)
    engine.dispose()
    return [d for d in diff if not (d[0] == "remove_table" and d[1].name == "alembic_version")]


@pytest.fixture
def key(tmp_path):
    """The installation's proposal signing key (a file of its own, mode 0600)."""
    return load_or_create_key(tmp_path / "keys" / "signing.key")


@pytest.fixture
def sqlite_url(tmp_path):
    return f"sqlite:///{tmp_path / 'previous.db'}"


# --- a database made by the previous release ------------------------------------------------------


def test_previous_release_schema_reuses_the_id_of_a_deleted_newest_row(sqlite_url):
    """The fixture really is the old schema: without AUTOINCREMENT SQLite hands an id out twice."""
    make_previous_release_db(sqlite_url)
    engine = _raw_engine(sqlite_url)
    with engine.begin() as conn:
        newest = conn.exec_driver_sql("SELECT MAX(id) FROM proposals").scalar()
        conn.exec_driver_sql(f"DELETE FROM proposals WHERE id = {newest}")
        assert _insert(conn, "proposals", **_proposal("again")) == newest
        conn.rollback()
    engine.dispose()


def test_previous_release_sqlite_database_opens_with_every_row_and_never_reuses_ids(sqlite_url, key):
    make_previous_release_db(sqlite_url)
    before = snapshot(sqlite_url)
    assert revision(sqlite_url) is None
    assert [len(before[t]) for t in ALL_TABLES] == [2, 6, 1, 4, 1, 3]
    assert all("AUTOINCREMENT" not in table_sql(sqlite_url, t) for t in REBUILT)

    engine = store.get_engine(sqlite_url)

    assert snapshot(sqlite_url) == before  # every import, usage row, index, point, choice and proposal
    assert revision(sqlite_url) == head()
    assert all("AUTOINCREMENT" in table_sql(sqlite_url, t) for t in REBUILT)
    assert schema_differences(sqlite_url) == []
    with engine.connect() as conn:
        sequence = dict(conn.exec_driver_sql("SELECT name, seq FROM sqlite_sequence").all())
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1  # enforced again
        assert conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []
    assert sequence["imports"] == 2 and sequence["proposals"] == 3 and sequence["index_histories"] == 1
    # the data reads back through the store as before
    assert [i.id for i in store.list_imports(engine)] == [1, 2]
    assert len(store.usage_frame(engine)) == 6
    assert len(index_points(engine, 1)) == 4
    assert [p["id"] for p in list_proposals(engine, key=key)] == [1, 2, 3]
    assert load_proposal(engine, 3, key=key)["name"] == "Q3 plan"  # fingerprint still matches
    # the newest proposal's id is never given again
    delete_proposal(engine, 3)
    assert save_proposal(engine, "Q4 plan", "Acme", "0.2.0", {"x": 1}, key=key) == 4
    # the cascades from the rebuilt parents still work
    assert store.delete_import(engine, 2) == 3
    assert len(store.usage_frame(engine)) == 3
    clear_engines()


def test_previous_release_database_is_adopted_and_upgraded_on_both_databases(db_url, key):
    make_previous_release_db(db_url)
    before = snapshot(db_url)
    assert revision(db_url) is None

    engine = store.get_engine(db_url)

    assert snapshot(db_url) == before
    assert revision(db_url) == head()
    assert schema_differences(db_url) == []
    assert [p["id"] for p in list_proposals(engine, key=key)] == [1, 2, 3]
    delete_proposal(engine, 3)
    assert save_proposal(engine, "Q4 plan", "Acme", "0.2.0", {"x": 1}, key=key) == 4
    assert len(store.usage_frame(engine)) == 6


def test_duplicated_rows_are_collapsed_to_one_per_key_and_kept_in_the_archive(db_url):
    """Two overlapping imports of one organisation that ran at once left every day stored twice:
    the upgrade keeps one row per key (the newer import's), adds up one import's rows that share a
    key, and copies every row it removed or changed, whole, into usage_daily_collapsed."""
    make_previous_release_db(db_url, duplicates=True)
    before = snapshot(db_url)
    columns = _usage_columns(db_url)
    originals = {row[0]: dict(zip(columns, row)) for row in before["usage_daily"]}
    assert len(originals) == 10
    assert sum(r["cost_usd"] for r in originals.values()) == pytest.approx(2 * 9.0 + 9.0 + 7.0 + 5.0)

    engine = store.get_engine(db_url)

    after = snapshot(db_url)
    assert {t: after[t] for t in after if t != "usage_daily"} == {t: before[t] for t in before if t != "usage_daily"}
    frame = store.usage_frame(engine)
    assert list(frame["usage_date"].dt.day) == [1, 2, 3, 4, 5]
    assert set(frame["import_id"]) == {2}  # the newer import's rows stand for each key
    assert list(frame["cost_usd"]) == pytest.approx([1.5, 3.0, 4.5, 7.0, 5.0])
    day5 = frame.iloc[4]
    assert (day5["input_tokens"], day5["requests"], day5["list_cost_usd"]) == (2000, 6, 2.5)
    assert store.collapsed_rows(engine) == {"exact copy": 3, "merged within one import": 1,
                                            "replaced by a newer import": 1}
    archive = _archive(db_url)
    kept_ids = {row[0] for row in after["usage_daily"]}
    removed = {a["usage_row_id"] for a in archive if a["usage_row_id"] not in kept_ids}
    assert removed == set(originals) - kept_ids and len(removed) == 5
    for a in archive:  # every original row is in the archive as it was, pointing at a row that stands
        assert a["kept_row_id"] in kept_ids
        original = originals[a["usage_row_id"]]
        assert json.loads(a["row_json"])["cost_usd"] == original["cost_usd"]
        assert str(json.loads(a["row_json"])["usage_date"]) == str(original["usage_date"])[:10]
    assert sorted(json.loads(a["row_json"])["cost_usd"] for a in archive if a["reason"].startswith("merged")) == [2.0, 3.0]
    assert schema_differences(db_url) == []
    # the database itself now refuses a second copy, whatever writes it
    raw = _raw_engine(db_url)
    with pytest.raises(Exception, match="(?i)unique") as refused, raw.begin() as conn:
        _insert(conn, "usage_daily", **_usage_row(2, "2025-03-04", 1.0, ""))
    assert type(refused.value).__name__ in ("IntegrityError", "UniqueViolation")  # sqlite3 / psycopg
    with raw.begin() as conn:  # another organisation's row for the same day is a different key
        _insert(conn, "usage_daily", **_usage_row(2, "2025-03-04", 1.0, "org-other"))
    raw.dispose()


def test_an_upgrade_without_duplicates_collapses_nothing(sqlite_url):
    make_previous_release_db(sqlite_url)
    engine = store.get_engine(sqlite_url)
    assert store.collapsed_rows(engine) == {}
    assert len(store.usage_frame(engine)) == 6
    clear_engines()


def _usage_columns(url: str) -> list[str]:
    engine = _raw_engine(url)
    names = [c["name"] for c in inspect(engine).get_columns("usage_daily")]
    engine.dispose()
    return names


def _archive(url: str) -> list[dict]:
    engine = _raw_engine(url)
    with engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.exec_driver_sql("SELECT * FROM usage_daily_collapsed ORDER BY id")]
    engine.dispose()
    return rows


def test_database_of_an_earlier_release_gets_its_missing_tables(sqlite_url, key):
    """A database from before index uploads and proposals existed: those tables are created."""
    make_previous_release_db(sqlite_url, tables=("imports", "usage_daily"))
    before = snapshot(sqlite_url)
    engine = store.get_engine(sqlite_url)
    after = snapshot(sqlite_url)
    assert {t: after[t] for t in before} == before
    assert set(SQLModel.metadata.tables) <= set(inspect(engine).get_table_names())
    assert revision(sqlite_url) == head() and schema_differences(sqlite_url) == []
    assert save_proposal(engine, "first", "Acme", "0.2.0", {}, key=key) == 1
    clear_engines()


def test_a_failed_upgrade_changes_nothing(sqlite_url, monkeypatch):
    make_previous_release_db(sqlite_url)
    before = snapshot(sqlite_url)
    real = command.upgrade

    def upgrade_then_fail(config, target):
        real(config, target)
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(migrate_module.command, "upgrade", upgrade_then_fail)
    with pytest.raises(StorageError, match="disk on fire"):
        _open(sqlite_url)
    assert snapshot(sqlite_url) == before
    assert revision(sqlite_url) is None
    assert all("AUTOINCREMENT" not in table_sql(sqlite_url, t) for t in REBUILT)


def test_the_rebuild_refuses_to_run_with_foreign_keys_enforced(sqlite_url):
    """Dropping a parent table with foreign keys on would cascade onto usage rows and index points."""
    make_previous_release_db(sqlite_url)
    before = snapshot(sqlite_url)
    engine = _raw_engine(sqlite_url)
    with engine.connect() as conn:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
        with pytest.raises(RuntimeError, match="foreign keys"):
            command.upgrade(_config(conn), "head")
        conn.rollback()
    engine.dispose()
    assert snapshot(sqlite_url) == before


def test_database_at_a_revision_this_release_does_not_know_is_refused(sqlite_url):
    engine = _raw_engine(sqlite_url)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY)")
        conn.exec_driver_sql("INSERT INTO alembic_version VALUES ('9999_from_the_future')")
    engine.dispose()
    with pytest.raises(StorageError, match="newer release"):
        _open(sqlite_url)


def test_database_at_the_baseline_revision_is_upgraded(sqlite_url):
    make_previous_release_db(sqlite_url)
    before = snapshot(sqlite_url)
    engine = _raw_engine(sqlite_url)
    with engine.connect() as conn:
        command.stamp(_config(conn), BASELINE)
        conn.commit()
    engine.dispose()
    assert revision(sqlite_url) == BASELINE
    result = store.upgrade_database(sqlite_url)
    assert (result.before, result.after, result.created, result.changed) == (BASELINE, head(), False, True)
    assert snapshot(sqlite_url) == before
    assert all("AUTOINCREMENT" in table_sql(sqlite_url, t) for t in REBUILT)


# --- new databases, second opens, races --------------------------------------------------------------


def test_revisions_build_exactly_the_declared_schema(db_url):
    """Upgrading an empty database revision by revision gives what tables.py declares, so a new
    database (created from the tables and recorded at the head) and an upgraded one are the same."""
    engine = _raw_engine(db_url)
    with engine.connect() as conn, _foreign_keys_off(conn):
        command.upgrade(_config(conn), "head")
        conn.commit()
    engine.dispose()
    assert revision(db_url) == head()
    assert schema_differences(db_url) == []
    if db_url.startswith("sqlite"):
        assert all("AUTOINCREMENT" in table_sql(db_url, t) for t in REBUILT)


def test_new_database_is_created_at_the_head(db_url):
    result = store.upgrade_database(db_url)
    assert (result.before, result.after, result.head, result.created) == (None, head(), head(), True)
    assert revision(db_url) == head()
    assert schema_differences(db_url) == []


def test_second_open_changes_nothing(db_url):
    make_previous_release_db(db_url)
    first = store.upgrade_database(db_url)
    assert first.before is None and first.after == head() and first.changed
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        statements.append(statement.strip().split()[0].upper())

    event.listen(Engine, "before_cursor_execute", record)
    try:
        again = store.upgrade_database(db_url)
        clear_engines()
        store.get_engine(db_url)
    finally:
        event.remove(Engine, "before_cursor_execute", record)
    assert (again.before, again.after, again.changed) == (head(), head(), False)
    assert statements and not {"CREATE", "ALTER", "DROP", "INSERT", "UPDATE", "DELETE"} & set(statements)
    clear_engines()


def _open_after(url: str, barrier) -> str:
    try:
        barrier.wait(timeout=60)
        engine = _open(url)
        engine.dispose()
        return "ok"
    except Exception:  # noqa: BLE001 - the test reports whatever went wrong in the worker
        return traceback.format_exc()


def _process_worker(url: str, barrier, results) -> None:
    results.put(_open_after(url, barrier))


def test_old_database_opened_by_racing_threads_is_migrated_once(db_url):
    make_previous_release_db(db_url)
    before = snapshot(db_url)
    barrier = threading.Barrier(6)
    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(lambda _: _open_after(db_url, barrier), range(6)))
    assert results == ["ok"] * 6
    assert snapshot(db_url) == before
    assert revision(db_url) == head() and schema_differences(db_url) == []


def test_threads_migrating_different_databases_at_once(tmp_path):
    """Alembic's module-level proxies are shared by every thread: migrations of different
    databases in one process must not run through them at the same time."""
    urls = [f"sqlite:///{tmp_path / f'db{i}.db'}" for i in range(6)]
    for url in urls[:3]:
        make_previous_release_db(url)  # three to upgrade, three to create
    barrier = threading.Barrier(len(urls))
    with ThreadPoolExecutor(max_workers=len(urls)) as pool:
        results = list(pool.map(lambda url: _open_after(url, barrier), urls))
    assert results == ["ok"] * len(urls)
    assert [revision(url) for url in urls] == [head()] * len(urls)


def test_old_database_opened_by_racing_processes_is_migrated_once(sqlite_url):
    make_previous_release_db(sqlite_url)
    before = snapshot(sqlite_url)
    ctx = multiprocessing.get_context("spawn")
    barrier, results = ctx.Barrier(3), ctx.Queue()
    workers = [ctx.Process(target=_process_worker, args=(sqlite_url, barrier, results)) for _ in range(3)]
    for w in workers:
        w.start()
    outcomes = [results.get(timeout=120) for _ in workers]
    for w in workers:
        w.join(timeout=60)
    assert outcomes == ["ok"] * 3
    assert snapshot(sqlite_url) == before
    assert all("AUTOINCREMENT" in table_sql(sqlite_url, t) for t in REBUILT)
    assert revision(sqlite_url) == head()


def test_migrating_leaves_the_application_logging_alone(sqlite_url):
    make_previous_release_db(sqlite_url)
    app_logger = logging.getLogger("hedging.some.module")
    root = logging.getLogger()
    alembic_logger = logging.getLogger("alembic")
    state = lambda: (list(root.handlers), root.level, alembic_logger.level, list(alembic_logger.handlers),  # noqa: E731
                     alembic_logger.propagate, app_logger.disabled, logging.root.manager.disable)
    before = state()
    assert store.upgrade_database(sqlite_url).changed
    assert state() == before


# --- the command line ---------------------------------------------------------------------------------


def test_cli_db_upgrade_reports_revisions_as_json(sqlite_url, capsys):
    make_previous_release_db(sqlite_url)
    assert cli.main(["db", "upgrade", "--db", sqlite_url, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out == {"before": None, "after": head(), "head": head(), "created": False, "upgraded": True}
    assert cli.main(["db", "upgrade", "--db", sqlite_url, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out == {"before": head(), "after": head(), "head": head(), "created": False, "upgraded": False}
    assert cli.main(["db", "upgrade", "--db", sqlite_url]) == 0
    assert "already at revision" in capsys.readouterr().out


def test_cli_db_upgrade_on_a_new_database(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'new.db'}"
    assert cli.main(["db", "upgrade", "--db", url]) == 0
    assert capsys.readouterr().out.strip() == f"Schema created at revision {head()}."
    assert revision(url) == head()


# --- revision 0006: workspaces and roles ---------------------------------------------------------------


def test_an_upgraded_database_keeps_everything_in_the_default_workspace(db_url, key, tmp_path):
    """Every import, usage row, index, choice and proposal of the previous release lands in workspace 1,
    "Default", whose admin is the local user: the local mode sees exactly what it saw before; a new
    workspace starts empty and may import the same file again."""
    from hedging.service import access
    from hedging.store import workspaces
    from tests.conftest import settings_for

    make_previous_release_db(db_url)
    before = snapshot(db_url)
    store.upgrade_database(db_url)
    assert snapshot(db_url) == before and revision(db_url) == head() == "0007_hedge_policy"
    engine = _raw_engine(db_url)
    with engine.connect() as conn:
        for table in ("imports", "usage_daily", "index_histories", "market_choices", "proposals"):
            assert conn.exec_driver_sql(f"SELECT DISTINCT workspace_id FROM {table}").scalars().all() == [1], table
        assert workspaces.workspaces_of(conn, "local user") == [{"id": 1, "slug": "default", "name": "Default",
                                                                 "role": "admin"}]
    engine.dispose()
    settings = settings_for(db_url, tmp_path)
    assert access.authorize(settings, access.POLICY).workspace_id == 1
    assert [i.sha256 for i in store.list_imports(store.get_engine(db_url))] == ["sha0", "sha1"]
    assert [p["name"] for p in list_proposals(store.get_engine(db_url), key=key)] == ["Q1 plan", "Q2 plan", "Q3 plan"]
    assert index_points(store.get_engine(db_url), 1).shape[0] == 4
    with store.transaction(db_url) as conn:
        new_id = workspaces.create_workspace(conn, "acme", "Acme", "ann@acme.example")
    assert new_id == 2  # the id sequence moved on past the Default workspace made by the revision
    assert store.list_imports(store.get_engine(db_url), new_id) == []
    assert list_proposals(store.get_engine(db_url), key=key, workspace_id=new_id) == []
    clear_engines()


# --- revision 0007: the hedge policy ------------------------------------------------------------------


def _policy_triggers(url: str) -> list[tuple]:
    """The triggers on the two append-only policy tables as the database reports them (and, on
    PostgreSQL, the bodies of their functions)."""
    engine = _raw_engine(url)
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            rows = conn.exec_driver_sql("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN "
                                        "('hedge_policies', 'policy_exceptions') ORDER BY name").all()
        else:
            rows = conn.exec_driver_sql(
                "SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger WHERE tgrelid IN "
                "('hedge_policies'::regclass, 'policy_exceptions'::regclass) AND NOT tgisinternal ORDER BY tgname").all()
            rows += conn.exec_driver_sql("SELECT proname, prosrc FROM pg_proc WHERE proname IN "
                                         "('hedge_policies_refuse_change', 'policy_exceptions_refuse_change') "
                                         "ORDER BY proname").all()
    engine.dispose()
    return [tuple(r) for r in rows]


def test_a_database_at_0006_gains_the_policy_tables_empty_and_append_only(db_url, key, tmp_path):
    """A database at 0006 (the previous release) with a second workspace, a proposal and its review
    steps: upgraded, every row is kept, both workspaces start with the default policy, the new tables
    refuse a change, and the triggers are those ``create_all`` gives a new database."""
    from hedging.hedge.hedge_policy import HedgePolicy, TenorBand
    from hedging.service import hedge_policy
    from hedging.store import reviews, workspaces
    from hedging.store.tables import APPEND_ONLY_TRIGGERS
    from tests.conftest import settings_for

    make_previous_release_db(db_url)
    engine = _raw_engine(db_url)
    with engine.connect() as conn, _foreign_keys_off(conn):
        if engine.dialect.name == "sqlite":
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        command.upgrade(_config(conn), "0006_workspaces_roles")
        conn.commit()
    with engine.begin() as conn:
        acme = workspaces.create_workspace(conn, "acme", "Acme", "ann@acme.example")
        reviews.add(conn, proposal_id=1, workspace_id=1, status="draft", actor="local user", fingerprint="f1")
    engine.dispose()
    assert revision(db_url) == "0006_workspaces_roles"
    before = snapshot(db_url)

    result = store.upgrade_database(db_url)

    assert (result.before, result.after) == ("0006_workspaces_roles", head())
    assert snapshot(db_url) == before and schema_differences(db_url) == []
    raw = _raw_engine(db_url)
    with raw.connect() as conn:
        assert conn.exec_driver_sql("SELECT COUNT(*) FROM hedge_policies").scalar() == 0
        assert conn.exec_driver_sql("SELECT COUNT(*) FROM policy_exceptions").scalar() == 0
        assert conn.exec_driver_sql("SELECT COUNT(*) FROM proposal_reviews").scalar() == 1
    raw.dispose()
    settings = settings_for(db_url, tmp_path)
    assert hedge_policy.policy_in_force(settings).version == 0                     # the default, not adopted
    assert hedge_policy.policy_in_force(settings.acting("ann@acme.example", "acme")).version == 0
    saved = hedge_policy.set_policy(HedgePolicy(bands=(TenorBand(1, 3, 0.5, 0.75),)), settings, reason="adopt")
    assert saved.version == 1 and hedge_policy.policy_in_force(settings.acting("ann@acme.example", "acme")).version == 0
    raw = _raw_engine(db_url)
    for sql in ("UPDATE hedge_policies SET reason = 'x'", "DELETE FROM hedge_policies"):  # rows refused one by one
        with pytest.raises(Exception, match="only ever added"), raw.begin() as conn:
            conn.exec_driver_sql(sql)
    raw.dispose()
    upgraded = _policy_triggers(db_url)
    assert len(upgraded) == (4 if db_url.startswith("sqlite") else 6)
    assert acme == 2 and set(APPEND_ONLY_TRIGGERS) == {"hedge_policies", "policy_exceptions"}
    clear_engines()
    # a new database gets the same triggers from create_all
    if db_url.startswith("sqlite"):
        fresh = f"sqlite:///{tmp_path / 'fresh.db'}"
        store.get_engine(fresh)
        assert _policy_triggers(fresh) == upgraded
        clear_engines()


def test_the_revision_writes_the_statements_the_tables_declare():
    """Revision 0007 writes its trigger statements out; they are exactly the declared ones."""
    import importlib.util
    from pathlib import Path

    from hedging.store.tables import APPEND_ONLY_TRIGGERS

    path = Path(migrate_module.__file__).parent / "migrations" / "versions" / "0007_hedge_policy.py"
    spec = importlib.util.spec_from_file_location("rev0007", path)
    rev = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(rev)
    for table, by_dialect in APPEND_ONLY_TRIGGERS.items():
        for dialect, statements in by_dialect.items():
            assert rev.triggers(table, dialect) == statements, (table, dialect)
