"""End to end in a real browser: upload the sample company's exports, visit every page, build and
save a proposal, download its PDF, and check the PDF's headline numbers against the screen."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pypdf import PdfReader

from tests.e2e.conftest import ARTIFACTS

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.browser
PAGES = [("Market", "Forward curve and contracts"), ("Forecast", "P(spend > budget)"),
         ("Hedge program", "Trade schedule"), ("Before / after", "Hedge effectiveness")]


def metric_value(page, label: str) -> str:
    box = page.locator('[data-testid="stMetric"]').filter(has_text=label).first
    return box.locator('[data-testid="stMetricValue"]').inner_text().strip()


def test_upload_visit_every_page_save_and_download_the_pdf(app_url, page):
    page.goto(app_url, wait_until="domcontentloaded")
    page.get_by_role("heading", name="Data").wait_for(timeout=60_000)
    files = sorted(str(p) for p in (ROOT / "sample_data" / "company").glob("*.csv"))
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(files)
    page.get_by_role("button", name="Import", exact=True).click()
    page.get_by_role("heading", name="Monthly spend").wait_for(timeout=180_000)
    for link, marker in PAGES:
        page.get_by_role("link", name=link).click()
        page.get_by_text(marker, exact=True).first.wait_for(timeout=240_000)
        assert page.locator('[data-testid="stException"]').count() == 0, link
        page.screenshot(path=str(ARTIFACTS / f"e2e_{link.replace(' / ', '_').replace(' ', '_').lower()}.png"))

    page.get_by_role("link", name="Proposal").click()
    page.get_by_role("heading", name="Proposal", exact=True).wait_for(timeout=60_000)
    page.get_by_label("Company").fill("Northwind Analytics")
    page.get_by_role("button", name="Save the current program as a proposal").click()
    page.get_by_text("Saved as proposal #1.").wait_for(timeout=240_000)
    assert page.locator('[data-testid="stException"]').count() == 0
    page.screenshot(path=str(ARTIFACTS / "e2e_proposal.png"))
    on_screen = {label: metric_value(page, label) for label in ("Volatility reduction", "Net expected cost of hedging")}

    with page.expect_download(timeout=240_000) as download:
        page.get_by_role("button", name="Download the PDF proposal").click()
    pdf = Path(download.value.path()).read_bytes()
    (ARTIFACTS / "e2e_proposal.pdf").write_bytes(pdf)
    reader = PdfReader(io.BytesIO(pdf))
    text = "\n".join(p.extract_text() for p in reader.pages)
    assert len(reader.pages) >= 8
    assert "Northwind Analytics" in text
    for label, value in on_screen.items():
        assert value in text, f"{label} {value!r} is on screen but not in the PDF"
    assert not page.errors, page.errors
