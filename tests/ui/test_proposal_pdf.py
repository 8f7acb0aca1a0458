"""The Proposal page's PDF through AppTest: built before the download button is drawn, each step
reported while it builds, and a build that fails says why in words (no traceback, no button)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from streamlit.testing.v1 import AppTest

from hedging import service
from hedging.config import Settings
from hedging.errors import HedgingError

ROOT = Path(__file__).resolve().parents[2]
AS_OF = dt.date(2026, 12, 6)


def page_with_a_proposal(tmp_path, monkeypatch) -> tuple[AppTest, int]:
    monkeypatch.setenv("HEDGING_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.chdir(ROOT)
    settings = Settings.from_env({"HEDGING_DATA_DIR": str(tmp_path)})
    service.load_sample_company(settings)
    run = service.build_run(service.RunSpec(as_of=AS_OF, n_paths=2000), settings)
    number = service.save_proposal(run, "FY27 compute hedge", "Northwind Analytics", settings)
    at = AppTest.from_file(str(ROOT / "screens" / "proposal.py"), default_timeout=300)
    at.session_state["run_as_of"] = AS_OF
    at.run()
    assert not at.exception
    return at, number


def prepare(at: AppTest) -> AppTest:
    return next(b for b in at.button if b.label == "Prepare the PDF proposal").click().run()


def test_the_pdf_is_prepared_with_each_step_reported(tmp_path, monkeypatch):
    at, number = page_with_a_proposal(tmp_path, monkeypatch)
    steps = []
    real = service.proposal_pdf

    def reporting(proposal_id, settings=None, fingerprint=None, progress=None):
        return real(proposal_id, settings, fingerprint=fingerprint,
                    progress=lambda f, text: (steps.append((f, text)), progress(f, text)))

    monkeypatch.setattr(service, "proposal_pdf", reporting)
    assert "Prepare the PDF proposal" in [b.label for b in at.button]
    prepare(at)
    assert not at.exception
    assert [f for f, _ in steps] == sorted(f for f, _ in steps) and len(steps) == 3
    assert steps[0][1] == f"Reading proposal #{number} as it was saved"
    status = at.status[0]  # the steps stay listed in the status box, closed once the PDF is ready
    assert status.label.startswith("PDF ready") and status.state == "complete"
    assert [re.sub(r"\\(.)", r"\1", m.value) for m in status.markdown] == [text + "…" for _, text in steps]
    assert "Prepare the PDF proposal" not in [b.label for b in at.button]  # the download button replaces it
    assert not at.error


def test_a_pdf_that_cannot_be_built_says_why(tmp_path, monkeypatch):
    at, number = page_with_a_proposal(tmp_path, monkeypatch)

    def failing(proposal_id, settings=None, fingerprint=None, progress=None):
        progress(0.0, f"Reading proposal #{proposal_id} as it was saved")
        raise HedgingError("the DejaVu Sans fonts are not installed. Fix: install fonts-dejavu-core.")

    monkeypatch.setattr(service, "proposal_pdf", failing)
    prepare(at)
    assert not at.exception
    message = re.sub(r"\\(.)", r"\1", " ".join(e.value for e in at.error))  # shown as text: Markdown escaped
    assert f"The PDF of proposal #{number} could not be built" in message
    assert "fonts" in message and "install fonts" in message
    assert at.status[0].label == "The PDF could not be built" and at.status[0].state == "error"
    assert "Prepare the PDF proposal" in [b.label for b in at.button]  # try again once fixed
