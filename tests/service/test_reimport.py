"""A file already imported in the workspace is recognised by its SHA-256 as soon as that is known and
not read again: the outcome, the Data page's report and the CLI's words are those of a file read
whole and found already stored, and nothing in the database changes. Another workspace's import of
the same file, or a deleted import, does not count."""

from __future__ import annotations

import functools
import io
import json
import re

import pytest
from sqlalchemy import text

from hedging import service, store
from hedging.cli import _import_lines, main
from hedging.errors import RejectedRowsError
from hedging.ingest import read_usage
from hedging.service import usage as usage_service
from hedging.service import workspaces as ws
from tests.conftest import DATA, settings_for

HEADER = ("generation_id,created_at,cost_total,tokens_prompt,tokens_completion,tokens_cached,model_permaslug,"
          "api_key_name,app_name")
ROWS = 40_000
CHUNK = 1_000


def _log(n: int = ROWS, bad_row: bool = True) -> bytes:
    """An OpenRouter log of ``n`` rows over a week: a generation id repeated (rejected) and, if
    ``bad_row``, one row with tokens that are not a number (rejected)."""
    rows = [f"gen-{i},2025-10-0{1 + i % 7} 10:00:00.000,0.0{1 + i % 9},{100 + i},{10 + i % 5},{i % 50},"
            f"openai/gpt-4o,key-{i % 3},app" for i in range(n)]
    rows.append(rows[5])
    if bad_row:
        rows.append("gen-bad,2025-10-02 10:00:00.000,0.01,abc,10,0,openai/gpt-4o,key-1,app")
    return ("\n".join([HEADER] + rows) + "\n").encode()


@pytest.fixture
def s(tmp_path, monkeypatch):
    # parts of CHUNK rows, so that a file of ROWS rows is read in many parts
    monkeypatch.setattr(usage_service, "_read_usage", functools.partial(read_usage, chunk_rows=CHUNK))
    return settings_for(f"sqlite:///{tmp_path / 'reimport.db'}", tmp_path)


class Progress:
    def __init__(self) -> None:
        self.messages: list[tuple[float, str]] = []

    def __call__(self, fraction: float, message: str) -> None:
        self.messages.append((fraction, message))

    @property
    def rows_read(self) -> int:
        """The most rows any message said were read."""
        found = [int(m.group(1).replace(",", "")) for _f, msg in self.messages
                 if (m := re.search(r"([\d,]+) of about [\d,]+ rows read", msg))]
        return max(found, default=0)


def _db(settings) -> dict[str, int]:
    with store.get_engine(settings.database_url).connect() as conn:
        return {t: conn.execute(text(f"SELECT COUNT(*) FROM {t}")).scalar()
                for t in ("imports", "usage_daily", "audit_log")}


def _report(outcome) -> dict:
    """The Data page's report of one file, but the list of its rejected rows: a file recognised before it
    is read has none to list (the page shows a file already imported as a note, without rows), and
    says how many its import rejected."""
    item = service.import_report([outcome])[0]
    item.pop("rejected")
    return item


def _today(monkeypatch, settings, files, **kw):
    """The import as it was before files were recognised by their SHA-256: every file read whole."""
    with monkeypatch.context() as m:
        m.setattr(store, "stored_sha256", lambda *a, **k: frozenset())
        return service.import_files(files, settings, **kw)


def test_an_uploaded_file_already_imported_is_not_read_again(s, tmp_path, monkeypatch):
    data = _log()
    first = service.import_files([("log.csv", io.BytesIO(data))], s, skip_bad_rows=True)[0]
    assert first.read.rows_read == ROWS + 2 and first.read.rows_rejected == 2
    before, version = _db(s), service.data_version(s)
    progress = Progress()
    again = service.import_files([("log.csv", io.BytesIO(data))], s, skip_bad_rows=True, progress=progress)[0]
    assert again.already_imported and again.import_id == first.import_id
    assert progress.rows_read == 0  # an upload's hash is known before its first part: no row read
    assert progress.messages[-1][0] == 1.0 and "already imported" in progress.messages[-1][1]
    assert _db(s) == before and service.data_version(s) == version
    # exactly what reading it whole and finding it stored says, on the Data page and the CLI
    whole = _today(monkeypatch, s, [("log.csv", io.BytesIO(data))], skip_bad_rows=True)[0]
    assert whole.already_imported and whole.import_id == first.import_id
    assert service.import_summary(again) == service.import_summary(whole)
    assert _report(again) == _report(whole) and again.read.rejected == () and len(whole.read.rejected) == 2
    said = f"log.csv: already imported as #{first.import_id}; nothing changed."
    assert _import_lines(service.import_summary(again)) == [said]
    assert _db(s) == before


def test_a_file_on_disk_already_imported_stops_between_parts(s, tmp_path, monkeypatch):
    path = tmp_path / "log.csv"
    path.write_bytes(_log(bad_row=False))
    first = service.import_files([(None, path)], s, skip_bad_rows=True)[0]
    before = _db(s)
    progress = Progress()
    again = service.import_files([(None, path)], s, skip_bad_rows=True, progress=progress)[0]
    assert again.already_imported and again.import_id == first.import_id
    # hashed beside the parse: the reading stops at the first part after the hash is done
    assert progress.rows_read < ROWS // 2
    assert progress.messages[-1][0] == 1.0 and "already imported" in progress.messages[-1][1]
    assert _db(s) == before
    whole = _today(monkeypatch, s, [(None, path)], skip_bad_rows=True)[0]
    assert service.import_summary(again) == service.import_summary(whole)


@pytest.mark.parametrize("sample", ["aws_cur/cur2_bedrock_daily.csv", "gcp/vertex_billing_underscore.csv",
                                    "anthropic/usage_current.csv", "focus/focus_1_2_daily.csv"])
def test_the_report_of_a_known_file_is_that_of_the_file_read_whole(s, monkeypatch, sample):
    """Samples with skipped rows, rejected rows and warnings: every figure and word reported alike."""
    path = DATA / sample
    first = service.import_files([(None, path)], s, skip_bad_rows=True)[0]
    assert first.import_id is not None and first.read.skipped and first.read.warnings
    for source in (path, io.BytesIO(path.read_bytes())):
        again = service.import_files([(path.name, source)], s, skip_bad_rows=True)[0]
        assert again.read.known and again.already_imported and again.import_id == first.import_id
        whole = _today(monkeypatch, s, [(None, path)], skip_bad_rows=True)[0]
        assert not whole.read.known
        assert service.import_summary(again) == service.import_summary(whole)
        assert _report(again) == _report(whole)


def test_an_import_stored_before_its_read_figures_were_kept_reports_its_record(s, monkeypatch):
    data = _log(5_000)
    first = service.import_files([("log.csv", data)], s, skip_bad_rows=True)[0]
    with store.get_engine(s.database_url).begin() as conn:  # as an import made by an earlier version stored it
        report = json.loads(conn.execute(text("SELECT report_json FROM imports")).scalar())
        report.pop("read")
        conn.execute(text("UPDATE imports SET report_json = :r"), {"r": json.dumps(report)})
    again = service.import_files([("log.csv", data)], s, skip_bad_rows=True)[0]
    whole = _today(monkeypatch, s, [("log.csv", data)], skip_bad_rows=True)[0]
    assert again.already_imported and again.import_id == first.import_id
    mine, theirs = service.import_summary(again), service.import_summary(whole)
    assert [w for w in mine.pop("warnings")] == [w for w in theirs.pop("warnings")]
    assert mine == theirs


def test_rejected_rows_are_refused_as_before_without_skip_bad_rows(s):
    data = _log(3_000)
    service.import_files([("log.csv", data)], s, skip_bad_rows=True)
    before = _db(s)
    with pytest.raises(RejectedRowsError):  # as when the file is read whole: its rejected rows are listed
        service.import_files([("log.csv", data)], s)
    assert _db(s) == before


def test_a_deleted_import_is_imported_again(s):
    data = _log(bad_row=False)
    first = service.import_files([("log.csv", data)], s)[0]
    service.delete_import(first.import_id, s)
    before = _db(s)
    progress = Progress()
    again = service.import_files([("log.csv", data)], s, progress=progress)[0]
    assert not again.already_imported and again.import_id not in (None, first.import_id)
    assert progress.rows_read == ROWS + 1
    after = _db(s)
    assert after["imports"] == before["imports"] + 1 and after["audit_log"] == before["audit_log"] + 1
    assert after["usage_daily"] == len(again.read.frame) > 0


def test_another_workspaces_import_of_the_same_file_does_not_count(s):
    data = _log(bad_row=False)
    mine = service.import_files([("log.csv", data)], s)[0]
    ws.create_workspace("acme", "Acme Corp", s.acting("ann@acme.example"))
    acme = s.acting("ann@acme.example", "acme")
    progress = Progress()
    theirs = service.import_files([("log.csv", data)], acme, progress=progress)[0]
    assert not theirs.already_imported and theirs.import_id != mine.import_id
    assert progress.rows_read == ROWS + 1  # read whole and stored in acme
    assert service.import_summary(theirs)["rows_stored"] == len(theirs.read.frame) > 0


def test_the_same_file_twice_in_one_call(s):
    data = _log(bad_row=False)
    progress = Progress()
    new, copy = service.import_files([("a.csv", data), ("b.csv", data)], s, progress=progress)
    assert not new.already_imported and copy.already_imported and copy.import_id == new.import_id
    assert copy.read.rows_read == ROWS + 1  # not stored before the call: both read whole, as before
    before = _db(s)
    again = service.import_files([("a.csv", data), ("b.csv", data)], s)
    assert [(o.import_id, o.already_imported) for o in again] == [(new.import_id, True)] * 2
    assert [o.read.file_name for o in again] == ["a.csv", "b.csv"]
    assert _db(s) == before


def test_a_known_file_beside_a_new_one(s):
    known, new = _log(bad_row=False), _log(3_000, bad_row=False)
    first = service.import_files([("known.csv", known)], s)[0]
    before = _db(s)
    out = service.import_files([("known.csv", known), ("new.csv", new)], s)
    assert out[0].already_imported and out[0].import_id == first.import_id
    assert not out[1].already_imported and out[1].import_id is not None
    after = _db(s)
    assert after["imports"] == before["imports"] + 1 and after["audit_log"] == before["audit_log"] + 1


def test_the_cli_says_already_imported(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("HEDGING_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    path = tmp_path / "log.csv"
    path.write_bytes(_log(3_000, bad_row=False))
    assert main(["import", str(path)]) == 0
    capsys.readouterr()
    assert main(["import", str(path)]) == 0
    assert "log.csv: already imported as #1; nothing changed." in capsys.readouterr().out
    assert main(["import", str(path), "--json"]) == 0
    quick = json.loads(capsys.readouterr().out)
    monkeypatch.setattr(store, "stored_sha256", lambda *a, **k: frozenset())
    assert main(["import", str(path), "--json"]) == 0
    assert quick == json.loads(capsys.readouterr().out) and quick["already_imported"] and quick["import_id"] == 1


@pytest.mark.parametrize("kind", ["upload", "path"])
def test_a_gzip_file_already_imported_is_recognised_without_unpacking_it(s, tmp_path, monkeypatch, kind):
    import gzip

    from hedging.ingest import source as source_module

    data = gzip.compress(_log(bad_row=False), mtime=0)
    path = tmp_path / "log.csv.gz"
    path.write_bytes(data)

    def given():
        return io.BytesIO(data) if kind == "upload" else path

    first = service.import_files([("log.csv.gz", given())], s, skip_bad_rows=True)[0]
    assert first.import_id is not None and not first.already_imported and first.read.rows_read == ROWS + 1
    before = _db(s)
    whole = _today(monkeypatch, s, [("log.csv.gz", given())], skip_bad_rows=True)[0]   # read whole, found stored
    with monkeypatch.context() as m:
        def no_unpacking(*_a, **_k):
            raise AssertionError("a .gz already imported was unpacked")
        m.setattr(source_module, "_spooled", no_unpacking)
        progress = Progress()
        upload = given()
        again = service.import_files([("log.csv.gz", upload)], s, skip_bad_rows=True, progress=progress)[0]
    assert again.already_imported and again.import_id == first.import_id
    assert progress.rows_read == 0 and "already imported" in progress.messages[-1][1]
    assert service.import_summary(again) == service.import_summary(whole)
    assert again.read.format == "openrouter"               # the stored import's format
    assert _db(s) == before
    if kind == "upload":
        assert upload.tell() == 0                           # left where it stood, for a second reading


def test_a_new_gzip_upload_is_read_from_where_it_stood(s):
    import gzip

    from hedging.ingest.source import known_gzip

    data = gzip.compress(_log(200, bad_row=False), mtime=0)
    upload = io.BytesIO(data)
    assert known_gzip(upload, {"0" * 64}) is None and upload.tell() == 0   # hashed, not known: rewound
    assert known_gzip(io.BytesIO(b"a,b\n1,2\n"), {"0" * 64}) is None        # not gzip: not hashed at all
    outcome = service.import_files([("new.csv.gz", upload)], s)[0]
    assert outcome.import_id is not None and outcome.read.rows_read == 201 and not outcome.already_imported
