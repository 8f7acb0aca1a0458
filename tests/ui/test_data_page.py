"""The Data page through Streamlit's AppTest: upload, report, refusal of bad files, sample
company, delete. Each test gets its own database through HEDGING_DATA_DIR."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from hedging import service
from hedging.config import Settings

ROOT = Path(__file__).resolve().parents[2]
OPENAI = ROOT / "tests" / "data" / "openai" / "completions_usage_2025-10-06_2025-10-07.csv"


@pytest.fixture
def app(tmp_path, monkeypatch):
    monkeypatch.setenv("HEDGING_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    assert not at.exception
    return at


def _settings(tmp_path) -> Settings:
    return Settings.from_env({"HEDGING_DATA_DIR": str(tmp_path)})


def upload(at: AppTest, name: str, data: bytes) -> AppTest:
    at.file_uploader(key="data_uploader_0").set_value((name, data, "text/csv"))
    at.run()
    at.button(key="data_import").click().run()
    assert not at.exception
    return at


def test_empty_state_invites_an_upload(app):
    assert any("No usage stored yet" in i.value for i in app.info)
    assert app.button(key="data_import").disabled


def test_upload_shows_the_report_and_the_chart(app, tmp_path):
    upload(app, OPENAI.name, OPENAI.read_bytes())
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["Rows read"] == "3" and metrics["Rows kept"] == "2" and metrics["Rows skipped"] == "1"
    assert metrics["Rows rejected"] == "0" and metrics["Daily rows stored"] == "2"
    assert any("empty time bucket" in c.value for c in app.caption)
    assert len(app.get("plotly_chart")) == 2
    assert [i.file_name for i in service.list_imports(_settings(tmp_path))] == [OPENAI.name]


def test_a_bad_file_is_refused_and_nothing_is_stored(app, tmp_path):
    text = OPENAI.read_text().replace("611200.0,1843200.0", "-5,1843200.0", 1)
    upload(app, "bad.csv", text.encode())
    assert app.error
    shown = re.sub(r"\\(.)", r"\1", app.error[0].value)  # as the reader sees it: escapes keep it literal text
    assert "row 2, column `output_tokens`, value '-5'" in shown
    assert "Fix:" in shown
    assert service.list_imports(_settings(tmp_path)) == []
    # the rejected rows are listed and downloadable
    assert len(app.dataframe) >= 1


def test_skip_bad_rows_imports_the_rest(app, tmp_path):
    text = OPENAI.read_text().replace("611200.0,1843200.0", "-5,1843200.0", 1)
    app.checkbox(key="data_skip_bad_rows").check().run()
    upload(app, "bad.csv", text.encode())
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["Rows rejected"] == "1" and metrics["Rows kept"] == "1"


def test_sample_company_then_delete_an_import(app, tmp_path):
    app.button(key="data_sample").click().run()
    assert not app.exception and not app.error
    imports = service.list_imports(_settings(tmp_path))
    assert len(imports) == len(service.sample_files(_settings(tmp_path)))
    assert app.get("plotly_chart")
    app.radio(key="data_spend_by").set_value("model").run()
    assert not app.exception
    first = imports[0]
    app.selectbox(key="data_delete_id").set_value(first.id)
    app.checkbox(key="data_delete_sure").check()
    app.button[-1].click().run()  # the form's submit button
    assert [i.id for i in service.list_imports(_settings(tmp_path))] == [i.id for i in imports[1:]]
    assert app.checkbox(key="data_delete_sure").value is False  # the next delete needs its own tick
    app.button[-1].click().run()
    assert [i.id for i in service.list_imports(_settings(tmp_path))] == [i.id for i in imports[1:]]


def test_counts_reconcile_and_the_invoice_check_is_on_the_page(app, tmp_path):
    """The Imports table's counted column adds up to the headline spend; the reconciliation section
    flags months above the threshold the user sets and offers the CSV."""
    app.button(key="data_sample").click().run()
    assert not app.exception and not app.error
    metrics = {m.label: m.value for m in app.metric}
    spend = metrics["Spend, last 12 months"]
    assert any(f"adds up to {spend}, the Spend, last 12 months" in c.value for c in app.caption)
    assert metrics["Differ by more than 10%"] == "0"
    assert any("within 10% of usage at list price" in s.value for s in app.success)
    app.number_input(key="data_reconcile_threshold").set_value(5.0).run()  # Azure is billed at list less 10%
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["Differ by more than 5%"] == "24"
    assert any("negotiated discount" in w.value for w in app.warning)
    assert not app.exception


def test_import_warnings_read_as_advice_with_the_statistics_one_click_away(app):
    """A model without a list price: the report says what happened, what it means and what to do (naming
    the control), and keeps the reader's own text under "The statistics"."""
    text = "usage_date,billing_provider,model,input_tokens,output_tokens\n2026-01-05,openai,unheard-of-model-x,1000,500\n"
    upload(app, "unpriced.csv", text.encode())
    advice = [w.value for w in app.warning if "What to do" in w.value]
    assert len(advice) == 1
    from hedging.service.advice import CATALOGUE

    message, consequence, _, _ = CATALOGUE["unpriced_model"]
    plain = advice[0].replace("\\", "")
    assert message in plain and consequence in plain and "“Usage or cost exports” on the Data page" in plain
    assert "unheard-of-model-x" not in plain                       # the statistics are not the message
    statistics = next(e for e in app.expander if e.label == "The statistics")
    assert any("unheard-of-model-x" in t.value for t in statistics.text)


def test_a_full_disk_during_an_upload_says_so_and_stores_nothing(app, tmp_path, monkeypatch):
    """A failure of the machine, not of the file (here the disk fills while the upload is copied):
    the page says what happened and that nothing was stored, with no traceback, and the progress
    bar does not stay behind at its last message."""
    import errno

    from hedging.ingest import source

    def full(*_args, **_kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    copy = source._copy
    monkeypatch.setattr(source, "_copy", full)
    upload(app, OPENAI.name, OPENAI.read_bytes())
    assert not app.exception
    message = app.error[0].value.replace("\\", "")          # shown as text: Markdown escaped
    assert "Nothing was imported: the server ran out of disk space" in message
    assert "Everything stored before is unchanged" in message
    assert not app.get("progress")
    assert service.list_imports(_settings(tmp_path)) == []
    # the next upload, with the disk back, is imported
    monkeypatch.setattr(source, "_copy", copy)
    upload(app, OPENAI.name, OPENAI.read_bytes())
    assert [i.file_name for i in service.list_imports(_settings(tmp_path))] == [OPENAI.name]


def test_after_an_import_the_uploader_is_empty_and_import_is_disabled(app, tmp_path):
    """The page is drawn again once an import ends: the uploader drawn before the import still held
    the imported file with "Import" enabled, and a second click, or a file added to it, was lost
    when the next run replaced it with an empty one (seen in Chromium: the file vanished and
    nothing was read)."""
    upload(app, OPENAI.name, OPENAI.read_bytes())
    assert app.button(key="data_import").disabled
    keys = [w.key for w in app.get("file_uploader")]
    assert keys == ["data_uploader_1"], keys
    assert [i.file_name for i in service.list_imports(_settings(tmp_path))] == [OPENAI.name]
    assert app.metric                               # the report is still shown after the new drawing


def test_uploading_a_stored_file_again_says_already_imported(app, tmp_path):
    """The second upload is recognised by its SHA-256 before a row is read: the page says so as it
    always did, the summary keeps the file's counts, and nothing is stored."""
    upload(app, OPENAI.name, OPENAI.read_bytes())
    first = service.list_imports(_settings(tmp_path))
    at = app
    at.file_uploader(key="data_uploader_1").set_value((OPENAI.name, OPENAI.read_bytes(), "text/csv"))
    at.run()
    at.button(key="data_import").click().run()
    assert not at.exception
    assert any(i.value == f"Already imported as #{first[0].id}; nothing changed." for i in at.info)
    rows = [r for t in at.table for r in t.value.to_dict("records") if r.get("result") == "already imported"]
    assert rows and rows[0]["rows"].startswith("3 rows read")   # the summary keeps the file's counts
    assert service.list_imports(_settings(tmp_path)) == first
