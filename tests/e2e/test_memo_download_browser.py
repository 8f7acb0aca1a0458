"""The designation memo downloads on its own from the Proposal page, in a real browser."""

from __future__ import annotations

import io
from pathlib import Path

import pypdf
import pytest

from hedging import service
from hedging.config import Settings
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.test_pdf_download_browser import open_proposal, saved_proposal

pytestmark = pytest.mark.browser


def test_the_memo_downloads_beside_the_workbook(app_url, page, tmp_path):
    number = saved_proposal(tmp_path / "data", "FY27 compute hedge")
    open_proposal(page, app_url, number)
    button = page.get_by_role("button", name="Designation memo", exact=True)
    button.wait_for(timeout=120_000)
    for width in (1400, 1024):   # the memo sits under the Excel workbook, its label whole at both widths
        page.set_viewport_size({"width": width, "height": 1000})
        button.scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / f"proposal_memo_button_{width}.png"))
    with page.expect_download(timeout=60_000) as download:
        button.click()
    data = Path(download.value.path()).read_bytes()
    assert data[:5] == b"%PDF-" and download.value.suggested_filename == f"proposal_{number}_designation_memo.pdf"
    text = " ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(data)).pages)
    assert "Hedge designation memo" in text and "draft — would become version 1 on approval" in text
    # built once for this session when the proposal opened: one entry in the audit trail, however many clicks
    settings = Settings.from_env({"HEDGING_DATA_DIR": str(tmp_path / "data")})
    trail = service.audit_trail(settings, action="memo export")
    assert list(trail["detail"]) == ["built for download on the Proposal page"]
    assert str(trail.iloc[0]["id"]) == str(number)
    assert page.locator('[data-testid="stException"]').count() == 0
    assert not page.errors, page.errors
