"""Storage against SQLite and a real PostgreSQL: one transaction per import, idempotent
re-imports, overlapping imports replace days, deletion removes exactly an import's rows."""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st
from sqlalchemy import text

from hedging import service, store
from hedging.errors import StorageError
from hedging.ingest import read_usage
from hedging.service.proposal import signing_key
from tests.conftest import settings_for

HEADER = "usage_date,billing_provider,model,team,input_tokens,output_tokens,cost_usd\n"


def canonical(rows: list[tuple]) -> bytes:
    return (HEADER + "".join(",".join(map(str, r)) + "\n" for r in rows)).encode()


def days(provider: str, first: int, last: int, model="gpt-4o", team="search", tokens=1000, cost=1.5):
    return [(f"2025-03-{d:02d}", provider, model, team, tokens, tokens // 10, cost) for d in range(first, last + 1)]


def stored(url: str) -> pd.DataFrame:
    return store.usage_frame(store.get_engine(url))


def test_import_stores_rows_and_reimport_changes_nothing(db_url, tmp_path):
    s = settings_for(db_url, tmp_path)
    data = canonical(days("acme", 1, 5))
    [first] = service.import_files([("a.csv", data)], s)
    assert first.import_id is not None and not first.already_imported
    before = stored(db_url)
    assert len(before) == 5
    assert before["cost_usd"].sum() == pytest.approx(5 * 1.5)
    [again] = service.import_files([("renamed.csv", data)], s)
    assert again.already_imported and again.import_id == first.import_id
    pd.testing.assert_frame_equal(stored(db_url), before)
    assert [i.id for i in service.list_imports(s)] == [first.import_id]


def test_stored_hashes_and_the_known_import_per_workspace(db_url, tmp_path):
    """What the service asks before reading a file: the SHA-256s a workspace holds, and the outcome
    of a file found among them, with the figures its import kept (or, for an import stored before
    they were kept, those of its record and the sums of its rows)."""
    s = settings_for(db_url, tmp_path)
    engine = store.get_engine(db_url)
    read = read_usage(canonical(days("acme", 1, 5)), "a.csv")
    assert store.stored_sha256(engine, 1) == frozenset() and store.known_import(engine, read, 1) is None
    [first] = store.save_imports(engine, [read])
    assert store.stored_sha256(engine, 1) == {read.sha256} and store.stored_sha256(engine, 2) == frozenset()
    known = replace(read, frame=read.frame.iloc[:0], rows_read=0, known=True, file_name="again.csv")
    out = store.known_import(engine, known, 1)
    assert out.already_imported and out.import_id == first.import_id and out.read.file_name == "again.csv"
    expected = replace(first, already_imported=True).summary() | {"file": "again.csv", "rows_imported": 0}
    assert out.summary() == expected
    assert store.known_import(engine, known, 2) is None   # another workspace holds nothing of it
    with engine.begin() as conn:                           # as an earlier version stored it
        report = json.loads(conn.execute(text("SELECT report_json FROM imports")).scalar())
        report.pop("read")
        conn.execute(text("UPDATE imports SET report_json = :r"), {"r": json.dumps(report)})
    assert store.known_import(engine, known, 1).summary() == expected
    service.delete_import(first.import_id, s)
    assert store.stored_sha256(engine, 1) == frozenset() and store.known_import(engine, known, 1) is None


def test_overlapping_import_of_same_source_replaces_those_days(db_url, tmp_path):
    s = settings_for(db_url, tmp_path)
    [a] = service.import_files([("march_a.csv", canonical(days("acme", 1, 10, cost=1.0)))], s)
    [b] = service.import_files([("march_b.csv", canonical(days("acme", 6, 15, cost=2.0)))], s)
    assert len(b.replaced) == 1
    r = b.replaced[0]
    assert (r.import_id, r.rows, r.first_day, r.last_day) == (a.import_id, 5, dt.date(2025, 3, 6), dt.date(2025, 3, 10))
    frame = stored(db_url)
    assert len(frame) == 15
    # days 1-5 from a at $1, days 6-15 from b at $2
    assert frame["cost_usd"].sum() == pytest.approx(5 * 1.0 + 10 * 2.0)
    counts = {i.id: i.rows_stored for i in service.list_imports(s)}
    assert counts == {a.import_id: 5, b.import_id: 10}


def test_other_sources_are_not_replaced(db_url, tmp_path):
    s = settings_for(db_url, tmp_path)
    service.import_files([("a.csv", canonical(days("acme", 1, 10)))], s)
    [b] = service.import_files([("b.csv", canonical(days("globex", 1, 10)))], s)
    assert b.replaced == ()
    assert len(stored(db_url)) == 20


def test_delete_removes_exactly_its_rows(db_url, tmp_path):
    s = settings_for(db_url, tmp_path)
    [a] = service.import_files([("a.csv", canonical(days("acme", 1, 4)))], s)
    [b] = service.import_files([("b.csv", canonical(days("globex", 1, 6)))], s)
    keep = stored(db_url)
    keep = keep[keep["import_id"] == b.import_id].reset_index(drop=True)
    assert service.delete_import(a.import_id, s) == 4
    after = stored(db_url).reset_index(drop=True)
    pd.testing.assert_frame_equal(after, keep)
    assert [i.id for i in service.list_imports(s)] == [b.import_id]


def test_identities_are_never_reused(db_url, tmp_path):
    """Delete the newest import, index upload and proposal, then make new ones: every new id is new
    (SQLite would otherwise hand the deleted newest id out again)."""
    from hedging.store import indices, proposals

    s = settings_for(db_url, tmp_path)
    engine = store.get_engine(db_url)
    [a] = service.import_files([("a.csv", canonical(days("acme", 1, 4)))], s)
    service.delete_import(a.import_id, s)
    [b] = service.import_files([("b.csv", canonical(days("acme", 1, 5)))], s)
    assert b.import_id > a.import_id
    history = pd.DataFrame({"date": pd.to_datetime(["2026-01-01", "2026-02-01"]), "value": [1.0, 1.1],
                            "source": ["x", "x"]})
    first, _ = indices.save_index(engine, name="i", underlying="gpu", unit="USD", file_name="i.csv", sha256="1" * 64,
                                  history=history)
    indices.delete_index(engine, first)
    second, _ = indices.save_index(engine, name="j", underlying="gpu", unit="USD", file_name="j.csv",
                                   sha256="2" * 64, history=history)
    assert second > first
    key = signing_key(s)
    p1 = proposals.save_proposal(engine, "P", "C", "0", {"a": 1}, key=key)
    proposals.delete_proposal(engine, p1)
    p2 = proposals.save_proposal(engine, "Q", "C", "0", {"a": 2}, key=key)
    assert p2 > p1


def test_data_version_follows_content_not_ids(db_url, tmp_path):
    """The version that keys every cache is the stored content: a corrected export with as many rows
    changes it; deleting and re-importing the very same file (a new id) gives it back."""
    s = settings_for(db_url, tmp_path)
    [a] = service.import_files([("a.csv", canonical(days("acme", 1, 4)))], s)
    before = service.data_version(s)
    service.delete_import(a.import_id, s)
    [b] = service.import_files([("a.csv", canonical(days("acme", 1, 4)))], s)
    assert b.import_id != a.import_id and service.data_version(s) == before
    service.delete_import(b.import_id, s)
    service.import_files([("a.csv", canonical(days("acme", 1, 4, cost=9.5)))], s)  # same rows, other costs
    assert service.data_version(s) != before


def test_a_failing_batch_stores_nothing(db_url, tmp_path, monkeypatch):
    s = settings_for(db_url, tmp_path)
    service.import_files([("base.csv", canonical(days("base", 1, 2)))], s)
    before = stored(db_url)
    from hedging.store import repository

    real = repository._chunks
    calls = {"n": 0}

    def flaky(frame, import_id, dialect):
        calls["n"] += 1
        if calls["n"] == 2:
            width = len(repository._INSERT_COLUMNS)
            return iter([[(import_id,) + (None,) * (width - 1)]])  # NOT NULL violation in the database
        return real(frame, import_id, dialect)

    monkeypatch.setattr(repository, "_chunks", flaky)
    with pytest.raises(StorageError, match="nothing was stored"):
        service.import_files([("a.csv", canonical(days("acme", 1, 3))), ("b.csv", canonical(days("globex", 1, 3)))], s)
    pd.testing.assert_frame_equal(stored(db_url), before)
    assert len(service.list_imports(s)) == 1


def test_big_token_counts_survive_the_round_trip(db_url, tmp_path):
    s = settings_for(db_url, tmp_path)
    big = 900_000_000_000_000  # 9e14 tokens, above 32-bit and exact in 64-bit
    service.import_files([("big.csv", canonical([("2025-03-01", "acme", "gpt-4o", "t", big, 1, 1.0)]))], s)
    assert int(stored(db_url)["input_tokens"].iloc[0]) == big


# --- properties: idempotent and order-independent --------------------------------------------

providers = st.sampled_from(["acme", "globex", "initech", "umbrella"])
file_spec = st.tuples(providers, st.integers(1, 20), st.integers(0, 8), st.integers(1, 10**9),
                      st.floats(0, 1e5, allow_nan=False, allow_infinity=False))


@hsettings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(specs=st.lists(file_spec, min_size=1, max_size=4, unique_by=lambda t: t[0]), data=st.data())
def test_import_is_idempotent_and_order_independent(specs, data):
    files = [(f"{p}.csv", canonical(days(p, first, min(first + span, 28), tokens=tok, cost=round(cost, 4))))
             for p, first, span, tok, cost in specs]
    order = data.draw(st.permutations(files))
    results = []
    for sequence in (files, order, list(order) + files):
        with tempfile.TemporaryDirectory() as tmp:
            s = settings_for(f"sqlite:///{Path(tmp) / 'h.db'}", Path(tmp))
            for name, content in sequence:
                service.import_files([(name, content)], s)
            frame = stored(s.database_url).drop(columns=["import_id"])
            store.get_engine(s.database_url).dispose()
        results.append(frame.sort_values(["billing_provider", "usage_date"]).reset_index(drop=True))
    pd.testing.assert_frame_equal(results[0], results[1])
    pd.testing.assert_frame_equal(results[0], results[2])  # importing everything again changes nothing


def test_a_transaction_rolls_back_imports_replacements_and_saves(db_url, tmp_path):
    """What `hedging run` relies on, on both databases: everything stored inside
    `service.transaction` is undone when the block fails, including rows an overlapping import
    replaced, and kept when it succeeds."""
    from hedging.store import proposals

    s = settings_for(db_url, tmp_path)
    service.import_files([("a.csv", canonical(days("acme", 1, 6)))], s)
    before = stored(db_url)
    with pytest.raises(RuntimeError):
        with service.transaction(s):
            [b] = service.import_files([("b.csv", canonical(days("acme", 3, 8, cost=2.5)))], s)
            assert b.replaced  # it replaced days 3-6 of a.csv inside the transaction
            proposals.save_proposal(store.get_engine(db_url), "P", "C", "0", {"a": 1}, key=signing_key(s))
            raise RuntimeError("a later step failed")
    pd.testing.assert_frame_equal(stored(db_url), before)
    assert [i.file_name for i in service.list_imports(s)] == ["a.csv"]
    assert service.list_proposals(s) == []
    with service.transaction(s):
        service.import_files([("b.csv", canonical(days("acme", 3, 8, cost=2.5)))], s)
    assert sorted(i.file_name for i in service.list_imports(s)) == ["a.csv", "b.csv"]
