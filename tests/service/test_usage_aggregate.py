"""The Data page's figures from the database's sums equal those from every stored row.

``service.usage_aggregate`` sums stored rows in the database (GROUP BY, on SQLite and PostgreSQL)
over the columns the Data page never reads. Monthly spend, the Imports table (which import counts,
and why) and the invoice reconciliation computed from it must be the figures computed the old way,
from every stored row (``store.usage_frame``): on the sample company, and on an irregular corpus of
data shapes (a cost export without models spread over the usage's models, usage and cost exports
of the same days, FOCUS only, batch tier, many teams, missing days, GPU rental only) stored together.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hedging import service, store
from tests.conftest import settings_for

SHAPES = Path(__file__).resolve().parents[1] / "data" / "shapes"
IRREGULAR = ("ungrouped_cost_export", "usage_and_cost_overlap", "focus_only_aws", "anthropic_batch", "many_teams",
             "missing_days", "gpu_only")


def _assert_same(new: pd.DataFrame, old: pd.DataFrame) -> None:
    assert list(new.columns) == list(old.columns)
    assert len(new) == len(old)
    new, old = new.reset_index(drop=True), old.reset_index(drop=True)
    for col in old.columns:
        a, b = new[col], old[col]
        if pd.api.types.is_numeric_dtype(b) and not pd.api.types.is_bool_dtype(b):
            np.testing.assert_allclose(a.to_numpy(float), b.to_numpy(float), rtol=1e-9, atol=1e-6, err_msg=col)
        else:
            assert a.astype(str).tolist() == b.astype(str).tolist(), col


def _money(frame: pd.DataFrame, col: str) -> list[str]:
    return [service.fmt.money(v) for v in frame[col]]


def _compare(settings) -> None:
    every_row = store.usage_frame(store.get_engine(settings.database_url))
    summed = service.usage_aggregate(settings)
    assert summed["rows"].sum() == len(every_row)  # every stored row is in exactly one sum
    assert len(summed) <= len(every_row)
    for by in ("provider", "model", "team"):
        new = service.monthly_usage(settings, by)
        old = service.monthly_usage(settings, by, stored=every_row)
        _assert_same(new, old)
        assert _money(new, "cost_usd") == _money(old, "cost_usd")
    new, old = service.imports_overview(settings), service.imports_overview(settings, stored=every_row)
    _assert_same(new.imports, old.imports)
    _assert_same(new.months, old.months)
    assert new.last_12 == old.last_12
    assert service.fmt.money(new.counted_last_12_usd) == service.fmt.money(old.counted_last_12_usd)
    assert new.counted_last_12_usd == pytest.approx(old.counted_last_12_usd, rel=1e-12)
    new, old = service.reconciliation(settings), service.reconciliation(settings, stored=every_row)
    _assert_same(new.months, old.months)
    _assert_same(new.causes, old.causes)  # the evidence sentences count stored rows, not sums
    # the CSV download: the same cells (amounts to the last cent; the sums differ in the order they add)
    _assert_same(*(pd.read_csv(io.BytesIO(service.reconciliation_csv(r))) for r in (new, old)))


def test_sample_company_same_figures(db_url, tmp_path):
    settings = settings_for(db_url, tmp_path)
    service.load_sample_company(settings)
    _compare(settings)


def test_irregular_corpus_same_figures(db_url, tmp_path):
    settings = settings_for(db_url, tmp_path)
    files = [(p.name, p) for shape in IRREGULAR for p in sorted((SHAPES / shape).glob("*.csv"))]
    for name, path in files:  # one by one: a later export of the same source replaces days of an earlier one
        service.import_files([(name, path)], settings, skip_bad_rows=True)
    _compare(settings)


def test_empty_database(tmp_path):
    settings = settings_for(f"sqlite:///{tmp_path / 'empty.db'}", tmp_path)
    assert service.usage_aggregate(settings).empty
    assert service.monthly_usage(settings).empty
    assert service.reconciliation(settings).months.empty


def test_running_out_of_memory_or_disk_while_importing_says_so_and_stores_nothing(tmp_path, monkeypatch):
    """The machine's failures, not the file's, become a sentence (the Data page shows errors as text,
    never a traceback); any other operating-system error, such as a file that is not there, is raised
    as it was."""
    import errno

    from hedging.config import Settings
    from hedging.errors import StorageError
    from hedging.service import usage

    settings = Settings.from_env({"HEDGING_DATA_DIR": str(tmp_path)})
    sample = service.sample_files(settings)[:1]
    for failure, words in ((MemoryError(), "ran out of memory"),
                           (OSError(errno.ENOSPC, "No space left on device"), "ran out of disk space")):
        def fail(*_args, failure=failure, **_kwargs):
            raise failure

        monkeypatch.setattr(usage, "_read_usage", fail)
        with pytest.raises(StorageError, match=f"Nothing was imported: the server {words}"):
            service.import_files([(p.name, p) for p in sample], settings)
        assert service.list_imports(settings) == []
    monkeypatch.setattr(usage, "_read_usage", lambda *_a, **_k: (_ for _ in ()).throw(FileNotFoundError("x.csv")))
    with pytest.raises(FileNotFoundError):
        service.import_files([(p.name, p) for p in sample], settings)
