"""`hedging run` (import, forecast, hedge, proposal, PDF in one headless run) and `hedging report`."""

from __future__ import annotations

import json
from pathlib import Path

from pypdf import PdfReader

from hedging.cli import main

ROOT = Path(__file__).resolve().parents[2]


def test_run_then_report_latest(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("HEDGING_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    files = sorted(str(p) for p in (ROOT / "sample_data" / "company").glob("*.csv"))
    out = tmp_path / "run.pdf"
    assert main(["run", *files, "--out", str(out), "--company", "Northwind Analytics", "--paths-sim", "2000",
                 "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["proposal"] == 1 and len(result["imports"]) == 6
    text = "\n".join(p.extract_text() for p in PdfReader(out).pages)
    assert "Northwind Analytics" in text and "Executive summary" in text
    again = tmp_path / "again.pdf"
    assert main(["report", "--latest", "--out", str(again)]) == 0
    assert len(PdfReader(again).pages) == len(PdfReader(out).pages)
    assert main(["report", "--proposal", "99", "--out", str(tmp_path / "x.pdf")]) == 2
    assert "no proposal #99" in capsys.readouterr().err
