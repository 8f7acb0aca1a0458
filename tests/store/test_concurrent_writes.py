"""Writers at the same moment, with real threads and real processes, on SQLite and PostgreSQL.

Overlapping exports of one source imported at once store each provider-day once, and the total
equals one import's (before: both stayed whole, +33%). A writer that finds another writing says
so ("waiting for another import to finish"); one that waits too long gets a plain message,
never an OperationalError, for an import, a delete and a proposal save.
"""

from __future__ import annotations

import multiprocessing
import threading
import traceback
from concurrent.futures import ThreadPoolExecutor

import pandas as pd
import pytest

from hedging import service, store
from hedging.errors import StorageError
from hedging.ingest import read_usage
from hedging.store import engine as engine_module
from hedging.store.engine import WAITING, clear_engines, write_lock
from tests.conftest import settings_for

HEADER = "usage_date,billing_provider,account_id,model,team,project_id,input_tokens,output_tokens,cost_usd\n"
TEAMS = ("search", "support", "ads", "legal")
MODELS = ("gpt-4o", "gpt-4o-mini", "o3")


def export(first: int, last: int, account: str = "org-a", project: str = "proj_1") -> bytes:
    """A template export of one organisation: every day in ``first..last`` (days from
    2025-01-01) x team x model, with figures that depend only on the day and key, so two
    overlapping exports agree on the days they share."""
    lines = []
    for d in range(first, last + 1):
        day = (pd.Timestamp("2025-01-01") + pd.Timedelta(days=d)).date()
        for t, team in enumerate(TEAMS):
            for m, model in enumerate(MODELS):
                tokens = 1000 + 37 * d + 11 * t + 5 * m
                lines.append(f"{day},openai,{account},{model},{team},{project},{tokens},{tokens // 10},"
                             f"{tokens / 1000:.4f}\n")
    return (HEADER + "".join(lines)).encode()


#: Three exports of one organisation overlapping pairwise, and the one export they add up to.
PARTS = [export(0, 199), export(100, 299), export(150, 364)]
WHOLE = export(0, 364)


def _summary(url: str) -> tuple[int, float, int, int]:
    frame = store.usage_frame(store.get_engine(url))
    keys = frame.drop_duplicates(["usage_date", "team", "model", "account_id", "project_id"])
    return len(frame), round(float(frame["cost_usd"].sum()), 4), int(frame["input_tokens"].sum()), len(keys)


def _import_at(url: str, folder, name: str, data: bytes, barrier) -> str:
    try:
        settings = settings_for(url, folder)
        barrier.wait(timeout=60)
        service.import_files([(name, data)], settings)
        return "ok"
    except Exception:  # noqa: BLE001 - the test shows whatever went wrong in the worker
        return traceback.format_exc()


def _process_worker(url, folder, name, data, barrier, results) -> None:
    results.put(_import_at(url, folder, name, data, barrier))


def _single_import_summary(tmp_path) -> tuple:
    url = f"sqlite:///{tmp_path / 'single.db'}"
    service.import_files([("whole.csv", WHOLE)], settings_for(url, tmp_path))
    out = _summary(url)
    store.get_engine(url).dispose()
    return out


def _reset(url: str, tmp_path, round_: int) -> str:
    if url.startswith("sqlite"):
        return f"sqlite:///{tmp_path / f'round{round_}.db'}"
    from tests.conftest import _reset_postgres

    store.get_engine(url).dispose()
    clear_engines()
    _reset_postgres(url)
    return url


def test_overlapping_imports_in_threads_store_each_provider_day_once(db_url, tmp_path):
    single = _single_import_summary(tmp_path)
    assert single[0] == single[3] == 365 * len(TEAMS) * len(MODELS)
    for round_ in range(3):
        url = _reset(db_url, tmp_path, round_)
        store.get_engine(url)  # the schema exists before the race: this test is about the writes
        barrier = threading.Barrier(len(PARTS))
        with ThreadPoolExecutor(max_workers=len(PARTS)) as pool:
            futures = [pool.submit(_import_at, url, tmp_path, f"part{i}.csv", data, barrier)
                       for i, data in enumerate(PARTS)]
            results = [f.result() for f in futures]
        assert results == ["ok"] * len(PARTS)
        assert _summary(url) == single


def test_overlapping_imports_in_processes_store_each_provider_day_once(db_url, tmp_path):
    single = _single_import_summary(tmp_path)
    url = _reset(db_url, tmp_path, 0)
    store.get_engine(url)
    ctx = multiprocessing.get_context("spawn")
    barrier, results = ctx.Barrier(len(PARTS)), ctx.Queue()
    workers = [ctx.Process(target=_process_worker, args=(url, tmp_path, f"part{i}.csv", data, barrier, results))
               for i, data in enumerate(PARTS)]
    for w in workers:
        w.start()
    outcomes = [results.get(timeout=180) for _ in workers]
    for w in workers:
        w.join(timeout=60)
    assert outcomes == ["ok"] * len(PARTS)
    assert _summary(url) == single


def test_another_organisations_export_of_the_same_days_is_kept(db_url, tmp_path):
    s = settings_for(db_url, tmp_path)
    [a] = service.import_files([("org_a.csv", export(0, 9, account="org-a"))], s)
    [b] = service.import_files([("org_b.csv", export(0, 9, account="org-b"))], s)
    [c] = service.import_files([("proj_2.csv", export(0, 9, account="org-a", project="proj_2"))], s)
    assert b.replaced == () and c.replaced == ()
    frame = store.usage_frame(store.get_engine(db_url))
    assert frame.groupby(["account_id", "project_id"]).size().to_dict() == {
        ("org-a", "proj_1"): 120, ("org-a", "proj_2"): 120, ("org-b", "proj_1"): 120}
    assert {a.import_id, b.import_id, c.import_id} == set(frame["import_id"])


def test_a_re_export_replaces_the_days_it_covers_and_keeps_the_days_it_omits(db_url, tmp_path):
    s = settings_for(db_url, tmp_path)
    [a] = service.import_files([("march.csv", export(0, 9))], s)
    lines = export(0, 9).decode().splitlines(keepends=True)
    day3 = str((pd.Timestamp("2025-01-01") + pd.Timedelta(days=3)).date())
    redo = lines[0] + "".join(line.replace(",openai,", ",OpenAI,") for line in lines[1:] if not line.startswith(day3))
    [b] = service.import_files([("march_again.csv", redo.encode())], s)
    [r] = b.replaced
    assert (r.import_id, r.rows) == (a.import_id, 9 * 12)
    notes = [w.message for w in b.read.warnings if w.code == "replaced_days"]
    assert notes == [f"march_again.csv: Replaced 9 days of import #{a.import_id} (108 rows): "
                     "2025-01-01 to 2025-01-03, 2025-01-05 to 2025-01-10.",
                     f"march_again.csv: Kept 1 day of import #{a.import_id} that this file does not cover: "
                     "2025-01-04."]
    frame = store.usage_frame(store.get_engine(db_url))
    by_day = frame.groupby(frame["usage_date"].dt.strftime("%Y-%m-%d"))["import_id"].agg(set)
    assert by_day[day3] == {a.import_id} and all(v == {b.import_id} for k, v in by_day.items() if k != day3)
    assert len(frame) == 120


# --- a writer that must wait -----------------------------------------------------------------------


@pytest.fixture
def short_timeout(monkeypatch):
    """Writers give up after 1 s instead of 30 (engines opened after this use it)."""
    monkeypatch.setattr(engine_module, "WRITE_TIMEOUT_S", 1.0)
    clear_engines()
    yield 1.0
    clear_engines()


class _Holder:
    """Holds the database's write lock in another thread until released."""

    def __init__(self, url: str, how: str = "write_lock") -> None:
        self.url, self.how = url, how
        self.held, self.release = threading.Event(), threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        engine = store.get_engine(self.url)
        with write_lock(engine) as conn:
            if self.how == "table" and conn.dialect.name == "postgresql":
                conn.exec_driver_sql("LOCK TABLE proposals IN EXCLUSIVE MODE")
            self.held.set()
            self.release.wait(timeout=60)

    def __enter__(self):
        self.thread.start()
        assert self.held.wait(timeout=30)
        return self

    def __exit__(self, *exc):
        self.release.set()
        self.thread.join(timeout=30)


def test_an_import_that_must_wait_says_so_and_then_stores(db_url, tmp_path):
    engine = store.get_engine(db_url)
    read = read_usage(export(0, 4), "late.csv")
    heard: list[str] = []
    with _Holder(db_url) as holder:
        timer = threading.Timer(1.0, holder.release.set)
        timer.start()
        [outcome] = store.save_imports(engine, [read], progress=lambda _f, m: heard.append(m))
        timer.join()
    assert heard == [WAITING]
    assert outcome.import_id is not None and len(store.usage_frame(engine)) == 60


def test_an_import_that_waits_too_long_stores_nothing_and_says_why(db_url, tmp_path):
    engine = store.get_engine(db_url)
    read = read_usage(export(0, 4), "late.csv")
    heard: list[str] = []
    with _Holder(db_url), pytest.raises(StorageError) as refused:
        store.save_imports(engine, [read], progress=lambda _f, m: heard.append(m), timeout_s=0.5)
    assert heard == [WAITING]
    assert "busy" in str(refused.value) and "nothing was stored" in str(refused.value)
    assert "OperationalError" not in str(refused.value)
    assert store.list_imports(engine) == [] and store.usage_frame(engine).empty


def test_a_delete_that_waits_too_long_changes_nothing_and_says_why(db_url, tmp_path):
    engine = store.get_engine(db_url)
    [outcome] = store.save_imports(engine, [read_usage(export(0, 4), "a.csv")])
    heard: list[str] = []
    with _Holder(db_url), pytest.raises(StorageError, match="busy") as refused:
        store.delete_import(engine, outcome.import_id, progress=lambda _f, m: heard.append(m), timeout_s=0.5)
    assert heard == [WAITING] and "OperationalError" not in str(refused.value)
    assert len(store.usage_frame(engine)) == 60


def test_a_proposal_save_that_waits_too_long_gets_a_plain_message(db_url, tmp_path, short_timeout):
    """The translation is the engine's: any write that times out on a lock (here a proposal save,
    which takes no lock of its own) ends in a StorageError, not the driver's error."""
    from hedging.service.proposal import signing_key
    from hedging.store import proposals

    s = settings_for(db_url, tmp_path)
    engine = store.get_engine(db_url)
    with _Holder(db_url, how="table"), pytest.raises(StorageError, match="busy") as refused:
        proposals.save_proposal(engine, "Q3 plan", "Acme", "0", {"a": 1}, key=signing_key(s))
    assert "OperationalError" not in str(refused.value) and "Traceback" not in str(refused.value)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT COUNT(*) FROM proposals").scalar() == 0
