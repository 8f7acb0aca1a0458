"""`hedging run` (import, forecast, hedge, proposal, PDF in one headless run) and `hedging report`."""

from __future__ import annotations

import json
from pathlib import Path

from pypdf import PdfReader

from hedging import service
from hedging.cli import main

ROOT = Path(__file__).resolve().parents[2]
AS_OF = "2026-12-06"  # the sample company's usage ends on 31 Oct 2026


def _sample_files() -> list[str]:
    return sorted(str(p) for p in (ROOT / "sample_data" / "company").glob("*.csv"))


def test_run_then_report_latest(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("HEDGING_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    out = tmp_path / "run.pdf"
    assert main(["run", *_sample_files(), "--out", str(out), "--company", "Northwind Analytics", "--as-of", AS_OF,
                 "--paths-sim", "2000", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["proposal"]["id"] == 1 and result["proposal"]["fingerprint"]
    assert len(result["imports"]) == 6 and all(i["first_day"] and i["last_day"] for i in result["imports"])
    assert result["spec"]["as_of"] == AS_OF and result["spec"]["n_paths"] == 2000
    text = "\n".join(p.extract_text() for p in PdfReader(out).pages)
    assert "Northwind Analytics" in text and "Executive summary" in text
    again = tmp_path / "again.pdf"
    assert main(["report", "--latest", "--out", str(again)]) == 0
    assert len(PdfReader(again).pages) == len(PdfReader(out).pages)
    assert main(["report", "--proposal", "99", "--out", str(tmp_path / "x.pdf")]) == 2
    assert "no proposal #99" in capsys.readouterr().err


def test_a_run_that_fails_after_importing_stores_nothing(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("HEDGING_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    out = tmp_path / "run.pdf"
    # the imports succeed; the forecast then refuses FY2020, which does not overlap the 2027 horizon
    assert main(["run", *_sample_files(), "--out", str(out), "--as-of", AS_OF, "--fiscal-year", "2020",
                 "--paths-sim", "500", "--json"]) == 2
    assert "does not overlap" in capsys.readouterr().err
    assert not out.exists()
    assert main(["imports", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []
    settings = service.default_settings()
    assert service.list_imports(settings) == [] and service.list_proposals(settings) == []
    # nothing of the failed run lingers: importing the same files again imports every one afresh
    assert main(["import", *_sample_files(), "--json"]) == 0
    summaries = json.loads(capsys.readouterr().out)
    assert len(summaries) == 6 and not any(s["already_imported"] for s in summaries)
