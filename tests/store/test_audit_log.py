"""The audit log is append-only in the database itself: an UPDATE, a DELETE (and on PostgreSQL a
TRUNCATE) of an entry is refused by triggers, whatever connection sends it; a new database and one
upgraded from the previous release get the same triggers; the upgrade keeps every row."""

from __future__ import annotations

import datetime as dt

import pytest
from alembic import command
from sqlalchemy import text

from hedging import store
from hedging.store import audit
from hedging.store.engine import _foreign_keys_off, clear_engines
from hedging.store.migrate import _config, head
from hedging.store.tables import AUDIT_REFUSED
from tests.conftest import _reset_postgres
from tests.store.test_migrations import (
    _raw_engine,
    make_previous_release_db,
    revision,
    schema_differences,
    snapshot,
)


def _entries(url: str) -> list[tuple]:
    engine = _raw_engine(url)
    with engine.connect() as conn:
        rows = [tuple(r) for r in conn.exec_driver_sql(
            "SELECT id, actor, action, target_kind, target_id, target_label, fingerprint, detail FROM audit_log "
            "ORDER BY id")]
    engine.dispose()
    return rows


def _triggers(url: str) -> list[tuple]:
    """The triggers on audit_log as the database reports them (and the PostgreSQL function's body)."""
    engine = _raw_engine(url)
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            rows = conn.exec_driver_sql("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                                        "AND tbl_name = 'audit_log' ORDER BY name").all()
        else:
            rows = conn.exec_driver_sql(
                "SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger WHERE tgrelid = 'audit_log'::regclass "
                "AND NOT tgisinternal ORDER BY tgname").all()
            rows += conn.exec_driver_sql("SELECT proname, prosrc FROM pg_proc "
                                         "WHERE proname = 'audit_log_refuse_change'").all()
    engine.dispose()
    return [tuple(r) for r in rows]


def _two_entries(url: str) -> None:
    with store.transaction(url) as conn:
        audit.record(conn, actor="ann@example.com", action="import", kind="import", target_id=1,
                     label="usage.csv", fingerprint="a" * 64, detail="3 rows")
        audit.record(conn, actor="cli:bob", action="proposal save", kind="proposal", target_id=7,
                     label="FY27 plan", fingerprint="b" * 64)


@pytest.mark.parametrize("statement", [
    "UPDATE audit_log SET actor = 'mallory' WHERE id = 1",
    "UPDATE audit_log SET at = at",                     # even a change to nothing
    "DELETE FROM audit_log WHERE id = 2",
    "DELETE FROM audit_log",
])
def test_an_update_or_delete_of_the_log_is_refused_by_the_database(db_url, statement):
    store.get_engine(db_url)
    _two_entries(db_url)
    before = _entries(db_url)
    assert len(before) == 2
    raw = _raw_engine(db_url)   # a plain connection that knows nothing of the app
    with pytest.raises(Exception, match="append-only") as refused, raw.begin() as conn:
        conn.exec_driver_sql(statement)
    raw.dispose()
    assert AUDIT_REFUSED in str(refused.value)
    assert _entries(db_url) == before


def test_postgresql_also_refuses_truncate(postgres_url):
    _reset_postgres(postgres_url)
    clear_engines()
    store.get_engine(postgres_url)
    _two_entries(postgres_url)
    raw = _raw_engine(postgres_url)
    with pytest.raises(Exception, match="append-only"), raw.begin() as conn:
        conn.execute(text("TRUNCATE audit_log"))
    raw.dispose()
    assert len(_entries(postgres_url)) == 2
    store.get_engine(postgres_url).dispose()
    clear_engines()


def test_an_entry_is_only_written_inside_its_actions_transaction(db_url):
    engine = store.get_engine(db_url)
    with pytest.raises(TypeError, match="transaction"):
        audit.record(engine, actor="ann", action="import", kind="import", target_id=1)
    with pytest.raises(RuntimeError), store.transaction(db_url) as conn:   # the action fails after its entry
        audit.record(conn, actor="ann", action="import", kind="import", target_id=1)
        raise RuntimeError("the import failed")
    assert _entries(db_url) == []


def test_entries_filter_by_who_action_and_utc_days(db_url):
    store.get_engine(db_url)
    utc = dt.timezone.utc
    with store.transaction(db_url) as conn:
        for day, who, action in ((1, "ann", "import"), (2, "bob", "import"), (3, "ann", "PDF export")):
            audit.record(conn, actor=who, action=action, kind="import", target_id=day,
                         at=dt.datetime(2026, 12, day, 23, 59, 59, tzinfo=utc))
    engine = store.get_engine(db_url)
    ids = lambda **kw: [e["target_id"] for e in audit.entries(engine, **kw)]  # noqa: E731
    assert ids() == ["3", "2", "1"]                                          # newest first
    assert ids(actor="ann") == ["3", "1"] and ids(action="import") == ["2", "1"]
    assert ids(start=dt.date(2026, 12, 2)) == ["3", "2"]                     # whole UTC days, both ends included
    assert ids(start=dt.date(2026, 12, 2), end=dt.date(2026, 12, 2)) == ["2"]
    assert audit.actors(engine) == ["ann", "bob"]
    assert all(e["at"].tzinfo is not None for e in audit.entries(engine))


def test_a_new_and_an_upgraded_database_have_the_same_refusal(db_url, tmp_path):
    """The triggers ``create_all`` makes for a new database are those revision 0005 makes."""
    store.get_engine(db_url)
    fresh = _triggers(db_url)
    assert len(fresh) == (2 if db_url.startswith("sqlite") else 3)
    if db_url.startswith("sqlite"):
        other = f"sqlite:///{tmp_path / 'upgraded.db'}"
    else:
        store.get_engine(db_url).dispose()
        _reset_postgres(db_url)
        clear_engines()
        other = db_url
    engine = _raw_engine(other)
    with engine.connect() as conn, _foreign_keys_off(conn):
        command.upgrade(_config(conn), "head")
        conn.commit()
    engine.dispose()
    assert revision(other) == head() == "0007_hedge_policy"
    assert _triggers(other) == fresh


def test_a_database_of_the_previous_release_keeps_everything_and_gains_the_log(db_url):
    """A database at 0004 (the previous release) with imports, usage, an index, a choice and
    proposals: upgraded, every row is kept, the log is there, empty, and refuses changes."""
    make_previous_release_db(db_url)
    engine = _raw_engine(db_url)
    with engine.connect() as conn, _foreign_keys_off(conn):
        if engine.dialect.name == "sqlite":
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        command.upgrade(_config(conn), "0004_signed_proposals")
        conn.commit()
    engine.dispose()
    assert revision(db_url) == "0004_signed_proposals"
    before = snapshot(db_url)
    assert [len(before[t]) for t in before] == [2, 6, 1, 4, 1, 3]

    result = store.upgrade_database(db_url)

    assert (result.before, result.after) == ("0004_signed_proposals", head())
    assert snapshot(db_url) == before
    assert schema_differences(db_url) == []
    assert _entries(db_url) == []
    _two_entries(db_url)
    raw = _raw_engine(db_url)
    with pytest.raises(Exception, match="append-only"), raw.begin() as conn:
        conn.exec_driver_sql("DELETE FROM audit_log")
    raw.dispose()
    assert len(_entries(db_url)) == 2
    clear_engines()
