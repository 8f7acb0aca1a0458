"""The audit trail through the service and the CLI: every import, delete, index upload, choice and
delete, proposal save and delete and PDF export writes one entry, in the same transaction as the
change (a change that rolls back leaves no entry; an entry that cannot be written undoes its change)."""

from __future__ import annotations

import csv
import datetime as dt
import getpass
import hashlib
import io
import json
from pathlib import Path

import pytest

from hedging import cli, service
from hedging.errors import InputError
from hedging.store import audit as audit_store
from tests.conftest import DATA, settings_for
from tests.service.test_market import _history

OPENAI = DATA / "openai" / "completions_usage_2025-10-06_2025-10-07.csv"
COST = DATA / "openai" / "cost_2025-10-06.csv"


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _trail(settings, **filters) -> list[dict]:
    return service.audit_trail(settings, **filters).to_dict("records")


@pytest.fixture
def s(db_url, tmp_path):
    return settings_for(db_url, tmp_path)


def test_imports_and_deletes_are_recorded_with_who_and_the_file_hash(s):
    [o] = service.import_files([(None, OPENAI)], s, actor="ann@example.com")
    service.import_files([(None, COST)], s)                                 # no actor given: the local user
    service.import_files([(None, OPENAI)], s, actor="bob@example.com")      # already stored: nothing changes
    removed = service.delete_import(o.import_id, s, actor="bob@example.com")
    rows = _trail(s)
    assert [(r["who"], r["action"], r["id"], r["name"], r["fingerprint"]) for r in rows] == [
        ("bob@example.com", "delete import", str(o.import_id), OPENAI.name, _sha(OPENAI)),
        (service.LOCAL_USER, "import", str(o.import_id + 1), COST.name, _sha(COST)),
        ("ann@example.com", "import", str(o.import_id), OPENAI.name, _sha(OPENAI)),
    ]
    assert rows[0]["detail"] == f"{removed:,} daily rows removed" and removed > 0
    assert f"{len(o.read.frame):,} daily rows stored" in rows[2]["detail"]
    now = dt.datetime.now(dt.timezone.utc)
    assert all(dt.timedelta(0) <= now - r["when (UTC)"] < dt.timedelta(minutes=5) for r in rows)
    assert [r["action"] for r in _trail(s, actor="bob@example.com")] == ["delete import"]
    assert len(_trail(s, action="import")) == 2


def test_an_import_that_rolls_back_leaves_no_entry(s):
    with pytest.raises(RuntimeError), service.transaction(s):
        service.import_files([(None, OPENAI)], s, actor="ann")
        raise RuntimeError("a later step of the same run failed")
    assert service.list_imports(s) == [] and _trail(s) == []


def test_an_entry_that_cannot_be_written_undoes_its_change(s, monkeypatch):
    [o] = service.import_files([(None, OPENAI)], s, actor="ann")

    def refuse(*args, **kwargs):
        raise RuntimeError("the audit log is unavailable")

    monkeypatch.setattr(audit_store, "record", refuse)
    with pytest.raises(RuntimeError, match="unavailable"):
        service.import_files([(None, COST)], s, actor="ann")
    with pytest.raises(RuntimeError, match="unavailable"):
        service.delete_import(o.import_id, s, actor="ann")
    assert [i.file_name for i in service.list_imports(s)] == [OPENAI.name]   # neither change happened
    assert len(_trail(s)) == 1


def test_index_upload_choice_and_delete_are_recorded(s):
    data = _history().encode()
    new_id, _, _ = service.upload_index("gpu", "Licensed H100", data, "h100.csv", s, actor="ann")
    service.upload_index("gpu", "again", data, "h100.csv", s, actor="ann")    # the same file: nothing stored
    service.choose_index("gpu", f"upload:{new_id}", s, actor="ann")
    service.choose_index("gpu", "builtin", s, actor="bob")
    service.delete_index(new_id, s, actor="bob")
    sha = hashlib.sha256(data).hexdigest()
    rows = _trail(s)[::-1]
    assert [(r["who"], r["action"], r["record"], r["id"], r["fingerprint"]) for r in rows] == [
        ("ann", "index upload", "index", str(new_id), sha),
        ("ann", "index choice", "index choice", "gpu", sha),
        ("bob", "index choice", "index choice", "gpu", "built in"),
        ("bob", "index delete", "index", str(new_id), sha),
    ]
    assert rows[0]["name"] == rows[3]["name"] == "Licensed H100 (gpu)"
    assert rows[1]["detail"] == f"GPU rental price: builtin -> upload:{new_id}"
    with pytest.raises(InputError, match="no uploaded index"):
        service.delete_index(new_id, s, actor="bob")
    assert len(_trail(s)) == 4


def test_proposal_save_delete_and_pdf_export_carry_the_fingerprint(tmp_path):
    s = settings_for(f"sqlite:///{tmp_path / 'p.db'}", tmp_path)
    service.load_sample_company(s, actor="ann")
    run = service.build_run(service.RunSpec(as_of=dt.date(2026, 12, 6), n_paths=500), s)
    pid = service.save_proposal(run, "FY27 hedge", "Northwind", s, actor="ann")
    fingerprint = service.load_proposal(pid, s)["fingerprint"]
    service.record_pdf_export(pid, fingerprint, s, actor="bob", detail="built for download")
    with pytest.raises(InputError, match="no longer the document"):
        service.record_pdf_export(pid, "0" * 64, s, actor="bob")
    service.delete_proposal(pid, s, actor="carol")
    rows = _trail(s)
    assert [(r["who"], r["action"], r["id"], r["name"], r["fingerprint"]) for r in rows[:3]] == [
        ("carol", "proposal delete", str(pid), "FY27 hedge", fingerprint),
        ("bob", "PDF export", str(pid), "FY27 hedge", fingerprint),
        ("ann", "proposal save", str(pid), "FY27 hedge", fingerprint),
    ]
    assert rows[2]["detail"].startswith("company Northwind; ") and run.spec_line() in rows[2]["detail"]
    assert [r["action"] for r in rows[3:]] == ["import"] * 6
    with pytest.raises(InputError, match="no proposal"):
        service.delete_proposal(pid, s, actor="carol")


def test_trail_filters_are_checked_and_the_csv_is_safe(s):
    service.import_files([(None, OPENAI)], s, actor="=HYPERLINK(\"http://203.0.113.9\")")
    frame = service.audit_trail(s)
    rows = list(csv.DictReader(io.StringIO(service.audit_csv(frame).decode())))
    assert rows[0]["who"].startswith("'=")                                   # a spreadsheet shows it as text
    assert dt.datetime.fromisoformat(rows[0]["when (UTC)"]).utcoffset() == dt.timedelta(0)
    assert list(rows[0]) == list(service.audit.COLUMNS)
    with pytest.raises(InputError, match="after it ends"):
        service.audit_trail(s, start=dt.date(2026, 12, 6), end=dt.date(2026, 12, 1))
    with pytest.raises(InputError, match="no audit action"):
        service.audit_trail(s, action="approve")
    assert service.audit_when(frame["when (UTC)"][0]).split()[1] == service.fmt.date(frame["when (UTC)"][0]).split()[1]


def test_cli_records_the_os_user_and_lists_the_trail(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("HEDGING_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert cli.main(["import", str(OPENAI), "--json"]) == 0
    import_id = json.loads(capsys.readouterr().out)["import_id"]
    assert cli.main(["delete", str(import_id)]) == 0
    capsys.readouterr()
    out = tmp_path / "trail.csv"
    assert cli.main(["audit", "--csv", str(out), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    who = f"cli:{getpass.getuser()}"
    assert [(r["who"], r["action"], r["fingerprint"]) for r in rows] == [
        (who, "delete import", _sha(OPENAI)), (who, "import", _sha(OPENAI))]
    assert [r["action"] for r in csv.DictReader(out.open())] == ["delete import", "import"]
    assert cli.main(["audit", "--action", "import"]) == 0
    text = capsys.readouterr().out
    assert "delete import" not in text and f"{who}  import  import #{import_id} {OPENAI.name}" in text
    assert "1 entry, times in UTC." in text
    assert cli.main(["audit", "--since", "2026-13-01"]) == 2
    assert "dates must be YYYY-MM-DD" in capsys.readouterr().err


def test_cli_run_and_report_record_the_pdf_exports(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("HEDGING_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    files = [str(p) for p in sorted((Path(__file__).resolve().parents[2] / "sample_data" / "company").glob("*.csv"))]
    assert cli.main(["run", *files, "--as-of", "2026-12-06", "--paths-sim", "500", "--json",
                     "--out", str(tmp_path / "run.pdf")]) == 0
    proposal = json.loads(capsys.readouterr().out)["proposal"]
    assert cli.main(["report", "--latest", "--out", str(tmp_path / "again.pdf")]) == 0
    capsys.readouterr()
    s = service.default_settings()
    rows = _trail(s)
    assert [(r["action"], r["detail"]) for r in rows[:3]] == [
        ("PDF export", "written to again.pdf"), ("PDF export", "written to run.pdf"), ("proposal save", rows[2]["detail"])]
    assert {r["fingerprint"] for r in rows[:3]} == {proposal["fingerprint"]}
    assert {r["who"] for r in rows} == {f"cli:{getpass.getuser()}"} and len(rows) == 3 + len(files)
